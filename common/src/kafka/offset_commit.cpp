#include "tern/kafka/messages/offset_commit.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {
namespace {

void encode_partition(wire::wire_writer& w, const offset_commit_request::partition& p,
                      std::int16_t version) {
  w.i32(p.partition_index);
  w.i64(p.committed_offset);
  if (version >= 6) w.i32(p.committed_leader_epoch);
  if (version == 1) w.i64(p.commit_timestamp);
  w.nullable_string(p.committed_metadata);
}

void decode_partition(wire::wire_reader& r, offset_commit_request::partition& p,
                      std::int16_t version) {
  p.partition_index = r.i32();
  p.committed_offset = r.i64();
  if (version >= 6) p.committed_leader_epoch = r.i32();
  if (version == 1) p.commit_timestamp = r.i64();
  p.committed_metadata = r.nullable_string();
}

}  // namespace

void offset_commit_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<offset_commit_request>(version));
  w.string(group_id);
  if (version >= 1) {
    w.i32(generation_id);
    w.string(member_id);
  }
  if (version >= 7) w.nullable_string(group_instance_id);
  if (version >= 2 && version <= 4) w.i64(retention_time_ms);
  codec::write_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    codec::write_array(w, t.partitions,
                       [&](const partition& p) { encode_partition(w, p, version); });
  });
}

bool offset_commit_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  group_id = r.string();
  if (version >= 1) {
    generation_id = r.i32();
    member_id = r.string();
  }
  if (version >= 7) group_instance_id = r.nullable_string();
  if (version >= 2 && version <= 4) retention_time_ms = r.i64();
  codec::read_array(r, topics, [&](topic& t) {
    t.name = r.string();
    codec::read_array(r, t.partitions, [&](partition& p) { decode_partition(r, p, version); });
  });
  return r.ok();
}

void offset_commit_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<offset_commit_response>(version));
  if (version >= 3) w.i32(throttle_time_ms);
  codec::write_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    codec::write_array(w, t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
    });
  });
}

bool offset_commit_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 3) throttle_time_ms = r.i32();
  codec::read_array(r, topics, [&](topic& t) {
    t.name = r.string();
    codec::read_array(r, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.error_code = r.i16();
    });
  });
  return r.ok();
}

}  // namespace tern::kafka
