#include "tern/kafka/messages/delete_records.h"

#include <cstddef>

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {

using request = delete_records_request;
using response = delete_records_response;

// Smallest wire size of each element (compact layout), for the array count checks.
constexpr std::size_t topic_min_bytes = 1 + 1;                 // name, partition count
constexpr std::size_t request_partition_min_bytes = 4 + 8;     // index, offset
constexpr std::size_t response_partition_min_bytes = 4 + 8 + 2;  // index, low watermark, error

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

}  // namespace

void delete_records_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.array(topics, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i64(p.offset);
      out.tags();
    });
    out.tags();
  });
  w.i32(timeout_ms);
  out.tags();
}

bool delete_records_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.name = in.string();
    in.array(request_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.offset = r.i64();
      in.tags();
    });
    in.tags();
  });
  timeout_ms = r.i32();
  in.tags();
  return r.ok();
}

void delete_records_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  w.i32(throttle_time_ms);
  out.array(topics, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i64(p.low_watermark);
      w.i16(p.error_code);
      out.tags();
    });
    out.tags();
  });
  out.tags();
}

bool delete_records_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  throttle_time_ms = r.i32();
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.name = in.string();
    in.array(response_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.low_watermark = r.i64();
      p.error_code = r.i16();
      in.tags();
    });
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
