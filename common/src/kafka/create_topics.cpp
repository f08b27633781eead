#include "tern/kafka/messages/create_topics.h"

#include <cassert>

namespace tern::kafka {
namespace {

static_assert(create_topics_request::min_version == create_topics_response::min_version &&
              create_topics_request::max_version == create_topics_response::max_version);

bool in_range(std::int16_t version) {
  return version >= create_topics_request::min_version &&
         version <= create_topics_request::max_version;
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

void encode_topic(wire::wire_writer& w, const create_topics_request::topic& t) {
  w.string(t.name);
  w.i32(t.num_partitions);
  w.i16(t.replication_factor);
  write_count(w, t.assignments.size());
  for (const auto& a : t.assignments) {
    w.i32(a.partition_index);
    write_count(w, a.broker_ids.size());
    for (auto id : a.broker_ids) w.i32(id);
  }
  write_count(w, t.configs.size());
  for (const auto& c : t.configs) {
    w.string(c.name);
    w.nullable_string(c.value);
  }
}

void decode_topic(wire::wire_reader& r, create_topics_request::topic& t) {
  t.name = r.string();
  t.num_partitions = r.i32();
  t.replication_factor = r.i16();
  read_array(r, t.assignments, [&](create_topics_request::assignment& a) {
    a.partition_index = r.i32();
    read_array(r, a.broker_ids, [&](std::int32_t& id) { id = r.i32(); });
  });
  read_array(r, t.configs, [&](create_topics_request::config& c) {
    c.name = r.string();
    c.value = r.nullable_string();
  });
}

}  // namespace

void create_topics_request::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(in_range(version));
  write_count(w, topics.size());
  for (const auto& t : topics) encode_topic(w, t);
  w.i32(timeout_ms);
  if (version >= 1) w.boolean(validate_only);
}

bool create_topics_request::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (!in_range(version)) {
    r.fail();
    return false;
  }
  read_array(r, topics, [&](topic& t) { decode_topic(r, t); });
  timeout_ms = r.i32();
  if (version >= 1) validate_only = r.boolean();
  return r.ok();
}

void create_topics_response::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(in_range(version));
  if (version >= 2) w.i32(throttle_time_ms);
  write_count(w, topics.size());
  for (const auto& t : topics) {
    w.string(t.name);
    w.i16(t.error_code);
    if (version >= 1) w.nullable_string(t.error_message);
  }
}

bool create_topics_response::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (!in_range(version)) {
    r.fail();
    return false;
  }
  if (version >= 2) throttle_time_ms = r.i32();
  read_array(r, topics, [&](topic_result& t) {
    t.name = r.string();
    t.error_code = r.i16();
    if (version >= 1) t.error_message = r.nullable_string();
  });
  return r.ok();
}

}  // namespace tern::kafka
