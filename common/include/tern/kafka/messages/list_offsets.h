#pragma once
// ListOffsets (api key 2), versions 0–7: request and response bodies (the frame after the header).
//
//   request:  replica_id int32, isolation_level int8 (v2+),
//             topics [name string, partitions [partition_index int32,
//                                              current_leader_epoch int32 (v4+),
//                                              timestamp int64,
//                                              max_num_offsets int32 (v0 only)]]
//   response: throttle_time_ms int32 (v2+),
//             topics [name string, partitions [partition_index int32, error_code int16,
//                                              old_style_offsets [int64] (v0 only),
//                                              timestamp int64 (v1+), offset int64 (v1+),
//                                              leader_epoch int32 (v4+)]]
//
// v0 answers with a list of offsets (old_style_offsets); v1+ with one (timestamp, offset) pair.
// v3 is the same as v2 and v5 the same as v4 (v5 only adds OFFSET_NOT_AVAILABLE as an error).
// v6 is the first flexible version: compact strings and arrays, a tagged-field section after
// every structure. v7 only adds the request timestamp -3 (max_timestamp, KIP-734). v8+ (local
// log start, tiered storage) is outside this range.
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults (isolation_level 0, current_leader_epoch -1, max_num_offsets 1, timestamp and
// offset -1, leader_epoch -1).
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false — never throws or asserts — on malformed or truncated input
// (including an array count that cannot fit in the bytes left and a null array) and on a version
// outside the range; the struct is then only partly filled. decode() does not require the reader
// to be exhausted. The special timestamps are not checked here: which of them a version allows is
// the handler's business.
//
// Lifetimes: decoded structs own all their data (strings and vectors are copies); nothing points
// into the reader's buffer.
#include <cstdint>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct list_offsets_request {
  static constexpr api_key key = api_key::list_offsets;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 7;
  static constexpr std::int16_t first_flexible_version = 6;

  // Special request timestamps.
  static constexpr std::int64_t latest_timestamp = -1;    // the log end (next offset)
  static constexpr std::int64_t earliest_timestamp = -2;  // the log start
  // v7+: the record with the largest timestamp (the first one, if several share it).
  static constexpr std::int64_t max_timestamp = -3;

  // (current_leader_epoch is last so that {index, timestamp, max_num_offsets} initialisers keep
  // their meaning; the wire order is the schema's.)
  struct partition {
    std::int32_t partition_index = 0;
    std::int64_t timestamp = latest_timestamp;  // ms, or one of the special timestamps above
    std::int32_t max_num_offsets = 1;           // v0 only
    std::int32_t current_leader_epoch = -1;     // v4+; -1 = not checked
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };

  std::int32_t replica_id = -1;     // -1 for consumers
  std::int8_t isolation_level = 0;  // v2+: 0 read_uncommitted, 1 read_committed
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct list_offsets_response {
  static constexpr api_key key = api_key::list_offsets;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 7;
  static constexpr std::int16_t first_flexible_version = 6;

  struct partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::vector<std::int64_t> old_style_offsets;  // v0 only
    std::int64_t timestamp = -1;                  // v1+
    std::int64_t offset = -1;                     // v1+
    std::int32_t leader_epoch = -1;               // v4+: the epoch of `offset`, -1 if unknown
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };

  std::int32_t throttle_time_ms = 0;  // v2+
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
