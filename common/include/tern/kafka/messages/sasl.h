#pragma once
// SaslHandshake (api key 17) and SaslAuthenticate (api key 36): request and response bodies (no
// header).
//
//   SaslHandshake request  v0–v1: mechanism
//   SaslHandshake response v0–v1: error_code, mechanisms[]   (v1 only changes what follows: the
//                                 SASL tokens travel in SaslAuthenticate, not as raw frames)
//   SaslAuthenticate request  v0–v2: auth_bytes
//   SaslAuthenticate response v0:    error_code, error_message?, auth_bytes
//                             v1–v2: v0 + session_lifetime_ms
//   SaslAuthenticate v2 is flexible (compact strings/bytes, tagged fields); SaslHandshake never is.
// (? = nullable.)
//
// Errors: encode() with a version outside [min_version, max_version] asserts. decode() returns
// false (and fails the reader) on malformed or truncated input, a null where the schema forbids
// one, or a version outside the range; it never throws. Decoded strings and bytes are owned
// copies (auth_bytes holds a password: the caller should clear it when done).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct sasl_handshake_request {
  static constexpr api_key key = api_key::sasl_handshake;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  std::string mechanism;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct sasl_handshake_response {
  static constexpr api_key key = api_key::sasl_handshake;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  std::int16_t error_code = 0;          // UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE
  std::vector<std::string> mechanisms;  // the mechanisms the server enables

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct sasl_authenticate_request {
  static constexpr api_key key = api_key::sasl_authenticate;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;

  std::vector<std::uint8_t> auth_bytes;  // the SASL token (PLAIN: authzid NUL user NUL password)

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct sasl_authenticate_response {
  static constexpr api_key key = api_key::sasl_authenticate;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;

  std::int16_t error_code = 0;  // SASL_AUTHENTICATION_FAILED, ILLEGAL_SASL_STATE
  std::optional<std::string> error_message;
  std::vector<std::uint8_t> auth_bytes;  // server token (empty for PLAIN)
  std::int64_t session_lifetime_ms = 0;  // v1+; 0 = no re-authentication required

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
