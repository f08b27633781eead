// Replica placement: Kafka's round-robin spread and explicit assignment checks.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cluster/errors.h"
#include "cluster/placement.h"
#include "test_metadata_util.h"

namespace tern::cluster {
namespace {

TEST(Placement, MatchesKafkasRoundRobin) {
  // Kafka's AdminUtils example (5 brokers, start index 0, shift 0): partition p's first replica
  // is broker p mod 5; the second follows at +1, then +2 after the first round.
  std::vector<node_id> brokers = {0, 1, 2, 3, 4};
  replica_assignment a;
  ASSERT_FALSE(assign_replicas(brokers, 10, 3, {0, 0}, a));
  ASSERT_EQ(a.size(), 10u);
  EXPECT_EQ(a[0], (std::vector<node_id>{0, 1, 2}));
  EXPECT_EQ(a[1], (std::vector<node_id>{1, 2, 3}));
  EXPECT_EQ(a[4], (std::vector<node_id>{4, 0, 1}));
  EXPECT_EQ(a[5], (std::vector<node_id>{0, 2, 3}));
  EXPECT_EQ(a[9], (std::vector<node_id>{4, 1, 2}));
}

TEST(Placement, StartIndexAndShiftComeFromTheCaller) {
  std::vector<node_id> brokers = {10, 20, 30};
  replica_assignment a, b;
  ASSERT_FALSE(assign_replicas(brokers, 3, 2, {1, 1}, a));
  ASSERT_FALSE(assign_replicas(brokers, 3, 2, {4, 7}, b));  // taken modulo 3: the same
  EXPECT_EQ(a, b);
  EXPECT_EQ(a[0], (std::vector<node_id>{20, 10}));
}

TEST(Placement, SpreadsLeadershipAndNeverRepeatsABroker) {
  for (std::size_t n = 1; n <= 7; ++n) {
    std::vector<node_id> brokers;
    for (std::size_t i = 0; i < n; ++i) brokers.push_back(static_cast<node_id>(i * 3 + 1));
    for (std::int32_t rf = 1; rf <= static_cast<std::int32_t>(n); ++rf) {
      for (std::uint32_t seed = 0; seed < 5; ++seed) {
        const std::int32_t partitions = static_cast<std::int32_t>(n) * 4 + 1;
        replica_assignment a;
        ASSERT_FALSE(assign_replicas(brokers, partitions, rf, {seed, seed * 3}, a));
        ASSERT_EQ(a.size(), static_cast<std::size_t>(partitions));
        std::map<node_id, int> leaders, replicas;
        for (const auto& r : a) {
          ASSERT_EQ(r.size(), static_cast<std::size_t>(rf));
          EXPECT_EQ(std::set<node_id>(r.begin(), r.end()).size(), r.size());
          ++leaders[r[0]];
          for (node_id x : r) ++replicas[x];
        }
        // Each broker leads partitions/n rounded down or up.
        for (node_id b : brokers) {
          EXPECT_GE(leaders[b], partitions / static_cast<int>(n));
          EXPECT_LE(leaders[b], partitions / static_cast<int>(n) + 1);
          EXPECT_GE(replicas[b], partitions * rf / static_cast<int>(n) - rf);
          EXPECT_LE(replicas[b], partitions * rf / static_cast<int>(n) + rf);
        }
      }
    }
  }
}

TEST(Placement, FirstPartitionContinuesTheSequence) {
  std::vector<node_id> brokers = {1, 2, 3, 4};
  replica_assignment all, tail;
  ASSERT_FALSE(assign_replicas(brokers, 8, 2, {2, 1}, all));
  ASSERT_FALSE(assign_replicas(brokers, 3, 2, {2, 1}, tail, 5));
  // Leaders continue the round robin; followers get this call's shift (as in Kafka, where the
  // shift is drawn anew when partitions are added).
  for (std::size_t i = 0; i < tail.size(); ++i) EXPECT_EQ(tail[i][0], all[5 + i][0]);
}

TEST(Placement, Errors) {
  std::vector<node_id> brokers = {1, 2};
  replica_assignment a;
  EXPECT_EQ(assign_replicas(brokers, 0, 1, {}, a), cluster_errc::invalid_partitions);
  EXPECT_EQ(assign_replicas(brokers, -3, 1, {}, a), cluster_errc::invalid_partitions);
  EXPECT_EQ(assign_replicas(brokers, 1, 0, {}, a), cluster_errc::invalid_replication_factor);
  EXPECT_EQ(assign_replicas(brokers, 1, 3, {}, a), cluster_errc::invalid_replication_factor);
  EXPECT_EQ(assign_replicas({}, 1, 1, {}, a), cluster_errc::invalid_replication_factor);
  EXPECT_TRUE(a.empty());
}

TEST(Placement, PlaceableBrokersAreLiveOnes) {
  metadata_image image;
  test::add_live_brokers(image, {5, 1, 3, 4});
  test::apply_entry(image, {test::registration(9)});  // registered, still fenced
  test::apply_entry(image, {fence_broker_record{4, image.broker(4)->broker_epoch}});
  test::apply_entry(image, {begin_controlled_shutdown_record{3, image.broker(3)->broker_epoch}});
  EXPECT_EQ(placeable_brokers(image), (std::vector<node_id>{1, 5}));
}

TEST(Placement, ValidateExplicitAssignment) {
  metadata_image image;
  test::add_live_brokers(image, {1, 2, 3});
  test::apply_entry(image, {fence_broker_record{3, image.broker(3)->broker_epoch}});
  EXPECT_FALSE(validate_assignment(image, {{1, 2}, {2, 3}}));
  EXPECT_EQ(validate_assignment(image, {}), cluster_errc::invalid_partitions);
  EXPECT_EQ(validate_assignment(image, {{1, 1}}), cluster_errc::invalid_replication_factor);
  EXPECT_EQ(validate_assignment(image, {{1, 2}, {2}}), cluster_errc::invalid_replication_factor);
  EXPECT_EQ(validate_assignment(image, {{}}), cluster_errc::invalid_replication_factor);
  EXPECT_EQ(validate_assignment(image, {{1, 7}}), cluster_errc::unknown_broker);
  EXPECT_EQ(validate_assignment(image, {{3}}), cluster_errc::broker_fenced);
}

}  // namespace
}  // namespace tern::cluster
