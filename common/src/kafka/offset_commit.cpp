#include "tern/kafka/messages/offset_commit.h"

#include <cstddef>

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {

using request = offset_commit_request;
using response = offset_commit_response;

// Smallest wire size of each element (compact layout, never larger than the classic one), for
// the array count checks.
constexpr std::size_t topic_min_bytes = 1 + 1;                  // name, partition count
constexpr std::size_t request_partition_min_bytes = 4 + 8 + 1;  // index, offset, metadata
constexpr std::size_t response_partition_min_bytes = 4 + 2;     // index, error_code

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

void encode_partition(wire::wire_writer& w, codec::flex_writer& out, const request::partition& p,
                      std::int16_t version) {
  w.i32(p.partition_index);
  w.i64(p.committed_offset);
  if (version >= 6) w.i32(p.committed_leader_epoch);
  if (version == 1) w.i64(p.commit_timestamp);
  out.nullable_string(p.committed_metadata);
  out.tags();
}

void decode_partition(wire::wire_reader& r, codec::flex_reader& in, request::partition& p,
                      std::int16_t version) {
  p.partition_index = r.i32();
  p.committed_offset = r.i64();
  if (version >= 6) p.committed_leader_epoch = r.i32();
  if (version == 1) p.commit_timestamp = r.i64();
  p.committed_metadata = in.nullable_string();
  in.tags();
}

}  // namespace

void offset_commit_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.string(group_id);
  if (version >= 1) {
    w.i32(generation_id);
    out.string(member_id);
  }
  if (version >= 7) out.nullable_string(group_instance_id);
  if (version >= 2 && version <= 4) w.i64(retention_time_ms);
  out.array(topics, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partitions, [&](const partition& p) { encode_partition(w, out, p, version); });
    out.tags();
  });
  out.tags();
}

bool offset_commit_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  group_id = in.string();
  if (version >= 1) {
    generation_id = r.i32();
    member_id = in.string();
  }
  if (version >= 7) group_instance_id = in.nullable_string();
  if (version >= 2 && version <= 4) retention_time_ms = r.i64();
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.name = in.string();
    in.array(request_partition_min_bytes, t.partitions,
             [&](partition& p) { decode_partition(r, in, p, version); });
    in.tags();
  });
  in.tags();
  return r.ok();
}

void offset_commit_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 3) w.i32(throttle_time_ms);
  out.array(topics, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
      out.tags();
    });
    out.tags();
  });
  out.tags();
}

bool offset_commit_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 3) throttle_time_ms = r.i32();
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.name = in.string();
    in.array(response_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.error_code = r.i16();
      in.tags();
    });
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
