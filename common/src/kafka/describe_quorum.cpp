#include "tern/kafka/messages/describe_quorum.h"

#include "tern/common/check.h"

#include "flex_codec.h"

namespace tern::kafka {
namespace {

// Smallest encodings, for bounding hostile array counts: a partition index with its tag section;
// a topic (empty compact string, empty array, tags); a replica state at v0.
constexpr std::size_t min_request_partition_bytes = 5;
constexpr std::size_t min_topic_bytes = 3;
constexpr std::size_t min_replica_bytes = 13;
constexpr std::size_t min_partition_bytes = 4 + 2 + 4 + 4 + 8 + 1 + 1 + 1;

void write_replicas(codec::flex_writer& fw, const std::vector<describe_quorum_response::replica_state>& v,
                    std::int16_t version) {
  fw.array(v, [&](const describe_quorum_response::replica_state& s) {
    fw.w.i32(s.replica_id);
    fw.w.i64(s.log_end_offset);
    if (version >= 1) {
      fw.w.i64(s.last_fetch_timestamp);
      fw.w.i64(s.last_caught_up_timestamp);
    }
    fw.tags();
  });
}

void read_replicas(codec::flex_reader& fr, std::vector<describe_quorum_response::replica_state>& v,
                   std::int16_t version) {
  fr.array(min_replica_bytes, v, [&](describe_quorum_response::replica_state& s) {
    s.replica_id = fr.r.i32();
    s.log_end_offset = fr.r.i64();
    if (version >= 1) {
      s.last_fetch_timestamp = fr.r.i64();
      s.last_caught_up_timestamp = fr.r.i64();
    }
    fr.tags();
  });
}

}  // namespace

void describe_quorum_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_quorum_request>(version));
  (void)version;
  codec::flex_writer fw{w, true};
  fw.array(topics, [&](const topic& t) {
    fw.string(t.topic_name);
    fw.array(t.partitions, [&](std::int32_t p) {
      w.i32(p);
      fw.tags();
    });
    fw.tags();
  });
  fw.tags();
}

bool describe_quorum_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader fr{r, true};
  fr.array(min_topic_bytes, topics, [&](topic& t) {
    t.topic_name = fr.string();
    fr.array(min_request_partition_bytes, t.partitions, [&](std::int32_t& p) {
      p = r.i32();
      fr.tags();
    });
    fr.tags();
  });
  fr.tags();
  return r.ok();
}

void describe_quorum_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_quorum_response>(version));
  codec::flex_writer fw{w, true};
  w.i16(error_code);
  fw.array(topics, [&](const topic& t) {
    fw.string(t.topic_name);
    fw.array(t.partitions, [&](const partition& p) {
      w.i32(p.partition_index);
      w.i16(p.error_code);
      w.i32(p.leader_id);
      w.i32(p.leader_epoch);
      w.i64(p.high_watermark);
      write_replicas(fw, p.current_voters, version);
      write_replicas(fw, p.observers, version);
      fw.tags();
    });
    fw.tags();
  });
  fw.tags();
}

bool describe_quorum_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader fr{r, true};
  error_code = r.i16();
  fr.array(min_topic_bytes, topics, [&](topic& t) {
    t.topic_name = fr.string();
    fr.array(min_partition_bytes, t.partitions, [&](partition& p) {
      p.partition_index = r.i32();
      p.error_code = r.i16();
      p.leader_id = r.i32();
      p.leader_epoch = r.i32();
      p.high_watermark = r.i64();
      read_replicas(fr, p.current_voters, version);
      read_replicas(fr, p.observers, version);
      fr.tags();
    });
    fr.tags();
  });
  fr.tags();
  return r.ok();
}

}  // namespace tern::kafka
