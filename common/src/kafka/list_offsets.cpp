#include "tern/kafka/messages/list_offsets.h"

#include <cstddef>
#include <cstdint>

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {

using request = list_offsets_request;
using response = list_offsets_response;

// Smallest wire size of each element (compact layout, never larger than the classic one), for
// the array count checks.
constexpr std::size_t topic_min_bytes = 1 + 1;                   // name, array count
constexpr std::size_t request_partition_min_bytes = 4 + 8;       // v1+ layout
constexpr std::size_t response_partition_min_bytes = 4 + 2 + 1;  // v0 layout, no offsets
constexpr std::size_t offset_min_bytes = 8;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

}  // namespace

void list_offsets_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  w.i32(replica_id);
  if (version >= 2) w.i8(isolation_level);
  out.array(topics, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      if (version >= 4) w.i32(p.current_leader_epoch);
      w.i64(p.timestamp);
      if (version == 0) w.i32(p.max_num_offsets);
      out.tags();
    });
    out.tags();
  });
  out.tags();
}

bool list_offsets_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  replica_id = r.i32();
  if (version >= 2) isolation_level = r.i8();
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.name = in.string();
    in.array(request_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      if (version >= 4) p.current_leader_epoch = r.i32();
      p.timestamp = r.i64();
      if (version == 0) p.max_num_offsets = r.i32();
      in.tags();
    });
    in.tags();
  });
  in.tags();
  return r.ok();
}

void list_offsets_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 2) w.i32(throttle_time_ms);
  out.array(topics, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
      if (version == 0) {
        out.array(p.old_style_offsets, [&](std::int64_t offset) { w.i64(offset); });
      } else {
        w.i64(p.timestamp);
        w.i64(p.offset);
      }
      if (version >= 4) w.i32(p.leader_epoch);
      out.tags();
    });
    out.tags();
  });
  out.tags();
}

bool list_offsets_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 2) throttle_time_ms = r.i32();
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.name = in.string();
    in.array(response_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.error_code = r.i16();
      if (version == 0) {
        in.array(offset_min_bytes, p.old_style_offsets,
                 [&](std::int64_t& offset) { offset = r.i64(); });
      } else {
        p.timestamp = r.i64();
        p.offset = r.i64();
      }
      if (version >= 4) p.leader_epoch = r.i32();
      in.tags();
    });
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
