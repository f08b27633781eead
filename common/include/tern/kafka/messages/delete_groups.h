#pragma once
// DeleteGroups (api key 42), versions 0–2: request and response bodies (no header). v2 is
// flexible (compact strings and arrays, a tagged-field section after every structure) with the
// v1 fields; v0–1 are classic.
//
//   request  v0–v2: groups_names[] (v0 and v1 are identical)
//   response v0–v2: throttle_time_ms, results[group_id, error_code]
//                   (v1 only changes when a broker throttles: it answers before throttling)
//
// A group is deleted only when it has no members: a group with members answers NON_EMPTY_GROUP,
// an unknown group GROUP_ID_NOT_FOUND (Kafka's codes).
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

struct delete_groups_request {
  static constexpr api_key key = api_key::delete_groups;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;
  static constexpr std::int16_t first_flexible_version = 2;

  std::vector<std::string> groups_names;  // the group ids to delete

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct delete_groups_response {
  static constexpr api_key key = api_key::delete_groups;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;
  static constexpr std::int16_t first_flexible_version = 2;

  struct group_result {
    std::string group_id;
    std::int16_t error_code = 0;  // 0, NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, NOT_COORDINATOR...
  };

  std::int32_t throttle_time_ms = 0;  // every version
  std::vector<group_result> results;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
