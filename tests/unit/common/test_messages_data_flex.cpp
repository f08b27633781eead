// The data path's flexible versions (issue 15): Produce v0–9 (v8 adds record_errors and
// error_message to the response, v9 is flexible) and Fetch v4–12 (v12 is flexible, with
// last_fetched_epoch, the request's cluster_id tag and the response partition's diverging_epoch,
// current_leader and snapshot_id tags).
//
// Golden frames are written by hand, field by field, from Kafka's ProduceRequest/Response.json
// and FetchRequest/Response.json — not produced by the encoder under test. check_all_versions
// covers every version each codec supports; the classic versions also have their own tests in
// test_messages_b.cpp. Then: zero-copy records in v12, and hostile or truncated input aimed at
// what the flexible versions add (compact lengths, tagged fields).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "message_test_util.h"
#include "tern/common/wire.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/fetch.h"
#include "tern/kafka/messages/produce.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

namespace {

bool points_into(wire::bytes_view inner, const bytes& outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

// ================================ Produce ================================

const bytes kRecords = {0xaa, 0xbb, 0xcc};

// acks 1, timeout 1000, topic "t": partition 2 with records aa bb cc, partition 5 null.
produce_request sample_produce_request() {
  produce_request m;
  m.acks = 1;
  m.timeout_ms = 1000;
  m.topic_data = {{"t", {{2, view(kRecords)}, {5, std::nullopt}}}};
  return m;
}

// Produce request v0–2 (no transactional_id).
const bytes kProduceRequestV0 = {
    0x00, 0x01,              // acks: 1
    0x00, 0x00, 0x03, 0xe8,  // timeout_ms: 1000
    0x00, 0x00, 0x00, 0x01,  // topic_data: 1
    0x00, 0x01, 't',         //   name: "t"
    0x00, 0x00, 0x00, 0x02,  //   partition_data: 2
    0x00, 0x00, 0x00, 0x02,  //     index: 2
    0x00, 0x00, 0x00, 0x03,  //     records: 3 bytes
    0xaa, 0xbb, 0xcc,        //       (opaque to the codec)
    0x00, 0x00, 0x00, 0x05,  //     index: 5
    0xff, 0xff, 0xff, 0xff,  //     records: null
};
// Produce request v3–8: transactional_id first (v8 changes only the response).
const bytes kProduceRequestV3 = cat({{0xff, 0xff},  // transactional_id: null
                                     kProduceRequestV0});
// Produce request v9: compact strings, arrays and records; a tag section after each structure.
const bytes kProduceRequestV9 = {
    0x00,                    // transactional_id: compact null
    0x00, 0x01,              // acks: 1
    0x00, 0x00, 0x03, 0xe8,  // timeout_ms: 1000
    0x02,                    // topic_data: compact 1
    0x02, 't',               //   name: compact "t"
    0x03,                    //   partition_data: compact 2
    0x00, 0x00, 0x00, 0x02,  //     index: 2
    0x04, 0xaa, 0xbb, 0xcc,  //     records: compact 3 bytes
    0x00,                    //     tagged fields
    0x00, 0x00, 0x00, 0x05,  //     index: 5
    0x00,                    //     records: compact null
    0x00,                    //     tagged fields
    0x00,                    //   tagged fields
    0x00,                    // tagged fields
};

TEST(ProduceFlex, RequestGoldenEveryVersion) {
  const produce_request m = sample_produce_request();
  std::map<std::int16_t, bytes> golden;
  for (std::int16_t v = 0; v <= 2; ++v) golden[v] = kProduceRequestV0;
  for (std::int16_t v = 3; v <= 8; ++v) golden[v] = kProduceRequestV3;
  golden[9] = kProduceRequestV9;
  check_all_versions(m, golden);
}

TEST(ProduceFlex, RequestV9TransactionalIdAndZeroCopyRecords) {
  produce_request m = sample_produce_request();
  m.transactional_id = "tx";
  bytes with_id = kProduceRequestV9;
  with_id.erase(with_id.begin());
  with_id.insert(with_id.begin(), {0x03, 't', 'x'});  // transactional_id: compact "tx"
  check_codec(m, 9, with_id);

  produce_request got;
  ASSERT_TRUE(decode_all(got, with_id, 9));
  EXPECT_EQ(got.transactional_id, "tx");
  EXPECT_EQ(got.acks, 1);
  EXPECT_EQ(got.timeout_ms, 1000);
  ASSERT_EQ(got.topic_data.size(), 1u);
  ASSERT_EQ(got.topic_data[0].partition_data.size(), 2u);
  const auto& records = got.topic_data[0].partition_data[0].records;
  ASSERT_TRUE(records.has_value());
  EXPECT_EQ(flat(*records), kRecords);
  // The records are a view into the frame, as in the classic versions: storage gets them
  // without a copy.
  EXPECT_TRUE(points_into(*records, with_id));
  EXPECT_EQ(records->data(), with_id.data() + 3 + 2 + 4 + 1 + 2 + 1 + 4 + 1);
  EXPECT_FALSE(got.topic_data[0].partition_data[1].records.has_value());
}

// Partition 0 accepted at offset 42 (LogAppendTime), partition 1 refused with INVALID_TIMESTAMP,
// two record errors (one without a message) and an error message; throttle 25.
produce_response sample_produce_response() {
  produce_response m;
  produce_response::partition ok;
  ok.index = 0;
  ok.base_offset = 42;
  ok.log_append_time_ms = 1700000000000;
  ok.log_start_offset = 7;
  produce_response::partition refused;
  refused.index = 1;
  refused.error_code = kafka::wire(error_code::invalid_timestamp);
  refused.record_errors = {{0, "ts low"}, {2, std::nullopt}};
  refused.error_message = "bad ts";
  m.responses = {{"t", {ok, refused}}};
  m.throttle_time_ms = 25;
  return m;
}

const bytes kBaseOffset42 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a};
const bytes kAppendTime = {0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00};  // 1700000000000
const bytes kSeven64 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07};
const bytes kMinus1_64 = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const bytes kThrottle25 = {0x00, 0x00, 0x00, 0x19};

// Produce response, classic layouts: v0, then what v1 (throttle), v2 (log_append_time_ms),
// v5 (log_start_offset) and v8 (record_errors, error_message) add.
bytes produce_response_classic(std::int16_t v) {
  const bool v2 = v >= 2, v5 = v >= 5, v8 = v >= 8;
  return cat({
      {0x00, 0x00, 0x00, 0x01},         // responses: 1
      {0x00, 0x01, 't'},                //   name: "t"
      {0x00, 0x00, 0x00, 0x02},         //   partition_responses: 2
      {0x00, 0x00, 0x00, 0x00},         //     index: 0
      {0x00, 0x00},                     //     error_code: 0
      kBaseOffset42,                    //     base_offset: 42
      v2 ? kAppendTime : bytes{},       //     log_append_time_ms (v2+)
      v5 ? kSeven64 : bytes{},          //     log_start_offset: 7 (v5+)
      v8 ? bytes{0x00, 0x00, 0x00, 0x00} : bytes{},  // record_errors: 0 (v8+)
      v8 ? bytes{0xff, 0xff} : bytes{},              // error_message: null (v8+)
      {0x00, 0x00, 0x00, 0x01},         //     index: 1
      {0x00, 0x20},                     //     error_code: 32 INVALID_TIMESTAMP
      kMinus1_64,                       //     base_offset: -1
      v2 ? kMinus1_64 : bytes{},        //     log_append_time_ms: -1
      v5 ? kMinus1_64 : bytes{},        //     log_start_offset: -1
      v8 ? bytes{0x00, 0x00, 0x00, 0x02} : bytes{},  // record_errors: 2
      v8 ? bytes{0x00, 0x00, 0x00, 0x00} : bytes{},  //   batch_index: 0
      v8 ? bytes{0x00, 0x06, 't', 's', ' ', 'l', 'o', 'w'} : bytes{},  // message: "ts low"
      v8 ? bytes{0x00, 0x00, 0x00, 0x02} : bytes{},  //   batch_index: 2
      v8 ? bytes{0xff, 0xff} : bytes{},              //   message: null
      v8 ? bytes{0x00, 0x06, 'b', 'a', 'd', ' ', 't', 's'} : bytes{},  // error_message
      v >= 1 ? kThrottle25 : bytes{},   // throttle_time_ms: 25 (v1+)
  });
}

const bytes kProduceResponseV9 = cat({
    {0x02},                                    // responses: compact 1
    {0x02, 't'},                               //   name: compact "t"
    {0x03},                                    //   partition_responses: compact 2
    {0x00, 0x00, 0x00, 0x00},                  //     index: 0
    {0x00, 0x00},                              //     error_code: 0
    kBaseOffset42,                             //     base_offset: 42
    kAppendTime,                               //     log_append_time_ms
    kSeven64,                                  //     log_start_offset: 7
    {0x01},                                    //     record_errors: compact 0
    {0x00},                                    //     error_message: compact null
    {0x00},                                    //     tagged fields
    {0x00, 0x00, 0x00, 0x01},                  //     index: 1
    {0x00, 0x20},                              //     error_code: 32
    kMinus1_64,                                //     base_offset: -1
    kMinus1_64,                                //     log_append_time_ms: -1
    kMinus1_64,                                //     log_start_offset: -1
    {0x03},                                    //     record_errors: compact 2
    {0x00, 0x00, 0x00, 0x00},                  //       batch_index: 0
    {0x07, 't', 's', ' ', 'l', 'o', 'w'},      //       message: compact "ts low"
    {0x00},                                    //       tagged fields
    {0x00, 0x00, 0x00, 0x02},                  //       batch_index: 2
    {0x00},                                    //       message: compact null
    {0x00},                                    //       tagged fields
    {0x07, 'b', 'a', 'd', ' ', 't', 's'},      //     error_message: compact "bad ts"
    {0x00},                                    //     tagged fields
    {0x00},                                    //   tagged fields
    kThrottle25,                               // throttle_time_ms: 25
    {0x00},                                    // tagged fields
});

TEST(ProduceFlex, ResponseGoldenEveryVersion) {
  const produce_response m = sample_produce_response();
  std::map<std::int16_t, bytes> golden;
  for (std::int16_t v = 0; v <= 8; ++v) golden[v] = produce_response_classic(v);
  golden[9] = kProduceResponseV9;
  check_all_versions(m, golden);
}

TEST(ProduceFlex, ResponseRecordErrorsDecoded) {
  for (std::int16_t v : {8, 9}) {
    produce_response got;
    ASSERT_TRUE(decode_all(got, v == 9 ? kProduceResponseV9 : produce_response_classic(8), v)) << v;
    const auto& p = got.responses.at(0).partition_responses.at(1);
    EXPECT_EQ(p.error_code, 32);
    ASSERT_EQ(p.record_errors.size(), 2u);
    EXPECT_EQ(p.record_errors[0].batch_index, 0);
    EXPECT_EQ(p.record_errors[0].message, "ts low");
    EXPECT_EQ(p.record_errors[1].batch_index, 2);
    EXPECT_EQ(p.record_errors[1].message, std::nullopt);
    EXPECT_EQ(p.error_message, "bad ts");
    EXPECT_EQ(got.responses[0].partition_responses[0].error_message, std::nullopt);
    EXPECT_EQ(got.throttle_time_ms, 25);
  }
  // v7 carries neither: they are dropped on encode, left empty on decode.
  produce_response got;
  ASSERT_TRUE(decode_all(got, produce_response_classic(7), 7));
  EXPECT_TRUE(got.responses[0].partition_responses[1].record_errors.empty());
  EXPECT_EQ(got.responses[0].partition_responses[1].error_message, std::nullopt);
}

// Unknown tags (v10's CurrentLeader, NodeEndpoints, anything newer) are skipped, wherever they
// are.
TEST(ProduceFlex, V9UnknownTagsAreSkipped) {
  // The request with a 2-byte tag 5 in the partition and a 1-byte tag 0 at the top.
  bytes req = kProduceRequestV9;
  const std::size_t partition_tags_at = 1 + 2 + 4 + 1 + 2 + 1 + 4 + 4;
  ASSERT_EQ(req[partition_tags_at], 0x00);
  req[partition_tags_at] = 0x01;  // one tagged field:
  req.insert(req.begin() + partition_tags_at + 1, {0x05, 0x02, 0xde, 0xad});  // tag 5, 2 bytes
  req.back() = 0x01;
  req.insert(req.end(), {0x00, 0x01, 0x7f});  // tag 0, 1 byte
  produce_request got;
  ASSERT_TRUE(decode_all(got, req, 9));
  EXPECT_EQ(encode(got, 9), kProduceRequestV9);  // known fields intact; tags not kept
  EXPECT_EQ(flat(got.topic_data.at(0).partition_data.at(0).records), kRecords);

  // The response with v10's CurrentLeader (tag 0: leader 1, epoch 2, no tags) in partition 0.
  bytes resp = kProduceResponseV9;
  const std::size_t p0_tags_at = 1 + 2 + 1 + 4 + 2 + 8 + 8 + 8 + 1 + 1;
  ASSERT_EQ(resp[p0_tags_at], 0x00);
  resp[p0_tags_at] = 0x01;
  resp.insert(resp.begin() + p0_tags_at + 1,
              {0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00});
  produce_response got_resp;
  ASSERT_TRUE(decode_all(got_resp, resp, 9));
  EXPECT_EQ(encode(got_resp, 9), kProduceResponseV9);
}

TEST(ProduceFlex, HostileAndTruncatedInputFails) {
  check_rejects_out_of_range_versions<produce_request>();
  check_rejects_out_of_range_versions<produce_response>();
  const bytes head = {0x00, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8};  // txn null, acks, timeout
  const bytes partition_head = {0x02, 0x02, 't', 0x02, 0x00, 0x00, 0x00, 0x02};  // "t" [index 2]
  // A records length (uvarint length+1) larger than the frame: 2^28 bytes announced, 3 present.
  EXPECT_FALSE(decodes<produce_request>(
      cat({head, partition_head, {0x81, 0x80, 0x80, 0x80, 0x01}, kRecords, {0, 0, 0}}), 9));
  // ... and one byte more than present.
  EXPECT_FALSE(decodes<produce_request>(cat({head, partition_head, {0x05}, kRecords}), 9));
  // A records length that overflows 64 bits as a uvarint.
  EXPECT_FALSE(decodes<produce_request>(cat({head, partition_head, bytes(10, 0xff), {0x7f}, padding}), 9));
  // Compact counts far beyond the input: topic_data, partition_data.
  EXPECT_FALSE(decodes<produce_request>(cat({head, {0xff, 0xff, 0xff, 0xff, 0x07}, padding}), 9));
  EXPECT_FALSE(decodes<produce_request>(
      cat({head, {0x02, 0x02, 't', 0xff, 0xff, 0xff, 0xff, 0x07}, padding}), 9));
  // A tagged field whose size is far larger than the frame, at the top and in a partition.
  bytes huge_tag = kProduceRequestV9;
  huge_tag.back() = 0x01;
  huge_tag.insert(huge_tag.end(), {0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00});
  EXPECT_FALSE(decodes<produce_request>(huge_tag, 9));
  huge_tag = kProduceRequestV9;
  huge_tag[1 + 2 + 4 + 1 + 2 + 1 + 4 + 4] = 0x01;
  huge_tag.insert(huge_tag.begin() + 1 + 2 + 4 + 1 + 2 + 1 + 4 + 4 + 1, {0x01, 0xfe, 0xff, 0x03});
  EXPECT_FALSE(decodes<produce_request>(huge_tag, 9));
  // A tagged-field count far larger than the fields that follow.
  bytes many_tags = kProduceRequestV9;
  many_tags.back() = 0xff;
  many_tags.insert(many_tags.end(), {0xff, 0xff, 0xff, 0x0f, 0x00, 0x00});
  EXPECT_FALSE(decodes<produce_request>(many_tags, 9));
  sweep_hostile_counts<produce_request>(kProduceRequestV9, 9);

  // Response: record_errors count and error_message length beyond the frame, v8 and v9.
  const bytes v8_partition = cat({{0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 1, 0, 0x20},
                                  kMinus1_64, kMinus1_64, kMinus1_64});
  EXPECT_FALSE(decodes<produce_response>(cat({v8_partition, hostile_count, padding}), 8));
  EXPECT_FALSE(decodes<produce_response>(cat({v8_partition, {0, 0, 0, 0, 0x7f, 0xff}, padding}), 8));
  const bytes v9_partition = cat({{0x02, 0x02, 't', 0x02, 0, 0, 0, 1, 0, 0x20},
                                  kMinus1_64, kMinus1_64, kMinus1_64});
  EXPECT_FALSE(decodes<produce_response>(cat({v9_partition, {0xff, 0xff, 0xff, 0xff, 0x07}, padding}), 9));
  EXPECT_FALSE(decodes<produce_response>(cat({v9_partition, {0x01, 0xff, 0xff, 0x03}, padding}), 9));
  // A null record_errors array is not allowed.
  EXPECT_FALSE(decodes<produce_response>(cat({v8_partition, null32, {0xff, 0xff}, kThrottle25}), 8));
  EXPECT_FALSE(decodes<produce_response>(cat({v9_partition, {0x00, 0x00, 0x00, 0x00}, kThrottle25, {0}}), 9));
  sweep_hostile_counts<produce_response>(kProduceResponseV9, 9);
  sweep_hostile_counts<produce_response>(produce_response_classic(8), 8);
}

// ================================ Fetch ================================

// replica_id -1, max_wait_ms 500, min_bytes 1, max_bytes 1 MiB, isolation_level 1, session 5
// epoch 2, topic "t" partition 0 (current_leader_epoch 3, fetch_offset 100, last_fetched_epoch
// 6, log_start_offset 7, max 64 KiB), forgotten "f" [1, 2], rack "r1", cluster_id "c".
// Fetch v13 names topics by their 16-byte id where v12 has the compact name (FetchRequest.json
// and FetchResponse.json: Topic/TopicId): its goldens are the v12 ones with each name swapped.
const std::array<std::uint8_t, 16> kTopicIdT = {0x74, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
const std::array<std::uint8_t, 16> kTopicIdF = {0x66, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

bytes with_topic_id(bytes frame, const bytes& compact_name, const std::array<std::uint8_t, 16>& id) {
  auto at = std::search(frame.begin(), frame.end(), compact_name.begin(), compact_name.end());
  EXPECT_NE(at, frame.end());
  if (at == frame.end()) return frame;
  at = frame.erase(at, at + static_cast<std::ptrdiff_t>(compact_name.size()));
  frame.insert(at, id.begin(), id.end());
  return frame;
}

fetch_request sample_fetch_request() {
  fetch_request m;
  m.replica_id = -1;
  m.max_wait_ms = 500;
  m.min_bytes = 1;
  m.max_bytes = 1 << 20;
  m.isolation_level = 1;
  m.session_id = 5;
  m.session_epoch = 2;
  fetch_request::partition p;
  p.partition = 0;
  p.current_leader_epoch = 3;
  p.fetch_offset = 100;
  p.last_fetched_epoch = 6;
  p.log_start_offset = 7;
  p.partition_max_bytes = 1 << 16;
  m.topics = {{"t", {p}}};
  m.forgotten_topics_data = {{"f", {1, 2}}};
  m.topics[0].topic_id = kTopicIdT;                 // what v13 sends instead of "t"
  m.forgotten_topics_data[0].topic_id = kTopicIdF;  // and instead of "f"
  m.rack_id = "r1";
  m.cluster_id = "c";
  return m;
}

const bytes kFetchOffset100 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64};

// Fetch request, classic layouts: v4, then what v5 (log_start_offset), v7 (session, forgotten
// topics), v9 (current_leader_epoch) and v11 (rack_id) add.
bytes fetch_request_classic(std::int16_t v) {
  const bool v7 = v >= 7;
  return cat({
      {0xff, 0xff, 0xff, 0xff},                          // replica_id: -1
      {0x00, 0x00, 0x01, 0xf4},                          // max_wait_ms: 500
      {0x00, 0x00, 0x00, 0x01},                          // min_bytes: 1
      {0x00, 0x10, 0x00, 0x00},                          // max_bytes: 1 MiB
      {0x01},                                            // isolation_level: read_committed
      v7 ? bytes{0x00, 0x00, 0x00, 0x05} : bytes{},      // session_id: 5 (v7+)
      v7 ? bytes{0x00, 0x00, 0x00, 0x02} : bytes{},      // session_epoch: 2 (v7+)
      {0x00, 0x00, 0x00, 0x01},                          // topics: 1
      {0x00, 0x01, 't'},                                 //   topic: "t"
      {0x00, 0x00, 0x00, 0x01},                          //   partitions: 1
      {0x00, 0x00, 0x00, 0x00},                          //     partition: 0
      v >= 9 ? bytes{0x00, 0x00, 0x00, 0x03} : bytes{},  //     current_leader_epoch: 3 (v9+)
      kFetchOffset100,                                   //     fetch_offset: 100
      v >= 5 ? kSeven64 : bytes{},                       //     log_start_offset: 7 (v5+)
      {0x00, 0x01, 0x00, 0x00},                          //     partition_max_bytes: 64 KiB
      v7 ? bytes{0x00, 0x00, 0x00, 0x01} : bytes{},      // forgotten_topics_data: 1 (v7+)
      v7 ? bytes{0x00, 0x01, 'f'} : bytes{},             //   topic: "f"
      v7 ? bytes{0x00, 0x00, 0x00, 0x02} : bytes{},      //   partitions: 2
      v7 ? bytes{0x00, 0x00, 0x00, 0x01} : bytes{},      //     1
      v7 ? bytes{0x00, 0x00, 0x00, 0x02} : bytes{},      //     2
      v >= 11 ? bytes{0x00, 0x02, 'r', '1'} : bytes{},   // rack_id: "r1" (v11+)
  });
}

const bytes kFetchRequestV12 = cat({
    {0xff, 0xff, 0xff, 0xff},  // replica_id: -1
    {0x00, 0x00, 0x01, 0xf4},  // max_wait_ms: 500
    {0x00, 0x00, 0x00, 0x01},  // min_bytes: 1
    {0x00, 0x10, 0x00, 0x00},  // max_bytes: 1 MiB
    {0x01},                    // isolation_level: read_committed
    {0x00, 0x00, 0x00, 0x05},  // session_id: 5
    {0x00, 0x00, 0x00, 0x02},  // session_epoch: 2
    {0x02},                    // topics: compact 1
    {0x02, 't'},               //   topic: compact "t"
    {0x02},                    //   partitions: compact 1
    {0x00, 0x00, 0x00, 0x00},  //     partition: 0
    {0x00, 0x00, 0x00, 0x03},  //     current_leader_epoch: 3
    kFetchOffset100,           //     fetch_offset: 100
    {0x00, 0x00, 0x00, 0x06},  //     last_fetched_epoch: 6 (v12+)
    kSeven64,                  //     log_start_offset: 7
    {0x00, 0x01, 0x00, 0x00},  //     partition_max_bytes: 64 KiB
    {0x00},                    //     tagged fields
    {0x00},                    //   tagged fields
    {0x02},                    // forgotten_topics_data: compact 1
    {0x02, 'f'},               //   topic: compact "f"
    {0x03},                    //   partitions: compact 2
    {0x00, 0x00, 0x00, 0x01},  //     1
    {0x00, 0x00, 0x00, 0x02},  //     2
    {0x00},                    //   tagged fields
    {0x03, 'r', '1'},          // rack_id: compact "r1"
    {0x01},                    // tagged fields: 1
    {0x00, 0x02},              //   tag 0 (cluster_id), 2 bytes:
    {0x02, 'c'},               //     compact nullable "c"
});

TEST(FetchFlex, RequestGoldenEveryVersion) {
  const fetch_request m = sample_fetch_request();
  std::map<std::int16_t, bytes> golden;
  for (std::int16_t v = 4; v <= 11; ++v) golden[v] = fetch_request_classic(v);
  golden[12] = kFetchRequestV12;
  golden[13] = with_topic_id(with_topic_id(kFetchRequestV12, {0x02, 't'}, kTopicIdT), {0x02, 'f'}, kTopicIdF);
  check_all_versions(m, golden);
  // v13 carries no names: decoded topics have only their ids.
  fetch_request got;
  ASSERT_TRUE(decode_all(got, golden[13], 13));
  EXPECT_EQ(got.topics.at(0).topic, "");
  EXPECT_EQ(got.topics.at(0).topic_id, kTopicIdT);
  EXPECT_EQ(got.forgotten_topics_data.at(0).topic_id, kTopicIdF);
}

TEST(FetchFlex, RequestV12FieldsDecoded) {
  fetch_request got;
  ASSERT_TRUE(decode_all(got, kFetchRequestV12, 12));
  ASSERT_EQ(got.topics.size(), 1u);
  ASSERT_EQ(got.topics[0].partitions.size(), 1u);
  const auto& p = got.topics[0].partitions[0];
  EXPECT_EQ(p.current_leader_epoch, 3);
  EXPECT_EQ(p.fetch_offset, 100);
  EXPECT_EQ(p.last_fetched_epoch, 6);
  EXPECT_EQ(p.log_start_offset, 7);
  EXPECT_EQ(p.partition_max_bytes, 1 << 16);
  EXPECT_EQ(got.rack_id, "r1");
  EXPECT_EQ(got.cluster_id, "c");
  ASSERT_EQ(got.forgotten_topics_data.size(), 1u);
  EXPECT_EQ(got.forgotten_topics_data[0].partitions, (std::vector<std::int32_t>{1, 2}));
  // Older versions have neither last_fetched_epoch nor cluster_id: defaults after decode.
  fetch_request old;
  ASSERT_TRUE(decode_all(old, fetch_request_classic(11), 11));
  EXPECT_EQ(old.topics.at(0).partitions.at(0).last_fetched_epoch, -1);
  EXPECT_EQ(old.cluster_id, std::nullopt);
  // Without cluster_id the request's tag section is empty.
  fetch_request no_cluster = sample_fetch_request();
  no_cluster.cluster_id.reset();
  bytes golden = kFetchRequestV12;
  golden.resize(golden.size() - 5);
  golden.push_back(0x00);  // tagged fields: none
  check_codec(no_cluster, 12, golden);
}

// throttle 1, [error 0, session 5], topic "t":
//   partition 0: error 0, hw 10, lso 9, [log_start 2], aborted [(9, 4)], [replica 1], records
//                aa bb cc (given as two spans, aa | bb cc); v12 tags: diverging_epoch (3, 8),
//                current_leader (1, 4), snapshot_id (6, 2);
//   partition 1: error 1, hw -1, lso -1, [log_start -1], aborted null, [replica -1], records null,
//                no tags.
const bytes kSpanA = {0xaa};
const bytes kSpanBC = {0xbb, 0xcc};

fetch_response sample_fetch_response() {
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
  p0.record_batches = {view(kSpanA), view(kSpanBC)};
  p0.diverging_epoch = fetch_response::epoch_end_offset{3, 8};
  p0.current_leader = fetch_response::leader_id_and_epoch{1, 4};
  p0.snapshot_id = fetch_response::snapshot_ref{6, 2};
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
  m.responses[0].topic_id = kTopicIdT;  // what v13 sends instead of "t"
  return m;
}

const bytes kTen64 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a};
const bytes kNine64 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09};
const bytes kTwo64 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02};
const bytes kFour64 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04};

// Fetch response, classic layouts: v4, then what v5 (log_start_offset), v7 (error_code,
// session_id) and v11 (preferred_read_replica) add.
bytes fetch_response_classic(std::int16_t v) {
  const bool v5 = v >= 5, v7 = v >= 7, v11 = v >= 11;
  return cat({
      {0x00, 0x00, 0x00, 0x01},                      // throttle_time_ms: 1
      v7 ? bytes{0x00, 0x00} : bytes{},              // error_code: 0 (v7+)
      v7 ? bytes{0x00, 0x00, 0x00, 0x05} : bytes{},  // session_id: 5 (v7+)
      {0x00, 0x00, 0x00, 0x01},                      // responses: 1
      {0x00, 0x01, 't'},                             //   topic: "t"
      {0x00, 0x00, 0x00, 0x02},                      //   partitions: 2
      {0x00, 0x00, 0x00, 0x00},                      //     partition_index: 0
      {0x00, 0x00},                                  //     error_code: 0
      kTen64,                                        //     high_watermark: 10
      kNine64,                                       //     last_stable_offset: 9
      v5 ? kTwo64 : bytes{},                         //     log_start_offset: 2 (v5+)
      {0x00, 0x00, 0x00, 0x01},                      //     aborted_transactions: 1
      kNine64,                                       //       producer_id: 9
      kFour64,                                       //       first_offset: 4
      v11 ? bytes{0x00, 0x00, 0x00, 0x01} : bytes{}, //     preferred_read_replica: 1 (v11+)
      {0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc},    //     records: 3 bytes
      {0x00, 0x00, 0x00, 0x01},                      //     partition_index: 1
      {0x00, 0x01},                                  //     error_code: 1
      kMinus1_64,                                    //     high_watermark: -1
      kMinus1_64,                                    //     last_stable_offset: -1
      v5 ? kMinus1_64 : bytes{},                     //     log_start_offset: -1
      {0xff, 0xff, 0xff, 0xff},                      //     aborted_transactions: null
      v11 ? bytes{0xff, 0xff, 0xff, 0xff} : bytes{}, //     preferred_read_replica: -1
      {0xff, 0xff, 0xff, 0xff},                      //     records: null
  });
}

// Where partition 0's records length sits in kFetchResponseV12, and its tag section.
constexpr std::size_t kV12RecordsAt = 4 + 2 + 4 + 1 + 2 + 1 + 4 + 2 + 8 + 8 + 8 + 1 + 16 + 1 + 4;
constexpr std::size_t kV12P0TagsAt = kV12RecordsAt + 4;

const bytes kFetchResponseV12 = cat({
    {0x00, 0x00, 0x00, 0x01},              // throttle_time_ms: 1
    {0x00, 0x00},                          // error_code: 0
    {0x00, 0x00, 0x00, 0x05},              // session_id: 5
    {0x02},                                // responses: compact 1
    {0x02, 't'},                           //   topic: compact "t"
    {0x03},                                //   partitions: compact 2
    {0x00, 0x00, 0x00, 0x00},              //     partition_index: 0
    {0x00, 0x00},                          //     error_code: 0
    kTen64,                                //     high_watermark: 10
    kNine64,                               //     last_stable_offset: 9
    kTwo64,                                //     log_start_offset: 2
    {0x02},                                //     aborted_transactions: compact 1
    kNine64,                               //       producer_id: 9
    kFour64,                               //       first_offset: 4
    {0x00},                                //       tagged fields
    {0x00, 0x00, 0x00, 0x01},              //     preferred_read_replica: 1
    {0x04, 0xaa, 0xbb, 0xcc},              //     records: compact 3 bytes
    {0x03},                                //     tagged fields: 3
    {0x00, 0x0d},                          //       tag 0 diverging_epoch, 13 bytes:
    {0x00, 0x00, 0x00, 0x03},              //         epoch: 3
    {0, 0, 0, 0, 0, 0, 0, 0x08},           //         end_offset: 8
    {0x00},                                //         tagged fields
    {0x01, 0x09},                          //       tag 1 current_leader, 9 bytes:
    {0x00, 0x00, 0x00, 0x01},              //         leader_id: 1
    {0x00, 0x00, 0x00, 0x04},              //         leader_epoch: 4
    {0x00},                                //         tagged fields
    {0x02, 0x0d},                          //       tag 2 snapshot_id, 13 bytes:
    {0, 0, 0, 0, 0, 0, 0, 0x06},           //         end_offset: 6
    {0x00, 0x00, 0x00, 0x02},              //         epoch: 2
    {0x00},                                //         tagged fields
    {0x00, 0x00, 0x00, 0x01},              //     partition_index: 1
    {0x00, 0x01},                          //     error_code: 1
    kMinus1_64,                            //     high_watermark: -1
    kMinus1_64,                            //     last_stable_offset: -1
    kMinus1_64,                            //     log_start_offset: -1
    {0x00},                                //     aborted_transactions: compact null
    {0xff, 0xff, 0xff, 0xff},              //     preferred_read_replica: -1
    {0x00},                                //     records: compact null
    {0x00},                                //     tagged fields
    {0x00},                                //   tagged fields
    {0x00},                                // tagged fields
});

TEST(FetchFlex, ResponseGoldenEveryVersion) {
  const fetch_response m = sample_fetch_response();
  std::map<std::int16_t, bytes> golden;
  for (std::int16_t v = 4; v <= 11; ++v) golden[v] = fetch_response_classic(v);
  golden[12] = kFetchResponseV12;
  golden[13] = with_topic_id(kFetchResponseV12, {0x02, 't'}, kTopicIdT);
  check_all_versions(m, golden);
}

TEST(FetchFlex, ResponseV12TagsDecoded) {
  ASSERT_EQ(kFetchResponseV12[kV12RecordsAt], 0x04);
  ASSERT_EQ(kFetchResponseV12[kV12P0TagsAt], 0x03);
  fetch_response got;
  ASSERT_TRUE(decode_all(got, kFetchResponseV12, 12));
  const auto& p0 = got.responses.at(0).partitions.at(0);
  ASSERT_TRUE(p0.diverging_epoch.has_value());
  EXPECT_EQ(p0.diverging_epoch->epoch, 3);
  EXPECT_EQ(p0.diverging_epoch->end_offset, 8);
  ASSERT_TRUE(p0.current_leader.has_value());
  EXPECT_EQ(p0.current_leader->leader_id, 1);
  EXPECT_EQ(p0.current_leader->leader_epoch, 4);
  ASSERT_TRUE(p0.snapshot_id.has_value());
  EXPECT_EQ(p0.snapshot_id->end_offset, 6);
  EXPECT_EQ(p0.snapshot_id->epoch, 2);
  ASSERT_EQ(p0.record_batches.size(), 1u);  // one view of the whole blob, into the frame
  EXPECT_EQ(flat(p0.record_batches), (bytes{0xaa, 0xbb, 0xcc}));
  EXPECT_TRUE(points_into(p0.record_batches[0], kFetchResponseV12));
  const auto& p1 = got.responses[0].partitions.at(1);
  EXPECT_TRUE(p1.records_null);
  EXPECT_FALSE(p1.diverging_epoch || p1.current_leader || p1.snapshot_id);
  EXPECT_FALSE(p1.aborted_transactions.has_value());

  // Only the tags that are set are written; with none, the section is one zero byte.
  fetch_response plain = sample_fetch_response();
  plain.responses[0].partitions[0].diverging_epoch.reset();
  plain.responses[0].partitions[0].snapshot_id.reset();
  bytes only_leader(kFetchResponseV12.begin(), kFetchResponseV12.begin() + kV12P0TagsAt);
  only_leader = cat({only_leader, {0x01, 0x01, 0x09, 0, 0, 0, 1, 0, 0, 0, 4, 0},
                     bytes(kFetchResponseV12.begin() + kV12P0TagsAt + 1 + 15 + 11 + 15,
                           kFetchResponseV12.end())});
  check_codec(plain, 12, only_leader);
}

// The v12 records blob goes out as external segments, never copied, after a compact length
// computed from the spans' sizes; the frame equals one that copies them in.
TEST(FetchFlex, V12RecordsAreZeroCopySegments) {
  // 200 bytes of records: the compact length (201) takes two uvarint bytes.
  const bytes a(120, 0x11);
  const bytes b(80, 0x22);
  fetch_response m;
  m.session_id = 9;
  fetch_response::partition p;
  p.partition_index = 4;
  p.high_watermark = 5;
  p.last_stable_offset = 5;
  p.log_start_offset = 0;
  p.record_batches = {view(a), view(b)};
  m.responses = {{"orders", {p}}};

  wire::wire_writer w;
  m.encode(w, 12);
  std::size_t externals = 0;
  bool saw_a = false, saw_b = false;
  for (auto seg : w.segments()) {
    if (seg.data() == a.data() && seg.size() == a.size()) saw_a = true;
    if (seg.data() == b.data() && seg.size() == b.size()) saw_b = true;
    if (points_into(seg, a) || points_into(seg, b)) ++externals;
  }
  EXPECT_TRUE(saw_a && saw_b);
  EXPECT_EQ(externals, 2u);
  EXPECT_EQ(w.owned_size() + a.size() + b.size(), w.size());  // the batches were not copied

  const bytes expected = cat({
      {0x00, 0x00, 0x00, 0x00},                          // throttle_time_ms: 0
      {0x00, 0x00},                                      // error_code: 0
      {0x00, 0x00, 0x00, 0x09},                          // session_id: 9
      {0x02},                                            // responses: compact 1
      {0x07, 'o', 'r', 'd', 'e', 'r', 's'},              //   topic: compact "orders"
      {0x02},                                            //   partitions: compact 1
      {0x00, 0x00, 0x00, 0x04},                          //     partition_index: 4
      {0x00, 0x00},                                      //     error_code: 0
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05},  //     high_watermark: 5
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05},  //     last_stable_offset: 5
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  //     log_start_offset: 0
      {0x01},                                            //     aborted_transactions: compact 0
      {0xff, 0xff, 0xff, 0xff},                          //     preferred_read_replica: -1
      {0xc9, 0x01},                                      //     records: uvarint 201 = 200 bytes
      a, b,                                              //       (the two spans)
      {0x00},                                            //     tagged fields
      {0x00},                                            //   tagged fields
      {0x00},                                            // tagged fields
  });
  EXPECT_EQ(w.contiguous(), expected);

  // Decoding gives one view of both spans, into the frame.
  fetch_response got;
  ASSERT_TRUE(decode_all(got, expected, 12));
  ASSERT_EQ(got.responses.at(0).partitions.at(0).record_batches.size(), 1u);
  EXPECT_EQ(flat(got.responses[0].partitions[0].record_batches), cat({a, b}));
  EXPECT_TRUE(points_into(got.responses[0].partitions[0].record_batches[0], expected));

  // Empty but non-null records: the compact length 1.
  p.record_batches.clear();
  m.responses = {{"orders", {p}}};
  const bytes empty = encode(m, 12);
  ASSERT_EQ(empty.size(), expected.size() - 200 - 1);
  EXPECT_EQ(empty[empty.size() - 4], 0x01);
  fetch_response got_empty;
  ASSERT_TRUE(decode_all(got_empty, empty, 12));
  EXPECT_FALSE(got_empty.responses[0].partitions[0].records_null);
  EXPECT_TRUE(got_empty.responses[0].partitions[0].record_batches.empty());
}

TEST(FetchFlex, V12UnknownTagsAreSkipped) {
  // An unknown tag 7 (3 bytes) in partition 1's section, and v16's NodeEndpoints-like tag 0 at
  // the top: skipped, everything else intact.
  bytes resp = kFetchResponseV12;
  const std::size_t p1_tags_at = resp.size() - 3;
  ASSERT_EQ(resp[p1_tags_at], 0x00);
  resp[p1_tags_at] = 0x01;
  resp.insert(resp.begin() + p1_tags_at + 1, {0x07, 0x03, 0x01, 0x02, 0x03});
  resp.back() = 0x01;
  resp.insert(resp.end(), {0x00, 0x01, 0x01});
  fetch_response got;
  ASSERT_TRUE(decode_all(got, resp, 12));
  EXPECT_EQ(encode(got, 12), kFetchResponseV12);

  // The request: an unknown tag 1 (v15's ReplicaState) after cluster_id.
  bytes req = kFetchRequestV12;
  req[req.size() - 5] = 0x02;
  req.insert(req.end(), {0x01, 0x02, 0xab, 0xcd});
  fetch_request got_req;
  ASSERT_TRUE(decode_all(got_req, req, 12));
  EXPECT_EQ(got_req.cluster_id, "c");
  EXPECT_EQ(encode(got_req, 12), kFetchRequestV12);
}

TEST(FetchFlex, V12HostileAndTruncatedInputFails) {
  check_rejects_out_of_range_versions<fetch_request>();
  check_rejects_out_of_range_versions<fetch_response>();
  const auto fails = [](const bytes& b) { return !decodes<fetch_response>(b, 12); };
  const bytes head(kFetchResponseV12.begin(), kFetchResponseV12.begin() + kV12RecordsAt);
  const bytes after_records(kFetchResponseV12.begin() + kV12P0TagsAt, kFetchResponseV12.end());

  // A records length larger than the frame (2^28 announced), and one byte too many.
  EXPECT_TRUE(fails(cat({head, {0x81, 0x80, 0x80, 0x80, 0x01}, {0xaa, 0xbb, 0xcc}, after_records})));
  EXPECT_TRUE(fails(cat({head, {0xff, 0xff, 0xff, 0xff, 0x0f}, padding})));
  bytes one_more = kFetchResponseV12;
  one_more.resize(kV12P0TagsAt);
  one_more[kV12RecordsAt] = 0x05;
  EXPECT_TRUE(fails(one_more));
  // A records length that overflows 64 bits as a uvarint.
  EXPECT_TRUE(fails(cat({head, bytes(10, 0xff), {0x7f}, padding})));

  // Partition 0's tag section, rewritten: tag 0 with a size far beyond the frame; a size that
  // ends before the struct's fields do; a size that leaves bytes after the struct; a nested tag
  // section that runs past the field; a field count far larger than what follows.
  const bytes records = {0x04, 0xaa, 0xbb, 0xcc};
  const bytes p1_and_rest(kFetchResponseV12.begin() + kV12P0TagsAt + 1 + 15 + 11 + 15,
                          kFetchResponseV12.end());
  const auto with_tags = [&](const bytes& tags) { return cat({head, records, tags, p1_and_rest}); };
  EXPECT_FALSE(fails(with_tags({0x00})));  // the frame is fine without tags
  EXPECT_TRUE(fails(with_tags({0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f})));
  EXPECT_TRUE(fails(with_tags({0x01, 0x00, 0x0c, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 8})));
  EXPECT_TRUE(fails(with_tags({0x01, 0x00, 0x0e, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0x99})));
  EXPECT_TRUE(fails(with_tags({0x01, 0x01, 0x09, 0, 0, 0, 1, 0, 0, 0, 4, 0x01})));
  EXPECT_TRUE(fails(with_tags({0x01, 0x01, 0x0a, 0, 0, 0, 1, 0, 0, 0, 4, 0x01, 0x05})));
  EXPECT_TRUE(fails(with_tags({0xff, 0xff, 0xff, 0xff, 0x0f, 0x09, 0x00})));
  // A well-formed tag whose tag number does not fit a uvarint.
  EXPECT_TRUE(fails(with_tags(cat({{0x01}, bytes(10, 0xff), {0x7f, 0x00}}))));

  // Compact counts beyond the input: responses, partitions, aborted transactions.
  EXPECT_TRUE(fails(cat({{0, 0, 0, 1, 0, 0, 0, 0, 0, 5}, {0xff, 0xff, 0xff, 0xff, 0x07}, padding})));
  EXPECT_TRUE(fails(cat({{0, 0, 0, 1, 0, 0, 0, 0, 0, 5, 0x02, 0x02, 't'},
                         {0xff, 0xff, 0xff, 0xff, 0x07}, padding})));
  const bytes before_aborted(kFetchResponseV12.begin(), kFetchResponseV12.begin() + 4 + 2 + 4 + 1 + 2 + 1 + 4 + 2 + 24);
  EXPECT_TRUE(fails(cat({before_aborted, {0xff, 0xff, 0xff, 0xff, 0x07}, padding})));
  sweep_hostile_counts<fetch_response>(kFetchResponseV12, 12);

  // Request: counts beyond the input, a cluster_id whose length runs past its tag, a tag size
  // past the frame, a truncated last_fetched_epoch.
  const auto req_fails = [](const bytes& b) { return !decodes<fetch_request>(b, 12); };
  const bytes req_head(kFetchRequestV12.begin(), kFetchRequestV12.begin() + 25);
  EXPECT_TRUE(req_fails(cat({req_head, {0xff, 0xff, 0xff, 0xff, 0x07}, padding})));
  EXPECT_TRUE(req_fails(cat({req_head, {0x02, 0x02, 't', 0xff, 0xff, 0xff, 0xff, 0x07}, padding})));
  bytes bad = kFetchRequestV12;
  bad[bad.size() - 2] = 0x05;  // cluster_id says 4 bytes inside a 2-byte tag
  EXPECT_TRUE(req_fails(bad));
  bad = kFetchRequestV12;
  bad[bad.size() - 3] = 0x7f;  // the tag says 127 bytes, 2 follow
  EXPECT_TRUE(req_fails(bad));
  EXPECT_TRUE(req_fails(bytes(kFetchRequestV12.begin(), kFetchRequestV12.begin() + 25 + 4 + 4 + 4 + 8 + 2)));
  sweep_hostile_counts<fetch_request>(kFetchRequestV12, 12);
}

}  // namespace
