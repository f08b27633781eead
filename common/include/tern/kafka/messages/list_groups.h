#pragma once
// ListGroups (api key 16), versions 0–2: request and response bodies (no header). None of these
// versions is flexible (that starts at v3), so every string and array has the classic encoding.
//
//   request  v0–v2: empty body (states_filter is v4+, outside this range)
//   response v0:    error_code, groups[group_id, protocol_type]
//   response v1–v2: throttle_time_ms, then the v0 fields (v2 only changes when a broker
//                   throttles)
// (group_state / group_type are v4+/v5+, outside this range.)
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. Decoded strings are owned copies: the struct does not
// reference the reader's buffer. decode() does not require the reader to be exhausted.
#include <cstdint>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct list_groups_request {
  static constexpr api_key key = api_key::list_groups;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;

  // No fields: encode() writes nothing and decode() reads nothing (it only checks the version).
  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct list_groups_response {
  static constexpr api_key key = api_key::list_groups;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;

  struct listed_group {
    std::string group_id;
    std::string protocol_type;  // "consumer", or "" for a group that has not been joined
  };

  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
  std::vector<listed_group> groups;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
