#include "tern/kafka/messages/fetch.h"

#include <cassert>
#include <cstddef>
#include <cstdint>

namespace tern::kafka {
namespace {

// Checks a decoded array count against the bytes left at `min_wire_bytes` per element (the
// smallest encoding an element can have), so reserve() is bounded by the frame size rather than
// by a hostile count. -1 (null) passes; the caller decides whether null is legal.
bool count_fits(wire::wire_reader& r, std::int32_t n, std::size_t min_wire_bytes) {
  if (!r.ok()) return false;
  if (n > 0 && static_cast<std::size_t>(n) > r.remaining() / min_wire_bytes) {
    r.fail();
    return false;
  }
  return true;
}

// Reads a non-nullable array, stopping at the first malformed element.
template <typename T, typename ReadOne>
void read_array(wire::wire_reader& r, std::size_t min_wire_bytes, std::vector<T>& out,
                ReadOne read_one) {
  out.clear();
  std::int32_t n = r.array_length();
  if (!count_fits(r, n, min_wire_bytes)) return;
  if (n < 0) {
    r.fail();
    return;
  }
  out.reserve(static_cast<std::size_t>(n));
  for (std::int32_t i = 0; i < n && r.ok(); ++i) read_one(out.emplace_back());
}

template <typename T, typename WriteOne>
void write_array(wire::wire_writer& w, const std::vector<T>& items, WriteOne write_one) {
  assert(items.size() <= static_cast<std::size_t>(INT32_MAX));
  w.array_length(static_cast<std::int32_t>(items.size()));
  for (const auto& item : items) write_one(item);
}

// Smallest wire size of each element, for read_array.
constexpr std::size_t topic_min_bytes = 2 + 4;                  // name, array count
constexpr std::size_t request_partition_min_bytes = 4 + 8 + 4;  // v4 layout
constexpr std::size_t forgotten_partition_min_bytes = 4;
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
  if (!p.aborted_transactions) {
    w.array_length(-1);
  } else {
    write_array(w, *p.aborted_transactions, [&](const fetch_response::aborted_transaction& a) {
      w.i64(a.producer_id);
      w.i64(a.first_offset);
    });
  }
  if (version >= 11) w.i32(p.preferred_read_replica);
  if (p.records_null) {
    assert(p.record_batches.empty());
    w.i32(-1);
    return;
  }
  // The length, then every batch by reference: the bytes stay where they are (LMDB's map).
  std::size_t total = p.records_size();
  assert(total <= static_cast<std::size_t>(INT32_MAX));
  w.i32(static_cast<std::int32_t>(total));
  for (auto span : p.record_batches) w.external(span);
}

void decode_partition(wire::wire_reader& r, std::int16_t version, fetch_response::partition& p) {
  p.partition_index = r.i32();
  p.error_code = r.i16();
  p.high_watermark = r.i64();
  p.last_stable_offset = r.i64();
  if (version >= 5) p.log_start_offset = r.i64();
  std::int32_t n = r.array_length();
  if (!count_fits(r, n, aborted_transaction_min_bytes)) return;
  if (n < 0) {
    p.aborted_transactions.reset();
  } else {
    p.aborted_transactions->reserve(static_cast<std::size_t>(n));
    for (std::int32_t i = 0; i < n && r.ok(); ++i) {
      auto& a = p.aborted_transactions->emplace_back();
      a.producer_id = r.i64();
      a.first_offset = r.i64();
    }
  }
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
  assert(version >= min_version && version <= max_version);
  w.i32(replica_id);
  w.i32(max_wait_ms);
  w.i32(min_bytes);
  w.i32(max_bytes);       // v3+
  w.i8(isolation_level);  // v4+
  if (version >= 7) {
    w.i32(session_id);
    w.i32(session_epoch);
  }
  write_array(w, topics, [&](const topic& t) {
    w.string(t.topic);
    write_array(w, t.partitions, [&](const partition& p) {
      w.i32(p.partition);
      if (version >= 9) w.i32(p.current_leader_epoch);
      w.i64(p.fetch_offset);
      if (version >= 5) w.i64(p.log_start_offset);
      w.i32(p.partition_max_bytes);
    });
  });
  if (version >= 7) {
    write_array(w, forgotten_topics_data, [&](const forgotten_topic& t) {
      w.string(t.topic);
      write_array(w, t.partitions, [&](std::int32_t index) { w.i32(index); });
    });
  }
  if (version >= 11) w.string(rack_id);
}

bool fetch_request::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (version < min_version || version > max_version) {
    r.fail();
    return false;
  }
  replica_id = r.i32();
  max_wait_ms = r.i32();
  min_bytes = r.i32();
  max_bytes = r.i32();
  isolation_level = r.i8();
  if (version >= 7) {
    session_id = r.i32();
    session_epoch = r.i32();
  }
  read_array(r, topic_min_bytes, topics, [&](topic& t) {
    t.topic = r.string();
    read_array(r, request_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition = r.i32();
      if (version >= 9) p.current_leader_epoch = r.i32();
      p.fetch_offset = r.i64();
      if (version >= 5) p.log_start_offset = r.i64();
      p.partition_max_bytes = r.i32();
    });
  });
  if (version >= 7) {
    read_array(r, topic_min_bytes, forgotten_topics_data, [&](forgotten_topic& t) {
      t.topic = r.string();
      read_array(r, forgotten_partition_min_bytes, t.partitions,
                 [&](std::int32_t& index) { index = r.i32(); });
    });
  }
  if (version >= 11) rack_id = r.string();
  return r.ok();
}

void fetch_response::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(version >= min_version && version <= max_version);
  w.i32(throttle_time_ms);  // v1+
  if (version >= 7) {
    w.i16(error_code);
    w.i32(session_id);
  }
  write_array(w, responses, [&](const topic& t) {
    w.string(t.topic);
    write_array(w, t.partitions, [&](const partition& p) { encode_partition(w, version, p); });
  });
}

bool fetch_response::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (version < min_version || version > max_version) {
    r.fail();
    return false;
  }
  throttle_time_ms = r.i32();
  if (version >= 7) {
    error_code = r.i16();
    session_id = r.i32();
  }
  read_array(r, topic_min_bytes, responses, [&](topic& t) {
    t.topic = r.string();
    read_array(r, response_partition_min_bytes, t.partitions,
               [&](partition& p) { decode_partition(r, version, p); });
  });
  return r.ok();
}

}  // namespace tern::kafka
