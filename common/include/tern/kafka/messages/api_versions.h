#pragma once
// ApiVersions (api key 18), versions 0–3: request and response bodies (no header).
//
//   request  v0–v2: empty body
//   request  v3:    client_software_name, client_software_version (compact strings), tagged fields
//   response v0:    error_code, api_keys[api_key, min_version, max_version]
//   response v1–v2: v0 + throttle_time_ms
//   response v3:    the same fields, compact array, tagged fields on each element and at the end
// v3 is the only flexible version. Its request travels with request header v2, but the response
// header is always v0 (no tag byte) for every ApiVersions version — see api_key.h. A broker that
// does not support the requested version answers with a v0 body (error 35, UNSUPPORTED_VERSION)
// listing what it does support; a client seeing error 35 should re-read the body as v0.
// The v3 response's tagged fields (supported/finalized features, ZK migration) are skipped on
// decode and never written.
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

struct api_versions_request {
  static constexpr api_key key = api_key::api_versions;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 3;

  std::string client_software_name;     // v3+
  std::string client_software_version;  // v3+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct api_versions_response {
  static constexpr api_key key = api_key::api_versions;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 3;

  // One supported API. The key is raw: a client must accept keys it does not know.
  struct api_version {
    std::int16_t api_key = 0;
    std::int16_t min_version = 0;
    std::int16_t max_version = 0;
  };

  std::int16_t error_code = 0;
  std::vector<api_version> api_keys;
  std::int32_t throttle_time_ms = 0;  // v1+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
