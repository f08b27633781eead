#pragma once
// DescribeGroups (api key 15), versions 0–5: request and response bodies (no header). v5 is
// flexible (compact strings, bytes and arrays, a tagged-field section after every structure) and
// has the v4 fields; v0–4 are classic.
//
//   request  v0–v2: groups[] (group ids)
//   request  v3–v5: groups[], include_authorized_operations
//   response v0:    groups[error_code, group_id, group_state, protocol_type, protocol_data,
//                          members[member_id, client_id, client_host, member_metadata,
//                                  member_assignment]]
//   response v1–v2: throttle_time_ms, then the v0 groups (v2 only changes when a broker
//                   throttles)
//   response v3:    v1 + groups[].authorized_operations (after members)
//   response v4–v5: v3 + members[].group_instance_id? (after member_id)
// (? = nullable: std::nullopt is written as null. protocol_data is the chosen protocol's name,
// e.g. "range"; member_metadata / member_assignment carry the consumer protocol payloads
// (consumer_protocol.h) and are empty unless the group is Stable.)
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults (authorized_operations INT32_MIN = "not requested").
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. decode() does not require the reader to be exhausted.
//
// Lifetimes: decoded strings are owned copies, but member_metadata and member_assignment are
// views: after decode() they point INTO the reader's buffer and must not outlive that frame.
// encode() copies them into the writer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct describe_groups_request {
  static constexpr api_key key = api_key::describe_groups;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 5;
  static constexpr std::int16_t first_flexible_version = 5;

  std::vector<std::string> groups;
  bool include_authorized_operations = false;  // v3+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct describe_groups_response {
  static constexpr api_key key = api_key::describe_groups;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 5;
  static constexpr std::int16_t first_flexible_version = 5;

  struct member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v4+
    std::string client_id;
    std::string client_host;
    wire::bytes_view member_metadata;    // view into the frame after decode()
    wire::bytes_view member_assignment;  // view into the frame after decode()
  };
  struct described_group {
    std::int16_t error_code = 0;
    std::string group_id;
    std::string group_state;  // e.g. "Stable", "Empty", "Dead"
    std::string protocol_type;
    std::string protocol_data;
    std::vector<member> members;
    std::int32_t authorized_operations = INT32_MIN;  // v3+
  };

  std::int32_t throttle_time_ms = 0;  // v1+
  std::vector<described_group> groups;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
