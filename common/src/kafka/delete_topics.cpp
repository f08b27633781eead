#include "tern/kafka/messages/delete_topics.h"

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

bool flexible(std::int16_t version) {
  return version >= delete_topics_request::first_flexible_version;
}

// A topic name that is nullable at this version: "" stands for null (see the header).
void write_name(codec::flex_writer& out, const std::string& name, bool nullable) {
  if (nullable && name.empty()) return out.nullable_string(std::nullopt);
  out.string(name);
}

std::string read_name(codec::flex_reader& in, bool nullable) {
  return nullable ? in.nullable_string().value_or(std::string()) : in.string();
}

}  // namespace

void delete_topics_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<delete_topics_request>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 6) {
    out.array(topics, [&](const topic& t) {
      write_name(out, t.name, true);
      w.uuid(t.topic_id);
      out.tags();
    });
  } else {
    out.strings(topic_names);
  }
  w.i32(timeout_ms);
  out.tags();
}

bool delete_topics_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 6) {
    // a (null) name, the id, tags.
    in.array(1 + 16 + 1, topics, [&](topic& t) {
      t.name = read_name(in, true);
      t.topic_id = r.uuid();
      in.tags();
    });
  } else {
    in.array(in.min_string_bytes(), topic_names, [&](std::string& s) { s = in.string(); });
  }
  timeout_ms = r.i32();
  in.tags();
  return r.ok();
}

void delete_topics_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<delete_topics_response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 1) w.i32(throttle_time_ms);
  out.array(responses, [&](const topic_result& t) {
    write_name(out, t.name, version >= 6);
    if (version >= 6) w.uuid(t.topic_id);
    w.i16(t.error_code);
    if (version >= 5) out.nullable_string(t.error_message);
    out.tags();
  });
  out.tags();
}

bool delete_topics_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 1) throttle_time_ms = r.i32();
  // name and error code at least.
  in.array(in.min_string_bytes() + 2, responses, [&](topic_result& t) {
    t.name = read_name(in, version >= 6);
    if (version >= 6) t.topic_id = r.uuid();
    t.error_code = r.i16();
    if (version >= 5) t.error_message = in.nullable_string();
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
