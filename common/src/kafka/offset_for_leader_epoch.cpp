#include "tern/kafka/messages/offset_for_leader_epoch.h"

#include "tern/common/check.h"
#include <cstddef>
#include <cstdint>

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = offset_for_leader_epoch_request;
using response = offset_for_leader_epoch_response;

// Smallest wire size of each element (classic layout of v0, which is never larger than a later
// or compact one), for the array count checks.
constexpr std::size_t topic_min_bytes = 1 + 1;                    // compact name, compact count
constexpr std::size_t request_partition_min_bytes = 4 + 4;        // partition, leader_epoch
constexpr std::size_t response_partition_min_bytes = 2 + 4 + 8;   // error, partition, end_offset

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

}  // namespace

void offset_for_leader_epoch_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<offset_for_leader_epoch_request>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 3) w.i32(replica_id);
  out.array(topics, [&](const topic& t) {
    out.string(t.topic);
    out.array(t.partitions, [&](const partition& p) {
      w.i32(p.partition);
      if (version >= 2) w.i32(p.current_leader_epoch);
      w.i32(p.leader_epoch);
      out.tags();
    });
    out.tags();
  });
  out.tags();
}

bool offset_for_leader_epoch_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 3) replica_id = r.i32();
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.topic = in.string();
    in.array(request_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition = r.i32();
      if (version >= 2) p.current_leader_epoch = r.i32();
      p.leader_epoch = r.i32();
      in.tags();
    });
    in.tags();
  });
  in.tags();
  return r.ok();
}

void offset_for_leader_epoch_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<offset_for_leader_epoch_response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 2) w.i32(throttle_time_ms);
  out.array(topics, [&](const topic& t) {
    out.string(t.topic);
    out.array(t.partitions, [&](const partition& p) {
      w.i16(p.error_code);
      w.i32(p.partition);
      if (version >= 1) w.i32(p.leader_epoch);
      w.i64(p.end_offset);
      out.tags();
    });
    out.tags();
  });
  out.tags();
}

bool offset_for_leader_epoch_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 2) throttle_time_ms = r.i32();
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.topic = in.string();
    in.array(response_partition_min_bytes, t.partitions, [&](partition& p) {
      p.error_code = r.i16();
      p.partition = r.i32();
      if (version >= 1) p.leader_epoch = r.i32();
      p.end_offset = r.i64();
      in.tags();
    });
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
