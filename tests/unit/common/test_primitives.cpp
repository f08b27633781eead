#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tern/common/crc32c.h"
#include "tern/common/murmur2.h"
#include "tern/common/record_batch.h"
#include "tern/common/wire.h"

using namespace tern;

static std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c(bytes_of("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(bytes_of("")), 0u);
  std::vector<std::uint8_t> zeros(32, 0);
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);  // RFC 3720 B.4
  std::vector<std::uint8_t> ones(32, 0xff);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
}

TEST(Crc32c, IncrementalEqualsWhole) {
  std::string s = "The quick brown fox jumps over the lazy dog, again and again.";
  auto whole = crc32c(bytes_of(s));
  auto part = crc32c(bytes_of(s.substr(0, 13)));
  EXPECT_EQ(crc32c(bytes_of(s.substr(13)), part), whole);
}

// Values from the Java client's UtilsTest.testMurmur2.
TEST(Murmur2, MatchesJavaClient) {
  EXPECT_EQ(murmur2(bytes_of("21")), -973932308);
  EXPECT_EQ(murmur2(bytes_of("foobar")), -790332482);
  EXPECT_EQ(murmur2(bytes_of("a-little-bit-long-string")), -985981536);
  EXPECT_EQ(murmur2(bytes_of("a-little-bit-longer-string")), -1486304829);
  EXPECT_EQ(murmur2(bytes_of("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")), -58897971);
  EXPECT_EQ(murmur2(bytes_of("abc")), 479470107);
}

TEST(Varint, ZigzagVectors) {
  struct {
    std::int64_t value;
    std::vector<std::uint8_t> bytes;
  } cases[] = {{0, {0x00}},       {-1, {0x01}},       {1, {0x02}},         {-2, {0x03}},
               {63, {0x7e}},      {-64, {0x7f}},      {64, {0x80, 0x01}},  {300, {0xd8, 0x04}},
               {INT64_MAX, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
               {INT64_MIN, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}}};
  for (const auto& c : cases) {
    wire::wire_writer w;
    w.varlong(c.value);
    EXPECT_EQ(w.contiguous(), c.bytes) << c.value;
    wire::wire_reader r(c.bytes);
    EXPECT_EQ(r.varlong(), c.value);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(Varint, RejectsOverlongAndTruncated) {
  std::vector<std::uint8_t> overlong(11, 0x80);
  wire::wire_reader r(overlong);
  r.uvarint();
  EXPECT_FALSE(r.ok());
  std::vector<std::uint8_t> truncated{0x80, 0x80};
  wire::wire_reader t(truncated);
  t.uvarint();
  EXPECT_FALSE(t.ok());
  std::vector<std::uint8_t> too_big_for_int32{0x80, 0x80, 0x80, 0x80, 0x20};
  wire::wire_reader v(too_big_for_int32);
  v.varint();
  EXPECT_FALSE(v.ok());
}

TEST(Wire, ReaderFailsStickyOnShortInput) {
  std::vector<std::uint8_t> b{0x00, 0x05, 'a', 'b'};
  wire::wire_reader r(b);
  EXPECT_EQ(r.string(), "");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.i32(), 0);
}

TEST(Wire, HostileArrayLengthFails) {
  std::vector<std::uint8_t> b{0x7f, 0xff, 0xff, 0xff, 0x00};
  wire::wire_reader r(b);
  r.array_length();
  EXPECT_FALSE(r.ok());
}

TEST(Wire, ExternalSegmentsKeepOrder) {
  std::vector<std::uint8_t> ext{9, 9, 9};
  wire::wire_writer w;
  w.i8(1);
  auto at = w.reserve_i32();
  w.external(ext);
  w.i8(2);
  w.patch_i32(at, 3);
  EXPECT_EQ(w.size(), 9u);
  EXPECT_EQ(w.contiguous(), (std::vector<std::uint8_t>{1, 0, 0, 0, 3, 9, 9, 9, 2}));
  EXPECT_EQ(w.segments().size(), 3u);
}

TEST(RecordBatch, BuildValidateDecodeRoundTrip) {
  record_batch::batch_builder b;
  std::string k1 = "key-1", v1 = "value-1", hv = "hv";
  b.add(1000, bytes_of(k1), bytes_of(v1), {{"h", bytes_of(hv)}});
  b.add(1005, std::nullopt, std::nullopt);
  std::vector<std::uint8_t> out;
  b.build(out);
  record_batch::batch_header h;
  ASSERT_FALSE(record_batch::validate(out, h));
  EXPECT_EQ(h.record_count, 2);
  EXPECT_EQ(h.last_offset_delta, 1);
  EXPECT_EQ(h.max_timestamp, 1005);
  record_batch::set_base_offset(out, 42);
  ASSERT_FALSE(record_batch::validate(out, h));  // base offset is outside the CRC
  std::vector<record_batch::record> recs;
  ASSERT_FALSE(record_batch::decode_records(out, recs));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 42);
  EXPECT_EQ(recs[1].offset, 43);
  EXPECT_EQ(recs[1].timestamp, 1005);
  EXPECT_EQ(std::string(recs[0].key->begin(), recs[0].key->end()), k1);
  EXPECT_EQ(std::string(recs[0].value->begin(), recs[0].value->end()), v1);
  ASSERT_EQ(recs[0].headers.size(), 1u);
  EXPECT_EQ(recs[0].headers[0].key, "h");
  EXPECT_FALSE(recs[1].key.has_value());
  EXPECT_FALSE(recs[1].value.has_value());
}

TEST(RecordBatch, CorruptionIsDetected) {
  record_batch::batch_builder b;
  std::string v = "payload";
  b.add(1, std::nullopt, bytes_of(v));
  std::vector<std::uint8_t> out;
  b.build(out);
  record_batch::batch_header h;
  auto flipped = out;
  flipped.back() ^= 0x01;
  EXPECT_EQ(record_batch::validate(flipped, h), record_batch::record_batch_errc::crc_mismatch);
  auto truncated = std::vector<std::uint8_t>(out.begin(), out.end() - 1);
  std::vector<record_batch::bytes_view> parts;
  EXPECT_EQ(record_batch::split(truncated, parts), record_batch::record_batch_errc::truncated);
  auto bad_magic = out;
  bad_magic[16] = 1;
  EXPECT_EQ(record_batch::validate(bad_magic, h), record_batch::record_batch_errc::unsupported_magic);
}

TEST(RecordBatch, SplitsConcatenatedBatches) {
  std::vector<std::uint8_t> blob;
  for (int i = 0; i < 3; ++i) {
    record_batch::batch_builder b;
    std::string v = std::to_string(i);
    v.insert(0, "v");  // (not "v" + ...: GCC 12 -O3 warns falsely, -Wrestrict)
    b.add(i, std::nullopt, bytes_of(v));
    b.build(blob);
  }
  std::vector<record_batch::bytes_view> parts;
  ASSERT_FALSE(record_batch::split(blob, parts));
  EXPECT_EQ(parts.size(), 3u);
}

// Regressions found by tests/fuzz/fuzz_record_batch (corpus/regression/fuzz_record_batch):
// offsets and timestamps are sums of a header field and a record's delta, both from the client.

// Overwrites baseTimestamp (outside what set_max_timestamp touches) and fixes the CRC.
static void set_base_timestamp(std::vector<std::uint8_t>& batch, std::int64_t ts) {
  for (int i = 0; i < 8; ++i) batch[27 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(ts) >> (56 - 8 * i));
  record_batch::batch_header h;
  ASSERT_FALSE(record_batch::parse_header(batch, h));
  record_batch::set_max_timestamp(batch, h.max_timestamp, h.log_append_time());  // recomputes the CRC
}

TEST(RecordBatch, OffsetsPastInt64AreRefused) {
  record_batch::batch_builder b;
  std::string v = "v";
  b.add(1, std::nullopt, bytes_of(v));
  b.add(2, std::nullopt, bytes_of(v));
  std::vector<std::uint8_t> out;
  b.build(out);
  record_batch::batch_header h;
  std::vector<record_batch::record> recs;
  // lastOffsetDelta 1: baseOffset INT64_MAX would put the second record past the largest offset.
  record_batch::set_base_offset(out, INT64_MAX);
  EXPECT_EQ(record_batch::validate(out, h), record_batch::record_batch_errc::count_mismatch);
  EXPECT_EQ(record_batch::decode_records(out, recs), record_batch::record_batch_errc::count_mismatch);
  record_batch::set_base_offset(out, INT64_MAX - 1);
  ASSERT_FALSE(record_batch::validate(out, h));
  ASSERT_FALSE(record_batch::decode_records(out, recs));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].offset, INT64_MAX);
  // A negative baseOffset with a negative offset delta (the fuzzer's find): refused, not summed.
  out[61 + 3] = 0x6b;  // first record: offsetDelta varint 0 -> -54 (zigzag 107)
  record_batch::set_base_offset(out, INT64_MIN);
  set_base_timestamp(out, 1);
  EXPECT_EQ(record_batch::validate(out, h), record_batch::record_batch_errc::count_mismatch);
}

TEST(RecordBatch, TimestampsSaturateAtTheInt64Bounds) {
  record_batch::batch_builder b;
  std::string v = "v";
  b.add(1000, std::nullopt, bytes_of(v));
  b.add(1005, std::nullopt, bytes_of(v));  // delta +5
  b.add(990, std::nullopt, bytes_of(v));   // delta -10
  std::vector<std::uint8_t> out;
  b.build(out);
  std::vector<std::uint8_t> scratch;
  for (std::int64_t base : {INT64_MAX - 2, INT64_MIN + 1}) {
    SCOPED_TRACE(base);
    set_base_timestamp(out, base);
    record_batch::batch_header h;
    ASSERT_FALSE(record_batch::validate(out, h));
    std::vector<record_batch::record> recs;
    ASSERT_FALSE(record_batch::decode_records(out, recs));
    ASSERT_EQ(recs.size(), 3u);
    const std::int64_t later = base > 0 ? INT64_MAX : base + 5;
    const std::int64_t earlier = base > 0 ? base - 10 : INT64_MIN;
    EXPECT_EQ(recs[0].timestamp, base);
    EXPECT_EQ(recs[1].timestamp, later);
    EXPECT_EQ(recs[2].timestamp, earlier);
    // record_timestamps() reads the same times.
    record_batch::timestamp_range range;
    ASSERT_FALSE(record_batch::record_timestamps(out, h, scratch, 1 << 20, range));
    EXPECT_EQ(range.min, earlier);
    EXPECT_EQ(range.max, later);
  }
  // LogAppendTime far from baseTimestamp: rebuild's deltas saturate, decoding still reports it.
  set_base_timestamp(out, INT64_MIN + 1);
  record_batch::set_max_timestamp(out, INT64_MAX, true);
  record_batch::batch_header h;
  ASSERT_FALSE(record_batch::validate(out, h));
  std::vector<record_batch::record> recs;
  ASSERT_FALSE(record_batch::decode_records(out, recs));
  std::vector<std::uint8_t> rebuilt;
  ASSERT_FALSE(record_batch::rebuild(h, recs, rebuilt));
  std::vector<record_batch::record> again;
  ASSERT_FALSE(record_batch::decode_records(rebuilt, again));
  ASSERT_EQ(again.size(), 3u);
  for (const auto& r : again) EXPECT_EQ(r.timestamp, INT64_MAX);
}

TEST(RecordBatch, RebuildTakesTheSmallestBaseOffset) {
  record_batch::batch_builder b;
  std::string v = "v";
  b.add(1, std::nullopt, bytes_of(v));
  b.add(2, std::nullopt, bytes_of(v));
  std::vector<std::uint8_t> out;
  b.build(out);
  record_batch::set_base_offset(out, INT64_MIN);
  record_batch::batch_header h;
  ASSERT_FALSE(record_batch::validate(out, h));
  std::vector<record_batch::record> recs;
  ASSERT_FALSE(record_batch::decode_records(out, recs));
  std::vector<std::uint8_t> rebuilt;
  ASSERT_FALSE(record_batch::rebuild(h, recs, rebuilt));
  std::vector<record_batch::record> again;
  ASSERT_FALSE(record_batch::decode_records(rebuilt, again));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].offset, INT64_MIN);
  EXPECT_EQ(again[1].offset, INT64_MIN + 1);
}
