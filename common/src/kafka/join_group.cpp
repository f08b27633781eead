#include "tern/kafka/messages/join_group.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {

void join_group_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<join_group_request>(version));
  w.string(group_id);
  w.i32(session_timeout_ms);
  if (version >= 1) w.i32(rebalance_timeout_ms);
  w.string(member_id);
  if (version >= 5) w.nullable_string(group_instance_id);
  w.string(protocol_type);
  codec::write_array(w, protocols, [&](const protocol& p) {
    w.string(p.name);
    w.bytes(p.metadata);
  });
}

bool join_group_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  group_id = r.string();
  session_timeout_ms = r.i32();
  if (version >= 1) rebalance_timeout_ms = r.i32();
  member_id = r.string();
  if (version >= 5) group_instance_id = r.nullable_string();
  protocol_type = r.string();
  codec::read_array(r, protocols, [&](protocol& p) {
    p.name = r.string();
    p.metadata = codec::read_bytes(r);
  });
  return r.ok();
}

void join_group_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<join_group_response>(version));
  if (version >= 2) w.i32(throttle_time_ms);
  w.i16(error_code);
  w.i32(generation_id);
  w.string(protocol_name);
  w.string(leader);
  w.string(member_id);
  codec::write_array(w, members, [&](const member& m) {
    w.string(m.member_id);
    if (version >= 5) w.nullable_string(m.group_instance_id);
    w.bytes(m.metadata);
  });
}

bool join_group_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 2) throttle_time_ms = r.i32();
  error_code = r.i16();
  generation_id = r.i32();
  protocol_name = r.string();
  leader = r.string();
  member_id = r.string();
  codec::read_array(r, members, [&](member& m) {
    m.member_id = r.string();
    if (version >= 5) m.group_instance_id = r.nullable_string();
    m.metadata = codec::read_bytes(r);
  });
  return r.ok();
}

}  // namespace tern::kafka
