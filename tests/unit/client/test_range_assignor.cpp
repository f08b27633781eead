// Kafka's RangeAssignor as the group leader computes it, and the leader's encoding of the
// subscriptions it receives and the assignments it sends. Expected assignments follow Kafka's
// RangeAssignorTest cases and the algorithm's definition (n/m each, the first n%m one more).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "client/group_member.h"
#include "client/range_assignor.h"
#include "tern/kafka/messages/consumer_protocol.h"

using namespace tern;
using namespace tern::client;

namespace {

using partitions = std::vector<topic_partition>;

std::vector<std::int32_t> range(std::int32_t n) {
  std::vector<std::int32_t> out;
  for (std::int32_t i = 0; i < n; ++i) out.push_back(i);
  return out;
}

std::vector<std::uint8_t> subscription(const std::vector<std::string>& topics,
                                       std::int16_t version = 0) {
  kafka::consumer_protocol_subscription s;
  s.topics = topics;
  wire::wire_writer w;
  s.encode(w, version);
  return w.contiguous();
}

kafka::consumer_protocol_assignment decode_assignment(const std::vector<std::uint8_t>& bytes) {
  kafka::consumer_protocol_assignment a;
  wire::wire_reader r(wire::bytes_view(bytes.data(), bytes.size()));
  EXPECT_TRUE(a.decode(r));
  EXPECT_EQ(r.remaining(), 0u);
  return a;
}

}  // namespace

TEST(RangeAssignor, OneMemberGetsEverything) {
  auto a = range_assign({{"m1", std::nullopt, {"t"}}}, {{"t", range(3)}});
  EXPECT_EQ(a["m1"], (partitions{{"t", 0}, {"t", 1}, {"t", 2}}));
}

TEST(RangeAssignor, TwoMembersTwoTopicsThreePartitionsEach) {
  // Kafka's testTwoConsumersTwoTopicsSixPartitions: per topic the first member gets the extra one.
  auto a = range_assign({{"c1", std::nullopt, {"t1", "t2"}}, {"c0", std::nullopt, {"t1", "t2"}}},
                        {{"t1", range(3)}, {"t2", range(3)}});
  EXPECT_EQ(a["c0"], (partitions{{"t1", 0}, {"t1", 1}, {"t2", 0}, {"t2", 1}}));
  EXPECT_EQ(a["c1"], (partitions{{"t1", 2}, {"t2", 2}}));
}

TEST(RangeAssignor, EvenSplitOfFourPartitions) {
  auto a =
      range_assign({{"b", std::nullopt, {"t"}}, {"a", std::nullopt, {"t"}}}, {{"t", range(4)}});
  EXPECT_EQ(a["a"], (partitions{{"t", 0}, {"t", 1}}));
  EXPECT_EQ(a["b"], (partitions{{"t", 2}, {"t", 3}}));
}

TEST(RangeAssignor, FirstMembersGetTheRemainder) {
  // 7 partitions over 3 members: 3, 2, 2.
  auto a = range_assign(
      {{"m3", std::nullopt, {"t"}}, {"m1", std::nullopt, {"t"}}, {"m2", std::nullopt, {"t"}}},
      {{"t", range(7)}});
  EXPECT_EQ(a["m1"], (partitions{{"t", 0}, {"t", 1}, {"t", 2}}));
  EXPECT_EQ(a["m2"], (partitions{{"t", 3}, {"t", 4}}));
  EXPECT_EQ(a["m3"], (partitions{{"t", 5}, {"t", 6}}));
}

TEST(RangeAssignor, MoreMembersThanPartitions) {
  auto a = range_assign(
      {{"a", std::nullopt, {"t"}}, {"b", std::nullopt, {"t"}}, {"c", std::nullopt, {"t"}}},
      {{"t", range(2)}});
  EXPECT_EQ(a["a"], (partitions{{"t", 0}}));
  EXPECT_EQ(a["b"], (partitions{{"t", 1}}));
  ASSERT_TRUE(a.count("c"));  // every member gets an entry, even an empty one
  EXPECT_TRUE(a["c"].empty());
}

TEST(RangeAssignor, EveryPartitionExactlyOnce) {
  std::vector<member_subscription> members;
  for (int i = 0; i < 5; ++i)
    members.push_back({"m" + std::to_string(i), std::nullopt, {"x", "y"}});
  auto a = range_assign(members, {{"x", range(13)}, {"y", range(4)}});
  std::map<topic_partition, int> owners;
  for (const auto& [m, ps] : a)
    for (const auto& tp : ps) ++owners[tp];
  EXPECT_EQ(owners.size(), 17u);
  for (const auto& [tp, n] : owners) EXPECT_EQ(n, 1) << to_string(tp);
}

TEST(RangeAssignor, OnlySubscribersOfATopicShareIt) {
  auto a = range_assign({{"a", std::nullopt, {"t1"}}, {"b", std::nullopt, {"t1", "t2"}}},
                        {{"t1", range(2)}, {"t2", range(2)}});
  EXPECT_EQ(a["a"], (partitions{{"t1", 0}}));
  EXPECT_EQ(a["b"], (partitions{{"t1", 1}, {"t2", 0}, {"t2", 1}}));
}

TEST(RangeAssignor, UnknownTopicsAndEmptySubscriptionsAreSkipped) {
  auto a = range_assign({{"a", std::nullopt, {"missing", "t"}}, {"b", std::nullopt, {}}},
                        {{"t", range(1)}});
  EXPECT_EQ(a["a"], (partitions{{"t", 0}}));
  EXPECT_TRUE(a["b"].empty());
  EXPECT_TRUE(range_assign({}, {{"t", range(3)}}).empty());
}

TEST(RangeAssignor, PartitionIdsAreSortedAndDeduplicated) {
  auto a = range_assign({{"a", std::nullopt, {"t", "t"}}, {"b", std::nullopt, {"t"}}},
                        {{"t", {3, 1, 0, 2, 2}}});
  EXPECT_EQ(a["a"], (partitions{{"t", 0}, {"t", 1}}));
  EXPECT_EQ(a["b"], (partitions{{"t", 2}, {"t", 3}}));
}

TEST(RangeAssignor, StaticMembersSortFirstByInstanceId) {
  // Kafka's MemberInfo order: static members (by group.instance.id) before dynamic ones, so a
  // restarted static member gets the same range whatever member id it was given.
  auto a = range_assign({{"a-dynamic", std::nullopt, {"t"}},
                         {"z-static", std::string("instance-1"), {"t"}},
                         {"b-static", std::string("instance-2"), {"t"}}},
                        {{"t", range(3)}});
  EXPECT_EQ(a["z-static"], (partitions{{"t", 0}}));
  EXPECT_EQ(a["b-static"], (partitions{{"t", 1}}));
  EXPECT_EQ(a["a-dynamic"], (partitions{{"t", 2}}));
}

TEST(RangeAssignor, ResultDoesNotDependOnInputOrder) {
  std::vector<member_subscription> m1 = {
      {"a", std::nullopt, {"t", "u"}}, {"b", std::nullopt, {"u", "t"}}, {"c", std::nullopt, {"t"}}};
  std::vector<member_subscription> m2 = {m1[2], m1[0], m1[1]};
  std::map<std::string, std::vector<std::int32_t>> p = {{"t", range(5)}, {"u", range(3)}};
  EXPECT_EQ(range_assign(m1, p), range_assign(m2, p));
}

TEST(LeaderAssignments, EncodesOneConsumerProtocolAssignmentPerMember) {
  std::vector<joined_member> members = {{"m2", std::nullopt, subscription({"t"})},
                                        {"m1", std::nullopt, subscription({"t"}, 1)}};
  EXPECT_EQ(subscribed_topics(members), std::vector<std::string>{"t"});
  auto out = leader_assignments(members, {{"t", range(3)}});
  ASSERT_EQ(out.size(), 2u);
  std::map<std::string, kafka::consumer_protocol_assignment> by_member;
  for (const auto& [m, bytes] : out) by_member[m] = decode_assignment(bytes);
  ASSERT_EQ(by_member["m1"].assigned_partitions.size(), 1u);
  EXPECT_EQ(by_member["m1"].assigned_partitions[0].topic, "t");
  EXPECT_EQ(by_member["m1"].assigned_partitions[0].partitions, (std::vector<std::int32_t>{0, 1}));
  EXPECT_EQ(by_member["m1"].sender_version, 1);  // answered in the version it subscribed with
  EXPECT_EQ(by_member["m2"].assigned_partitions[0].partitions, (std::vector<std::int32_t>{2}));
  EXPECT_EQ(by_member["m2"].sender_version, 0);
  EXPECT_FALSE(by_member["m2"].user_data.has_value());
}

TEST(LeaderAssignments, GoldenBytesOfOneAssignment) {
  auto out = leader_assignments({{"m", std::nullopt, subscription({"t"})}}, {{"t", range(2)}});
  ASSERT_EQ(out.size(), 1u);
  const std::vector<std::uint8_t> golden = {
      0x00, 0x00,              // version 0
      0x00, 0x00, 0x00, 0x01,  // assigned_partitions: 1 topic
      0x00, 0x01, 't',         //   topic "t"
      0x00, 0x00, 0x00, 0x02,  //   partitions: 2
      0x00, 0x00, 0x00, 0x00,  //     0
      0x00, 0x00, 0x00, 0x01,  //     1
      0xff, 0xff, 0xff, 0xff,  // user_data null
  };
  EXPECT_EQ(out[0].second, golden);
}

TEST(LeaderAssignments, UnreadableSubscriptionGetsNothing) {
  std::vector<joined_member> members = {{"good", std::nullopt, subscription({"t"})},
                                        {"bad", std::nullopt, {0x00}},  // truncated version
                                        {"empty", std::nullopt, {}}};
  EXPECT_EQ(subscribed_topics(members), std::vector<std::string>{"t"});
  auto out = leader_assignments(members, {{"t", range(2)}});
  ASSERT_EQ(out.size(), 3u);
  for (const auto& [m, bytes] : out) {
    auto a = decode_assignment(bytes);
    if (m == "good") {
      ASSERT_EQ(a.assigned_partitions.size(), 1u);
      EXPECT_EQ(a.assigned_partitions[0].partitions, (std::vector<std::int32_t>{0, 1}));
    } else {
      EXPECT_TRUE(a.assigned_partitions.empty()) << m;
    }
  }
}
