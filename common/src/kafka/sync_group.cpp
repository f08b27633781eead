#include "tern/kafka/messages/sync_group.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {

void sync_group_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<sync_group_request>(version));
  w.string(group_id);
  w.i32(generation_id);
  w.string(member_id);
  if (version >= 3) w.nullable_string(group_instance_id);
  codec::write_array(w, assignments, [&](const assignment_entry& a) {
    w.string(a.member_id);
    w.bytes(a.assignment);
  });
}

bool sync_group_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  group_id = r.string();
  generation_id = r.i32();
  member_id = r.string();
  if (version >= 3) group_instance_id = r.nullable_string();
  codec::read_array(r, assignments, [&](assignment_entry& a) {
    a.member_id = r.string();
    a.assignment = codec::read_bytes(r);
  });
  return r.ok();
}

void sync_group_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<sync_group_response>(version));
  if (version >= 1) w.i32(throttle_time_ms);
  w.i16(error_code);
  w.bytes(assignment);
}

bool sync_group_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 1) throttle_time_ms = r.i32();
  error_code = r.i16();
  assignment = codec::read_bytes(r);
  return r.ok();
}

}  // namespace tern::kafka
