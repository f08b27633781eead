#include "tern/kafka/messages/create_topics.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {
namespace {

void encode_topic(wire::wire_writer& w, const create_topics_request::topic& t) {
  w.string(t.name);
  w.i32(t.num_partitions);
  w.i16(t.replication_factor);
  codec::write_array(w, t.assignments, [&](const create_topics_request::assignment& a) {
    w.i32(a.partition_index);
    codec::write_int32s(w, a.broker_ids);
  });
  codec::write_array(w, t.configs, [&](const create_topics_request::config& c) {
    w.string(c.name);
    w.nullable_string(c.value);
  });
}

void decode_topic(wire::wire_reader& r, create_topics_request::topic& t) {
  t.name = r.string();
  t.num_partitions = r.i32();
  t.replication_factor = r.i16();
  codec::read_array(r, t.assignments, [&](create_topics_request::assignment& a) {
    a.partition_index = r.i32();
    codec::read_int32s(r, a.broker_ids);
  });
  codec::read_array(r, t.configs, [&](create_topics_request::config& c) {
    c.name = r.string();
    c.value = r.nullable_string();
  });
}

}  // namespace

void create_topics_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<create_topics_request>(version));
  codec::write_array(w, topics, [&](const topic& t) { encode_topic(w, t); });
  w.i32(timeout_ms);
  if (version >= 1) w.boolean(validate_only);
}

bool create_topics_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::read_array(r, topics, [&](topic& t) { decode_topic(r, t); });
  timeout_ms = r.i32();
  if (version >= 1) validate_only = r.boolean();
  return r.ok();
}

void create_topics_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<create_topics_response>(version));
  if (version >= 2) w.i32(throttle_time_ms);
  codec::write_array(w, topics, [&](const topic_result& t) {
    w.string(t.name);
    w.i16(t.error_code);
    if (version >= 1) w.nullable_string(t.error_message);
  });
}

bool create_topics_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 2) throttle_time_ms = r.i32();
  codec::read_array(r, topics, [&](topic_result& t) {
    t.name = r.string();
    t.error_code = r.i16();
    if (version >= 1) t.error_message = r.nullable_string();
  });
  return r.ok();
}

}  // namespace tern::kafka
