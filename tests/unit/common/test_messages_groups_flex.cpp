// The consumer-group APIs up to their Kafka 3.7–3.9 versions — FindCoordinator v0–4, JoinGroup
// v0–9, SyncGroup v0–5, Heartbeat v0–4, LeaveGroup v0–5, DescribeGroups v0–5, ListGroups v0–4,
// DeleteGroups v0–2 — golden bytes for every version, and hostile input for the flexible
// versions and the fields they added.
//
// Golden bytes are written by hand, field by field, from Kafka's <Name>Request/Response.json —
// never produced by the encoder under test. Each sample sets every version-dependent field
// (including the newest ones) to a non-default value, so the classic frames also show that a
// version drops the fields it lacks. Compact encodings: a string or bytes of n bytes is the
// uvarint n+1 and the bytes (null: 0x00), an array of n elements the uvarint n+1, and every
// structure ends with its tagged-field section (0x00: none).
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "message_test_util.h"
#include "tern/common/wire.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/delete_groups.h"
#include "tern/kafka/messages/describe_groups.h"
#include "tern/kafka/messages/find_coordinator.h"
#include "tern/kafka/messages/heartbeat.h"
#include "tern/kafka/messages/join_group.h"
#include "tern/kafka/messages/leave_group.h"
#include "tern/kafka/messages/list_groups.h"
#include "tern/kafka/messages/sync_group.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

namespace {

// Classic fields.
const bytes str_g = {0x00, 0x01, 'g'};
const bytes str_h = {0x00, 0x01, 'h'};
const bytes str_m = {0x00, 0x01, 'm'};
const bytes str_i = {0x00, 0x01, 'i'};
const bytes str_consumer = {0x00, 0x08, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r'};
const bytes str_range = {0x00, 0x05, 'r', 'a', 'n', 'g', 'e'};
const bytes one = {0x00, 0x00, 0x00, 0x01};  // array count 1
const bytes two = {0x00, 0x00, 0x00, 0x02};  // array count 2

// Compact (flexible) fields.
const bytes c_g = {0x02, 'g'};
const bytes c_h = {0x02, 'h'};
const bytes c_m = {0x02, 'm'};
const bytes c_i = {0x02, 'i'};
const bytes c_consumer = {0x09, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r'};
const bytes c_range = {0x06, 'r', 'a', 'n', 'g', 'e'};
const bytes c_null = {0x00};  // null string
const bytes c_one = {0x02};   // compact array count 1
const bytes c_two = {0x03};   // compact array count 2
const bytes tags = {0x00};    // empty tagged-field section

const bytes throttle_7 = {0x00, 0x00, 0x00, 0x07};
const bytes generation_3 = {0x00, 0x00, 0x00, 0x03};
// A uvarint count/length of 2^31-1: far beyond any input below.
const bytes c_hostile = {0xff, 0xff, 0xff, 0xff, 0x07};

}  // namespace

// ---------------------------------------------------------------------------------------------
// FindCoordinator (10)

TEST(GroupsFlex, FindCoordinatorRequestEveryVersion) {
  find_coordinator_request m;
  m.coordinator_key = "g";                                      // v0–3
  m.key_type = find_coordinator_request::key_type_transaction;  // v1+
  m.coordinator_keys = {"g", "h"};                              // v4+
  const bytes v0 = str_g;                                       // key "g"
  const bytes v1 = cat({str_g, {0x01}});                        // key "g", key_type 1
  const bytes v3 = cat({c_g, {0x01}, tags});
  const bytes v4 = cat({
      {0x01},  // key_type 1
      c_two,   // coordinator_keys: 2
      c_g,     //   "g"
      c_h,     //   "h"
      tags,
  });
  check_all_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v3}, {4, v4}});

  // v4 carries no single key: decoding leaves it empty, and v3 carries no batch.
  find_coordinator_request d;
  ASSERT_TRUE(decodes(v4, 4, d));
  EXPECT_EQ(d.coordinator_key, "");
  EXPECT_EQ(d.coordinator_keys, (std::vector<std::string>{"g", "h"}));
  ASSERT_TRUE(decodes(v3, 3, d));
  EXPECT_EQ(d.coordinator_key, "g");
  EXPECT_TRUE(d.coordinator_keys.empty());
}

TEST(GroupsFlex, FindCoordinatorResponseEveryVersion) {
  find_coordinator_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::coordinator_not_available);  // v0–3
  m.error_message = "no";
  m.node_id = 1;
  m.host = "h";
  m.port = 9092;
  m.coordinators = {
      {"g", 1, "h", 9092, 0, std::nullopt},
      {"x", -1, "", -1, kafka::wire(error_code::group_authorization_failed), "denied"},
  };
  const bytes node_1 = {0x00, 0x00, 0x00, 0x01};
  const bytes port_9092 = {0x00, 0x00, 0x23, 0x84};
  const bytes v0 = cat({{0x00, 0x0f}, node_1, str_h, port_9092});  // error 15, node, host, port
  const bytes v1 = cat({
      throttle_7,
      {0x00, 0x0f},            // error_code 15 COORDINATOR_NOT_AVAILABLE
      {0x00, 0x02, 'n', 'o'},  // error_message "no"
      node_1,
      str_h,
      port_9092,
  });
  const bytes v3 = cat({
      throttle_7,
      {0x00, 0x0f},      // error_code 15
      {0x03, 'n', 'o'},  // error_message "no"
      node_1,            // node_id 1
      c_h,               // host "h"
      port_9092,         // port 9092
      tags,
  });
  const bytes v4 = cat({
      throttle_7,
      c_two,                                 // coordinators: 2
      c_g,                                   //   key "g"
      node_1,                                //   node_id 1
      c_h,                                   //   host "h"
      port_9092,                             //   port 9092
      {0x00, 0x00},                          //   error_code 0
      c_null,                                //   error_message null
      tags,                                  //
      {0x02, 'x'},                           //   key "x"
      {0xff, 0xff, 0xff, 0xff},              //   node_id -1
      {0x01},                                //   host ""
      {0xff, 0xff, 0xff, 0xff},              //   port -1
      {0x00, 0x1e},                          //   error_code 30 GROUP_AUTHORIZATION_FAILED
      {0x07, 'd', 'e', 'n', 'i', 'e', 'd'},  //   error_message "denied"
      tags,                                  //
      tags,
  });
  check_all_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v3}, {4, v4}});

  find_coordinator_response d;
  ASSERT_TRUE(decodes(v4, 4, d));
  ASSERT_EQ(d.coordinators.size(), 2u);
  EXPECT_EQ(d.coordinators[1].coordinator_key, "x");
  EXPECT_EQ(d.coordinators[1].error_message, std::optional<std::string>("denied"));
  EXPECT_EQ(d.error_code, 0);  // not a v4 field
}

TEST(GroupsFlex, FindCoordinatorRejectsHostileInput) {
  check_rejects_out_of_range_versions<find_coordinator_request>();
  check_rejects_out_of_range_versions<find_coordinator_response>();
  // v3: a null key (non-nullable), a key longer than the input.
  EXPECT_FALSE(decodes<find_coordinator_request>(cat({c_null, {0x00}, tags}), 3));
  EXPECT_FALSE(decodes<find_coordinator_request>(cat({c_hostile, padding}), 3));
  // v4: a null key list, a key count far beyond the input, a null key inside the list.
  EXPECT_FALSE(decodes<find_coordinator_request>(cat({{0x00}, c_null, tags}), 4));
  EXPECT_FALSE(decodes<find_coordinator_request>(cat({{0x00}, c_hostile, padding}), 4));
  EXPECT_FALSE(decodes<find_coordinator_request>(cat({{0x00}, c_one, c_null, tags}), 4));
  // v4 response: 20 coordinators claimed with 64 bytes left — enough for 20 one-byte elements,
  // not for 20 coordinators (at least 13 bytes each).
  EXPECT_FALSE(decodes<find_coordinator_response>(cat({throttle_7, {0x15}, bytes(64, 0)}), 4));
  EXPECT_FALSE(decodes<find_coordinator_response>(cat({throttle_7, c_hostile, padding}), 4));
  // A null coordinator list.
  EXPECT_FALSE(decodes<find_coordinator_response>(cat({throttle_7, c_null, tags}), 4));
  // A tagged field whose size runs past the end.
  EXPECT_FALSE(decodes<find_coordinator_request>(cat({{0x00}, c_one, c_g, {0x01, 0x00, 0x7f}}), 4));

  find_coordinator_response r;
  r.coordinators = {{"g", 1, "h", 9092, 0, std::nullopt}};
  sweep_hostile_counts<find_coordinator_response>(encode(r, 4), 4);
  find_coordinator_request q;
  q.coordinator_keys = {"g", "h"};
  sweep_hostile_counts<find_coordinator_request>(encode(q, 4), 4);
}

// ---------------------------------------------------------------------------------------------
// JoinGroup (11)

namespace {

const bytes range_metadata = {0xaa, 0xbb};
const bytes member_metadata = {0xcc};

join_group_request sample_join_request() {
  join_group_request m;
  m.group_id = "g";
  m.session_timeout_ms = 10000;
  m.rebalance_timeout_ms = 30000;
  m.member_id = "m";
  m.group_instance_id = "i";
  m.protocol_type = "consumer";
  m.protocols = {{"range", view(range_metadata)}};
  m.reason = "r";
  return m;
}

join_group_response sample_join_response() {
  join_group_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::rebalance_in_progress);
  m.generation_id = 3;
  m.protocol_type = "consumer";
  m.protocol_name = "range";
  m.leader = "m";
  m.skip_assignment = true;  // Tern's broker always sends false; the codec must carry either
  m.member_id = "m";
  m.members = {{"m", "i", view(member_metadata)}};
  return m;
}

}  // namespace

TEST(GroupsFlex, JoinGroupRequestEveryVersion) {
  const bytes session = {0x00, 0x00, 0x27, 0x10};    // session_timeout_ms 10000
  const bytes rebalance = {0x00, 0x00, 0x75, 0x30};  // rebalance_timeout_ms 30000
  const bytes protocols = cat({one, str_range, {0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb}});
  const bytes v0 = cat({str_g, session, str_m, str_consumer, protocols});
  const bytes v1 = cat({str_g, session, rebalance, str_m, str_consumer, protocols});
  const bytes v5 = cat({str_g, session, rebalance, str_m, str_i, str_consumer, protocols});
  const bytes flex_head = cat({
      c_g,                 // group_id "g"
      session,             // session_timeout_ms
      rebalance,           // rebalance_timeout_ms
      c_m,                 // member_id "m"
      c_i,                 // group_instance_id "i"
      c_consumer,          // protocol_type "consumer"
      c_one,               // protocols: 1
      c_range,             //   name "range"
      {0x03, 0xaa, 0xbb},  //   metadata: 2 bytes
      tags,                //
  });
  const bytes v6 = cat({flex_head, tags});
  const bytes v8 = cat({flex_head, {0x02, 'r'}, tags});  // + reason "r"
  check_all_versions(
      sample_join_request(),
      {{0, v0}, {1, v1}, {2, v1}, {3, v1}, {4, v1}, {5, v5}, {6, v6}, {7, v6}, {8, v8}, {9, v8}});

  // A null reason and a null instance id (dynamic member).
  join_group_request dynamic = sample_join_request();
  dynamic.reason = std::nullopt;
  dynamic.group_instance_id = std::nullopt;
  dynamic.protocols.clear();
  check_codec(dynamic, 9,
              cat({c_g, session, rebalance, c_m, c_null, c_consumer, {0x01}, c_null, tags}));

  join_group_request d;
  ASSERT_TRUE(decodes(v8, 8, d));
  EXPECT_EQ(d.reason, std::optional<std::string>("r"));
  EXPECT_EQ(flat(d.protocols.at(0).metadata), range_metadata);
  ASSERT_TRUE(decodes(v6, 6, d));
  EXPECT_FALSE(d.reason.has_value());  // not a v6 field
}

TEST(GroupsFlex, JoinGroupResponseEveryVersion) {
  const bytes classic_tail = cat({
      str_m,  // leader "m"
      str_m,  // member_id "m"
      one,    // members: 1
      str_m,  //   member_id "m"
  });
  const bytes classic_metadata = {0x00, 0x00, 0x00, 0x01, 0xcc};
  const bytes error_27 = {0x00, 0x1b};  // REBALANCE_IN_PROGRESS
  const bytes v0 = cat({error_27, generation_3, str_range, classic_tail, classic_metadata});
  const bytes v2 = cat({throttle_7, v0});
  const bytes v5 =
      cat({throttle_7, error_27, generation_3, str_range, classic_tail, str_i, classic_metadata});
  const bytes flex_members = cat({
      c_one,         // members: 1
      c_m,           //   member_id "m"
      c_i,           //   group_instance_id "i"
      {0x02, 0xcc},  //   metadata: 1 byte
      tags,          //
      tags,
  });
  const bytes v6 = cat({throttle_7, error_27, generation_3,
                        c_range,  // protocol_name "range"
                        c_m,      // leader "m"
                        c_m,      // member_id "m"
                        flex_members});
  const bytes v7 = cat({throttle_7, error_27, generation_3,
                        c_consumer,  // protocol_type "consumer"
                        c_range,     // protocol_name "range"
                        c_m,         // leader "m"
                        c_m,         // member_id "m"
                        flex_members});
  const bytes v9 = cat({throttle_7,
                        error_27,
                        generation_3,
                        c_consumer,
                        c_range,
                        c_m,     // leader "m"
                        {0x01},  // skip_assignment true
                        c_m,     // member_id "m"
                        flex_members});
  check_all_versions(
      sample_join_response(),
      {{0, v0}, {1, v0}, {2, v2}, {3, v2}, {4, v2}, {5, v5}, {6, v6}, {7, v7}, {8, v7}, {9, v9}});
}

TEST(GroupsFlex, JoinGroupResponseNullProtocolOnError) {
  // v7+: an error names no protocol (null type and name); before v7 the name is "" instead.
  join_group_response m;
  m.error_code = kafka::wire(error_code::inconsistent_group_protocol);
  m.generation_id = -1;
  m.member_id = "m";
  const bytes head = {
      0x00, 0x00, 0x00, 0x00,  // throttle_time_ms 0
      0x00, 0x17,              // error_code 23 INCONSISTENT_GROUP_PROTOCOL
      0xff, 0xff, 0xff, 0xff,  // generation_id -1
  };
  check_codec(m, 9, cat({head, c_null, c_null, {0x01}, {0x00}, c_m, {0x01}, tags}));
  check_codec(m, 7, cat({head, c_null, c_null, {0x01}, c_m, {0x01}, tags}));
  check_codec(m, 6, cat({head, {0x01}, {0x01}, c_m, {0x01}, tags}));  // protocol_name ""
  check_codec(m, 5, cat({head, {0x00, 0x00}, {0x00, 0x00}, str_m, {0, 0, 0, 0}}));

  join_group_response d;
  ASSERT_TRUE(decodes(encode(m, 9), 9, d));
  EXPECT_FALSE(d.protocol_type.has_value());
  EXPECT_FALSE(d.protocol_name.has_value());
  EXPECT_FALSE(d.skip_assignment);
}

TEST(GroupsFlex, JoinGroupRejectsHostileInput) {
  check_rejects_out_of_range_versions<join_group_request>();
  check_rejects_out_of_range_versions<join_group_response>();
  const bytes timeouts = {0, 0, 0x27, 0x10, 0, 0, 0x75, 0x30};
  const bytes req_head = cat({c_g, timeouts, c_m, c_null, c_consumer});  // up to protocols
  for (std::int16_t v = 6; v <= 9; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<join_group_request>(cat({req_head, c_hostile, padding}), v));
    EXPECT_FALSE(decodes<join_group_request>(cat({req_head, c_null, padding}), v));  // null array
    // Metadata: null (non-nullable bytes), then longer than the input.
    EXPECT_FALSE(
        decodes<join_group_request>(cat({req_head, c_one, c_range, c_null, tags, tags}), v));
    EXPECT_FALSE(
        decodes<join_group_request>(cat({req_head, c_one, c_range, c_hostile, padding}), v));
    // A null group_id.
    EXPECT_FALSE(decodes<join_group_request>(cat({c_null, padding}), v));
    sweep_hostile_counts<join_group_request>(encode(sample_join_request(), v), v);
    sweep_hostile_counts<join_group_response>(encode(sample_join_response(), v), v);
  }
  // v8: a reason longer than the input.
  EXPECT_FALSE(decodes<join_group_request>(cat({req_head, {0x01}, c_hostile, padding}), 8));
  // v6: protocol_name is not nullable yet.
  const bytes resp_head = cat({throttle_7, {0, 0}, generation_3});
  EXPECT_FALSE(decodes<join_group_response>(cat({resp_head, c_null, c_m, c_m, {0x01}, tags}), 6));
  // v7+: a members count far beyond the input, a member with null metadata.
  for (std::int16_t v = 7; v <= 9; ++v) {
    const bytes skip = v >= 9 ? bytes{0x00} : bytes{};
    const bytes head = cat({resp_head, c_null, c_null, c_m, skip, c_m});
    EXPECT_FALSE(decodes<join_group_response>(cat({head, c_hostile, padding}), v));
    EXPECT_FALSE(
        decodes<join_group_response>(cat({head, c_one, c_m, c_null, c_null, tags, tags}), v));
  }
}

// ---------------------------------------------------------------------------------------------
// SyncGroup (14)

namespace {

const bytes assignment_bytes = {0x00, 0x01};
const bytes own_assignment = {0xdd};

sync_group_request sample_sync_request() {
  sync_group_request m;
  m.group_id = "g";
  m.generation_id = 3;
  m.member_id = "m";
  m.group_instance_id = "i";
  m.protocol_type = "consumer";
  m.protocol_name = "range";
  m.assignments = {{"m", view(assignment_bytes)}};
  return m;
}

}  // namespace

TEST(GroupsFlex, SyncGroupRequestEveryVersion) {
  const bytes assignments = cat({one, str_m, {0x00, 0x00, 0x00, 0x02, 0x00, 0x01}});
  const bytes v0 = cat({str_g, generation_3, str_m, assignments});
  const bytes v3 = cat({str_g, generation_3, str_m, str_i, assignments});
  const bytes c_assignments = cat({
      c_one,               // assignments: 1
      c_m,                 //   member_id "m"
      {0x03, 0x00, 0x01},  //   assignment: 2 bytes
      tags,                //
  });
  const bytes v4 = cat({c_g, generation_3, c_m, c_i, c_assignments, tags});
  const bytes v5 = cat({c_g, generation_3, c_m, c_i,
                        c_consumer,  // protocol_type "consumer"
                        c_range,     // protocol_name "range"
                        c_assignments, tags});
  check_all_versions(sample_sync_request(), {{0, v0}, {1, v0}, {2, v0}, {3, v3}, {4, v4}, {5, v5}});

  // A follower on v5 with null protocol type and name (not checked by the coordinator).
  sync_group_request follower = sample_sync_request();
  follower.protocol_type = std::nullopt;
  follower.protocol_name = std::nullopt;
  follower.assignments.clear();
  check_codec(follower, 5, cat({c_g, generation_3, c_m, c_i, c_null, c_null, {0x01}, tags}));

  sync_group_request d;
  ASSERT_TRUE(decodes(v5, 5, d));
  EXPECT_EQ(d.protocol_type, std::optional<std::string>("consumer"));
  EXPECT_EQ(d.protocol_name, std::optional<std::string>("range"));
  EXPECT_EQ(flat(d.assignments.at(0).assignment), assignment_bytes);
  ASSERT_TRUE(decodes(v4, 4, d));
  EXPECT_FALSE(d.protocol_type.has_value());  // not a v4 field
}

TEST(GroupsFlex, SyncGroupResponseEveryVersion) {
  sync_group_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::illegal_generation);
  m.protocol_type = "consumer";
  m.protocol_name = "range";
  m.assignment = view(own_assignment);
  const bytes error_22 = {0x00, 0x16};  // ILLEGAL_GENERATION
  const bytes v0 = cat({error_22, {0x00, 0x00, 0x00, 0x01, 0xdd}});
  const bytes v1 = cat({throttle_7, v0});
  const bytes v4 = cat({throttle_7, error_22, {0x02, 0xdd}, tags});
  const bytes v5 = cat({throttle_7, error_22, c_consumer, c_range, {0x02, 0xdd}, tags});
  check_all_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v1}, {4, v4}, {5, v5}});

  // INCONSISTENT_GROUP_PROTOCOL: null type and name, empty assignment.
  sync_group_response refused;
  refused.error_code = kafka::wire(error_code::inconsistent_group_protocol);
  check_codec(refused, 5, cat({{0, 0, 0, 0}, {0x00, 0x17}, c_null, c_null, {0x01}, tags}));
}

TEST(GroupsFlex, SyncGroupRejectsHostileInput) {
  check_rejects_out_of_range_versions<sync_group_request>();
  check_rejects_out_of_range_versions<sync_group_response>();
  const bytes head = cat({c_g, generation_3, c_m, c_null});
  // v5: a protocol_type, then a protocol_name, longer than the input.
  EXPECT_FALSE(decodes<sync_group_request>(cat({head, c_hostile, padding}), 5));
  EXPECT_FALSE(decodes<sync_group_request>(cat({head, c_null, c_hostile, padding}), 5));
  for (std::int16_t v = 4; v <= 5; ++v) {
    SCOPED_TRACE(v);
    const bytes protocol = v >= 5 ? cat({c_null, c_null}) : bytes{};
    EXPECT_FALSE(decodes<sync_group_request>(cat({head, protocol, c_hostile, padding}), v));
    EXPECT_FALSE(decodes<sync_group_request>(cat({head, protocol, c_null, tags}), v));
    // An assignment that is null (non-nullable bytes).
    EXPECT_FALSE(
        decodes<sync_group_request>(cat({head, protocol, c_one, c_m, c_null, tags, tags}), v));
    // The response's assignment null, then longer than the input.
    EXPECT_FALSE(
        decodes<sync_group_response>(cat({throttle_7, {0, 0}, protocol, c_null, tags}), v));
    EXPECT_FALSE(
        decodes<sync_group_response>(cat({throttle_7, {0, 0}, protocol, c_hostile, padding}), v));
    sweep_hostile_counts<sync_group_request>(encode(sample_sync_request(), v), v);
  }
}

// ---------------------------------------------------------------------------------------------
// Heartbeat (12)

TEST(GroupsFlex, HeartbeatEveryVersion) {
  heartbeat_request m;
  m.group_id = "g";
  m.generation_id = 3;
  m.member_id = "m";
  m.group_instance_id = "i";
  const bytes v0 = cat({str_g, generation_3, str_m});
  const bytes v3 = cat({v0, str_i});
  const bytes v4 = cat({c_g, generation_3, c_m, c_i, tags});
  check_all_versions(m, {{0, v0}, {1, v0}, {2, v0}, {3, v3}, {4, v4}});
  m.group_instance_id = std::nullopt;
  check_codec(m, 4, cat({c_g, generation_3, c_m, c_null, tags}));

  heartbeat_response r;
  r.throttle_time_ms = 7;
  r.error_code = kafka::wire(error_code::rebalance_in_progress);
  const bytes r0 = {0x00, 0x1b};  // error_code 27
  const bytes r1 = cat({throttle_7, r0});
  check_all_versions(r, {{0, r0}, {1, r1}, {2, r1}, {3, r1}, {4, cat({r1, tags})}});
}

TEST(GroupsFlex, HeartbeatRejectsHostileInput) {
  check_rejects_out_of_range_versions<heartbeat_request>();
  check_rejects_out_of_range_versions<heartbeat_response>();
  EXPECT_FALSE(decodes<heartbeat_request>(cat({c_null, padding}), 4));  // null group_id
  EXPECT_FALSE(decodes<heartbeat_request>(cat({c_hostile, padding}), 4));
  EXPECT_FALSE(decodes<heartbeat_request>(cat({c_g, generation_3, c_null, padding}), 4));
  EXPECT_FALSE(decodes<heartbeat_request>(cat({c_g, generation_3, c_m, c_hostile, padding}), 4));
  // Tagged fields: a count claiming more fields than the input holds, a size past the end.
  EXPECT_FALSE(decodes<heartbeat_response>(cat({throttle_7, {0, 0}, c_hostile}), 4));
  EXPECT_FALSE(decodes<heartbeat_response>(cat({throttle_7, {0, 0}, {0x01, 0x00, 0x05, 0x00}}), 4));
}

// ---------------------------------------------------------------------------------------------
// LeaveGroup (13)

TEST(GroupsFlex, LeaveGroupRequestEveryVersion) {
  leave_group_request m;
  m.group_id = "g";
  m.member_id = "m";  // v0–2
  m.members = {{"a", "i", "bye"}, {"b", std::nullopt, std::nullopt}};
  const bytes v0 = cat({str_g, str_m});
  const bytes v3 = cat({str_g, two, {0x00, 0x01, 'a'}, str_i, {0x00, 0x01, 'b'}, null16});
  const bytes v4 = cat({
      c_g,          // group_id "g"
      c_two,        // members: 2
      {0x02, 'a'},  //   member_id "a"
      c_i,          //   group_instance_id "i"
      tags,         //
      {0x02, 'b'},  //   member_id "b"
      c_null,       //   group_instance_id null
      tags,         //
      tags,
  });
  const bytes v5 = cat({
      c_g,
      c_two,
      {0x02, 'a'},
      c_i,
      {0x04, 'b', 'y', 'e'},  //   reason "bye"
      tags,
      {0x02, 'b'},
      c_null,
      c_null,  //   reason null
      tags,
      tags,
  });
  check_all_versions(m, {{0, v0}, {1, v0}, {2, v0}, {3, v3}, {4, v4}, {5, v5}});

  leave_group_request d;
  ASSERT_TRUE(decodes(v5, 5, d));
  ASSERT_EQ(d.members.size(), 2u);
  EXPECT_EQ(d.members[0].reason, std::optional<std::string>("bye"));
  EXPECT_FALSE(d.members[1].reason.has_value());
  ASSERT_TRUE(decodes(v4, 4, d));
  EXPECT_FALSE(d.members[0].reason.has_value());  // not a v4 field
}

TEST(GroupsFlex, LeaveGroupResponseEveryVersion) {
  leave_group_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::not_coordinator);
  m.members = {{"a", "i", kafka::wire(error_code::unknown_member_id)}};
  const bytes v0 = {0x00, 0x10};  // error_code 16 NOT_COORDINATOR
  const bytes v1 = cat({throttle_7, v0});
  const bytes v3 = cat({v1, one, {0x00, 0x01, 'a'}, str_i, {0x00, 0x19}});
  const bytes v4 = cat({
      v1,
      c_one,         // members: 1
      {0x02, 'a'},   //   member_id "a"
      c_i,           //   group_instance_id "i"
      {0x00, 0x19},  //   error_code 25 UNKNOWN_MEMBER_ID
      tags,          //
      tags,
  });
  // v5 is identical to v4.
  check_all_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v3}, {4, v4}, {5, v4}});
}

TEST(GroupsFlex, LeaveGroupRejectsHostileInput) {
  check_rejects_out_of_range_versions<leave_group_request>();
  check_rejects_out_of_range_versions<leave_group_response>();
  for (std::int16_t v = 4; v <= 5; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<leave_group_request>(cat({c_g, c_hostile, padding}), v));
    EXPECT_FALSE(decodes<leave_group_request>(cat({c_g, c_null, tags}), v));  // null members
    // A null member_id.
    EXPECT_FALSE(
        decodes<leave_group_request>(cat({c_g, c_one, c_null, c_null, c_null, tags, tags}), v));
    EXPECT_FALSE(decodes<leave_group_response>(cat({throttle_7, {0, 0}, c_hostile, padding}), v));
    // 10 members claimed, 12 bytes left: each takes at least 4 (two strings, error code).
    EXPECT_FALSE(decodes<leave_group_response>(cat({throttle_7, {0, 0}, {0x0b}, bytes(12, 0)}), v));
    leave_group_request m;
    m.group_id = "g";
    m.members = {{"a", "i", "bye"}};
    sweep_hostile_counts<leave_group_request>(encode(m, v), v);
  }
  // v5: a reason longer than the input.
  EXPECT_FALSE(decodes<leave_group_request>(cat({c_g, c_one, c_m, c_null, c_hostile, padding}), 5));
}

// ---------------------------------------------------------------------------------------------
// DescribeGroups (15)

TEST(GroupsFlex, DescribeGroupsRequestEveryVersion) {
  describe_groups_request m;
  m.groups = {"g", "h"};
  m.include_authorized_operations = true;
  const bytes v0 = cat({two, str_g, str_h});
  const bytes v3 = cat({v0, {0x01}});  // include_authorized_operations true
  const bytes v5 = cat({c_two, c_g, c_h, {0x01}, tags});
  check_all_versions(m, {{0, v0}, {1, v0}, {2, v0}, {3, v3}, {4, v3}, {5, v5}});
}

TEST(GroupsFlex, DescribeGroupsResponseEveryVersion) {
  const bytes metadata = {0xaa};
  const bytes assignment = {0xbb};
  describe_groups_response m;
  m.throttle_time_ms = 7;
  describe_groups_response::described_group g;
  g.group_id = "g";
  g.group_state = "Stable";
  g.protocol_type = "consumer";
  g.protocol_data = "range";
  g.members = {{"m", "i", "c", "h", view(metadata), view(assignment)}};
  g.authorized_operations = 8;
  m.groups = {g};

  const bytes classic_group = cat({
      {0x00, 0x00},                                // error_code 0
      str_g,                                       // group_id "g"
      {0x00, 0x06, 'S', 't', 'a', 'b', 'l', 'e'},  // group_state "Stable"
      str_consumer,                                // protocol_type "consumer"
      str_range,                                   // protocol_data "range"
      one,                                         // members: 1
      str_m,                                       //   member_id "m"
  });
  const bytes classic_member_tail = {
      0x00, 0x01, 'c',               //   client_id "c"
      0x00, 0x01, 'h',               //   client_host "h"
      0x00, 0x00, 0x00, 0x01, 0xaa,  //   member_metadata
      0x00, 0x00, 0x00, 0x01, 0xbb,  //   member_assignment
  };
  const bytes operations = {0x00, 0x00, 0x00, 0x08};  // authorized_operations 8
  const bytes v0 = cat({one, classic_group, classic_member_tail});
  const bytes v1 = cat({throttle_7, v0});
  const bytes v3 = cat({v1, operations});
  const bytes v4 = cat({throttle_7, one, classic_group, str_i, classic_member_tail, operations});
  const bytes v5 = cat({
      throttle_7,
      c_one,                                 // groups: 1
      {0x00, 0x00},                          //   error_code 0
      c_g,                                   //   group_id "g"
      {0x07, 'S', 't', 'a', 'b', 'l', 'e'},  //   group_state "Stable"
      c_consumer,                            //   protocol_type "consumer"
      c_range,                               //   protocol_data "range"
      c_one,                                 //   members: 1
      c_m,                                   //     member_id "m"
      c_i,                                   //     group_instance_id "i"
      {0x02, 'c'},                           //     client_id "c"
      c_h,                                   //     client_host "h"
      {0x02, 0xaa},                          //     member_metadata
      {0x02, 0xbb},                          //     member_assignment
      tags,                                  //
      operations,                            //   authorized_operations 8
      tags,                                  //
      tags,
  });
  check_all_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v3}, {4, v4}, {5, v5}});
}

TEST(GroupsFlex, DescribeGroupsRejectsHostileInput) {
  check_rejects_out_of_range_versions<describe_groups_request>();
  check_rejects_out_of_range_versions<describe_groups_response>();
  EXPECT_FALSE(decodes<describe_groups_request>(cat({c_hostile, padding}), 5));
  EXPECT_FALSE(decodes<describe_groups_request>(cat({c_null, {0x00}, tags}), 5));
  EXPECT_FALSE(decodes<describe_groups_request>(cat({c_one, c_null, {0x00}, tags}), 5));
  EXPECT_FALSE(decodes<describe_groups_response>(cat({throttle_7, c_hostile, padding}), 5));
  // 5 groups claimed, 20 bytes left: each takes at least 7.
  EXPECT_FALSE(decodes<describe_groups_response>(cat({throttle_7, {0x06}, bytes(20, 0)}), 5));
  const bytes group_head = cat({throttle_7, c_one, {0, 0}, c_g, {0x01}, {0x01}, {0x01}});
  EXPECT_FALSE(decodes<describe_groups_response>(cat({group_head, c_hostile, padding}), 5));
  // A member whose metadata is null (non-nullable bytes).
  EXPECT_FALSE(decodes<describe_groups_response>(
      cat({group_head, c_one, c_m, c_null, {0x01}, {0x01}, c_null, {0x01}, tags, bytes(5, 0)}), 5));
}

// ---------------------------------------------------------------------------------------------
// ListGroups (16)

TEST(GroupsFlex, ListGroupsRequestEveryVersion) {
  list_groups_request m;
  m.states_filter = {"Stable", "Empty"};
  const bytes v4 = cat({
      c_two,                                 // states_filter: 2
      {0x07, 'S', 't', 'a', 'b', 'l', 'e'},  //   "Stable"
      {0x06, 'E', 'm', 'p', 't', 'y'},       //   "Empty"
      tags,
  });
  // v0–2: an empty body; v3: only the tagged-field section.
  check_all_versions(m, {{0, {}}, {1, {}}, {2, {}}, {3, tags}, {4, v4}});

  list_groups_request d;
  ASSERT_TRUE(decodes(v4, 4, d));
  EXPECT_EQ(d.states_filter, (std::vector<std::string>{"Stable", "Empty"}));
  check_codec(list_groups_request{}, 4, cat({{0x01}, tags}));  // no filter: every group
}

TEST(GroupsFlex, ListGroupsResponseEveryVersion) {
  list_groups_response m;
  m.throttle_time_ms = 7;
  m.error_code = kafka::wire(error_code::coordinator_load_in_progress);
  m.groups = {{"g", "consumer", "Stable"}, {"h", "", "Empty"}};
  const bytes error_14 = {0x00, 0x0e};
  const bytes v0 = cat({error_14, two, str_g, str_consumer, str_h, {0x00, 0x00}});
  const bytes v1 = cat({throttle_7, v0});
  const bytes v3 = cat({
      throttle_7,
      error_14,
      c_two,       // groups: 2
      c_g,         //   group_id "g"
      c_consumer,  //   protocol_type "consumer"
      tags,        //
      c_h,         //   group_id "h"
      {0x01},      //   protocol_type ""
      tags,        //
      tags,
  });
  const bytes v4 = cat({
      throttle_7,
      error_14,
      c_two,
      c_g,
      c_consumer,
      {0x07, 'S', 't', 'a', 'b', 'l', 'e'},  //   group_state "Stable"
      tags,
      c_h,
      {0x01},
      {0x06, 'E', 'm', 'p', 't', 'y'},  //   group_state "Empty"
      tags,
      tags,
  });
  check_all_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v3}, {4, v4}});
}

TEST(GroupsFlex, ListGroupsRejectsHostileInput) {
  check_rejects_out_of_range_versions<list_groups_request>();
  check_rejects_out_of_range_versions<list_groups_response>();
  EXPECT_FALSE(decodes<list_groups_request>(cat({c_hostile, padding}), 4));
  EXPECT_FALSE(decodes<list_groups_request>(cat({c_null, tags}), 4));  // null filter
  EXPECT_FALSE(decodes<list_groups_request>(cat({c_one, c_null, tags}), 4));
  EXPECT_FALSE(decodes<list_groups_request>(cat({c_one, c_hostile, padding}), 4));
  EXPECT_FALSE(decodes<list_groups_request>(bytes{}, 3));  // the tagged-field section is required
  for (std::int16_t v = 3; v <= 4; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<list_groups_response>(cat({throttle_7, {0, 0}, c_hostile, padding}), v));
    EXPECT_FALSE(
        decodes<list_groups_response>(cat({throttle_7, {0, 0}, c_one, c_g, c_null, tags}), v));
  }
  // v4: a null group_state.
  EXPECT_FALSE(decodes<list_groups_response>(
      cat({throttle_7, {0, 0}, c_one, c_g, {0x01}, c_null, tags, tags}), 4));
  list_groups_request q;
  q.states_filter = {"Stable"};
  sweep_hostile_counts<list_groups_request>(encode(q, 4), 4);
}

// ---------------------------------------------------------------------------------------------
// DeleteGroups (42)

TEST(GroupsFlex, DeleteGroupsEveryVersion) {
  delete_groups_request m;
  m.groups_names = {"g", "hub"};
  const bytes v0 = cat({two, str_g, {0x00, 0x03, 'h', 'u', 'b'}});
  const bytes v2 = cat({c_two, c_g, {0x04, 'h', 'u', 'b'}, tags});
  check_all_versions(m, {{0, v0}, {1, v0}, {2, v2}});

  delete_groups_response r;
  r.throttle_time_ms = 7;
  r.results = {{"g", kafka::wire(error_code::non_empty_group)}, {"h", 0}};
  const bytes r0 = cat({throttle_7, two, str_g, {0x00, 0x44}, str_h, {0x00, 0x00}});
  const bytes r2 = cat({
      throttle_7,
      c_two,         // results: 2
      c_g,           //   group_id "g"
      {0x00, 0x44},  //   error_code 68 NON_EMPTY_GROUP
      tags,          //
      c_h,           //   group_id "h"
      {0x00, 0x00},  //   error_code 0
      tags,          //
      tags,
  });
  check_all_versions(r, {{0, r0}, {1, r0}, {2, r2}});
}

TEST(GroupsFlex, DeleteGroupsRejectsHostileInput) {
  check_rejects_out_of_range_versions<delete_groups_request>();
  check_rejects_out_of_range_versions<delete_groups_response>();
  EXPECT_FALSE(decodes<delete_groups_request>(cat({c_hostile, padding}), 2));
  EXPECT_FALSE(decodes<delete_groups_request>(cat({c_null, tags}), 2));
  EXPECT_FALSE(decodes<delete_groups_request>(cat({c_one, c_null, tags}), 2));
  EXPECT_FALSE(decodes<delete_groups_response>(cat({throttle_7, c_hostile, padding}), 2));
  // 10 results claimed, 20 bytes left: each takes at least 3.
  EXPECT_FALSE(decodes<delete_groups_response>(cat({throttle_7, {0x0b}, bytes(20, 0)}), 2));
  delete_groups_request q;
  q.groups_names = {"g", "hub"};
  sweep_hostile_counts<delete_groups_request>(encode(q, 2), 2);
}

#ifndef NDEBUG
TEST(GroupsFlexDeathTest, EncodeOutsideVersionRangeAsserts) {
  wire::wire_writer w;
  EXPECT_DEATH(find_coordinator_response{}.encode(w, 5), "");
  EXPECT_DEATH(join_group_response{}.encode(w, 10), "");
  EXPECT_DEATH(sync_group_response{}.encode(w, 6), "");
  EXPECT_DEATH(heartbeat_request{}.encode(w, 5), "");
  EXPECT_DEATH(leave_group_response{}.encode(w, 6), "");
  EXPECT_DEATH(describe_groups_request{}.encode(w, 6), "");
  EXPECT_DEATH(list_groups_response{}.encode(w, 5), "");
  EXPECT_DEATH(delete_groups_response{}.encode(w, 3), "");
}
#endif
