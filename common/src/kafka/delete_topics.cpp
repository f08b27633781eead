#include "tern/kafka/messages/delete_topics.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {

void delete_topics_request::encode(wire::wire_writer& w,
                                   [[maybe_unused]] std::int16_t version) const {
  TERN_ASSERT(codec::in_range<delete_topics_request>(version));
  codec::write_strings(w, topic_names);
  w.i32(timeout_ms);
}

bool delete_topics_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::read_strings(r, topic_names);
  timeout_ms = r.i32();
  return r.ok();
}

void delete_topics_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<delete_topics_response>(version));
  if (version >= 1) w.i32(throttle_time_ms);
  codec::write_array(w, responses, [&](const topic_result& t) {
    w.string(t.name);
    w.i16(t.error_code);
  });
}

bool delete_topics_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 1) throttle_time_ms = r.i32();
  codec::read_array(r, responses, [&](topic_result& t) {
    t.name = r.string();
    t.error_code = r.i16();
  });
  return r.ok();
}

}  // namespace tern::kafka
