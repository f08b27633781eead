#pragma once
// ListGroups (api key 16), versions 0–4: request and response bodies (no header). v3+ are
// flexible (compact strings and arrays, a tagged-field section after every structure); v0–2 are
// classic.
//
//   request  v0–v2: empty body
//   request  v3:    empty body (only the tagged-field section)
//   request  v4:    states_filter[] (KIP-518: list only groups in these states; empty = all)
//   response v0:    error_code, groups[group_id, protocol_type]
//   response v1–v3: throttle_time_ms, then the v0 fields (v2 only changes when a broker
//                   throttles)
//   response v4:    v1 + groups[].group_state (after protocol_type)
// (types_filter / group_type are v5+ (KIP-848), outside this range.)
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
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 3;

  // State names as DescribeGroups spells them ("Stable", "Empty", ...).
  std::vector<std::string> states_filter;  // v4+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct list_groups_response {
  static constexpr api_key key = api_key::list_groups;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 3;

  struct listed_group {
    std::string group_id;
    std::string protocol_type;  // "consumer", or "" for a group that has not been joined
    std::string group_state;    // v4+: "Stable", "Empty", ... as DescribeGroups
  };

  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
  std::vector<listed_group> groups;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
