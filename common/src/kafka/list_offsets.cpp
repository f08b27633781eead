#include "tern/kafka/messages/list_offsets.h"

#include <cassert>
#include <cstddef>
#include <cstdint>

namespace tern::kafka {
namespace {

// Reads a non-nullable array: the count must fit in the bytes left at `min_wire_bytes` per
// element (the smallest encoding an element can have), so reserve() is bounded by the frame
// size rather than by a hostile count. Stops at the first malformed element.
template <typename T, typename ReadOne>
void read_array(wire::wire_reader& r, std::size_t min_wire_bytes, std::vector<T>& out,
                ReadOne read_one) {
  out.clear();
  std::int32_t n = r.array_length();
  if (!r.ok()) return;
  if (n < 0 || static_cast<std::size_t>(n) > r.remaining() / min_wire_bytes) {
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
constexpr std::size_t topic_min_bytes = 2 + 4;                   // name, array count
constexpr std::size_t request_partition_min_bytes = 4 + 8;       // v1+ layout
constexpr std::size_t response_partition_min_bytes = 4 + 2 + 4;  // v0 layout, no offsets
constexpr std::size_t offset_min_bytes = 8;

}  // namespace

void list_offsets_request::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(version >= min_version && version <= max_version);
  w.i32(replica_id);
  if (version >= 2) w.i8(isolation_level);
  write_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    write_array(w, t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i64(p.timestamp);
      if (version == 0) w.i32(p.max_num_offsets);
    });
  });
}

bool list_offsets_request::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (version < min_version || version > max_version) {
    r.fail();
    return false;
  }
  replica_id = r.i32();
  if (version >= 2) isolation_level = r.i8();
  read_array(r, topic_min_bytes, topics, [&](topic& t) {
    t.name = r.string();
    read_array(r, request_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.timestamp = r.i64();
      if (version == 0) p.max_num_offsets = r.i32();
    });
  });
  return r.ok();
}

void list_offsets_response::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(version >= min_version && version <= max_version);
  if (version >= 2) w.i32(throttle_time_ms);
  write_array(w, topics, [&](const topic& t) {
    w.string(t.name);
    write_array(w, t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
      if (version == 0) {
        write_array(w, p.old_style_offsets, [&](std::int64_t offset) { w.i64(offset); });
      } else {
        w.i64(p.timestamp);
        w.i64(p.offset);
      }
    });
  });
}

bool list_offsets_response::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (version < min_version || version > max_version) {
    r.fail();
    return false;
  }
  if (version >= 2) throttle_time_ms = r.i32();
  read_array(r, topic_min_bytes, topics, [&](topic& t) {
    t.name = r.string();
    read_array(r, response_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.error_code = r.i16();
      if (version == 0) {
        read_array(r, offset_min_bytes, p.old_style_offsets,
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
