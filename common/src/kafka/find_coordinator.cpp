#include "tern/kafka/messages/find_coordinator.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {

void find_coordinator_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<find_coordinator_request>(version));
  w.string(coordinator_key);
  if (version >= 1) w.i8(key_type);
}

bool find_coordinator_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  coordinator_key = r.string();
  if (version >= 1) key_type = r.i8();
  return r.ok();
}

void find_coordinator_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<find_coordinator_response>(version));
  if (version >= 1) w.i32(throttle_time_ms);
  w.i16(error_code);
  if (version >= 1) w.nullable_string(error_message);
  w.i32(node_id);
  w.string(host);
  w.i32(port);
}

bool find_coordinator_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 1) throttle_time_ms = r.i32();
  error_code = r.i16();
  if (version >= 1) error_message = r.nullable_string();
  node_id = r.i32();
  host = r.string();
  port = r.i32();
  return r.ok();
}

}  // namespace tern::kafka
