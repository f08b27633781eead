#pragma once
// OffsetForLeaderEpoch (api key 23), versions 0–4: request and response bodies (the frame after
// the header). A follower (or a consumer) asks the leader where an epoch ends in the leader's log,
// to find and truncate a divergent tail before it fetches. v4 is flexible: compact strings and
// arrays, and a tagged-field section after every structure.
//
//   request:  replica_id int32 (v3+),
//             topics [topic string,
//                     partitions [partition int32, current_leader_epoch int32 (v2+),
//                                 leader_epoch int32]]
//   response: throttle_time_ms int32 (v2+),
//             topics [topic string,
//                     partitions [error_code int16, partition int32, leader_epoch int32 (v1+),
//                                 end_offset int64]]
//
// v1 only adds the response's leader_epoch; v2 adds current_leader_epoch (fencing: a request
// epoch older than the leader's gets FENCED_LEADER_EPOCH, a newer one UNKNOWN_LEADER_EPOCH) and
// throttle_time_ms; v3 adds replica_id (-1 consumer, -2 "not given", else the follower's broker
// id). The answer (leader_epoch, end_offset) is the largest epoch <= the requested one and the
// start offset of the next epoch (or the log end); (-1, -1) when the leader knows no such epoch.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input
// (including an array count that cannot fit in the bytes left and a null array) and on a version
// outside the range; it never throws or asserts, and the struct is then only partly filled.
// decode() does not require the reader to be exhausted. Tagged fields are skipped on decode and
// written empty.
//
// Lifetimes: decoded structs own all their data (strings and vectors are copies); nothing points
// into the reader's buffer.
#include <cstdint>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct offset_for_leader_epoch_request {
  static constexpr api_key key = api_key::offset_for_leader_epoch;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 4;

  // replica_id values that are not broker ids.
  static constexpr std::int32_t consumer_replica_id = -1;
  static constexpr std::int32_t debugging_replica_id = -2;  // the schema's default

  struct partition {
    std::int32_t partition = 0;
    std::int32_t current_leader_epoch = -1;  // v2+; -1 = no fencing
    std::int32_t leader_epoch = -1;          // the epoch to look up
  };
  struct topic {
    std::string topic;
    std::vector<partition> partitions;
  };

  std::int32_t replica_id = debugging_replica_id;  // v3+
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct offset_for_leader_epoch_response {
  static constexpr api_key key = api_key::offset_for_leader_epoch;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 4;

  struct partition {
    std::int16_t error_code = 0;
    std::int32_t partition = 0;
    std::int32_t leader_epoch = -1;  // v1+; -1 = undefined
    std::int64_t end_offset = -1;    // -1 = undefined
  };
  struct topic {
    std::string topic;
    std::vector<partition> partitions;
  };

  std::int32_t throttle_time_ms = 0;  // v2+
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
