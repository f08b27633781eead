// Codec tests for the messages replication needs: OffsetForLeaderEpoch (api key 23), versions
// 0–4, and Metadata's v7 (partitions[].leader_epoch) and v8 (authorized operations).
//
// Golden bytes are written by hand, field by field, from Kafka's OffsetForLeaderEpochRequest.json /
// OffsetForLeaderEpochResponse.json / MetadataRequest.json / MetadataResponse.json — never
// produced by the encoder under test.
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <vector>

#include "message_test_util.h"
#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"
#include "tern/kafka/messages/metadata.h"
#include "tern/kafka/messages/offset_for_leader_epoch.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

namespace {

offset_for_leader_epoch_request sample_epoch_request() {
  offset_for_leader_epoch_request m;
  m.replica_id = 2;
  m.topics = {{"t", {{3, 5, 4}}}};
  return m;
}

offset_for_leader_epoch_response sample_epoch_response() {
  offset_for_leader_epoch_response m;
  m.throttle_time_ms = 7;
  m.topics = {{"t", {{74, 3, 4, 0x0102030405060708}}}};
  return m;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// OffsetForLeaderEpoch

TEST(OffsetForLeaderEpoch, ApiKeyIs23) {
  EXPECT_EQ(static_cast<std::int16_t>(api_key::offset_for_leader_epoch), 23);
  EXPECT_EQ(offset_for_leader_epoch_request::key, api_key::offset_for_leader_epoch);
  EXPECT_EQ(offset_for_leader_epoch_response::key, api_key::offset_for_leader_epoch);
}

TEST(OffsetForLeaderEpoch, RequestGoldenEveryVersion) {
  const bytes v0 = {
      0x00, 0x00, 0x00, 0x01,  // topics: 1 element
      0x00, 0x01, 't',         //   topic "t"
      0x00, 0x00, 0x00, 0x01,  //   partitions: 1 element
      0x00, 0x00, 0x00, 0x03,  //     partition 3
      0x00, 0x00, 0x00, 0x04,  //     leader_epoch 4
  };
  const bytes v2 = {
      0x00, 0x00, 0x00, 0x01,  // topics: 1 element
      0x00, 0x01, 't',         //   topic "t"
      0x00, 0x00, 0x00, 0x01,  //   partitions: 1 element
      0x00, 0x00, 0x00, 0x03,  //     partition 3
      0x00, 0x00, 0x00, 0x05,  //     current_leader_epoch 5
      0x00, 0x00, 0x00, 0x04,  //     leader_epoch 4
  };
  const bytes v3 = cat({{0x00, 0x00, 0x00, 0x02}, v2});  // replica_id 2 first
  const bytes v4 = {
      0x00, 0x00, 0x00, 0x02,  // replica_id 2
      0x02,                    // topics: compact count 1+1
      0x02, 't',               //   topic "t" (compact length 1+1)
      0x02,                    //   partitions: compact count 1+1
      0x00, 0x00, 0x00, 0x03,  //     partition 3
      0x00, 0x00, 0x00, 0x05,  //     current_leader_epoch 5
      0x00, 0x00, 0x00, 0x04,  //     leader_epoch 4
      0x00,                    //     tagged fields (partition)
      0x00,                    //   tagged fields (topic)
      0x00,                    // tagged fields (request)
  };
  check_all_versions(sample_epoch_request(), {{0, v0}, {1, v0}, {2, v2}, {3, v3}, {4, v4}});
}

TEST(OffsetForLeaderEpoch, ResponseGoldenEveryVersion) {
  const bytes head = {
      0x00, 0x00, 0x00, 0x01,  // topics: 1 element
      0x00, 0x01, 't',         //   topic "t"
      0x00, 0x00, 0x00, 0x01,  //   partitions: 1 element
      0x00, 0x4a,              //     error_code 74 (FENCED_LEADER_EPOCH)
      0x00, 0x00, 0x00, 0x03,  //     partition 3
  };
  const bytes epoch = {0x00, 0x00, 0x00, 0x04};                          // leader_epoch 4 (v1+)
  const bytes end = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};  // end_offset
  const bytes throttle = {0x00, 0x00, 0x00, 0x07};                      // throttle_time_ms (v2+)
  const bytes v0 = cat({head, end});
  const bytes v1 = cat({head, epoch, end});
  const bytes v2 = cat({throttle, head, epoch, end});
  const bytes v4 = cat({throttle,
                        {
                            0x02,        // topics: compact count 1+1
                            0x02, 't',   //   topic "t"
                            0x02,        //   partitions: compact count 1+1
                            0x00, 0x4a,  //     error_code 74
                            0x00, 0x00, 0x00, 0x03,  //     partition 3
                        },
                        epoch, end,
                        {
                            0x00,  //     tagged fields (partition)
                            0x00,  //   tagged fields (topic)
                            0x00,  // tagged fields (response)
                        }});
  check_all_versions(sample_epoch_response(), {{0, v0}, {1, v1}, {2, v2}, {3, v2}, {4, v4}});
}

TEST(OffsetForLeaderEpoch, DefaultsOfFieldsAVersionLacks) {
  offset_for_leader_epoch_request req;
  ASSERT_TRUE(decodes(encode(sample_epoch_request(), 1), 1, req));
  EXPECT_EQ(req.replica_id, offset_for_leader_epoch_request::debugging_replica_id);
  ASSERT_EQ(req.topics.size(), 1u);
  ASSERT_EQ(req.topics[0].partitions.size(), 1u);
  EXPECT_EQ(req.topics[0].partitions[0].current_leader_epoch, -1);
  EXPECT_EQ(req.topics[0].partitions[0].leader_epoch, 4);

  offset_for_leader_epoch_response resp;
  ASSERT_TRUE(decodes(encode(sample_epoch_response(), 0), 0, resp));
  EXPECT_EQ(resp.throttle_time_ms, 0);
  ASSERT_EQ(resp.topics.size(), 1u);
  const auto& p = resp.topics[0].partitions.at(0);
  EXPECT_EQ(p.leader_epoch, -1);
  EXPECT_EQ(p.end_offset, 0x0102030405060708);
  EXPECT_EQ(p.error_code, 74);
}

TEST(OffsetForLeaderEpoch, DecodeResetsAPreviouslyFilledStruct) {
  offset_for_leader_epoch_response resp = sample_epoch_response();
  const bytes empty_v2 = {0, 0, 0, 0, 0, 0, 0, 0};  // throttle 0, topics 0
  ASSERT_TRUE(decode_all(resp, empty_v2, 2));
  EXPECT_TRUE(resp.topics.empty());
  EXPECT_EQ(resp.throttle_time_ms, 0);
}

TEST(OffsetForLeaderEpoch, FlexibleSkipsUnknownTaggedFields) {
  // v4 request whose top-level tagged-field section carries one unknown tag (tag 9, 2 bytes).
  const bytes with_tag = {
      0xff, 0xff, 0xff, 0xff,  // replica_id -1
      0x01,                    // topics: 0 elements
      0x01,                    // 1 tagged field
      0x09, 0x02, 0xaa, 0xbb,  //   tag 9, size 2, data
  };
  offset_for_leader_epoch_request req;
  ASSERT_TRUE(decode_all(req, with_tag, 4));
  EXPECT_EQ(req.replica_id, -1);
  EXPECT_TRUE(req.topics.empty());
  // Re-encoding writes the section empty.
  EXPECT_EQ(encode(req, 4), (bytes{0xff, 0xff, 0xff, 0xff, 0x01, 0x00}));
}

TEST(OffsetForLeaderEpoch, RejectsHostileInput) {
  check_rejects_out_of_range_versions<offset_for_leader_epoch_request>();
  check_rejects_out_of_range_versions<offset_for_leader_epoch_response>();
  for (std::int16_t v = 0; v <= 3; ++v) {
    SCOPED_TRACE(v);
    const bytes req_head = v >= 3 ? bytes{0, 0, 0, 1} : bytes{};
    const bytes resp_head = v >= 2 ? bytes{0, 0, 0, 0} : bytes{};
    EXPECT_FALSE(decodes<offset_for_leader_epoch_request>(cat({req_head, hostile_count, padding}), v));
    EXPECT_FALSE(decodes<offset_for_leader_epoch_request>(cat({req_head, null32, padding}), v));
    EXPECT_FALSE(
        decodes<offset_for_leader_epoch_response>(cat({resp_head, hostile_count, padding}), v));
    EXPECT_FALSE(decodes<offset_for_leader_epoch_response>(cat({resp_head, null32, padding}), v));
    // A hostile partitions count inside the one topic.
    const bytes nested = cat({resp_head, {0, 0, 0, 1, 0, 1, 't'}, hostile_count, padding});
    EXPECT_FALSE(decodes<offset_for_leader_epoch_response>(nested, v));
    // Partitions: 256 bytes of padding cannot hold 19 response partitions of 14+ bytes.
    const bytes too_many = cat({resp_head, {0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 19}, padding});
    EXPECT_FALSE(decodes<offset_for_leader_epoch_response>(too_many, v));
    // A null topic name.
    EXPECT_FALSE(decodes<offset_for_leader_epoch_request>(
        cat({req_head, {0, 0, 0, 1}, null16, {0, 0, 0, 0}}), v));
  }
  // v4: a compact count far beyond the bytes left, and a null compact array (0).
  EXPECT_FALSE(decodes<offset_for_leader_epoch_request>(
      cat({{0, 0, 0, 1}, {0xff, 0xff, 0xff, 0xff, 0x07}, padding}), 4));
  EXPECT_FALSE(decodes<offset_for_leader_epoch_request>(bytes{0, 0, 0, 1, 0x00, 0x00}, 4));
  for (std::int16_t v = 0; v <= 4; ++v) {
    sweep_hostile_counts<offset_for_leader_epoch_request>(encode(sample_epoch_request(), v), v);
    sweep_hostile_counts<offset_for_leader_epoch_response>(encode(sample_epoch_response(), v), v);
  }
}

// ---------------------------------------------------------------------------------------------
// Metadata v7–v8

namespace {

metadata_response sample_metadata_v8() {
  metadata_response m;
  m.throttle_time_ms = 7;
  m.brokers = {{1, "h", 9092, "r"}};
  m.cluster_id = "c";
  m.controller_id = 1;
  metadata_response::partition p;
  p.error_code = 5;
  p.partition_index = 2;
  p.leader_id = 1;
  p.leader_epoch = 9;
  p.replica_nodes = {1, 2};
  p.isr_nodes = {1};
  p.offline_replicas = {2};
  metadata_response::topic t;
  t.name = "t";
  t.is_internal = true;
  t.partitions = {p};
  t.topic_authorized_operations = 0x0f00;
  m.topics = {t};
  m.cluster_authorized_operations = 0x0ff0;
  return m;
}

const bytes metadata_v6_golden = {
    0x00, 0x00, 0x00, 0x07,  // throttle_time_ms 7
    0x00, 0x00, 0x00, 0x01,  // brokers: 1 element
    0x00, 0x00, 0x00, 0x01,  //   node_id 1
    0x00, 0x01, 'h',         //   host "h"
    0x00, 0x00, 0x23, 0x84,  //   port 9092
    0x00, 0x01, 'r',         //   rack "r"
    0x00, 0x01, 'c',         // cluster_id "c"
    0x00, 0x00, 0x00, 0x01,  // controller_id 1
    0x00, 0x00, 0x00, 0x01,  // topics: 1 element
    0x00, 0x00,              //   error_code 0
    0x00, 0x01, 't',         //   name "t"
    0x01,                    //   is_internal true
    0x00, 0x00, 0x00, 0x01,  //   partitions: 1 element
    0x00, 0x05,              //     error_code 5
    0x00, 0x00, 0x00, 0x02,  //     partition_index 2
    0x00, 0x00, 0x00, 0x01,  //     leader_id 1
    0x00, 0x00, 0x00, 0x02,  //     replica_nodes: 2 elements
    0x00, 0x00, 0x00, 0x01,  //       1
    0x00, 0x00, 0x00, 0x02,  //       2
    0x00, 0x00, 0x00, 0x01,  //     isr_nodes: 1 element
    0x00, 0x00, 0x00, 0x01,  //       1
    0x00, 0x00, 0x00, 0x01,  //     offline_replicas: 1 element
    0x00, 0x00, 0x00, 0x02,  //       2
};

const bytes metadata_v7_golden = {
    0x00, 0x00, 0x00, 0x07,  // throttle_time_ms 7
    0x00, 0x00, 0x00, 0x01,  // brokers: 1 element
    0x00, 0x00, 0x00, 0x01,  //   node_id 1
    0x00, 0x01, 'h',         //   host "h"
    0x00, 0x00, 0x23, 0x84,  //   port 9092
    0x00, 0x01, 'r',         //   rack "r"
    0x00, 0x01, 'c',         // cluster_id "c"
    0x00, 0x00, 0x00, 0x01,  // controller_id 1
    0x00, 0x00, 0x00, 0x01,  // topics: 1 element
    0x00, 0x00,              //   error_code 0
    0x00, 0x01, 't',         //   name "t"
    0x01,                    //   is_internal true
    0x00, 0x00, 0x00, 0x01,  //   partitions: 1 element
    0x00, 0x05,              //     error_code 5
    0x00, 0x00, 0x00, 0x02,  //     partition_index 2
    0x00, 0x00, 0x00, 0x01,  //     leader_id 1
    0x00, 0x00, 0x00, 0x09,  //     leader_epoch 9 (v7+)
    0x00, 0x00, 0x00, 0x02,  //     replica_nodes: 2 elements
    0x00, 0x00, 0x00, 0x01,  //       1
    0x00, 0x00, 0x00, 0x02,  //       2
    0x00, 0x00, 0x00, 0x01,  //     isr_nodes: 1 element
    0x00, 0x00, 0x00, 0x01,  //       1
    0x00, 0x00, 0x00, 0x01,  //     offline_replicas: 1 element
    0x00, 0x00, 0x00, 0x02,  //       2
};

}  // namespace

TEST(MetadataV7V8, ResponseGolden) {
  check_codec(sample_metadata_v8(), 7, metadata_v7_golden);
  const bytes v8 = cat({metadata_v7_golden,
                        {
                            0x00, 0x00, 0x0f, 0x00,  //   topic_authorized_operations (v8+)
                            0x00, 0x00, 0x0f, 0xf0,  // cluster_authorized_operations (v8+)
                        }});
  check_codec(sample_metadata_v8(), 8, v8);
}

TEST(MetadataV7V8, OlderVersionsAreUnchanged) {
  // The new fields are not written below their versions: v6 of a struct carrying them is exactly
  // the v6 layout, and v5 equals v6 as before.
  check_codec(sample_metadata_v8(), 6, metadata_v6_golden);
  check_codec(sample_metadata_v8(), 5, metadata_v6_golden);
  metadata_response d;
  ASSERT_TRUE(decode_all(d, metadata_v6_golden, 6));
  EXPECT_EQ(d.topics.at(0).partitions.at(0).leader_epoch, -1);
  EXPECT_EQ(d.topics.at(0).topic_authorized_operations, INT32_MIN);
  EXPECT_EQ(d.cluster_authorized_operations, INT32_MIN);
  ASSERT_TRUE(decode_all(d, metadata_v7_golden, 7));
  EXPECT_EQ(d.topics.at(0).partitions.at(0).leader_epoch, 9);
  EXPECT_EQ(d.cluster_authorized_operations, metadata_response::operations_not_requested);
}

TEST(MetadataV7V8, RequestGolden) {
  metadata_request m;
  m.topics = std::vector<metadata_request::topic>{{"a"}};
  m.allow_auto_topic_creation = false;
  m.include_cluster_authorized_operations = true;
  m.include_topic_authorized_operations = false;
  const bytes v4 = {
      0x00, 0x00, 0x00, 0x01,  // topics: 1 element
      0x00, 0x01, 'a',         //   name "a"
      0x00,                    // allow_auto_topic_creation false
  };
  check_codec(m, 6, v4);
  check_codec(m, 7, v4);  // v7 requests are v6 requests
  check_codec(m, 8, cat({v4, {0x01, 0x00}}));  // + include_cluster/topic_authorized_operations

  metadata_request all;  // null topics = all, auto-create true, no operations
  check_codec(all, 8, {0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00});
  metadata_request d;
  ASSERT_TRUE(decode_all(d, v4, 7));
  EXPECT_FALSE(d.include_cluster_authorized_operations);
}

TEST(MetadataV7V8, RejectsHostileInput) {
  for (std::int16_t v : {7, 8}) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<metadata_request>(cat({hostile_count, padding}), v));
    EXPECT_FALSE(decodes<metadata_response>(cat({{0, 0, 0, 0}, hostile_count, padding}), v));
    EXPECT_FALSE(decodes<metadata_response>(cat({{0, 0, 0, 0}, null32, padding}), v));
    sweep_hostile_counts<metadata_response>(encode(sample_metadata_v8(), v), v);
  }
  // v8 without the trailing cluster_authorized_operations is truncated.
  bytes short_v8 = cat({metadata_v7_golden, {0, 0, 0x0f, 0x00}});
  EXPECT_FALSE(decodes<metadata_response>(short_v8, 8));
}
