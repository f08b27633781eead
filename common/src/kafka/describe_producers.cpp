#include "tern/kafka/messages/describe_producers.h"

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {
// Smallest compact encodings: name, empty array, tags (topics); index, error, null message,
// empty array, tags (partitions); the fixed fields plus tags (producers).
constexpr std::size_t topic_min_bytes = 1 + 1 + 1;
constexpr std::size_t partition_min_bytes = 4 + 2 + 1 + 1 + 1;
constexpr std::size_t producer_bytes = 8 + 4 + 4 + 8 + 4 + 8 + 1;
}  // namespace

void describe_producers_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_producers_request>(version));
  codec::flex_writer out{w, true};
  out.array(topics, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partition_indexes, [&](std::int32_t p) { w.i32(p); });
    out.tags();
  });
  out.tags();
}

bool describe_producers_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, true};
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.name = in.string();
    in.array(4, t.partition_indexes, [&](std::int32_t& p) { p = r.i32(); });
    in.tags();
  });
  in.tags();
  return r.ok();
}

void describe_producers_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_producers_response>(version));
  codec::flex_writer out{w, true};
  w.i32(throttle_time_ms);
  out.array(topics, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
      out.nullable_string(p.error_message);
      out.array(p.active_producers, [&](const producer& s) {
        w.i64(s.producer_id);
        w.i32(s.producer_epoch);
        w.i32(s.last_sequence);
        w.i64(s.last_timestamp);
        w.i32(s.coordinator_epoch);
        w.i64(s.current_txn_start_offset);
        out.tags();
      });
      out.tags();
    });
    out.tags();
  });
  out.tags();
}

bool describe_producers_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, true};
  throttle_time_ms = r.i32();
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.name = in.string();
    in.array(partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.error_code = r.i16();
      p.error_message = in.nullable_string();
      in.array(producer_bytes, p.active_producers, [&](producer& s) {
        s.producer_id = r.i64();
        s.producer_epoch = r.i32();
        s.last_sequence = r.i32();
        s.last_timestamp = r.i64();
        s.coordinator_epoch = r.i32();
        s.current_txn_start_offset = r.i64();
        in.tags();
      });
      in.tags();
    });
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
