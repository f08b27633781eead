// The metadata image: apply, defensive skipping, change callback, snapshot and restore.
#include <gtest/gtest.h>

#include <random>

#include "cluster/errors.h"
#include "cluster/metadata_image.h"
#include "test_metadata_util.h"

namespace tern::cluster {
namespace {

using test::apply_entry;
using test::make_uuid;
using test::registration;

class MetadataImage : public ::testing::Test {
 protected:
  void SetUp() override {
    image.on_change([this](const image_delta& d) { deltas.push_back(d); });
    test::add_live_brokers(image, {1, 2, 3});
    topic_id = test::create_topic(image, "t", {{1, 2, 3}, {2, 3, 1}}, 1);
    deltas.clear();
  }
  partition_change_record change(std::int32_t partition) const {
    partition_change_record c;
    c.topic_id = topic_id;
    c.partition = partition;
    c.partition_epoch = image.partition(topic_id, partition)->partition_epoch;
    return c;
  }
  metadata_image image;
  std::vector<image_delta> deltas;
  uuid16 topic_id{};
};

TEST_F(MetadataImage, RegistrationSetsEpochToIndexAndStartsFenced) {
  std::uint64_t index = image.last_applied_index() + 5;  // Raft's own entries leave gaps
  register_broker_record r = registration(9);
  image.apply(test::encode({r}), index);
  const broker_state* b = image.broker(9);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->broker_epoch, static_cast<std::int64_t>(index));
  EXPECT_TRUE(b->fenced);
  EXPECT_EQ(b->endpoints, r.endpoints);
  EXPECT_EQ(b->dir_id, r.dir_id);
  EXPECT_EQ(image.last_applied_index(), index);
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(deltas[0].brokers, std::vector<node_id>{9});
  EXPECT_EQ(deltas[0].index, index);
  // Fence/unfence for an older epoch are stale and skipped.
  auto skipped = image.skipped_records();
  apply_entry(image, {unfence_broker_record{9, b->broker_epoch - 1}});
  EXPECT_TRUE(image.broker(9)->fenced);
  EXPECT_EQ(image.skipped_records(), skipped + 1);
  apply_entry(image, {unfence_broker_record{9, b->broker_epoch}});
  EXPECT_FALSE(image.broker(9)->fenced);
  EXPECT_TRUE(image.is_live(9));
}

TEST_F(MetadataImage, CreateTopicIndexesByNameAndId) {
  const topic_state* t = image.topic("t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(image.topic(topic_id), t);
  ASSERT_EQ(t->partitions.size(), 2u);
  EXPECT_EQ(t->partitions[1].replicas, (std::vector<node_id>{2, 3, 1}));
  EXPECT_EQ(t->partitions[1].leader, 2);
  EXPECT_EQ(t->partitions[1].leader_epoch, 0);
  EXPECT_EQ(t->partitions[1].partition_epoch, 0);
}

TEST_F(MetadataImage, PartitionChangeBumpsEpochs) {
  auto c = change(0);
  c.leader = 2;
  c.isr = std::vector<node_id>{2, 3};
  apply_entry(image, {c});
  const partition_state* p = image.partition(topic_id, 0);
  EXPECT_EQ(p->leader, 2);
  EXPECT_EQ(p->isr, (std::vector<node_id>{2, 3}));
  EXPECT_EQ(p->leader_epoch, 1);
  EXPECT_EQ(p->partition_epoch, 1);
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(deltas[0].partitions_changed, (std::vector<partition_key>{{topic_id, 0}}));
  // An ISR-only change bumps only the partition epoch.
  auto shrink = change(0);
  shrink.isr = std::vector<node_id>{2};
  apply_entry(image, {shrink});
  EXPECT_EQ(p->leader_epoch, 1);
  EXPECT_EQ(p->partition_epoch, 2);
  // The same decision again is stale (it names epoch 1): skipped.
  auto skipped = image.skipped_records();
  apply_entry(image, {c});
  EXPECT_EQ(image.skipped_records(), skipped + 1);
  EXPECT_EQ(p->partition_epoch, 2);
}

TEST_F(MetadataImage, InconsistentRecordsAreSkippedAlone) {
  auto bad_leader = change(0);
  bad_leader.leader = 2;
  bad_leader.isr = std::vector<node_id>{1, 3};  // leader outside the ISR
  auto not_replica = change(0);
  not_replica.isr = std::vector<node_id>{1, 4};
  auto unknown_topic = change(0);
  unknown_topic.topic_id = make_uuid(77);
  unknown_topic.isr = std::vector<node_id>{1};
  auto bad_partition = change(0);
  bad_partition.partition = 2;
  bad_partition.isr = std::vector<node_id>{1};
  auto dup_replicas = change(0);
  dup_replicas.replicas = std::vector<node_id>{1, 1};
  auto unknown_broker_leader = change(1);
  unknown_broker_leader.replicas = std::vector<node_id>{2, 3, 8};
  unknown_broker_leader.isr = std::vector<node_id>{8};
  unknown_broker_leader.leader = 8;
  auto good = change(1);
  good.isr = std::vector<node_id>{2, 3};
  apply_entry(image, {bad_leader, not_replica, unknown_topic, bad_partition, dup_replicas,
                unknown_broker_leader, fence_broker_record{42, 1}, delete_topic_record{make_uuid(5)},
                alter_topic_configs_record{make_uuid(5), {}}, good});
  EXPECT_EQ(image.skipped_records(), 9u);
  EXPECT_EQ(image.partition(topic_id, 1)->isr, (std::vector<node_id>{2, 3}));
  EXPECT_EQ(image.partition(topic_id, 0)->partition_epoch, 0);
}

TEST_F(MetadataImage, FencedBrokerCannotBecomeLeader) {
  apply_entry(image, {fence_broker_record{3, image.broker(3)->broker_epoch}});
  auto c = change(0);
  c.leader = 3;
  apply_entry(image, {c});
  EXPECT_EQ(image.partition(topic_id, 0)->leader, 1);
  EXPECT_EQ(image.skipped_records(), 1u);
  EXPECT_EQ(image.offline_replicas(*image.partition(topic_id, 0)), std::vector<node_id>{3});
}

TEST_F(MetadataImage, TopicCreationIsCheckedAgainstTheImage) {
  create_topic_record dup_name{"t", make_uuid(50), {}, {{{1}, {1}, 1}}};
  create_topic_record dup_id{"u", topic_id, {}, {{{1}, {1}, 1}}};
  create_topic_record unknown_replica{"v", make_uuid(51), {}, {{{1, 9}, {1}, 1}}};
  create_topic_record no_partitions{"w", make_uuid(52), {}, {}};
  create_topic_record zero_id{"x", uuid16{}, {}, {{{1}, {1}, 1}}};
  apply_entry(image, {dup_name, dup_id, unknown_replica, no_partitions, zero_id});
  EXPECT_EQ(image.skipped_records(), 5u);
  EXPECT_EQ(image.topics().size(), 1u);
  EXPECT_TRUE(deltas.empty());
}

TEST_F(MetadataImage, ClusterIdFirstOneWins) {
  apply_entry(image, {set_cluster_id_record{"first"}});
  apply_entry(image, {set_cluster_id_record{"second"}});
  ASSERT_TRUE(image.cluster_id());
  EXPECT_EQ(*image.cluster_id(), "first");
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_TRUE(deltas[0].cluster_id_set);
}

TEST_F(MetadataImage, DeleteAndAlterConfigs) {
  apply_entry(image, {alter_topic_configs_record{topic_id, {{"retention.ms", "5"}}}});
  EXPECT_EQ(image.topic("t")->configs.at("retention.ms"), "5");
  apply_entry(image, {delete_topic_record{topic_id}});
  EXPECT_EQ(image.topic("t"), nullptr);
  EXPECT_EQ(image.topic(topic_id), nullptr);
  ASSERT_EQ(deltas.size(), 2u);
  EXPECT_EQ(deltas[0].topic_configs_changed, std::vector<uuid16>{topic_id});
  ASSERT_EQ(deltas[1].topics_deleted.size(), 1u);
  EXPECT_EQ(deltas[1].topics_deleted[0].second, "t");
  EXPECT_GT(deltas[1].version, deltas[0].version);
}

TEST_F(MetadataImage, UndecodableEntryIsSkippedWhole) {
  auto snap = image.snapshot();
  auto version = image.version();
  std::vector<std::uint8_t> garbage = {1, 0, 1, 99, 1, 0, 0, 0, 0};
  image.apply(garbage, image.last_applied_index() + 1);
  EXPECT_EQ(image.skipped_records(), 1u);
  EXPECT_EQ(image.version(), version);
  EXPECT_TRUE(deltas.empty());
  // Only the applied index moved.
  metadata_image check;
  ASSERT_FALSE(check.restore(snap));
  EXPECT_EQ(check.topics(), image.topics());
  EXPECT_EQ(check.brokers(), image.brokers());
}

TEST_F(MetadataImage, SnapshotRestoreRoundTrip) {
  apply_entry(image, {set_cluster_id_record{"cluster-1"},
                alter_topic_configs_record{topic_id, {{"a", "b"}}},
                begin_controlled_shutdown_record{2, image.broker(2)->broker_epoch}});
  auto c = change(0);
  c.leader = 3;
  apply_entry(image, {c});
  auto snap = image.snapshot();
  metadata_image copy;
  std::vector<image_delta> copy_deltas;
  copy.on_change([&](const image_delta& d) { copy_deltas.push_back(d); });
  ASSERT_FALSE(copy.restore(snap));
  EXPECT_EQ(copy.snapshot(), snap);
  EXPECT_EQ(copy.topics(), image.topics());
  EXPECT_EQ(copy.brokers(), image.brokers());
  EXPECT_EQ(copy.cluster_id(), image.cluster_id());
  EXPECT_EQ(copy.last_applied_index(), image.last_applied_index());
  EXPECT_EQ(copy.topic(topic_id)->name, "t");
  ASSERT_EQ(copy_deltas.size(), 1u);
  EXPECT_TRUE(copy_deltas[0].reset);
  // The copy goes on applying like the original.
  auto shrink = change(0);
  shrink.isr = std::vector<node_id>{3, 1};
  apply_entry(image, {shrink});
  copy.apply(test::encode({shrink}), image.last_applied_index());
  EXPECT_EQ(copy.snapshot(), image.snapshot());
}

TEST_F(MetadataImage, RestoreRejectsGarbageAndLeavesImageUnchanged) {
  auto snap = image.snapshot();
  metadata_image other;
  test::add_live_brokers(other, {7});
  auto other_snap = other.snapshot();
  for (std::size_t n = 0; n < snap.size(); ++n) {
    EXPECT_EQ(other.restore({snap.data(), n}), cluster_errc::malformed_entry) << n;
  }
  auto trailing = snap;
  trailing.push_back(0);
  EXPECT_EQ(other.restore(trailing), cluster_errc::malformed_entry);
  std::mt19937 rng(7);
  for (int round = 0; round < 5000; ++round) {
    auto bytes = snap;
    for (int k = 0; k < 2; ++k) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
    metadata_image scratch;
    if (!scratch.restore(bytes)) {
      EXPECT_EQ(scratch.snapshot(), bytes);  // one encoding per image
    }
  }
  EXPECT_EQ(other.snapshot(), other_snap);
}

TEST_F(MetadataImage, RestoreRejectsBrokenInvariants) {
  // A snapshot whose partition names an unregistered broker does not restore.
  metadata_image source;
  test::add_live_brokers(source, {1});
  test::create_topic(source, "x", {{1}}, 3);
  auto snap = source.snapshot();
  // Broker 1 is the only broker: its id is the i32 right after the broker count.
  // Layout: format(1) index(8) has_cluster_id(1) count(4) id(4).
  snap[1 + 8 + 1 + 4 + 3] = 2;
  metadata_image target;
  EXPECT_EQ(target.restore(snap), cluster_errc::malformed_entry);
  EXPECT_TRUE(target.brokers().empty());
}

// A link's checkpoint applies only on top of the update count it was decided against: a
// deposed runner's late proposal never overwrites its successor's.
TEST_F(MetadataImage, ForwardLinkStateIsCompareAndSet) {
  apply_entry(image, {forward_link_state_record{"cloud", 0, {1}}});
  ASSERT_NE(image.forward_link("cloud"), nullptr);
  EXPECT_EQ(image.forward_link("cloud")->updates, 1);
  EXPECT_EQ(image.forward_link("cloud")->state, std::vector<std::uint8_t>{1});
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(deltas[0].forward_links_changed, std::vector<std::string>{"cloud"});
  // Two runners decided on update 1: the first applies, the second is skipped.
  apply_entry(image, {forward_link_state_record{"cloud", 1, {2}}});
  auto skipped = image.skipped_records();
  apply_entry(image, {forward_link_state_record{"cloud", 1, {3}}});
  EXPECT_EQ(image.skipped_records(), skipped + 1);
  EXPECT_EQ(image.forward_link("cloud")->state, std::vector<std::uint8_t>{2});
  EXPECT_EQ(image.forward_link("cloud")->updates, 2);
  // Dropped: the state goes, the count stays (so a stale proposal still loses).
  apply_entry(image, {forward_link_state_record{"cloud", 2, {}}});
  EXPECT_TRUE(image.forward_link("cloud")->state.empty());
  apply_entry(image, {forward_link_state_record{"cloud", 1, {4}}});
  EXPECT_TRUE(image.forward_link("cloud")->state.empty());
  EXPECT_EQ(image.forward_link("cloud")->updates, 3);
  // Dropping a link never stored changes nothing.
  auto version = image.version();
  apply_entry(image, {forward_link_state_record{"other", 0, {}}});
  EXPECT_EQ(image.forward_link("other"), nullptr);
  EXPECT_EQ(image.version(), version);
}

TEST_F(MetadataImage, ForwardLinksTravelInSnapshots) {
  // A snapshot from before forwarding links existed (format 1) still restores.
  auto v3 = image.snapshot();
  ASSERT_GE(v3.size(), 9u);
  ASSERT_EQ(v3[0], 3);
  std::vector<std::uint8_t> v1(v3.begin(), v3.end() - 8);  // without the (zero) link and group counts
  v1[0] = 1;
  metadata_image old;
  ASSERT_FALSE(old.restore(v1));
  EXPECT_EQ(old.topics(), image.topics());
  EXPECT_TRUE(old.forward_links().empty());

  apply_entry(image, {forward_link_state_record{"b", 0, {9, 9}}, forward_link_state_record{"a", 0, {1}}});
  apply_entry(image, {forward_link_state_record{"a", 1, {2, 3}}});
  auto snap = image.snapshot();
  metadata_image copy;
  ASSERT_FALSE(copy.restore(snap));
  EXPECT_EQ(copy.forward_links(), image.forward_links());
  EXPECT_EQ(copy.forward_link("a")->updates, 2);
  EXPECT_EQ(copy.snapshot(), snap);
  // The restored count keeps the compare-and-set going.
  apply_entry(copy, {forward_link_state_record{"a", 2, {4}}});
  EXPECT_EQ(copy.forward_link("a")->state, std::vector<std::uint8_t>{4});
  // Every truncation is refused.
  for (std::size_t cut = 0; cut < snap.size(); ++cut) {
    metadata_image x;
    EXPECT_TRUE(x.restore(std::span<const std::uint8_t>(snap).first(cut))) << cut;
  }
}

}  // namespace
}  // namespace tern::cluster
