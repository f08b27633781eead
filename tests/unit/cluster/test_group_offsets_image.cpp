// Consumer groups' committed offsets in the metadata image (cluster mode): commit, delete,
// clear, topic deletion, bounds, change deltas, and snapshots (including a format 1 snapshot
// from before groups were replicated).
#include <gtest/gtest.h>

#include "cluster/errors.h"
#include "cluster/metadata_image.h"
#include "test_metadata_util.h"

namespace tern::cluster {
namespace {

using test::apply_entry;

group_offset at(std::string topic, std::int32_t partition, std::int64_t offset,
                std::int64_t time_ms = 1000) {
  return {std::move(topic), partition, offset, 2, std::nullopt, time_ms, false};
}
group_offset tombstone(std::string topic, std::int32_t partition) {
  group_offset o;
  o.topic = std::move(topic);
  o.partition = partition;
  o.deleted = true;
  return o;
}

class GroupOffsetsImage : public ::testing::Test {
 protected:
  void SetUp() override {
    test::add_live_brokers(image, {1, 2, 3});
    topic_id = test::create_topic(image, "t", {{1, 2, 3}, {2, 3, 1}}, 1);
    test::create_topic(image, "u", {{3, 1, 2}}, 2);
    image.on_change([this](const image_delta& d) { deltas.push_back(d); });
  }
  std::int64_t offset_of(const std::string& group, const std::string& topic, std::int32_t p) {
    const auto* g = image.group_offsets(group);
    if (!g) return -100;
    auto it = g->find({topic, p});
    return it == g->end() ? -100 : it->second.offset;
  }
  metadata_image image;
  std::vector<image_delta> deltas;
  uuid16 topic_id{};
};

TEST_F(GroupOffsetsImage, CommitsOverwriteAndAccumulate) {
  group_offsets_record c{"g", false, {at("t", 0, 10), at("t", 1, 20)}};
  c.offsets[0].metadata = "m";
  apply_entry(image, {c});
  EXPECT_EQ(offset_of("g", "t", 0), 10);
  EXPECT_EQ(offset_of("g", "t", 1), 20);
  EXPECT_EQ(image.group_offsets("g")->at({"t", 0}).metadata, "m");
  EXPECT_EQ(image.group_offsets("g")->at({"t", 0}).leader_epoch, 2);
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(deltas[0].groups_changed, std::vector<std::string>{"g"});
  apply_entry(image, {group_offsets_record{"g", false, {at("t", 0, 15, 2000), at("u", 0, 3)}}});
  EXPECT_EQ(offset_of("g", "t", 0), 15);
  EXPECT_EQ(offset_of("g", "t", 1), 20);  // untouched
  EXPECT_EQ(offset_of("g", "u", 0), 3);
  EXPECT_EQ(image.group_offsets("g")->at({"t", 0}).commit_time_ms, 2000);
  // The same commit again changes nothing: no delta.
  deltas.clear();
  apply_entry(image, {group_offsets_record{"g", false, {at("t", 0, 15, 2000)}}});
  EXPECT_TRUE(deltas.empty());
  EXPECT_EQ(image.skipped_records(), 0u);
}

TEST_F(GroupOffsetsImage, DeletePartitionsAndClearGroup) {
  apply_entry(image, {group_offsets_record{"g", false, {at("t", 0, 10), at("t", 1, 20)}},
                      group_offsets_record{"h", false, {at("u", 0, 5)}}});
  apply_entry(image, {group_offsets_record{"g", false, {tombstone("t", 0), tombstone("u", 0)}}});
  EXPECT_EQ(offset_of("g", "t", 0), -100);
  EXPECT_EQ(offset_of("g", "t", 1), 20);
  // Deleting the last offset forgets the group.
  apply_entry(image, {group_offsets_record{"g", false, {tombstone("t", 1)}}});
  EXPECT_EQ(image.group_offsets("g"), nullptr);
  // clear_group drops everything first, then applies the rest.
  apply_entry(image, {group_offsets_record{"h", true, {at("t", 1, 1)}}});
  EXPECT_EQ(offset_of("h", "u", 0), -100);
  EXPECT_EQ(offset_of("h", "t", 1), 1);
  apply_entry(image, {group_offsets_record{"h", true, {}}});
  EXPECT_EQ(image.group_offsets("h"), nullptr);
  EXPECT_TRUE(image.group_offsets().empty());
  // Clearing an unknown group is a no-op, not an inconsistency.
  apply_entry(image, {group_offsets_record{"nobody", true, {}}});
  EXPECT_TRUE(image.group_offsets().empty());
  EXPECT_EQ(image.skipped_records(), 0u);
}

TEST_F(GroupOffsetsImage, OffsetsOfUnknownTopicsOrPartitionsAreDroppedAlone) {
  apply_entry(image, {group_offsets_record{"g", false,
                                           {at("t", 0, 10), at("nope", 0, 1), at("t", 2, 1),
                                            at("t", -1, 1)}}});
  ASSERT_NE(image.group_offsets("g"), nullptr);
  EXPECT_EQ(image.group_offsets("g")->size(), 1u);
  EXPECT_EQ(offset_of("g", "t", 0), 10);
  // Nothing but unknown partitions: the group is not created.
  apply_entry(image, {group_offsets_record{"h", false, {at("nope", 0, 1)}}});
  EXPECT_EQ(image.group_offsets("h"), nullptr);
}

TEST_F(GroupOffsetsImage, DeletingATopicDropsItsOffsets) {
  apply_entry(image, {group_offsets_record{"g", false, {at("t", 0, 10), at("u", 0, 3)}},
                      group_offsets_record{"h", false, {at("t", 1, 7)}}});
  deltas.clear();
  apply_entry(image, {delete_topic_record{topic_id}});
  EXPECT_EQ(offset_of("g", "t", 0), -100);
  EXPECT_EQ(offset_of("g", "u", 0), 3);
  EXPECT_EQ(image.group_offsets("h"), nullptr);
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(deltas[0].groups_changed, (std::vector<std::string>{"g", "h"}));
  // A topic of the same name created later starts without offsets.
  test::create_topic(image, "t", {{1}}, 9);
  EXPECT_EQ(offset_of("g", "t", 0), -100);
}

TEST_F(GroupOffsetsImage, SnapshotCarriesOffsets) {
  group_offsets_record c{"g", false, {at("t", 0, 10), at("t", 1, 20), at("u", 0, 3)}};
  c.offsets[1].metadata = "x";
  apply_entry(image, {c, group_offsets_record{"a", false, {at("u", 0, 1)}}});
  auto snap = image.snapshot();
  metadata_image copy;
  ASSERT_FALSE(copy.restore(snap));
  EXPECT_EQ(copy.group_offsets(), image.group_offsets());
  EXPECT_EQ(copy.snapshot(), snap);
  // Every truncation fails and leaves the image as it was.
  metadata_image other;
  for (std::size_t n = 0; n < snap.size(); ++n)
    EXPECT_EQ(other.restore({snap.data(), n}), cluster_errc::malformed_entry) << n;
  EXPECT_TRUE(other.group_offsets().empty());
}

TEST_F(GroupOffsetsImage, OlderSnapshotsRestoreWithoutGroups) {
  // Format 3 ends with the forwarding links' count and the groups' count (zero each here); a
  // format 2 snapshot is one without the group count, a format 1 one without either.
  auto snap = image.snapshot();
  ASSERT_EQ(snap[0], 3);
  ASSERT_GE(snap.size(), 8u);
  for (std::uint8_t format : {1, 2}) {
    std::vector<std::uint8_t> old(snap.begin(), snap.end() - (format == 1 ? 8 : 4));
    old[0] = format;
    metadata_image copy;
    ASSERT_FALSE(copy.restore(old)) << int(format);
    EXPECT_EQ(copy.topics(), image.topics());
    EXPECT_EQ(copy.snapshot(), snap);
  }
  // An older format with groups appended is not a valid snapshot.
  apply_entry(image, {group_offsets_record{"g", false, {at("t", 0, 1)}}});
  auto with_groups = image.snapshot();
  with_groups[0] = 2;
  metadata_image copy;
  EXPECT_EQ(copy.restore(with_groups), cluster_errc::malformed_entry);
}

TEST_F(GroupOffsetsImage, SnapshotOffsetOfUnknownTopicIsRejected) {
  apply_entry(image, {group_offsets_record{"g", false, {at("u", 0, 1)}}});
  auto snap = image.snapshot();
  // Rename the topic inside the group section ("u" is the last string of the snapshot before
  // partition, offset, epoch, flag, time: 4+8+4+1+8 bytes).
  std::size_t name_at = snap.size() - (4 + 8 + 4 + 1 + 8) - 1;
  ASSERT_EQ(snap[name_at], 'u');
  snap[name_at] = 'v';
  metadata_image copy;
  EXPECT_EQ(copy.restore(snap), cluster_errc::malformed_entry);
}

}  // namespace
}  // namespace tern::cluster
