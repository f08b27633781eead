#pragma once
// Heartbeat (api key 12), versions 0–4: request and response bodies (no header). v4 is flexible
// (compact strings, a tagged-field section ending each body) and has the v3 fields; v0–3 are
// classic.
//
//   request  v0–v2: group_id, generation_id, member_id
//   request  v3–v4: v0 + group_instance_id? (last)
//   response v0:    error_code
//   response v1–v4: throttle_time_ms, error_code
//                   (v2 only changes when a broker throttles; v3 only matches the request)
// (? = nullable: std::nullopt is written as null.)
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. Decoded strings are owned copies: the struct
// does not reference the reader's buffer. decode() does not require the reader to be exhausted.
#include <cstdint>
#include <optional>
#include <string>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct heartbeat_request {
  static constexpr api_key key = api_key::heartbeat;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 4;

  std::string group_id;
  std::int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct heartbeat_response {
  static constexpr api_key key = api_key::heartbeat;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 4;

  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;        // REBALANCE_IN_PROGRESS tells the member to rejoin

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
