#pragma once
// SyncGroup (api key 14), versions 0–5: request and response bodies (no header). v4+ are flexible
// (compact strings, bytes and arrays, a tagged-field section after every structure); v0–3 are
// classic.
//
//   request  v0–v2: group_id, generation_id, member_id, assignments[member_id, assignment]
//   request  v3–v4: v0 + group_instance_id? (after member_id)
//   request  v5:    v3 + protocol_type?, protocol_name? (after group_instance_id)
//   response v0:    error_code, assignment
//   response v1–v4: throttle_time_ms, error_code, assignment
//                   (v2 only changes when a broker throttles; v3 only matches the request)
//   response v5:    throttle_time_ms, error_code, protocol_type?, protocol_name?, assignment
// (? = nullable: std::nullopt is written as null.)
//
// v5 (KIP-559): the member says which protocol type and name it thinks the generation uses; the
// coordinator answers INCONSISTENT_GROUP_PROTOCOL when they differ from the group's (a null is
// not checked), and names the group's own in the response.
//
// Only the leader sends assignments; the other members send an empty array. For the "consumer"
// protocol type the assignment bytes hold a ConsumerProtocolAssignment (consumer_protocol.h); the
// codec does not look inside. An error reply carries empty assignment bytes.
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. decode() does not require the reader to be exhausted.
//
// Lifetimes: decoded strings are owned copies, but the assignment bytes are views: after decode()
// they point INTO the reader's buffer and must not outlive that frame. encode() copies them into
// the writer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct sync_group_request {
  static constexpr api_key key = api_key::sync_group;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 5;
  static constexpr std::int16_t first_flexible_version = 4;

  struct assignment_entry {
    std::string member_id;
    wire::bytes_view assignment;  // view into the frame after decode()
  };

  std::string group_id;
  std::int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
  std::optional<std::string> protocol_type;      // v5+
  std::optional<std::string> protocol_name;      // v5+
  std::vector<assignment_entry> assignments;     // leader only

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct sync_group_response {
  static constexpr api_key key = api_key::sync_group;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 5;
  static constexpr std::int16_t first_flexible_version = 4;

  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
  std::optional<std::string> protocol_type;  // v5+
  std::optional<std::string> protocol_name;  // v5+
  wire::bytes_view assignment;  // the receiver's own assignment; view into the frame after decode()

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
