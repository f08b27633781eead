#include "tern/kafka/messages/produce.h"

#include "tern/common/check.h"
#include <cstddef>
#include <cstdint>

#include "codec_util.h"

namespace tern::kafka {
namespace {

// Smallest wire size of each element, for codec::read_array.
constexpr std::size_t topic_min_bytes = 2 + 4;                   // name, array count
constexpr std::size_t request_partition_min_bytes = 4 + 4;       // index, records length
constexpr std::size_t response_partition_min_bytes = 4 + 2 + 8;  // v0 layout

}  // namespace

void produce_request::encode(wire::wire_writer& w, [[maybe_unused]] std::int16_t version) const {
  TERN_ASSERT(codec::in_range<produce_request>(version));
  // v0–2 exist only so old librdkafka enables gzip/snappy/lz4 (it keys them on Produce v0
  // being advertised); they carry MessageSet v0/v1, which the hub refuses per partition.
  if (version >= 3) w.nullable_string(transactional_id);
  w.i16(acks);
  w.i32(timeout_ms);
  codec::write_array(w, topic_data, [&](const topic& t) {
    w.string(t.name);
    codec::write_array(w, t.partition_data, [&](const partition& p) {
      w.i32(p.index);
      w.nullable_bytes(p.records);
    });
  });
}

bool produce_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 3) transactional_id = r.nullable_string();
  acks = r.i16();
  timeout_ms = r.i32();
  codec::read_array(r, topic_min_bytes, topic_data, [&](topic& t) {
    t.name = r.string();
    codec::read_array(r, request_partition_min_bytes, t.partition_data, [&](partition& p) {
      p.index = r.i32();
      p.records = r.nullable_bytes();  // a view into the frame: zero-copy hand-off to storage
    });
  });
  return r.ok();
}

void produce_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<produce_response>(version));
  codec::write_array(w, responses, [&](const topic& t) {
    w.string(t.name);
    codec::write_array(w, t.partition_responses, [&](const partition& p) {
      w.i32(p.index);
      w.i16(p.error_code);
      w.i64(p.base_offset);
      if (version >= 2) w.i64(p.log_append_time_ms);
      if (version >= 5) w.i64(p.log_start_offset);
    });
  });
  if (version >= 1) w.i32(throttle_time_ms);
}

bool produce_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::read_array(r, topic_min_bytes, responses, [&](topic& t) {
    t.name = r.string();
    codec::read_array(r, response_partition_min_bytes, t.partition_responses, [&](partition& p) {
      p.index = r.i32();
      p.error_code = r.i16();
      p.base_offset = r.i64();
      if (version >= 2) p.log_append_time_ms = r.i64();
      if (version >= 5) p.log_start_offset = r.i64();
    });
  });
  if (version >= 1) throttle_time_ms = r.i32();
  return r.ok();
}

}  // namespace tern::kafka
