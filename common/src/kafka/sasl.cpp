#include "tern/kafka/messages/sasl.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {
namespace {
constexpr std::int16_t authenticate_first_flexible = 2;

wire::bytes_view as_view(const std::vector<std::uint8_t>& v) { return {v.data(), v.size()}; }

// Non-nullable bytes, classic or compact; null fails the reader.
std::vector<std::uint8_t> read_owned_bytes(wire::wire_reader& r, bool flexible) {
  auto b = flexible ? r.compact_nullable_bytes() : r.nullable_bytes();
  if (!b) {
    r.fail();
    return {};
  }
  return {b->begin(), b->end()};
}
}  // namespace

void sasl_handshake_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<sasl_handshake_request>(version));
  (void)version;
  w.string(mechanism);
}

bool sasl_handshake_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  mechanism = r.string();
  return r.ok();
}

void sasl_handshake_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<sasl_handshake_response>(version));
  (void)version;
  w.i16(error_code);
  codec::write_strings(w, mechanisms);
}

bool sasl_handshake_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  error_code = r.i16();
  codec::read_strings(r, mechanisms);
  return r.ok();
}

void sasl_authenticate_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<sasl_authenticate_request>(version));
  if (version >= authenticate_first_flexible) {
    w.compact_bytes(as_view(auth_bytes));
    w.empty_tagged_fields();
  } else {
    w.bytes(as_view(auth_bytes));
  }
}

bool sasl_authenticate_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  bool flexible = version >= authenticate_first_flexible;
  auth_bytes = read_owned_bytes(r, flexible);
  if (flexible) r.skip_tagged_fields();
  return r.ok();
}

void sasl_authenticate_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<sasl_authenticate_response>(version));
  bool flexible = version >= authenticate_first_flexible;
  w.i16(error_code);
  if (flexible) {
    w.compact_nullable_string(error_message);
    w.compact_bytes(as_view(auth_bytes));
  } else {
    w.nullable_string(error_message);
    w.bytes(as_view(auth_bytes));
  }
  if (version >= 1) w.i64(session_lifetime_ms);
  if (flexible) w.empty_tagged_fields();
}

bool sasl_authenticate_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  bool flexible = version >= authenticate_first_flexible;
  error_code = r.i16();
  error_message = flexible ? r.compact_nullable_string() : r.nullable_string();
  auth_bytes = read_owned_bytes(r, flexible);
  if (version >= 1) session_lifetime_ms = r.i64();
  if (flexible) r.skip_tagged_fields();
  return r.ok();
}

}  // namespace tern::kafka
