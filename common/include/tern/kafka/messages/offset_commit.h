#pragma once
// OffsetCommit (api key 8), versions 0–8: request and response bodies (no header). v8 is the
// first flexible version (compact strings and arrays, a tagged-field section after every
// structure) and otherwise equals v7; v0–v7 use the classic encoding.
//
//   request  v0:    group_id,
//                   topics[name, partitions[partition_index, committed_offset,
//                                           committed_metadata?]]
//   request  v1:    group_id, generation_id, member_id,
//                   topics[name, partitions[partition_index, committed_offset, commit_timestamp,
//                                           committed_metadata?]]
//   request  v2–v4: group_id, generation_id, member_id, retention_time_ms,
//                   topics[name, partitions[partition_index, committed_offset,
//                                           committed_metadata?]]
//   request  v5:    v2 without retention_time_ms
//   request  v6:    v5 + partitions[].committed_leader_epoch (after committed_offset)
//   request  v7:    v6 + group_instance_id? (after member_id)
//   request  v8:    v7, flexible
//   response v0–v2: topics[name, partitions[partition_index, error_code]]
//   response v3–v7: throttle_time_ms, then the v0 topics
//   response v8:    v3, flexible
// (? = nullable: std::nullopt is written as null. v3 and v4 requests equal v2; v4+ responses only
// change when a broker throttles. v9 (topic ids, KIP-848 member epochs) is outside this range.)
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults (generation_id -1, member_id "", retention_time_ms -1 = broker default,
// commit_timestamp -1, committed_leader_epoch -1).
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

struct offset_commit_request {
  static constexpr api_key key = api_key::offset_commit;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 8;
  static constexpr std::int16_t first_flexible_version = 8;

  struct partition {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = 0;
    std::int32_t committed_leader_epoch = -1;  // v6+
    std::int64_t commit_timestamp = -1;        // v1 only
    std::optional<std::string> committed_metadata;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };

  std::string group_id;
  std::int32_t generation_id = -1;               // v1+; -1 for a commit outside a group
  std::string member_id;                         // v1+
  std::optional<std::string> group_instance_id;  // v7+
  std::int64_t retention_time_ms = -1;           // v2–v4; -1 = broker default
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct offset_commit_response {
  static constexpr api_key key = api_key::offset_commit;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 8;
  static constexpr std::int16_t first_flexible_version = 8;

  struct partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };

  std::int32_t throttle_time_ms = 0;  // v3+
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
