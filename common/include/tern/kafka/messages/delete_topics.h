#pragma once
// DeleteTopics (api key 20), versions 0–6: request and response bodies (no header). v4+ is
// flexible: compact strings and arrays, and a tagged-field section after every structure.
//
//   request  v0–v3: topic_names[], timeout_ms (the versions are identical)
//   request  v4–v5: the same, flexible
//   request  v6:    topics[name?, topic_id], timeout_ms — a topic is named by name or by id
//   response v0:    responses[name, error_code]
//   response v1–v4: throttle_time_ms, then the v0 responses (v2 and v3 only change throttling
//                   and error semantics; v4 is flexible)
//   response v5:    + responses[].error_message?
//   response v6:    responses[name?, topic_id, error_code, error_message?]
// (? = nullable: std::nullopt is written as null.)
//
// The request carries the two lists of the schema: topic_names is written at v0–v5 and `topics`
// at v6; encode() ignores the other one, decode() fills only the one the version has.
// Null topic names: where a name is nullable (request and response v6) the empty string stands
// for null — Kafka never accepts an empty topic name: encode() writes null for "", decode() gives
// "" for null (and for an empty string). Topic ids are 16 raw bytes; all zero = no id.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. Decoded strings are owned copies: the struct does not
// reference the reader's buffer. decode() does not require the reader to be exhausted. Tagged
// fields are skipped on decode and written empty.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct delete_topics_request {
  static constexpr api_key key = api_key::delete_topics;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 6;
  static constexpr std::int16_t first_flexible_version = 4;

  struct topic {
    std::string name;                         // "" = null: delete by topic_id
    std::array<std::uint8_t, 16> topic_id{};  // zero: delete by name
  };

  std::vector<std::string> topic_names;  // v0–v5
  std::vector<topic> topics;             // v6+
  std::int32_t timeout_ms = 0;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct delete_topics_response {
  static constexpr api_key key = api_key::delete_topics;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 6;
  static constexpr std::int16_t first_flexible_version = 4;

  struct topic_result {
    std::string name;                          // "" = null (v6+)
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;  // v5+
    std::array<std::uint8_t, 16> topic_id{};   // v6+
  };

  std::int32_t throttle_time_ms = 0;  // v1+
  std::vector<topic_result> responses;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
