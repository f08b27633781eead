#include "tern/kafka/messages/fetch.h"

#include "tern/common/check.h"
#include <cstddef>
#include <cstdint>

#include "codec_util.h"

namespace tern::kafka {
namespace {

// Smallest wire size of each element, for codec::read_array.
constexpr std::size_t topic_min_bytes = 2 + 4;                  // name, array count
constexpr std::size_t request_partition_min_bytes = 4 + 8 + 4;  // v4 layout
// partition_index, error_code, high_watermark, last_stable_offset, aborted count, records length
constexpr std::size_t response_partition_min_bytes = 4 + 2 + 8 + 8 + 4 + 4;
constexpr std::size_t aborted_transaction_min_bytes = 8 + 8;

void encode_partition(wire::wire_writer& w, std::int16_t version,
                      const fetch_response::partition& p) {
  w.i32(p.partition_index);
  w.i16(p.error_code);
  w.i64(p.high_watermark);
  w.i64(p.last_stable_offset);                  // v4+
  if (version >= 5) w.i64(p.log_start_offset);  // v5+
  codec::write_nullable_array(w, p.aborted_transactions,
                              [&](const fetch_response::aborted_transaction& a) {
                                w.i64(a.producer_id);
                                w.i64(a.first_offset);
                              });
  if (version >= 11) w.i32(p.preferred_read_replica);
  if (p.records_null) {
    TERN_ASSERT(p.record_batches.empty());
    w.i32(-1);
    return;
  }
  // The length, then every batch by reference: the bytes stay where they are (LMDB's map).
  std::size_t total = p.records_size();
  TERN_ASSERT(total <= static_cast<std::size_t>(INT32_MAX));
  w.i32(static_cast<std::int32_t>(total));
  for (auto span : p.record_batches) w.external(span);
}

void decode_partition(wire::wire_reader& r, std::int16_t version, fetch_response::partition& p) {
  p.partition_index = r.i32();
  p.error_code = r.i16();
  p.high_watermark = r.i64();
  p.last_stable_offset = r.i64();
  if (version >= 5) p.log_start_offset = r.i64();
  codec::read_nullable_array(r, aborted_transaction_min_bytes, p.aborted_transactions,
                             [&](fetch_response::aborted_transaction& a) {
                               a.producer_id = r.i64();
                               a.first_offset = r.i64();
                             });
  if (!r.ok()) return;
  if (version >= 11) p.preferred_read_replica = r.i32();
  auto records = r.nullable_bytes();
  if (!r.ok()) return;
  p.records_null = !records;
  // One view of the whole blob, pointing into the frame; not split into batches here.
  if (records && !records->empty()) p.record_batches.push_back(*records);
}

}  // namespace

std::size_t fetch_response::partition::records_size() const {
  std::size_t total = 0;
  for (auto span : record_batches) total += span.size();
  return total;
}

void fetch_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<fetch_request>(version));
  w.i32(replica_id);
  w.i32(max_wait_ms);
  w.i32(min_bytes);
  w.i32(max_bytes);       // v3+
  w.i8(isolation_level);  // v4+
  if (version >= 7) {
    w.i32(session_id);
    w.i32(session_epoch);
  }
  codec::write_array(w, topics, [&](const topic& t) {
    w.string(t.topic);
    codec::write_array(w, t.partitions, [&](const partition& p) {
      w.i32(p.partition);
      if (version >= 9) w.i32(p.current_leader_epoch);
      w.i64(p.fetch_offset);
      if (version >= 5) w.i64(p.log_start_offset);
      w.i32(p.partition_max_bytes);
    });
  });
  if (version >= 7) {
    codec::write_array(w, forgotten_topics_data, [&](const forgotten_topic& t) {
      w.string(t.topic);
      codec::write_int32s(w, t.partitions);
    });
  }
  if (version >= 11) w.string(rack_id);
}

bool fetch_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  replica_id = r.i32();
  max_wait_ms = r.i32();
  min_bytes = r.i32();
  max_bytes = r.i32();
  isolation_level = r.i8();
  if (version >= 7) {
    session_id = r.i32();
    session_epoch = r.i32();
  }
  codec::read_array(r, topic_min_bytes, topics, [&](topic& t) {
    t.topic = r.string();
    codec::read_array(r, request_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition = r.i32();
      if (version >= 9) p.current_leader_epoch = r.i32();
      p.fetch_offset = r.i64();
      if (version >= 5) p.log_start_offset = r.i64();
      p.partition_max_bytes = r.i32();
    });
  });
  if (version >= 7) {
    codec::read_array(r, topic_min_bytes, forgotten_topics_data, [&](forgotten_topic& t) {
      t.topic = r.string();
      codec::read_int32s(r, t.partitions);
    });
  }
  if (version >= 11) rack_id = r.string();
  return r.ok();
}

void fetch_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<fetch_response>(version));
  w.i32(throttle_time_ms);  // v1+
  if (version >= 7) {
    w.i16(error_code);
    w.i32(session_id);
  }
  codec::write_array(w, responses, [&](const topic& t) {
    w.string(t.topic);
    codec::write_array(w, t.partitions,
                       [&](const partition& p) { encode_partition(w, version, p); });
  });
}

bool fetch_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  throttle_time_ms = r.i32();
  if (version >= 7) {
    error_code = r.i16();
    session_id = r.i32();
  }
  codec::read_array(r, topic_min_bytes, responses, [&](topic& t) {
    t.topic = r.string();
    codec::read_array(r, response_partition_min_bytes, t.partitions,
                      [&](partition& p) { decode_partition(r, version, p); });
  });
  return r.ok();
}

}  // namespace tern::kafka
