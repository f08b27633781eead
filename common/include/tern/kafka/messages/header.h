#pragma once
// Kafka request header (versions 0–2) and response header (versions 0–1).
//
//   request header v0: api_key int16, api_version int16, correlation_id int32
//   request header v1: v0 + client_id (nullable string; classic int16 length even in v2)
//   request header v2: v1 + tagged fields (flexible)
//   response header v0: correlation_id int32
//   response header v1: v0 + tagged fields (flexible)
//
// Which header version a message uses depends on its API and version: see
// request_header_version() / response_header_version() in tern/kafka/api_key.h (the ApiVersions
// response header is always v0). A frame here is the bytes after the 4-byte size prefix.
//
// Errors: encode() with a header version outside the range above is a programmer error and asserts.
// decode() returns false on malformed or truncated input and on a header version outside the
// range (it also marks the reader failed); it never throws or asserts, and the struct is then
// only partly filled. Tagged fields are skipped on decode and written empty on encode. Decoded
// strings are owned copies: the struct does not reference the reader's buffer. decode() does not
// require the reader to be exhausted — the message body follows the header in the same buffer.
#include <cstdint>
#include <optional>
#include <string>

#include "tern/common/wire.h"

namespace tern::kafka {

struct request_header {
  static constexpr std::int16_t min_header_version = 0;
  static constexpr std::int16_t max_header_version = 2;

  std::int16_t api_key = 0;  // raw: an unknown key must still decode so it can be refused
  std::int16_t api_version = 0;
  std::int32_t correlation_id = 0;
  std::optional<std::string> client_id;  // v1+

  void encode(wire::wire_writer& w, std::int16_t header_version) const;
  bool decode(wire::wire_reader& r, std::int16_t header_version);
};

struct response_header {
  static constexpr std::int16_t min_header_version = 0;
  static constexpr std::int16_t max_header_version = 1;

  std::int32_t correlation_id = 0;

  void encode(wire::wire_writer& w, std::int16_t header_version) const;
  bool decode(wire::wire_reader& r, std::int16_t header_version);
};

// Reads api_key, api_version and correlation_id from the first 8 bytes of a request frame (the
// part every request header version shares), so the dispatcher can choose the header version —
// and answer an unknown API with its correlation id. Returns false (outputs untouched) if the
// frame is shorter than 8 bytes; the values themselves are not validated.
bool peek_request_api(wire::bytes_view frame, std::int16_t& key, std::int16_t& version,
                      std::int32_t& correlation_id);

}  // namespace tern::kafka
