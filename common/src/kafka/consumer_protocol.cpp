#include "tern/kafka/messages/consumer_protocol.h"

#include <algorithm>
#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {
namespace {

void write_topic_partitions(wire::wire_writer& w,
                            const std::vector<consumer_protocol_topic_partition>& v) {
  codec::write_array(w, v, [&](const consumer_protocol_topic_partition& tp) {
    w.string(tp.topic);
    codec::write_int32s(w, tp.partitions);
  });
}

void read_topic_partitions(wire::wire_reader& r,
                           std::vector<consumer_protocol_topic_partition>& out) {
  codec::read_array(r, out, [&](consumer_protocol_topic_partition& tp) {
    tp.topic = r.string();
    codec::read_int32s(r, tp.partitions);
  });
}

// Reads the leading version and returns the layout to parse: a newer payload is read as
// max_version (newer versions only append fields). Fails the reader on a negative version.
template <typename M>
std::int16_t read_version(M& m, wire::wire_reader& r) {
  m = M{};
  m.sender_version = r.i16();
  if (m.sender_version < M::min_version) r.fail();
  return std::min(m.sender_version, M::max_version);
}

}  // namespace

void consumer_protocol_subscription::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<consumer_protocol_subscription>(version));
  w.i16(version);
  codec::write_strings(w, topics);
  w.nullable_bytes(user_data);
  if (version >= 1) write_topic_partitions(w, owned_partitions);
}

bool consumer_protocol_subscription::decode(wire::wire_reader& r) {
  const std::int16_t layout = read_version(*this, r);
  codec::read_strings(r, topics);
  user_data = r.nullable_bytes();
  if (layout >= 1) read_topic_partitions(r, owned_partitions);
  return r.ok();
}

void consumer_protocol_assignment::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<consumer_protocol_assignment>(version));
  w.i16(version);
  write_topic_partitions(w, assigned_partitions);
  w.nullable_bytes(user_data);
}

bool consumer_protocol_assignment::decode(wire::wire_reader& r) {
  read_version(*this, r);  // v0 and v1 share one layout
  read_topic_partitions(r, assigned_partitions);
  user_data = r.nullable_bytes();
  return r.ok();
}

}  // namespace tern::kafka
