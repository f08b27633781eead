// The controller's decision rules, each applied to an image the way the quorum would.
#include <gtest/gtest.h>

#include "cluster/controller_rules.h"
#include "cluster/errors.h"
#include "test_metadata_util.h"

namespace tern::cluster {
namespace {

using test::apply_entry;
using test::make_uuid;

class ControllerRules : public ::testing::Test {
 protected:
  void SetUp() override { test::add_live_brokers(image, {1, 2, 3}); }
  const partition_state& part(const uuid16& id, std::int32_t p) {
    static const partition_state missing;
    const partition_state* s = image.partition(id, p);
    EXPECT_NE(s, nullptr);
    return s ? *s : missing;
  }
  void fence(node_id n, bool unclean = false) {
    test::decide_and_apply(image, [&](const metadata_image& i, record_list& out) {
      return decide_fence_broker(i, n, unclean, out);
    });
  }
  void unfence(node_id n, bool unclean = false) {
    test::decide_and_apply(image, [&](const metadata_image& i, record_list& out) {
      return decide_unfence_broker(i, n, unclean, out);
    });
  }
  void reregister(node_id n, std::uint8_t dir_seed, bool unclean = false) {
    broker_registration reg;
    auto r = test::registration(n, dir_seed);
    reg.node = n;
    reg.incarnation_id = make_uuid(static_cast<std::uint8_t>(n + dir_seed + 50));
    reg.dir_id = r.dir_id;
    reg.endpoints = r.endpoints;
    test::decide_and_apply(image, [&](const metadata_image& i, record_list& out) {
      return decide_register_broker(i, reg, unclean, out);
    });
  }
  metadata_image image;
};

TEST_F(ControllerRules, CreateTopicPlacesReplicasLeaderFirstIsrAll) {
  create_topic_request req{"events", 6, 2, {{"retention.ms", "1000"}}, std::nullopt};
  record_list out;
  ASSERT_FALSE(decide_create_topic(image, req, {1, 0}, make_uuid(1), out));
  ASSERT_EQ(out.size(), 1u);
  const auto& rec = std::get<create_topic_record>(out[0]);
  ASSERT_EQ(rec.partitions.size(), 6u);
  for (const auto& p : rec.partitions) {
    EXPECT_EQ(p.leader, p.replicas[0]);
    EXPECT_EQ(p.isr, p.replicas);
  }
  EXPECT_EQ(rec.partitions[0].replicas[0], 2);  // start index 1 over {1, 2, 3}
  apply_entry(image, out);
  ASSERT_NE(image.topic("events"), nullptr);
  EXPECT_EQ(image.topic("events")->configs.at("retention.ms"), "1000");
  EXPECT_EQ(image.skipped_records(), 0u);
}

TEST_F(ControllerRules, CreateTopicErrors) {
  record_list out;
  test::create_topic(image, "t", {{1}}, 1);
  create_topic_request req{"t", 1, 1, {}, std::nullopt};
  EXPECT_EQ(decide_create_topic(image, req, {}, make_uuid(2), out), cluster_errc::topic_exists);
  req.name = "u";
  EXPECT_EQ(decide_create_topic(image, req, {}, make_uuid(1), out), cluster_errc::topic_exists);
  EXPECT_EQ(decide_create_topic(image, req, {}, uuid16{}, out), cluster_errc::topic_exists);
  req.replication_factor = 4;
  EXPECT_EQ(decide_create_topic(image, req, {}, make_uuid(2), out),
            cluster_errc::invalid_replication_factor);
  req.replication_factor = 0;
  EXPECT_EQ(decide_create_topic(image, req, {}, make_uuid(2), out),
            cluster_errc::invalid_replication_factor);
  req.replication_factor = 1;
  req.partitions = 0;
  EXPECT_EQ(decide_create_topic(image, req, {}, make_uuid(2), out),
            cluster_errc::invalid_partitions);
  req.partitions = 1;
  req.name = "";
  EXPECT_EQ(decide_create_topic(image, req, {}, make_uuid(2), out), cluster_errc::malformed_entry);
  req.name = std::string(250, 'x');
  EXPECT_EQ(decide_create_topic(image, req, {}, make_uuid(2), out), cluster_errc::malformed_entry);
  req.name = "u";
  req.assignment = replica_assignment{{1, 9}};
  EXPECT_EQ(decide_create_topic(image, req, {}, make_uuid(2), out), cluster_errc::unknown_broker);
  EXPECT_TRUE(out.empty());
  // A fenced broker counts neither for the replication factor nor for the ISR.
  fence(3);
  req.assignment.reset();
  req.replication_factor = 3;
  EXPECT_EQ(decide_create_topic(image, req, {}, make_uuid(2), out),
            cluster_errc::invalid_replication_factor);
  req.assignment = replica_assignment{{3, 1, 2}};
  ASSERT_FALSE(decide_create_topic(image, req, {}, make_uuid(2), out));
  const auto& a = std::get<create_topic_record>(out[0]).partitions[0];
  EXPECT_EQ(a.isr, (std::vector<node_id>{1, 2}));
  EXPECT_EQ(a.leader, 1);
}

TEST_F(ControllerRules, FenceMovesLeadershipToNextLiveIsrMember) {
  auto id = test::create_topic(image, "t", {{1, 2, 3}, {2, 1, 3}, {3, 1, 2}}, 1);
  fence(1);
  EXPECT_TRUE(image.broker(1)->fenced);
  EXPECT_EQ(part(id, 0).leader, 2);  // replica order: 2 before 3
  EXPECT_EQ(part(id, 0).isr, (std::vector<node_id>{2, 3}));
  EXPECT_EQ(part(id, 0).leader_epoch, 1);
  EXPECT_EQ(part(id, 1).leader, 2);  // not its leader: only the ISR shrinks
  EXPECT_EQ(part(id, 1).isr, (std::vector<node_id>{2, 3}));
  EXPECT_EQ(part(id, 1).leader_epoch, 0);
  EXPECT_EQ(part(id, 1).partition_epoch, 1);
  EXPECT_EQ(part(id, 2).isr, (std::vector<node_id>{3, 2}));
  EXPECT_EQ(image.skipped_records(), 0u);
  // Fencing again: nothing to do.
  record_list out;
  ASSERT_FALSE(decide_fence_broker(image, 1, false, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(decide_fence_broker(image, 9, false, out), cluster_errc::unknown_broker);
}

TEST_F(ControllerRules, NeverShrinksIsrToEmpty) {
  auto id = test::create_topic(image, "t", {{1, 2}}, 1);
  fence(2);
  EXPECT_EQ(part(id, 0).isr, std::vector<node_id>{1});
  fence(1);  // the last ISR member: the partition goes offline, the ISR keeps it
  EXPECT_EQ(part(id, 0).leader, no_leader);
  EXPECT_EQ(part(id, 0).isr, std::vector<node_id>{1});
  EXPECT_EQ(part(id, 0).leader_epoch, 1);
  // Broker 2 comes back without the data: it is not elected (no unclean election).
  unfence(2);
  EXPECT_EQ(part(id, 0).leader, no_leader);
  // Broker 1 comes back: it has the data and leads again, with a new epoch.
  unfence(1);
  EXPECT_EQ(part(id, 0).leader, 1);
  EXPECT_EQ(part(id, 0).leader_epoch, 2);
  EXPECT_EQ(part(id, 0).isr, std::vector<node_id>{1});
}

TEST_F(ControllerRules, UncleanElectionOnlyWhenEnabled) {
  auto clean = test::create_topic(image, "clean", {{1, 2}}, 1);
  auto unclean = test::create_topic(image, "unclean", {{1, 2}}, 2,
                                    {{unclean_election_config, "true"}});
  auto off = test::create_topic(image, "off", {{1, 2}}, 3, {{unclean_election_config, "false"}});
  // Broker 2 falls out of every ISR while fenced, then comes back as an out-of-sync replica.
  fence(2);
  unfence(2);
  fence(1, /*unclean default*/ true);
  EXPECT_EQ(part(clean, 0).leader, 2);  // the default allows it here
  EXPECT_EQ(part(clean, 0).isr, std::vector<node_id>{2});
  EXPECT_EQ(part(unclean, 0).leader, 2);
  EXPECT_EQ(part(off, 0).leader, no_leader);  // the topic's config overrides the default
  EXPECT_EQ(part(off, 0).isr, std::vector<node_id>{1});
}

TEST_F(ControllerRules, UncleanElectionDefaultOff) {
  auto unclean = test::create_topic(image, "unclean", {{1, 2}}, 2,
                                    {{unclean_election_config, "true"}});
  auto clean = test::create_topic(image, "clean", {{1, 2}}, 1);
  fence(2);
  unfence(2);
  fence(1, false);
  EXPECT_EQ(part(clean, 0).leader, no_leader);
  EXPECT_EQ(part(unclean, 0).leader, 2);
  EXPECT_EQ(part(unclean, 0).isr, std::vector<node_id>{2});
}

TEST_F(ControllerRules, UnfenceElectsOnlyWhereTheBrokerIsInTheIsr) {
  auto id = test::create_topic(image, "t", {{1}, {2}}, 1);
  auto pair = test::create_topic(image, "u", {{1, 2}}, 2);
  fence(1);
  EXPECT_EQ(part(id, 0).leader, no_leader);
  EXPECT_EQ(part(pair, 0).leader, 2);
  unfence(1);
  EXPECT_EQ(part(id, 0).leader, 1);
  EXPECT_EQ(part(id, 1).leader, 2);
  EXPECT_EQ(part(pair, 0).leader, 2);  // has a leader: untouched
  EXPECT_EQ(part(pair, 0).isr, std::vector<node_id>{2});  // 1 rejoins via alter_partition
  record_list out;
  ASSERT_FALSE(decide_unfence_broker(image, 1, false, out));
  EXPECT_TRUE(out.empty());  // already unfenced
}

TEST_F(ControllerRules, NewDataDirLeavesEveryIsrAndIsNeverElectedFromIt) {
  auto id = test::create_topic(image, "t", {{1, 2}, {2, 1}, {1, 3}}, 1);
  auto single = test::create_topic(image, "s", {{1}}, 2);
  fence(2);  // partition 0's ISR is now {1}, partition 1's {1}
  fence(1);  // offline, ISR {1}; partition 2 moves to 3
  EXPECT_EQ(part(single, 0).isr, std::vector<node_id>{1});
  EXPECT_EQ(part(id, 2).leader, 3);
  reregister(1, /*new dir*/ 9);
  EXPECT_TRUE(image.broker(1)->fenced);
  EXPECT_EQ(part(id, 0).isr, std::vector<node_id>{});  // nobody holds the data any more
  EXPECT_EQ(part(id, 1).isr, std::vector<node_id>{});
  EXPECT_EQ(part(single, 0).isr, std::vector<node_id>{});
  EXPECT_EQ(part(id, 2).isr, std::vector<node_id>{3});
  unfence(1);
  unfence(2);
  EXPECT_EQ(part(id, 0).leader, no_leader);
  EXPECT_EQ(part(single, 0).leader, no_leader);
  EXPECT_EQ(image.skipped_records(), 0u);
  // An unclean election is the only way back.
  record_list out;
  decide_elect_leaderless(image, true, out);
  apply_entry(image, out);
  EXPECT_EQ(part(id, 0).leader, 1);
  EXPECT_EQ(part(id, 0).isr, std::vector<node_id>{1});
  EXPECT_EQ(part(id, 1).leader, 2);
  EXPECT_EQ(part(single, 0).leader, 1);
}

TEST_F(ControllerRules, SameDirReregistrationKeepsIsrsButMovesLeaderships) {
  auto id = test::create_topic(image, "t", {{1, 2}}, 1);
  auto single = test::create_topic(image, "s", {{1}}, 2);
  reregister(1, 0);  // a restarted process, same disk, before its session expired
  EXPECT_TRUE(image.broker(1)->fenced);
  EXPECT_EQ(part(id, 0).leader, 2);
  EXPECT_EQ(part(id, 0).isr, std::vector<node_id>{2});
  EXPECT_EQ(part(single, 0).leader, no_leader);
  EXPECT_EQ(part(single, 0).isr, std::vector<node_id>{1});  // kept: it still has the data
  unfence(1);
  EXPECT_EQ(part(single, 0).leader, 1);
}

TEST_F(ControllerRules, ControlledShutdownMovesWhatItCan) {
  auto id = test::create_topic(image, "t", {{1, 2, 3}, {3, 2, 1}}, 1);
  auto single = test::create_topic(image, "s", {{1}}, 2);
  record_list out;
  ASSERT_FALSE(decide_controlled_shutdown(image, 1, out));
  EXPECT_TRUE(std::holds_alternative<begin_controlled_shutdown_record>(out[0]));
  apply_entry(image, out);
  EXPECT_TRUE(image.broker(1)->in_controlled_shutdown);
  EXPECT_FALSE(image.is_live(1));
  EXPECT_EQ(part(id, 0).leader, 2);
  EXPECT_EQ(part(id, 0).isr, (std::vector<node_id>{2, 3}));
  EXPECT_EQ(part(id, 0).leader_epoch, 1);
  EXPECT_EQ(part(single, 0).leader, 1);  // nobody else can lead it: it serves until it stops
  EXPECT_EQ(part(single, 0).leader_epoch, 0);
  EXPECT_EQ(part(id, 1).isr, (std::vector<node_id>{3, 2}));
  EXPECT_EQ(part(id, 1).leader, 3);
  // Asking again adds no second begin record and finds nothing more to move.
  ASSERT_FALSE(decide_controlled_shutdown(image, 1, out));
  EXPECT_TRUE(out.empty());
  // A shutting-down broker is not unfenced; it registers again.
  EXPECT_EQ(decide_unfence_broker(image, 1, false, out), cluster_errc::shutting_down);
  fence(1);
  EXPECT_EQ(part(single, 0).leader, no_leader);
  EXPECT_EQ(part(single, 0).isr, std::vector<node_id>{1});
}

TEST_F(ControllerRules, PreferredLeaderRebalance) {
  auto id = test::create_topic(image, "t", {{1, 2}, {2, 1}, {3, 1}}, 1);
  fence(1);
  fence(3);
  unfence(1);  // back, but out of partition 0's ISR until its leader adds it
  unfence(3);  // partition 2 had only 3: it is back as its leader already
  EXPECT_EQ(part(id, 2).leader, 3);
  record_list out;
  decide_preferred_leaders(image, out);
  EXPECT_TRUE(out.empty());  // 1 is not in partition 0's ISR
  alter_partition_request req{2, image.broker(2)->broker_epoch, id, 0,
                              part(id, 0).leader_epoch, part(id, 0).partition_epoch, {2, 1}};
  ASSERT_FALSE(decide_alter_partition(image, req, out));
  apply_entry(image, out);
  decide_preferred_leaders(image, out);
  ASSERT_EQ(out.size(), 1u);
  apply_entry(image, out);
  EXPECT_EQ(part(id, 0).leader, 1);
  EXPECT_EQ(part(id, 0).leader_epoch, 2);
  EXPECT_EQ(part(id, 1).leader, 2);
}

TEST_F(ControllerRules, AlterPartitionValidation) {
  auto id = test::create_topic(image, "t", {{1, 2, 3}}, 1);
  const auto epoch = [&](node_id n) { return image.broker(n)->broker_epoch; };
  alter_partition_request ok{1, epoch(1), id, 0, 0, 0, {1, 2}};
  record_list out;
  auto check = [&](alter_partition_request r, cluster_errc expected) {
    EXPECT_EQ(decide_alter_partition(image, r, out), expected);
    EXPECT_TRUE(out.empty());
  };
  auto r = ok;
  r.topic_id = make_uuid(99);
  check(r, cluster_errc::unknown_topic);
  r = ok;
  r.partition = 1;
  check(r, cluster_errc::unknown_topic);
  r = ok;
  r.leader = 7;
  check(r, cluster_errc::unknown_broker);
  r = ok;
  r.broker_epoch -= 1;
  check(r, cluster_errc::stale_broker_epoch);
  r = ok;
  r.leader = 2;
  r.broker_epoch = epoch(2);
  check(r, cluster_errc::not_leader_or_follower);
  r = ok;
  r.leader_epoch = 1;
  check(r, cluster_errc::unknown_leader_epoch);
  r = ok;
  r.partition_epoch = 1;
  check(r, cluster_errc::unknown_leader_epoch);
  r = ok;
  r.new_isr = {2, 3};  // drops the leader
  check(r, cluster_errc::malformed_entry);
  r.new_isr = {1, 1};
  check(r, cluster_errc::malformed_entry);
  r.new_isr = {};
  check(r, cluster_errc::malformed_entry);
  // Works, then the same request is stale.
  ASSERT_FALSE(decide_alter_partition(image, ok, out));
  ASSERT_EQ(out.size(), 1u);
  apply_entry(image, out);
  EXPECT_EQ(part(id, 0).isr, (std::vector<node_id>{1, 2}));
  check(ok, cluster_errc::fenced_leader_epoch);
  // Adding a fenced or unknown member is refused.
  fence(3);
  r = ok;
  r.partition_epoch = part(id, 0).partition_epoch;
  r.new_isr = {1, 2, 3};
  check(r, cluster_errc::broker_fenced);
  r.new_isr = {1, 4};
  check(r, cluster_errc::not_leader_or_follower);
  r.new_isr = {1, 2};
  ASSERT_FALSE(decide_alter_partition(image, r, out));
  EXPECT_TRUE(out.empty());  // no change
  // A fenced sender is refused.
  fence(1);
  r = ok;
  r.leader_epoch = part(id, 0).leader_epoch;
  r.partition_epoch = part(id, 0).partition_epoch;
  check(r, cluster_errc::broker_fenced);
}

TEST_F(ControllerRules, DeleteAndAlterConfigs) {
  test::create_topic(image, "t", {{1}}, 1);
  record_list out;
  ASSERT_FALSE(decide_alter_topic_configs(image, "t", {{"x", "y"}}, out));
  apply_entry(image, out);
  EXPECT_EQ(image.topic("t")->configs, (config_map{{"x", "y"}}));
  EXPECT_EQ(decide_alter_topic_configs(image, "nope", {}, out), cluster_errc::unknown_topic);
  ASSERT_FALSE(decide_delete_topic(image, "t", out));
  apply_entry(image, out);
  EXPECT_EQ(image.topic("t"), nullptr);
  EXPECT_EQ(decide_delete_topic(image, "t", out), cluster_errc::unknown_topic);
}

TEST_F(ControllerRules, StaleDecisionIsSkippedNotMisapplied) {
  auto id = test::create_topic(image, "t", {{1, 2, 3}}, 1);
  // Two decisions made on the same image: fence 1 and fence 2.
  record_list fence1, fence2;
  ASSERT_FALSE(decide_fence_broker(image, 1, false, fence1));
  ASSERT_FALSE(decide_fence_broker(image, 2, false, fence2));
  apply_entry(image, fence1);
  apply_entry(image, fence2);  // its partition change names the old partition epoch: skipped
  EXPECT_EQ(image.skipped_records(), 1u);
  EXPECT_TRUE(image.broker(2)->fenced);
  EXPECT_EQ(part(id, 0).leader, 2);  // fenced leader: the controller's catch-all fixes it
  // The catch-all finds the fenced leader ...
  record_list repair;
  decide_elect_leaderless(image, false, repair);
  ASSERT_EQ(repair.size(), 1u);
  // ... and so does fencing it again (no second fence record).
  record_list again;
  ASSERT_FALSE(decide_fence_broker(image, 2, false, again));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<partition_change_record>(again[0]));
  apply_entry(image, again);
  EXPECT_EQ(part(id, 0).leader, 3);
  EXPECT_EQ(part(id, 0).isr, std::vector<node_id>{3});
  EXPECT_EQ(image.skipped_records(), 1u);
  ASSERT_FALSE(decide_fence_broker(image, 2, false, again));
  EXPECT_TRUE(again.empty());
}

}  // namespace
}  // namespace tern::cluster
