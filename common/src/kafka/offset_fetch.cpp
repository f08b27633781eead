#include "tern/kafka/messages/offset_fetch.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {
namespace {

void encode_partition(wire::wire_writer& w, const offset_fetch_response::partition& p,
                      std::int16_t version) {
  w.i32(p.partition_index);
  w.i64(p.committed_offset);
  if (version >= 5) w.i32(p.committed_leader_epoch);
  w.nullable_string(p.metadata);
  w.i16(p.error_code);
}

void decode_partition(wire::wire_reader& r, offset_fetch_response::partition& p,
                      std::int16_t version) {
  p.partition_index = r.i32();
  p.committed_offset = r.i64();
  if (version >= 5) p.committed_leader_epoch = r.i32();
  p.metadata = r.nullable_string();
  p.error_code = r.i16();
}

}  // namespace

void offset_fetch_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<offset_fetch_request>(version));
  TERN_ASSERT(version >= 2 || topics.has_value());  // v0/v1 cannot ask for all topics
  (void)version;  // the layout is the same in every version; only asserted
  w.string(group_id);
  codec::write_nullable_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    codec::write_int32s(w, t.partition_indexes);
  });
}

bool offset_fetch_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  group_id = r.string();
  codec::read_nullable_array(r, topics, [&](topic& t) {
    t.name = r.string();
    codec::read_int32s(r, t.partition_indexes);
  });
  if (!topics && version < 2) r.fail();  // null is not a v0/v1 value
  return r.ok();
}

void offset_fetch_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<offset_fetch_response>(version));
  if (version >= 3) w.i32(throttle_time_ms);
  codec::write_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    codec::write_array(w, t.partitions,
                       [&](const partition& p) { encode_partition(w, p, version); });
  });
  if (version >= 2) w.i16(error_code);
}

bool offset_fetch_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 3) throttle_time_ms = r.i32();
  codec::read_array(r, topics, [&](topic& t) {
    t.name = r.string();
    codec::read_array(r, t.partitions, [&](partition& p) { decode_partition(r, p, version); });
  });
  if (version >= 2) error_code = r.i16();
  return r.ok();
}

}  // namespace tern::kafka
