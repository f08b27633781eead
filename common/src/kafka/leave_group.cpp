#include "tern/kafka/messages/leave_group.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {

void leave_group_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<leave_group_request>(version));
  w.string(group_id);
  if (version <= 2) {
    w.string(member_id);
  } else {
    codec::write_array(w, members, [&](const member_identity& m) {
      w.string(m.member_id);
      w.nullable_string(m.group_instance_id);
    });
  }
}

bool leave_group_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  group_id = r.string();
  if (version <= 2) {
    member_id = r.string();
  } else {
    codec::read_array(r, members, [&](member_identity& m) {
      m.member_id = r.string();
      m.group_instance_id = r.nullable_string();
    });
  }
  return r.ok();
}

void leave_group_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<leave_group_response>(version));
  if (version >= 1) w.i32(throttle_time_ms);
  w.i16(error_code);
  if (version >= 3) {
    codec::write_array(w, members, [&](const member_response& m) {
      w.string(m.member_id);
      w.nullable_string(m.group_instance_id);
      w.i16(m.error_code);
    });
  }
}

bool leave_group_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 1) throttle_time_ms = r.i32();
  error_code = r.i16();
  if (version >= 3) {
    codec::read_array(r, members, [&](member_response& m) {
      m.member_id = r.string();
      m.group_instance_id = r.nullable_string();
      m.error_code = r.i16();
    });
  }
  return r.ok();
}

}  // namespace tern::kafka
