#pragma once
// FindCoordinator (api key 10), versions 0–2: request and response bodies (no header). None of
// these versions is flexible (that starts at v3), so every string has the classic encoding.
//
//   request  v0:    key
//   request  v1–v2: key, key_type (the two versions are identical)
//   response v0:    error_code, node_id, host, port
//   response v1–v2: throttle_time_ms, error_code, error_message?, node_id, host, port
//                   (v2 only changes when a broker throttles)
// (? = nullable: std::nullopt is written as null. Batched coordinator_keys, v4+, are outside this
// range.) The schema's Key is `coordinator_key` here, because `key` is the api key in every
// message.
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults (so a v0 request always decodes with key_type 0, "group").
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

struct find_coordinator_request {
  static constexpr api_key key = api_key::find_coordinator;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;

  static constexpr std::int8_t key_type_group = 0;
  static constexpr std::int8_t key_type_transaction = 1;

  std::string coordinator_key;            // the schema's Key: a group id (or transactional id)
  std::int8_t key_type = key_type_group;  // v1+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct find_coordinator_response {
  static constexpr api_key key = api_key::find_coordinator;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;

  std::int32_t throttle_time_ms = 0;  // v1+
  std::int16_t error_code = 0;
  std::optional<std::string> error_message;  // v1+
  std::int32_t node_id = 0;
  std::string host;
  std::int32_t port = 0;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
