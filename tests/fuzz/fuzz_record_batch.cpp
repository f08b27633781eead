// The record batches a producer sends (Produce's `records`) as the hub takes them apart, in
// handle_produce.cpp's order: split() into validated batches (header, CRC32C, record framing),
// then per batch parse_header(), record_timestamps() with the hub's 64 MiB inflation limit (the
// only look inside a compressed batch before it is stored) and set_max_timestamp() rewriting the
// header in place; then what later readers of those batches do: decode_records() (fetch
// down-conversion, compaction, forwarding links, which also decode batches an upstream broker
// sent) and rebuild() (compaction).
//
// Input: byte 0 bit 0 set = recompute every batch's CRC32C before splitting, as an honest but
// buggy client would, so that the fuzzer gets past the checksum into the records; the rest is the
// records blob.
// Properties, beyond "no crash, no sanitizer report":
//  - split() accepts only whole batches that validate(), and they tile the blob;
//  - an uncompressed batch that validated has readable timestamps and records;
//  - set_max_timestamp() leaves a batch that still validates and reports the stamped time;
//  - decode_records() succeeding implies record_timestamps() succeeds and agrees with the records;
//  - rebuild() of the decoded records validates and decodes to the same records.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "fuzz_check.h"
#include "tern/common/crc32c.h"
#include "tern/common/record_batch.h"

namespace {
using namespace tern;
using namespace tern::record_batch;

constexpr std::size_t hub_limit = std::size_t{64} << 20;  // handle_produce.cpp's inflated_batch_max_bytes

// Patches the CRC of every batch whose length fits, walking batchLength by batchLength.
void fix_crcs(std::vector<std::uint8_t>& blob) {
  std::size_t at = 0;
  while (blob.size() - at >= header_size) {
    std::span<std::uint8_t> rest(blob.data() + at, blob.size() - at);
    batch_header h;
    if (parse_header(rest, h) || h.total_size() > rest.size()) return;
    auto one = rest.first(h.total_size());
    std::uint32_t crc = crc32c(one.subspan(attributes_offset));
    for (int i = 0; i < 4; ++i) one[crc_offset + i] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
    at += one.size();
  }
}

bool same_view(const std::optional<bytes_view>& a, const std::optional<bytes_view>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || std::equal(a->begin(), a->end(), b->begin(), b->end());
}

bool same_records(const std::vector<record>& a, const std::vector<record>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].offset != b[i].offset || a[i].timestamp != b[i].timestamp || !same_view(a[i].key, b[i].key) ||
        !same_view(a[i].value, b[i].value) || a[i].headers.size() != b[i].headers.size())
      return false;
    for (std::size_t k = 0; k < a[i].headers.size(); ++k)
      if (a[i].headers[k].key != b[i].headers[k].key || !same_view(a[i].headers[k].value, b[i].headers[k].value))
        return false;
  }
  return true;
}

// What readers after the produce path do with one batch.
void read_back(bytes_view batch, const batch_header& h) {
  std::vector<record> records;
  std::vector<std::uint8_t> scratch;
  if (decode_records(batch, records, scratch, hub_limit)) {
    FUZZ_CHECK(h.codec() != record_batch::compression::none, "an uncompressed batch validated but its records do not decode");
    return;
  }
  FUZZ_CHECK(records.size() == static_cast<std::size_t>(h.record_count), "decode_records gave another count");
  if (h.codec() == record_batch::compression::none) {
    std::vector<record> plain;
    FUZZ_CHECK(!decode_records(batch, plain) && same_records(plain, records),
               "the two decode_records disagree on an uncompressed batch");
  }
  std::vector<std::uint8_t> scratch2;
  timestamp_range range;
  FUZZ_CHECK(!record_timestamps(batch, h, scratch2, hub_limit, range),
             "records decode but their timestamps do not");
  if (!records.empty() && !h.log_append_time()) {
    auto [lo, hi] = std::minmax_element(records.begin(), records.end(),
                                        [](const record& a, const record& b) { return a.timestamp < b.timestamp; });
    FUZZ_CHECK(range.min == lo->timestamp && range.max == hi->timestamp,
               "record_timestamps disagrees with the decoded records");
  }
  if (records.empty()) return;
  std::vector<std::uint8_t> rebuilt;
  if (rebuild(h, records, rebuilt)) return;
  batch_header h2;
  FUZZ_CHECK(!validate(rebuilt, h2), "a rebuilt batch does not validate");
  std::vector<record> again;
  std::vector<std::uint8_t> scratch3;
  FUZZ_CHECK(!decode_records(rebuilt, again, scratch3, hub_limit) && same_records(again, records),
             "a rebuilt batch does not decode to the records it was built from");
}

// handle_produce.cpp's stamp_batch, both timestamp types, on a copy of the batch.
void stamp(bytes_view batch, const batch_header& h) {
  std::vector<std::uint8_t> scratch;
  timestamp_range range;
  auto ec = record_timestamps(batch, h, scratch, hub_limit, range);
  FUZZ_CHECK(scratch.size() <= hub_limit, "inflated past the limit");
  if (ec) {
    FUZZ_CHECK(h.codec() != record_batch::compression::none, "a validated uncompressed batch has unreadable timestamps");
    return;
  }
  FUZZ_CHECK(range.min <= range.max, "timestamp range inverted");
  for (bool log_append_time : {false, true}) {
    std::vector<std::uint8_t> copy(batch.begin(), batch.end());
    const std::int64_t stamp = log_append_time ? 1700000000000 : range.max;
    set_max_timestamp(copy, stamp, log_append_time);
    batch_header after;
    FUZZ_CHECK(!validate(copy, after), "a stamped batch does not validate");
    FUZZ_CHECK(after.max_timestamp == stamp && after.log_append_time() == log_append_time &&
                   (after.attributes & ~0x08) == (h.attributes & ~0x08),
               "set_max_timestamp wrote something else");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::vector<std::uint8_t> blob(data + 1, data + size);
  if (data[0] & 1) fix_crcs(blob);

  // Readers that never saw split() (a batch from an upstream broker) decode whatever comes.
  {
    std::vector<record> records;
    std::vector<std::uint8_t> scratch;
    decode_records(blob, records, scratch, hub_limit);
    FUZZ_CHECK(scratch.size() <= hub_limit, "inflated past the limit");
  }

  std::vector<bytes_view> batches;
  if (split(blob, batches)) return 0;
  std::size_t at = 0;
  for (auto b : batches) {
    FUZZ_CHECK(b.data() == blob.data() + at, "split's batches do not tile the blob");
    at += b.size();
    batch_header h;
    FUZZ_CHECK(!parse_header(b, h) && h.total_size() == b.size(), "a split batch has another size");
    batch_header v;
    FUZZ_CHECK(!validate(b, v), "split accepted a batch validate() refuses");
    stamp(b, h);
    read_back(b, h);
  }
  FUZZ_CHECK(at == blob.size(), "split's batches do not cover the blob");
  return 0;
}
