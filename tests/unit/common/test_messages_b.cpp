// Codec tests for Produce v3–7, Fetch v4–11 and ListOffsets v0–3 (requests and responses).
//
// Golden frames below are written by hand, field by field, from the Kafka message schemas — not
// produced by the encoder under test. Versions whose layouts the schemas declare identical share
// one golden frame (e.g. Produce request v3–7), and every version is checked against one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/record_batch.h"
#include "tern/common/wire.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/fetch.h"
#include "tern/kafka/messages/list_offsets.h"
#include "tern/kafka/messages/produce.h"

#include "message_test_util.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

namespace {

bool points_into(wire::bytes_view inner, const bytes& outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

// A real uncompressed RecordBatch v2 with `count` records.
bytes make_batch(std::int64_t base_offset, int count) {
  record_batch::batch_builder b(record_batch::batch_builder::options{.base_offset = base_offset});
  for (int i = 0; i < count; ++i) {
    std::string key = "key-";
    key += std::to_string(i);
    std::string value = "value-";
    value += std::to_string(base_offset + i);
    b.add(1700000000000 + i,
          wire::bytes_view(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()),
          wire::bytes_view(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
  }
  bytes out;
  b.build(out);
  return out;
}

// ================================ Produce ================================

struct produce_batches {
  bytes a = make_batch(0, 2);
  bytes bc = cat({make_batch(0, 1), make_batch(1, 3)});  // two batches in one records blob
};

produce_request sample_produce_request(const produce_batches& batches) {
  produce_request m;
  m.transactional_id = "txn-1";
  m.acks = 1;
  m.timeout_ms = 1500;
  m.topic_data = {{"orders", {{0, view(batches.a)}, {1, view(batches.bc)}}},
                  {"events", {{7, std::nullopt}}}};
  return m;
}

void expect_same(const produce_request& got, const produce_request& want, std::int16_t version = 3) {
  EXPECT_EQ(got.transactional_id, version >= 3 ? want.transactional_id : std::nullopt);
  EXPECT_EQ(got.acks, want.acks);
  EXPECT_EQ(got.timeout_ms, want.timeout_ms);
  ASSERT_EQ(got.topic_data.size(), want.topic_data.size());
  for (std::size_t i = 0; i < got.topic_data.size(); ++i) {
    const auto& gt = got.topic_data[i];
    const auto& wt = want.topic_data[i];
    EXPECT_EQ(gt.name, wt.name);
    ASSERT_EQ(gt.partition_data.size(), wt.partition_data.size());
    for (std::size_t j = 0; j < gt.partition_data.size(); ++j) {
      EXPECT_EQ(gt.partition_data[j].index, wt.partition_data[j].index);
      EXPECT_EQ(gt.partition_data[j].records.has_value(), wt.partition_data[j].records.has_value());
      EXPECT_EQ(flat(gt.partition_data[j].records), flat(wt.partition_data[j].records));
    }
  }
}

produce_response sample_produce_response() {
  produce_response m;
  m.responses = {
      {"orders",
       {{0, 0, 100, 1700000000000, 5},
        {1, kafka::wire(kafka::error_code::not_leader_or_follower), -1, -1, -1}}},
      {"events", {{7, kafka::wire(kafka::error_code::kafka_storage_error), -1, 1700000000001, 9}}}};
  m.throttle_time_ms = 25;
  return m;
}

void expect_same(const produce_response& got, const produce_response& want, std::int16_t v) {
  EXPECT_EQ(got.throttle_time_ms, v >= 1 ? want.throttle_time_ms : 0);
  ASSERT_EQ(got.responses.size(), want.responses.size());
  for (std::size_t i = 0; i < got.responses.size(); ++i) {
    EXPECT_EQ(got.responses[i].name, want.responses[i].name);
    const auto& gp = got.responses[i].partition_responses;
    const auto& wp = want.responses[i].partition_responses;
    ASSERT_EQ(gp.size(), wp.size());
    for (std::size_t j = 0; j < gp.size(); ++j) {
      EXPECT_EQ(gp[j].index, wp[j].index);
      EXPECT_EQ(gp[j].error_code, wp[j].error_code);
      EXPECT_EQ(gp[j].base_offset, wp[j].base_offset);
      EXPECT_EQ(gp[j].log_append_time_ms, v >= 2 ? wp[j].log_append_time_ms : -1);
      EXPECT_EQ(gp[j].log_start_offset, v >= 5 ? wp[j].log_start_offset : -1);
    }
  }
}

TEST(ProduceCodec, RequestRoundTripEveryVersion) {
  const produce_batches batches;
  const produce_request m = sample_produce_request(batches);
  for (std::int16_t v = produce_request::min_version; v <= produce_request::max_version; ++v) {
    bytes frame;
    produce_request got = round_trip(m, v, frame);
    expect_same(got, m, v);
    // Zero-copy: decoded records are views into the frame, holding real, valid batches.
    const auto& rec = got.topic_data[0].partition_data[1].records;
    ASSERT_TRUE(rec.has_value());
    EXPECT_TRUE(points_into(*rec, frame));
    std::vector<wire::bytes_view> split;
    EXPECT_FALSE(record_batch::split(*rec, split));
    EXPECT_EQ(split.size(), 2u);
    EXPECT_FALSE(got.topic_data[1].partition_data[0].records.has_value());
    expect_prefixes_fail<produce_request>(frame, v);
    sweep_hostile_counts<produce_request>(frame, v);
  }
}

TEST(ProduceCodec, ResponseRoundTripEveryVersion) {
  const produce_response m = sample_produce_response();
  for (std::int16_t v = produce_response::min_version; v <= produce_response::max_version; ++v) {
    bytes frame;
    produce_response got = round_trip(m, v, frame);
    expect_same(got, m, v);
    expect_prefixes_fail<produce_response>(frame, v);
    sweep_hostile_counts<produce_response>(frame, v);
  }
}

// Produce request v3–7 share one layout (v4 and v7 change only semantics).
const bytes kProduceRequestV3to7 = cat({
    {0xff, 0xff},              // transactional_id: null
    {0x00, 0x01},              // acks: 1
    {0x00, 0x00, 0x03, 0xe8},  // timeout_ms: 1000
    {0x00, 0x00, 0x00, 0x01},  // topic_data: 1 topic
    {0x00, 0x01, 't'},         //   name: "t"
    {0x00, 0x00, 0x00, 0x02},  //   partition_data: 2 partitions
    {0x00, 0x00, 0x00, 0x02},  //     index: 2
    {0x00, 0x00, 0x00, 0x03},  //     records: 3 bytes
    {0xaa, 0xbb, 0xcc},        //       (opaque to the codec)
    {0x00, 0x00, 0x00, 0x05},  //     index: 5
    {0xff, 0xff, 0xff, 0xff},  //     records: null
});

// Produce request v0–2: the v3 layout without transactional_id.
TEST(ProduceCodec, RequestGoldenBytesV0to2) {
  const bytes records = {0xaa, 0xbb, 0xcc};
  produce_request m;
  m.acks = 1;
  m.timeout_ms = 1000;
  m.topic_data = {{"t", {{2, view(records)}, {5, std::nullopt}}}};
  const bytes without_id(kProduceRequestV3to7.begin() + 2, kProduceRequestV3to7.end());
  for (std::int16_t v = 0; v <= 2; ++v) {
    EXPECT_EQ(encode(m, v), without_id) << v;
    produce_request got;
    ASSERT_TRUE(decode_all(got, without_id, v)) << v;
    expect_same(got, m, v);
  }
}

// Produce response v0: no log_append_time, no throttle; v1 adds throttle at the end.
TEST(ProduceCodec, ResponseGoldenBytesV0V1) {
  produce_response m;
  m.responses = {{"t", {{2, 43, 7, -1, -1}}}};
  m.throttle_time_ms = 9;
  const bytes v0 = cat({
      {0x00, 0x00, 0x00, 0x01},  // responses: 1 topic
      {0x00, 0x01, 't'},         //   name
      {0x00, 0x00, 0x00, 0x01},  //   1 partition
      {0x00, 0x00, 0x00, 0x02},  //     index 2
      {0x00, 0x2b},              //     error_code 43
      {0, 0, 0, 0, 0, 0, 0, 7},  //     base_offset 7
  });
  EXPECT_EQ(encode(m, 0), v0);
  bytes v1 = v0;
  v1.insert(v1.end(), {0x00, 0x00, 0x00, 0x09});  // throttle_time_ms
  EXPECT_EQ(encode(m, 1), v1);
  produce_response got;
  ASSERT_TRUE(decode_all(got, v1, 1));
  EXPECT_EQ(got.throttle_time_ms, 9);
  EXPECT_EQ(got.responses[0].partition_responses[0].error_code, 43);
}

TEST(ProduceCodec, RequestGoldenBytes) {
  const bytes records = {0xaa, 0xbb, 0xcc};
  produce_request m;
  m.transactional_id = std::nullopt;
  m.acks = 1;
  m.timeout_ms = 1000;
  m.topic_data = {{"t", {{2, view(records)}, {5, std::nullopt}}}};
  for (std::int16_t v = 3; v <= 7; ++v) {
    EXPECT_EQ(encode(m, v), kProduceRequestV3to7) << v;
    produce_request got;
    ASSERT_TRUE(decode_all(got, kProduceRequestV3to7, v)) << v;
    expect_same(got, m);
    expect_prefixes_fail<produce_request>(kProduceRequestV3to7, v);
  }
  // A non-null transactional id is an int16 length and the bytes.
  m.transactional_id = "tx";
  bytes with_id = kProduceRequestV3to7;
  with_id.erase(with_id.begin(), with_id.begin() + 2);
  with_id.insert(with_id.begin(), {0x00, 0x02, 't', 'x'});
  EXPECT_EQ(encode(m, 3), with_id);
}

const bytes kProduceResponseV3to4 = cat({
    {0x00, 0x00, 0x00, 0x01},                          // responses: 1 topic
    {0x00, 0x01, 't'},                                 //   name: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partition_responses: 1
    {0x00, 0x00, 0x00, 0x02},                          //     index: 2
    {0x00, 0x03},                                      //     error_code: 3
    {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02},  //     base_offset: 2^32 + 2
    {0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00},  //     log_append_time_ms: 1700000000000
    {0x00, 0x00, 0x00, 0x19},                          // throttle_time_ms: 25
});
const bytes kProduceResponseV5to7 = cat({
    {0x00, 0x00, 0x00, 0x01},                          // responses: 1 topic
    {0x00, 0x01, 't'},                                 //   name: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partition_responses: 1
    {0x00, 0x00, 0x00, 0x02},                          //     index: 2
    {0x00, 0x03},                                      //     error_code: 3
    {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02},  //     base_offset: 2^32 + 2
    {0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00},  //     log_append_time_ms: 1700000000000
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe},  //     log_start_offset: -2 (v5+)
    {0x00, 0x00, 0x00, 0x19},                          // throttle_time_ms: 25
});

TEST(ProduceCodec, ResponseGoldenBytes) {
  produce_response m;
  m.responses = {{"t", {{2, 3, (std::int64_t{1} << 32) + 2, 1700000000000, -2}}}};
  m.throttle_time_ms = 25;
  for (std::int16_t v = 3; v <= 7; ++v) {
    const bytes& golden = v >= 5 ? kProduceResponseV5to7 : kProduceResponseV3to4;
    EXPECT_EQ(encode(m, v), golden) << v;
    produce_response got;
    ASSERT_TRUE(decode_all(got, golden, v)) << v;
    expect_same(got, m, v);
    expect_prefixes_fail<produce_response>(golden, v);
  }
}

TEST(ProduceCodec, HostileAndInvalidInputFails) {
  const bytes header = {0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8};  // txn null, acks, timeout
  for (std::int16_t v = 3; v <= 7; ++v) {
    produce_request req;
    EXPECT_FALSE(decode_all(req, cat({header, hostile_count, bytes(64, 0)}), v));  // topic_data count
    EXPECT_FALSE(decode_all(req, cat({header, null32, bytes(8, 0)}), v));    // null topic_data
    // partition_data count
    EXPECT_FALSE(
        decode_all(req, cat({header, {0, 0, 0, 1, 0, 1, 't'}, hostile_count, bytes(64, 0)}), v));
    // records length -2 and a records length past the end
    EXPECT_FALSE(decode_all(
        req,
        cat({header, {0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 0}, {0xff, 0xff, 0xff, 0xfe}}),
        v));
    EXPECT_FALSE(decode_all(
        req, cat({header, {0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 0}, hostile_count, {1, 2}}), v));

    produce_response resp;
    EXPECT_FALSE(decode_all(resp, cat({hostile_count, bytes(64, 0)}), v));
    EXPECT_FALSE(decode_all(resp, cat({{0, 0, 0, 1, 0, 1, 't'}, hostile_count, bytes(64, 0)}), v));
  }
  expect_versions_refused<produce_request>();
  expect_versions_refused<produce_response>();
}

// ================================ Fetch ================================

fetch_request sample_fetch_request() {
  fetch_request m;
  m.replica_id = 3;
  m.max_wait_ms = 500;
  m.min_bytes = 1;
  m.max_bytes = 52428800;
  m.isolation_level = 1;
  m.session_id = 77;
  m.session_epoch = 4;
  m.topics = {{"orders", {{0, 6, 100, 10, 1048576}, {1, 6, 200, 20, 65536}}},
              {"events", {{3, 2, 0, 0, 4096}}}};
  m.forgotten_topics_data = {{"old", {2, 3}}, {"older", {}}};
  m.rack_id = "rack-a";
  // v13 names topics by id instead: distinct ids, so that a swap would show.
  for (std::size_t i = 0; i < m.topics.size(); ++i) m.topics[i].topic_id.fill(static_cast<std::uint8_t>(0x10 + i));
  for (std::size_t i = 0; i < m.forgotten_topics_data.size(); ++i)
    m.forgotten_topics_data[i].topic_id.fill(static_cast<std::uint8_t>(0x20 + i));
  return m;
}

void expect_same(const fetch_request& got, const fetch_request& want, std::int16_t v) {
  const fetch_request def;
  EXPECT_EQ(got.replica_id, want.replica_id);
  EXPECT_EQ(got.max_wait_ms, want.max_wait_ms);
  EXPECT_EQ(got.min_bytes, want.min_bytes);
  EXPECT_EQ(got.max_bytes, want.max_bytes);
  EXPECT_EQ(got.isolation_level, want.isolation_level);
  EXPECT_EQ(got.session_id, v >= 7 ? want.session_id : def.session_id);
  EXPECT_EQ(got.session_epoch, v >= 7 ? want.session_epoch : def.session_epoch);
  EXPECT_EQ(got.rack_id, v >= 11 ? want.rack_id : def.rack_id);
  ASSERT_EQ(got.topics.size(), want.topics.size());
  for (std::size_t i = 0; i < got.topics.size(); ++i) {
    if (v >= 13)
      EXPECT_EQ(got.topics[i].topic_id, want.topics[i].topic_id);  // and no name
    else
      EXPECT_EQ(got.topics[i].topic, want.topics[i].topic);
    const auto& gp = got.topics[i].partitions;
    const auto& wp = want.topics[i].partitions;
    ASSERT_EQ(gp.size(), wp.size());
    for (std::size_t j = 0; j < gp.size(); ++j) {
      EXPECT_EQ(gp[j].partition, wp[j].partition);
      EXPECT_EQ(gp[j].current_leader_epoch, v >= 9 ? wp[j].current_leader_epoch : -1);
      EXPECT_EQ(gp[j].fetch_offset, wp[j].fetch_offset);
      EXPECT_EQ(gp[j].log_start_offset, v >= 5 ? wp[j].log_start_offset : -1);
      EXPECT_EQ(gp[j].partition_max_bytes, wp[j].partition_max_bytes);
    }
  }
  if (v < 7) {
    EXPECT_TRUE(got.forgotten_topics_data.empty());
    return;
  }
  ASSERT_EQ(got.forgotten_topics_data.size(), want.forgotten_topics_data.size());
  for (std::size_t i = 0; i < got.forgotten_topics_data.size(); ++i) {
    if (v >= 13)
      EXPECT_EQ(got.forgotten_topics_data[i].topic_id, want.forgotten_topics_data[i].topic_id);
    else
      EXPECT_EQ(got.forgotten_topics_data[i].topic, want.forgotten_topics_data[i].topic);
    EXPECT_EQ(got.forgotten_topics_data[i].partitions, want.forgotten_topics_data[i].partitions);
  }
}

struct fetch_batches {
  bytes a = make_batch(100, 2);
  bytes b = make_batch(102, 3);
  bytes c = make_batch(7, 1);
};

fetch_response sample_fetch_response(const fetch_batches& batches) {
  fetch_response m;
  m.throttle_time_ms = 10;
  m.error_code = 0;
  m.session_id = 77;
  fetch_response::partition p0;
  p0.partition_index = 0;
  p0.high_watermark = 105;
  p0.last_stable_offset = 104;
  p0.log_start_offset = 100;
  p0.aborted_transactions =
      std::vector<fetch_response::aborted_transaction>{{1000, 101}, {1001, 103}};
  p0.preferred_read_replica = 2;
  p0.record_batches = {view(batches.a), view(batches.b)};  // two separate buffers
  fetch_response::partition p1;
  p1.partition_index = 1;
  p1.error_code = kafka::wire(kafka::error_code::offset_out_of_range);
  p1.high_watermark = -1;
  p1.aborted_transactions = std::nullopt;
  p1.records_null = true;
  fetch_response::partition p2;  // empty, non-null records and aborted_transactions
  p2.partition_index = 2;
  p2.high_watermark = 8;
  p2.last_stable_offset = 8;
  p2.log_start_offset = 7;
  p2.record_batches = {view(batches.c)};
  m.responses = {{"orders", {p0, p1}}, {"events", {p2}}, {"empty", {}}};
  for (std::size_t i = 0; i < m.responses.size(); ++i) m.responses[i].topic_id.fill(static_cast<std::uint8_t>(0x30 + i));
  fetch_response::partition p3;
  p3.partition_index = 3;
  m.responses[1].partitions.push_back(p3);
  return m;
}

void expect_same(const fetch_response& got, const fetch_response& want, std::int16_t v) {
  EXPECT_EQ(got.throttle_time_ms, want.throttle_time_ms);
  EXPECT_EQ(got.error_code, v >= 7 ? want.error_code : 0);
  EXPECT_EQ(got.session_id, v >= 7 ? want.session_id : 0);
  ASSERT_EQ(got.responses.size(), want.responses.size());
  for (std::size_t i = 0; i < got.responses.size(); ++i) {
    if (v >= 13)
      EXPECT_EQ(got.responses[i].topic_id, want.responses[i].topic_id);
    else
      EXPECT_EQ(got.responses[i].topic, want.responses[i].topic);
    const auto& gp = got.responses[i].partitions;
    const auto& wp = want.responses[i].partitions;
    ASSERT_EQ(gp.size(), wp.size());
    for (std::size_t j = 0; j < gp.size(); ++j) {
      EXPECT_EQ(gp[j].partition_index, wp[j].partition_index);
      EXPECT_EQ(gp[j].error_code, wp[j].error_code);
      EXPECT_EQ(gp[j].high_watermark, wp[j].high_watermark);
      EXPECT_EQ(gp[j].last_stable_offset, wp[j].last_stable_offset);
      EXPECT_EQ(gp[j].log_start_offset, v >= 5 ? wp[j].log_start_offset : -1);
      ASSERT_EQ(gp[j].aborted_transactions.has_value(), wp[j].aborted_transactions.has_value());
      if (gp[j].aborted_transactions) {
        ASSERT_EQ(gp[j].aborted_transactions->size(), wp[j].aborted_transactions->size());
        for (std::size_t k = 0; k < gp[j].aborted_transactions->size(); ++k) {
          EXPECT_EQ((*gp[j].aborted_transactions)[k].producer_id,
                    (*wp[j].aborted_transactions)[k].producer_id);
          EXPECT_EQ((*gp[j].aborted_transactions)[k].first_offset,
                    (*wp[j].aborted_transactions)[k].first_offset);
        }
      }
      EXPECT_EQ(gp[j].preferred_read_replica, v >= 11 ? wp[j].preferred_read_replica : -1);
      EXPECT_EQ(gp[j].records_null, wp[j].records_null);
      EXPECT_EQ(flat(gp[j].record_batches), flat(wp[j].record_batches));
      EXPECT_LE(gp[j].record_batches.size(), 1u);  // decode gives one view of the whole blob
    }
  }
}

TEST(FetchCodec, RequestRoundTripEveryVersion) {
  const fetch_request m = sample_fetch_request();
  for (std::int16_t v = fetch_request::min_version; v <= fetch_request::max_version; ++v) {
    bytes frame;
    fetch_request got = round_trip(m, v, frame);
    expect_same(got, m, v);
    expect_prefixes_fail<fetch_request>(frame, v);
    sweep_hostile_counts<fetch_request>(frame, v);
  }
}

TEST(FetchCodec, ResponseRoundTripEveryVersion) {
  const fetch_batches batches;
  const fetch_response m = sample_fetch_response(batches);
  for (std::int16_t v = fetch_response::min_version; v <= fetch_response::max_version; ++v) {
    bytes frame;
    fetch_response got = round_trip(m, v, frame);
    expect_same(got, m, v);
    // The decoded blob is a view into the frame holding both batches, whole and valid.
    ASSERT_EQ(got.responses[0].partitions[0].record_batches.size(), 1u);
    wire::bytes_view blob = got.responses[0].partitions[0].record_batches[0];
    EXPECT_TRUE(points_into(blob, frame));
    std::vector<wire::bytes_view> split;
    EXPECT_FALSE(record_batch::split(blob, split));
    EXPECT_EQ(split.size(), 2u);
    EXPECT_TRUE(got.responses[1].partitions[1].record_batches.empty());  // empty, not null
    EXPECT_FALSE(got.responses[1].partitions[1].records_null);
    expect_prefixes_fail<fetch_response>(frame, v);
    sweep_hostile_counts<fetch_response>(frame, v);
  }
}

// Fetch request goldens: replica_id -1, max_wait_ms 500, min_bytes 1, max_bytes 1 MiB,
// isolation_level 1, [session 5 epoch 2], topic "t" partition 0 [epoch 3] offset 100
// [log_start 7] max 64 KiB, [forgotten "f" [1, 2]], [rack "r1"].
const bytes kFetchRequestV4 = cat({
    {0xff, 0xff, 0xff, 0xff},                          // replica_id: -1
    {0x00, 0x00, 0x01, 0xf4},                          // max_wait_ms: 500
    {0x00, 0x00, 0x00, 0x01},                          // min_bytes: 1
    {0x00, 0x10, 0x00, 0x00},                          // max_bytes: 1 MiB
    {0x01},                                            // isolation_level: read_committed
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   topic: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x00},                          //     partition: 0
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64},  //     fetch_offset: 100
    {0x00, 0x01, 0x00, 0x00},                          //     partition_max_bytes: 64 KiB
});
const bytes kFetchRequestV5to6 = cat({
    {0xff, 0xff, 0xff, 0xff},                          // replica_id: -1
    {0x00, 0x00, 0x01, 0xf4},                          // max_wait_ms: 500
    {0x00, 0x00, 0x00, 0x01},                          // min_bytes: 1
    {0x00, 0x10, 0x00, 0x00},                          // max_bytes: 1 MiB
    {0x01},                                            // isolation_level: read_committed
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   topic: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x00},                          //     partition: 0
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64},  //     fetch_offset: 100
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07},  //     log_start_offset: 7 (v5+)
    {0x00, 0x01, 0x00, 0x00},                          //     partition_max_bytes: 64 KiB
});
const bytes kFetchRequestV7to8 = cat({
    {0xff, 0xff, 0xff, 0xff},                          // replica_id: -1
    {0x00, 0x00, 0x01, 0xf4},                          // max_wait_ms: 500
    {0x00, 0x00, 0x00, 0x01},                          // min_bytes: 1
    {0x00, 0x10, 0x00, 0x00},                          // max_bytes: 1 MiB
    {0x01},                                            // isolation_level: read_committed
    {0x00, 0x00, 0x00, 0x05},                          // session_id: 5 (v7+)
    {0x00, 0x00, 0x00, 0x02},                          // session_epoch: 2 (v7+)
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   topic: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x00},                          //     partition: 0
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64},  //     fetch_offset: 100
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07},  //     log_start_offset: 7
    {0x00, 0x01, 0x00, 0x00},                          //     partition_max_bytes: 64 KiB
    {0x00, 0x00, 0x00, 0x01},                          // forgotten_topics_data: 1 (v7+)
    {0x00, 0x01, 'f'},                                 //   topic: "f"
    {0x00, 0x00, 0x00, 0x02},                          //   partitions: 2
    {0x00, 0x00, 0x00, 0x01},                          //     1
    {0x00, 0x00, 0x00, 0x02},                          //     2
});
const bytes kFetchRequestV9to10 = cat({
    {0xff, 0xff, 0xff, 0xff},                          // replica_id: -1
    {0x00, 0x00, 0x01, 0xf4},                          // max_wait_ms: 500
    {0x00, 0x00, 0x00, 0x01},                          // min_bytes: 1
    {0x00, 0x10, 0x00, 0x00},                          // max_bytes: 1 MiB
    {0x01},                                            // isolation_level: read_committed
    {0x00, 0x00, 0x00, 0x05},                          // session_id: 5
    {0x00, 0x00, 0x00, 0x02},                          // session_epoch: 2
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   topic: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x00},                          //     partition: 0
    {0x00, 0x00, 0x00, 0x03},                          //     current_leader_epoch: 3 (v9+)
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64},  //     fetch_offset: 100
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07},  //     log_start_offset: 7
    {0x00, 0x01, 0x00, 0x00},                          //     partition_max_bytes: 64 KiB
    {0x00, 0x00, 0x00, 0x01},                          // forgotten_topics_data: 1
    {0x00, 0x01, 'f'},                                 //   topic: "f"
    {0x00, 0x00, 0x00, 0x02},                          //   partitions: 2
    {0x00, 0x00, 0x00, 0x01},                          //     1
    {0x00, 0x00, 0x00, 0x02},                          //     2
});
const bytes kFetchRequestV11 = cat({
    {0xff, 0xff, 0xff, 0xff},                          // replica_id: -1
    {0x00, 0x00, 0x01, 0xf4},                          // max_wait_ms: 500
    {0x00, 0x00, 0x00, 0x01},                          // min_bytes: 1
    {0x00, 0x10, 0x00, 0x00},                          // max_bytes: 1 MiB
    {0x01},                                            // isolation_level: read_committed
    {0x00, 0x00, 0x00, 0x05},                          // session_id: 5
    {0x00, 0x00, 0x00, 0x02},                          // session_epoch: 2
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   topic: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x00},                          //     partition: 0
    {0x00, 0x00, 0x00, 0x03},                          //     current_leader_epoch: 3
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64},  //     fetch_offset: 100
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07},  //     log_start_offset: 7
    {0x00, 0x01, 0x00, 0x00},                          //     partition_max_bytes: 64 KiB
    {0x00, 0x00, 0x00, 0x01},                          // forgotten_topics_data: 1
    {0x00, 0x01, 'f'},                                 //   topic: "f"
    {0x00, 0x00, 0x00, 0x02},                          //   partitions: 2
    {0x00, 0x00, 0x00, 0x01},                          //     1
    {0x00, 0x00, 0x00, 0x02},                          //     2
    {0x00, 0x02, 'r', '1'},                            // rack_id: "r1" (v11+)
});

const bytes& fetch_request_golden(std::int16_t v) {
  if (v >= 11) return kFetchRequestV11;
  if (v >= 9) return kFetchRequestV9to10;
  if (v >= 7) return kFetchRequestV7to8;
  if (v >= 5) return kFetchRequestV5to6;
  return kFetchRequestV4;
}

TEST(FetchCodec, RequestGoldenBytes) {
  fetch_request m;
  m.replica_id = -1;
  m.max_wait_ms = 500;
  m.min_bytes = 1;
  m.max_bytes = 1 << 20;
  m.isolation_level = 1;
  m.session_id = 5;
  m.session_epoch = 2;
  m.topics = {{"t", {{0, 3, 100, 7, 1 << 16}}}};
  m.forgotten_topics_data = {{"f", {1, 2}}};
  m.rack_id = "r1";
  for (std::int16_t v = 4; v <= 11; ++v) {
    const bytes& golden = fetch_request_golden(v);
    EXPECT_EQ(encode(m, v), golden) << v;
    fetch_request got;
    ASSERT_TRUE(decode_all(got, golden, v)) << v;
    expect_same(got, m, v);
    expect_prefixes_fail<fetch_request>(golden, v);
  }
}

// Fetch response goldens: throttle 1, [error 0, session 5], topic "t":
//   partition 0: error 0, hw 10, lso 9, [log_start 2], aborted [(9, 4)], [replica 1], records
//                aa bb cc (given as two spans, aa | bb cc);
//   partition 1: error 1, hw -1, lso -1, [log_start -1], aborted null, [replica -1], records null.
const bytes kFetchResponseV4 = cat({
    {0x00, 0x00, 0x00, 0x01},                          // throttle_time_ms: 1
    {0x00, 0x00, 0x00, 0x01},                          // responses: 1
    {0x00, 0x01, 't'},                                 //   topic: "t"
    {0x00, 0x00, 0x00, 0x02},                          //   partitions: 2
    {0x00, 0x00, 0x00, 0x00},                          //     partition_index: 0
    {0x00, 0x00},                                      //     error_code: 0
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a},  //     high_watermark: 10
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09},  //     last_stable_offset: 9
    {0x00, 0x00, 0x00, 0x01},                          //     aborted_transactions: 1
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09},  //       producer_id: 9
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04},  //       first_offset: 4
    {0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc},        //     records: 3 bytes
    {0x00, 0x00, 0x00, 0x01},                          //     partition_index: 1
    {0x00, 0x01},                                      //     error_code: 1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     high_watermark: -1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     last_stable_offset: -1
    {0xff, 0xff, 0xff, 0xff},                          //     aborted_transactions: null
    {0xff, 0xff, 0xff, 0xff},                          //     records: null
});
const bytes kFetchResponseV5to6 = cat({
    {0x00, 0x00, 0x00, 0x01},                          // throttle_time_ms: 1
    {0x00, 0x00, 0x00, 0x01},                          // responses: 1
    {0x00, 0x01, 't'},                                 //   topic: "t"
    {0x00, 0x00, 0x00, 0x02},                          //   partitions: 2
    {0x00, 0x00, 0x00, 0x00},                          //     partition_index: 0
    {0x00, 0x00},                                      //     error_code: 0
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a},  //     high_watermark: 10
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09},  //     last_stable_offset: 9
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02},  //     log_start_offset: 2 (v5+)
    {0x00, 0x00, 0x00, 0x01},                          //     aborted_transactions: 1
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09},  //       producer_id: 9
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04},  //       first_offset: 4
    {0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc},        //     records: 3 bytes
    {0x00, 0x00, 0x00, 0x01},                          //     partition_index: 1
    {0x00, 0x01},                                      //     error_code: 1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     high_watermark: -1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     last_stable_offset: -1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     log_start_offset: -1
    {0xff, 0xff, 0xff, 0xff},                          //     aborted_transactions: null
    {0xff, 0xff, 0xff, 0xff},                          //     records: null
});
const bytes kFetchResponseV7to10 = cat({
    {0x00, 0x00, 0x00, 0x01},                          // throttle_time_ms: 1
    {0x00, 0x00},                                      // error_code: 0 (v7+)
    {0x00, 0x00, 0x00, 0x05},                          // session_id: 5 (v7+)
    {0x00, 0x00, 0x00, 0x01},                          // responses: 1
    {0x00, 0x01, 't'},                                 //   topic: "t"
    {0x00, 0x00, 0x00, 0x02},                          //   partitions: 2
    {0x00, 0x00, 0x00, 0x00},                          //     partition_index: 0
    {0x00, 0x00},                                      //     error_code: 0
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a},  //     high_watermark: 10
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09},  //     last_stable_offset: 9
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02},  //     log_start_offset: 2
    {0x00, 0x00, 0x00, 0x01},                          //     aborted_transactions: 1
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09},  //       producer_id: 9
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04},  //       first_offset: 4
    {0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc},        //     records: 3 bytes
    {0x00, 0x00, 0x00, 0x01},                          //     partition_index: 1
    {0x00, 0x01},                                      //     error_code: 1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     high_watermark: -1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     last_stable_offset: -1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     log_start_offset: -1
    {0xff, 0xff, 0xff, 0xff},                          //     aborted_transactions: null
    {0xff, 0xff, 0xff, 0xff},                          //     records: null
});
const bytes kFetchResponseV11 = cat({
    {0x00, 0x00, 0x00, 0x01},                          // throttle_time_ms: 1
    {0x00, 0x00},                                      // error_code: 0
    {0x00, 0x00, 0x00, 0x05},                          // session_id: 5
    {0x00, 0x00, 0x00, 0x01},                          // responses: 1
    {0x00, 0x01, 't'},                                 //   topic: "t"
    {0x00, 0x00, 0x00, 0x02},                          //   partitions: 2
    {0x00, 0x00, 0x00, 0x00},                          //     partition_index: 0
    {0x00, 0x00},                                      //     error_code: 0
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a},  //     high_watermark: 10
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09},  //     last_stable_offset: 9
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02},  //     log_start_offset: 2
    {0x00, 0x00, 0x00, 0x01},                          //     aborted_transactions: 1
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09},  //       producer_id: 9
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04},  //       first_offset: 4
    {0x00, 0x00, 0x00, 0x01},                          //     preferred_read_replica: 1 (v11+)
    {0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc},        //     records: 3 bytes
    {0x00, 0x00, 0x00, 0x01},                          //     partition_index: 1
    {0x00, 0x01},                                      //     error_code: 1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     high_watermark: -1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     last_stable_offset: -1
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  //     log_start_offset: -1
    {0xff, 0xff, 0xff, 0xff},                          //     aborted_transactions: null
    {0xff, 0xff, 0xff, 0xff},                          //     preferred_read_replica: -1
    {0xff, 0xff, 0xff, 0xff},                          //     records: null
});

const bytes& fetch_response_golden(std::int16_t v) {
  if (v >= 11) return kFetchResponseV11;
  if (v >= 7) return kFetchResponseV7to10;
  if (v >= 5) return kFetchResponseV5to6;
  return kFetchResponseV4;
}

TEST(FetchCodec, ResponseGoldenBytes) {
  const bytes first = {0xaa};
  const bytes rest = {0xbb, 0xcc};
  fetch_response m;
  m.throttle_time_ms = 1;
  m.error_code = 0;
  m.session_id = 5;
  fetch_response::partition p0;
  p0.partition_index = 0;
  p0.high_watermark = 10;
  p0.last_stable_offset = 9;
  p0.log_start_offset = 2;
  p0.aborted_transactions = std::vector<fetch_response::aborted_transaction>{{9, 4}};
  p0.preferred_read_replica = 1;
  p0.record_batches = {view(first), view(rest)};
  fetch_response::partition p1;
  p1.partition_index = 1;
  p1.error_code = 1;
  p1.high_watermark = -1;
  p1.last_stable_offset = -1;
  p1.log_start_offset = -1;
  p1.aborted_transactions = std::nullopt;
  p1.preferred_read_replica = -1;
  p1.records_null = true;
  m.responses = {{"t", {p0, p1}}};
  for (std::int16_t v = 4; v <= 11; ++v) {
    const bytes& golden = fetch_response_golden(v);
    EXPECT_EQ(encode(m, v), golden) << v;
    fetch_response got;
    ASSERT_TRUE(decode_all(got, golden, v)) << v;
    expect_same(got, m, v);
    expect_prefixes_fail<fetch_response>(golden, v);
  }
}

// (e) Two batches in two separate buffers go out as two external segments — no copy — and the
// frame's bytes equal an encoding that copies them (written here with plain writer calls).
TEST(FetchCodec, ResponseRecordsAreZeroCopySegments) {
  const bytes a = make_batch(0, 2);
  const bytes b = make_batch(2, 3);
  fetch_response m;
  m.throttle_time_ms = 0;
  m.session_id = 9;
  fetch_response::partition p;
  p.partition_index = 4;
  p.high_watermark = 5;
  p.last_stable_offset = 5;
  p.log_start_offset = 0;
  p.record_batches = {view(a), view(b)};
  m.responses = {{"orders", {p}}};

  // The classic versions; v12 (compact lengths) has its own copy of this test in
  // test_messages_data_flex.cpp.
  for (std::int16_t v = fetch_response::min_version; v <= 11; ++v) {
    wire::wire_writer w;
    m.encode(w, v);
    std::size_t externals = 0;
    bool saw_a = false, saw_b = false;
    for (auto seg : w.segments()) {
      if (seg.data() == a.data() && seg.size() == a.size()) saw_a = true;
      if (seg.data() == b.data() && seg.size() == b.size()) saw_b = true;
      if (points_into(seg, a) || points_into(seg, b)) ++externals;
    }
    EXPECT_TRUE(saw_a && saw_b) << v;
    EXPECT_EQ(externals, 2u) << v;
    EXPECT_EQ(w.owned_size() + a.size() + b.size(), w.size()) << v;  // batches not copied

    wire::wire_writer copy;  // the same response with the records copied in
    copy.i32(0);             // throttle_time_ms
    if (v >= 7) {
      copy.i16(0);  // error_code
      copy.i32(9);  // session_id
    }
    copy.i32(1);  // responses
    copy.string("orders");
    copy.i32(1);                // partitions
    copy.i32(4);                // partition_index
    copy.i16(0);                // error_code
    copy.i64(5);                // high_watermark
    copy.i64(5);                // last_stable_offset
    if (v >= 5) copy.i64(0);    // log_start_offset
    copy.i32(0);                // aborted_transactions: empty
    if (v >= 11) copy.i32(-1);  // preferred_read_replica
    bytes ab = cat({a, b});
    copy.bytes(view(ab));
    EXPECT_TRUE(copy.segments().size() == 1u);
    EXPECT_EQ(w.contiguous(), copy.contiguous()) << v;
  }
}

TEST(FetchCodec, HostileAndInvalidInputFails) {
  for (std::int16_t v = 4; v <= 11; ++v) {
    const bytes& req = fetch_request_golden(v);
    // Top-level topics count sits after the fixed fields: 17 bytes, +8 for the session (v7+).
    std::size_t topics_at = v >= 7 ? 25 : 17;
    bytes bad = req;
    std::copy(hostile_count.begin(), hostile_count.end(),
              bad.begin() + static_cast<std::ptrdiff_t>(topics_at));
    fetch_request r;
    EXPECT_FALSE(decode_all(r, bad, v)) << v;
    std::copy(null32.begin(), null32.end(), bad.begin() + static_cast<std::ptrdiff_t>(topics_at));
    EXPECT_FALSE(decode_all(r, bad, v)) << v;  // null is not allowed for topics
    // Nested partitions count, right after the topic name "t".
    bad = req;
    std::copy(hostile_count.begin(), hostile_count.end(),
              bad.begin() + static_cast<std::ptrdiff_t>(topics_at + 4 + 3));
    EXPECT_FALSE(decode_all(r, bad, v)) << v;
    if (v >= 7) {
      // forgotten_topics_data partitions count: the last "partitions: 2" before its two entries.
      std::size_t at = req.size() - (v >= 11 ? 4 : 0) - 8 - 4;
      bad = req;
      ASSERT_EQ(bad[at + 3], 0x02);
      std::copy(hostile_count.begin(), hostile_count.end(), bad.begin() + static_cast<std::ptrdiff_t>(at));
      EXPECT_FALSE(decode_all(r, bad, v)) << v;
    }

    const bytes& resp = fetch_response_golden(v);
    std::size_t responses_at = v >= 7 ? 10 : 4;
    bad = resp;
    std::copy(hostile_count.begin(), hostile_count.end(),
              bad.begin() + static_cast<std::ptrdiff_t>(responses_at));
    fetch_response f;
    EXPECT_FALSE(decode_all(f, bad, v)) << v;
    // aborted_transactions count of partition 0.
    std::size_t aborted_at = responses_at + 4 + 3 + 4 + 4 + 2 + 8 + 8 + (v >= 5 ? 8 : 0);
    bad = resp;
    ASSERT_EQ(bad[aborted_at + 3], 0x01);
    std::copy(hostile_count.begin(), hostile_count.end(),
              bad.begin() + static_cast<std::ptrdiff_t>(aborted_at));
    EXPECT_FALSE(decode_all(f, bad, v)) << v;
    // aborted_transactions -2 is neither null nor a count.
    bad = resp;
    bad[aborted_at] = bad[aborted_at + 1] = bad[aborted_at + 2] = 0xff;
    bad[aborted_at + 3] = 0xfe;
    EXPECT_FALSE(decode_all(f, bad, v)) << v;
    // A records length past the end of the frame.
    bytes tail = cat({std::vector<std::uint8_t>(resp.begin(), resp.end() - 4), hostile_count});
    EXPECT_FALSE(decode_all(f, tail, v)) << v;
  }
  expect_versions_refused<fetch_request>();
  expect_versions_refused<fetch_response>();
}

// ================================ ListOffsets ================================

list_offsets_request sample_list_offsets_request() {
  list_offsets_request m;
  m.replica_id = -1;
  m.isolation_level = 1;
  m.topics = {{"orders", {{0, list_offsets_request::earliest_timestamp, 5}, {1, 1700000000000, 1}}},
              {"events", {{2, list_offsets_request::latest_timestamp, 3}}}};
  return m;
}

void expect_same(const list_offsets_request& got, const list_offsets_request& want,
                 std::int16_t v) {
  EXPECT_EQ(got.replica_id, want.replica_id);
  EXPECT_EQ(got.isolation_level, v >= 2 ? want.isolation_level : 0);
  ASSERT_EQ(got.topics.size(), want.topics.size());
  for (std::size_t i = 0; i < got.topics.size(); ++i) {
    EXPECT_EQ(got.topics[i].name, want.topics[i].name);
    const auto& gp = got.topics[i].partitions;
    const auto& wp = want.topics[i].partitions;
    ASSERT_EQ(gp.size(), wp.size());
    for (std::size_t j = 0; j < gp.size(); ++j) {
      EXPECT_EQ(gp[j].partition_index, wp[j].partition_index);
      EXPECT_EQ(gp[j].timestamp, wp[j].timestamp);
      EXPECT_EQ(gp[j].max_num_offsets, v == 0 ? wp[j].max_num_offsets : 1);
    }
  }
}

list_offsets_response sample_list_offsets_response() {
  list_offsets_response m;
  m.throttle_time_ms = 7;
  m.topics = {{"orders",
               {{0, 0, {100, 50, 0}, 1700000000000, 42},
                {1, kafka::wire(kafka::error_code::unknown_topic_or_partition), {}, -1, -1}}},
              {"events", {{2, 0, {9}, 1700000000002, 9}}}};
  return m;
}

void expect_same(const list_offsets_response& got, const list_offsets_response& want,
                 std::int16_t v) {
  EXPECT_EQ(got.throttle_time_ms, v >= 2 ? want.throttle_time_ms : 0);
  ASSERT_EQ(got.topics.size(), want.topics.size());
  for (std::size_t i = 0; i < got.topics.size(); ++i) {
    EXPECT_EQ(got.topics[i].name, want.topics[i].name);
    const auto& gp = got.topics[i].partitions;
    const auto& wp = want.topics[i].partitions;
    ASSERT_EQ(gp.size(), wp.size());
    for (std::size_t j = 0; j < gp.size(); ++j) {
      EXPECT_EQ(gp[j].partition_index, wp[j].partition_index);
      EXPECT_EQ(gp[j].error_code, wp[j].error_code);
      EXPECT_EQ(gp[j].old_style_offsets,
                v == 0 ? wp[j].old_style_offsets : std::vector<std::int64_t>{});
      EXPECT_EQ(gp[j].timestamp, v >= 1 ? wp[j].timestamp : -1);
      EXPECT_EQ(gp[j].offset, v >= 1 ? wp[j].offset : -1);
    }
  }
}

TEST(ListOffsetsCodec, RequestRoundTripEveryVersion) {
  const list_offsets_request m = sample_list_offsets_request();
  for (std::int16_t v = list_offsets_request::min_version; v <= list_offsets_request::max_version;
       ++v) {
    bytes frame;
    list_offsets_request got = round_trip(m, v, frame);
    expect_same(got, m, v);
    expect_prefixes_fail<list_offsets_request>(frame, v);
    sweep_hostile_counts<list_offsets_request>(frame, v);
  }
}

TEST(ListOffsetsCodec, ResponseRoundTripEveryVersion) {
  const list_offsets_response m = sample_list_offsets_response();
  for (std::int16_t v = list_offsets_response::min_version; v <= list_offsets_response::max_version;
       ++v) {
    bytes frame;
    list_offsets_response got = round_trip(m, v, frame);
    expect_same(got, m, v);
    expect_prefixes_fail<list_offsets_response>(frame, v);
    sweep_hostile_counts<list_offsets_response>(frame, v);
  }
}

const bytes kListOffsetsRequestV0 = cat({
    {0xff, 0xff, 0xff, 0xff},                          // replica_id: -1
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   name: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x03},                          //     partition_index: 3
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe},  //     timestamp: -2 (earliest)
    {0x00, 0x00, 0x00, 0x02},                          //     max_num_offsets: 2 (v0 only)
});
const bytes kListOffsetsRequestV1 = cat({
    {0xff, 0xff, 0xff, 0xff},                          // replica_id: -1
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   name: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x03},                          //     partition_index: 3
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe},  //     timestamp: -2 (earliest)
});
const bytes kListOffsetsRequestV2to3 = cat({
    {0xff, 0xff, 0xff, 0xff},                          // replica_id: -1
    {0x01},                                            // isolation_level: 1 (v2+)
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   name: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x03},                          //     partition_index: 3
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe},  //     timestamp: -2 (earliest)
});

TEST(ListOffsetsCodec, RequestGoldenBytes) {
  list_offsets_request m;
  m.replica_id = -1;
  m.isolation_level = 1;
  m.topics = {{"t", {{3, -2, 2}}}};
  for (std::int16_t v = 0; v <= 3; ++v) {
    const bytes& golden = v >= 2 ? kListOffsetsRequestV2to3
                                 : (v == 1 ? kListOffsetsRequestV1 : kListOffsetsRequestV0);
    EXPECT_EQ(encode(m, v), golden) << v;
    list_offsets_request got;
    ASSERT_TRUE(decode_all(got, golden, v)) << v;
    expect_same(got, m, v);
    expect_prefixes_fail<list_offsets_request>(golden, v);
  }
}

const bytes kListOffsetsResponseV0 = cat({
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   name: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x03},                          //     partition_index: 3
    {0x00, 0x00},                                      //     error_code: 0
    {0x00, 0x00, 0x00, 0x02},                          //     old_style_offsets: 2 (v0 only)
    {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},  //       2^32
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05},  //       5
});
const bytes kListOffsetsResponseV1 = cat({
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   name: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x03},                          //     partition_index: 3
    {0x00, 0x00},                                      //     error_code: 0
    {0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00},  //     timestamp: 1700000000000 (v1+)
    {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},  //     offset: 2^32 (v1+)
});
const bytes kListOffsetsResponseV2to3 = cat({
    {0x00, 0x00, 0x00, 0x0b},                          // throttle_time_ms: 11 (v2+)
    {0x00, 0x00, 0x00, 0x01},                          // topics: 1
    {0x00, 0x01, 't'},                                 //   name: "t"
    {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
    {0x00, 0x00, 0x00, 0x03},                          //     partition_index: 3
    {0x00, 0x00},                                      //     error_code: 0
    {0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00},  //     timestamp: 1700000000000
    {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},  //     offset: 2^32
});

TEST(ListOffsetsCodec, ResponseGoldenBytes) {
  list_offsets_response m;
  m.throttle_time_ms = 11;
  m.topics = {{"t", {{3, 0, {std::int64_t{1} << 32, 5}, 1700000000000, std::int64_t{1} << 32}}}};
  for (std::int16_t v = 0; v <= 3; ++v) {
    const bytes& golden = v >= 2 ? kListOffsetsResponseV2to3
                                 : (v == 1 ? kListOffsetsResponseV1 : kListOffsetsResponseV0);
    EXPECT_EQ(encode(m, v), golden) << v;
    list_offsets_response got;
    ASSERT_TRUE(decode_all(got, golden, v)) << v;
    expect_same(got, m, v);
    expect_prefixes_fail<list_offsets_response>(golden, v);
  }
}

TEST(ListOffsetsCodec, HostileAndInvalidInputFails) {
  for (std::int16_t v = 0; v <= 3; ++v) {
    bytes head = {0xff, 0xff, 0xff, 0xff};  // replica_id
    if (v >= 2) head.push_back(0x00);       // isolation_level
    list_offsets_request req;
    EXPECT_FALSE(decode_all(req, cat({head, hostile_count, bytes(64, 0)}), v)) << v;
    EXPECT_FALSE(decode_all(req, cat({head, null32}), v)) << v;
    EXPECT_FALSE(decode_all(req, cat({head, {0, 0, 0, 1, 0, 1, 't'}, hostile_count, bytes(64, 0)}), v));

    bytes resp_head = v >= 2 ? bytes{0, 0, 0, 0} : bytes{};  // throttle_time_ms
    list_offsets_response resp;
    EXPECT_FALSE(decode_all(resp, cat({resp_head, hostile_count, bytes(64, 0)}), v)) << v;
    EXPECT_FALSE(
        decode_all(resp, cat({resp_head, {0, 0, 0, 1, 0, 1, 't'}, hostile_count, bytes(64, 0)}), v));
  }
  // v0 old_style_offsets: a count that would need 8 bytes each but only fits 1 byte each.
  list_offsets_response resp;
  EXPECT_FALSE(decode_all(
      resp,
      cat({{0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 3, 0, 0}, {0, 0, 0, 16}, bytes(16, 0)}),
      0));
  EXPECT_FALSE(decode_all(
      resp, cat({{0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 3, 0, 0}, hostile_count, bytes(16, 0)}),
      0));
  expect_versions_refused<list_offsets_request>();
  expect_versions_refused<list_offsets_response>();
}

// Every struct names its API so a dispatcher can route on it.
static_assert(produce_request::key == api_key::produce &&
              produce_response::key == api_key::produce);
static_assert(fetch_request::key == api_key::fetch && fetch_response::key == api_key::fetch);
static_assert(list_offsets_request::key == api_key::list_offsets &&
              list_offsets_response::key == api_key::list_offsets);

#ifndef NDEBUG
// Encoding a version outside the covered range is a programmer error.
TEST(MessagesBDeathTest, EncodeOutsideRangeAsserts) {
  wire::wire_writer w;
  EXPECT_DEATH(produce_request{}.encode(w, 10), "");
  EXPECT_DEATH(fetch_response{}.encode(w, 14), "");
  EXPECT_DEATH(list_offsets_request{}.encode(w, 8), "");
}
#endif

}  // namespace
