// Metadata (3) v9–12, CreateTopics (19) v5–7 and DeleteTopics (20) v2–6: golden bytes written by
// hand, field by field, from Kafka's <Name>Request/Response.json (flexible from Metadata v9,
// CreateTopics v5, DeleteTopics v4), and hostile input for the new fields. The classic versions
// below those are covered in test_messages_a.cpp; the tests here check that together they cover
// every version a struct declares.
#include <gtest/gtest.h>

#include "message_test_util.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/create_topics.h"
#include "tern/kafka/messages/delete_topics.h"
#include "tern/kafka/messages/metadata.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

namespace {

using uuid = std::array<std::uint8_t, 16>;

const uuid id_a = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                   0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
const uuid id_b = {0xf0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b};
const bytes id_a_bytes(id_a.begin(), id_a.end());
const bytes id_b_bytes(id_b.begin(), id_b.end());
const bytes zero_id(16, 0);

// The versions test_messages_a.cpp leaves to this file, so that a new max_version without golden
// bytes fails here.
template <typename M>
void expect_last_classic_version(std::int16_t last_classic) {
  EXPECT_EQ(M::first_flexible_version, last_classic + 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Metadata

TEST(MetadataFlex, RequestGoldenV9ToV12) {
  static_assert(metadata_request::max_version == 12, "add golden bytes for the new version");
  expect_last_classic_version<metadata_request>(8);
  metadata_request m;
  m.topics = std::vector<metadata_request::topic>{{"a"}, {"bc"}};
  m.allow_auto_topic_creation = false;
  m.include_cluster_authorized_operations = true;
  m.include_topic_authorized_operations = true;
  const bytes v9 = {
      0x03,             // topics: compact 2
      0x02, 'a',        //   name "a"
      0x00,             //   tags
      0x03, 'b', 'c',   //   name "bc"
      0x00,             //   tags
      0x00,             // allow_auto_topic_creation false
      0x01,             // include_cluster_authorized_operations true
      0x01,             // include_topic_authorized_operations true
      0x00,             // tags
  };
  check_codec(m, 9, v9);

  // v10+: each topic starts with its id; v11 drops include_cluster_authorized_operations.
  m.topics = std::vector<metadata_request::topic>{{"a", id_a}, {"", id_b}};
  const bytes topics_v10 = cat({
      {0x03},              // topics: compact 2
      id_a_bytes,          //   topic_id
      {0x02, 'a', 0x00},   //   name "a", tags
      id_b_bytes,          //   topic_id
      {0x00, 0x00},        //   name null (by id alone), tags
  });
  const bytes v10 = cat({topics_v10, {0x00, 0x01, 0x01, 0x00}});  // auto, cluster ops, topic ops, tags
  const bytes v11 = cat({topics_v10, {0x00, 0x01, 0x00}});        // auto, topic ops, tags
  check_codec(m, 10, v10);
  check_codec(m, 11, v11);
  check_codec(m, 12, v11);  // v12 only changes what the broker does with topic_id

  metadata_request d;
  ASSERT_TRUE(decodes(v11, 12, d));
  ASSERT_TRUE(d.topics.has_value());
  ASSERT_EQ(d.topics->size(), 2u);
  EXPECT_EQ((*d.topics)[0].topic_id, id_a);
  EXPECT_EQ((*d.topics)[1].name, "");
  EXPECT_EQ((*d.topics)[1].topic_id, id_b);
  EXPECT_FALSE(d.include_cluster_authorized_operations);  // not in v11+
}

TEST(MetadataFlex, RequestAllTopicsAndNullNames) {
  metadata_request all;  // topics = nullopt, allow_auto_topic_creation = true
  check_codec(all, 9, {0x00, 0x01, 0x00, 0x00, 0x00});   // null, auto, cluster ops, topic ops, tags
  check_codec(all, 12, {0x00, 0x01, 0x00, 0x00});        // null, auto, topic ops, tags
  metadata_request none;
  none.topics.emplace();
  check_codec(none, 12, {0x01, 0x01, 0x00, 0x00});  // compact 0 = no topics

  // A null name is not a v9 value (nullable from v10).
  EXPECT_FALSE(decodes<metadata_request>(bytes{0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}, 9));
  // v10+: an empty name decodes like null and is re-encoded as null (see the header).
  const bytes empty_name = cat({{0x02}, id_b_bytes, {0x01, 0x00, 0x01, 0x00, 0x00}});
  metadata_request d;
  ASSERT_TRUE(decodes(empty_name, 12, d));
  ASSERT_EQ(d.topics->size(), 1u);
  EXPECT_EQ((*d.topics)[0].name, "");
  EXPECT_EQ(encode(d, 12), cat({{0x02}, id_b_bytes, {0x00, 0x00, 0x01, 0x00, 0x00}}));
}

namespace {

metadata_response sample_response() {
  metadata_response m;
  m.throttle_time_ms = 7;
  m.brokers = {{1, "h", 9092, "r"}};
  m.cluster_id = "c";
  m.controller_id = 1;
  metadata_response::partition p;
  p.error_code = 5;
  p.partition_index = 2;
  p.leader_id = 1;
  p.leader_epoch = 3;
  p.replica_nodes = {1, 2};
  p.isr_nodes = {1};
  p.offline_replicas = {2};
  metadata_response::topic t;
  t.name = "t";
  t.topic_id = id_a;
  t.is_internal = true;
  t.partitions = {p};
  t.topic_authorized_operations = 0x0f;
  m.topics = {t};
  m.cluster_authorized_operations = 0x1f;
  return m;
}

}  // namespace

TEST(MetadataFlex, ResponseGoldenV9ToV12) {
  static_assert(metadata_response::max_version == 12, "add golden bytes for the new version");
  expect_last_classic_version<metadata_response>(8);
  const bytes head = {
      0x00, 0x00, 0x00, 0x07,  // throttle_time_ms 7
      0x02,                    // brokers: compact 1
      0x00, 0x00, 0x00, 0x01,  //   node_id 1
      0x02, 'h',               //   host "h"
      0x00, 0x00, 0x23, 0x84,  //   port 9092
      0x02, 'r',               //   rack "r"
      0x00,                    //   tags
      0x02, 'c',               // cluster_id "c"
      0x00, 0x00, 0x00, 0x01,  // controller_id 1
      0x02,                    // topics: compact 1
      0x00, 0x00,              //   error_code 0
      0x02, 't',               //   name "t"
  };
  const bytes topic_tail = {
      0x01,                    //   is_internal true
      0x02,                    //   partitions: compact 1
      0x00, 0x05,              //     error_code 5
      0x00, 0x00, 0x00, 0x02,  //     partition_index 2
      0x00, 0x00, 0x00, 0x01,  //     leader_id 1
      0x00, 0x00, 0x00, 0x03,  //     leader_epoch 3
      0x03,                    //     replica_nodes: compact 2
      0x00, 0x00, 0x00, 0x01,  //       1
      0x00, 0x00, 0x00, 0x02,  //       2
      0x02,                    //     isr_nodes: compact 1
      0x00, 0x00, 0x00, 0x01,  //       1
      0x02,                    //     offline_replicas: compact 1
      0x00, 0x00, 0x00, 0x02,  //       2
      0x00,                    //     tags
      0x00, 0x00, 0x00, 0x0f,  //   topic_authorized_operations
      0x00,                    //   tags
  };
  const bytes cluster_ops = {0x00, 0x00, 0x00, 0x1f};  // cluster_authorized_operations (v8–10)
  const bytes tags = {0x00};
  const auto m = sample_response();
  check_codec(m, 9, cat({head, topic_tail, cluster_ops, tags}));
  check_codec(m, 10, cat({head, id_a_bytes, topic_tail, cluster_ops, tags}));  // + topic_id
  check_codec(m, 11, cat({head, id_a_bytes, topic_tail, tags}));               // - cluster ops
  check_codec(m, 12, cat({head, id_a_bytes, topic_tail, tags}));

  // v12: an unknown topic asked for by id has a null name.
  metadata_response unknown;
  metadata_response::topic by_id;
  by_id.error_code = kafka::wire(error_code::unknown_topic_id);
  by_id.topic_id = id_b;
  unknown.topics = {by_id};
  const bytes v12_unknown = cat({{
                                     0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
                                     0x01,                    // brokers: compact 0
                                     0x00,                    // cluster_id null
                                     0xff, 0xff, 0xff, 0xff,  // controller_id -1
                                     0x02,                    // topics: compact 1
                                     0x00, 0x64,              //   error_code 100 UNKNOWN_TOPIC_ID
                                     0x00,                    //   name null
                                 },
                                 id_b_bytes,  //   topic_id
                                 {
                                     0x00,                    //   is_internal false
                                     0x01,                    //   partitions: compact 0
                                     0x80, 0x00, 0x00, 0x00,  //   topic_authorized_operations
                                     0x00,                    //   tags
                                     0x00,                    // tags
                                 }});
  check_codec(unknown, 12, v12_unknown);
  metadata_response d;
  ASSERT_TRUE(decodes(v12_unknown, 12, d));
  EXPECT_EQ(d.topics.at(0).topic_id, id_b);
  EXPECT_EQ(d.topics.at(0).error_code, 100);
}

TEST(MetadataFlex, RejectsHostileInput) {
  for (std::int16_t v = 9; v <= 12; ++v) {
    SCOPED_TRACE(v);
    // A compact topics count far beyond the input.
    EXPECT_FALSE(decodes<metadata_request>(cat({{0xff, 0xff, 0xff, 0xff, 0x0f}, padding}), v));
    // A hostile compact broker count after throttle_time_ms.
    EXPECT_FALSE(decodes<metadata_response>(cat({{0, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f}, padding}), v));
  }
  // Two topics announced, each needing a 16-byte id from v10, with room for one.
  for (std::int16_t v = 10; v <= 12; ++v)
    EXPECT_FALSE(decodes<metadata_request>(cat({{0x03}, zero_id, {0x02, 'a', 0x00, 0x00, 0x00, 0x00}}), v));
  // A topic id cut short.
  EXPECT_FALSE(decodes<metadata_request>(cat({{0x02}, bytes(10, 0x11)}), 12));
  // A null name in a v10–v11 response (nullable only from v12).
  const bytes null_name = cat({{0, 0, 0, 0, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00},
                               zero_id,
                               {0x00, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00}});
  EXPECT_FALSE(decodes<metadata_response>(null_name, 10));
  EXPECT_FALSE(decodes<metadata_response>(null_name, 11));
  metadata_response ok;
  EXPECT_TRUE(decodes(null_name, 12, ok));  // the same bytes are a v12 frame
  // A hostile compact partitions count inside a v12 topic.
  EXPECT_FALSE(decodes<metadata_response>(
      cat({{0, 0, 0, 0, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x02, 't'}, id_a_bytes,
           {0x00, 0xff, 0xff, 0xff, 0xff, 0x0f}, padding}),
      12));
  // Every strict prefix of a v12 frame with ids fails (check_codec also does this).
  sweep_hostile_counts<metadata_response>(encode(sample_response(), 12), 12);
  check_rejects_out_of_range_versions<metadata_request>();
  check_rejects_out_of_range_versions<metadata_response>();
}

// ---------------------------------------------------------------------------------------------
// CreateTopics

TEST(CreateTopicsFlex, RequestGoldenV5ToV7) {
  static_assert(create_topics_request::max_version == 7, "add golden bytes for the new version");
  expect_last_classic_version<create_topics_request>(4);
  create_topics_request m;
  create_topics_request::topic manual;
  manual.name = "t";
  manual.assignments = {{0, {1, 2}}};
  manual.configs = {{"k", "v"}, {"n", std::nullopt}};
  create_topics_request::topic automatic;
  automatic.name = "u";
  automatic.num_partitions = 3;
  automatic.replication_factor = 2;
  m.topics = {manual, automatic};
  m.timeout_ms = 5000;
  m.validate_only = true;
  const bytes v5 = {
      0x03,                    // topics: compact 2
      0x02, 't',               //   name "t"
      0xff, 0xff, 0xff, 0xff,  //   num_partitions -1
      0xff, 0xff,              //   replication_factor -1
      0x02,                    //   assignments: compact 1
      0x00, 0x00, 0x00, 0x00,  //     partition_index 0
      0x03,                    //     broker_ids: compact 2
      0x00, 0x00, 0x00, 0x01,  //       1
      0x00, 0x00, 0x00, 0x02,  //       2
      0x00,                    //     tags
      0x03,                    //   configs: compact 2
      0x02, 'k',               //     name "k"
      0x02, 'v',               //     value "v"
      0x00,                    //     tags
      0x02, 'n',               //     name "n"
      0x00,                    //     value null
      0x00,                    //     tags
      0x00,                    //   tags
      0x02, 'u',               //   name "u"
      0x00, 0x00, 0x00, 0x03,  //   num_partitions 3
      0x00, 0x02,              //   replication_factor 2
      0x01,                    //   assignments: compact 0
      0x01,                    //   configs: compact 0
      0x00,                    //   tags
      0x00, 0x00, 0x13, 0x88,  // timeout_ms 5000
      0x01,                    // validate_only true
      0x00,                    // tags
  };
  // v6 and v7 requests are identical to v5.
  for (std::int16_t v = 5; v <= 7; ++v) check_codec(m, v, v5);
}

namespace {

create_topics_response sample_create_response() {
  create_topics_response m;
  m.throttle_time_ms = 10;
  create_topics_response::topic_result failed;
  failed.name = "t";
  failed.error_code = kafka::wire(error_code::topic_already_exists);
  failed.error_message = "exists";
  create_topics_response::topic_result created;
  created.name = "u";
  created.topic_id = id_a;
  created.num_partitions = 3;
  created.replication_factor = 1;
  created.configs = std::vector<create_topics_response::config>{{"retention.ms", "1000", false, 1, false}};
  create_topics_response::topic_result hidden;  // created, but its configs may not be shown
  hidden.name = "w";
  hidden.topic_id = id_b;
  hidden.num_partitions = 1;
  hidden.replication_factor = 1;
  hidden.topic_config_error_code = kafka::wire(error_code::topic_authorization_failed);
  m.topics = {failed, created, hidden};
  return m;
}

}  // namespace

TEST(CreateTopicsFlex, ResponseGoldenV5ToV7) {
  static_assert(create_topics_response::max_version == 7, "add golden bytes for the new version");
  expect_last_classic_version<create_topics_response>(4);
  const auto m = sample_create_response();
  auto frame = [&](bool with_ids) {
    auto id = [&](const bytes& b) { return with_ids ? b : bytes{}; };
    return cat({
        {0x00, 0x00, 0x00, 0x0a},  // throttle_time_ms 10
        {0x04},                    // topics: compact 3
        {0x02, 't'},               //   name "t"
        id(zero_id),               //   topic_id (v7): none, not created
        {0x00, 0x24},              //   error_code 36 TOPIC_ALREADY_EXISTS
        {0x07, 'e', 'x', 'i', 's', 't', 's'},  // error_message "exists"
        {0xff, 0xff, 0xff, 0xff},  //   num_partitions -1
        {0xff, 0xff},              //   replication_factor -1
        {0x00},                    //   configs null
        {0x00},                    //   tags
        {0x02, 'u'},               //   name "u"
        id(id_a_bytes),            //   topic_id (v7)
        {0x00, 0x00},              //   error_code 0
        {0x00},                    //   error_message null
        {0x00, 0x00, 0x00, 0x03},  //   num_partitions 3
        {0x00, 0x01},              //   replication_factor 1
        {0x02},                    //   configs: compact 1
        {0x0d, 'r', 'e', 't', 'e', 'n', 't', 'i', 'o', 'n', '.', 'm', 's'},  // name
        {0x05, '1', '0', '0', '0'},  //     value "1000"
        {0x00},                    //     read_only false
        {0x01},                    //     config_source 1 DYNAMIC_TOPIC_CONFIG
        {0x00},                    //     is_sensitive false
        {0x00},                    //     tags
        {0x00},                    //   tags
        {0x02, 'w'},               //   name "w"
        id(id_b_bytes),            //   topic_id (v7)
        {0x00, 0x00},              //   error_code 0
        {0x00},                    //   error_message null
        {0x00, 0x00, 0x00, 0x01},  //   num_partitions 1
        {0x00, 0x01},              //   replication_factor 1
        {0x00},                    //   configs null
        {0x01,                     //   tags: 1 field
         0x00,                     //     tag 0 topic_config_error_code
         0x02,                     //     size 2
         0x00, 0x1d},              //     29 TOPIC_AUTHORIZATION_FAILED
        {0x00},                    // tags
    });
  };
  check_codec(m, 5, frame(false));
  check_codec(m, 6, frame(false));  // v6 only adds a throttling error
  check_codec(m, 7, frame(true));

  create_topics_response d;
  ASSERT_TRUE(decodes(frame(true), 7, d));
  EXPECT_EQ(d.topics.at(1).topic_id, id_a);
  ASSERT_TRUE(d.topics.at(1).configs.has_value());
  EXPECT_EQ(d.topics.at(1).configs->at(0).value, "1000");
  EXPECT_EQ(d.topics.at(2).topic_config_error_code, 29);
  EXPECT_FALSE(d.topics.at(2).configs.has_value());
}

TEST(CreateTopicsFlex, RejectsHostileInput) {
  check_rejects_out_of_range_versions<create_topics_request>();
  check_rejects_out_of_range_versions<create_topics_response>();
  const bytes result_head = {0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 'w', 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00};  // ... configs null
  // Tag 0 must hold exactly an int16.
  EXPECT_FALSE(decodes<create_topics_response>(cat({result_head, {0x01, 0x00, 0x03, 0, 0, 0, 0x00}}), 5));
  // An unknown tag is skipped.
  create_topics_response d;
  ASSERT_TRUE(decodes(cat({result_head, {0x01, 0x05, 0x02, 0x12, 0x34, 0x00}}), 5, d));
  EXPECT_EQ(d.topics.at(0).topic_config_error_code, 0);
  // A tag count or a tag size beyond the input.
  EXPECT_FALSE(decodes<create_topics_response>(cat({result_head, {0xff, 0xff, 0xff, 0x0f}, padding}), 5));
  EXPECT_FALSE(decodes<create_topics_response>(cat({result_head, {0x01, 0x05, 0xff, 0x0f, 0x00}}), 5));
  // A hostile compact configs count.
  EXPECT_FALSE(decodes<create_topics_response>(
      cat({{0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 'w', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01},
           {0xff, 0xff, 0xff, 0xff, 0x0f}, padding}),
      6));
  // A topic id cut short (v7).
  EXPECT_FALSE(decodes<create_topics_response>(bytes{0, 0, 0, 0, 0x02, 0x02, 'w', 0x10, 0x11}, 7));
  // Hostile compact counts in a request: topics, then broker ids of an assignment.
  EXPECT_FALSE(decodes<create_topics_request>(cat({{0xff, 0xff, 0xff, 0xff, 0x0f}, padding}), 5));
  EXPECT_FALSE(decodes<create_topics_request>(
      cat({{0x02, 0x02, 't', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0},
           {0xff, 0xff, 0xff, 0xff, 0x0f}, padding}),
      5));
  sweep_hostile_counts<create_topics_response>(encode(sample_create_response(), 7), 7);
}

// ---------------------------------------------------------------------------------------------
// DeleteTopics

TEST(DeleteTopicsFlex, RequestGoldenV2ToV6) {
  static_assert(delete_topics_request::max_version == 6, "add golden bytes for the new version");
  delete_topics_request m;
  m.topic_names = {"a", "b"};
  m.topics = {{"a", {}}, {"", id_b}};
  m.timeout_ms = 1000;
  const bytes classic = {
      0x00, 0x00, 0x00, 0x02,  // topic_names: 2 elements
      0x00, 0x01, 'a',         //   "a"
      0x00, 0x01, 'b',         //   "b"
      0x00, 0x00, 0x03, 0xe8,  // timeout_ms 1000
  };
  const bytes flexible = {
      0x03,                    // topic_names: compact 2
      0x02, 'a',               //   "a"
      0x02, 'b',               //   "b"
      0x00, 0x00, 0x03, 0xe8,  // timeout_ms 1000
      0x00,                    // tags
  };
  const bytes v6 = cat({
      {0x03},                    // topics: compact 2
      {0x02, 'a'},               //   name "a"
      zero_id,                   //   topic_id: none
      {0x00},                    //   tags
      {0x00},                    //   name null: by id
      id_b_bytes,                //   topic_id
      {0x00},                    //   tags
      {0x00, 0x00, 0x03, 0xe8},  // timeout_ms 1000
      {0x00},                    // tags
  });
  check_codec(m, 2, classic);  // v0–v3 are identical
  check_codec(m, 3, classic);
  check_codec(m, 4, flexible);
  check_codec(m, 5, flexible);
  check_codec(m, 6, v6);

  // Each version fills only its own list.
  delete_topics_request d;
  ASSERT_TRUE(decodes(v6, 6, d));
  EXPECT_TRUE(d.topic_names.empty());
  ASSERT_EQ(d.topics.size(), 2u);
  EXPECT_EQ(d.topics[1].name, "");
  EXPECT_EQ(d.topics[1].topic_id, id_b);
  ASSERT_TRUE(decodes(flexible, 5, d));
  EXPECT_TRUE(d.topics.empty());
  EXPECT_EQ(d.topic_names, (std::vector<std::string>{"a", "b"}));
}

TEST(DeleteTopicsFlex, ResponseGoldenV2ToV6) {
  static_assert(delete_topics_response::max_version == 6, "add golden bytes for the new version");
  delete_topics_response m;
  m.throttle_time_ms = 5;
  m.responses = {{"a", kafka::wire(error_code::unknown_topic_or_partition), "unknown", {}}};
  const bytes classic = {
      0x00, 0x00, 0x00, 0x05,  // throttle_time_ms 5
      0x00, 0x00, 0x00, 0x01,  // responses: 1 element
      0x00, 0x01, 'a',         //   name "a"
      0x00, 0x03,              //   error_code 3 UNKNOWN_TOPIC_OR_PARTITION
  };
  const bytes v4 = {
      0x00, 0x00, 0x00, 0x05,  // throttle_time_ms 5
      0x02,                    // responses: compact 1
      0x02, 'a',               //   name "a"
      0x00, 0x03,              //   error_code 3
      0x00,                    //   tags
      0x00,                    // tags
  };
  const bytes v5 = {
      0x00, 0x00, 0x00, 0x05,                     // throttle_time_ms 5
      0x02,                                       // responses: compact 1
      0x02, 'a',                                  //   name "a"
      0x00, 0x03,                                 //   error_code 3
      0x08, 'u', 'n', 'k', 'n', 'o', 'w', 'n',    //   error_message "unknown"
      0x00,                                       //   tags
      0x00,                                       // tags
  };
  check_codec(m, 2, classic);
  check_codec(m, 3, classic);
  check_codec(m, 4, v4);
  check_codec(m, 5, v5);

  delete_topics_response by_id;
  by_id.throttle_time_ms = 5;
  by_id.responses = {{"a", 0, std::nullopt, id_a},
                     {"", kafka::wire(error_code::unknown_topic_id), "no id", id_b}};
  const bytes v6 = cat({
      {0x00, 0x00, 0x00, 0x05},           // throttle_time_ms 5
      {0x03},                             // responses: compact 2
      {0x02, 'a'},                        //   name "a"
      id_a_bytes,                         //   topic_id
      {0x00, 0x00},                       //   error_code 0
      {0x00},                             //   error_message null
      {0x00},                             //   tags
      {0x00},                             //   name null
      id_b_bytes,                         //   topic_id
      {0x00, 0x64},                       //   error_code 100 UNKNOWN_TOPIC_ID
      {0x06, 'n', 'o', ' ', 'i', 'd'},    //   error_message "no id"
      {0x00},                             //   tags
      {0x00},                             // tags
  });
  check_codec(by_id, 6, v6);
}

TEST(DeleteTopicsFlex, RejectsHostileInput) {
  check_rejects_out_of_range_versions<delete_topics_request>();
  check_rejects_out_of_range_versions<delete_topics_response>();
  for (std::int16_t v = 4; v <= 6; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<delete_topics_request>(cat({{0xff, 0xff, 0xff, 0xff, 0x0f}, padding}), v));
    EXPECT_FALSE(decodes<delete_topics_response>(cat({{0, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f}, padding}), v));
  }
  for (std::int16_t v = 2; v <= 3; ++v)
    EXPECT_FALSE(decodes<delete_topics_request>(cat({hostile_count, padding}), v));
  // A null name is a v6 value only.
  EXPECT_FALSE(decodes<delete_topics_request>(bytes{0x02, 0x00, 0x00, 0x00, 0x03, 0xe8, 0x00}, 5));
  EXPECT_FALSE(decodes<delete_topics_response>(bytes{0, 0, 0, 0, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, 5));
  // A topic id cut short (v6).
  EXPECT_FALSE(decodes<delete_topics_request>(cat({{0x02, 0x00}, bytes(15, 0x22)}), 6));
  // Two topics announced, room for one.
  EXPECT_FALSE(decodes<delete_topics_request>(cat({{0x03, 0x00}, zero_id, {0x00, 0, 0, 0, 0, 0x00}}), 6));
}

#ifndef NDEBUG
TEST(MetaFlexDeathTest, ProgrammerErrorsAssert) {
  wire::wire_writer w;
  metadata_request by_id;
  by_id.topics = std::vector<metadata_request::topic>{{"a", id_a}};
  EXPECT_DEATH(by_id.encode(w, 9), "");  // the id would be lost below v10
  EXPECT_DEATH(metadata_response{}.encode(w, 13), "");
  EXPECT_DEATH(create_topics_response{}.encode(w, 8), "");
  EXPECT_DEATH(delete_topics_request{}.encode(w, 7), "");
}
#endif
