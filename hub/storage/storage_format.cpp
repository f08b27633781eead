#include "storage/storage_format.h"

#include <algorithm>
#include "tern/common/check.h"

namespace tern::storage::format {

void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (3 - i)));
}

void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (7 - i)));
}

std::uint32_t get_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::array<std::uint8_t, 4> log_id_key(log_id log) {
  std::array<std::uint8_t, 4> k{};
  put_u32(k.data(), log.value());
  return k;
}

key_bytes log_key(log_id log, std::int64_t offset) {
  TERN_ASSERT(offset >= 0);
  key_bytes k{};
  put_u32(k.data(), log.value());
  put_u64(k.data() + 4, static_cast<std::uint64_t>(offset));
  return k;
}

key_bytes ts_key(log_id log, std::int64_t timestamp_ms) {
  key_bytes k{};
  put_u32(k.data(), log.value());
  put_u64(k.data() + 4, static_cast<std::uint64_t>(timestamp_ms) ^ (1ull << 63));
  return k;
}

bool split_key(std::span<const std::uint8_t> key, log_id& log, std::uint64_t& second) {
  if (key.size() != key_size) return false;
  log = log_id{get_u32(key.data())};
  second = get_u64(key.data() + 4);
  return true;
}

std::array<std::uint8_t, partition_state_size> encode_partition(const partition_state& p) {
  std::array<std::uint8_t, partition_state_size> v{};
  put_u64(v.data(), static_cast<std::uint64_t>(p.log_start));
  put_u64(v.data() + 8, static_cast<std::uint64_t>(p.log_end));
  put_u64(v.data() + 16, p.size_bytes);
  put_u64(v.data() + 24, static_cast<std::uint64_t>(p.max_timestamp));
  put_u64(v.data() + 32, static_cast<std::uint64_t>(p.segment_base));
  put_u64(v.data() + 40, p.segment_bytes);
  put_u64(v.data() + 48, static_cast<std::uint64_t>(p.segment_start_ms));
  put_u64(v.data() + 56, static_cast<std::uint64_t>(p.high_watermark));
  put_u32(v.data() + 64, static_cast<std::uint32_t>(p.last_epoch));
  return v;
}

bool decode_partition(std::span<const std::uint8_t> value, partition_state& out) {
  if (value.size() != partition_state_size && value.size() != partition_state_size_v2 &&
      value.size() != partition_state_size_v1)
    return false;
  out.log_start = static_cast<std::int64_t>(get_u64(value.data()));
  out.log_end = static_cast<std::int64_t>(get_u64(value.data() + 8));
  out.size_bytes = get_u64(value.data() + 16);
  out.max_timestamp = static_cast<std::int64_t>(get_u64(value.data() + 24));
  if (value.size() == partition_state_size_v1) {
    // Schema 1 had no active tail: what it stored counts as closed, the tail starts now.
    out.segment_base = out.log_end;
    out.segment_bytes = 0;
    out.segment_start_ms = -1;
  } else {
    out.segment_base = static_cast<std::int64_t>(get_u64(value.data() + 32));
    out.segment_bytes = get_u64(value.data() + 40);
    out.segment_start_ms = static_cast<std::int64_t>(get_u64(value.data() + 48));
  }
  out.high_watermark_set = false;
  if (value.size() == partition_state_size) {
    out.high_watermark = static_cast<std::int64_t>(get_u64(value.data() + 56));
    out.last_epoch = static_cast<std::int32_t>(get_u32(value.data() + 64));
  } else {
    // Schemas 1 and 2 knew no replication: no checkpoint, no epoch.
    out.high_watermark = -1;
    out.last_epoch = -1;
  }
  return out.log_start >= 0 && out.log_start <= out.log_end && out.segment_base >= 0 &&
         out.segment_base <= out.log_end && out.high_watermark >= -1 && out.last_epoch >= -1;
}

namespace {
// Version 1: no partitions added since creation. Version 2 appends the added extents; it is
// written only for topics that have some, so a data dir whose topics never grew stays readable
// by a Tern that knows version 1 only (which refuses a version-2 record as damaged: io_error).
constexpr std::uint8_t topic_record_version = 1;
constexpr std::uint8_t topic_record_version_extents = 2;

// Writes a u32 length and the bytes at p; returns the position after them.
std::uint8_t* put_string(std::uint8_t* p, std::string_view s) {
  put_u32(p, static_cast<std::uint32_t>(s.size()));
  std::copy(s.begin(), s.end(), p + 4);
  return p + 4 + s.size();
}

// A bounds-checked cursor over a stored value; the first short read makes it fail for good.
struct value_reader {
  std::span<const std::uint8_t> data;
  std::size_t pos = 0;
  bool ok = true;

  const std::uint8_t* take(std::size_t n) {
    if (!ok || data.size() - pos < n) {
      ok = false;
      return nullptr;
    }
    const std::uint8_t* p = data.data() + pos;
    pos += n;
    return p;
  }
  std::uint32_t u32() {
    const std::uint8_t* p = take(4);
    return p ? get_u32(p) : 0;
  }
  std::string string(std::size_t size_max) {
    std::uint32_t n = u32();
    if (n > size_max) ok = false;
    const std::uint8_t* p = ok ? take(n) : nullptr;
    return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
  }
};
}  // namespace

std::vector<std::uint8_t> encode_topic(const topic_info& t) {
  std::size_t size = 1 + 16 + 12;
  for (const auto& [key, value] : t.configs) size += 8 + key.size() + value.size();
  if (!t.added.empty()) size += 4 + 8 * t.added.size();
  std::vector<std::uint8_t> out(size);
  std::uint8_t* p = out.data();
  *p++ = t.added.empty() ? topic_record_version : topic_record_version_extents;
  p = std::copy(t.uuid.begin(), t.uuid.end(), p);
  put_u32(p, static_cast<std::uint32_t>(t.partition_count));
  put_u32(p + 4, t.first_log_id.value());
  put_u32(p + 8, static_cast<std::uint32_t>(t.configs.size()));
  p += 12;
  for (const auto& [key, value] : t.configs) {
    p = put_string(p, key);
    p = put_string(p, value);
  }
  if (!t.added.empty()) {
    put_u32(p, static_cast<std::uint32_t>(t.added.size()));
    p += 4;
    for (const auto& e : t.added) {
      put_u32(p, static_cast<std::uint32_t>(e.first_partition));
      put_u32(p + 4, e.first_log.value());
      p += 8;
    }
  }
  TERN_ASSERT(p == out.data() + out.size());
  return out;
}

bool decode_topic(std::string_view name, std::span<const std::uint8_t> value, topic_info& out) {
  value_reader r{value};
  const std::uint8_t* version = r.take(1);
  if (!version ||
      (*version != topic_record_version && *version != topic_record_version_extents))
    return false;
  const std::uint8_t* uuid = r.take(16);
  if (!uuid) return false;
  out.name = std::string(name);
  std::copy(uuid, uuid + 16, out.uuid.begin());
  out.partition_count = static_cast<std::int32_t>(r.u32());
  out.first_log_id = log_id{r.u32()};
  std::uint32_t config_count = r.u32();
  if (!r.ok || config_count > config_count_max) return false;
  if (out.partition_count < 1 || out.partition_count > partition_count_max) return false;
  out.configs.clear();
  for (std::uint32_t i = 0; i < config_count && r.ok; ++i) {
    std::string key = r.string(config_key_size_max);
    std::string v = r.string(config_value_size_max);
    out.configs.emplace(std::move(key), std::move(v));
  }
  out.added.clear();
  if (r.ok && *version == topic_record_version_extents) {
    // Each extent holds at least one partition, so a valid record has fewer extents than
    // partitions; the count is checked before anything is reserved for it.
    std::uint32_t count = r.u32();
    if (!r.ok || count == 0 || count >= static_cast<std::uint32_t>(out.partition_count))
      return false;
    std::int32_t previous = 0;
    for (std::uint32_t i = 0; i < count && r.ok; ++i) {
      partition_extent e;
      e.first_partition = static_cast<std::int32_t>(r.u32());
      e.first_log = log_id{r.u32()};
      if (e.first_partition <= previous || e.first_partition >= out.partition_count) return false;
      previous = e.first_partition;
      out.added.push_back(e);
    }
  }
  return r.ok && r.pos == value.size();
}

std::string purge_key(log_id first) {
  std::string k(meta_purge_prefix);
  auto id = log_id_key(first);
  k.append(reinterpret_cast<const char*>(id.data()), id.size());
  return k;
}

bool valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > topic_name_size_max) return false;
  if (name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

static std::string db_name(std::string_view prefix, log_id log) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(prefix);
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(digits[(log.value() >> shift) & 0xf]);
  return out;
}

std::string log_db_name(log_id log) { return db_name("log/", log); }
std::string ts_db_name(log_id log) { return db_name("ts/", log); }

std::uint64_t key_hash(std::span<const std::uint8_t> key) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64: offset basis, then xor and multiply
  for (std::uint8_t b : key) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  // FNV leaves the high bits weak for short keys; a multiply-xorshift round spreads them.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

}  // namespace tern::storage::format
