#pragma once
// DeleteTopics (api key 20), versions 0–1: request and response bodies (no header). Neither
// version is flexible (that starts at v4), so every string and array has the classic encoding.
//
//   request  v0–v1: topic_names[], timeout_ms (the two versions are identical)
//   response v0:    responses[name, error_code]
//   response v1:    throttle_time_ms, then the v0 responses
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

struct delete_topics_request {
  static constexpr api_key key = api_key::delete_topics;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  std::vector<std::string> topic_names;
  std::int32_t timeout_ms = 0;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct delete_topics_response {
  static constexpr api_key key = api_key::delete_topics;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  struct topic_result {
    std::string name;
    std::int16_t error_code = 0;
  };

  std::int32_t throttle_time_ms = 0;  // v1+
  std::vector<topic_result> responses;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
