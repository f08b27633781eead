// Idempotent producer sequences and committed offsets.
#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

bytes producer_batch(std::int64_t producer_id, std::int16_t epoch, std::int32_t base_sequence, int records) {
  record_batch::batch_builder::options o;
  o.producer_id = producer_id;
  o.producer_epoch = epoch;
  o.base_sequence = base_sequence;
  record_batch::batch_builder b(o);
  for (int i = 0; i < records; ++i) {
    std::string v = "r" + std::to_string(base_sequence + i);
    b.add(1000 + i, std::nullopt, as_bytes(v));
  }
  bytes out;
  b.build(out);
  return out;
}

struct idempotent_fixture : ::testing::Test {
  temp_dir dir;
  store_options opts = options_for(dir);
  std::unique_ptr<log_store> store = open_store(opts);
  topic_info topic;
  void SetUp() override { ASSERT_FALSE(store->create_topic("idem", 1, {}, topic)); }
  log_id log() const { return topic.partition_log(ids::partition_index{0}); }
};

TEST_F(idempotent_fixture, ProducerIdsAreNeverReusedAcrossRestarts) {
  std::int64_t a = -1, b = -1, c = -1;
  ASSERT_FALSE(store->allocate_producer_id(a));
  ASSERT_FALSE(store->allocate_producer_id(b));
  EXPECT_EQ(b, a + 1);
  store.reset();
  store = open_store(opts);
  ASSERT_FALSE(store->allocate_producer_id(c));
  EXPECT_GT(c, b);
}

TEST_F(idempotent_fixture, ExactRetryIsAnsweredWithTheOriginalOffsetAndNotWritten) {
  std::int64_t pid = -1;
  ASSERT_FALSE(store->allocate_producer_id(pid));
  auto first = append_sync(*store, log(), {producer_batch(pid, 0, 0, 3)});
  ASSERT_FALSE(first.error) << first.error.message();
  auto second = append_sync(*store, log(), {producer_batch(pid, 0, 3, 2)});
  ASSERT_FALSE(second.error);
  EXPECT_EQ(second.base_offset, ids::offset{3});
  auto retry = append_sync(*store, log(), {producer_batch(pid, 0, 0, 3)});
  ASSERT_FALSE(retry.error) << retry.error.message();
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, ids::offset{0});
  EXPECT_EQ(store->offsets(log())->log_end, ids::offset{5});  // nothing appended by the retry
}

TEST_F(idempotent_fixture, GapsOldEpochsAndUnknownIdsAreRefused) {
  std::int64_t pid = -1;
  ASSERT_FALSE(store->allocate_producer_id(pid));
  ASSERT_FALSE(append_sync(*store, log(), {producer_batch(pid, 1, 0, 2)}).error);
  EXPECT_EQ(append_sync(*store, log(), {producer_batch(pid, 1, 5, 1)}).error,
            storage_errc::out_of_order_sequence);
  EXPECT_EQ(append_sync(*store, log(), {producer_batch(pid, 0, 2, 1)}).error, storage_errc::producer_fenced);
  EXPECT_EQ(append_sync(*store, log(), {producer_batch(pid + 100, 0, 0, 1)}).error,
            storage_errc::unknown_producer);
  std::int64_t other = -1;
  ASSERT_FALSE(store->allocate_producer_id(other));
  EXPECT_EQ(append_sync(*store, log(), {producer_batch(other, 0, 7, 1)}).error, storage_errc::unknown_producer);
  // A new epoch starts again at sequence 0.
  ASSERT_FALSE(append_sync(*store, log(), {producer_batch(pid, 2, 0, 1)}).error);
  EXPECT_EQ(store->offsets(log())->log_end, ids::offset{3});
}

TEST_F(idempotent_fixture, SequenceStateSurvivesRestart) {
  std::int64_t pid = -1;
  ASSERT_FALSE(store->allocate_producer_id(pid));
  for (int i = 0; i < 7; ++i) ASSERT_FALSE(append_sync(*store, log(), {producer_batch(pid, 0, i * 2, 2)}).error);
  store.reset();
  store = open_store(opts);
  // The last five batches are remembered; an older one is no longer a duplicate but a gap.
  auto retry = append_sync(*store, log(), {producer_batch(pid, 0, 12, 2)});
  ASSERT_FALSE(retry.error);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, ids::offset{12});
  EXPECT_EQ(append_sync(*store, log(), {producer_batch(pid, 0, 2, 2)}).error, storage_errc::out_of_order_sequence);
  auto next = append_sync(*store, log(), {producer_batch(pid, 0, 14, 1)});
  ASSERT_FALSE(next.error);
  EXPECT_EQ(next.base_offset, ids::offset{14});
}

TEST_F(idempotent_fixture, RetryInTheSameGroupCommitIsStillADuplicate) {
  std::int64_t pid = -1;
  ASSERT_FALSE(store->allocate_producer_id(pid));
  std::vector<std::future<append_result>> results;
  for (int i = 0; i < 2; ++i) {
    auto p = std::make_shared<std::promise<append_result>>();
    results.push_back(p->get_future());
    store->append(make_request(log(), {producer_batch(pid, 0, 0, 4)}, [p](const append_result& r) { p->set_value(r); }));
  }
  auto a = results[0].get(), b = results[1].get();
  ASSERT_FALSE(a.error);
  ASSERT_FALSE(b.error);
  EXPECT_FALSE(a.duplicate);
  EXPECT_TRUE(b.duplicate);
  EXPECT_EQ(b.base_offset, ids::offset{a.base_offset});
  EXPECT_EQ(store->offsets(log())->log_end, ids::offset{4});
}

std::error_code commit_sync(log_store& s, const std::string& group, std::vector<log_store::committed_offset> o) {
  auto p = std::make_shared<std::promise<std::error_code>>();
  auto f = p->get_future();
  s.commit_offsets(group, std::move(o), [p](std::error_code ec) { p->set_value(ec); });
  return f.get();
}

TEST(CommittedOffsets, RoundTripSurviveRestartAndGoWithTheirTopic) {
  temp_dir dir;
  auto opts = options_for(dir);
  auto store = open_store(opts);
  topic_info a, b;
  ASSERT_FALSE(store->create_topic("a", 2, {}, a));
  ASSERT_FALSE(store->create_topic("b", 1, {}, b));
  std::string binary_meta("m\0eta", 5);
  ASSERT_FALSE(commit_sync(
      *store, "g1",
      {{"a", ids::partition_index{0}, ids::offset{10}, ids::leader_epoch{3}, binary_meta, 0},
       {"a", ids::partition_index{1}, ids::offset{20}, ids::leader_epoch{-1}, std::nullopt, 0},
       {"b", ids::partition_index{0}, ids::offset{5}, ids::leader_epoch{-1}, "", 0}}));
  ASSERT_FALSE(commit_sync(
      *store, "g2",
      {{"a", ids::partition_index{0}, ids::offset{1}, ids::leader_epoch{-1}, std::nullopt, 0}}));
  ASSERT_FALSE(commit_sync(*store, "g1",
                           {{"a", ids::partition_index{0}, ids::offset{11}, ids::leader_epoch{3},
                             binary_meta, 0}}));  // overwrite
  store.reset();
  store = open_store(opts);
  std::vector<log_store::committed_offset> got;
  ASSERT_FALSE(store->committed_offsets("g1", got));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].topic, "a");
  EXPECT_EQ(got[0].offset, ids::offset{11});
  EXPECT_EQ(got[0].leader_epoch, ids::leader_epoch{3});
  EXPECT_EQ(got[0].metadata, binary_meta);
  EXPECT_GT(got[0].commit_time_ms, 0);
  EXPECT_FALSE(got[1].metadata.has_value());
  EXPECT_EQ(got[2].metadata, std::string());
  std::vector<std::pair<std::string, std::int64_t>> groups;
  ASSERT_FALSE(store->offset_groups(groups));
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].first, "g1");

  ASSERT_FALSE(store->delete_topic("a"));
  got.clear();
  ASSERT_FALSE(store->committed_offsets("g1", got));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "b");
  got.clear();
  ASSERT_FALSE(store->committed_offsets("g2", got));
  EXPECT_TRUE(got.empty());

  ASSERT_FALSE(store->delete_group_offsets("g1"));
  got.clear();
  ASSERT_FALSE(store->committed_offsets("g1", got));
  EXPECT_TRUE(got.empty());
}

TEST(CommittedOffsets, GroupNamesThatArePrefixesDoNotMix) {
  temp_dir dir;
  auto store = open_store(options_for(dir));
  ASSERT_FALSE(commit_sync(
      *store, "g",
      {{"t", ids::partition_index{0}, ids::offset{1}, ids::leader_epoch{-1}, std::nullopt, 0}}));
  ASSERT_FALSE(commit_sync(
      *store, "gg",
      {{"t", ids::partition_index{0}, ids::offset{2}, ids::leader_epoch{-1}, std::nullopt, 0}}));
  std::vector<log_store::committed_offset> got;
  ASSERT_FALSE(store->committed_offsets("g", got));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].offset, ids::offset{1});
  ASSERT_FALSE(store->delete_offsets("gg", {{"t", ids::partition_index{0}}}));
  got.clear();
  ASSERT_FALSE(store->committed_offsets("gg", got));
  EXPECT_TRUE(got.empty());
}

TEST(CommittedOffsets, OversizedMetadataIsRefusedAndNothingIsWritten) {
  temp_dir dir;
  auto store = open_store(options_for(dir));
  std::string huge(40000, 'x');
  EXPECT_EQ(
      commit_sync(
          *store, "g",
          {{"t", ids::partition_index{0}, ids::offset{1}, ids::leader_epoch{-1}, std::nullopt, 0},
           {"t", ids::partition_index{1}, ids::offset{1}, ids::leader_epoch{-1}, huge, 0}}),
      storage_errc::invalid_argument);
  std::vector<log_store::committed_offset> got;
  ASSERT_FALSE(store->committed_offsets("g", got));
  EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace tern::storage::test
