#include "tern/kafka/messages/list_groups.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {

void list_groups_request::encode(wire::wire_writer&, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<list_groups_request>(version));
  (void)version;  // only asserted
}

bool list_groups_request::decode(wire::wire_reader& r, std::int16_t version) {
  return codec::begin_decode(*this, r, version) && r.ok();
}

void list_groups_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<list_groups_response>(version));
  if (version >= 1) w.i32(throttle_time_ms);
  w.i16(error_code);
  codec::write_array(w, groups, [&](const listed_group& g) {
    w.string(g.group_id);
    w.string(g.protocol_type);
  });
}

bool list_groups_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 1) throttle_time_ms = r.i32();
  error_code = r.i16();
  codec::read_array(r, groups, [&](listed_group& g) {
    g.group_id = r.string();
    g.protocol_type = r.string();
  });
  return r.ok();
}

}  // namespace tern::kafka
