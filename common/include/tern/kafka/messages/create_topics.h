#pragma once
// CreateTopics (api key 19), versions 0–4: request and response bodies (no header). None of these
// versions is flexible (that starts at v5), so every string and array has the classic encoding.
//
//   request  v0:    topics[name, num_partitions, replication_factor,
//                          assignments[partition_index, broker_ids[]], configs[name, value?]],
//                   timeout_ms
//   request  v1–v4: v0 + validate_only
//                   (v4 only changes meaning: num_partitions / replication_factor may be -1 for
//                   "broker default" even without assignments, KIP-464)
//   response v0:    topics[name, error_code]
//   response v1:    topics[name, error_code, error_message?]
//   response v2–v4: throttle_time_ms, then the v1 topics
// (? = nullable: std::nullopt is written as null.)
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. Decoded strings are owned copies: the struct does not
// reference the reader's buffer. decode() does not require the reader to be exhausted.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct create_topics_request {
  static constexpr api_key key = api_key::create_topics;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;

  // A manual replica placement for one partition.
  struct assignment {
    std::int32_t partition_index = 0;
    std::vector<std::int32_t> broker_ids;
  };

  struct config {
    std::string name;
    std::optional<std::string> value;
  };

  struct topic {
    std::string name;
    std::int32_t num_partitions = -1;      // -1: manual assignments or broker default
    std::int16_t replication_factor = -1;  // -1: manual assignments or broker default
    std::vector<assignment> assignments;
    std::vector<config> configs;
  };

  std::vector<topic> topics;
  std::int32_t timeout_ms = 60000;
  bool validate_only = false;  // v1+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct create_topics_response {
  static constexpr api_key key = api_key::create_topics;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;

  struct topic_result {
    std::string name;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;  // v1+
  };

  std::int32_t throttle_time_ms = 0;  // v2+
  std::vector<topic_result> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
