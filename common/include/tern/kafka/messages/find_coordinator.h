#pragma once
// FindCoordinator (api key 10), versions 0–4: request and response bodies (no header). v3+ are
// flexible (compact strings and arrays, a tagged-field section after every structure); v0–2 are
// classic.
//
//   request  v0:    key
//   request  v1–v3: key, key_type (v1 and v2 are identical)
//   request  v4:    key_type, coordinator_keys[]  (KIP-699: several keys of one type at once)
//   response v0:    error_code, node_id, host, port
//   response v1–v3: throttle_time_ms, error_code, error_message?, node_id, host, port
//                   (v2 only changes when a broker throttles)
//   response v4:    throttle_time_ms, coordinators[key, node_id, host, port, error_code,
//                   error_message?]  (one per requested key)
// (? = nullable: std::nullopt is written as null.) The schema's Key is `coordinator_key` here,
// because `key` is the api key in every message.
//
// Single-key (v0–3) and batched (v4) layouts do not share fields: encode() writes the ones its
// version has and drops the others, decode() fills only those, and the codec never converts one
// into the other (the broker's handler and Tern's client do, per version). Fields a version lacks
// keep their defaults (so a v0 request always decodes with key_type 0, "group").
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count (v4) cannot allocate
// more than the remaining input warrants. Decoded strings are owned copies: the struct does not
// reference the reader's buffer. decode() does not require the reader to be exhausted.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct find_coordinator_request {
  static constexpr api_key key = api_key::find_coordinator;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 3;
  static constexpr std::int16_t first_batched_version = 4;

  static constexpr std::int8_t key_type_group = 0;
  static constexpr std::int8_t key_type_transaction = 1;

  std::string coordinator_key;  // v0–3, the schema's Key: a group id (or transactional id)
  std::int8_t key_type = key_type_group;      // v1+
  std::vector<std::string> coordinator_keys;  // v4+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct find_coordinator_response {
  static constexpr api_key key = api_key::find_coordinator;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 3;

  // One key's answer in v4+; v0–3 carry the same fields at the top level.
  struct coordinator {
    std::string coordinator_key;  // the schema's Key
    std::int32_t node_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
  };

  std::int32_t throttle_time_ms = 0;         // v1+
  std::int16_t error_code = 0;               // v0–3
  std::optional<std::string> error_message;  // v1–3
  std::int32_t node_id = 0;                  // v0–3
  std::string host;                          // v0–3
  std::int32_t port = 0;                     // v0–3
  std::vector<coordinator> coordinators;     // v4+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
