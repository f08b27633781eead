#pragma once
// JoinGroup (api key 11), versions 0–9: request and response bodies (no header). v6+ are flexible
// (compact strings, bytes and arrays, a tagged-field section after every structure); v0–5 are
// classic.
//
//   request  v0:    group_id, session_timeout_ms, member_id, protocol_type,
//                   protocols[name, metadata]
//   request  v1–v4: group_id, session_timeout_ms, rebalance_timeout_ms, member_id, protocol_type,
//                   protocols[name, metadata]
//                   (v4 only changes behaviour: a new member must rejoin with the member_id the
//                   coordinator hands back with MEMBER_ID_REQUIRED)
//   request  v5–v7: v1 + group_instance_id? (after member_id)
//   request  v8–v9: v5 + reason? (last; KIP-800, why the member (re)joins)
//   response v0–v1: error_code, generation_id, protocol_name, leader, member_id,
//                   members[member_id, metadata]
//   response v2–v4: throttle_time_ms, then the v0 fields
//   response v5–v6: v2 + members[].group_instance_id? (between member_id and metadata)
//   response v7–v8: v5 + protocol_type? (after generation_id); protocol_name becomes nullable
//   response v9:    v7 + skip_assignment (after leader)
// (? = nullable: std::nullopt is written as null. Before v7 protocol_name is not nullable: a
// std::nullopt is written as "", and decoded as "".)
//
// skip_assignment is KIP-814's "the static leader rejoined, keep the old assignment": Tern's
// coordinator never asks for that, so it always answers false.
//
// For the "consumer" protocol type, protocols[].metadata and members[].metadata hold a
// ConsumerProtocolSubscription (consumer_protocol.h); the codec does not look inside.
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults (rebalance_timeout_ms -1 before v1: the coordinator then uses
// session_timeout_ms).
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. decode() does not require the reader to be exhausted.
//
// Lifetimes: decoded strings are owned copies, but the metadata bytes are views: after decode()
// they point INTO the reader's buffer and must not outlive that frame. encode() copies them into
// the writer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct join_group_request {
  static constexpr api_key key = api_key::join_group;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 9;
  static constexpr std::int16_t first_flexible_version = 6;

  struct protocol {
    std::string name;           // e.g. "range"
    wire::bytes_view metadata;  // view into the frame after decode()
  };

  std::string group_id;
  std::int32_t session_timeout_ms = 0;
  std::int32_t rebalance_timeout_ms = -1;        // v1+
  std::string member_id;                         // "" on the first join
  std::optional<std::string> group_instance_id;  // v5+; null unless static membership
  std::string protocol_type;                     // e.g. "consumer"
  std::vector<protocol> protocols;
  std::optional<std::string> reason;  // v8+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct join_group_response {
  static constexpr api_key key = api_key::join_group;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 9;
  static constexpr std::int16_t first_flexible_version = 6;

  struct member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v5+
    wire::bytes_view metadata;                     // view into the frame after decode()
  };

  std::int32_t throttle_time_ms = 0;  // v2+
  std::int16_t error_code = 0;
  std::int32_t generation_id = -1;
  std::optional<std::string> protocol_type;  // v7+; null on error
  std::optional<std::string> protocol_name;  // null on error (v7+; "" before)
  std::string leader;                        // member_id of the leader
  bool skip_assignment = false;              // v9+
  std::string member_id;                     // the receiver's own member_id
  std::vector<member> members;               // every member for the leader, empty for the others

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
