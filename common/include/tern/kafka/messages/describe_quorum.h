#pragma once
// DescribeQuorum (api key 55), versions 0–1: request and response bodies (no header). Every
// version is flexible (compact strings and arrays, a tagged-field section after each structure;
// request header v2, response header v1). `kafka-metadata-quorum describe` sends it for topic
// "__cluster_metadata" partition 0; Tern answers with its Raft metadata quorum (`tern cluster
// status` reads it the same way).
//
//   request  v0–v1: topics[topic_name, partitions[partition_index]]   (v1 changes the response only)
//   response v0:    error_code, topics[topic_name, partitions[partition_index, error_code,
//                   leader_id, leader_epoch, high_watermark, current_voters[replica_id,
//                   log_end_offset], observers[same]]]
//   response v1:    + replica state last_fetch_timestamp, last_caught_up_timestamp (ms, -1 unknown)
// (The v1 tagged field HighWatermarkUpdateTimeMs is skipped on decode and never written; v2's
// directory ids, error messages and nodes are outside this range.)
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input and on a
// version outside the range; it never throws or asserts, and the struct is then only partly
// filled. A hostile array count cannot allocate more than the remaining input warrants. Strings
// are owned copies. decode() does not require the reader to be exhausted.
#include <cstdint>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

// The metadata log's topic name, as Kafka's tools ask for it.
inline constexpr const char* cluster_metadata_topic = "__cluster_metadata";

struct describe_quorum_request {
  static constexpr api_key key = api_key::describe_quorum;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  struct topic {
    std::string topic_name;
    std::vector<std::int32_t> partitions;
  };
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct describe_quorum_response {
  static constexpr api_key key = api_key::describe_quorum;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  struct replica_state {
    std::int32_t replica_id = 0;
    std::int64_t log_end_offset = -1;
    std::int64_t last_fetch_timestamp = -1;     // v1+
    std::int64_t last_caught_up_timestamp = -1; // v1+
  };
  struct partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::int32_t leader_id = -1;
    std::int32_t leader_epoch = -1;
    std::int64_t high_watermark = -1;
    std::vector<replica_state> current_voters;
    std::vector<replica_state> observers;
  };
  struct topic {
    std::string topic_name;
    std::vector<partition> partitions;
  };

  std::int16_t error_code = 0;
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
