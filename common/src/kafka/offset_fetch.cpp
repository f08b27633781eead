#include "tern/kafka/messages/offset_fetch.h"

#include <cstddef>

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {

using request = offset_fetch_request;
using response = offset_fetch_response;

// Smallest wire size of each element (compact layout, never larger than the classic one), for
// the array count checks.
constexpr std::size_t group_min_bytes = 1 + 1;              // group_id, topics count
constexpr std::size_t request_topic_min_bytes = 1 + 1;      // name, partition_indexes count
constexpr std::size_t response_topic_min_bytes = 1 + 1;     // name, partitions count
constexpr std::size_t partition_min_bytes = 4 + 8 + 1 + 2;  // index, offset, metadata, error

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

void encode_topics(codec::flex_writer& out, wire::wire_writer& w,
                   const std::optional<std::vector<request::topic>>& topics) {
  out.nullable_array(topics, [&](const request::topic& t) {
    out.string(t.name);
    out.array(t.partition_indexes, [&](std::int32_t index) { w.i32(index); });
    out.tags();
  });
}

void decode_topics(codec::flex_reader& in, wire::wire_reader& r,
                   std::optional<std::vector<request::topic>>& topics) {
  in.nullable_array(request_topic_min_bytes, topics, [&](request::topic& t) {
    t.name = in.string();
    in.array(4, t.partition_indexes, [&](std::int32_t& index) { index = r.i32(); });
    in.tags();
  });
}

void encode_response_topics(codec::flex_writer& out, wire::wire_writer& w,
                            const std::vector<response::topic>& topics, std::int16_t version) {
  out.array(topics, [&](const response::topic& t) {
    out.string(t.name);
    out.array(t.partitions, [&](const response::partition& p) {
      w.i32(p.partition_index);
      w.i64(p.committed_offset);
      if (version >= 5) w.i32(p.committed_leader_epoch);
      out.nullable_string(p.metadata);
      w.i16(p.error_code);
      out.tags();
    });
    out.tags();
  });
}

void decode_response_topics(codec::flex_reader& in, wire::wire_reader& r,
                            std::vector<response::topic>& topics, std::int16_t version) {
  in.array(response_topic_min_bytes, topics, [&](response::topic& t) {
    t.name = in.string();
    in.array(partition_min_bytes, t.partitions, [&](response::partition& p) {
      p.partition_index = r.i32();
      p.committed_offset = r.i64();
      if (version >= 5) p.committed_leader_epoch = r.i32();
      p.metadata = in.nullable_string();
      p.error_code = r.i16();
      in.tags();
    });
    in.tags();
  });
}

}  // namespace

void offset_fetch_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  TERN_ASSERT(version >= 2 || topics.has_value());  // v0/v1 cannot ask for all topics
  codec::flex_writer out{w, flexible(version)};
  if (version >= 8) {
    out.array(groups, [&](const group& g) {
      out.string(g.group_id);
      encode_topics(out, w, g.topics);
      out.tags();
    });
  } else {
    out.string(group_id);
    encode_topics(out, w, topics);
  }
  if (version >= 7) w.boolean(require_stable);
  out.tags();
}

bool offset_fetch_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 8) {
    in.array(group_min_bytes, groups, [&](group& g) {
      g.group_id = in.string();
      decode_topics(in, r, g.topics);
      in.tags();
    });
  } else {
    group_id = in.string();
    decode_topics(in, r, topics);
    if (!topics && version < 2) r.fail();  // null is not a v0/v1 value
  }
  if (version >= 7) require_stable = r.boolean();
  in.tags();
  return r.ok();
}

void offset_fetch_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 3) w.i32(throttle_time_ms);
  if (version >= 8) {
    out.array(groups, [&](const group& g) {
      out.string(g.group_id);
      encode_response_topics(out, w, g.topics, version);
      w.i16(g.error_code);
      out.tags();
    });
  } else {
    encode_response_topics(out, w, topics, version);
    if (version >= 2) w.i16(error_code);
  }
  out.tags();
}

bool offset_fetch_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 3) throttle_time_ms = r.i32();
  if (version >= 8) {
    in.array(group_min_bytes + 2, groups, [&](group& g) {
      g.group_id = in.string();
      decode_response_topics(in, r, g.topics, version);
      g.error_code = r.i16();
      in.tags();
    });
  } else {
    decode_response_topics(in, r, topics, version);
    if (version >= 2) error_code = r.i16();
  }
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
