#include "tern/kafka/messages/metadata.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {
namespace {

void encode_partition(wire::wire_writer& w, const metadata_response::partition& p,
                      std::int16_t version) {
  w.i16(p.error_code);
  w.i32(p.partition_index);
  w.i32(p.leader_id);
  if (version >= 7) w.i32(p.leader_epoch);
  codec::write_int32s(w, p.replica_nodes);
  codec::write_int32s(w, p.isr_nodes);
  if (version >= 5) codec::write_int32s(w, p.offline_replicas);
}

void decode_partition(wire::wire_reader& r, metadata_response::partition& p, std::int16_t version) {
  p.error_code = r.i16();
  p.partition_index = r.i32();
  p.leader_id = r.i32();
  if (version >= 7) p.leader_epoch = r.i32();
  codec::read_int32s(r, p.replica_nodes);
  codec::read_int32s(r, p.isr_nodes);
  if (version >= 5) codec::read_int32s(r, p.offline_replicas);
}

void encode_topic(wire::wire_writer& w, const metadata_response::topic& t, std::int16_t version) {
  w.i16(t.error_code);
  w.string(t.name);
  if (version >= 1) w.boolean(t.is_internal);
  codec::write_array(w, t.partitions, [&](const metadata_response::partition& p) {
    encode_partition(w, p, version);
  });
  if (version >= 8) w.i32(t.topic_authorized_operations);
}

void decode_topic(wire::wire_reader& r, metadata_response::topic& t, std::int16_t version) {
  t.error_code = r.i16();
  t.name = r.string();
  if (version >= 1) t.is_internal = r.boolean();
  codec::read_array(r, t.partitions,
                    [&](metadata_response::partition& p) { decode_partition(r, p, version); });
  if (version >= 8) t.topic_authorized_operations = r.i32();
}

}  // namespace

void metadata_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<metadata_request>(version));
  if (!topics) {
    // v0 says "all topics" with an empty array, v1+ with null.
    w.array_length(version == 0 ? 0 : -1);
  } else {
    TERN_ASSERT(version >= 1 || !topics->empty());  // v0 cannot ask for no topics
    codec::write_array(w, *topics, [&](const topic& t) { w.string(t.name); });
  }
  if (version >= 4) w.boolean(allow_auto_topic_creation);
  if (version >= 8) {
    w.boolean(include_cluster_authorized_operations);
    w.boolean(include_topic_authorized_operations);
  }
}

bool metadata_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  std::int32_t n = r.array_length();
  if (n < 0 && version == 0) r.fail();  // null is not a v0 value
  if (n > 0 || (n == 0 && version >= 1)) {
    topics.emplace();
    for (std::int32_t i = 0; i < n && r.ok(); ++i) topics->emplace_back().name = r.string();
  }
  if (version >= 4) allow_auto_topic_creation = r.boolean();
  if (version >= 8) {
    include_cluster_authorized_operations = r.boolean();
    include_topic_authorized_operations = r.boolean();
  }
  return r.ok();
}

void metadata_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<metadata_response>(version));
  if (version >= 3) w.i32(throttle_time_ms);
  codec::write_array(w, brokers, [&](const broker& b) {
    w.i32(b.node_id);
    w.string(b.host);
    w.i32(b.port);
    if (version >= 1) w.nullable_string(b.rack);
  });
  if (version >= 2) w.nullable_string(cluster_id);
  if (version >= 1) w.i32(controller_id);
  codec::write_array(w, topics, [&](const topic& t) { encode_topic(w, t, version); });
  if (version >= 8) w.i32(cluster_authorized_operations);
}

bool metadata_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 3) throttle_time_ms = r.i32();
  codec::read_array(r, brokers, [&](broker& b) {
    b.node_id = r.i32();
    b.host = r.string();
    b.port = r.i32();
    if (version >= 1) b.rack = r.nullable_string();
  });
  if (version >= 2) cluster_id = r.nullable_string();
  if (version >= 1) controller_id = r.i32();
  codec::read_array(r, topics, [&](topic& t) { decode_topic(r, t, version); });
  if (version >= 8) cluster_authorized_operations = r.i32();
  return r.ok();
}

}  // namespace tern::kafka
