#include "tern/kafka/messages/header.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {

void request_header::encode(wire::wire_writer& w, std::int16_t header_version) const {
  TERN_ASSERT(codec::in_range(header_version, min_header_version, max_header_version));
  w.i16(api_key);
  w.i16(api_version);
  w.i32(correlation_id);
  // client_id keeps the classic int16 length even in the flexible v2 header, so that any broker
  // can read the header of an ApiVersions request newer than it knows.
  if (header_version >= 1) w.nullable_string(client_id);
  if (header_version >= 2) w.empty_tagged_fields();
}

bool request_header::decode(wire::wire_reader& r, std::int16_t header_version) {
  if (!codec::begin_decode(*this, r, header_version, min_header_version, max_header_version)) {
    return false;
  }
  api_key = r.i16();
  api_version = r.i16();
  correlation_id = r.i32();
  if (header_version >= 1) client_id = r.nullable_string();
  if (header_version >= 2) r.skip_tagged_fields();
  return r.ok();
}

void response_header::encode(wire::wire_writer& w, std::int16_t header_version) const {
  TERN_ASSERT(codec::in_range(header_version, min_header_version, max_header_version));
  w.i32(correlation_id);
  if (header_version >= 1) w.empty_tagged_fields();
}

bool response_header::decode(wire::wire_reader& r, std::int16_t header_version) {
  if (!codec::begin_decode(*this, r, header_version, min_header_version, max_header_version)) {
    return false;
  }
  correlation_id = r.i32();
  if (header_version >= 1) r.skip_tagged_fields();
  return r.ok();
}

bool peek_request_api(wire::bytes_view frame, std::int16_t& key, std::int16_t& version,
                      std::int32_t& correlation_id) {
  wire::wire_reader r(frame);
  std::int16_t k = r.i16();
  std::int16_t v = r.i16();
  std::int32_t c = r.i32();
  if (!r.ok()) return false;
  key = k;
  version = v;
  correlation_id = c;
  return true;
}

}  // namespace tern::kafka
