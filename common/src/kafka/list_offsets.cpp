#include "tern/kafka/messages/list_offsets.h"

#include "tern/common/check.h"
#include <cstddef>
#include <cstdint>

#include "codec_util.h"

namespace tern::kafka {
namespace {

// Smallest wire size of each element, for codec::read_array.
constexpr std::size_t topic_min_bytes = 2 + 4;                   // name, array count
constexpr std::size_t request_partition_min_bytes = 4 + 8;       // v1+ layout
constexpr std::size_t response_partition_min_bytes = 4 + 2 + 4;  // v0 layout, no offsets
constexpr std::size_t offset_min_bytes = 8;

}  // namespace

void list_offsets_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<list_offsets_request>(version));
  w.i32(replica_id);
  if (version >= 2) w.i8(isolation_level);
  codec::write_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    codec::write_array(w, t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i64(p.timestamp);
      if (version == 0) w.i32(p.max_num_offsets);
    });
  });
}

bool list_offsets_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  replica_id = r.i32();
  if (version >= 2) isolation_level = r.i8();
  codec::read_array(r, topic_min_bytes, topics, [&](topic& t) {
    t.name = r.string();
    codec::read_array(r, request_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.timestamp = r.i64();
      if (version == 0) p.max_num_offsets = r.i32();
    });
  });
  return r.ok();
}

void list_offsets_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<list_offsets_response>(version));
  if (version >= 2) w.i32(throttle_time_ms);
  codec::write_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    codec::write_array(w, t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
      if (version == 0) {
        codec::write_array(w, p.old_style_offsets, [&](std::int64_t offset) { w.i64(offset); });
      } else {
        w.i64(p.timestamp);
        w.i64(p.offset);
      }
    });
  });
}

bool list_offsets_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 2) throttle_time_ms = r.i32();
  codec::read_array(r, topic_min_bytes, topics, [&](topic& t) {
    t.name = r.string();
    codec::read_array(r, response_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.error_code = r.i16();
      if (version == 0) {
        codec::read_array(r, offset_min_bytes, p.old_style_offsets,
                          [&](std::int64_t& offset) { offset = r.i64(); });
      } else {
        p.timestamp = r.i64();
        p.offset = r.i64();
      }
    });
  });
  return r.ok();
}

}  // namespace tern::kafka
