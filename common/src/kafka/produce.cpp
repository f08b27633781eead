#include "tern/kafka/messages/produce.h"

#include "tern/common/check.h"
#include <cstddef>
#include <cstdint>

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = produce_request;
using response = produce_response;

// Smallest wire size of each element, for the array count checks: the compact layout, which is
// never larger than the classic one (a tag section takes a byte, an int16/int32 length saves
// more).
constexpr std::size_t topic_min_bytes = 1 + 1;                   // name, array count
constexpr std::size_t request_partition_min_bytes = 4 + 1;       // index, records length
constexpr std::size_t response_partition_min_bytes = 4 + 2 + 8;  // v0 layout
constexpr std::size_t record_error_min_bytes = 4 + 1;            // batch_index, message length

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

}  // namespace

void produce_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  // The records are copied in; room for all of them up front, so that the bytes written after
  // them (v9's tag sections, the next partition) never make the buffer grow and copy them again.
  std::size_t size_hint = 64;
  for (const auto& t : topic_data) {
    size_hint += 16 + t.name.size();
    for (const auto& p : t.partition_data) size_hint += 16 + (p.records ? p.records->size() : 0);
  }
  w.owned_mutable().reserve(w.owned_size() + size_hint);
  codec::flex_writer out{w, flexible(version)};
  // v0–2 exist only so old librdkafka enables gzip/snappy/lz4 (it keys them on Produce v0
  // being advertised); they carry MessageSet v0/v1, which the hub refuses per partition.
  if (version >= 3) out.nullable_string(transactional_id);
  w.i16(acks);
  w.i32(timeout_ms);
  out.array(topic_data, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partition_data, [&](const partition& p) {
      w.i32(p.index);
      out.flexible ? w.compact_nullable_bytes(p.records) : w.nullable_bytes(p.records);
      out.tags();
    });
    out.tags();
  });
  out.tags();
}

bool produce_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 3) transactional_id = in.nullable_string();
  acks = r.i16();
  timeout_ms = r.i32();
  in.array(topic_min_bytes, topic_data, [&](topic& t) {
    t.name = in.string();
    in.array(request_partition_min_bytes, t.partition_data, [&](partition& p) {
      p.index = r.i32();
      // A view into the frame in both encodings: zero-copy hand-off to storage. A length past
      // the end of the frame fails the reader.
      p.records = in.flexible ? r.compact_nullable_bytes() : r.nullable_bytes();
      in.tags();
    });
    in.tags();
  });
  in.tags();
  return r.ok();
}

void produce_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  out.array(responses, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partition_responses, [&](const partition& p) {
      w.i32(p.index);
      w.i16(p.error_code);
      w.i64(p.base_offset);
      if (version >= 2) w.i64(p.log_append_time_ms);
      if (version >= 5) w.i64(p.log_start_offset);
      if (version >= 8) {
        out.array(p.record_errors, [&](const record_error& e) {
          w.i32(e.batch_index);
          out.nullable_string(e.message);
          out.tags();
        });
        out.nullable_string(p.error_message);
      }
      out.tags();
    });
    out.tags();
  });
  if (version >= 1) w.i32(throttle_time_ms);
  out.tags();
}

bool produce_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  in.array(topic_min_bytes, responses, [&](topic& t) {
    t.name = in.string();
    in.array(response_partition_min_bytes, t.partition_responses, [&](partition& p) {
      p.index = r.i32();
      p.error_code = r.i16();
      p.base_offset = r.i64();
      if (version >= 2) p.log_append_time_ms = r.i64();
      if (version >= 5) p.log_start_offset = r.i64();
      if (version >= 8) {
        in.array(record_error_min_bytes, p.record_errors, [&](record_error& e) {
          e.batch_index = r.i32();
          e.message = in.nullable_string();
          in.tags();
        });
        p.error_message = in.nullable_string();
      }
      in.tags();
    });
    in.tags();
  });
  if (version >= 1) throttle_time_ms = r.i32();
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
