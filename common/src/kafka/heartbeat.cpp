#include "tern/kafka/messages/heartbeat.h"

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

bool flexible(std::int16_t version) { return version >= heartbeat_request::first_flexible_version; }

}  // namespace

void heartbeat_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<heartbeat_request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.string(group_id);
  w.i32(generation_id);
  out.string(member_id);
  if (version >= 3) out.nullable_string(group_instance_id);
  out.tags();
}

bool heartbeat_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  group_id = in.string();
  generation_id = r.i32();
  member_id = in.string();
  if (version >= 3) group_instance_id = in.nullable_string();
  in.tags();
  return r.ok();
}

void heartbeat_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<heartbeat_response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 1) w.i32(throttle_time_ms);
  w.i16(error_code);
  out.tags();
}

bool heartbeat_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 1) throttle_time_ms = r.i32();
  error_code = r.i16();
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
