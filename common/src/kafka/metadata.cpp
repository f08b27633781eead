#include "tern/kafka/messages/metadata.h"

#include <algorithm>

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using response_partition = metadata_response::partition;
using response_topic = metadata_response::topic;

bool flexible(std::int16_t version) { return version >= metadata_request::first_flexible_version; }

bool is_zero(const std::array<std::uint8_t, 16>& id) {
  return std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; });
}

// A topic name that is nullable at this version: "" stands for null (see the header).
void write_name(codec::flex_writer& out, const std::string& name, bool nullable) {
  if (nullable && name.empty()) return out.nullable_string(std::nullopt);
  out.string(name);
}

std::string read_name(codec::flex_reader& in, bool nullable) {
  return nullable ? in.nullable_string().value_or(std::string()) : in.string();
}

void write_int32s(codec::flex_writer& out, const std::vector<std::int32_t>& v) {
  out.array(v, [&](std::int32_t x) { out.w.i32(x); });
}

void read_int32s(codec::flex_reader& in, std::vector<std::int32_t>& v) {
  in.array(4, v, [&](std::int32_t& x) { x = in.r.i32(); });
}

void encode_partition(codec::flex_writer& out, const response_partition& p, std::int16_t version) {
  auto& w = out.w;
  w.i16(p.error_code);
  w.i32(p.partition_index);
  w.i32(p.leader_id);
  if (version >= 7) w.i32(p.leader_epoch);
  write_int32s(out, p.replica_nodes);
  write_int32s(out, p.isr_nodes);
  if (version >= 5) write_int32s(out, p.offline_replicas);
  out.tags();
}

void decode_partition(codec::flex_reader& in, response_partition& p, std::int16_t version) {
  auto& r = in.r;
  p.error_code = r.i16();
  p.partition_index = r.i32();
  p.leader_id = r.i32();
  if (version >= 7) p.leader_epoch = r.i32();
  read_int32s(in, p.replica_nodes);
  read_int32s(in, p.isr_nodes);
  if (version >= 5) read_int32s(in, p.offline_replicas);
  in.tags();
}

void encode_topic(codec::flex_writer& out, const response_topic& t, std::int16_t version) {
  auto& w = out.w;
  w.i16(t.error_code);
  write_name(out, t.name, version >= 12);
  if (version >= 10) w.uuid(t.topic_id);
  if (version >= 1) w.boolean(t.is_internal);
  out.array(t.partitions, [&](const response_partition& p) { encode_partition(out, p, version); });
  if (version >= 8) w.i32(t.topic_authorized_operations);
  out.tags();
}

void decode_topic(codec::flex_reader& in, response_topic& t, std::int16_t version) {
  auto& r = in.r;
  t.error_code = r.i16();
  t.name = read_name(in, version >= 12);
  if (version >= 10) t.topic_id = r.uuid();
  if (version >= 1) t.is_internal = r.boolean();
  // error code, index, leader, two counts: 10 bytes plus the counts (4 classic, 1 compact).
  in.array(10 + 2 * (in.flexible ? 1u : 4u), t.partitions,
           [&](response_partition& p) { decode_partition(in, p, version); });
  if (version >= 8) t.topic_authorized_operations = r.i32();
  in.tags();
}

}  // namespace

void metadata_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<metadata_request>(version));
  codec::flex_writer out{w, flexible(version)};
  if (!topics) {
    // v0 says "all topics" with an empty array, v1+ with null.
    if (version == 0) {
      w.array_length(0);
    } else {
      out.null_count();
    }
  } else {
    TERN_ASSERT(version >= 1 || !topics->empty());  // v0 cannot ask for no topics
    out.array(*topics, [&](const topic& t) {
      if (version >= 10) {
        w.uuid(t.topic_id);
      } else {
        TERN_ASSERT(is_zero(t.topic_id));  // an id-only lookup needs v12
      }
      write_name(out, t.name, version >= 10);
      out.tags();
    });
  }
  if (version >= 4) w.boolean(allow_auto_topic_creation);
  if (version >= 8 && version <= 10) w.boolean(include_cluster_authorized_operations);
  if (version >= 8) w.boolean(include_topic_authorized_operations);
  out.tags();
}

bool metadata_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  // The smallest topic: a name (2 bytes classic, 1 compact) plus a tag byte (v9+) and an id
  // (v10+).
  const std::size_t min_topic_bytes =
      in.min_string_bytes() + (in.flexible ? 1u : 0u) + (version >= 10 ? 16u : 0u);
  std::int32_t n = in.count();
  if (n < 0 && version == 0) r.fail();  // null is not a v0 value
  if (!codec::count_fits(r, n, min_topic_bytes)) return false;
  if (n > 0 || (n == 0 && version >= 1)) {
    topics.emplace();
    for (std::int32_t i = 0; i < n && r.ok(); ++i) {
      auto& t = topics->emplace_back();
      if (version >= 10) t.topic_id = r.uuid();
      t.name = read_name(in, version >= 10);
      in.tags();
    }
  }
  if (version >= 4) allow_auto_topic_creation = r.boolean();
  if (version >= 8 && version <= 10) include_cluster_authorized_operations = r.boolean();
  if (version >= 8) include_topic_authorized_operations = r.boolean();
  in.tags();
  return r.ok();
}

void metadata_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<metadata_response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 3) w.i32(throttle_time_ms);
  out.array(brokers, [&](const broker& b) {
    w.i32(b.node_id);
    out.string(b.host);
    w.i32(b.port);
    if (version >= 1) out.nullable_string(b.rack);
    out.tags();
  });
  if (version >= 2) out.nullable_string(cluster_id);
  if (version >= 1) w.i32(controller_id);
  out.array(topics, [&](const topic& t) { encode_topic(out, t, version); });
  if (version >= 8 && version <= 10) w.i32(cluster_authorized_operations);
  out.tags();
}

bool metadata_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 3) throttle_time_ms = r.i32();
  // node id, host, port: 8 bytes and a string.
  in.array(8 + in.min_string_bytes(), brokers, [&](broker& b) {
    b.node_id = r.i32();
    b.host = in.string();
    b.port = r.i32();
    if (version >= 1) b.rack = in.nullable_string();
    in.tags();
  });
  if (version >= 2) cluster_id = in.nullable_string();
  if (version >= 1) controller_id = r.i32();
  // error code, name, partitions count.
  in.array(2 + in.min_string_bytes() + 1, topics, [&](topic& t) { decode_topic(in, t, version); });
  if (version >= 8 && version <= 10) cluster_authorized_operations = r.i32();
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
