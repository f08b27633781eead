// Golden vectors: two independent encoders, one set of committed bytes.
//
// Every request below is encoded from the same fixed inputs by common/ (the hub's C++ codec) and
// by firmware/ (the C99 serializer); both must equal the bytes committed in
// tests/compat/vectors/<name>.hex. Every response is encoded by common/, must equal its committed
// file, and the firmware parser must read back the inputs from those bytes.
//
// Regenerate the files (from common/, never from the firmware) after an intended change:
//   TERN_UPDATE_VECTORS=1 ./fw_golden_vectors
// then review the diff: a changed byte in a request vector is a wire-format change.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fw_test_util.h"
#include "tern/common/crc32c.h"
#include "tern/common/murmur2.h"
#include "tern/common/record_batch.h"
#include "tern/kafka/messages/api_versions.h"
#include "tern/kafka/messages/init_producer_id.h"
#include "tern/kafka/messages/metadata.h"
#include "tern/kafka/messages/produce.h"

extern "C" {
#include "tern_serializer.h"
}

namespace {

using fwtest::bytes;
namespace rb = tern::record_batch;
namespace kafka = tern::kafka;

constexpr const char* client_id = "tern-fw";

bool updating() {
  const char* v = std::getenv("TERN_UPDATE_VECTORS");
  return v != nullptr && *v != '\0' && *v != '0';
}

// Compares `actual` with the committed vector (or rewrites it from common/ when updating).
void check_vector(const std::string& name, const std::string& comment, const bytes& from_common,
                  const bytes* from_firmware) {
  if (updating()) fwtest::write_vector(name, comment, from_common);
  bytes committed;
  ASSERT_TRUE(fwtest::read_vector(name, committed))
      << "missing tests/compat/vectors/" << name << " (run with TERN_UPDATE_VECTORS=1)";
  EXPECT_EQ(fwtest::to_hex(from_common), fwtest::to_hex(committed))
      << name << ": common/ no longer produces the committed bytes";
  if (from_firmware != nullptr) {
    EXPECT_EQ(fwtest::to_hex(*from_firmware), fwtest::to_hex(committed))
        << name << ": the firmware serializer differs from the committed bytes";
  }
}

// ---- shared inputs -----------------------------------------------------------------------------

struct header_in {
  std::string key;
  std::optional<std::string> value;
};
struct record_in {
  std::int64_t ts;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<header_in> headers;
};

std::vector<record_in> records_a() {
  return {
      {1700000000000, std::string("sensor-01"), std::string("{\"t\":21.5}"), {{"unit", "C"}}},
      {1700000000250, std::nullopt, std::string(""), {}},
      // Earlier than the first record: a negative timestamp delta.
      {1699999999000,
       std::string("k"),
       std::nullopt,
       {{"seq", "42"}, {"flag", std::nullopt}, {"", std::string("")}}},
  };
}

std::vector<record_in> records_b() {
  std::string key("\x00\x01\xfe\xff", 4);
  std::string value;
  for (int i = 0; i < 200; ++i) value.push_back(static_cast<char>(i));
  return {{1700000001000, key, value, {{"bin", std::string("\x00\xff", 2)}}}};
}

rb::bytes_view view(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bytes common_batch(const std::vector<record_in>& recs, std::int64_t pid, std::int16_t epoch,
                   std::int32_t seq) {
  rb::batch_builder::options o;
  o.producer_id = pid;
  o.producer_epoch = epoch;
  o.base_sequence = seq;
  rb::batch_builder b(o);
  for (const auto& r : recs) {
    std::vector<rb::header> hs;
    for (const auto& h : r.headers) {
      hs.push_back({h.key, h.value ? std::optional<rb::bytes_view>(view(*h.value)) : std::nullopt});
    }
    b.add(r.ts, r.key ? std::optional<rb::bytes_view>(view(*r.key)) : std::nullopt,
          r.value ? std::optional<rb::bytes_view>(view(*r.value)) : std::nullopt, hs);
  }
  bytes out;
  b.build(out);
  return out;
}

// The firmware's view of the same records (pointers into `recs`, kept alive by the caller).
struct fw_records {
  std::vector<std::vector<tern_header_t>> headers;
  std::vector<tern_record_t> records;
};

fw_records firmware_records(const std::vector<record_in>& recs) {
  fw_records out;
  out.headers.resize(recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    for (const auto& h : recs[i].headers) {
      tern_header_t fh{};
      fh.key = h.key.data();
      fh.key_len = h.key.size();
      fh.value = h.value ? reinterpret_cast<const std::uint8_t*>(h.value->data()) : nullptr;
      fh.value_len = h.value ? h.value->size() : 0;
      out.headers[i].push_back(fh);
    }
  }
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const auto& r = recs[i];
    tern_record_t fr{};
    fr.timestamp_ms = r.ts;
    fr.key = r.key ? reinterpret_cast<const std::uint8_t*>(r.key->data()) : nullptr;
    fr.key_len = r.key ? r.key->size() : 0;
    fr.value = r.value ? reinterpret_cast<const std::uint8_t*>(r.value->data()) : nullptr;
    fr.value_len = r.value ? r.value->size() : 0;
    fr.headers = out.headers[i].empty() ? nullptr : out.headers[i].data();
    fr.header_count = out.headers[i].size();
    out.records.push_back(fr);
  }
  return out;
}

tern_request_header_t fw_header(std::int16_t version, std::int32_t corr, const char* cid) {
  tern_request_header_t h{};
  h.api_version = version;
  h.correlation_id = corr;
  h.client_id = cid;
  h.client_id_len = cid != nullptr ? std::string(cid).size() : 0;
  return h;
}

// size-then-serialize for the non-Produce requests: measure, serialize into exactly that size.
template <typename F>
bytes fw_serialize(F serialize) {
  size_t size = 0;
  EXPECT_EQ(serialize(nullptr, &size), TERN_OK);
  bytes out(size);
  tern_buffer_t buf{out.data(), out.size()};
  size_t written = 0;
  EXPECT_EQ(serialize(&buf, &written), TERN_OK);
  EXPECT_EQ(written, size);
  if (size > 0) {
    // One byte less must be refused, and must still report the size needed.
    bytes scratch(size - 1);
    tern_buffer_t small{scratch.data(), scratch.size()};
    size_t needed = 0;
    EXPECT_EQ(serialize(&small, &needed), TERN_BUFFER_TOO_SMALL);
    EXPECT_EQ(needed, size);
  }
  return out;
}

// ---- requests ----------------------------------------------------------------------------------

TEST(GoldenVectors, ApiVersionsRequests) {
  for (std::int16_t v : {0, 1, 2}) {
    auto common = fwtest::request_frame(
        18, v, 100 + v, std::string(client_id),
        [&](tern::wire::wire_writer& w) { kafka::api_versions_request{}.encode(w, v); });
    auto h = fw_header(v, 100 + v, client_id);
    auto fw = fw_serialize([&](const tern_buffer_t* b, size_t* s) {
      return tern_api_versions_request_serialize(&h, b, s);
    });
    check_vector("api_versions_v" + std::to_string(v) + "_request.hex",
                 "ApiVersions v" + std::to_string(v) + " request, correlation id " +
                     std::to_string(100 + v) + ", client id tern-fw",
                 common, &fw);
  }
}

struct metadata_case {
  std::string name;
  std::int16_t version;
  std::optional<std::vector<std::string>> topics;
  bool auto_create;
};

TEST(GoldenVectors, MetadataRequests) {
  const std::vector<metadata_case> cases = {
      {"metadata_v0_request.hex", 0, std::vector<std::string>{"readings"}, true},
      {"metadata_v1_request.hex", 1, std::vector<std::string>{"readings", "events"}, true},
      {"metadata_v1_all_topics_request.hex", 1, std::nullopt, true},
      {"metadata_v4_request.hex", 4, std::vector<std::string>{"readings"}, false},
      {"metadata_v6_request.hex", 6, std::vector<std::string>{"readings", "events"}, true},
  };
  std::int32_t corr = 200;
  for (const auto& c : cases) {
    ++corr;
    kafka::metadata_request req;
    if (c.topics) {
      req.topics.emplace();
      for (const auto& t : *c.topics) req.topics->push_back({t});
    }
    req.allow_auto_topic_creation = c.auto_create;
    auto common =
        fwtest::request_frame(3, c.version, corr, std::string(client_id),
                              [&](tern::wire::wire_writer& w) { req.encode(w, c.version); });
    std::vector<tern_str_t> names;
    if (c.topics) {
      for (const auto& t : *c.topics) names.push_back({t.data(), t.size()});
    }
    tern_metadata_request_t q{};
    q.topics = c.topics ? names.data() : nullptr;
    q.topic_count = names.size();
    q.allow_auto_topic_creation = c.auto_create;
    auto h = fw_header(c.version, corr, client_id);
    auto fw = fw_serialize([&](const tern_buffer_t* b, size_t* s) {
      return tern_metadata_request_serialize(&h, &q, b, s);
    });
    check_vector(c.name,
                 "Metadata v" + std::to_string(c.version) + " request, correlation id " +
                     std::to_string(corr),
                 common, &fw);
  }
}

TEST(GoldenVectors, InitProducerIdRequests) {
  for (std::int16_t v : {0, 1}) {
    kafka::init_producer_id_request req;
    req.transaction_timeout_ms = 0x7FFFFFFF;
    auto common = fwtest::request_frame(22, v, 300 + v, std::string(client_id),
                                        [&](tern::wire::wire_writer& w) { req.encode(w, v); });
    tern_init_producer_id_request_t q{};
    q.transaction_timeout_ms = 0x7FFFFFFF;
    auto h = fw_header(v, 300 + v, client_id);
    auto fw = fw_serialize([&](const tern_buffer_t* b, size_t* s) {
      return tern_init_producer_id_request_serialize(&h, &q, b, s);
    });
    check_vector("init_producer_id_v" + std::to_string(v) + "_request.hex",
                 "InitProducerId v" + std::to_string(v) +
                     " request (idempotent: null transactional id), correlation id " +
                     std::to_string(300 + v),
                 common, &fw);
  }
}

struct produce_partition_in {
  std::int32_t index;
  std::int32_t base_sequence;
  std::vector<record_in> records;
};
struct produce_topic_in {
  std::string name;
  std::vector<produce_partition_in> partitions;
};
struct produce_case {
  std::string name;
  std::string comment;
  std::int16_t version;
  std::int32_t corr;
  const char* client;
  std::int16_t acks;
  std::int32_t timeout_ms;
  std::int64_t pid;
  std::int16_t epoch;
  std::vector<produce_topic_in> topics;
};

bytes common_produce(const produce_case& c) {
  kafka::produce_request req;
  req.acks = c.acks;
  req.timeout_ms = c.timeout_ms;
  std::vector<bytes> batches;  // keep the record bytes alive while encoding
  for (const auto& t : c.topics) {
    for (const auto& p : t.partitions) {
      batches.push_back(common_batch(p.records, c.pid, c.epoch, p.base_sequence));
    }
  }
  std::size_t k = 0;
  for (const auto& t : c.topics) {
    kafka::produce_request::topic topic;
    topic.name = t.name;
    for (const auto& p : t.partitions) {
      kafka::produce_request::partition part;
      part.index = p.index;
      part.records = tern::wire::bytes_view(batches[k].data(), batches[k].size());
      ++k;
      topic.partition_data.push_back(part);
    }
    req.topic_data.push_back(topic);
  }
  return fwtest::request_frame(0, c.version, c.corr,
                               c.client ? std::optional<std::string>(c.client) : std::nullopt,
                               [&](tern::wire::wire_writer& w) { req.encode(w, c.version); });
}

// The firmware builder, run once without a buffer (size) and once into a buffer of that size.
bytes firmware_produce(const produce_case& c) {
  auto h = fw_header(c.version, c.corr, c.client);
  auto run = [&](const tern_buffer_t* buf, size_t* size) {
    tern_produce_builder_t b;
    EXPECT_EQ(tern_produce_begin(&b, buf, &h, c.acks, c.timeout_ms, c.pid, c.epoch), TERN_OK);
    for (const auto& t : c.topics) {
      EXPECT_EQ(tern_produce_add_topic(&b, t.name.data(), t.name.size()), TERN_OK);
      for (const auto& p : t.partitions) {
        EXPECT_EQ(tern_produce_add_partition(&b, p.index, p.base_sequence), TERN_OK);
        auto recs = firmware_records(p.records);
        for (const auto& r : recs.records) EXPECT_EQ(tern_produce_add_record(&b, &r), TERN_OK);
      }
    }
    EXPECT_EQ(tern_produce_end(&b, size), TERN_OK);
  };
  size_t size = 0;
  run(nullptr, &size);
  bytes out(size);
  tern_buffer_t buf{out.data(), out.size()};
  size_t written = 0;
  run(&buf, &written);
  EXPECT_EQ(written, size);
  return out;
}

TEST(GoldenVectors, ProduceRequests) {
  const std::vector<produce_case> cases = {
      {"produce_v3_request.hex",
       "Produce v3, acks=-1, one topic, two partitions (keys, null key, empty and null values,\n"
       "headers with a null value and an empty key, a negative timestamp delta, binary bytes)",
       3,
       400,
       client_id,
       -1,
       10000,
       -1,
       -1,
       {{"readings", {{0, -1, records_a()}, {1, -1, records_b()}}}}},
      {"produce_v7_idempotent_request.hex",
       "Produce v7, idempotent (producer id 4242, epoch 3), two topics, base sequences 17 and 0",
       7,
       401,
       client_id,
       -1,
       5000,
       4242,
       3,
       {{"readings", {{2, 17, records_a()}}}, {"events", {{0, 0, records_b()}}}}},
      {"produce_v3_acks0_request.hex",
       "Produce v3, acks=0, null client id",
       3,
       402,
       nullptr,
       0,
       1500,
       -1,
       -1,
       {{"x", {{0, -1, records_b()}}}}},
  };
  for (const auto& c : cases) {
    auto common = common_produce(c);
    auto fw = firmware_produce(c);
    check_vector(c.name, c.comment, common, &fw);
  }
}

// ---- responses: common/ encodes, the firmware parses -------------------------------------------

TEST(GoldenVectors, ApiVersionsResponses) {
  kafka::api_versions_response resp;
  resp.api_keys = {{0, 3, 7}, {1, 4, 11}, {3, 0, 6}, {18, 0, 3}, {22, 0, 1}, {999, 0, 0}};
  resp.throttle_time_ms = 12;
  auto body = fwtest::response_body([&](tern::wire::wire_writer& w) { resp.encode(w, 1); });
  check_vector("api_versions_v1_response.hex",
               "ApiVersions v1 response body: Produce 3-7, Fetch 4-11, Metadata 0-6, ApiVersions\n"
               "0-3, InitProducerId 0-1, an unknown key 999; throttle 12 ms",
               body, nullptr);
  tern_api_version_t apis[4] = {{0, 0, 0}, {3, 0, 0}, {22, 0, 0}, {42, 0, 0}};
  tern_api_versions_response_t out{};
  ASSERT_EQ(tern_api_versions_response_parse(body.data(), body.size(), 1, apis, 4, &out), TERN_OK);
  EXPECT_EQ(out.error_code, 0);
  EXPECT_EQ(out.throttle_time_ms, 12);
  EXPECT_EQ(out.api_count, 6u);
  EXPECT_EQ(apis[0].min_version, 3);
  EXPECT_EQ(apis[0].max_version, 7);
  EXPECT_EQ(apis[1].max_version, 6);
  EXPECT_EQ(apis[2].max_version, 1);
  EXPECT_EQ(apis[3].min_version, -1);  // not advertised

  // What a broker sends for an ApiVersions version it does not know: error 35, v0 body.
  kafka::api_versions_response unsupported;
  unsupported.error_code = 35;
  unsupported.api_keys = {{18, 0, 0}};
  auto body35 =
      fwtest::response_body([&](tern::wire::wire_writer& w) { unsupported.encode(w, 0); });
  check_vector("api_versions_unsupported_response.hex",
               "ApiVersions response to an unsupported version: error 35 with a v0 body", body35,
               nullptr);
  tern_api_version_t av = {18, 0, 0};
  ASSERT_EQ(tern_api_versions_response_parse(body35.data(), body35.size(), 2, &av, 1, &out),
            TERN_OK);
  EXPECT_EQ(out.error_code, 35);
  EXPECT_EQ(av.max_version, 0);
}

kafka::metadata_response metadata_fixture() {
  kafka::metadata_response m;
  m.throttle_time_ms = 7;
  m.brokers = {{1, "127.0.0.1", 9092, std::nullopt}, {2, "broker-2.local", 9093, "rack-a"}};
  m.cluster_id = "tern-cluster";
  m.controller_id = 2;
  kafka::metadata_response::topic readings;
  readings.name = "readings";
  readings.partitions = {
      {0, 0, 1, -1, {1}, {1}, {}}, {0, 1, 2, -1, {2, 1}, {2}, {1}}, {5, 2, -1, -1, {}, {}, {}}};
  kafka::metadata_response::topic missing;
  missing.error_code = 3;
  missing.name = "missing";
  m.topics = {readings, missing};
  return m;
}

struct metadata_seen {
  std::vector<std::string> brokers;
  std::vector<std::string> topics;
  std::vector<std::string> partitions;
};

TEST(GoldenVectors, MetadataResponses) {
  for (std::int16_t v : {0, 1, 5}) {
    auto m = metadata_fixture();
    auto body = fwtest::response_body([&](tern::wire::wire_writer& w) { m.encode(w, v); });
    check_vector("metadata_v" + std::to_string(v) + "_response.hex",
                 "Metadata v" + std::to_string(v) +
                     " response body: 2 brokers, topic readings (3 partitions, one without "
                     "leader),\ntopic missing (error 3)",
                 body, nullptr);
    metadata_seen seen;
    tern_metadata_visitor_t vis{};
    vis.ctx = &seen;
    vis.on_broker = [](void* ctx, const tern_metadata_broker_t* b) {
      static_cast<metadata_seen*>(ctx)->brokers.push_back(
          std::to_string(b->node_id) + "@" + std::string(b->host, b->host_len) + ":" +
          std::to_string(b->port) + "/" + (b->rack ? std::string(b->rack, b->rack_len) : "null"));
    };
    vis.on_topic = [](void* ctx, const tern_metadata_topic_t* t) {
      static_cast<metadata_seen*>(ctx)->topics.push_back(std::string(t->name, t->name_len) + ":" +
                                                         std::to_string(t->error_code) + ":" +
                                                         std::to_string(t->partition_count));
    };
    vis.on_partition = [](void* ctx, const tern_metadata_topic_t* t,
                          const tern_metadata_partition_t* p) {
      static_cast<metadata_seen*>(ctx)->partitions.push_back(
          std::string(t->name, t->name_len) + "/" + std::to_string(p->partition) + "=" +
          std::to_string(p->leader_id) + "e" + std::to_string(p->error_code));
    };
    tern_metadata_response_t out{};
    ASSERT_EQ(tern_metadata_response_parse(body.data(), body.size(), v, &vis, &out), TERN_OK);
    std::string rack2 = v >= 1 ? "rack-a" : "null";
    EXPECT_EQ(seen.brokers, (std::vector<std::string>{"1@127.0.0.1:9092/null",
                                                      "2@broker-2.local:9093/" + rack2}));
    EXPECT_EQ(seen.topics, (std::vector<std::string>{"readings:0:3", "missing:3:0"}));
    EXPECT_EQ(seen.partitions,
              (std::vector<std::string>{"readings/0=1e0", "readings/1=2e0", "readings/2=-1e5"}));
    EXPECT_EQ(out.broker_count, 2);
    EXPECT_EQ(out.topic_count, 2);
    EXPECT_EQ(out.controller_id, v >= 1 ? 2 : -1);
    EXPECT_EQ(out.throttle_time_ms, v >= 3 ? 7 : 0);
    EXPECT_EQ(out.cluster_id ? std::string(out.cluster_id, out.cluster_id_len) : "null",
              v >= 2 ? "tern-cluster" : "null");
  }
}

TEST(GoldenVectors, InitProducerIdResponse) {
  kafka::init_producer_id_response r;
  r.producer_id = 4242;
  r.producer_epoch = 3;
  r.throttle_time_ms = 5;
  auto body = fwtest::response_body([&](tern::wire::wire_writer& w) { r.encode(w, 1); });
  check_vector("init_producer_id_v1_response.hex",
               "InitProducerId v1 response body: producer id 4242, epoch 3, throttle 5 ms", body,
               nullptr);
  tern_init_producer_id_response_t out{};
  ASSERT_EQ(tern_init_producer_id_response_parse(body.data(), body.size(), 1, &out), TERN_OK);
  EXPECT_EQ(out.producer_id, 4242);
  EXPECT_EQ(out.producer_epoch, 3);
  EXPECT_EQ(out.throttle_time_ms, 5);
  EXPECT_EQ(out.error_code, 0);
}

TEST(GoldenVectors, ProduceResponses) {
  for (std::int16_t v : {3, 7}) {
    kafka::produce_response r;
    kafka::produce_response::topic readings;
    readings.name = "readings";
    readings.partition_responses = {{0, 0, 100, -1, 0}, {1, 6, -1, -1, -1}};
    kafka::produce_response::topic events;
    events.name = "events";
    events.partition_responses = {{0, 46, -1, 1700000000999, 42}};
    r.responses = {readings, events};
    r.throttle_time_ms = 3;
    auto body = fwtest::response_body([&](tern::wire::wire_writer& w) { r.encode(w, v); });
    check_vector("produce_v" + std::to_string(v) + "_response.hex",
                 "Produce v" + std::to_string(v) +
                     " response body: readings/0 offset 100, readings/1 NOT_LEADER_OR_FOLLOWER,\n"
                     "events/0 DUPLICATE_SEQUENCE_NUMBER; throttle 3 ms",
                 body, nullptr);
    std::vector<std::string> seen;
    int32_t throttle = 0;
    ASSERT_EQ(tern_produce_response_parse(
                  body.data(), body.size(), v,
                  [](void* ctx, const tern_produce_result_t* res) {
                    static_cast<std::vector<std::string>*>(ctx)->push_back(
                        std::string(res->topic, res->topic_len) + "/" +
                        std::to_string(res->partition) + " e" + std::to_string(res->error_code) +
                        " o" + std::to_string(res->base_offset) + " t" +
                        std::to_string(res->log_append_time_ms) + " s" +
                        std::to_string(res->log_start_offset));
                  },
                  &seen, &throttle),
              TERN_OK);
    std::string lso0 = v >= 5 ? "0" : "-1";
    std::string lso2 = v >= 5 ? "42" : "-1";
    EXPECT_EQ(seen, (std::vector<std::string>{"readings/0 e0 o100 t-1 s" + lso0,
                                              "readings/1 e6 o-1 t-1 s-1",
                                              "events/0 e46 o-1 t1700000000999 s" + lso2}));
    EXPECT_EQ(throttle, 3);
  }
}

// ---- checksums and partitioner against common/
// ---------------------------------------------------

TEST(GoldenVectors, Crc32cAndMurmur2MatchCommon) {
  bytes data;
  std::uint32_t x = 12345;
  for (int len = 0; len < 300; ++len) {
    std::span<const std::uint8_t> s(data.data(), data.size());
    EXPECT_EQ(tern_crc32c(0, data.data(), data.size()), tern::crc32c(s)) << "length " << len;
    EXPECT_EQ(static_cast<std::int32_t>(tern_murmur2(data.data(), data.size())), tern::murmur2(s))
        << "length " << len;
    for (std::int32_t parts : {1, 3, 7, 64}) {
      EXPECT_EQ(tern_partition_for_key(data.data(), data.size(), parts),
                tern::partition_for_key(s, parts));
    }
    x = x * 1103515245u + 12345u;
    data.push_back(static_cast<std::uint8_t>(x >> 16));
  }
}

}  // namespace
