#include "tern/common/record_batch.h"

#include "tern/common/check.h"
#include <limits>

#include "tern/common/crc32c.h"
#include "tern/common/wire.h"

namespace tern::record_batch {
namespace {
class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "record_batch"; }
  std::string message(int c) const override {
    switch (static_cast<record_batch_errc>(c)) {
      case record_batch_errc::truncated: return "record batch truncated";
      case record_batch_errc::unsupported_magic: return "record batch magic is not 2";
      case record_batch_errc::crc_mismatch: return "record batch CRC32C mismatch";
      case record_batch_errc::bad_length: return "record batch length invalid";
      case record_batch_errc::bad_record: return "record inside batch malformed";
      case record_batch_errc::count_mismatch: return "record count or offset deltas inconsistent";
      case record_batch_errc::compressed: return "record batch is compressed";
    }
    return "unknown record batch error";
  }
};

// Record times are baseTimestamp + a delta, both from the batch: saturating, so that a hostile
// delta neither overflows (undefined behaviour) nor wraps into a plausible time.
std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b < 0 ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
}
std::int64_t saturating_sub(std::int64_t a, std::int64_t b) {
  std::int64_t difference;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b > 0 ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
}

// Walks the (uncompressed) records that follow the header `h`; calls fn(record&) for each.
template <typename Fn>
std::error_code walk_records(bytes_view records, const batch_header& h, Fn&& fn) {
  wire::wire_reader r(records);
  std::int32_t expected_delta = 0;
  for (std::int32_t i = 0; i < h.record_count; ++i) {
    std::int32_t length = r.varint();
    if (!r.ok() || length < 0 || static_cast<std::size_t>(length) > r.remaining())
      return record_batch_errc::bad_length;
    wire::wire_reader rec(r.raw(static_cast<std::size_t>(length)));
    record out;
    rec.i8();  // attributes, unused in v2
    out.timestamp = saturating_add(h.base_timestamp, rec.varlong());
    // LogAppendTime: the broker's append time, stored once as maxTimestamp, stands for every record.
    if (h.log_append_time()) out.timestamp = h.max_timestamp;
    std::int32_t offset_delta = rec.varint();
    auto read_nullable = [&rec]() -> std::optional<bytes_view> {
      std::int32_t n = rec.varint();
      if (n < 0) {
        if (n != -1) rec.fail();
        return std::nullopt;
      }
      return rec.raw(static_cast<std::size_t>(n));
    };
    out.key = read_nullable();
    out.value = read_nullable();
    std::int32_t header_count = rec.varint();
    if (header_count < 0 || static_cast<std::size_t>(header_count) > rec.remaining())
      return record_batch_errc::bad_record;
    for (std::int32_t k = 0; k < header_count && rec.ok(); ++k) {
      std::int32_t key_len = rec.varint();
      if (key_len < 0) return record_batch_errc::bad_record;
      auto key = rec.raw(static_cast<std::size_t>(key_len));
      auto value = read_nullable();
      out.headers.push_back({std::string(key.begin(), key.end()), value});
    }
    if (!rec.ok() || rec.remaining() != 0) return record_batch_errc::bad_record;
    // Offset deltas must increase; producers send 0..n-1 but compaction leaves gaps.
    if (offset_delta < expected_delta || offset_delta > h.last_offset_delta)
      return record_batch_errc::count_mismatch;
    expected_delta = offset_delta + 1;
    // In [0, lastOffsetDelta], which parse_header() checked fits after baseOffset.
    out.offset = h.base_offset + offset_delta;
    fn(out);
  }
  // lastOffsetDelta may exceed the last record's delta (compaction keeps it), never fall short.
  if (r.remaining() != 0) return record_batch_errc::bad_length;
  return {};
}

// Appends one record (length-prefixed, v2 layout) to `out`.
void append_record(std::vector<std::uint8_t>& out, std::int64_t timestamp_delta, std::int32_t offset_delta,
                   const std::optional<bytes_view>& key, const std::optional<bytes_view>& value,
                   const std::vector<header>& headers) {
  wire::wire_writer body;
  body.i8(0);  // attributes, unused in v2
  body.varlong(timestamp_delta);
  body.varint(offset_delta);
  auto put_nullable = [&body](const std::optional<bytes_view>& b) {
    if (!b) return body.varint(-1);
    body.varint(static_cast<std::int32_t>(b->size()));
    body.raw(*b);
  };
  put_nullable(key);
  put_nullable(value);
  body.varint(static_cast<std::int32_t>(headers.size()));
  for (const auto& hd : headers) {
    body.varint(static_cast<std::int32_t>(hd.key.size()));
    body.raw({reinterpret_cast<const std::uint8_t*>(hd.key.data()), hd.key.size()});
    put_nullable(hd.value);
  }
  wire::wire_writer len;
  len.varint(static_cast<std::int32_t>(body.owned_size()));
  out.insert(out.end(), len.owned().begin(), len.owned().end());
  out.insert(out.end(), body.owned().begin(), body.owned().end());
}

// Appends a batch with h's fields (batchLength and CRC computed here) and `records` (already
// compressed if h says so). too_large when the batch cannot be described by an int32 length.
std::error_code write_batch(const batch_header& h, bytes_view records, std::vector<std::uint8_t>& out) {
  constexpr std::size_t records_max =
      static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) - (header_size - length_prefix_size);
  if (records.size() > records_max) return ::tern::compression::compression_errc::too_large;
  wire::wire_writer w;
  w.i64(h.base_offset);
  w.i32(static_cast<std::int32_t>(header_size - length_prefix_size + records.size()));
  w.i32(h.partition_leader_epoch);
  w.i8(2);
  std::size_t crc_at = w.reserve_i32();
  w.i16(h.attributes);
  w.i32(h.last_offset_delta);
  w.i64(h.base_timestamp);
  w.i64(h.max_timestamp);
  w.i64(h.producer_id);
  w.i16(h.producer_epoch);
  w.i32(h.base_sequence);
  w.i32(h.record_count);
  auto& bytes = w.owned_mutable();
  TERN_ASSERT(bytes.size() == header_size);
  std::uint32_t crc = crc32c(records, crc32c(bytes_view(bytes).subspan(attributes_offset)));
  w.patch_u32(crc_at, crc);
  out.insert(out.end(), bytes.begin(), bytes.end());
  out.insert(out.end(), records.begin(), records.end());
  return {};
}
}  // namespace

const std::error_category& record_batch_category() {
  static const category c;
  return c;
}

std::error_code parse_header(bytes_view data, batch_header& h) {
  // The magic byte sits at the same place in MessageSet v0/v1, so an old-format message is
  // recognised as such even when it is shorter than a v2 header.
  if (data.size() > 16 && data[16] != 2) return record_batch_errc::unsupported_magic;
  if (data.size() < header_size) return record_batch_errc::truncated;
  wire::wire_reader r(data.first(header_size));
  h.base_offset = r.i64();
  h.batch_length = r.i32();
  h.partition_leader_epoch = r.i32();
  h.magic = r.i8();
  h.crc = r.u32();
  h.attributes = r.i16();
  h.last_offset_delta = r.i32();
  h.base_timestamp = r.i64();
  h.max_timestamp = r.i64();
  h.producer_id = r.i64();
  h.producer_epoch = r.i16();
  h.base_sequence = r.i32();
  h.record_count = r.i32();
  TERN_ASSERT(r.ok());
  if (h.magic != 2) return record_batch_errc::unsupported_magic;
  if (h.batch_length < static_cast<std::int32_t>(header_size - length_prefix_size))
    return record_batch_errc::bad_length;
  if (h.record_count < 0 || h.last_offset_delta < 0 ||
      (h.record_count > 0 && h.last_offset_delta < h.record_count - 1))
    return record_batch_errc::count_mismatch;
  // Every record's offset (baseOffset + its delta, at most lastOffsetDelta) must be an int64.
  if (h.base_offset > std::numeric_limits<std::int64_t>::max() - h.last_offset_delta)
    return record_batch_errc::count_mismatch;
  return {};
}

std::error_code validate(bytes_view batch, batch_header& h) {
  if (auto ec = parse_header(batch, h)) return ec;
  if (h.total_size() != batch.size()) return record_batch_errc::truncated;
  if (crc32c(batch.subspan(attributes_offset)) != h.crc) return record_batch_errc::crc_mismatch;
  if (h.codec() != compression::none) {
    // Compressed payloads are stored untouched; the CRC vouches for them.
    return {};
  }
  // Each record takes at least 7 bytes, so a huge count cannot pass.
  return walk_records(batch.subspan(header_size), h, [](const record&) {});
}

std::error_code split(bytes_view records, std::vector<bytes_view>& batches) {
  while (!records.empty()) {
    batch_header h;
    if (auto ec = parse_header(records, h)) return ec;
    if (h.total_size() > records.size()) return record_batch_errc::truncated;
    auto one = records.first(h.total_size());
    if (auto ec = validate(one, h)) return ec;
    batches.push_back(one);
    records = records.subspan(one.size());
  }
  return {};
}

static void store_be(std::uint8_t* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (bytes - 1 - i)));
}

void set_base_offset(std::span<std::uint8_t> batch, std::int64_t base_offset) {
  TERN_ASSERT(batch.size() >= header_size);
  store_be(batch.data(), static_cast<std::uint64_t>(base_offset), 8);
}

void set_partition_leader_epoch(std::span<std::uint8_t> batch, std::int32_t epoch) {
  TERN_ASSERT(batch.size() >= header_size);
  store_be(batch.data() + 12, static_cast<std::uint32_t>(epoch), 4);
}

namespace {

// Timestamps of uncompressed records: the same framing checks as walk_records, without
// materialising keys, values or headers.
std::error_code scan_timestamps(bytes_view records, const batch_header& h, timestamp_range& out) {
  wire::wire_reader r(records);
  out.min = out.max = h.base_timestamp;
  std::int32_t expected_delta = 0;
  for (std::int32_t i = 0; i < h.record_count; ++i) {
    std::int32_t length = r.varint();
    if (!r.ok() || length < 0 || static_cast<std::size_t>(length) > r.remaining())
      return record_batch_errc::bad_length;
    wire::wire_reader rec(r.raw(static_cast<std::size_t>(length)));
    rec.i8();
    const std::int64_t delta = rec.varlong();
    const std::int32_t offset_delta = rec.varint();
    if (!rec.ok()) return record_batch_errc::bad_record;
    if (offset_delta < expected_delta || offset_delta > h.last_offset_delta)
      return record_batch_errc::count_mismatch;
    expected_delta = offset_delta + 1;
    const std::int64_t ts = saturating_add(h.base_timestamp, delta);
    if (i == 0 || ts < out.min) out.min = ts;
    if (i == 0 || ts > out.max) out.max = ts;
  }
  if (r.remaining() != 0) return record_batch_errc::bad_length;
  return {};
}

// The records of `batch` (header `h`) as plain bytes: a view into the batch, or into `scratch`
// (cleared first) holding them inflated, at most decompressed_size_max bytes.
std::error_code plain_records(bytes_view batch, const batch_header& h, std::vector<std::uint8_t>& scratch,
                              std::size_t decompressed_size_max, bytes_view& records) {
  if (h.total_size() > batch.size()) return record_batch_errc::truncated;
  records = batch.subspan(header_size, h.total_size() - header_size);
  scratch.clear();
  if (h.codec() == compression::none) return {};
  if (auto ec = ::tern::compression::decompress(h.codec(), records, scratch, decompressed_size_max))
    return ec;
  records = scratch;
  return {};
}

}  // namespace

std::error_code record_timestamps(bytes_view batch, const batch_header& h,
                                  std::vector<std::uint8_t>& scratch,
                                  std::size_t decompressed_size_max, timestamp_range& out) {
  bytes_view records;
  if (auto ec = plain_records(batch, h, scratch, decompressed_size_max, records)) return ec;
  return scan_timestamps(records, h, out);
}

void set_max_timestamp(std::span<std::uint8_t> batch, std::int64_t max_timestamp, bool log_append_time) {
  TERN_ASSERT(batch.size() >= header_size);
  std::uint16_t attributes = static_cast<std::uint16_t>((batch[attributes_offset] << 8) | batch[attributes_offset + 1]);
  attributes = log_append_time ? (attributes | 0x08) : (attributes & ~0x08);
  store_be(batch.data() + attributes_offset, attributes, 2);
  store_be(batch.data() + 35, static_cast<std::uint64_t>(max_timestamp), 8);  // after baseTimestamp
  store_be(batch.data() + crc_offset, crc32c(batch.subspan(attributes_offset)), 4);
}

std::error_code decode_records(bytes_view batch, std::vector<record>& out) {
  batch_header h;
  if (auto ec = parse_header(batch, h)) return ec;
  if (h.total_size() > batch.size()) return record_batch_errc::truncated;
  batch = batch.first(h.total_size());
  if (h.codec() != compression::none) return record_batch_errc::compressed;
  return walk_records(batch.subspan(header_size), h,
                      [&out](record& r) { out.push_back(std::move(r)); });
}

std::error_code decode_records(bytes_view batch, std::vector<record>& out,
                               std::vector<std::uint8_t>& scratch, std::size_t decompressed_size_max) {
  batch_header h;
  if (auto ec = parse_header(batch, h)) return ec;
  bytes_view records;
  if (auto ec = plain_records(batch, h, scratch, decompressed_size_max, records)) return ec;
  return walk_records(records, h, [&out](record& r) { out.push_back(std::move(r)); });
}

std::error_code rebuild(const batch_header& original, std::span<const record> kept,
                        std::vector<std::uint8_t>& out, const ::tern::compression::compress_options& options) {
  TERN_ASSERT(!kept.empty());
  std::vector<std::uint8_t> records;
  // (Not base_offset - 1 as "before the first": a hostile batch's baseOffset may be INT64_MIN.)
  const record* previous = nullptr;
  for (const auto& r : kept) {
    TERN_ASSERT(r.offset >= original.base_offset && r.offset <= original.last_offset());
    TERN_ASSERT(!previous || r.offset > previous->offset);
    previous = &r;
    // Saturating: a LogAppendTime record's time (maxTimestamp) may lie anywhere; decoding
    // ignores its delta. Other records' times came from saturating_add and always fit.
    append_record(records, saturating_sub(r.timestamp, original.base_timestamp),
                  static_cast<std::int32_t>(r.offset - original.base_offset), r.key, r.value, r.headers);
  }
  batch_header h = original;
  h.magic = 2;
  h.record_count = static_cast<std::int32_t>(kept.size());
  if (h.codec() == compression::none) return write_batch(h, records, out);
  std::vector<std::uint8_t> compressed;
  if (auto ec = ::tern::compression::compress(h.codec(), records, compressed, options)) return ec;
  return write_batch(h, compressed, out);
}

void batch_builder::add(std::int64_t timestamp_ms, std::optional<bytes_view> key,
                        std::optional<bytes_view> value, const std::vector<header>& headers) {
  if (_count == 0) {
    _base_timestamp = timestamp_ms;
    _max_timestamp = timestamp_ms;
  }
  if (timestamp_ms > _max_timestamp) _max_timestamp = timestamp_ms;
  append_record(_records, saturating_sub(timestamp_ms, _base_timestamp), _count, key, value, headers);
  ++_count;
}

void batch_builder::build(std::vector<std::uint8_t>& out) {
  batch_header h;
  h.base_offset = _opts.base_offset;
  h.partition_leader_epoch = _opts.partition_leader_epoch;
  h.attributes = 0;  // no compression, CreateTime
  h.last_offset_delta = _count > 0 ? _count - 1 : 0;
  h.base_timestamp = _base_timestamp;
  h.max_timestamp = _max_timestamp;
  h.producer_id = _opts.producer_id;
  h.producer_epoch = _opts.producer_epoch;
  h.base_sequence = _opts.base_sequence;
  h.record_count = _count;
  [[maybe_unused]] auto ec = write_batch(h, _records, out);
  TERN_ASSERT(!ec);
  if (_opts.base_sequence >= 0) _opts.base_sequence += _count;
  _records.clear();
  _count = 0;
}

}  // namespace tern::record_batch
