#include "tern/kafka/messages/create_topics.h"

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = create_topics_request;
using response = create_topics_response;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

// Tag of topic_config_error_code in a topic result's tagged-field section (v5+).
constexpr std::uint64_t topic_config_error_tag = 0;

void encode_topic(codec::flex_writer& out, const request::topic& t) {
  auto& w = out.w;
  out.string(t.name);
  w.i32(t.num_partitions);
  w.i16(t.replication_factor);
  out.array(t.assignments, [&](const request::assignment& a) {
    w.i32(a.partition_index);
    out.array(a.broker_ids, [&](std::int32_t id) { w.i32(id); });
    out.tags();
  });
  out.array(t.configs, [&](const request::config& c) {
    out.string(c.name);
    out.nullable_string(c.value);
    out.tags();
  });
  out.tags();
}

void decode_topic(codec::flex_reader& in, request::topic& t) {
  auto& r = in.r;
  t.name = in.string();
  t.num_partitions = r.i32();
  t.replication_factor = r.i16();
  // partition index and the broker ids count.
  in.array(4 + 1, t.assignments, [&](request::assignment& a) {
    a.partition_index = r.i32();
    in.array(4, a.broker_ids, [&](std::int32_t& id) { id = r.i32(); });
    in.tags();
  });
  in.array(2 * in.min_string_bytes(), t.configs, [&](request::config& c) {
    c.name = in.string();
    c.value = in.nullable_string();
    in.tags();
  });
  in.tags();
}

// The tagged-field section of a topic result: topic_config_error_code only when set.
void write_result_tags(wire::wire_writer& w, const response::topic_result& t) {
  if (t.topic_config_error_code == 0) return w.empty_tagged_fields();
  w.uvarint(1);
  w.uvarint(topic_config_error_tag);
  w.uvarint(2);
  w.i16(t.topic_config_error_code);
}

// Reads a topic result's tagged fields: tag 0 must hold exactly an int16; others are skipped.
void read_result_tags(wire::wire_reader& r, response::topic_result& t) {
  std::uint64_t n = r.uvarint();
  if (n > r.remaining() / 2) return r.fail();  // every field takes a tag and a size byte
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    std::uint64_t tag = r.uvarint();
    std::uint64_t size = r.uvarint();
    if (!r.ok() || size > r.remaining()) return r.fail();
    if (tag != topic_config_error_tag) {
      r.raw(static_cast<std::size_t>(size));
      continue;
    }
    if (size != 2) return r.fail();
    t.topic_config_error_code = r.i16();
  }
}

void encode_result(codec::flex_writer& out, const response::topic_result& t, std::int16_t version) {
  auto& w = out.w;
  out.string(t.name);
  if (version >= 7) w.uuid(t.topic_id);
  w.i16(t.error_code);
  if (version >= 1) out.nullable_string(t.error_message);
  if (version >= 5) {
    w.i32(t.num_partitions);
    w.i16(t.replication_factor);
    out.nullable_array(t.configs, [&](const response::config& c) {
      out.string(c.name);
      out.nullable_string(c.value);
      w.boolean(c.read_only);
      w.i8(c.config_source);
      w.boolean(c.is_sensitive);
      out.tags();
    });
    write_result_tags(w, t);
  }
}

void decode_result(codec::flex_reader& in, response::topic_result& t, std::int16_t version) {
  auto& r = in.r;
  t.name = in.string();
  if (version >= 7) t.topic_id = r.uuid();
  t.error_code = r.i16();
  if (version >= 1) t.error_message = in.nullable_string();
  if (version >= 5) {
    t.num_partitions = r.i32();
    t.replication_factor = r.i16();
    // name, value, read_only, source, sensitive, tags.
    in.nullable_array(2 * in.min_string_bytes() + 4, t.configs, [&](response::config& c) {
      c.name = in.string();
      c.value = in.nullable_string();
      c.read_only = r.boolean();
      c.config_source = r.i8();
      c.is_sensitive = r.boolean();
      in.tags();
    });
    read_result_tags(r, t);
  }
}

}  // namespace

void create_topics_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<create_topics_request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.array(topics, [&](const topic& t) { encode_topic(out, t); });
  w.i32(timeout_ms);
  if (version >= 1) w.boolean(validate_only);
  out.tags();
}

bool create_topics_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  // name, partitions, replication factor, two counts.
  in.array(in.min_string_bytes() + 6 + 2, topics, [&](topic& t) { decode_topic(in, t); });
  timeout_ms = r.i32();
  if (version >= 1) validate_only = r.boolean();
  in.tags();
  return r.ok();
}

void create_topics_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<create_topics_response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 2) w.i32(throttle_time_ms);
  out.array(topics, [&](const topic_result& t) { encode_result(out, t, version); });
  out.tags();
}

bool create_topics_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 2) throttle_time_ms = r.i32();
  // name and error code at least.
  in.array(in.min_string_bytes() + 2, topics, [&](topic_result& t) { decode_result(in, t, version); });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
