// compression.h (Kafka's gzip/snappy/lz4/zstd framings) and the record_batch functions built on
// it: decode_records of compressed batches and rebuild.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>

#include "tern/common/compression.h"
#include "tern/common/crc32c.h"
#include "tern/common/record_batch.h"

namespace record_batch = tern::record_batch;
using tern::crc32c;
using codec_id = tern::record_batch::compression;
using compression_errc = tern::compression::compression_errc;
using bytes = std::vector<std::uint8_t>;

namespace {
constexpr std::size_t unlimited = std::size_t{1} << 30;
constexpr codec_id all_codecs[] = {codec_id::gzip, codec_id::snappy, codec_id::lz4, codec_id::zstd};

bytes from_hex(const std::string& hex) {
  bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string str(std::span<const std::uint8_t> b) { return std::string(b.begin(), b.end()); }

// The payload of the third-party vectors below:
//   python3 -c "import sys; sys.stdout.write(''.join('rec-%d-tern|' % (i % 7) for i in range(80)))"
std::string vector_payload() {
  std::string s;
  for (int i = 0; i < 80; ++i) s += "rec-" + std::to_string(i % 7) + "-tern|";
  return s;
}

// Compressible but not trivial: words from a small vocabulary plus some noise.
bytes mixed_payload(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  static const char* words[] = {
      "sensor", "temp=", "21.5", "hum=", "0.43", "gateway", "\n", "{\"k\":"};
  bytes out;
  while (out.size() < n) {
    if (rng() % 8 == 0) {
      out.push_back(static_cast<std::uint8_t>(rng()));
    } else {
      const char* w = words[rng() % 8];
      out.insert(out.end(), w, w + std::strlen(w));
    }
  }
  out.resize(n);
  return out;
}

std::error_code decompress(codec_id c, const bytes& in, bytes& out,
                           std::size_t size_max = unlimited) {
  return tern::compression::decompress(c, in, out, size_max);
}

bytes compressed(codec_id c, const bytes& in, bool xerial = false) {
  bytes out;
  tern::compression::compress_options o;
  o.snappy_xerial = xerial;
  EXPECT_FALSE(tern::compression::compress(c, in, out, o));
  return out;
}
}  // namespace

// ---- Third-party bytes ------------------------------------------------------------------------
// Made with Debian bookworm's tools from vector_payload(): gzip -c -n -9, lz4 -c, `cat | zstd -c`
// (stdin: no content size in the frame), python3-snappy's snappy.compress (raw), and xerial =
// magic + version 1 + compat 1 + [u32 BE len][snappy.compress(p[:500])] +
// [len][snappy.compress(p[500:])].
const char* gzip_vector =
    "1f8b08000000000002032b4a4dd635d02d492dcaab2902320d114c2304d318c13441304d114c3304"
    "73d4b051c3460dc36918007e79271070030000";
const char* lz4_vector =
    "04224d186440a733000000b07265632d302d7465726e7c0b0016310b0016320b0016330b0016340b"
    "0016350b0016360b000f4d00ffffff0a507465726e7c00000000b96d41ce";
const char* zstd_vector =
    "28b52ffd04587d020042860f10c025076e5b39d2ff063625257ad59901433084209ce62ea7b9cb69"
    "ee729abb9ce62ea7b9cb69ee729abb9ce62ea7b9cb69ee720288310443082201c4084ea411e0efbf"
    "01e0d70780614e55a592e4a2";
const char* snappy_vector =
    "f006287265632d302d7465726e7c010b0031190b0032190b0033190b0034190b0035190b0036190b"
    "fe4d00fe4d00fe4d00fe4d00fe4d00fe4d00fe4d00fe4d00fe4d00fe4d00fe4d00fe4d007a4d00";
const char* xerial_vector =
    "82534e415050590000000001000000010000003df403287265632d302d7465726e7c010b0031190b"
    "0032190b0033190b0034190b0035190b0036190bfe4d00fe4d00fe4d00fe4d00fe4d00fe4d008a4d"
    "0000000037fc02282d7465726e7c7265632d34190b0035190b0036190b0030190b0031190b003219"
    "0b0033190bfe4d00fe4d00fe4d00fe4d00924d00";

TEST(Compression, DecompressesThirdPartyVectors) {
  const std::string want = vector_payload();
  struct {
    codec_id codec;
    const char* hex;
  } cases[] = {{codec_id::gzip, gzip_vector},
               {codec_id::lz4, lz4_vector},
               {codec_id::zstd, zstd_vector},
               {codec_id::snappy, snappy_vector},
               {codec_id::snappy, xerial_vector}};
  for (const auto& c : cases) {
    bytes out = {'x'};  // decompress appends
    ASSERT_FALSE(decompress(c.codec, from_hex(c.hex), out)) << c.hex;
    EXPECT_EQ(str(out), "x" + want) << c.hex;
  }
}

TEST(Compression, HandWrittenSnappyCopy) {
  // Length 12, literal "abc", copy (1-byte offset form) of 9 bytes from offset 3.
  bytes in = {0x0c, 0x08, 'a', 'b', 'c', 0x15, 0x03}, out;
  ASSERT_FALSE(decompress(codec_id::snappy, in, out));
  EXPECT_EQ(str(out), "abcabcabcabc");
  in[6] = 0x04;  // offset past the start of the output
  out.clear();
  EXPECT_EQ(decompress(codec_id::snappy, in, out), compression_errc::corrupt);
}

TEST(Compression, ConcatenatedMembersAndFrames) {
  const std::string want = vector_payload();
  for (auto [c, hex] :
       {std::pair{codec_id::gzip, gzip_vector}, std::pair{codec_id::lz4, lz4_vector},
        std::pair{codec_id::zstd, zstd_vector}}) {
    bytes one = from_hex(hex), two = one, out;
    two.insert(two.end(), one.begin(), one.end());
    ASSERT_FALSE(decompress(c, two, out)) << hex;
    EXPECT_EQ(str(out), want + want);
    two.push_back(0);  // trailing garbage after the last member/frame
    out.clear();
    EXPECT_EQ(decompress(c, two, out), compression_errc::corrupt) << hex;
  }
}

// A zstd frame whose header declares more content than its blocks hold is corrupt whatever the
// limit (found by tests/fuzz/fuzz_decompress: libzstd let it through as empty when streaming
// it into a room smaller than the declared size).
TEST(Compression, ZstdFrameHoldingLessThanItDeclaresIsCorrupt) {
  // magic, descriptor (single segment, 4-byte content size), content size 4666, then one last
  // raw block of 0 bytes.
  const bytes lie = {0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x3a, 0x12, 0x00, 0x00, 0x01, 0x00, 0x00};
  for (std::size_t size_max : {std::size_t{16}, std::size_t{1024}, std::size_t{64} << 10, std::size_t{64} << 20}) {
    bytes out;
    EXPECT_EQ(tern::compression::decompress(codec_id::zstd, lie, out, size_max), compression_errc::corrupt)
        << size_max;
  }
  // The honest frame of the same kind (declared 0, holding 0) and two frames in a row still pass.
  bytes empty = {0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00}, out;
  ASSERT_FALSE(tern::compression::decompress(codec_id::zstd, empty, out, 1024));
  EXPECT_TRUE(out.empty());
  bytes two = from_hex(zstd_vector), one = two;  // (no declared size: made from a pipe)
  two.insert(two.end(), one.begin(), one.end());
  out.clear();
  ASSERT_FALSE(tern::compression::decompress(codec_id::zstd, two, out, 1 << 20));
  EXPECT_EQ(str(out), vector_payload() + vector_payload());
  // Frames that declare their size (compress() writes it), streamed through several rooms.
  bytes payload(100 << 10);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7 / 5);
  bytes frames;
  ASSERT_FALSE(tern::compression::compress(codec_id::zstd, payload, frames));
  ASSERT_FALSE(tern::compression::compress(codec_id::zstd, payload, frames));
  out.clear();
  ASSERT_FALSE(tern::compression::decompress(codec_id::zstd, frames, out, 1 << 20));
  ASSERT_EQ(out.size(), 2 * payload.size());
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), out.begin() + payload.size()));
}

// ---- Round trips ------------------------------------------------------------------------------

TEST(Compression, RoundTripEveryCodecAndSize) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{65536},
                        std::size_t{200'001}, std::size_t{3'000'000}}) {
    bytes in = mixed_payload(n, static_cast<unsigned>(n));
    for (codec_id c : all_codecs) {
      for (bool xerial : {false, true}) {
        if (xerial && c != codec_id::snappy) continue;
        bytes z = compressed(c, in, xerial), out = {1, 2, 3};
        ASSERT_FALSE(decompress(c, z, out)) << int(c) << " n=" << n;
        ASSERT_EQ(out.size(), n + 3);
        EXPECT_TRUE(std::equal(in.begin(), in.end(), out.begin() + 3)) << int(c) << " n=" << n;
        if (n >= 1000) {
          EXPECT_LT(z.size(), n) << int(c);
        }
      }
    }
  }
}

TEST(Compression, CompressAppendsAndFramesAsKafkaClientsExpect) {
  bytes in = mixed_payload(100'000, 7);
  bytes out = {9};
  ASSERT_FALSE(tern::compression::compress(codec_id::gzip, in, out));
  EXPECT_EQ(out[0], 9);
  EXPECT_EQ(out[1], 0x1f);  // gzip magic
  EXPECT_EQ(out[2], 0x8b);
  bytes lz = compressed(codec_id::lz4, in);
  ASSERT_GE(lz.size(), 7u);
  EXPECT_EQ(bytes(lz.begin(), lz.begin() + 4), (bytes{0x04, 0x22, 0x4d, 0x18}));
  EXPECT_TRUE(lz[4] & 0x20) << "blocks must be independent for the Java client";
  EXPECT_EQ(lz[5] & 0x70, 0x40) << "64 KiB blocks";
  bytes zs = compressed(codec_id::zstd, in);
  EXPECT_EQ(bytes(zs.begin(), zs.begin() + 4), (bytes{0x28, 0xb5, 0x2f, 0xfd}));
  bytes raw = compressed(codec_id::snappy, in);
  EXPECT_NE(raw[0], 0x82) << "raw snappy by default";
  bytes x = compressed(codec_id::snappy, in, true);
  EXPECT_EQ(bytes(x.begin(), x.begin() + 16),
            (bytes{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}));
  // 100,000 bytes in 32 KiB blocks: 4 blocks.
  std::size_t at = 16, blocks = 0;
  while (at < x.size()) {
    at += 4 + ((std::size_t{x[at]} << 24) | (std::size_t{x[at + 1]} << 16) |
               (std::size_t{x[at + 2]} << 8) | x[at + 3]);
    ++blocks;
  }
  EXPECT_EQ(at, x.size());
  EXPECT_EQ(blocks, 4u);
}

TEST(Compression, Levels) {
  bytes in = mixed_payload(50'000, 3);
  for (auto [c, level] :
       {std::pair{codec_id::gzip, 1}, std::pair{codec_id::gzip, 9}, std::pair{codec_id::lz4, 9},
        std::pair{codec_id::zstd, 19}, std::pair{codec_id::zstd, -5}}) {
    bytes z, out;
    ASSERT_FALSE(tern::compression::compress(c, in, z, {.level = level, .snappy_xerial = false}));
    ASSERT_FALSE(decompress(c, z, out));
    EXPECT_EQ(out, in);
  }
}

// ---- Errors -----------------------------------------------------------------------------------

TEST(Compression, UnsupportedCodec) {
  bytes in = {1, 2, 3}, out;
  for (auto c : {codec_id::none, static_cast<codec_id>(5), static_cast<codec_id>(7)}) {
    EXPECT_EQ(decompress(c, in, out), compression_errc::unsupported_codec);
    EXPECT_EQ(tern::compression::compress(c, in, out), compression_errc::unsupported_codec);
  }
  EXPECT_TRUE(out.empty());
  std::error_code ec = compression_errc::too_large;
  EXPECT_STREQ(ec.category().name(), "compression");
  EXPECT_NE(ec.message().find("limit"), std::string::npos);
}

TEST(Compression, EmptyInputIsCorrupt) {
  for (codec_id c : all_codecs) {
    bytes out;
    EXPECT_EQ(decompress(c, {}, out), compression_errc::corrupt) << int(c);
  }
}

TEST(Compression, EveryTruncationFails) {
  bytes in = mixed_payload(5000, 11);
  for (codec_id c : all_codecs) {
    for (bool xerial : {false, true}) {
      if (xerial && c != codec_id::snappy) continue;
      bytes z = compressed(c, in, xerial);
      for (std::size_t n = 0; n < z.size(); ++n) {
        bytes cut(z.begin(), z.begin() + static_cast<std::ptrdiff_t>(n)), out;
        auto ec = decompress(c, cut, out, in.size());
        // Xerial has no end marker: a cut at a block boundary is a shorter valid stream. A cut
        // inside its magic reads as raw snappy claiming a large size.
        if (xerial && !ec) {
          EXPECT_LT(out.size(), in.size());
        } else {
          EXPECT_EQ(ec, compression_errc::corrupt) << int(c) << " cut at " << n;
        }
      }
    }
  }
}

TEST(Compression, XerialFramingErrors) {
  bytes x = from_hex(xerial_vector), out;
  bytes header_only(x.begin(), x.begin() + 16);
  EXPECT_FALSE(decompress(codec_id::snappy, header_only, out));
  EXPECT_TRUE(out.empty());
  bytes short_header(x.begin(), x.begin() + 12);
  EXPECT_EQ(decompress(codec_id::snappy, short_header, out), compression_errc::corrupt);
  bytes bad_length = x;
  bad_length[16] = 0x7f;  // first block claims ~2 GiB
  EXPECT_EQ(decompress(codec_id::snappy, bad_length, out), compression_errc::corrupt);
}

TEST(Compression, SizeMaxIsEnforcedExactly) {
  bytes zeros(1 << 20, 0);
  bytes in = mixed_payload(300'000, 5);
  for (const bytes* p : {&zeros, &in}) {
    for (codec_id c : all_codecs) {
      for (bool xerial : {false, true}) {
        if (xerial && c != codec_id::snappy) continue;
        bytes z = compressed(c, *p, xerial), out = {7};
        EXPECT_EQ(decompress(c, z, out, p->size() - 1), compression_errc::too_large) << int(c);
        EXPECT_LE(out.size(), p->size());  // never past the limit
        EXPECT_EQ(out[0], 7);
        out = {7};
        ASSERT_FALSE(decompress(c, z, out, p->size())) << int(c) << " exact fit";
        EXPECT_EQ(out.size(), p->size() + 1);
      }
    }
  }
}

TEST(Compression, BombsStopAtTheLimit) {
  bytes zeros(64 << 20, 0);
  for (codec_id c : all_codecs) {
    bytes z = compressed(c, zeros), out;
    EXPECT_LT(z.size(), std::size_t{4} << 20);
    EXPECT_EQ(decompress(c, z, out, 1 << 20), compression_errc::too_large) << int(c);
    EXPECT_LE(out.size(), std::size_t{1} << 20);
  }
  // Raw snappy whose length prefix claims 4 GiB - 1 with a few bytes behind it: refused without
  // allocating the claimed size.
  bytes liar = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 'a'}, out;
  EXPECT_EQ(decompress(codec_id::snappy, liar, out, 64 << 20), compression_errc::corrupt);
  EXPECT_TRUE(out.empty());
  // A valid raw snappy stream of 100 KiB (copies of 64 bytes) against a 64 KiB limit.
  bytes dense = {0x80, 0xa0, 0x06, 0x00, 'z'};  // length 102400, literal "z"
  for (std::size_t made = 1; made < 102400; made += 64) {
    std::size_t n = std::min<std::size_t>(64, 102400 - made);
    if (n < 4) {
      for (std::size_t k = 0; k < n; ++k) dense.insert(dense.end(), {0x00, 'z'});
      continue;
    }
    dense.insert(dense.end(), {static_cast<std::uint8_t>(0x02 | ((n - 1) << 2)), 0x01,
                               0x00});  // copy n from offset 1
  }
  EXPECT_EQ(decompress(codec_id::snappy, dense, out, 64 << 10), compression_errc::too_large);
  EXPECT_TRUE(out.empty());
  ASSERT_FALSE(decompress(codec_id::snappy, dense, out, 102400));
  EXPECT_EQ(out, bytes(102400, 'z'));
}

TEST(Compression, GarbageAndMutationsNeverCrash) {
  std::mt19937 rng(20240601);
  bytes in = mixed_payload(20'000, 1);
  std::vector<std::pair<codec_id, bytes>> seeds;
  for (codec_id c : all_codecs) seeds.emplace_back(c, compressed(c, in));
  seeds.emplace_back(codec_id::snappy, compressed(codec_id::snappy, in, true));
  const std::size_t size_max = 64 << 10;
  for (int i = 0; i < 4000; ++i) {
    auto [c, z] = seeds[static_cast<std::size_t>(i) % seeds.size()];
    if (i % 4 == 0) {
      z.resize(rng() % 200);  // pure garbage, sometimes behind a valid magic
      for (auto& b : z) b = static_cast<std::uint8_t>(rng());
    } else {
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) z[rng() % z.size()] = static_cast<std::uint8_t>(rng());
      if (i % 3 == 0) z.resize(rng() % (z.size() + 1));
    }
    bytes out;
    auto ec = decompress(c, z, out, size_max);
    EXPECT_LE(out.size(), size_max);
    if (ec) {
      EXPECT_EQ(&ec.category(), &tern::compression::compression_category());
    }
  }
}

// ---- Record batches ---------------------------------------------------------------------------

namespace {
struct test_record {
  std::int64_t timestamp;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::vector<test_record> sample_records(int n) {
  std::vector<test_record> out;
  for (int i = 0; i < n; ++i) {
    test_record r{1'700'000'000'000 + 10 * i - (i == 3 ? 500 : 0),
                  "key-" + std::to_string(i % 4),
                  "value-" + std::to_string(i) + std::string(static_cast<std::size_t>(i * 7), 'v'),
                  {}};
    if (i == 2) r.key.reset();
    if (i == 5) r.value.reset();  // tombstone
    if (i % 3 == 0) r.headers = {{"h" + std::to_string(i), "hv"}, {"null", std::nullopt}};
    out.push_back(r);
  }
  return out;
}

std::optional<record_batch::bytes_view> view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return record_batch::bytes_view(reinterpret_cast<const std::uint8_t*>(s->data()), s->size());
}

// An uncompressed batch from batch_builder, with the given header fields patched in.
bytes uncompressed_batch(const std::vector<test_record>& recs, std::int64_t base_offset) {
  record_batch::batch_builder b({.base_offset = base_offset,
                                 .producer_id = 77,
                                 .producer_epoch = 3,
                                 .base_sequence = 40,
                                 .partition_leader_epoch = 9});
  for (const auto& r : recs) {
    std::vector<record_batch::header> hs;
    for (const auto& [k, v] : r.headers) hs.push_back({k, view(v)});
    b.add(r.timestamp, view(r.key), view(r.value), hs);
  }
  bytes out;
  b.build(out);
  return out;
}

void store_be(std::uint8_t* p, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
}

// Turns an uncompressed batch into a compressed one by hand (not with rebuild): compress the
// records, set the codec and extra attribute bits, fix batchLength and the CRC.
bytes compress_batch(const bytes& plain, codec_id c, std::int16_t extra_attributes = 0,
                     bool xerial = false) {
  bytes records(plain.begin() + record_batch::header_size, plain.end());
  bytes out(plain.begin(), plain.begin() + record_batch::header_size);
  bytes z = compressed(c, records, xerial);
  out.insert(out.end(), z.begin(), z.end());
  store_be(out.data() + 8, out.size() - record_batch::length_prefix_size, 4);
  store_be(out.data() + record_batch::attributes_offset,
           static_cast<std::uint16_t>(static_cast<int>(c) | extra_attributes), 2);
  store_be(out.data() + record_batch::crc_offset,
           crc32c(record_batch::bytes_view(out).subspan(record_batch::attributes_offset)), 4);
  return out;
}
}  // namespace

namespace {
void expect_records(const std::vector<record_batch::record>& got,
                    const std::vector<test_record>& want, const std::vector<std::int64_t>& offsets,
                    std::optional<std::int64_t> log_append_time = {}) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].offset, offsets[i]) << i;
    EXPECT_EQ(got[i].timestamp, log_append_time.value_or(want[i].timestamp)) << i;
    ASSERT_EQ(got[i].key.has_value(), want[i].key.has_value()) << i;
    if (want[i].key) {
      EXPECT_EQ(str(*got[i].key), *want[i].key) << i;
    }
    ASSERT_EQ(got[i].value.has_value(), want[i].value.has_value()) << i;
    if (want[i].value) {
      EXPECT_EQ(str(*got[i].value), *want[i].value) << i;
    }
    ASSERT_EQ(got[i].headers.size(), want[i].headers.size()) << i;
    for (std::size_t k = 0; k < want[i].headers.size(); ++k) {
      EXPECT_EQ(got[i].headers[k].key, want[i].headers[k].first);
      ASSERT_EQ(got[i].headers[k].value.has_value(), want[i].headers[k].second.has_value());
      if (want[i].headers[k].second) {
        EXPECT_EQ(str(*got[i].headers[k].value), *want[i].headers[k].second);
      }
    }
  }
}

struct codec_case {
  codec_id codec;
  bool xerial;
};
constexpr codec_case codec_cases[] = {{codec_id::none, false},   {codec_id::gzip, false},
                                      {codec_id::snappy, false}, {codec_id::snappy, true},
                                      {codec_id::lz4, false},    {codec_id::zstd, false}};

bytes batch_for(const codec_case& cc, const bytes& plain, std::int16_t extra = 0) {
  if (cc.codec == codec_id::none) {
    bytes b = plain;
    if (extra) {
      store_be(b.data() + record_batch::attributes_offset, static_cast<std::uint16_t>(extra), 2);
      store_be(b.data() + record_batch::crc_offset,
               crc32c(record_batch::bytes_view(b).subspan(record_batch::attributes_offset)), 4);
    }
    return b;
  }
  return compress_batch(plain, cc.codec, extra, cc.xerial);
}
}  // namespace

TEST(RecordBatchCompressed, DecodesEveryCodecLikeTheUncompressedBatch) {
  auto recs = sample_records(12);
  bytes plain = uncompressed_batch(recs, 5000);
  std::vector<std::int64_t> offsets;
  for (int i = 0; i < 12; ++i) offsets.push_back(5000 + i);
  for (const auto& cc : codec_cases) {
    bytes batch = batch_for(cc, plain);
    record_batch::batch_header h;
    ASSERT_FALSE(record_batch::validate(batch, h)) << int(cc.codec);
    EXPECT_EQ(h.codec(), cc.codec);
    std::vector<record_batch::record> got;
    bytes scratch = {1, 2, 3};
    ASSERT_FALSE(record_batch::decode_records(batch, got, scratch, unlimited)) << int(cc.codec);
    expect_records(got, recs, offsets);
    if (cc.codec == codec_id::none) {
      EXPECT_TRUE(scratch.empty());
    }
    // The old overload still refuses compressed batches.
    std::vector<record_batch::record> old;
    EXPECT_EQ(record_batch::decode_records(batch, old),
              cc.codec == codec_id::none ? std::error_code{}
                                         : record_batch::record_batch_errc::compressed);
  }
}

TEST(RecordBatchCompressed, DecodeErrors) {
  auto recs = sample_records(6);
  bytes plain = uncompressed_batch(recs, 0);
  bytes batch = compress_batch(plain, codec_id::zstd);
  std::vector<record_batch::record> got;
  bytes scratch;
  EXPECT_EQ(record_batch::decode_records(batch, got, scratch, 10), compression_errc::too_large);

  // recordCount says 7 but only 6 records are inside: the same check as uncompressed batches.
  bytes wrong_count = plain;
  store_be(wrong_count.data() + 57, 7, 4);
  store_be(wrong_count.data() + 23, 6, 4);  // lastOffsetDelta 6 so the header itself parses
  got.clear();
  EXPECT_EQ(record_batch::decode_records(compress_batch(wrong_count, codec_id::gzip), got, scratch,
                                         unlimited),
            record_batch::record_batch_errc::bad_length);

  // A codec that does not exist (attribute value 5).
  bytes unknown = plain;
  store_be(unknown.data() + record_batch::attributes_offset, 5, 2);
  EXPECT_EQ(record_batch::decode_records(unknown, got, scratch, unlimited),
            compression_errc::unsupported_codec);

  // Records compressed with one codec but labelled another: corrupt, not a crash.
  bytes mislabelled = compress_batch(plain, codec_id::lz4);
  store_be(mislabelled.data() + record_batch::attributes_offset, static_cast<int>(codec_id::gzip),
           2);
  EXPECT_EQ(record_batch::decode_records(mislabelled, got, scratch, unlimited),
            compression_errc::corrupt);

  // validate() stays header + CRC for compressed batches: garbage records with a good CRC pass.
  bytes garbage(plain.begin(), plain.begin() + record_batch::header_size);
  for (int i = 0; i < 40; ++i) garbage.push_back(static_cast<std::uint8_t>(i * 37));
  store_be(garbage.data() + 8, garbage.size() - record_batch::length_prefix_size, 4);
  store_be(garbage.data() + record_batch::attributes_offset, static_cast<int>(codec_id::snappy), 2);
  store_be(garbage.data() + record_batch::crc_offset,
           crc32c(record_batch::bytes_view(garbage).subspan(record_batch::attributes_offset)), 4);
  record_batch::batch_header h;
  EXPECT_FALSE(record_batch::validate(garbage, h));
  EXPECT_EQ(record_batch::decode_records(garbage, got, scratch, unlimited),
            compression_errc::corrupt);
}

TEST(RecordBatchCompressed, RebuildKeepsOffsetsTimestampsAndHeaderForEveryCodec) {
  auto recs = sample_records(10);
  bytes plain = uncompressed_batch(recs, 1000);
  const std::vector<std::size_t> keep = {0, 3, 4, 8};  // not the last: lastOffsetDelta stays 9
  for (const auto& cc : codec_cases) {
    for (std::int16_t extra : {std::int16_t{0}, std::int16_t{0x10}}) {  // plain and transactional
      bytes original = batch_for(cc, plain, extra);
      record_batch::batch_header oh;
      ASSERT_FALSE(record_batch::validate(original, oh));
      std::vector<record_batch::record> all;
      bytes scratch;
      ASSERT_FALSE(record_batch::decode_records(original, all, scratch, unlimited));
      std::vector<record_batch::record> kept;
      std::vector<test_record> want;
      std::vector<std::int64_t> offsets;
      for (auto i : keep) {
        kept.push_back(all[i]);
        want.push_back(recs[i]);
        offsets.push_back(1000 + static_cast<std::int64_t>(i));
      }
      bytes out = {0xaa};  // rebuild appends
      ASSERT_FALSE(record_batch::rebuild(oh, kept, out, {.level = 0, .snappy_xerial = cc.xerial}));
      EXPECT_EQ(out[0], 0xaa);
      record_batch::bytes_view batch = record_batch::bytes_view(out).subspan(1);
      record_batch::batch_header h;
      ASSERT_FALSE(record_batch::validate(batch, h)) << int(cc.codec);
      EXPECT_EQ(h.base_offset, 1000);
      EXPECT_EQ(h.partition_leader_epoch, 9);
      EXPECT_EQ(h.attributes, oh.attributes);
      EXPECT_EQ(h.codec(), cc.codec);
      EXPECT_EQ(h.transactional(), extra != 0);
      EXPECT_EQ(h.last_offset_delta, 9);
      EXPECT_EQ(h.base_timestamp, oh.base_timestamp);
      EXPECT_EQ(h.max_timestamp, oh.max_timestamp);
      EXPECT_EQ(h.producer_id, 77);
      EXPECT_EQ(h.producer_epoch, 3);
      EXPECT_EQ(h.base_sequence, 40);
      EXPECT_EQ(h.record_count, 4);
      if (cc.codec == codec_id::snappy) {
        EXPECT_EQ(batch[record_batch::header_size] == 0x82, cc.xerial);
      }
      std::vector<record_batch::record> got;
      bytes scratch2;
      ASSERT_FALSE(record_batch::decode_records(batch, got, scratch2, unlimited));
      expect_records(got, want, offsets);
    }
  }
}

TEST(RecordBatchCompressed, RebuildLogAppendTimeBatch) {
  auto recs = sample_records(5);
  bytes plain = uncompressed_batch(recs, 200);
  const std::int64_t append_time = 1'800'000'000'000;
  for (const auto& cc : codec_cases) {
    bytes original = batch_for(cc, plain, 0x08);
    store_be(original.data() + 35, static_cast<std::uint64_t>(append_time), 8);  // maxTimestamp
    store_be(original.data() + record_batch::crc_offset,
             crc32c(record_batch::bytes_view(original).subspan(record_batch::attributes_offset)),
             4);
    record_batch::batch_header oh;
    ASSERT_FALSE(record_batch::validate(original, oh));
    ASSERT_TRUE(oh.log_append_time());
    std::vector<record_batch::record> all;
    bytes scratch;
    ASSERT_FALSE(record_batch::decode_records(original, all, scratch, unlimited));
    expect_records(all, recs, {200, 201, 202, 203, 204}, append_time);
    std::vector<record_batch::record> kept = {all[1], all[4]};
    bytes out;
    ASSERT_FALSE(record_batch::rebuild(oh, kept, out, {.level = 0, .snappy_xerial = cc.xerial}));
    record_batch::batch_header h;
    ASSERT_FALSE(record_batch::validate(out, h));
    EXPECT_TRUE(h.log_append_time());
    EXPECT_EQ(h.max_timestamp, append_time);
    EXPECT_EQ(h.base_timestamp, oh.base_timestamp);
    std::vector<record_batch::record> got;
    bytes scratch2;
    ASSERT_FALSE(record_batch::decode_records(out, got, scratch2, unlimited));
    expect_records(got, {recs[1], recs[4]}, {201, 204}, append_time);
  }
}

TEST(RecordBatchCompressed, RebuildUnknownCodecIsAnError) {
  bytes plain = uncompressed_batch(sample_records(2), 0);
  record_batch::batch_header h;
  ASSERT_FALSE(record_batch::validate(plain, h));
  std::vector<record_batch::record> recs;
  ASSERT_FALSE(record_batch::decode_records(plain, recs));
  h.attributes = 6;
  bytes out;
  EXPECT_EQ(record_batch::rebuild(h, recs, out), compression_errc::unsupported_codec);
  EXPECT_TRUE(out.empty());
}

TEST(RecordBatchCompressed, MutatedBatchesNeverCrashDecode) {
  std::mt19937 rng(7);
  bytes plain = uncompressed_batch(sample_records(20), 0);
  std::vector<bytes> seeds;
  for (const auto& cc : codec_cases) seeds.push_back(batch_for(cc, plain));
  for (int i = 0; i < 3000; ++i) {
    bytes b = seeds[static_cast<std::size_t>(i) % seeds.size()];
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      // Mostly the records; sometimes the header (count, deltas, attributes).
      std::size_t at = rng() % 4 == 0 ? 21 + rng() % 40
                                      : record_batch::header_size +
                                            rng() % (b.size() - record_batch::header_size);
      b[at] = static_cast<std::uint8_t>(rng());
    }
    if (i % 5 == 0)
      b.resize(record_batch::header_size + rng() % (b.size() - record_batch::header_size + 1));
    std::vector<record_batch::record> got;
    bytes scratch;
    auto ec = record_batch::decode_records(b, got, scratch, 1 << 16);
    EXPECT_LE(scratch.size(), std::size_t{1} << 16);
    if (!ec) {
      for (const auto& r : got) {
        if (r.value) {
          EXPECT_LE(r.value->size(), std::max(b.size(), scratch.size()));
        }
      }
    }
  }
}

// What Produce recomputes: the records' own min and max CreateTime, for every codec, however
// the header lies; set_max_timestamp then rewrites the header with a CRC that validates.
TEST(RecordBatchTimestamps, RecordTimestampsForEveryCodecAndRestamp) {
  auto recs = sample_records(9);
  bytes plain = uncompressed_batch(recs, 100);
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& r : recs) lo = std::min(lo, r.timestamp), hi = std::max(hi, r.timestamp);
  for (const auto& cc : codec_cases) {
    bytes batch = batch_for(cc, plain);
    // A header that says -1, as Go clients may send.
    record_batch::set_max_timestamp(batch, -1, false);
    record_batch::batch_header h;
    ASSERT_FALSE(record_batch::validate(batch, h)) << int(cc.codec);
    EXPECT_EQ(h.max_timestamp, -1);
    bytes scratch;
    record_batch::timestamp_range range;
    ASSERT_FALSE(record_batch::record_timestamps(batch, h, scratch, unlimited, range)) << int(cc.codec);
    EXPECT_EQ(range.min, lo);
    EXPECT_EQ(range.max, hi);
    record_batch::set_max_timestamp(batch, range.max, false);
    ASSERT_FALSE(record_batch::validate(batch, h));
    EXPECT_EQ(h.max_timestamp, hi);
    EXPECT_FALSE(h.log_append_time());
    EXPECT_EQ(h.codec(), cc.codec);  // the codec bits are left alone
    // LogAppendTime: the type bit and the broker's time; decoding reports it for every record.
    record_batch::set_max_timestamp(batch, 1'800'000'000'000, true);
    ASSERT_FALSE(record_batch::validate(batch, h));
    EXPECT_TRUE(h.log_append_time());
    EXPECT_EQ(h.codec(), cc.codec);
    std::vector<record_batch::record> got;
    ASSERT_FALSE(record_batch::decode_records(batch, got, scratch, unlimited));
    for (const auto& r : got) EXPECT_EQ(r.timestamp, 1'800'000'000'000);
  }
}

TEST(RecordBatchTimestamps, MalformedOrOversizedRecordsAreErrorsNotCrashes) {
  bytes plain = uncompressed_batch(sample_records(20), 0);
  bytes zstd = compress_batch(plain, codec_id::zstd);
  record_batch::batch_header h;
  ASSERT_FALSE(record_batch::parse_header(zstd, h));
  bytes scratch;
  record_batch::timestamp_range range;
  // The inflated records exceed the limit.
  EXPECT_EQ(record_batch::record_timestamps(zstd, h, scratch, 16, range), compression_errc::too_large);
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    bytes b = i % 2 ? plain : zstd;
    for (int f = 0; f < 2; ++f)
      b[record_batch::header_size + rng() % (b.size() - record_batch::header_size)] =
          static_cast<std::uint8_t>(rng());
    record_batch::batch_header bh;
    ASSERT_FALSE(record_batch::parse_header(b, bh));
    (void)record_batch::record_timestamps(b, bh, scratch, 1 << 16, range);
    EXPECT_LE(scratch.size(), std::size_t{1} << 16);
  }
}
