// The pure parts of `tern groups`: --describe rows, the --reset-offsets plan, --topic parsing and
// the kafka-consumer-groups table layout.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "client/group_report.h"

using namespace tern::client;

namespace {
using row = std::vector<std::string>;
}

TEST(FormatTable, PadsEveryColumnButTheLast) {
  auto text =
      format_table({{"A", 0}, {"BB", 4}, {"C", 0}}, {{"xyz", "1", "last"}, {"", "22222", ""}});
  EXPECT_EQ(text,
            "A   BB    C\n"
            "xyz 1     last\n"
            "    22222 \n");
}

TEST(FormatTable, ShortRowsGetEmptyCells) {
  EXPECT_EQ(format_table({{"A", 0}, {"B", 0}}, {{"x"}}), "A B\nx \n");
  EXPECT_EQ(format_table({{"A", 0}}, {}), "A\n");
}

TEST(DescribeRows, AssignedAndCommittedPartitions) {
  std::vector<group_member_view> members = {
      {"m-1", "tern-cli", "/127.0.0.1", {{"t", 0}, {"t", 1}}}};
  std::map<topic_partition, std::int64_t> committed = {{{"t", 0}, 5}, {{"t", 2}, 7}};
  std::map<topic_partition, std::int64_t> log_end = {{{"t", 0}, 9}, {{"t", 1}, 3}, {{"t", 2}, 7}};
  auto rows = describe_rows("g", members, committed, log_end);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (row{"g", "t", "0", "5", "9", "4", "m-1", "/127.0.0.1", "tern-cli"}));
  EXPECT_EQ(rows[1],
            (row{"g", "t", "1", "-", "3", "-", "m-1", "/127.0.0.1", "tern-cli"}));  // no commit yet
  EXPECT_EQ(rows[2], (row{"g", "t", "2", "7", "7", "0", "-", "-", "-"}));  // nobody owns it
}

TEST(DescribeRows, NoMembersShowsCommittedOffsets) {
  auto rows = describe_rows("g", {}, {{{"b", 1}, 10}, {{"a", 0}, 3}}, {{{"a", 0}, 3}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (row{"g", "a", "0", "3", "3", "0", "-", "-", "-"}));
  EXPECT_EQ(rows[1],
            (row{"g", "b", "1", "10", "-", "-", "-", "-", "-"}));  // log end unknown (topic gone)
}

TEST(DescribeRows, MembersWithoutPartitionsComeLast) {
  std::vector<group_member_view> members = {{"idle", "c", "/10.0.0.2", {}},
                                            {"busy", "c", "/10.0.0.1", {{"t", 0}}}};
  auto rows = describe_rows("g", members, {}, {{{"t", 0}, 1}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][6], "busy");
  EXPECT_EQ(rows[1], (row{"g", "-", "-", "-", "-", "-", "idle", "/10.0.0.2", "c"}));
}

TEST(DescribeRows, LagIsNeverNegative) {
  // A commit beyond the log end (e.g. the log was truncated) shows lag 0, not a negative number.
  auto rows = describe_rows("g", {}, {{{"t", 0}, 12}}, {{{"t", 0}, 10}});
  EXPECT_EQ(rows[0][5], "0");
}

TEST(DescribeColumns, KafkaLayout) {
  auto text = format_table(describe_columns(), {{"g", "t", "0", "5", "5", "0", "-", "-", "-"}});
  EXPECT_EQ(
      text,
      "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             "
      "CONSUMER-ID     HOST            CLIENT-ID\n"
      "g               t               0          5               5               0               "
      "-               -               -\n");
}

class ResetPlan : public testing::Test {
 protected:
  std::vector<topic_partition> parts = {{"t", 0}, {"t", 1}};
  std::map<topic_partition, offset_bounds> bounds = {{{"t", 0}, {2, 10}}, {{"t", 1}, {0, 4}}};
  std::map<topic_partition, std::int64_t> committed = {{{"t", 0}, 6}, {{"t", 1}, 4}};
  std::vector<planned_offset> plan;
  std::vector<std::string> warnings;
  std::string error;

  std::vector<std::int64_t> offsets() const {
    std::vector<std::int64_t> out;
    for (const auto& p : plan) out.push_back(p.new_offset);
    return out;
  }
};

TEST_F(ResetPlan, ToEarliestAndLatest) {
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::to_earliest, 0}, committed, bounds, plan,
                                warnings, error));
  EXPECT_EQ(offsets(), (std::vector<std::int64_t>{2, 0}));
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::to_latest, 0}, committed, bounds, plan,
                                warnings, error));
  EXPECT_EQ(offsets(), (std::vector<std::int64_t>{10, 4}));
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(plan[0].partition, (topic_partition{"t", 0}));
}

TEST_F(ResetPlan, ToOffsetIsClampedIntoTheLog) {
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::to_offset, 3}, committed, bounds, plan,
                                warnings, error));
  EXPECT_EQ(offsets(), (std::vector<std::int64_t>{3, 3}));
  EXPECT_TRUE(warnings.empty());
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::to_offset, 7}, committed, bounds, plan,
                                warnings, error));
  EXPECT_EQ(offsets(), (std::vector<std::int64_t>{7, 4}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "New offset (7) is higher than latest offset for topic partition t-1. Value will be "
            "set to 4");
  warnings.clear();
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::to_offset, 0}, committed, bounds, plan,
                                warnings, error));
  EXPECT_EQ(offsets(), (std::vector<std::int64_t>{2, 0}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "New offset (0) is lower than earliest offset for topic partition t-0. Value will be "
            "set to 2");
}

TEST_F(ResetPlan, ShiftByMovesTheCommittedOffset) {
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::shift_by, -2}, committed, bounds, plan,
                                warnings, error));
  EXPECT_EQ(offsets(), (std::vector<std::int64_t>{4, 2}));
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::shift_by, -100}, committed, bounds, plan,
                                warnings, error));
  EXPECT_EQ(offsets(), (std::vector<std::int64_t>{2, 0}));
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::shift_by, INT64_MAX}, committed, bounds, plan,
                                warnings, error));
  EXPECT_EQ(offsets(), (std::vector<std::int64_t>{10, 4}));  // saturated, then clamped
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::shift_by, INT64_MIN}, committed, bounds, plan,
                                warnings, error));
  EXPECT_EQ(offsets(), (std::vector<std::int64_t>{2, 0}));
}

TEST_F(ResetPlan, ShiftByNeedsACommittedOffset) {
  committed.erase({"t", 1});
  EXPECT_FALSE(plan_offset_reset(parts, {reset_kind::shift_by, 1}, committed, bounds, plan,
                                 warnings, error));
  EXPECT_EQ(error,
            "cannot shift the offset of partition t-1: the group has no committed offset for it");
  // The absolute strategies do not need one.
  EXPECT_TRUE(plan_offset_reset(parts, {reset_kind::to_offset, 1}, committed, bounds, plan,
                                warnings, error));
}

TEST_F(ResetPlan, MissingBoundsFail) {
  bounds.erase({"t", 0});
  EXPECT_FALSE(plan_offset_reset(parts, {reset_kind::to_latest, 0}, committed, bounds, plan,
                                 warnings, error));
  EXPECT_EQ(error, "no offsets known for partition t-0");
}

TEST_F(ResetPlan, RowsInKafkaLayout) {
  ASSERT_TRUE(plan_offset_reset(parts, {reset_kind::to_earliest, 0}, committed, bounds, plan,
                                warnings, error));
  auto text = format_table(reset_columns(), reset_rows("g", plan));
  EXPECT_EQ(text,
            "GROUP                          TOPIC                          PARTITION  NEW-OFFSET\n"
            "g                              t                              0          2\n"
            "g                              t                              1          0\n");
}

TEST(TopicArgument, TopicAlone) {
  std::string topic, error;
  std::vector<std::int32_t> parts = {9};
  ASSERT_TRUE(parse_topic_argument("events", topic, parts, error));
  EXPECT_EQ(topic, "events");
  EXPECT_TRUE(parts.empty());
}

TEST(TopicArgument, TopicWithPartitions) {
  std::string topic, error;
  std::vector<std::int32_t> parts;
  ASSERT_TRUE(parse_topic_argument("events:3,0,3,1", topic, parts, error));
  EXPECT_EQ(topic, "events");
  EXPECT_EQ(parts, (std::vector<std::int32_t>{0, 1, 3}));
}

TEST(TopicArgument, Malformed) {
  std::string topic, error;
  std::vector<std::int32_t> parts;
  for (const char* bad : {"", ":1", "t:", "t:1,", "t:a", "t:-1", "t:1,,2", "t:99999999999", "t:1x"})
    EXPECT_FALSE(parse_topic_argument(bad, topic, parts, error)) << bad;
  EXPECT_FALSE(parse_topic_argument("t:x", topic, parts, error));
  EXPECT_EQ(error, "'t:x': 'x' is not a partition number (expected TOPIC or TOPIC:0,1,2)");
}
