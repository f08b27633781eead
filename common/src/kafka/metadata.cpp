#include "tern/kafka/messages/metadata.h"

#include <cassert>

namespace tern::kafka {
namespace {

static_assert(metadata_request::min_version == metadata_response::min_version &&
              metadata_request::max_version == metadata_response::max_version);

bool in_range(std::int16_t version) {
  return version >= metadata_request::min_version && version <= metadata_request::max_version;
}

void write_count(wire::wire_writer& w, std::size_t n) {
  assert(n <= static_cast<std::size_t>(INT32_MAX));
  w.array_length(static_cast<std::int32_t>(n));
}

// Reads a non-nullable array: null fails the reader. Elements are appended one at a time (no
// reserve from the untrusted count), so memory grows only with the bytes actually consumed.
template <typename T, typename ReadOne>
void read_array(wire::wire_reader& r, std::vector<T>& out, ReadOne read_one) {
  std::int32_t n = r.array_length();
  if (n < 0) r.fail();
  for (std::int32_t i = 0; i < n && r.ok(); ++i) read_one(out.emplace_back());
}

void write_int32s(wire::wire_writer& w, const std::vector<std::int32_t>& v) {
  write_count(w, v.size());
  for (auto x : v) w.i32(x);
}

void read_int32s(wire::wire_reader& r, std::vector<std::int32_t>& out) {
  read_array(r, out, [&](std::int32_t& x) { x = r.i32(); });
}

void encode_partition(wire::wire_writer& w, const metadata_response::partition& p,
                      std::int16_t version) {
  w.i16(p.error_code);
  w.i32(p.partition_index);
  w.i32(p.leader_id);
  write_int32s(w, p.replica_nodes);
  write_int32s(w, p.isr_nodes);
  if (version >= 5) write_int32s(w, p.offline_replicas);
}

void decode_partition(wire::wire_reader& r, metadata_response::partition& p, std::int16_t version) {
  p.error_code = r.i16();
  p.partition_index = r.i32();
  p.leader_id = r.i32();
  read_int32s(r, p.replica_nodes);
  read_int32s(r, p.isr_nodes);
  if (version >= 5) read_int32s(r, p.offline_replicas);
}

void encode_topic(wire::wire_writer& w, const metadata_response::topic& t, std::int16_t version) {
  w.i16(t.error_code);
  w.string(t.name);
  if (version >= 1) w.boolean(t.is_internal);
  write_count(w, t.partitions.size());
  for (const auto& p : t.partitions) encode_partition(w, p, version);
}

void decode_topic(wire::wire_reader& r, metadata_response::topic& t, std::int16_t version) {
  t.error_code = r.i16();
  t.name = r.string();
  if (version >= 1) t.is_internal = r.boolean();
  read_array(r, t.partitions,
             [&](metadata_response::partition& p) { decode_partition(r, p, version); });
}

}  // namespace

void metadata_request::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(in_range(version));
  if (!topics) {
    // v0 says "all topics" with an empty array, v1+ with null.
    w.array_length(version == 0 ? 0 : -1);
  } else {
    assert(version >= 1 || !topics->empty());  // v0 cannot ask for no topics
    write_count(w, topics->size());
    for (const auto& t : *topics) w.string(t.name);
  }
  if (version >= 4) w.boolean(allow_auto_topic_creation);
}

bool metadata_request::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (!in_range(version)) {
    r.fail();
    return false;
  }
  std::int32_t n = r.array_length();
  if (n < 0 && version == 0) r.fail();  // null is not a v0 value
  if (n > 0 || (n == 0 && version >= 1)) {
    topics.emplace();
    for (std::int32_t i = 0; i < n && r.ok(); ++i) topics->emplace_back().name = r.string();
  }
  if (version >= 4) allow_auto_topic_creation = r.boolean();
  return r.ok();
}

void metadata_response::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(in_range(version));
  if (version >= 3) w.i32(throttle_time_ms);
  write_count(w, brokers.size());
  for (const auto& b : brokers) {
    w.i32(b.node_id);
    w.string(b.host);
    w.i32(b.port);
    if (version >= 1) w.nullable_string(b.rack);
  }
  if (version >= 2) w.nullable_string(cluster_id);
  if (version >= 1) w.i32(controller_id);
  write_count(w, topics.size());
  for (const auto& t : topics) encode_topic(w, t, version);
}

bool metadata_response::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (!in_range(version)) {
    r.fail();
    return false;
  }
  if (version >= 3) throttle_time_ms = r.i32();
  read_array(r, brokers, [&](broker& b) {
    b.node_id = r.i32();
    b.host = r.string();
    b.port = r.i32();
    if (version >= 1) b.rack = r.nullable_string();
  });
  if (version >= 2) cluster_id = r.nullable_string();
  if (version >= 1) controller_id = r.i32();
  read_array(r, topics, [&](topic& t) { decode_topic(r, t, version); });
  return r.ok();
}

}  // namespace tern::kafka
