#include "forward/round_builder.h"

#include <charconv>

#include "tern/common/check.h"
#include "tern/common/murmur2.h"

namespace tern::forward {

std::string origin_value(std::string_view cluster_id, std::string_view topic, std::int32_t partition,
                         std::int64_t offset) {
  std::string out;
  out.reserve(cluster_id.size() + topic.size() + 32);
  out += cluster_id;
  out += '/';
  out += topic;
  out += '/';
  out += std::to_string(partition);
  out += '/';
  out += std::to_string(offset);
  return out;
}

bool parse_origin(std::string_view value, std::string& cluster_id, std::string& topic,
                  std::int32_t& partition, std::int64_t& offset) {
  // Topic names and cluster ids never hold '/', so the fields split unambiguously.
  auto a = value.find('/');
  auto d = value.rfind('/');
  if (a == std::string_view::npos || d == a) return false;
  auto c = value.rfind('/', d - 1);
  if (c == a) return false;
  cluster_id = value.substr(0, a);
  topic = value.substr(a + 1, c - a - 1);
  auto p = value.substr(c + 1, d - c - 1);
  auto o = value.substr(d + 1);
  auto r1 = std::from_chars(p.data(), p.data() + p.size(), partition);
  auto r2 = std::from_chars(o.data(), o.data() + o.size(), offset);
  return r1.ec == std::errc{} && r1.ptr == p.data() + p.size() && r2.ec == std::errc{} &&
         r2.ptr == o.data() + o.size() && !topic.empty();
}

std::size_t record_weight(const record_batch::record& r, std::string_view topic) {
  // An upper bound of the record's encoded size upstream: its framing varints, key, value,
  // headers and the origin header this link adds (cluster id, topic, two decimal numbers). A
  // round's budget then bounds the batch the upstream checks against its max.message.bytes.
  constexpr std::size_t framing = 24, header_framing = 4, cluster_id_size = 22, numbers = 32;
  std::size_t n = framing + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
  for (const auto& h : r.headers) n += header_framing + h.key.size() + (h.value ? h.value->size() : 0);
  n += header_framing + origin_header_key.size() + cluster_id_size + topic.size() + numbers;
  return n;
}

round_builder::round_builder(const link_config& config, std::string cluster_id,
                             std::int64_t producer_id, std::int16_t producer_epoch,
                             const std::map<upstream_partition, std::int32_t>& sequences,
                             const std::map<std::string, std::int32_t>& counts,
                             std::vector<round_intent::upstream_mark> upstream_has)
    : _config(config),
      _cluster_id(std::move(cluster_id)),
      _producer_id(producer_id),
      _producer_epoch(producer_epoch),
      _sequences(sequences),
      _counts(counts),
      _upstream_has(std::move(upstream_has)) {}

std::int32_t round_builder::partition_for(const log_range& range, const record_batch::record& r) const {
  auto it = _counts.find(_config.upstream_name(range.topic));
  TERN_ASSERT(it != _counts.end() && it->second > 0);
  if (_config.partitioner == partitioner_kind::murmur2 && r.key)
    return partition_for_key(*r.key, it->second);
  return range.partition % it->second;
}

void round_builder::add(const log_range& range, std::span<const record_batch::record> records) {
  const std::string upstream = _config.upstream_name(range.topic);
  std::vector<record_batch::header> headers;
  for (const auto& r : records) {
    TERN_ASSERT(r.offset >= range.from && r.offset < range.to);
    upstream_partition tp{upstream, partition_for(range, r)};
    bool held_upstream = false;
    for (const auto& m : _upstream_has)
      held_upstream = held_upstream || (m.log == range.log && m.partition == tp && r.offset <= m.offset);
    if (held_upstream) continue;
    auto it = _batches.find(tp);
    if (it == _batches.end()) {
      auto seq = _sequences.find(tp);
      std::int32_t base = seq == _sequences.end() ? 0 : seq->second;
      record_batch::batch_builder::options o;
      o.producer_id = _producer_id;
      o.producer_epoch = _producer_epoch;
      o.base_sequence = base;
      it = _batches.emplace(tp, pending{record_batch::batch_builder(o), base}).first;
    }
    headers = r.headers;
    std::string origin = origin_value(_cluster_id, range.topic, range.partition, r.offset);
    headers.push_back({std::string(origin_header_key),
                       record_batch::bytes_view(reinterpret_cast<const std::uint8_t*>(origin.data()), origin.size())});
    it->second.builder.add(r.timestamp, r.key, r.value, headers);
  }
}

std::error_code round_builder::finish(const std::vector<upstream_partition>& skip,
                                      std::vector<upstream_batch>& out) {
  out.clear();
  for (auto& [tp, p] : _batches) {
    bool skipped = false;
    for (const auto& s : skip) skipped = skipped || s == tp;
    if (skipped || p.builder.record_count() == 0) continue;
    upstream_batch b;
    b.partition = tp;
    b.base_sequence = p.base_sequence;
    b.record_count = static_cast<std::int32_t>(p.builder.record_count());
    p.builder.build(b.bytes);
    if (_config.compression != 0) {
      // Compress by rebuilding the plain batch with the link's codec: same records, offsets,
      // timestamps, producer fields; only the attributes' codec bits differ.
      record_batch::batch_header h;
      if (auto ec = record_batch::parse_header(b.bytes, h)) return ec;
      std::vector<record_batch::record> records;
      if (auto ec = record_batch::decode_records(b.bytes, records)) return ec;
      h.attributes = static_cast<std::int16_t>((h.attributes & ~0x07) | _config.compression);
      std::vector<std::uint8_t> compressed;
      if (auto ec = record_batch::rebuild(h, records, compressed)) return ec;
      b.bytes = std::move(compressed);
    }
    out.push_back(std::move(b));
  }
  return {};
}

}  // namespace tern::forward
