#pragma once
// LeaveGroup (api key 13), versions 0–5: request and response bodies (no header). v4+ are
// flexible (compact strings and arrays, a tagged-field section after every structure); v0–3 are
// classic.
//
//   request  v0–v2: group_id, member_id
//   request  v3–v4: group_id, members[member_id, group_instance_id?]  (batch leave, KIP-345)
//   request  v5:    group_id, members[member_id, group_instance_id?, reason?]  (KIP-800)
//   response v0:    error_code
//   response v1–v2: throttle_time_ms, error_code (v2 only changes when a broker throttles)
//   response v3–v5: throttle_time_ms, error_code, members[member_id, group_instance_id?,
//                   error_code]  (v5 is identical to v4)
// (? = nullable: std::nullopt is written as null.)
//
// The request carries either the single member_id (v0–v2) or the members array (v3); the codec
// does not convert between them: encode() writes the one the version has and drops the other, and
// decode() fills only that one.
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

struct leave_group_request {
  static constexpr api_key key = api_key::leave_group;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 5;
  static constexpr std::int16_t first_flexible_version = 4;

  struct member_identity {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::optional<std::string> reason;  // v5+: why the member leaves (the broker logs it)
  };

  std::string group_id;
  std::string member_id;                 // v0–v2 only
  std::vector<member_identity> members;  // v3+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct leave_group_response {
  static constexpr api_key key = api_key::leave_group;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 5;
  static constexpr std::int16_t first_flexible_version = 4;

  struct member_response {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::int16_t error_code = 0;
  };

  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
  std::vector<member_response> members;  // v3+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
