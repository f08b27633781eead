// Checkpoints with retention holds: what a forwarding link has not sent survives retention and
// compaction, survives a restart, and only the byte budget's drop-oldest passes it (counted).
#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

std::error_code put_sync(log_store& s, const std::string& name, std::vector<std::uint8_t> value,
                         std::vector<std::pair<std::uint32_t, std::int64_t>> raw_holds) {
  std::vector<std::pair<log_id, ids::offset>> holds;
  for (auto [log, offset] : raw_holds) holds.emplace_back(log_id{log}, ids::offset{offset});
  std::promise<std::error_code> p;
  auto f = p.get_future();
  s.put_checkpoint(name, std::move(value), std::move(holds), [&p](std::error_code ec) { p.set_value(ec); });
  return f.get();
}

std::error_code drop_sync(log_store& s, const std::string& name) {
  std::promise<std::error_code> p;
  auto f = p.get_future();
  s.drop_checkpoint(name, [&p](std::error_code ec) { p.set_value(ec); });
  return f.get();
}

TEST(StorageCheckpoints, ValueRoundTripsAndSurvivesRestart) {
  temp_dir dir;
  auto o = options_for(dir);
  {
    auto s = open_store(o);
    ASSERT_FALSE(put_sync(*s, "forward/a", {1, 2, 3}, {{7, 42}}));
    ASSERT_FALSE(put_sync(*s, "forward/b", {}, {}));
    ASSERT_FALSE(put_sync(*s, "forward/a", {4, 5}, {{7, 43}, {8, 0}}));  // replaces
  }
  auto s = open_store(o);
  std::vector<std::uint8_t> value;
  bool found = false;
  ASSERT_FALSE(s->get_checkpoint("forward/a", value, found));
  EXPECT_TRUE(found);
  EXPECT_EQ(value, (std::vector<std::uint8_t>{4, 5}));
  EXPECT_EQ(s->retention_hold(log_id{7}), ids::offset{43});
  EXPECT_EQ(s->retention_hold(log_id{8}), ids::offset{0});
  EXPECT_EQ(s->checkpoint_names(), (std::vector<std::string>{"forward/a", "forward/b"}));
  ASSERT_FALSE(s->get_checkpoint("nope", value, found));
  EXPECT_FALSE(found);
  ASSERT_FALSE(drop_sync(*s, "forward/a"));
  EXPECT_EQ(s->retention_hold(log_id{7}), std::nullopt);
  ASSERT_FALSE(drop_sync(*s, "forward/a"));  // unknown: not an error
}

TEST(StorageCheckpoints, RefusesBadArguments) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  EXPECT_EQ(put_sync(*s, "", {}, {}), storage_errc::invalid_argument);
  EXPECT_EQ(put_sync(*s, std::string(300, 'x'), {}, {}), storage_errc::invalid_argument);
  EXPECT_EQ(put_sync(*s, "a", std::vector<std::uint8_t>(log_store::checkpoint_value_size_max + 1), {}),
            storage_errc::invalid_argument);
  EXPECT_EQ(put_sync(*s, "a", {}, {{1, -5}}), storage_errc::invalid_argument);
}

TEST(StorageCheckpoints, RetentionKeepsWhatAHoldNeeds) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("held", 1, {{"retention.ms", "1000"}}, t));
  log_id log = t.partition_log(ids::partition_index{0});
  for (std::int64_t ts : {1000, 2000, 3000, 4000}) ASSERT_FALSE(append_sync(*s, log, {make_batch({ts})}).error);
  // Two holders: the lowest hold (offset 1) counts.
  ASSERT_FALSE(put_sync(*s, "forward/a", {}, {{log.value(), 2}}));
  ASSERT_FALSE(put_sync(*s, "forward/b", {}, {{log.value(), 1}}));
  EXPECT_EQ(s->enforce_retention(100000), 1u);  // only offset 0 may go
  EXPECT_EQ(s->offsets(log)->log_start, ids::offset{1});
  ASSERT_FALSE(put_sync(*s, "forward/b", {}, {{log.value(), 3}}));
  EXPECT_EQ(s->enforce_retention(100000), 1u);  // now up to the hold of a (2)
  EXPECT_EQ(s->offsets(log)->log_start, ids::offset{2});
  ASSERT_FALSE(drop_sync(*s, "forward/a"));
  EXPECT_EQ(s->enforce_retention(100000), 1u);
  EXPECT_EQ(s->offsets(log)->log_start, ids::offset{3});
}

TEST(StorageCheckpoints, DropOldestPassesHoldsAndCountsWhatItDrops) {
  temp_dir dir;
  auto o = options_for(dir);
  std::vector<std::string> warnings;
  std::mutex m;
  o.log_warning = [&](std::string_view w) {
    std::lock_guard lock(m);
    warnings.emplace_back(w);
  };
  auto probe = make_batch({1000, 1001}, "v", 200);
  o.max_bytes = static_cast<std::int64_t>(probe.size() * 4);
  auto s = open_store(o);
  topic_info t;
  ASSERT_FALSE(s->create_topic("full", 1, {{"full.policy", "drop-oldest"}}, t));
  log_id log = t.partition_log(ids::partition_index{0});
  ASSERT_FALSE(
      put_sync(*s, "forward/a", {}, {{log.value(), 2}}));  // offsets 0-1 forwarded, the rest not
  for (int i = 0; i < 6; ++i) ASSERT_FALSE(append_sync(*s, log, {make_batch({1000, 1001}, "v", 200)}).error);
  auto stats = s->get_stats();
  EXPECT_GT(stats.dropped_batches, 0u);
  // Dropped: offsets 0..(log_start-1); held from 2 on.
  std::int64_t start = s->offsets(log)->log_start.value();
  ASSERT_GT(start, 2);
  EXPECT_EQ(stats.dropped_held_records, static_cast<std::uint64_t>(start - 2));
  std::lock_guard lock(m);
  bool named = false;
  for (const auto& w : warnings) named = named || w.find("not forwarded yet") != std::string::npos;
  EXPECT_TRUE(named);
}

}  // namespace
}  // namespace tern::storage::test
