#include "tern/kafka/messages/fetch.h"

#include "tern/common/check.h"
#include <cstddef>
#include <cstdint>

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = fetch_request;
using response = fetch_response;

// Smallest wire size of each element, for the array count checks: the compact layout where it
// is the smaller one (a 1-byte length and a 1-byte tag section instead of an int16/int32 length).
constexpr std::size_t topic_min_bytes = 1 + 1;                  // name, array count
constexpr std::size_t request_partition_min_bytes = 4 + 8 + 4;  // v4 layout
// partition_index, error_code, high_watermark, last_stable_offset, aborted count, records length
constexpr std::size_t response_partition_min_bytes = 4 + 2 + 8 + 8 + 1 + 1;
constexpr std::size_t aborted_transaction_min_bytes = 8 + 8;

// Tags of FetchRequest.json / FetchResponse.json (v12+).
constexpr std::uint64_t request_tag_cluster_id = 0;
constexpr std::uint64_t partition_tag_diverging_epoch = 0;
constexpr std::uint64_t partition_tag_current_leader = 1;
constexpr std::uint64_t partition_tag_snapshot_id = 2;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

// Writes one tagged field: its tag, its size, then what `write_value` wrote. The value goes to a
// scratch writer first because its size precedes it; tagged values are a few bytes, never record
// spans, and are written only when set, so the copy costs nothing on the hot path.
template <typename WriteValue>
void write_tagged(wire::wire_writer& w, std::uint64_t tag, WriteValue write_value) {
  wire::wire_writer value;
  write_value(value);
  TERN_ASSERT(value.size() == value.owned_size());  // no external spans in a tagged field
  w.uvarint(tag);
  w.uvarint(value.owned_size());
  w.raw(wire::bytes_view(value.owned()));
}

// Reads a tagged-field section, handing each field's bytes, as a reader of their own, to
// `read_known(tag, field)`, which returns false for a tag it does not know (skipped). A known
// field must consume exactly its bytes (a struct's own tag section included); anything else fails
// `r`. A hostile field count costs a bounded loop: every field takes at least two bytes.
template <typename ReadKnown>
void read_tagged_fields(wire::wire_reader& r, ReadKnown read_known) {
  const std::uint64_t count = r.uvarint();
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    const std::uint64_t tag = r.uvarint();
    const std::uint64_t size = r.uvarint();
    if (!r.ok()) return;
    if (size > r.remaining()) return r.fail();
    wire::wire_reader field(r.raw(static_cast<std::size_t>(size)));
    if (!read_known(tag, field)) continue;
    if (!field.ok() || field.remaining() != 0) return r.fail();
  }
}

void write_records(wire::wire_writer& w, bool flexible, const fetch_response::partition& p) {
  if (p.records_null) {
    TERN_ASSERT(p.record_batches.empty());
    return flexible ? w.uvarint(0) : w.i32(-1);
  }
  // The length, computed from the spans' sizes, then every batch by reference: the bytes stay
  // where they are (LMDB's map). The compact length is a uvarint of total+1, known up front
  // just as the int32 is.
  const std::size_t total = p.records_size();
  TERN_ASSERT(total <= static_cast<std::size_t>(INT32_MAX));
  if (flexible)
    w.uvarint(std::uint64_t{total} + 1);
  else
    w.i32(static_cast<std::int32_t>(total));
  for (auto span : p.record_batches) w.external(span);
}

void write_partition_tags(wire::wire_writer& w, const fetch_response::partition& p) {
  const std::uint64_t count = std::uint64_t{p.diverging_epoch.has_value()} +
                              p.current_leader.has_value() + p.snapshot_id.has_value();
  w.uvarint(count);  // tags in increasing order, as the protocol requires
  if (p.diverging_epoch)
    write_tagged(w, partition_tag_diverging_epoch, [&](wire::wire_writer& v) {
      v.i32(p.diverging_epoch->epoch);
      v.i64(p.diverging_epoch->end_offset);
      v.empty_tagged_fields();
    });
  if (p.current_leader)
    write_tagged(w, partition_tag_current_leader, [&](wire::wire_writer& v) {
      v.i32(p.current_leader->leader_id);
      v.i32(p.current_leader->leader_epoch);
      v.empty_tagged_fields();
    });
  if (p.snapshot_id)
    write_tagged(w, partition_tag_snapshot_id, [&](wire::wire_writer& v) {
      v.i64(p.snapshot_id->end_offset);
      v.i32(p.snapshot_id->epoch);
      v.empty_tagged_fields();
    });
}

void read_partition_tags(wire::wire_reader& r, fetch_response::partition& p) {
  read_tagged_fields(r, [&](std::uint64_t tag, wire::wire_reader& field) {
    switch (tag) {
      case partition_tag_diverging_epoch:
        // (Assigned, not emplace()d: clang checks the nested struct's default constructor while
        // fetch_response is still incomplete and refuses emplace().)
        p.diverging_epoch = fetch_response::epoch_end_offset{};
        p.diverging_epoch->epoch = field.i32();
        p.diverging_epoch->end_offset = field.i64();
        field.skip_tagged_fields();
        return true;
      case partition_tag_current_leader:
        p.current_leader = fetch_response::leader_id_and_epoch{};
        p.current_leader->leader_id = field.i32();
        p.current_leader->leader_epoch = field.i32();
        field.skip_tagged_fields();
        return true;
      case partition_tag_snapshot_id:
        p.snapshot_id = fetch_response::snapshot_ref{};
        p.snapshot_id->end_offset = field.i64();
        p.snapshot_id->epoch = field.i32();
        field.skip_tagged_fields();
        return true;
      default:
        return false;
    }
  });
}

void encode_partition(codec::flex_writer& out, std::int16_t version,
                      const fetch_response::partition& p) {
  wire::wire_writer& w = out.w;
  w.i32(p.partition_index);
  w.i16(p.error_code);
  w.i64(p.high_watermark);
  w.i64(p.last_stable_offset);                  // v4+
  if (version >= 5) w.i64(p.log_start_offset);  // v5+
  out.nullable_array(p.aborted_transactions, [&](const fetch_response::aborted_transaction& a) {
    w.i64(a.producer_id);
    w.i64(a.first_offset);
    out.tags();
  });
  if (version >= 11) w.i32(p.preferred_read_replica);
  write_records(w, out.flexible, p);
  if (out.flexible) write_partition_tags(w, p);
}

void decode_partition(codec::flex_reader& in, std::int16_t version,
                      fetch_response::partition& p) {
  wire::wire_reader& r = in.r;
  p.partition_index = r.i32();
  p.error_code = r.i16();
  p.high_watermark = r.i64();
  p.last_stable_offset = r.i64();
  if (version >= 5) p.log_start_offset = r.i64();
  in.nullable_array(aborted_transaction_min_bytes, p.aborted_transactions,
                    [&](fetch_response::aborted_transaction& a) {
                      a.producer_id = r.i64();
                      a.first_offset = r.i64();
                      in.tags();
                    });
  if (!r.ok()) return;
  if (version >= 11) p.preferred_read_replica = r.i32();
  // A length past the end of the frame fails the reader in both encodings.
  auto records = in.flexible ? r.compact_nullable_bytes() : r.nullable_bytes();
  if (!r.ok()) return;
  p.records_null = !records;
  // One view of the whole blob, pointing into the frame; not split into batches here.
  if (records && !records->empty()) p.record_batches.push_back(*records);
  if (in.flexible) read_partition_tags(r, p);
}

}  // namespace

std::size_t fetch_response::partition::records_size() const {
  std::size_t total = 0;
  for (auto span : record_batches) total += span.size();
  return total;
}

void fetch_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  w.i32(replica_id);
  w.i32(max_wait_ms);
  w.i32(min_bytes);
  w.i32(max_bytes);       // v3+
  w.i8(isolation_level);  // v4+
  if (version >= 7) {
    w.i32(session_id);
    w.i32(session_epoch);
  }
  out.array(topics, [&](const topic& t) {
    if (version >= 13) w.uuid(t.topic_id); else out.string(t.topic);
    out.array(t.partitions, [&](const partition& p) {
      w.i32(p.partition);
      if (version >= 9) w.i32(p.current_leader_epoch);
      w.i64(p.fetch_offset);
      if (version >= 12) w.i32(p.last_fetched_epoch);
      if (version >= 5) w.i64(p.log_start_offset);
      w.i32(p.partition_max_bytes);
      out.tags();
    });
    out.tags();
  });
  if (version >= 7) {
    out.array(forgotten_topics_data, [&](const forgotten_topic& t) {
      if (version >= 13) w.uuid(t.topic_id); else out.string(t.topic);
      out.array(t.partitions, [&](std::int32_t x) { w.i32(x); });
      out.tags();
    });
  }
  if (version >= 11) out.string(rack_id);
  if (!out.flexible) return;
  // The request's own tagged fields: cluster_id when set (Kafka's default is null, not written).
  w.uvarint(cluster_id ? 1 : 0);
  if (cluster_id)
    write_tagged(w, request_tag_cluster_id,
                 [&](wire::wire_writer& v) { v.compact_nullable_string(cluster_id); });
}

bool fetch_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  replica_id = r.i32();
  max_wait_ms = r.i32();
  min_bytes = r.i32();
  max_bytes = r.i32();
  isolation_level = r.i8();
  if (version >= 7) {
    session_id = r.i32();
    session_epoch = r.i32();
  }
  in.array(topic_min_bytes, topics, [&](topic& t) {
    if (version >= 13) t.topic_id = r.uuid(); else t.topic = in.string();
    in.array(request_partition_min_bytes, t.partitions, [&](partition& p) {
      p.partition = r.i32();
      if (version >= 9) p.current_leader_epoch = r.i32();
      p.fetch_offset = r.i64();
      if (version >= 12) p.last_fetched_epoch = r.i32();
      if (version >= 5) p.log_start_offset = r.i64();
      p.partition_max_bytes = r.i32();
      in.tags();
    });
    in.tags();
  });
  if (version >= 7) {
    in.array(topic_min_bytes, forgotten_topics_data, [&](forgotten_topic& t) {
      if (version >= 13) t.topic_id = r.uuid(); else t.topic = in.string();
      in.array(4, t.partitions, [&](std::int32_t& x) { x = r.i32(); });
      in.tags();
    });
  }
  if (version >= 11) rack_id = in.string();
  if (in.flexible) {
    read_tagged_fields(r, [&](std::uint64_t tag, wire::wire_reader& field) {
      if (tag != request_tag_cluster_id) return false;
      cluster_id = field.compact_nullable_string();
      return true;
    });
  }
  return r.ok();
}

void fetch_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  w.i32(throttle_time_ms);  // v1+
  if (version >= 7) {
    w.i16(error_code);
    w.i32(session_id);
  }
  out.array(responses, [&](const topic& t) {
    if (version >= 13) w.uuid(t.topic_id); else out.string(t.topic);
    out.array(t.partitions, [&](const partition& p) { encode_partition(out, version, p); });
    out.tags();
  });
  out.tags();
}

bool fetch_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  throttle_time_ms = r.i32();
  if (version >= 7) {
    error_code = r.i16();
    session_id = r.i32();
  }
  in.array(topic_min_bytes, responses, [&](topic& t) {
    if (version >= 13) t.topic_id = r.uuid(); else t.topic = in.string();
    in.array(response_partition_min_bytes, t.partitions,
             [&](partition& p) { decode_partition(in, version, p); });
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
