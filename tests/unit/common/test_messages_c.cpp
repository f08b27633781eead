// Codec tests for the consumer-group and producer-id APIs — FindCoordinator, JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, InitProducerId —
// and the consumer protocol payloads (ConsumerProtocolSubscription / ConsumerProtocolAssignment).
//
// Golden bytes are written by hand, field by field, from the Kafka message schemas — never
// produced by the encoder under test. Versions whose layouts the schemas declare identical share
// one golden frame; each test says which. Every sample message populates every version-dependent
// field with a non-default value, so a field written at the wrong version or in the wrong place
// changes the bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/consumer_protocol.h"
#include "tern/kafka/messages/describe_groups.h"
#include "tern/kafka/messages/find_coordinator.h"
#include "tern/kafka/messages/heartbeat.h"
#include "tern/kafka/messages/init_producer_id.h"
#include "tern/kafka/messages/join_group.h"
#include "tern/kafka/messages/leave_group.h"
#include "tern/kafka/messages/list_groups.h"
#include "tern/kafka/messages/offset_commit.h"
#include "tern/kafka/messages/offset_fetch.h"
#include "tern/kafka/messages/sync_group.h"

#include "message_test_util.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

namespace {

// Hand-written field encodings used by several tests.
const bytes str_g = {0x00, 0x01, 'g'};  // string "g"
const bytes str_m = {0x00, 0x01, 'm'};  // string "m"
const bytes str_i = {0x00, 0x01, 'i'};  // string "i"
const bytes str_t = {0x00, 0x01, 't'};  // string "t"
const bytes str_consumer = {0x00, 0x08, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r'};
const bytes str_range = {0x00, 0x05, 'r', 'a', 'n', 'g', 'e'};
const bytes throttle_7 = {0x00, 0x00, 0x00, 0x07};     // throttle_time_ms 7
const bytes generation_3 = {0x00, 0x00, 0x00, 0x03};   // generation_id 3
const bytes one_element = {0x00, 0x00, 0x00, 0x01};    // array count 1
const bytes two_elements = {0x00, 0x00, 0x00, 0x02};   // array count 2
const bytes zero_elements = {0x00, 0x00, 0x00, 0x00};  // array count 0

// For the group APIs whose flexible versions test_messages_groups_flex.cpp checks (there with
// check_all_versions over every version): check_codec for each classic version's golden bytes,
// which must cover every version before the first flexible one.
template <typename M>
void check_classic_versions(const M& m, const std::map<std::int16_t, bytes>& golden) {
  for (const auto& [version, frame] : golden) check_codec(m, version, frame);
  EXPECT_EQ(golden.size(), static_cast<std::size_t>(M::first_flexible_version - M::min_version));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// FindCoordinator

TEST(FindCoordinator, RequestGoldenEveryVersion) {
  find_coordinator_request m;
  m.coordinator_key = "g";
  m.key_type = find_coordinator_request::key_type_transaction;
  const bytes v0 = str_g;                              // key "g"
  const bytes v1 = cat({str_g, {0x01}});               // key "g", key_type 1 (transaction)
  check_classic_versions(m, {{0, v0}, {1, v1}, {2, v1}});  // v2 is identical to v1

  find_coordinator_request d;
  ASSERT_TRUE(decodes(v0, 0, d));
  EXPECT_EQ(d.coordinator_key, "g");
  EXPECT_EQ(d.key_type, find_coordinator_request::key_type_group);  // v0 implies "group"
}

TEST(FindCoordinator, ResponseGoldenEveryVersion) {
  find_coordinator_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::coordinator_not_available);
  m.error_message = "no";
  m.node_id = 1;
  m.host = "h";
  m.port = 9092;
  const bytes tail = {
      0x00, 0x00, 0x00, 0x01,  // node_id 1
      0x00, 0x01, 'h',         // host "h"
      0x00, 0x00, 0x23, 0x84,  // port 9092
  };
  const bytes v0 = cat({{0x00, 0x0f}, tail});  // error_code 15 COORDINATOR_NOT_AVAILABLE
  const bytes v1 = cat({
      throttle_7,
      {0x00, 0x0f},            // error_code 15
      {0x00, 0x02, 'n', 'o'},  // error_message "no"
      tail,
  });
  check_classic_versions(m, {{0, v0}, {1, v1}, {2, v1}});  // v2 is identical to v1

  m.error_code = 0;
  m.error_message = std::nullopt;
  check_codec(m, 1, cat({throttle_7, {0x00, 0x00}, null16, tail}));  // error_message null
}

TEST(FindCoordinator, RejectsHostileInput) {
  check_rejects_out_of_range_versions<find_coordinator_request>();
  check_rejects_out_of_range_versions<find_coordinator_response>();
  for (std::int16_t v = 0; v <= 2; ++v) {
    SCOPED_TRACE(v);
    // key: null (non-nullable), then a maximal length with too few bytes behind it.
    EXPECT_FALSE(decodes<find_coordinator_request>(cat({null16, {0x01}}), v));
    EXPECT_FALSE(decodes<find_coordinator_request>(cat({{0x7f, 0xff}, padding}), v));
    // host: null, then a maximal length with too few bytes behind it.
    const bytes head = v >= 1 ? cat({throttle_7, {0x00, 0x00}, null16}) : bytes{0x00, 0x00};
    const bytes node_id = {0x00, 0x00, 0x00, 0x01};
    EXPECT_FALSE(decodes<find_coordinator_response>(cat({head, node_id, null16, {0, 0, 0, 0}}), v));
    EXPECT_FALSE(
        decodes<find_coordinator_response>(cat({head, node_id, {0x7f, 0xff}, padding}), v));
  }
  // A maximal error_message length (v1+).
  EXPECT_FALSE(decodes<find_coordinator_response>(
      cat({throttle_7, {0x00, 0x00}, {0x7f, 0xff}, padding}), 1));
}

// ---------------------------------------------------------------------------------------------
// JoinGroup

namespace {

const bytes range_metadata = {0xaa, 0xbb};  // opaque protocol metadata
const bytes member_metadata = {0xcc};

join_group_request sample_join_group_request() {
  join_group_request m;
  m.group_id = "g";
  m.session_timeout_ms = 10000;
  m.rebalance_timeout_ms = 30000;
  m.member_id = "m";
  m.group_instance_id = "i";
  m.protocol_type = "consumer";
  m.protocols = {{"range", view(range_metadata)}};
  return m;
}

}  // namespace

TEST(JoinGroup, RequestGoldenEveryVersion) {
  const bytes session = {0x00, 0x00, 0x27, 0x10};    // session_timeout_ms 10000
  const bytes rebalance = {0x00, 0x00, 0x75, 0x30};  // rebalance_timeout_ms 30000 (v1+)
  const bytes protocols = cat({
      one_element,                           // protocols: 1 element
      str_range,                             //   name "range"
      {0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb},  //   metadata: 2 bytes
  });
  const bytes v0 = cat({str_g, session, str_m, str_consumer, protocols});
  const bytes v1 = cat({str_g, session, rebalance, str_m, str_consumer, protocols});
  // v5: group_instance_id "i" after member_id.
  const bytes v5 = cat({str_g, session, rebalance, str_m, str_i, str_consumer, protocols});
  // v1–v4 share one layout (v4 only changes the member-id handshake).
  check_classic_versions(sample_join_group_request(),
                         {{0, v0}, {1, v1}, {2, v1}, {3, v1}, {4, v1}, {5, v5}});

  // v5 with a null group_instance_id (no static membership) and no protocols.
  join_group_request dynamic = sample_join_group_request();
  dynamic.group_instance_id = std::nullopt;
  dynamic.protocols.clear();
  check_codec(dynamic, 5,
              cat({str_g, session, rebalance, str_m, null16, str_consumer, zero_elements}));
}

TEST(JoinGroup, RequestDecodedFieldsAndDefaults) {
  const bytes frame = encode(sample_join_group_request(), 5);
  join_group_request d;
  ASSERT_TRUE(decodes(frame, 5, d));
  EXPECT_EQ(d.group_id, "g");
  EXPECT_EQ(d.session_timeout_ms, 10000);
  EXPECT_EQ(d.rebalance_timeout_ms, 30000);
  EXPECT_EQ(d.member_id, "m");
  EXPECT_EQ(d.group_instance_id, std::optional<std::string>("i"));
  EXPECT_EQ(d.protocol_type, "consumer");
  ASSERT_EQ(d.protocols.size(), 1u);
  EXPECT_EQ(d.protocols[0].name, "range");
  EXPECT_EQ(flat(d.protocols[0].metadata), range_metadata);
  // The metadata is a view into the frame, not a copy.
  EXPECT_GE(d.protocols[0].metadata.data(), frame.data());
  EXPECT_LE(d.protocols[0].metadata.data() + 2, frame.data() + frame.size());

  // Fields v0 lacks keep their defaults.
  ASSERT_TRUE(decodes(encode(sample_join_group_request(), 0), 0, d));
  EXPECT_EQ(d.rebalance_timeout_ms, -1);
  EXPECT_FALSE(d.group_instance_id.has_value());
}

TEST(JoinGroup, ResponseGoldenEveryVersion) {
  join_group_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::rebalance_in_progress);
  m.generation_id = 3;
  m.protocol_name = "range";
  m.leader = "m";
  m.member_id = "m";
  m.members = {{"m", "i", view(member_metadata)}};

  const bytes head = cat({
      {0x00, 0x1b},  // error_code 27 REBALANCE_IN_PROGRESS
      generation_3,  // generation_id 3
      str_range,     // protocol_name "range"
      str_m,         // leader "m"
      str_m,         // member_id "m"
      one_element,   // members: 1 element
      str_m,         //   member_id "m"
  });
  const bytes metadata = {0x00, 0x00, 0x00, 0x01, 0xcc};  //   metadata: 1 byte
  const bytes v0 = cat({head, metadata});
  const bytes v2 = cat({throttle_7, v0});
  const bytes v5 = cat({throttle_7, head, str_i, metadata});  // + members[].group_instance_id
  // v0–v1 share one layout, as do v2–v4.
  check_classic_versions(m, {{0, v0}, {1, v0}, {2, v2}, {3, v2}, {4, v2}, {5, v5}});

  m.members[0].group_instance_id = std::nullopt;
  check_codec(m, 5, cat({throttle_7, head, null16, metadata}));

  // A follower gets no members.
  join_group_response follower;
  follower.generation_id = 3;
  follower.protocol_name = "range";
  follower.leader = "l";
  follower.member_id = "m";
  check_codec(
      follower, 0,
      cat({{0x00, 0x00}, generation_3, str_range, {0x00, 0x01, 'l'}, str_m, zero_elements}));
}

TEST(JoinGroup, RejectsHostileInput) {
  check_rejects_out_of_range_versions<join_group_request>();
  check_rejects_out_of_range_versions<join_group_response>();
  for (std::int16_t v = 0; v <= 5; ++v) {
    SCOPED_TRACE(v);
    const bytes rebalance = v >= 1 ? bytes{0, 0, 0, 0} : bytes{};
    const bytes instance = v >= 5 ? null16 : bytes{};
    const bytes req_head =
        cat({str_g, {0, 0, 0, 0}, rebalance, str_m, instance, str_consumer});  // up to protocols
    EXPECT_FALSE(decodes<join_group_request>(with_hostile_tail(req_head), v));
    EXPECT_FALSE(decodes<join_group_request>(cat({req_head, null32, padding}), v));
    // One protocol whose metadata claims 2^31-1 bytes, and one whose metadata is null.
    EXPECT_FALSE(
        decodes<join_group_request>(with_hostile_tail(cat({req_head, one_element, str_range})), v));
    EXPECT_FALSE(
        decodes<join_group_request>(cat({req_head, one_element, str_range, null32, padding}), v));
    // A null group_id.
    EXPECT_FALSE(decodes<join_group_request>(cat({null16, padding}), v));

    const bytes throttle = v >= 2 ? throttle_7 : bytes{};
    const bytes resp_head = cat({throttle, {0, 0}, generation_3, str_range, str_m, str_m});
    EXPECT_FALSE(decodes<join_group_response>(with_hostile_tail(resp_head), v));
    EXPECT_FALSE(decodes<join_group_response>(cat({resp_head, null32, padding}), v));
    const bytes member = cat({one_element, str_m, instance});
    EXPECT_FALSE(decodes<join_group_response>(with_hostile_tail(cat({resp_head, member})), v));
    EXPECT_FALSE(decodes<join_group_response>(cat({resp_head, member, null32, padding}), v));
    // protocol_name null (nullable only from v7).
    EXPECT_FALSE(
        decodes<join_group_response>(cat({throttle, {0, 0}, generation_3, null16, padding}), v));

    sweep_hostile_counts<join_group_request>(encode(sample_join_group_request(), v), v);
  }
}

// ---------------------------------------------------------------------------------------------
// SyncGroup

namespace {

const bytes assignment_bytes = {0x00, 0x01};
const bytes own_assignment = {0xdd};

sync_group_request sample_sync_group_request() {
  sync_group_request m;
  m.group_id = "g";
  m.generation_id = 3;
  m.member_id = "m";
  m.group_instance_id = "i";
  m.assignments = {{"m", view(assignment_bytes)}};
  return m;
}

}  // namespace

TEST(SyncGroup, RequestGoldenEveryVersion) {
  const bytes assignments = cat({
      one_element,                           // assignments: 1 element
      str_m,                                 //   member_id "m"
      {0x00, 0x00, 0x00, 0x02, 0x00, 0x01},  //   assignment: 2 bytes
  });
  const bytes v0 = cat({str_g, generation_3, str_m, assignments});
  const bytes v3 = cat({str_g, generation_3, str_m, str_i, assignments});  // + group_instance_id
  // v0–v2 share one layout.
  check_classic_versions(sample_sync_group_request(), {{0, v0}, {1, v0}, {2, v0}, {3, v3}});

  // A follower sends no assignments; v3 with a null group_instance_id.
  sync_group_request follower = sample_sync_group_request();
  follower.group_instance_id = std::nullopt;
  follower.assignments.clear();
  check_codec(follower, 3, cat({str_g, generation_3, str_m, null16, zero_elements}));

  sync_group_request d;
  ASSERT_TRUE(decodes(v3, 3, d));
  ASSERT_EQ(d.assignments.size(), 1u);
  EXPECT_EQ(d.assignments[0].member_id, "m");
  EXPECT_EQ(flat(d.assignments[0].assignment), assignment_bytes);
  EXPECT_EQ(d.group_instance_id, std::optional<std::string>("i"));
}

TEST(SyncGroup, ResponseGoldenEveryVersion) {
  sync_group_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::illegal_generation);
  m.assignment = view(own_assignment);
  const bytes v0 = {
      0x00, 0x16,                    // error_code 22 ILLEGAL_GENERATION
      0x00, 0x00, 0x00, 0x01, 0xdd,  // assignment: 1 byte
  };
  const bytes v1 = cat({throttle_7, v0});
  // v1–v3 share one layout.
  check_classic_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v1}});

  sync_group_response empty;  // an error reply carries empty assignment bytes
  check_codec(empty, 0, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
}

TEST(SyncGroup, RejectsHostileInput) {
  check_rejects_out_of_range_versions<sync_group_request>();
  check_rejects_out_of_range_versions<sync_group_response>();
  for (std::int16_t v = 0; v <= 3; ++v) {
    SCOPED_TRACE(v);
    const bytes instance = v >= 3 ? null16 : bytes{};
    const bytes head = cat({str_g, generation_3, str_m, instance});
    EXPECT_FALSE(decodes<sync_group_request>(with_hostile_tail(head), v));
    EXPECT_FALSE(decodes<sync_group_request>(cat({head, null32, padding}), v));
    EXPECT_FALSE(
        decodes<sync_group_request>(with_hostile_tail(cat({head, one_element, str_m})), v));
    EXPECT_FALSE(decodes<sync_group_request>(cat({head, one_element, str_m, null32, padding}), v));

    const bytes throttle = v >= 1 ? throttle_7 : bytes{};
    EXPECT_FALSE(decodes<sync_group_response>(with_hostile_tail(cat({throttle, {0, 0}})), v));
    // assignment is non-nullable bytes.
    EXPECT_FALSE(decodes<sync_group_response>(cat({throttle, {0, 0}, null32, padding}), v));

    sweep_hostile_counts<sync_group_request>(encode(sample_sync_group_request(), v), v);
  }
}

// ---------------------------------------------------------------------------------------------
// Heartbeat

TEST(Heartbeat, RequestGoldenEveryVersion) {
  heartbeat_request m;
  m.group_id = "g";
  m.generation_id = 3;
  m.member_id = "m";
  m.group_instance_id = "i";
  const bytes v0 = cat({str_g, generation_3, str_m});
  const bytes v3 = cat({v0, str_i});  // + group_instance_id "i"
  // v0–v2 share one layout.
  check_classic_versions(m, {{0, v0}, {1, v0}, {2, v0}, {3, v3}});

  m.group_instance_id = std::nullopt;
  check_codec(m, 3, cat({v0, null16}));
}

TEST(Heartbeat, ResponseGoldenEveryVersion) {
  heartbeat_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::rebalance_in_progress);
  const bytes v0 = {0x00, 0x1b};  // error_code 27 REBALANCE_IN_PROGRESS
  const bytes v1 = cat({throttle_7, v0});
  // v1–v3 share one layout.
  check_classic_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v1}});
}

TEST(Heartbeat, RejectsHostileInput) {
  check_rejects_out_of_range_versions<heartbeat_request>();
  check_rejects_out_of_range_versions<heartbeat_response>();
  for (std::int16_t v = 0; v <= 3; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<heartbeat_request>(cat({null16, padding}), v));  // null group_id
    EXPECT_FALSE(decodes<heartbeat_request>(cat({{0x7f, 0xff}, padding}), v));
    // null member_id
    EXPECT_FALSE(decodes<heartbeat_request>(cat({str_g, generation_3, null16, padding}), v));
  }
  // A hostile group_instance_id length.
  EXPECT_FALSE(decodes<heartbeat_request>(cat({str_g, generation_3, str_m, {0x7f, 0xff}}), 3));
}

// ---------------------------------------------------------------------------------------------
// LeaveGroup

TEST(LeaveGroup, RequestGoldenEveryVersion) {
  leave_group_request m;
  m.group_id = "g";
  m.member_id = "m";
  m.members = {{"a", "i"}, {"b", std::nullopt}};
  const bytes v0 = cat({str_g, str_m});  // group_id "g", member_id "m"
  const bytes v3 = cat({
      str_g,              // group_id "g"
      two_elements,       // members: 2 elements
      {0x00, 0x01, 'a'},  //   member_id "a"
      str_i,              //   group_instance_id "i"
      {0x00, 0x01, 'b'},  //   member_id "b"
      null16,             //   group_instance_id null
  });
  // v0–v2 share one layout; v3 replaces member_id with the members array.
  check_classic_versions(m, {{0, v0}, {1, v0}, {2, v0}, {3, v3}});

  leave_group_request d;
  ASSERT_TRUE(decodes(v3, 3, d));
  EXPECT_EQ(d.member_id, "");  // not a v3 field
  ASSERT_EQ(d.members.size(), 2u);
  EXPECT_EQ(d.members[1].member_id, "b");
  EXPECT_FALSE(d.members[1].group_instance_id.has_value());
  ASSERT_TRUE(decodes(v0, 0, d));
  EXPECT_EQ(d.member_id, "m");
  EXPECT_TRUE(d.members.empty());  // not a v0 field
}

TEST(LeaveGroup, ResponseGoldenEveryVersion) {
  leave_group_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::not_coordinator);
  m.members = {{"a", "i", kafka::wire(error_code::unknown_member_id)}};
  const bytes v0 = {0x00, 0x10};  // error_code 16 NOT_COORDINATOR
  const bytes v1 = cat({throttle_7, v0});
  const bytes v3 = cat({
      v1,
      one_element,        // members: 1 element
      {0x00, 0x01, 'a'},  //   member_id "a"
      str_i,              //   group_instance_id "i"
      {0x00, 0x19},       //   error_code 25 UNKNOWN_MEMBER_ID
  });
  // v1–v2 share one layout.
  check_classic_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v3}});
}

TEST(LeaveGroup, RejectsHostileInput) {
  check_rejects_out_of_range_versions<leave_group_request>();
  check_rejects_out_of_range_versions<leave_group_response>();
  EXPECT_FALSE(decodes<leave_group_request>(with_hostile_tail(str_g), 3));
  EXPECT_FALSE(decodes<leave_group_request>(cat({str_g, null32, padding}), 3));
  EXPECT_FALSE(decodes<leave_group_request>(cat({str_g, null16, padding}), 0));  // null member_id
  EXPECT_FALSE(decodes<leave_group_response>(with_hostile_tail(cat({throttle_7, {0, 0}})), 3));
  EXPECT_FALSE(decodes<leave_group_response>(cat({throttle_7, {0, 0}, null32, padding}), 3));
  // A null member_id inside the v3 members array.
  EXPECT_FALSE(decodes<leave_group_response>(
      cat({throttle_7, {0, 0}, one_element, null16, null16, {0, 0}}), 3));
}

namespace {

// The classic versions of OffsetCommit, OffsetFetch and InitProducerId: check_codec for each
// listed version. Their flexible versions are in test_messages_offsets_flex.cpp, which asserts
// the max versions, so the two files together cover every version.
template <typename M>
void check_listed_versions(const M& m, const std::map<std::int16_t, bytes>& golden) {
  for (const auto& [version, frame] : golden) check_codec(m, version, frame);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// OffsetCommit

namespace {

offset_commit_request sample_offset_commit_request() {
  offset_commit_request m;
  m.group_id = "g";
  m.generation_id = 3;
  m.member_id = "m";
  m.group_instance_id = "i";
  m.retention_time_ms = 86400000;
  offset_commit_request::partition p1;
  p1.partition_index = 1;
  p1.committed_offset = 42;
  p1.committed_leader_epoch = 5;
  p1.commit_timestamp = 1000;
  p1.committed_metadata = "x";
  offset_commit_request::partition p2;
  p2.partition_index = 2;
  p2.committed_offset = 7;
  p2.committed_leader_epoch = 6;
  p2.commit_timestamp = -1;
  p2.committed_metadata = std::nullopt;
  m.topics = {{"t", {p1, p2}}};
  return m;
}

}  // namespace

TEST(OffsetCommit, RequestGoldenEveryVersion) {
  const bytes member = cat({generation_3, str_m});  // generation_id 3, member_id "m" (v1+)
  const bytes instance = str_i;                     // group_instance_id "i" (v7+)
  const bytes retention = {0x00, 0x00, 0x00, 0x00,
                           0x05, 0x26, 0x5c, 0x00};  // retention_time_ms 86400000 (v2–v4)
  const bytes topic_head = cat({one_element, str_t, two_elements});  // topics[1] "t", partitions[2]
  const bytes p1 = {
      0x00, 0x00, 0x00, 0x01,                          //     partition_index 1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     committed_offset 42
  };
  const bytes p1_epoch = {0x00, 0x00, 0x00, 0x05};  // leader epoch (v6+)
  const bytes p1_timestamp = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8};  // 1000 (v1 only)
  const bytes p1_metadata = {0x00, 0x01, 'x'};                                  // "x"
  const bytes p2 = {
      0x00, 0x00, 0x00, 0x02,                          //     partition_index 2
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  //     committed_offset 7
  };
  const bytes p2_epoch = {0x00, 0x00, 0x00, 0x06};
  const bytes p2_timestamp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};  // -1
  const bytes p2_metadata = null16;

  const bytes v0 = cat({str_g, topic_head, p1, p1_metadata, p2, p2_metadata});
  const bytes v1 = cat(
      {str_g, member, topic_head, p1, p1_timestamp, p1_metadata, p2, p2_timestamp, p2_metadata});
  const bytes v2 = cat({str_g, member, retention, topic_head, p1, p1_metadata, p2, p2_metadata});
  const bytes v5 = cat({str_g, member, topic_head, p1, p1_metadata, p2, p2_metadata});
  const bytes v6 =
      cat({str_g, member, topic_head, p1, p1_epoch, p1_metadata, p2, p2_epoch, p2_metadata});
  const bytes v7 = cat(
      {str_g, member, instance, topic_head, p1, p1_epoch, p1_metadata, p2, p2_epoch, p2_metadata});
  // v2–v4 share one layout.
  check_listed_versions(sample_offset_commit_request(),
                     {{0, v0}, {1, v1}, {2, v2}, {3, v2}, {4, v2}, {5, v5}, {6, v6}, {7, v7}});

  offset_commit_request no_instance = sample_offset_commit_request();
  no_instance.group_instance_id = std::nullopt;
  no_instance.topics.clear();
  check_codec(no_instance, 7, cat({str_g, member, null16, zero_elements}));
}

TEST(OffsetCommit, RequestDefaultsForMissingFields) {
  offset_commit_request d;
  ASSERT_TRUE(decodes(encode(sample_offset_commit_request(), 0), 0, d));
  EXPECT_EQ(d.group_id, "g");
  EXPECT_EQ(d.generation_id, -1);
  EXPECT_EQ(d.member_id, "");
  EXPECT_FALSE(d.group_instance_id.has_value());
  EXPECT_EQ(d.retention_time_ms, -1);
  ASSERT_EQ(d.topics.at(0).partitions.size(), 2u);
  const auto& p = d.topics[0].partitions[0];
  EXPECT_EQ(p.committed_offset, 42);
  EXPECT_EQ(p.committed_leader_epoch, -1);
  EXPECT_EQ(p.commit_timestamp, -1);
  EXPECT_EQ(p.committed_metadata, std::optional<std::string>("x"));

  ASSERT_TRUE(decodes(encode(sample_offset_commit_request(), 1), 1, d));
  EXPECT_EQ(d.topics.at(0).partitions.at(0).commit_timestamp, 1000);
  ASSERT_TRUE(decodes(encode(sample_offset_commit_request(), 3), 3, d));
  EXPECT_EQ(d.retention_time_ms, 86400000);
  EXPECT_EQ(d.topics.at(0).partitions.at(0).commit_timestamp, -1);  // v1 only
}

TEST(OffsetCommit, ResponseGoldenEveryVersion) {
  offset_commit_response m;
  m.throttle_time_ms = 7;
  m.topics = {{"t", {{1, 0}, {2, kafka::wire(error_code::illegal_generation)}}}};
  const bytes v0 = cat({
      one_element,                           // topics: 1 element
      str_t,                                 //   name "t"
      two_elements,                          //   partitions: 2 elements
      {0x00, 0x00, 0x00, 0x01, 0x00, 0x00},  //     partition_index 1, error_code 0
      {0x00, 0x00, 0x00, 0x02, 0x00, 0x16},  //     partition_index 2, error_code 22
  });
  const bytes v3 = cat({throttle_7, v0});
  // v0–v2 share one layout, as do v3–v7.
  check_listed_versions(m, {{0, v0}, {1, v0}, {2, v0}, {3, v3}, {4, v3}, {5, v3}, {6, v3}, {7, v3}});
}

TEST(OffsetCommit, RejectsHostileInput) {
  check_rejects_out_of_range_versions<offset_commit_request>();
  check_rejects_out_of_range_versions<offset_commit_response>();
  for (std::int16_t v = 0; v <= 7; ++v) {
    SCOPED_TRACE(v);
    const bytes member = v >= 1 ? cat({generation_3, str_m}) : bytes{};
    const bytes instance = v >= 7 ? null16 : bytes{};
    const bytes retention = v >= 2 && v <= 4 ? bytes(8, 0xff) : bytes{};
    const bytes head = cat({str_g, member, instance, retention});
    EXPECT_FALSE(decodes<offset_commit_request>(with_hostile_tail(head), v));
    EXPECT_FALSE(decodes<offset_commit_request>(cat({head, null32, padding}), v));
    // Hostile partition count inside the one topic.
    EXPECT_FALSE(
        decodes<offset_commit_request>(with_hostile_tail(cat({head, one_element, str_t})), v));

    const bytes throttle = v >= 3 ? throttle_7 : bytes{};
    EXPECT_FALSE(decodes<offset_commit_response>(with_hostile_tail(throttle), v));
    EXPECT_FALSE(
        decodes<offset_commit_response>(with_hostile_tail(cat({throttle, one_element, str_t})), v));
    EXPECT_FALSE(decodes<offset_commit_response>(cat({throttle, null32, padding}), v));

    sweep_hostile_counts<offset_commit_request>(encode(sample_offset_commit_request(), v), v);
  }
}

// ---------------------------------------------------------------------------------------------
// OffsetFetch

TEST(OffsetFetch, RequestGoldenEveryVersion) {
  offset_fetch_request m;
  m.group_id = "g";
  m.topics = std::vector<offset_fetch_request::topic>{{"t", {0, 2}}};
  const bytes v0 = cat({
      str_g,                     // group_id "g"
      one_element,               // topics: 1 element
      str_t,                     //   name "t"
      two_elements,              //   partition_indexes: 2 elements
      {0x00, 0x00, 0x00, 0x00},  //     0
      {0x00, 0x00, 0x00, 0x02},  //     2
  });
  // All six versions share one layout (v2+ only allow the null array).
  check_listed_versions(m, {{0, v0}, {1, v0}, {2, v0}, {3, v0}, {4, v0}, {5, v0}});
}

TEST(OffsetFetch, RequestAllTopics) {
  offset_fetch_request all;
  all.group_id = "g";  // topics = nullopt
  for (std::int16_t v = 2; v <= 5; ++v) check_codec(all, v, cat({str_g, null32}));
  offset_fetch_request d;
  ASSERT_TRUE(decodes(cat({str_g, null32}), 2, d));
  EXPECT_FALSE(d.topics.has_value());
  // Null is not a v0/v1 value; an empty array there means "no topics".
  EXPECT_FALSE(decodes<offset_fetch_request>(cat({str_g, null32}), 0));
  EXPECT_FALSE(decodes<offset_fetch_request>(cat({str_g, null32}), 1));
  ASSERT_TRUE(decodes(cat({str_g, zero_elements}), 1, d));
  ASSERT_TRUE(d.topics.has_value());
  EXPECT_TRUE(d.topics->empty());
}

TEST(OffsetFetch, ResponseGoldenEveryVersion) {
  offset_fetch_response m;
  m.throttle_time_ms = 7;
  offset_fetch_response::partition p0;
  p0.partition_index = 0;
  p0.committed_offset = 42;
  p0.committed_leader_epoch = 5;
  p0.metadata = "x";
  p0.error_code = 0;
  offset_fetch_response::partition p1;
  p1.partition_index = 1;
  p1.committed_offset = -1;
  p1.committed_leader_epoch = -1;
  p1.metadata = std::nullopt;
  p1.error_code = kafka::wire(error_code::unknown_topic_or_partition);
  m.topics = {{"t", {p0, p1}}};
  m.error_code = kafka::wire(error_code::not_coordinator);

  const bytes topic_head = cat({one_element, str_t, two_elements});
  const bytes p0_head = {
      0x00, 0x00, 0x00, 0x00,                          //     partition_index 0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     committed_offset 42
  };
  const bytes p0_epoch = {0x00, 0x00, 0x00, 0x05};      //     committed_leader_epoch 5 (v5+)
  const bytes p0_tail = {0x00, 0x01, 'x', 0x00, 0x00};  //     metadata "x", error_code 0
  const bytes p1_head = {
      0x00, 0x00, 0x00, 0x01,                          //     partition_index 1
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //     committed_offset -1
  };
  const bytes p1_epoch = {0xff, 0xff, 0xff, 0xff};  //     committed_leader_epoch -1
  const bytes p1_tail = {0xff, 0xff, 0x00, 0x03};   //     metadata null, error_code 3
  const bytes top_error = {0x00, 0x10};             // error_code 16 NOT_COORDINATOR (v2+)

  const bytes topics_v0 = cat({topic_head, p0_head, p0_tail, p1_head, p1_tail});
  const bytes topics_v5 = cat({topic_head, p0_head, p0_epoch, p0_tail, p1_head, p1_epoch, p1_tail});
  const bytes v0 = topics_v0;
  const bytes v2 = cat({topics_v0, top_error});
  const bytes v3 = cat({throttle_7, topics_v0, top_error});
  const bytes v5 = cat({throttle_7, topics_v5, top_error});
  // v0–v1 share one layout, as do v3–v4.
  check_listed_versions(m, {{0, v0}, {1, v0}, {2, v2}, {3, v3}, {4, v3}, {5, v5}});

  offset_fetch_response d;
  ASSERT_TRUE(decodes(v3, 3, d));
  EXPECT_EQ(d.topics.at(0).partitions.at(0).committed_leader_epoch, -1);  // not a v3 field
  EXPECT_EQ(d.error_code, kafka::wire(error_code::not_coordinator));
  ASSERT_TRUE(decodes(v0, 0, d));
  EXPECT_EQ(d.error_code, 0);  // not a v0 field
}

TEST(OffsetFetch, RejectsHostileInput) {
  check_rejects_out_of_range_versions<offset_fetch_request>();
  check_rejects_out_of_range_versions<offset_fetch_response>();
  for (std::int16_t v = 0; v <= 5; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<offset_fetch_request>(with_hostile_tail(str_g), v));
    EXPECT_FALSE(
        decodes<offset_fetch_request>(with_hostile_tail(cat({str_g, one_element, str_t})), v));
    // null partition_indexes
    EXPECT_FALSE(
        decodes<offset_fetch_request>(cat({str_g, one_element, str_t, null32, padding}), v));

    const bytes throttle = v >= 3 ? throttle_7 : bytes{};
    EXPECT_FALSE(decodes<offset_fetch_response>(with_hostile_tail(throttle), v));
    EXPECT_FALSE(decodes<offset_fetch_response>(cat({throttle, null32, padding}), v));
    EXPECT_FALSE(
        decodes<offset_fetch_response>(with_hostile_tail(cat({throttle, one_element, str_t})), v));
  }
}

// ---------------------------------------------------------------------------------------------
// ListGroups

TEST(ListGroups, RequestGoldenEveryVersion) {
  // The body is empty in every version.
  check_listed_versions(list_groups_request{}, {{0, {}}, {1, {}}, {2, {}}});
}

TEST(ListGroups, ResponseGoldenEveryVersion) {
  list_groups_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::coordinator_load_in_progress);
  m.groups = {{"g", "consumer"}, {"h", ""}};
  const bytes v0 = cat({
      {0x00, 0x0e},       // error_code 14 COORDINATOR_LOAD_IN_PROGRESS
      two_elements,       // groups: 2 elements
      str_g,              //   group_id "g"
      str_consumer,       //   protocol_type "consumer"
      {0x00, 0x01, 'h'},  //   group_id "h"
      {0x00, 0x00},       //   protocol_type ""
  });
  const bytes v1 = cat({throttle_7, v0});
  // v1–v2 share one layout.
  check_listed_versions(m, {{0, v0}, {1, v1}, {2, v1}});
}

TEST(ListGroups, RejectsHostileInput) {
  check_rejects_out_of_range_versions<list_groups_request>();
  check_rejects_out_of_range_versions<list_groups_response>();
  for (std::int16_t v = 0; v <= 2; ++v) {
    SCOPED_TRACE(v);
    const bytes head = v >= 1 ? cat({throttle_7, {0, 0}}) : bytes{0, 0};
    EXPECT_FALSE(decodes<list_groups_response>(with_hostile_tail(head), v));
    EXPECT_FALSE(decodes<list_groups_response>(cat({head, null32, padding}), v));
    EXPECT_FALSE(decodes<list_groups_response>(cat({head, one_element, str_g, null16}), v));
  }
}

// ---------------------------------------------------------------------------------------------
// DescribeGroups

TEST(DescribeGroups, RequestGoldenEveryVersion) {
  describe_groups_request m;
  m.groups = {"g", "h"};
  m.include_authorized_operations = true;
  const bytes v0 = cat({two_elements, str_g, {0x00, 0x01, 'h'}});  // groups ["g", "h"]
  const bytes v3 = cat({v0, {0x01}});  // + include_authorized_operations true
  // v0–v2 share one layout, as do v3–v4.
  check_listed_versions(m, {{0, v0}, {1, v0}, {2, v0}, {3, v3}, {4, v3}});
}

namespace {

const bytes described_metadata = {0xaa};
const bytes described_assignment = {0xbb};

describe_groups_response sample_describe_groups_response() {
  describe_groups_response m;
  m.throttle_time_ms = 7;
  describe_groups_response::described_group g;
  g.error_code = 0;
  g.group_id = "g";
  g.group_state = "Stable";
  g.protocol_type = "consumer";
  g.protocol_data = "range";
  g.members = {{"m", "i", "c", "h", view(described_metadata), view(described_assignment)}};
  g.authorized_operations = 8;
  m.groups = {g};
  return m;
}

}  // namespace

TEST(DescribeGroups, ResponseGoldenEveryVersion) {
  const bytes group_head = cat({
      one_element,                                 // groups: 1 element
      {0x00, 0x00},                                //   error_code 0
      str_g,                                       //   group_id "g"
      {0x00, 0x06, 'S', 't', 'a', 'b', 'l', 'e'},  //   group_state "Stable"
      str_consumer,                                //   protocol_type "consumer"
      str_range,                                   //   protocol_data "range"
      one_element,                                 //   members: 1 element
      str_m,                                       //     member_id "m"
  });
  const bytes instance = str_i;  //     group_instance_id "i" (v4+)
  const bytes member_tail = {
      0x00, 0x01, 'c',               //     client_id "c"
      0x00, 0x01, 'h',               //     client_host "h"
      0x00, 0x00, 0x00, 0x01, 0xaa,  //     member_metadata: 1 byte
      0x00, 0x00, 0x00, 0x01, 0xbb,  //     member_assignment: 1 byte
  };
  const bytes operations = {0x00, 0x00, 0x00, 0x08};  //   authorized_operations 8 (v3+)

  const bytes v0 = cat({group_head, member_tail});
  const bytes v1 = cat({throttle_7, v0});
  const bytes v3 = cat({throttle_7, group_head, member_tail, operations});
  const bytes v4 = cat({throttle_7, group_head, instance, member_tail, operations});
  // v1–v2 share one layout.
  check_listed_versions(sample_describe_groups_response(),
                         {{0, v0}, {1, v1}, {2, v1}, {3, v3}, {4, v4}});

  describe_groups_response d;
  ASSERT_TRUE(decodes(v1, 1, d));
  EXPECT_EQ(d.groups.at(0).authorized_operations, INT32_MIN);  // not a v1 field
  EXPECT_FALSE(d.groups[0].members.at(0).group_instance_id.has_value());
  EXPECT_EQ(flat(d.groups[0].members[0].member_assignment), described_assignment);

  // A group that does not exist: empty strings and no members; v4 with a null instance id.
  describe_groups_response dead;
  dead.groups = {{kafka::wire(error_code::group_id_not_found), "x", "Dead", "", "", {}, 0}};
  check_codec(dead, 3,
              cat({
                  {0x00, 0x00, 0x00, 0x00},          // throttle_time_ms 0
                  one_element,                       // groups: 1 element
                  {0x00, 0x45},                      //   error_code 69 GROUP_ID_NOT_FOUND
                  {0x00, 0x01, 'x'},                 //   group_id "x"
                  {0x00, 0x04, 'D', 'e', 'a', 'd'},  //   group_state "Dead"
                  {0x00, 0x00},                      //   protocol_type ""
                  {0x00, 0x00},                      //   protocol_data ""
                  zero_elements,                     //   members: 0 elements
                  {0x00, 0x00, 0x00, 0x00},          //   authorized_operations 0
              }));
  describe_groups_response null_instance = sample_describe_groups_response();
  null_instance.groups[0].members[0].group_instance_id = std::nullopt;
  check_codec(null_instance, 4, cat({throttle_7, group_head, null16, member_tail, operations}));
}

TEST(DescribeGroups, RejectsHostileInput) {
  check_rejects_out_of_range_versions<describe_groups_request>();
  check_rejects_out_of_range_versions<describe_groups_response>();
  for (std::int16_t v = 0; v <= 4; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<describe_groups_request>(with_hostile_tail({}), v));
    EXPECT_FALSE(decodes<describe_groups_request>(cat({null32, padding}), v));
    EXPECT_FALSE(decodes<describe_groups_request>(cat({one_element, null16, padding}), v));

    const bytes throttle = v >= 1 ? throttle_7 : bytes{};
    EXPECT_FALSE(decodes<describe_groups_response>(with_hostile_tail(throttle), v));
    EXPECT_FALSE(decodes<describe_groups_response>(cat({throttle, null32, padding}), v));
    // Hostile members count inside the group, and a hostile member_metadata length.
    const bytes group_head = cat({throttle, one_element, {0, 0}, str_g, str_g, str_g, str_g});
    EXPECT_FALSE(decodes<describe_groups_response>(with_hostile_tail(group_head), v));
    const bytes instance = v >= 4 ? null16 : bytes{};
    const bytes member_head = cat({group_head, one_element, str_m, instance, str_m, str_m});
    EXPECT_FALSE(decodes<describe_groups_response>(with_hostile_tail(member_head), v));
    EXPECT_FALSE(decodes<describe_groups_response>(cat({member_head, null32, padding}), v));

    sweep_hostile_counts<describe_groups_response>(encode(sample_describe_groups_response(), v), v);
  }
}

// ---------------------------------------------------------------------------------------------
// InitProducerId

TEST(InitProducerId, RequestGoldenEveryVersion) {
  init_producer_id_request m;
  m.transactional_id = "tx";
  m.transaction_timeout_ms = 60000;
  const bytes timeout = {0x00, 0x00, 0xea, 0x60};           // transaction_timeout_ms 60000
  const bytes v0 = cat({{0x00, 0x02, 't', 'x'}, timeout});  // transactional_id "tx"
  // v0–v1 share one layout.
  check_listed_versions(m, {{0, v0}, {1, v0}});

  init_producer_id_request idempotent;  // no transactional id
  idempotent.transaction_timeout_ms = 60000;
  check_listed_versions(idempotent, {{0, cat({null16, timeout})}, {1, cat({null16, timeout})}});
}

TEST(InitProducerId, ResponseGoldenEveryVersion) {
  init_producer_id_response m;
  m.throttle_time_ms = 7;
  m.error_code = 0;
  m.producer_id = 1000;
  m.producer_epoch = 2;
  const bytes v0 = cat({
      throttle_7,                                        // throttle_time_ms 7
      {0x00, 0x00},                                      // error_code 0
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8},  // producer_id 1000
      {0x00, 0x02},                                      // producer_epoch 2
  });
  // v0–v1 share one layout.
  check_listed_versions(m, {{0, v0}, {1, v0}});
}

TEST(InitProducerId, RejectsHostileInput) {
  check_rejects_out_of_range_versions<init_producer_id_request>();
  check_rejects_out_of_range_versions<init_producer_id_response>();
  for (std::int16_t v = 0; v <= 1; ++v) {
    // A transactional_id length of 32767 with far fewer bytes behind it, and a length of -2.
    EXPECT_FALSE(decodes<init_producer_id_request>(cat({{0x7f, 0xff}, padding}), v));
    EXPECT_FALSE(decodes<init_producer_id_request>(cat({{0xff, 0xfe}, padding}), v));
  }
}

// ---------------------------------------------------------------------------------------------
// Consumer protocol payloads (versions travel in-band)

namespace {

template <typename M>
bytes encode_payload(const M& m, std::int16_t version) {
  wire::wire_writer w;
  m.encode(w, version);
  return w.contiguous();
}

template <typename M>
bool decodes_payload(const bytes& input, M& out) {
  wire::wire_reader r(view(input));
  return out.decode(r);
}

// As check_codec, for a payload whose version is its first field.
template <typename M>
void check_payload(const M& m, std::int16_t version, const bytes& golden) {
  SCOPED_TRACE(testing::Message() << "version " << version);
  const bytes encoded = encode_payload(m, version);
  EXPECT_EQ(encoded, golden);
  for (const bytes* input : {&golden, &encoded}) {
    M decoded;
    wire::wire_reader r(view(*input));
    ASSERT_TRUE(decoded.decode(r));
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(decoded.sender_version, version);
    EXPECT_EQ(encode_payload(decoded, version), golden);
  }
  for (std::size_t len = 0; len < golden.size(); ++len) {
    M truncated;
    wire::wire_reader r(wire::bytes_view(golden.data(), len));
    EXPECT_FALSE(truncated.decode(r)) << "prefix of " << len << " bytes decoded";
  }
}

const bytes user_data = {0x01};

}  // namespace

TEST(ConsumerProtocol, SubscriptionGoldenEveryVersion) {
  consumer_protocol_subscription v0_only;
  v0_only.topics = {"t"};
  check_payload(v0_only, 0,
                {
                    0x00, 0x00,              // version 0
                    0x00, 0x00, 0x00, 0x01,  // topics: 1 element
                    0x00, 0x01, 0x74,        //   "t"
                    0xff, 0xff, 0xff, 0xff,  // user_data null
                });

  consumer_protocol_subscription m;
  m.topics = {"t", "u"};
  m.user_data = view(user_data);
  m.owned_partitions = {{"t", {0, 1}}};
  const bytes body = cat({
      two_elements,                    // topics: 2 elements
      str_t,                           //   "t"
      {0x00, 0x01, 'u'},               //   "u"
      {0x00, 0x00, 0x00, 0x01, 0x01},  // user_data: 1 byte
  });
  const bytes owned = cat({
      one_element,               // owned_partitions: 1 element
      str_t,                     //   topic "t"
      two_elements,              //   partitions: 2 elements
      {0x00, 0x00, 0x00, 0x00},  //     0
      {0x00, 0x00, 0x00, 0x01},  //     1
  });
  check_payload(m, 0, cat({{0x00, 0x00}, body}));         // owned_partitions dropped at v0
  check_payload(m, 1, cat({{0x00, 0x01}, body, owned}));  // version 1

  // user_data is a view into the payload, which must outlive it.
  const bytes payload = cat({{0x00, 0x01}, body, owned});
  consumer_protocol_subscription d;
  ASSERT_TRUE(decodes_payload(payload, d));
  EXPECT_EQ(d.topics, (std::vector<std::string>{"t", "u"}));
  ASSERT_TRUE(d.user_data.has_value());
  EXPECT_EQ(flat(*d.user_data), user_data);
  ASSERT_EQ(d.owned_partitions.size(), 1u);
  EXPECT_EQ(d.owned_partitions[0].topic, "t");
  EXPECT_EQ(d.owned_partitions[0].partitions, (std::vector<std::int32_t>{0, 1}));
}

TEST(ConsumerProtocol, SubscriptionFromNewerClientReadsKnownFields) {
  // A v3 subscription (as Java clients send): the v1 fields, then generation_id (v2+) and
  // rack_id (v3+), which we leave unread.
  const bytes v3 = cat({
      {0x00, 0x03},  // version 3
      one_element,
      str_t,                     // topics ["t"]
      null32,                    // user_data null
      zero_elements,             // owned_partitions: 0 elements
      {0x00, 0x00, 0x00, 0x05},  // generation_id 5
      {0x00, 0x01, 'r'},         // rack_id "r"
  });
  consumer_protocol_subscription d;
  wire::wire_reader r(view(v3));
  ASSERT_TRUE(d.decode(r));
  EXPECT_EQ(d.sender_version, 3);
  EXPECT_EQ(d.topics, (std::vector<std::string>{"t"}));
  EXPECT_FALSE(d.user_data.has_value());
  EXPECT_TRUE(d.owned_partitions.empty());
  EXPECT_EQ(r.remaining(), 7u);
}

TEST(ConsumerProtocol, AssignmentGoldenEveryVersion) {
  consumer_protocol_assignment m;
  m.assigned_partitions = {{"t", {0, 2}}, {"u", {1}}};
  const bytes body = cat({
      two_elements,              // assigned_partitions: 2 elements
      str_t,                     //   topic "t"
      two_elements,              //   partitions: 2 elements
      {0x00, 0x00, 0x00, 0x00},  //     0
      {0x00, 0x00, 0x00, 0x02},  //     2
      {0x00, 0x01, 'u'},         //   topic "u"
      one_element,               //   partitions: 1 element
      {0x00, 0x00, 0x00, 0x01},  //     1
      null32,                    // user_data null
  });
  // v0 and v1 share one layout after the version.
  check_payload(m, 0, cat({{0x00, 0x00}, body}));
  check_payload(m, 1, cat({{0x00, 0x01}, body}));

  consumer_protocol_assignment with_user_data;
  with_user_data.user_data = view(user_data);
  check_payload(with_user_data, 1,
                cat({{0x00, 0x01}, zero_elements, {0x00, 0x00, 0x00, 0x01, 0x01}}));

  // A newer (v2) assignment has the same layout and reads as v1.
  const bytes v2 = cat({{0x00, 0x02}, body});
  consumer_protocol_assignment d;
  ASSERT_TRUE(decodes_payload(v2, d));
  EXPECT_EQ(d.sender_version, 2);
  ASSERT_EQ(d.assigned_partitions.size(), 2u);
  EXPECT_EQ(d.assigned_partitions[1].topic, "u");
  EXPECT_EQ(d.assigned_partitions[1].partitions, (std::vector<std::int32_t>{1}));
}

TEST(ConsumerProtocol, RejectsHostileInput) {
  consumer_protocol_subscription s;
  consumer_protocol_assignment a;
  // Empty payloads (e.g. the assignment of a failed SyncGroup) and negative versions.
  EXPECT_FALSE(decodes_payload(bytes{}, s));
  EXPECT_FALSE(decodes_payload(bytes{}, a));
  EXPECT_FALSE(decodes_payload(cat({{0xff, 0xff}, zero_elements, null32}), s));
  EXPECT_FALSE(decodes_payload(cat({{0x80, 0x00}, zero_elements, null32}), a));
  for (const bytes& version : {bytes{0x00, 0x00}, bytes{0x00, 0x01}}) {
    EXPECT_FALSE(decodes_payload(with_hostile_tail(version), s));
    EXPECT_FALSE(decodes_payload(with_hostile_tail(version), a));
    EXPECT_FALSE(decodes_payload(cat({version, null32, padding}), s));  // null topics
    EXPECT_FALSE(decodes_payload(cat({version, null32, padding}), a));
    EXPECT_FALSE(decodes_payload(cat({version, one_element, null16, padding}), s));
    // A hostile partitions count, and a hostile user_data length.
    EXPECT_FALSE(decodes_payload(with_hostile_tail(cat({version, one_element, str_t})), a));
    EXPECT_FALSE(decodes_payload(with_hostile_tail(cat({version, zero_elements})), s));
  }
  // v1: hostile owned_partitions count, and null owned_partitions.
  const bytes v1_head = cat({{0x00, 0x01}, zero_elements, null32});
  EXPECT_FALSE(decodes_payload(with_hostile_tail(v1_head), s));
  EXPECT_FALSE(decodes_payload(cat({v1_head, null32, padding}), s));
}

// ---------------------------------------------------------------------------------------------
// Programmer errors assert (only where assertions are compiled in).

#ifndef NDEBUG
TEST(MessagesCDeathTest, EncodeOutsideVersionRangeAsserts) {
  wire::wire_writer w;
  EXPECT_DEATH(find_coordinator_request{}.encode(w, 5), "");
  EXPECT_DEATH(join_group_request{}.encode(w, 10), "");
  EXPECT_DEATH(join_group_response{}.encode(w, -1), "");
  EXPECT_DEATH(sync_group_request{}.encode(w, 6), "");
  EXPECT_DEATH(heartbeat_response{}.encode(w, 5), "");
  EXPECT_DEATH(leave_group_request{}.encode(w, 6), "");
  EXPECT_DEATH(offset_commit_request{}.encode(w, 9), "");
  EXPECT_DEATH(offset_fetch_response{}.encode(w, 9), "");
  EXPECT_DEATH(list_groups_request{}.encode(w, 5), "");
  EXPECT_DEATH(describe_groups_response{}.encode(w, 6), "");
  EXPECT_DEATH(init_producer_id_request{}.encode(w, 5), "");
  EXPECT_DEATH(consumer_protocol_subscription{}.encode(w, 2), "");
  EXPECT_DEATH(consumer_protocol_assignment{}.encode(w, -1), "");
  offset_fetch_request all;  // topics = nullopt: "all topics" does not exist before v2
  EXPECT_DEATH(all.encode(w, 1), "");
}
#endif
