#pragma once
// Metadata (api key 3), versions 0–12: request and response bodies (no header). v9+ is flexible:
// compact strings and arrays, and a tagged-field section after every structure.
//
//   request  v0:    topics[name] — an EMPTY array means "all topics"
//   request  v1–v3: topics nullable — NULL means "all topics", empty means "no topics"
//   request  v4–v7: v1 + allow_auto_topic_creation
//   request  v8–v9: v4 + include_cluster_authorized_operations, include_topic_authorized_operations
//   request  v10:   topics[topic_id, name?] (the id first)
//   request  v11:   include_cluster_authorized_operations is gone (DescribeCluster has it)
//   request  v12:   as v11; a topic may be named by topic_id alone (name null). Kafka ignores
//                   topic_id below v12, and so does the hub.
//   response v0:    brokers[node_id, host, port], topics[error_code, name,
//                   partitions[error_code, partition_index, leader_id, replica_nodes, isr_nodes]]
//   response v1:    + brokers[].rack, controller_id (after brokers), topics[].is_internal
//   response v2:    + cluster_id (between brokers and controller_id)
//   response v3–v4: + throttle_time_ms (first field)
//   response v5–v6: + partitions[].offline_replicas
//   response v7:    + partitions[].leader_epoch (after leader_id)
//   response v8–v9: + topics[].topic_authorized_operations (after partitions),
//                     cluster_authorized_operations (last field)
//   response v10:   + topics[].topic_id (after name)
//   response v11:   cluster_authorized_operations is gone
//   response v12:   topics[].name nullable (null for an unknown topic asked for by id)
// Authorized operations are a bit field of ACL operations; INT32_MIN (the schema's default) means
// "not asked for". v0–v8 encode exactly as before these fields existed.
//
// Null topic names: where a name is nullable (request v10+, response v12+) the empty string
// stands for null — Kafka never accepts an empty topic name, so nothing is lost: encode() writes
// null for "", decode() gives "" for null (and for an empty string). Below those versions an
// empty name is written as the empty string. Topic ids are 16 raw bytes; all zero = no id.
//
// "All topics" is std::nullopt in every version: decoding a v0 request with an empty array gives
// nullopt, and encoding nullopt at v0 writes the empty array. A v0 request cannot ask for "no
// topics", so encoding an empty (non-null) vector at v0 asserts; so does a request topic with a
// non-zero topic_id below v10 (the id would be silently lost).
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. Decoded strings are owned copies: the struct does not
// reference the reader's buffer. decode() does not require the reader to be exhausted. Tagged
// fields are skipped on decode and written empty.
#include <array>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct metadata_request {
  static constexpr api_key key = api_key::metadata;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 12;
  static constexpr std::int16_t first_flexible_version = 9;

  struct topic {
    std::string name;                        // "" = null (v10+): look the topic up by id
    std::array<std::uint8_t, 16> topic_id{};  // v10+; only v12 requests are looked up by it
  };

  std::optional<std::vector<topic>> topics;  // nullopt = all topics (see above)
  bool allow_auto_topic_creation = true;     // v4+; older clients imply true
  bool include_cluster_authorized_operations = false;  // v8–v10
  bool include_topic_authorized_operations = false;    // v8+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct metadata_response {
  static constexpr api_key key = api_key::metadata;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 12;
  static constexpr std::int16_t first_flexible_version = 9;
  // authorized_operations value meaning "not requested" (the schema's default).
  static constexpr std::int32_t operations_not_requested = INT32_MIN;

  struct broker {
    std::int32_t node_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::optional<std::string> rack;  // v1+
  };

  struct partition {
    std::int16_t error_code = 0;
    std::int32_t partition_index = 0;
    std::int32_t leader_id = -1;
    std::int32_t leader_epoch = -1;  // v7+
    std::vector<std::int32_t> replica_nodes;
    std::vector<std::int32_t> isr_nodes;
    std::vector<std::int32_t> offline_replicas;  // v5+
  };

  struct topic {
    std::int16_t error_code = 0;
    std::string name;          // "" = null (v12+)
    bool is_internal = false;  // v1+
    std::vector<partition> partitions;
    std::int32_t topic_authorized_operations = operations_not_requested;  // v8+
    // v10+ (on the wire after name); zero for a topic that does not exist. Last here so that
    // brace-initialized topics written before it keep their meaning.
    std::array<std::uint8_t, 16> topic_id{};
  };

  std::int32_t throttle_time_ms = 0;  // v3+
  std::vector<broker> brokers;
  std::optional<std::string> cluster_id;  // v2+
  std::int32_t controller_id = -1;        // v1+
  std::vector<topic> topics;
  std::int32_t cluster_authorized_operations = operations_not_requested;  // v8–v10

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
