#include "tern/kafka/messages/offset_delete.h"

#include "codec_util.h"
#include "tern/common/check.h"

namespace tern::kafka {

void offset_delete_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<offset_delete_request>(version));
  (void)version;  // one version; only asserted
  w.string(group_id);
  codec::write_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    codec::write_array(w, t.partitions, [&](std::int32_t p) { w.i32(p); });
  });
}

bool offset_delete_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  group_id = r.string();
  codec::read_array(r, 2 + 4, topics, [&](topic& t) {
    t.name = r.string();
    codec::read_array(r, 4, t.partitions, [&](std::int32_t& p) { p = r.i32(); });
  });
  return r.ok();
}

void offset_delete_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<offset_delete_response>(version));
  (void)version;
  w.i16(error_code);
  w.i32(throttle_time_ms);
  codec::write_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    codec::write_array(w, t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
    });
  });
}

bool offset_delete_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  error_code = r.i16();
  throttle_time_ms = r.i32();
  codec::read_array(r, 2 + 4, topics, [&](topic& t) {
    t.name = r.string();
    codec::read_array(r, 4 + 2, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.error_code = r.i16();
    });
  });
  return r.ok();
}

}  // namespace tern::kafka
