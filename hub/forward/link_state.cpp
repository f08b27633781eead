#include "forward/link_state.h"

#include <algorithm>

#include "tern/common/wire.h"

namespace tern::forward {
namespace {
// 1: no upstream marks in the intent; 2: with them (1 still decodes).
constexpr std::int8_t state_version = 2;
// The replicated form (logs named by topic and partition): its own version, so neither decoder
// takes the other's bytes.
constexpr std::int8_t portable_state_version = 100;

}  // namespace

namespace {

// How a state names a local log: by its id (the local checkpoint) or by topic and partition (the
// replicated one). Counts are bounded by what is left to read (min_entry bytes per entry), so a
// damaged count cannot make a decoder loop long.
struct log_codec {
  const log_namer* namer = nullptr;    // set: portable
  const log_finder* finder = nullptr;  // set: portable
  std::vector<std::string>* missing = nullptr;
  bool portable() const { return namer || finder; }
};

void write_log(wire::wire_writer& w, const log_codec& c, storage::log_id log, const std::string& topic,
               std::int32_t partition) {
  if (!c.portable()) return w.u32(log.value());
  w.string(topic);
  w.i32(partition);
}

// Reads a log reference; false when it names a topic this store does not have (then it is in
// `missing`; the caller leaves the entry out).
bool read_log(wire::wire_reader& r, const log_codec& c, storage::log_id& log, std::string* topic_out = nullptr,
              std::int32_t* partition_out = nullptr) {
  if (!c.portable()) {
    log = storage::log_id{r.u32()};
    return true;
  }
  std::string topic = r.string();
  std::int32_t partition = r.i32();
  if (topic_out) *topic_out = topic;
  if (partition_out) *partition_out = partition;
  if (!r.ok()) return false;
  if (auto found = (*c.finder)(topic, partition)) {
    log = *found;
    return true;
  }
  if (c.missing && std::find(c.missing->begin(), c.missing->end(), topic) == c.missing->end())
    c.missing->push_back(topic);
  return false;
}

std::vector<std::uint8_t> encode_state(const link_state& s, const log_codec& c, std::int8_t version) {
  wire::wire_writer w;
  w.i8(version);
  w.i64(s.producer_id);
  w.i16(s.producer_epoch);
  w.i64(static_cast<std::int64_t>(s.forwarded_records));
  w.i64(static_cast<std::int64_t>(s.forwarded_bytes));
  w.i64(static_cast<std::int64_t>(s.lost_records));
  w.i64(static_cast<std::int64_t>(s.producer_resets));
  // Portable: logs without a name (their topic is gone) are left out.
  std::vector<std::pair<std::pair<std::string, std::int32_t>, std::int64_t>> named;
  if (c.portable()) {
    for (auto [log, offset] : s.positions)
      if (auto name = (*c.namer)(log)) named.emplace_back(*name, offset);
    w.i32(static_cast<std::int32_t>(named.size()));
    for (const auto& [name, offset] : named) {
      w.string(name.first);
      w.i32(name.second);
      w.i64(offset);
    }
  } else {
    w.i32(static_cast<std::int32_t>(s.positions.size()));
    for (auto [log, offset] : s.positions) {
      w.u32(log.value());
      w.i64(offset);
    }
  }
  w.i32(static_cast<std::int32_t>(s.sequences.size()));
  for (const auto& [tp, seq] : s.sequences) {
    w.string(tp.first);
    w.i32(tp.second);
    w.i32(seq);
  }
  w.i8(s.intent ? 1 : 0);
  if (s.intent) {
    const auto& intent = *s.intent;
    w.i32(static_cast<std::int32_t>(intent.ranges.size()));
    for (const auto& r : intent.ranges) {
      if (!c.portable()) w.u32(r.log.value());
      w.string(r.topic);
      w.i32(r.partition);
      w.i64(r.from);
      w.i64(r.to);
    }
    w.i32(static_cast<std::int32_t>(intent.partition_counts.size()));
    for (const auto& [topic, count] : intent.partition_counts) {
      w.string(topic);
      w.i32(count);
    }
    w.i32(static_cast<std::int32_t>(intent.acked.size()));
    for (const auto& tp : intent.acked) {
      w.string(tp.first);
      w.i32(tp.second);
    }
    std::vector<std::pair<const round_intent::upstream_mark*, std::pair<std::string, std::int32_t>>> marks;
    for (const auto& m : intent.upstream_has) {
      if (!c.portable()) {
        marks.push_back({&m, {}});
      } else if (auto name = (*c.namer)(m.log)) {
        marks.push_back({&m, *name});
      }
    }
    w.i32(static_cast<std::int32_t>(marks.size()));
    for (const auto& [m, name] : marks) {
      w.string(m->partition.first);
      w.i32(m->partition.second);
      write_log(w, c, m->log, name.first, name.second);
      w.i64(m->offset);
    }
  }
  return std::move(w.owned_mutable());
}

bool decode_state(link_state& s, std::span<const std::uint8_t> data, const log_codec& c) {
  s = link_state{};
  wire::wire_reader r(data);
  const std::int8_t version = r.i8();
  if (c.portable() ? version != portable_state_version : (version != 1 && version != state_version)) return false;
  s.producer_id = r.i64();
  s.producer_epoch = r.i16();
  s.forwarded_records = static_cast<std::uint64_t>(r.i64());
  s.forwarded_bytes = static_cast<std::uint64_t>(r.i64());
  s.lost_records = static_cast<std::uint64_t>(r.i64());
  s.producer_resets = static_cast<std::uint64_t>(r.i64());
  auto count = [&](std::size_t min_entry) {
    std::int32_t n = r.i32();
    return r.ok() && n >= 0 && static_cast<std::size_t>(n) <= r.remaining() / min_entry ? n : -1;
  };
  std::int32_t n = count(12);
  if (n < 0) return false;
  for (std::int32_t i = 0; i < n; ++i) {
    storage::log_id log{0};
    bool known = read_log(r, c, log);
    std::int64_t offset = r.i64();
    if (known) s.positions[log] = offset;
  }
  if ((n = count(10)) < 0) return false;
  for (std::int32_t i = 0; i < n; ++i) {
    std::string topic = r.string();
    auto partition = r.i32();
    s.sequences[{topic, partition}] = r.i32();
  }
  if (r.i8() == 1) {
    round_intent in;
    if ((n = count(c.portable() ? 22 : 30)) < 0) return false;
    in.ranges.resize(static_cast<std::size_t>(n));
    for (auto& range : in.ranges) {
      if (!c.portable()) range.log = storage::log_id{r.u32()};
      range.topic = r.string();
      range.partition = r.i32();
      range.from = r.i64();
      range.to = r.i64();
      if (!r.ok() || range.from < 0 || range.to < range.from) return false;
      if (c.portable()) {
        // The round in flight cannot be rebuilt without its log: the caller waits for the topic.
        if (auto found = (*c.finder)(range.topic, range.partition)) {
          range.log = *found;
        } else if (c.missing) {
          if (std::find(c.missing->begin(), c.missing->end(), range.topic) == c.missing->end())
            c.missing->push_back(range.topic);
        }
      }
    }
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
        bool known = read_log(r, c, m.log);
        m.offset = r.i64();
        if (known) in.upstream_has.push_back(std::move(m));
      }
    }
    s.intent = std::move(in);
  }
  return r.ok() && r.remaining() == 0;
}

}  // namespace

std::vector<std::uint8_t> link_state::encode() const { return encode_state(*this, log_codec{}, state_version); }

bool link_state::decode(std::span<const std::uint8_t> data) { return decode_state(*this, data, log_codec{}); }

std::vector<std::uint8_t> link_state::encode_portable(const log_namer& namer) const {
  return encode_state(*this, log_codec{&namer, nullptr, nullptr}, portable_state_version);
}

bool link_state::decode_portable(std::span<const std::uint8_t> data, const log_finder& finder,
                                 std::vector<std::string>& missing_topics) {
  missing_topics.clear();
  return decode_state(*this, data, log_codec{nullptr, &finder, &missing_topics});
}

std::vector<std::pair<storage::log_id, ids::offset>> link_state::holds() const {
  std::vector<std::pair<storage::log_id, ids::offset>> out;
  out.reserve(positions.size());
  for (auto [log, offset] : positions) out.emplace_back(log, ids::offset{offset});
  return out;
}

}  // namespace tern::forward
