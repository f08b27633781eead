// Serializer edge cases: argument validation, malformed and truncated responses, the Produce
// builder's buffer handling, and random records decoded back by common/ (an independent codec).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "fw_test_util.h"
#include "tern/common/record_batch.h"
#include "tern/kafka/messages/produce.h"

extern "C" {
#include "tern_serializer.h"
// The CRC32C variants other than the host build's 256-entry table (crc_variants.c).
uint32_t tern_crc32c_bitwise(uint32_t crc, const uint8_t* data, size_t len);
uint32_t tern_crc32c_nibble(uint32_t crc, const uint8_t* data, size_t len);
}

namespace {

using fwtest::bytes;

bytes vec(const std::string& name) {
  bytes b;
  EXPECT_TRUE(fwtest::read_vector(name, b)) << name;
  return b;
}

tern_request_header_t header(std::int16_t v) {
  tern_request_header_t h{};
  h.api_version = v;
  h.correlation_id = 1;
  h.client_id = "c";
  h.client_id_len = 1;
  return h;
}

TEST(Serializer, ChecksumsMatchKnownValues) {
  const auto* s = reinterpret_cast<const uint8_t*>("123456789");
  EXPECT_EQ(tern_crc32c(0, s, 9), 0xE3069283u);
  EXPECT_EQ(tern_crc32c_bitwise(0, s, 9), 0xE3069283u);
  EXPECT_EQ(tern_crc32c_nibble(0, s, 9), 0xE3069283u);
  EXPECT_EQ(tern_crc32c(tern_crc32c(0, s, 4), s + 4, 5), 0xE3069283u);  // continuation
  EXPECT_EQ(tern_crc32c(0, nullptr, 0), 0u);
  // Kafka's UtilsTest.testMurmur2
  struct {
    const char* key;
    std::int32_t hash;
  } v[] = {{"21", -973932308},
           {"foobar", -790332482},
           {"a-little-bit-long-string", -985981536},
           {"a-little-bit-longer-string", -1486304829},
           {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
           {"abc", 479470107}};
  for (auto& c : v) {
    EXPECT_EQ(static_cast<std::int32_t>(
                  tern_murmur2(reinterpret_cast<const uint8_t*>(c.key), std::strlen(c.key))),
              c.hash)
        << c.key;
  }
  EXPECT_EQ(tern_partition_for_key(s, 9, 0), -1);
  EXPECT_EQ(tern_partition_for_key(nullptr, 3, 4), -1);
  std::mt19937 rng(3);
  for (int i = 0; i < 500; ++i) {
    bytes b(rng() % 100);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    EXPECT_EQ(tern_crc32c_bitwise(7, b.data(), b.size()), tern_crc32c(7, b.data(), b.size()));
    EXPECT_EQ(tern_crc32c_nibble(7, b.data(), b.size()), tern_crc32c(7, b.data(), b.size()));
  }
}

TEST(Serializer, StatusStrings) {
  EXPECT_STREQ(tern_status_str(TERN_OK), "TERN_OK");
  EXPECT_STREQ(tern_status_str(TERN_CORRUPT), "TERN_CORRUPT");
  EXPECT_STREQ(tern_status_str(static_cast<tern_status_t>(99)), "TERN_UNKNOWN_STATUS");
}

TEST(Serializer, RequestArgumentsAreValidated) {
  size_t size = 0;
  uint8_t buf[256];
  tern_buffer_t b{buf, sizeof(buf)};
  auto h = header(3);
  EXPECT_EQ(tern_api_versions_request_serialize(nullptr, &b, &size), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_api_versions_request_serialize(&h, &b, &size), TERN_BAD_PARAMETER);  // v3
  h = header(1);
  EXPECT_EQ(tern_api_versions_request_size(&h, nullptr), TERN_BAD_PARAMETER);
  tern_buffer_t no_data{nullptr, 10};
  EXPECT_EQ(tern_api_versions_request_serialize(&h, &no_data, &size), TERN_BAD_PARAMETER);
  h.client_id = nullptr;
  h.client_id_len = 3;  // NULL with a length
  EXPECT_EQ(tern_api_versions_request_size(&h, &size), TERN_BAD_PARAMETER);
  std::string long_id(40000, 'x');
  h.client_id = long_id.data();
  h.client_id_len = long_id.size();
  EXPECT_EQ(tern_api_versions_request_size(&h, &size), TERN_BAD_PARAMETER);
  h.client_id = nullptr;  // a null client id is legal
  h.client_id_len = 0;
  EXPECT_EQ(tern_api_versions_request_size(&h, &size), TERN_OK);
  EXPECT_EQ(size, 4u + 10u);

  tern_metadata_request_t q{};
  tern_str_t t{"x", 1};
  h = header(0);
  q.topics = &t;
  q.topic_count = 0;  // v0 cannot say "no topics"
  EXPECT_EQ(tern_metadata_request_size(&h, &q, &size), TERN_BAD_PARAMETER);
  h = header(7);
  q.topic_count = 1;
  EXPECT_EQ(tern_metadata_request_size(&h, &q, &size), TERN_BAD_PARAMETER);
  h = header(1);
  EXPECT_EQ(tern_metadata_request_size(&h, nullptr, &size), TERN_BAD_PARAMETER);
  tern_str_t bad{nullptr, 2};
  q.topics = &bad;
  EXPECT_EQ(tern_metadata_request_size(&h, &q, &size), TERN_BAD_PARAMETER);
  q.topics = nullptr;
  q.topic_count = 1;
  EXPECT_EQ(tern_metadata_request_size(&h, &q, &size), TERN_BAD_PARAMETER);

  tern_init_producer_id_request_t ip{};
  h = header(2);
  EXPECT_EQ(tern_init_producer_id_request_size(&h, &ip, &size), TERN_BAD_PARAMETER);
  h = header(1);
  EXPECT_EQ(tern_init_producer_id_request_size(&h, nullptr, &size), TERN_BAD_PARAMETER);
  ip.transactional_id = "txn";
  ip.transactional_id_len = 3;
  EXPECT_EQ(tern_init_producer_id_request_size(&h, &ip, &size), TERN_OK);
}

TEST(Serializer, ProduceBuilderRules) {
  uint8_t buf[512];
  tern_buffer_t b{buf, sizeof(buf)};
  tern_produce_builder_t pb;
  auto h = header(3);
  size_t size = 0;
  EXPECT_EQ(tern_produce_begin(&pb, &b, &h, 2, 1000, -1, -1), TERN_BAD_PARAMETER);
  auto h2 = header(2);
  EXPECT_EQ(tern_produce_begin(&pb, &b, &h2, 1, 1000, -1, -1), TERN_BAD_PARAMETER);
  auto h8 = header(8);
  EXPECT_EQ(tern_produce_begin(&pb, &b, &h8, 1, 1000, -1, -1), TERN_BAD_PARAMETER);
  ASSERT_EQ(tern_produce_begin(&pb, &b, &h, 1, 1000, -1, -1), TERN_OK);
  tern_record_t r{};
  std::string value(100, 'v');
  r.value = reinterpret_cast<const uint8_t*>(value.data());
  r.value_len = value.size();
  EXPECT_EQ(tern_produce_add_record(&pb, &r), TERN_BAD_PARAMETER);        // no partition
  EXPECT_EQ(tern_produce_add_partition(&pb, 0, -1), TERN_BAD_PARAMETER);  // no topic
  EXPECT_EQ(tern_produce_add_topic(&pb, "", 0), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_produce_end(&pb, &size), TERN_BAD_PARAMETER);  // no record yet
  ASSERT_EQ(tern_produce_add_topic(&pb, "empty", 5), TERN_OK);
  ASSERT_EQ(tern_produce_add_partition(&pb, 0, -1), TERN_OK);  // stays empty: left out
  ASSERT_EQ(tern_produce_add_topic(&pb, "t", 1), TERN_OK);
  EXPECT_EQ(tern_produce_add_partition(&pb, -1, -1), TERN_BAD_PARAMETER);
  ASSERT_EQ(tern_produce_add_partition(&pb, 4, -1), TERN_OK);
  int added = 0;
  tern_status_t st;
  while ((st = tern_produce_add_record(&pb, &r)) == TERN_OK) added++;
  EXPECT_EQ(st, TERN_BUFFER_TOO_SMALL);
  EXPECT_EQ(added, 3);
  ASSERT_EQ(tern_produce_add_partition(&pb, 5, -1), TERN_OK);  // no room: left out too
  EXPECT_EQ(tern_produce_add_record(&pb, &r), TERN_BUFFER_TOO_SMALL);
  tern_record_t bad{};
  bad.key_len = 3;  // NULL key with a length
  EXPECT_EQ(tern_produce_add_record(&pb, &bad), TERN_BAD_PARAMETER);
  ASSERT_EQ(tern_produce_end(&pb, &size), TERN_OK);
  // common/ reads back one topic, one partition, three records.
  tern::wire::wire_reader rd(tern::wire::bytes_view(buf + 4, size - 4));
  tern::kafka::request_header rh;
  ASSERT_TRUE(rh.decode(rd, 1));
  tern::kafka::produce_request req;
  ASSERT_TRUE(req.decode(rd, 3));
  ASSERT_EQ(req.topic_data.size(), 1u);
  EXPECT_EQ(req.topic_data[0].name, "t");
  ASSERT_EQ(req.topic_data[0].partition_data.size(), 1u);
  EXPECT_EQ(req.topic_data[0].partition_data[0].index, 4);
  namespace rb = tern::record_batch;
  rb::batch_header bh;
  ASSERT_FALSE(rb::validate(*req.topic_data[0].partition_data[0].records, bh));
  EXPECT_EQ(bh.record_count, 3);
}

// Random records through the builder, validated and decoded by common/.
TEST(Serializer, RandomRecordsDecodeWithCommon) {
  namespace rb = tern::record_batch;
  std::mt19937_64 rng(99);
  for (int round = 0; round < 200; ++round) {
    int n = 1 + static_cast<int>(rng() % 8);
    std::vector<std::string> keys(n), values(n), hkeys(n), hvalues(n);
    std::vector<tern_header_t> hs(n);
    std::vector<tern_record_t> recs(n);
    for (int i = 0; i < n; ++i) {
      keys[i].assign(rng() % 20, static_cast<char>(rng()));
      values[i].assign(rng() % 3 == 0 ? 20000 : rng() % 200, static_cast<char>(rng()));
      hkeys[i].assign(rng() % 10, 'h');
      hvalues[i].assign(rng() % 10, 'v');
      hs[i] = {hkeys[i].data(), hkeys[i].size(),
               rng() % 2 ? reinterpret_cast<const uint8_t*>(hvalues[i].data()) : nullptr, 0};
      hs[i].value_len = hs[i].value ? hvalues[i].size() : 0;
      recs[i].timestamp_ms = static_cast<std::int64_t>(rng()) >> (rng() % 64);
      recs[i].key = rng() % 4 ? reinterpret_cast<const uint8_t*>(keys[i].data()) : nullptr;
      recs[i].key_len = recs[i].key ? keys[i].size() : 0;
      recs[i].value = rng() % 5 ? reinterpret_cast<const uint8_t*>(values[i].data()) : nullptr;
      recs[i].value_len = recs[i].value ? values[i].size() : 0;
      recs[i].headers = rng() % 2 ? &hs[i] : nullptr;
      recs[i].header_count = recs[i].headers ? 1 : 0;
    }
    auto h = header(7);
    auto build = [&](const tern_buffer_t* buf, size_t* size) {
      tern_produce_builder_t b;
      ASSERT_EQ(tern_produce_begin(&b, buf, &h, -1, 100, 77, 1), TERN_OK);
      ASSERT_EQ(tern_produce_add_topic(&b, "r", 1), TERN_OK);
      ASSERT_EQ(tern_produce_add_partition(&b, 0, 5), TERN_OK);
      for (auto& r : recs) ASSERT_EQ(tern_produce_add_record(&b, &r), TERN_OK);
      ASSERT_EQ(tern_produce_end(&b, size), TERN_OK);
    };
    size_t size = 0;
    build(nullptr, &size);
    bytes out(size);
    tern_buffer_t buf{out.data(), out.size()};
    size_t written = 0;
    build(&buf, &written);
    ASSERT_EQ(written, size);
    tern::wire::wire_reader rd(tern::wire::bytes_view(out.data() + 4, size - 4));
    tern::kafka::request_header rh;
    ASSERT_TRUE(rh.decode(rd, 1));
    tern::kafka::produce_request req;
    ASSERT_TRUE(req.decode(rd, 7));
    auto records = *req.topic_data.at(0).partition_data.at(0).records;
    rb::batch_header bh;
    ASSERT_FALSE(rb::validate(records, bh));
    EXPECT_EQ(bh.producer_id, 77);
    EXPECT_EQ(bh.producer_epoch, 1);
    EXPECT_EQ(bh.base_sequence, 5);
    std::vector<rb::record> decoded;
    ASSERT_FALSE(rb::decode_records(records, decoded));
    ASSERT_EQ(decoded.size(), static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(decoded[i].timestamp, recs[i].timestamp_ms);
      EXPECT_EQ(decoded[i].key.has_value(), recs[i].key != nullptr);
      if (decoded[i].key) {
        EXPECT_EQ(std::string(decoded[i].key->begin(), decoded[i].key->end()), keys[i]);
      }
      EXPECT_EQ(decoded[i].value.has_value(), recs[i].value != nullptr);
      if (decoded[i].value) {
        EXPECT_EQ(std::string(decoded[i].value->begin(), decoded[i].value->end()), values[i]);
      }
      EXPECT_EQ(decoded[i].headers.size(), recs[i].header_count);
    }
  }
}

TEST(Serializer, FrameSizeAndResponseHeader) {
  const uint8_t ok[4] = {0, 0, 0, 8};
  const uint8_t small[4] = {0, 0, 0, 3};
  const uint8_t negative[4] = {0x80, 0, 0, 0};
  size_t n = 0;
  EXPECT_EQ(tern_frame_size_parse(ok, 8, &n), TERN_OK);
  EXPECT_EQ(n, 8u);
  EXPECT_EQ(tern_frame_size_parse(ok, 7, &n), TERN_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 8u);
  EXPECT_EQ(tern_frame_size_parse(small, 100, &n), TERN_MALFORMED);
  EXPECT_EQ(tern_frame_size_parse(negative, 100, &n), TERN_MALFORMED);
  EXPECT_EQ(tern_frame_size_parse(nullptr, 100, &n), TERN_BAD_PARAMETER);
  int32_t corr = 0;
  const uint8_t frame[5] = {0, 0, 1, 2, 9};
  EXPECT_EQ(tern_response_header_parse(frame, 5, &corr), TERN_OK);
  EXPECT_EQ(corr, 258);
  EXPECT_EQ(tern_response_header_parse(frame, 3, &corr), TERN_MALFORMED);
  EXPECT_EQ(tern_response_header_parse(nullptr, 3, &corr), TERN_BAD_PARAMETER);
}

// Every response parser, on every committed response vector: each strict prefix and the vector
// plus a trailing byte are MALFORMED; the whole vector parses.
struct response_case {
  std::string file;
  std::function<tern_status_t(const uint8_t*, size_t)> parse;
};

std::vector<response_case> response_cases() {
  auto api = [](int16_t v) {
    return [v](const uint8_t* b, size_t n) {
      tern_api_version_t a{0, 0, 0};
      tern_api_versions_response_t r;
      return tern_api_versions_response_parse(b, n, v, &a, 1, &r);
    };
  };
  auto md = [](int16_t v) {
    return [v](const uint8_t* b, size_t n) {
      tern_metadata_visitor_t vis{};
      vis.on_broker = [](void*, const tern_metadata_broker_t*) { FAIL() << "callback early"; };
      tern_metadata_response_t r;
      // Callbacks must not run for a malformed body; run without them for valid ones.
      tern_status_t st = tern_metadata_response_parse(b, n, v, nullptr, &r);
      if (st != TERN_OK) {
        EXPECT_EQ(tern_metadata_response_parse(b, n, v, &vis, &r), st);
      }
      return st;
    };
  };
  auto prod = [](int16_t v) {
    return [v](const uint8_t* b, size_t n) {
      int calls = 0;
      tern_status_t st = tern_produce_response_parse(
          b, n, v, [](void* ctx, const tern_produce_result_t*) { ++*static_cast<int*>(ctx); },
          &calls, nullptr);
      if (st != TERN_OK) {
        EXPECT_EQ(calls, 0);
      }
      return st;
    };
  };
  return {
      {"api_versions_v1_response.hex", api(1)},
      {"api_versions_unsupported_response.hex", api(2)},
      {"metadata_v0_response.hex", md(0)},
      {"metadata_v1_response.hex", md(1)},
      {"metadata_v5_response.hex", md(5)},
      {"init_producer_id_v1_response.hex",
       [](const uint8_t* b, size_t n) {
         tern_init_producer_id_response_t r;
         return tern_init_producer_id_response_parse(b, n, 1, &r);
       }},
      {"produce_v3_response.hex", prod(3)},
      {"produce_v7_response.hex", prod(7)},
  };
}

TEST(Serializer, TruncatedAndPaddedResponsesAreMalformed) {
  for (auto& c : response_cases()) {
    bytes full = vec(c.file);
    ASSERT_EQ(c.parse(full.data(), full.size()), TERN_OK) << c.file;
    for (size_t len = 0; len < full.size(); ++len) {
      bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
      cut.reserve(1);  // a valid pointer even when empty
      EXPECT_EQ(c.parse(cut.data(), len), TERN_MALFORMED) << c.file << " cut at " << len;
    }
    bytes padded = full;
    padded.push_back(0);
    EXPECT_EQ(c.parse(padded.data(), padded.size()), TERN_MALFORMED) << c.file << " padded";
  }
}

TEST(Serializer, HostileCountsAndLengthsAreMalformed) {
  // ApiVersions v1: error 0, count 0x7fffffff.
  bytes b = {0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
  tern_api_versions_response_t ar;
  EXPECT_EQ(tern_api_versions_response_parse(b.data(), b.size(), 1, nullptr, 0, &ar),
            TERN_MALFORMED);
  b = {0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};  // negative (null) array
  EXPECT_EQ(tern_api_versions_response_parse(b.data(), b.size(), 1, nullptr, 0, &ar),
            TERN_MALFORMED);
  // Metadata v0: one broker whose host has length -1 (null where a string is required).
  b = {0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0x23, 0x84, 0, 0, 0, 0};
  EXPECT_EQ(tern_metadata_response_parse(b.data(), b.size(), 0, nullptr, nullptr), TERN_MALFORMED);
  // ... and with length -2 on a nullable rack (v1): only -1 means null.
  b = {0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 'h', 0, 0, 0x23, 0x84, 0xff, 0xfe, 0, 0, 0, 1, 0, 0, 0, 0};
  EXPECT_EQ(tern_metadata_response_parse(b.data(), b.size(), 1, nullptr, nullptr), TERN_MALFORMED);
  b[15] = 0xff;
  b[16] = 0xff;  // now a proper null rack
  EXPECT_EQ(tern_metadata_response_parse(b.data(), b.size(), 1, nullptr, nullptr), TERN_OK);
  // Produce v3: a replica-style count that the remaining bytes cannot hold.
  b = {0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 9, 0, 0, 0, 0};
  EXPECT_EQ(tern_produce_response_parse(b.data(), b.size(), 3, nullptr, nullptr, nullptr),
            TERN_MALFORMED);
}

TEST(Serializer, ParserArgumentsAreValidated) {
  uint8_t b[16] = {};
  tern_api_versions_response_t ar;
  tern_init_producer_id_response_t ir;
  EXPECT_EQ(tern_api_versions_response_parse(nullptr, 0, 1, nullptr, 0, &ar), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_api_versions_response_parse(b, 6, 3, nullptr, 0, &ar), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_api_versions_response_parse(b, 6, 0, nullptr, 1, &ar), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_api_versions_response_parse(b, 6, 0, nullptr, 0, nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_metadata_response_parse(b, 6, 7, nullptr, nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_metadata_response_parse(nullptr, 0, 1, nullptr, nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_init_producer_id_response_parse(b, 16, 2, &ir), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_init_producer_id_response_parse(b, 16, 1, nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_init_producer_id_response_parse(b, 16, 0, &ir), TERN_OK);
  EXPECT_EQ(tern_produce_response_parse(b, 8, 2, nullptr, nullptr, nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_produce_response_parse(b, 8, 8, nullptr, nullptr, nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_produce_response_parse(b, 8, 3, nullptr, nullptr, nullptr), TERN_OK);
}

}  // namespace
