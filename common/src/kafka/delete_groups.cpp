#include "tern/kafka/messages/delete_groups.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {

void delete_groups_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<delete_groups_request>(version));
  (void)version;  // v0 and v1 share one layout; only asserted
  codec::write_strings(w, groups_names);
}

bool delete_groups_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::read_strings(r, groups_names);
  return r.ok();
}

void delete_groups_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<delete_groups_response>(version));
  (void)version;  // v0 and v1 share one layout; only asserted
  w.i32(throttle_time_ms);
  codec::write_array(w, results, [&](const group_result& g) {
    w.string(g.group_id);
    w.i16(g.error_code);
  });
}

bool delete_groups_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  throttle_time_ms = r.i32();
  codec::read_array(r, results, [&](group_result& g) {
    g.group_id = r.string();
    g.error_code = r.i16();
  });
  return r.ok();
}

}  // namespace tern::kafka
