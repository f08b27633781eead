#pragma once
// Metadata (api key 3), versions 0–8: request and response bodies (no header). None of these
// versions is flexible (that starts at v9), so every string and array has the classic encoding.
//
//   request  v0:    topics[name] — an EMPTY array means "all topics"
//   request  v1–v3: topics nullable — NULL means "all topics", empty means "no topics"
//   request  v4–v7: v1 + allow_auto_topic_creation
//   request  v8:    v4 + include_cluster_authorized_operations, include_topic_authorized_operations
//   response v0:    brokers[node_id, host, port], topics[error_code, name,
//                   partitions[error_code, partition_index, leader_id, replica_nodes, isr_nodes]]
//   response v1:    + brokers[].rack, controller_id (after brokers), topics[].is_internal
//   response v2:    + cluster_id (between brokers and controller_id)
//   response v3–v4: + throttle_time_ms (first field)
//   response v5–v6: + partitions[].offline_replicas
//   response v7:    + partitions[].leader_epoch (after leader_id)
//   response v8:    + topics[].topic_authorized_operations (after partitions),
//                     cluster_authorized_operations (last field)
// Authorized operations are a bit field of ACL operations; INT32_MIN (the schema's default) means
// "not asked for". v0–v6 encode exactly as before these fields existed.
//
// "All topics" is std::nullopt in every version: decoding a v0 request with an empty array gives
// nullopt, and encoding nullopt at v0 writes the empty array. A v0 request cannot ask for "no
// topics", so encoding an empty (non-null) vector at v0 asserts.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. Decoded strings are owned copies: the struct does not
// reference the reader's buffer. decode() does not require the reader to be exhausted.
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
  static constexpr std::int16_t max_version = 8;

  struct topic {
    std::string name;
  };

  std::optional<std::vector<topic>> topics;  // nullopt = all topics (see above)
  bool allow_auto_topic_creation = true;     // v4+; older clients imply true
  bool include_cluster_authorized_operations = false;  // v8+
  bool include_topic_authorized_operations = false;    // v8+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct metadata_response {
  static constexpr api_key key = api_key::metadata;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 8;
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
    std::string name;
    bool is_internal = false;  // v1+
    std::vector<partition> partitions;
    std::int32_t topic_authorized_operations = operations_not_requested;  // v8+
  };

  std::int32_t throttle_time_ms = 0;  // v3+
  std::vector<broker> brokers;
  std::optional<std::string> cluster_id;  // v2+
  std::int32_t controller_id = -1;        // v1+
  std::vector<topic> topics;
  std::int32_t cluster_authorized_operations = operations_not_requested;  // v8+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
