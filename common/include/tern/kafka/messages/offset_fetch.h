#pragma once
// OffsetFetch (api key 9), versions 0–8: request and response bodies (no header). v6 is the
// first flexible version (compact strings and arrays, a tagged-field section after every
// structure); v0–v5 use the classic encoding.
//
//   request  v0–v1: group_id, topics[name, partition_indexes[]]
//   request  v2–v5: group_id, topics?[name, partition_indexes[]] — NULL means "all topics the
//                   group has committed offsets for"
//   request  v6:    v2, flexible
//   request  v7:    v6 + require_stable (last)
//   request  v8:    groups[group_id, topics?[name, partition_indexes[]]], require_stable — several
//                   groups in one request; group_id and topics at the top level are gone
//   response v0–v1: topics[name, partitions[partition_index, committed_offset, metadata?,
//                                           error_code]]
//   response v2:    v0 + error_code (top level, after topics)
//   response v3–v4: throttle_time_ms, then the v2 fields (v4 only changes when a broker throttles)
//   response v5:    v3 + partitions[].committed_leader_epoch (after committed_offset)
//   response v6–v7: v5, flexible (v7 only adds UNSTABLE_OFFSET_COMMIT as a partition error)
//   response v8:    throttle_time_ms, groups[group_id, topics[name, partitions[partition_index,
//                   committed_offset, committed_leader_epoch, metadata?, error_code]],
//                   error_code] — one group-level error per group
// (? = nullable: std::nullopt is written as null. v0 read offsets from ZooKeeper and v1+ from the
// offsets topic; the layout is the same. v9, KIP-848's member id/epoch and topic ids, is outside
// this range.)
//
// "All topics" is std::nullopt. A v0/v1 request cannot say it, so encoding nullopt at v0/v1
// asserts and decoding a null array at v0/v1 fails.
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults (committed_leader_epoch -1, top-level error_code 0, require_stable false, and
// the empty groups list before v8; from v8 the request's group_id "" and topics nullopt, the
// response's topics empty and top-level error_code 0). A v8 request with no groups is valid on
// the wire (it asks for nothing).
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

struct offset_fetch_request {
  static constexpr api_key key = api_key::offset_fetch;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 8;
  static constexpr std::int16_t first_flexible_version = 6;

  struct topic {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
  };
  struct group {  // v8+
    std::string group_id;
    std::optional<std::vector<topic>> topics;  // nullopt = all topics
  };

  std::string group_id;                      // v0–v7
  std::optional<std::vector<topic>> topics;  // v0–v7; nullopt = all topics (v2+ only, see above)
  std::vector<group> groups;                 // v8+
  bool require_stable = false;               // v7+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct offset_fetch_response {
  static constexpr api_key key = api_key::offset_fetch;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 8;
  static constexpr std::int16_t first_flexible_version = 6;

  struct partition {
    std::int32_t partition_index = 0;
    std::int64_t committed_offset = -1;        // -1: nothing committed
    std::int32_t committed_leader_epoch = -1;  // v5+
    std::optional<std::string> metadata;
    std::int16_t error_code = 0;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };

  struct group {  // v8+
    std::string group_id;
    std::vector<topic> topics;
    std::int16_t error_code = 0;  // this group's error (e.g. GROUP_AUTHORIZATION_FAILED)
  };

  std::int32_t throttle_time_ms = 0;  // v3+
  std::vector<topic> topics;          // v0–v7
  std::int16_t error_code = 0;        // v2–v7; group-level error (e.g. NOT_COORDINATOR)
  std::vector<group> groups;          // v8+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
