#include "tern/kafka/messages/delete_topics.h"

#include <cassert>

namespace tern::kafka {
namespace {

static_assert(delete_topics_request::min_version == delete_topics_response::min_version &&
              delete_topics_request::max_version == delete_topics_response::max_version);

bool in_range(std::int16_t version) {
  return version >= delete_topics_request::min_version &&
         version <= delete_topics_request::max_version;
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

}  // namespace

void delete_topics_request::encode(wire::wire_writer& w,
                                   [[maybe_unused]] std::int16_t version) const {
  assert(in_range(version));
  write_count(w, topic_names.size());
  for (const auto& name : topic_names) w.string(name);
  w.i32(timeout_ms);
}

bool delete_topics_request::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (!in_range(version)) {
    r.fail();
    return false;
  }
  read_array(r, topic_names, [&](std::string& name) { name = r.string(); });
  timeout_ms = r.i32();
  return r.ok();
}

void delete_topics_response::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(in_range(version));
  if (version >= 1) w.i32(throttle_time_ms);
  write_count(w, responses.size());
  for (const auto& t : responses) {
    w.string(t.name);
    w.i16(t.error_code);
  }
}

bool delete_topics_response::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (!in_range(version)) {
    r.fail();
    return false;
  }
  if (version >= 1) throttle_time_ms = r.i32();
  read_array(r, responses, [&](topic_result& t) {
    t.name = r.string();
    t.error_code = r.i16();
  });
  return r.ok();
}

}  // namespace tern::kafka
