#include "forward/link_state.h"

#include "tern/common/wire.h"

namespace tern::forward {
namespace {
// 1: no upstream marks in the intent; 2: with them (1 still decodes).
constexpr std::int8_t state_version = 2;

void write_range(wire::wire_writer& w, const log_range& r) {
  w.u32(r.log.value());
  w.string(r.topic);
  w.i32(r.partition);
  w.i64(r.from);
  w.i64(r.to);
}

bool read_range(wire::wire_reader& r, log_range& out) {
  out.log = storage::log_id{r.u32()};
  out.topic = r.string();
  out.partition = r.i32();
  out.from = r.i64();
  out.to = r.i64();
  return r.ok() && out.from >= 0 && out.to >= out.from;
}
}  // namespace

std::vector<std::uint8_t> link_state::encode() const {
  wire::wire_writer w;
  w.i8(state_version);
  w.i64(producer_id);
  w.i16(producer_epoch);
  w.i64(static_cast<std::int64_t>(forwarded_records));
  w.i64(static_cast<std::int64_t>(forwarded_bytes));
  w.i64(static_cast<std::int64_t>(lost_records));
  w.i64(static_cast<std::int64_t>(producer_resets));
  w.i32(static_cast<std::int32_t>(positions.size()));
  for (auto [log, offset] : positions) {
    w.u32(log.value());
    w.i64(offset);
  }
  w.i32(static_cast<std::int32_t>(sequences.size()));
  for (const auto& [tp, seq] : sequences) {
    w.string(tp.first);
    w.i32(tp.second);
    w.i32(seq);
  }
  w.i8(intent ? 1 : 0);
  if (intent) {
    w.i32(static_cast<std::int32_t>(intent->ranges.size()));
    for (const auto& r : intent->ranges) write_range(w, r);
    w.i32(static_cast<std::int32_t>(intent->partition_counts.size()));
    for (const auto& [topic, count] : intent->partition_counts) {
      w.string(topic);
      w.i32(count);
    }
    w.i32(static_cast<std::int32_t>(intent->acked.size()));
    for (const auto& tp : intent->acked) {
      w.string(tp.first);
      w.i32(tp.second);
    }
    w.i32(static_cast<std::int32_t>(intent->upstream_has.size()));
    for (const auto& m : intent->upstream_has) {
      w.string(m.partition.first);
      w.i32(m.partition.second);
      w.u32(m.log.value());
      w.i64(m.offset);
    }
  }
  return std::move(w.owned_mutable());
}

bool link_state::decode(std::span<const std::uint8_t> data) {
  *this = link_state{};
  wire::wire_reader r(data);
  const std::int8_t version = r.i8();
  if (version != 1 && version != state_version) return false;
  producer_id = r.i64();
  producer_epoch = r.i16();
  forwarded_records = static_cast<std::uint64_t>(r.i64());
  forwarded_bytes = static_cast<std::uint64_t>(r.i64());
  lost_records = static_cast<std::uint64_t>(r.i64());
  producer_resets = static_cast<std::uint64_t>(r.i64());
  // Counts are bounded by what is left to read, so a damaged count cannot make us loop long.
  auto count = [&](std::size_t min_entry) {
    std::int32_t n = r.i32();
    return r.ok() && n >= 0 && static_cast<std::size_t>(n) <= r.remaining() / min_entry ? n : -1;
  };
  std::int32_t n = count(12);
  if (n < 0) return false;
  for (std::int32_t i = 0; i < n; ++i) {
    storage::log_id log{r.u32()};
    positions[log] = r.i64();
  }
  if ((n = count(10)) < 0) return false;
  for (std::int32_t i = 0; i < n; ++i) {
    std::string topic = r.string();
    auto partition = r.i32();
    sequences[{topic, partition}] = r.i32();
  }
  if (r.i8() == 1) {
    round_intent in;
    if ((n = count(30)) < 0) return false;
    in.ranges.resize(static_cast<std::size_t>(n));
    for (auto& range : in.ranges)
      if (!read_range(r, range)) return false;
    if ((n = count(6)) < 0) return false;
    for (std::int32_t i = 0; i < n; ++i) {
      std::string topic = r.string();
      in.partition_counts[topic] = r.i32();
    }
    if ((n = count(6)) < 0) return false;
    for (std::int32_t i = 0; i < n; ++i) {
      std::string topic = r.string();
      in.acked.emplace_back(topic, r.i32());
    }
    if (version >= 2) {
      if ((n = count(18)) < 0) return false;
      for (std::int32_t i = 0; i < n; ++i) {
        round_intent::upstream_mark m;
        m.partition.first = r.string();
        m.partition.second = r.i32();
        m.log = storage::log_id{r.u32()};
        m.offset = r.i64();
        in.upstream_has.push_back(std::move(m));
      }
    }
    intent = std::move(in);
  }
  return r.ok() && r.remaining() == 0;
}

std::vector<std::pair<storage::log_id, ids::offset>> link_state::holds() const {
  std::vector<std::pair<storage::log_id, ids::offset>> out;
  out.reserve(positions.size());
  for (auto [log, offset] : positions) out.emplace_back(log, ids::offset{offset});
  return out;
}

}  // namespace tern::forward
