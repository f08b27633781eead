// Retention: by time and by size, from the front only, in slices; the timestamp index after it.
#include <thread>

#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

using hit = std::pair<std::int64_t, std::int64_t>;

std::optional<hit> at(const log_store& s, log_id log, std::int64_t ts) {
  std::unique_ptr<read_txn> txn;
  EXPECT_FALSE(s.begin_read(txn));
  std::optional<std::pair<ids::offset, std::int64_t>> found;
  EXPECT_FALSE(txn->offset_for_timestamp(log, ts, found));
  std::optional<hit> out;
  if (found) out = hit{found->first.value(), found->second};
  return out;
}

std::error_code read_at(const log_store& s, log_id log, std::int64_t offset) {
  std::unique_ptr<read_txn> txn;
  EXPECT_FALSE(s.begin_read(txn));
  std::vector<bytes_view> out;
  std::size_t n = 0;
  return txn->read(log, ids::offset{offset}, SIZE_MAX, ids::offset{INT64_MAX}, out, n);
}

TEST(StorageRetention, ByTimeDeletesExpiredBatchesFromTheFront) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("rt", 1, {{"retention.ms", "1000"}}, t));
  log_id log = t.partition_log(ids::partition_index{0});
  for (std::int64_t ts : {1000, 2000, 3000, 4000}) {
    ASSERT_FALSE(append_sync(*s, log, {make_batch({ts})}).error);
  }
  std::uint64_t one = s->offsets(log)->size_bytes / 4;

  EXPECT_EQ(s->enforce_retention(4500), 3u);  // cutoff 3500
  auto off = *s->offsets(log);
  EXPECT_EQ(off.log_start, ids::offset{3});
  EXPECT_EQ(off.log_end, ids::offset{4});
  EXPECT_EQ(off.size_bytes, one);
  EXPECT_EQ(read_at(*s, log, 2), storage_errc::offset_out_of_range);
  EXPECT_EQ(read_at(*s, log, 0), storage_errc::offset_out_of_range);
  EXPECT_FALSE(read_at(*s, log, 3));
  EXPECT_EQ(read_all(*s, log, 3).size(), 1u);
  EXPECT_EQ(at(*s, log, 0), (hit{3, 4000}));  // never below log start
  EXPECT_EQ(s->enforce_retention(4500), 0u);

  // Everything expired: log_start catches up with log_end, which never moves back.
  EXPECT_EQ(s->enforce_retention(100000), 1u);
  off = *s->offsets(log);
  EXPECT_EQ(off.log_start, ids::offset{4});
  EXPECT_EQ(off.log_end, ids::offset{4});
  EXPECT_EQ(off.size_bytes, 0u);
  EXPECT_FALSE(read_at(*s, log, 4));
  EXPECT_EQ(at(*s, log, 0), std::nullopt);
  auto r = append_sync(*s, log, {make_batch({3500})});  // below the old maximum timestamp
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.base_offset, ids::offset{4});
  EXPECT_EQ(r.log_start, ids::offset{4});
  EXPECT_EQ(at(*s, log, 0), (hit{4, 3500}));
  EXPECT_EQ(at(*s, log, 3501), std::nullopt);
}

TEST(StorageRetention, ByTimeStopsAtTheFirstUnexpiredBatch) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t, no_ts;
  ASSERT_FALSE(s->create_topic("front", 1, {{"retention.ms", "1000"}}, t));
  log_id log = t.partition_log(ids::partition_index{0});
  for (std::int64_t ts : {5000, 1000, 6000}) {
    ASSERT_FALSE(append_sync(*s, log, {make_batch({ts})}).error);
  }
  EXPECT_EQ(s->enforce_retention(4500), 0u);  // 1000 is expired but 5000 before it is not
  EXPECT_EQ(s->offsets(log)->log_start, ids::offset{0});
  EXPECT_EQ(s->enforce_retention(7500), 3u);
  EXPECT_EQ(s->offsets(log)->log_start, ids::offset{3});

  // A batch without timestamps never expires by time (and holds back what follows it).
  ASSERT_FALSE(s->create_topic("nots", 1, {{"retention.ms", "1000"}}, no_ts));
  ASSERT_FALSE(append_sync(*s, no_ts.partition_log(ids::partition_index{0}),
                           {make_batch({-1}), make_batch({1})})
                   .error);
  EXPECT_EQ(s->enforce_retention(1'000'000'000), 0u);
  EXPECT_EQ(s->offsets(no_ts.partition_log(ids::partition_index{0}))->log_start, ids::offset{0});
}

TEST(StorageRetention, BySizeKeepsTheNewestBytesAndTheIndexWorks) {
  temp_dir dir;
  auto o = options_for(dir);
  o.topic_defaults.retention_ms = -1;  // "probe" has no limits at all
  topic_info probe, t, mono;
  std::uint64_t one = 0;
  {
    auto s = open_store(o);
    ASSERT_FALSE(s->create_topic("probe", 1, {}, probe));
    ASSERT_FALSE(
        append_sync(*s, probe.partition_log(ids::partition_index{0}), {make_batch({1000})}).error);
    one = s->offsets(probe.partition_log(ids::partition_index{0}))->size_bytes;
    std::map<std::string, std::string> cfg{{"retention.ms", "-1"},
                                           {"retention.bytes", std::to_string(2 * one)}};
    ASSERT_FALSE(s->create_topic("size", 1, cfg, t));
    ASSERT_FALSE(s->create_topic("mono", 1, cfg, mono));
    log_id log = t.partition_log(ids::partition_index{0});
    // Only b0 sets a running maximum: index_ts holds one entry, 1000 → offset 0.
    for (std::int64_t ts : {1000, 500, 600, 700, 800}) {
      ASSERT_FALSE(append_sync(*s, log, {make_batch({ts})}).error);
    }
    for (std::int64_t ts : {100, 200, 300, 400, 500}) {
      ASSERT_FALSE(
          append_sync(*s, mono.partition_log(ids::partition_index{0}), {make_batch({ts})}).error);
    }
    EXPECT_EQ(s->offsets(log)->size_bytes, 5 * one);

    EXPECT_EQ(s->enforce_retention(wall_clock_now()), 6u);
    auto off = *s->offsets(log);
    EXPECT_EQ(off.log_start, ids::offset{3});
    EXPECT_EQ(off.log_end, ids::offset{5});
    EXPECT_EQ(off.size_bytes, 2 * one);
    EXPECT_EQ(read_at(*s, log, 2), storage_errc::offset_out_of_range);
    EXPECT_EQ(s->offsets(probe.partition_log(ids::partition_index{0}))->log_start,
              ids::offset{0});  // no limits: untouched

    // The surviving index entry points at deleted offset 0; it resolves from log start on.
    EXPECT_EQ(at(*s, log, 100), (hit{3, 700}));
    EXPECT_EQ(at(*s, log, 750), (hit{4, 800}));
    EXPECT_EQ(at(*s, log, 900), std::nullopt);
    EXPECT_EQ(at(*s, mono.partition_log(ids::partition_index{0}), 0), (hit{3, 400}));
    EXPECT_EQ(at(*s, mono.partition_log(ids::partition_index{0}), 450), (hit{4, 500}));
  }
  // mono's entries for offsets 0..2 are gone (400 → 3 now covers them); size's single entry
  // below log start is kept because it carries the running maximum.
  raw_env raw(o.dir);
  EXPECT_EQ(raw.count_logs("index_ts", mono.first_log_id, 1), 2u);
  EXPECT_EQ(raw.count_logs("index_ts", t.first_log_id, 1), 1u);
  EXPECT_EQ(raw.count_logs("log", t.first_log_id, 1), 2u);
}

// More deletions than one transaction may hold: the pass runs in slices between group commits
// while another topic keeps appending.
TEST(StorageRetention, LargeDeletionRunsInSlices) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t, busy;
  ASSERT_FALSE(s->create_topic("bulk", 2, {{"retention.bytes", "0"}}, t));
  ASSERT_FALSE(s->create_topic("busy", 1, {}, busy));
  for (std::int32_t p = 0; p < 2; ++p) {
    std::vector<bytes> batches;
    for (int i = 0; i < 1300; ++i) batches.push_back(make_batch({wall_clock_now()}));
    ASSERT_FALSE(
        append_sync(*s, t.partition_log(ids::partition_index{p}), std::move(batches)).error);
  }
  std::thread producer([&] {
    for (int i = 0; i < 200; ++i) {
      EXPECT_FALSE(append_sync(*s, busy.partition_log(ids::partition_index{0}),
                               {make_batch({wall_clock_now()})})
                       .error);
    }
  });
  EXPECT_EQ(s->enforce_retention(wall_clock_now()), 2600u);
  producer.join();
  for (std::int32_t p = 0; p < 2; ++p) {
    auto off = *s->offsets(t.partition_log(ids::partition_index{p}));
    EXPECT_EQ(off.log_start, ids::offset{1300});
    EXPECT_EQ(off.log_end, ids::offset{1300});
    EXPECT_EQ(off.size_bytes, 0u);
  }
  EXPECT_EQ(s->offsets(busy.partition_log(ids::partition_index{0}))->log_end, ids::offset{200});
  EXPECT_EQ(s->offsets(busy.partition_log(ids::partition_index{0}))->log_start, ids::offset{0});
}

TEST(StorageRetention, WriterRunsRetentionPeriodically) {
  temp_dir dir;
  auto o = options_for(dir);
  o.retention_check_interval_ms = 20;
  o.topic_defaults.retention_ms = 1000;  // store default; the batch is from 1970
  auto s = open_store(o);
  topic_info t;
  ASSERT_FALSE(s->create_topic("p", 1, {}, t));
  ASSERT_FALSE(
      append_sync(*s, t.partition_log(ids::partition_index{0}), {make_batch({1}), make_batch({2})})
          .error);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s->offsets(t.partition_log(ids::partition_index{0}))->log_start != ids::offset{2} &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(s->offsets(t.partition_log(ids::partition_index{0}))->log_start, ids::offset{2});
}

// The writer's schedule and its idea of "now" come from the store's clock: with a manual clock
// a test moves five minutes of retention interval and an hour of retention in microseconds.
TEST(StorageRetention, WriterFollowsTheInjectedClock) {
  manual_clock time;
  temp_dir dir;
  auto o = options_for(dir);
  o.time = time.as_clock();
  o.retention_check_interval_ms = 300000;  // the default: five minutes
  o.topic_defaults.retention_ms = 3600000;
  auto s = open_store(o);
  topic_info t;
  ASSERT_FALSE(s->create_topic("p", 1, {}, t));
  const std::int64_t written_ms = time.wall_ms();
  auto appended = append_sync(*s, t.partition_log(ids::partition_index{0}), {make_batch({written_ms}), make_batch({written_ms})});
  ASSERT_FALSE(appended.error);
  EXPECT_EQ(appended.append_time_ms, written_ms);  // append time is the store clock's wall time

  // Two hours later by the wall clock, but the monotonic interval has not elapsed: no pass.
  time.set_wall_ms(written_ms + 2 * 3600000);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer re-reads every 1 ms
  EXPECT_EQ(s->offsets(t.partition_log(ids::partition_index{0}))->log_start, ids::offset{0});

  // The interval elapses on the monotonic clock: the writer runs the pass as of the clock's
  // wall time, and both batches (an hour past retention.ms) go.
  time.advance(std::chrono::milliseconds(300000));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s->offsets(t.partition_log(ids::partition_index{0}))->log_start != ids::offset{2} &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(s->offsets(t.partition_log(ids::partition_index{0}))->log_start, ids::offset{2});
}

}  // namespace
}  // namespace tern::storage::test
