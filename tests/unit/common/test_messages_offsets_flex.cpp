// The flexible versions of OffsetCommit (8) v8, OffsetFetch (9) v6–8, ListOffsets (2) v4–7 and
// InitProducerId (22) v2–4: golden bytes written by hand, field by field, from Kafka's
// <Name>Request/Response.json, plus hostile and truncated input for the new fields.
//
// The earlier versions keep their goldens in test_messages_b.cpp / test_messages_c.cpp; each test
// here covers every version after those and asserts the message's max_version, so together they
// cover every version.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "message_test_util.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/init_producer_id.h"
#include "tern/kafka/messages/list_offsets.h"
#include "tern/kafka/messages/offset_commit.h"
#include "tern/kafka/messages/offset_fetch.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

namespace {

// check_codec for exactly the versions from `first` to M::max_version, each with its golden.
template <typename M>
void check_versions_from(const M& m, std::int16_t first, const std::map<std::int16_t, bytes>& golden) {
  for (std::int16_t v = first; v <= M::max_version; ++v) {
    auto it = golden.find(v);
    ASSERT_NE(it, golden.end()) << "no golden bytes for version " << v;
    check_codec(m, v, it->second);
  }
  EXPECT_EQ(golden.size(), static_cast<std::size_t>(M::max_version - first + 1));
}

const bytes compact_hostile = {0xff, 0xff, 0xff, 0xff, 0x0f};  // uvarint 2^32-1: count 2^32-2
const bytes throttle_7 = {0x00, 0x00, 0x00, 0x07};

}  // namespace

// ---------------------------------------------------------------------------------------------
// OffsetCommit v8

namespace {

offset_commit_request sample_commit() {
  offset_commit_request m;
  m.group_id = "g";
  m.generation_id = 3;
  m.member_id = "m";
  m.group_instance_id = "i";
  m.retention_time_ms = 86400000;  // v2–v4 only: not in v8
  offset_commit_request::partition p1;
  p1.partition_index = 1;
  p1.committed_offset = 42;
  p1.committed_leader_epoch = 5;
  p1.commit_timestamp = 1000;  // v1 only
  p1.committed_metadata = "x";
  offset_commit_request::partition p2;
  p2.partition_index = 2;
  p2.committed_offset = 7;
  p2.committed_leader_epoch = 6;
  p2.committed_metadata = std::nullopt;
  m.topics = {{"t", {p1, p2}}};
  return m;
}

}  // namespace

TEST(OffsetCommitFlex, RequestGolden) {
  EXPECT_EQ(offset_commit_request::max_version, 8);
  const bytes v8 = {
      0x02, 'g',                                       // group_id compact "g"
      0x00, 0x00, 0x00, 0x03,                          // generation_id 3
      0x02, 'm',                                       // member_id "m"
      0x02, 'i',                                       // group_instance_id "i"
      0x02,                                            // topics: compact 1
      0x02, 't',                                       //   name "t"
      0x03,                                            //   partitions: compact 2
      0x00, 0x00, 0x00, 0x01,                          //     partition_index 1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     committed_offset 42
      0x00, 0x00, 0x00, 0x05,                          //     committed_leader_epoch 5
      0x02, 'x',                                       //     committed_metadata "x"
      0x00,                                            //     tagged fields
      0x00, 0x00, 0x00, 0x02,                          //     partition_index 2
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  //     committed_offset 7
      0x00, 0x00, 0x00, 0x06,                          //     committed_leader_epoch 6
      0x00,                                            //     committed_metadata null
      0x00,                                            //     tagged fields
      0x00,                                            //   tagged fields
      0x00,                                            // tagged fields
  };
  check_versions_from(sample_commit(), 8, {{8, v8}});

  offset_commit_request d;
  ASSERT_TRUE(decodes(v8, 8, d));
  EXPECT_EQ(d.retention_time_ms, -1);  // not a v8 field
  EXPECT_EQ(d.topics.at(0).partitions.at(0).commit_timestamp, -1);
  EXPECT_EQ(d.group_instance_id, std::optional<std::string>("i"));
}

TEST(OffsetCommitFlex, ResponseGolden) {
  offset_commit_response m;
  m.throttle_time_ms = 7;
  m.topics = {{"t", {{1, 0}, {2, kafka::wire(error_code::illegal_generation)}}}};
  const bytes v8 = {
      0x00, 0x00, 0x00, 0x07,              // throttle_time_ms 7
      0x02,                                // topics: compact 1
      0x02, 't',                           //   name "t"
      0x03,                                //   partitions: compact 2
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  //     partition_index 1, error_code 0
      0x00,                                //     tagged fields
      0x00, 0x00, 0x00, 0x02, 0x00, 0x16,  //     partition_index 2, error_code 22
      0x00,                                //     tagged fields
      0x00,                                //   tagged fields
      0x00,                                // tagged fields
  };
  check_versions_from(m, 8, {{8, v8}});
}

TEST(OffsetCommitFlex, RejectsHostileInput) {
  const bytes head = {0x02, 'g', 0, 0, 0, 3, 0x02, 'm', 0x00};  // group, generation, member, instance
  EXPECT_TRUE(decodes<offset_commit_request>(cat({head, bytes{0x01, 0x00}}), 8));  // no topics
  EXPECT_FALSE(decodes<offset_commit_request>(cat({head, compact_hostile, padding}), 8));
  EXPECT_FALSE(decodes<offset_commit_request>(cat({head, bytes{0x00}, padding}), 8));  // null topics
  EXPECT_FALSE(decodes<offset_commit_request>(
      cat({head, bytes{0x02, 0x02, 't'}, compact_hostile, padding}), 8));  // hostile partitions
  // A null group_id (compact length 0).
  EXPECT_FALSE(decodes<offset_commit_request>(bytes{0x00, 0, 0, 0, 3, 0x02, 'm', 0x00, 0x01, 0x00}, 8));
  EXPECT_FALSE(decodes<offset_commit_response>(cat({throttle_7, compact_hostile, padding}), 8));
  sweep_hostile_counts<offset_commit_request>(encode(sample_commit(), 8), 8);
}

// ---------------------------------------------------------------------------------------------
// OffsetFetch v6–8

namespace {

offset_fetch_request sample_fetch() {
  offset_fetch_request m;
  m.group_id = "g";  // v0–v7
  m.topics = std::vector<offset_fetch_request::topic>{{"t", {0, 2}}};
  m.groups = {{"g", std::vector<offset_fetch_request::topic>{{"t", {0, 2}}}},
              {"h", std::nullopt}};  // v8+: "h" asks for all topics
  m.require_stable = true;           // v7+
  return m;
}

offset_fetch_response sample_fetch_response() {
  offset_fetch_response m;
  m.throttle_time_ms = 7;
  offset_fetch_response::partition p0;
  p0.partition_index = 0;
  p0.committed_offset = 42;
  p0.committed_leader_epoch = 5;
  p0.metadata = "x";
  offset_fetch_response::partition p1;
  p1.partition_index = 1;
  p1.committed_offset = -1;
  p1.committed_leader_epoch = -1;
  p1.metadata = std::nullopt;
  p1.error_code = kafka::wire(error_code::unknown_topic_or_partition);
  m.topics = {{"t", {p0, p1}}};
  m.error_code = kafka::wire(error_code::not_coordinator);
  m.groups = {{"g", {{"t", {p0, p1}}}, 0},
              {"h", {}, kafka::wire(error_code::group_authorization_failed)}};
  return m;
}

const bytes fetch_request_topic = {
    0x02,                    // topics: compact 1
    0x02, 't',               //   name "t"
    0x03,                    //   partition_indexes: compact 2
    0x00, 0x00, 0x00, 0x00,  //     0
    0x00, 0x00, 0x00, 0x02,  //     2
    0x00,                    //   tagged fields
};

const bytes fetch_response_topic = {
    0x02,                                            // topics: compact 1
    0x02, 't',                                       //   name "t"
    0x03,                                            //   partitions: compact 2
    0x00, 0x00, 0x00, 0x00,                          //     partition_index 0
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     committed_offset 42
    0x00, 0x00, 0x00, 0x05,                          //     committed_leader_epoch 5
    0x02, 'x',                                       //     metadata "x"
    0x00, 0x00,                                      //     error_code 0
    0x00,                                            //     tagged fields
    0x00, 0x00, 0x00, 0x01,                          //     partition_index 1
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     committed_offset -1
    0xff, 0xff, 0xff, 0xff,                          //     committed_leader_epoch -1
    0x00,                                            //     metadata null
    0x00, 0x03,                                      //     error_code 3
    0x00,                                            //     tagged fields
    0x00,                                            //   tagged fields
};

}  // namespace

TEST(OffsetFetchFlex, RequestGolden) {
  EXPECT_EQ(offset_fetch_request::max_version, 8);
  const bytes v6 = cat({{0x02, 'g'},  // group_id "g"
                        fetch_request_topic,
                        {0x00}});     // tagged fields
  const bytes v7 = cat({{0x02, 'g'}, fetch_request_topic,
                        {0x01,     // require_stable true
                         0x00}});  // tagged fields
  const bytes v8 = cat({
      {0x03},              // groups: compact 2
      {0x02, 'g'},         //   group_id "g"
      fetch_request_topic,  //   topics
      {0x00},              //   tagged fields
      {0x02, 'h'},         //   group_id "h"
      {0x00},              //   topics: null (all topics)
      {0x00},              //   tagged fields
      {0x01},              // require_stable true
      {0x00},              // tagged fields
  });
  check_versions_from(sample_fetch(), 6, {{6, v6}, {7, v7}, {8, v8}});

  offset_fetch_request d;
  ASSERT_TRUE(decodes(v8, 8, d));
  ASSERT_EQ(d.groups.size(), 2u);
  EXPECT_EQ(d.groups[1].group_id, "h");
  EXPECT_FALSE(d.groups[1].topics.has_value());
  EXPECT_TRUE(d.require_stable);
  EXPECT_EQ(d.group_id, "");  // not a v8 field
  ASSERT_TRUE(decodes(v6, 6, d));
  EXPECT_FALSE(d.require_stable);  // not a v6 field
  EXPECT_TRUE(d.groups.empty());
  // v6+ may ask for all topics (compact null).
  offset_fetch_request all;
  all.group_id = "g";
  check_codec(all, 6, bytes{0x02, 'g', 0x00, 0x00});
}

TEST(OffsetFetchFlex, ResponseGolden) {
  EXPECT_EQ(offset_fetch_response::max_version, 8);
  const bytes v6 = cat({throttle_7, fetch_response_topic,
                        {0x00, 0x10,  // error_code 16 NOT_COORDINATOR
                         0x00}});     // tagged fields
  const bytes v8 = cat({
      throttle_7,            // throttle_time_ms 7
      {0x03},                // groups: compact 2
      {0x02, 'g'},           //   group_id "g"
      fetch_response_topic,  //   topics
      {0x00, 0x00},          //   error_code 0
      {0x00},                //   tagged fields
      {0x02, 'h'},           //   group_id "h"
      {0x01},                //   topics: compact 0
      {0x00, 0x1e},          //   error_code 30 GROUP_AUTHORIZATION_FAILED
      {0x00},                //   tagged fields
      {0x00},                // tagged fields
  });
  // v7 only adds a possible partition error: its layout is v6's.
  check_versions_from(sample_fetch_response(), 6, {{6, v6}, {7, v6}, {8, v8}});

  offset_fetch_response d;
  ASSERT_TRUE(decodes(v8, 8, d));
  ASSERT_EQ(d.groups.size(), 2u);
  EXPECT_EQ(d.groups[1].error_code, kafka::wire(error_code::group_authorization_failed));
  EXPECT_TRUE(d.topics.empty());  // not a v8 field
  EXPECT_EQ(d.error_code, 0);
}

TEST(OffsetFetchFlex, RejectsHostileInput) {
  // Request v8: groups count beyond the input, a null groups array, a hostile partition count
  // inside a group, and a missing require_stable.
  EXPECT_FALSE(decodes<offset_fetch_request>(cat({compact_hostile, padding}), 8));
  EXPECT_FALSE(decodes<offset_fetch_request>(cat({bytes{0x00, 0x00}, padding}), 8));
  EXPECT_FALSE(decodes<offset_fetch_request>(
      cat({bytes{0x02, 0x02, 'g', 0x02, 0x02, 't'}, compact_hostile, padding}), 8));
  EXPECT_FALSE(decodes<offset_fetch_request>(bytes{0x01}, 8));
  EXPECT_TRUE(decodes<offset_fetch_request>(bytes{0x01, 0x00, 0x00}, 8));  // no groups
  // Request v6/v7: a hostile topics count.
  for (std::int16_t v = 6; v <= 7; ++v)
    EXPECT_FALSE(decodes<offset_fetch_request>(cat({bytes{0x02, 'g'}, compact_hostile, padding}), v));
  // Response v8: groups count beyond the input, null groups, null topics inside a group (only
  // the request's may be null).
  EXPECT_FALSE(decodes<offset_fetch_response>(cat({throttle_7, compact_hostile, padding}), 8));
  EXPECT_FALSE(decodes<offset_fetch_response>(cat({throttle_7, bytes{0x00}, padding}), 8));
  EXPECT_FALSE(decodes<offset_fetch_response>(
      cat({throttle_7, bytes{0x02, 0x02, 'g', 0x00, 0x00, 0x00, 0x00, 0x00}}), 8));
  for (std::int16_t v = 6; v <= 8; ++v) {
    sweep_hostile_counts<offset_fetch_request>(encode(sample_fetch(), v), v);
    sweep_hostile_counts<offset_fetch_response>(encode(sample_fetch_response(), v), v);
  }
}

// ---------------------------------------------------------------------------------------------
// ListOffsets v4–7

namespace {

list_offsets_request sample_list() {
  list_offsets_request m;
  m.replica_id = -1;
  m.isolation_level = 1;
  list_offsets_request::partition p;
  p.partition_index = 3;
  p.current_leader_epoch = 7;
  p.timestamp = list_offsets_request::max_timestamp;
  p.max_num_offsets = 2;  // v0 only
  m.topics = {{"t", {p}}};
  return m;
}

list_offsets_response sample_list_response() {
  list_offsets_response m;
  m.throttle_time_ms = 11;
  list_offsets_response::partition p;
  p.partition_index = 3;
  p.old_style_offsets = {5};  // v0 only
  p.timestamp = 1700000000000;
  p.offset = std::int64_t{1} << 32;
  p.leader_epoch = 9;
  m.topics = {{"t", {p}}};
  return m;
}

}  // namespace

TEST(ListOffsetsFlex, RequestGolden) {
  EXPECT_EQ(list_offsets_request::max_version, 7);
  const bytes v4 = {
      0xff, 0xff, 0xff, 0xff,                          // replica_id -1
      0x01,                                            // isolation_level 1
      0x00, 0x00, 0x00, 0x01,                          // topics: 1
      0x00, 0x01, 't',                                 //   name "t"
      0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
      0x00, 0x00, 0x00, 0x03,                          //     partition_index 3
      0x00, 0x00, 0x00, 0x07,                          //     current_leader_epoch 7 (v4+)
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd,  //     timestamp -3
  };
  const bytes v6 = {
      0xff, 0xff, 0xff, 0xff,                          // replica_id -1
      0x01,                                            // isolation_level 1
      0x02,                                            // topics: compact 1
      0x02, 't',                                       //   name "t"
      0x02,                                            //   partitions: compact 1
      0x00, 0x00, 0x00, 0x03,                          //     partition_index 3
      0x00, 0x00, 0x00, 0x07,                          //     current_leader_epoch 7
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd,  //     timestamp -3
      0x00,                                            //     tagged fields
      0x00,                                            //   tagged fields
      0x00,                                            // tagged fields
  };
  // v5 equals v4 and v7 equals v6 on the wire.
  check_versions_from(sample_list(), 4, {{4, v4}, {5, v4}, {6, v6}, {7, v6}});

  list_offsets_request d;
  ASSERT_TRUE(decodes(v6, 7, d));
  EXPECT_EQ(d.topics.at(0).partitions.at(0).current_leader_epoch, 7);
  EXPECT_EQ(d.topics.at(0).partitions.at(0).max_num_offsets, 1);  // v0 only
  // Before v4 the epoch is not on the wire: it decodes as -1.
  ASSERT_TRUE(decodes(encode(sample_list(), 3), 3, d));
  EXPECT_EQ(d.topics.at(0).partitions.at(0).current_leader_epoch, -1);
}

TEST(ListOffsetsFlex, ResponseGolden) {
  const bytes v4 = {
      0x00, 0x00, 0x00, 0x0b,                          // throttle_time_ms 11
      0x00, 0x00, 0x00, 0x01,                          // topics: 1
      0x00, 0x01, 't',                                 //   name "t"
      0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
      0x00, 0x00, 0x00, 0x03,                          //     partition_index 3
      0x00, 0x00,                                      //     error_code 0
      0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  //     timestamp 1700000000000
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  //     offset 2^32
      0x00, 0x00, 0x00, 0x09,                          //     leader_epoch 9 (v4+)
  };
  const bytes v6 = {
      0x00, 0x00, 0x00, 0x0b,                          // throttle_time_ms 11
      0x02,                                            // topics: compact 1
      0x02, 't',                                       //   name "t"
      0x02,                                            //   partitions: compact 1
      0x00, 0x00, 0x00, 0x03,                          //     partition_index 3
      0x00, 0x00,                                      //     error_code 0
      0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  //     timestamp 1700000000000
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  //     offset 2^32
      0x00, 0x00, 0x00, 0x09,                          //     leader_epoch 9
      0x00,                                            //     tagged fields
      0x00,                                            //   tagged fields
      0x00,                                            // tagged fields
  };
  check_versions_from(sample_list_response(), 4, {{4, v4}, {5, v4}, {6, v6}, {7, v6}});
  list_offsets_response d;
  ASSERT_TRUE(decodes(encode(sample_list_response(), 3), 3, d));
  EXPECT_EQ(d.topics.at(0).partitions.at(0).leader_epoch, -1);  // not a v3 field
}

TEST(ListOffsetsFlex, RejectsHostileInput) {
  const bytes head = {0xff, 0xff, 0xff, 0xff, 0x00};  // replica_id, isolation_level
  for (std::int16_t v = 6; v <= 7; ++v) {
    EXPECT_FALSE(decodes<list_offsets_request>(cat({head, compact_hostile, padding}), v));
    EXPECT_FALSE(decodes<list_offsets_request>(cat({head, bytes{0x00}, padding}), v));  // null
    EXPECT_FALSE(decodes<list_offsets_request>(
        cat({head, bytes{0x02, 0x02, 't'}, compact_hostile, padding}), v));
    EXPECT_FALSE(decodes<list_offsets_response>(cat({bytes{0, 0, 0, 0}, compact_hostile, padding}), v));
  }
  // v4: the partition ends inside current_leader_epoch.
  EXPECT_FALSE(decodes<list_offsets_request>(
      cat({head, bytes{0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 3, 0, 0}}), 4));
  for (std::int16_t v = 4; v <= 7; ++v) {
    sweep_hostile_counts<list_offsets_request>(encode(sample_list(), v), v);
    sweep_hostile_counts<list_offsets_response>(encode(sample_list_response(), v), v);
  }
}

// ---------------------------------------------------------------------------------------------
// InitProducerId v2–4

TEST(InitProducerIdFlex, RequestGolden) {
  EXPECT_EQ(init_producer_id_request::max_version, 4);
  init_producer_id_request m;
  m.transactional_id = "tx";
  m.transaction_timeout_ms = 60000;
  m.producer_id = 1000;  // v3+
  m.producer_epoch = 2;  // v3+
  const bytes v2 = {
      0x03, 't', 'x',          // transactional_id compact "tx"
      0x00, 0x00, 0xea, 0x60,  // transaction_timeout_ms 60000
      0x00,                    // tagged fields
  };
  const bytes v3 = {
      0x03, 't', 'x',                                  // transactional_id "tx"
      0x00, 0x00, 0xea, 0x60,                          // transaction_timeout_ms 60000
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  // producer_id 1000 (v3+)
      0x00, 0x02,                                      // producer_epoch 2 (v3+)
      0x00,                                            // tagged fields
  };
  // v4 only adds an error code: its layout is v3's.
  check_versions_from(m, 2, {{2, v2}, {3, v3}, {4, v3}});

  init_producer_id_request idempotent;  // null transactional id, no id yet
  idempotent.transaction_timeout_ms = 60000;
  const bytes first = {
      0x00,                                            // transactional_id null
      0x00, 0x00, 0xea, 0x60,                          // transaction_timeout_ms 60000
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // producer_id -1
      0xff, 0xff,                                      // producer_epoch -1
      0x00,                                            // tagged fields
  };
  check_codec(idempotent, 4, first);
  init_producer_id_request d;
  ASSERT_TRUE(decodes(v2, 2, d));
  EXPECT_EQ(d.producer_id, -1);  // not a v2 field
  EXPECT_EQ(d.producer_epoch, -1);
}

TEST(InitProducerIdFlex, ResponseGolden) {
  init_producer_id_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::producer_fenced);
  m.producer_id = 1000;
  m.producer_epoch = 2;
  const bytes v2 = {
      0x00, 0x00, 0x00, 0x07,                          // throttle_time_ms 7
      0x00, 0x5a,                                      // error_code 90 PRODUCER_FENCED
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  // producer_id 1000
      0x00, 0x02,                                      // producer_epoch 2
      0x00,                                            // tagged fields
  };
  EXPECT_EQ(init_producer_id_response::max_version, 4);
  check_versions_from(m, 2, {{2, v2}, {3, v2}, {4, v2}});
}

TEST(InitProducerIdFlex, RejectsHostileInput) {
  for (std::int16_t v = 2; v <= 4; ++v) {
    // A compact transactional_id length far beyond the input.
    EXPECT_FALSE(decodes<init_producer_id_request>(cat({compact_hostile, bytes(16, 0)}), v));
    // A tagged-field section claiming a field longer than what follows.
    EXPECT_FALSE(decodes<init_producer_id_response>(
        cat({bytes(16, 0), bytes{0x01, 0x00, 0x7f}}), v));
  }
  // v3: the request ends inside producer_epoch.
  EXPECT_FALSE(decodes<init_producer_id_request>(
      bytes{0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x00}, 3));
}
