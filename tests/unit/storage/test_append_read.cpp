// Appends (concurrent, grouped, validated per request) and reads (by offset, limits, snapshots,
// timestamps).
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

TEST(StorageAppend, ConcurrentAppendsAreContiguousAndOrderedPerPartition) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("c", 4, {}, t));
  constexpr int thread_count = 4, per_thread = 300;
  std::atomic<int> failures{0};
  std::latch all_done(thread_count * per_thread);
  std::vector<std::thread> threads;
  for (int th = 0; th < thread_count; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < per_thread; ++i) {
        // Each batch carries (thread, sequence) in its values; 1..3 records.
        std::vector<std::int64_t> ts(1 + (i % 3), 1000 + i);
        char prefix[32];
        std::snprintf(prefix, sizeof prefix, "t%ds%dr", th, i);
        auto batch = make_batch(ts, prefix);
        s->append(make_request(t.partition_log(ids::partition_index{(th + i) % 4}),
                               {std::move(batch)}, [&](const append_result& r) {
                                 if (r.error) ++failures;
                                 all_done.count_down();
                               }));
      }
    });
  }
  for (auto& th : threads) th.join();
  all_done.wait();
  EXPECT_EQ(failures.load(), 0);

  std::int64_t total_records = 0;
  for (std::int32_t p = 0; p < 4; ++p) {
    auto batches = read_all(*s, t.partition_log(ids::partition_index{p}), 0);
    std::int64_t next = 0;
    std::map<int, int> last_seq;  // per thread: sequence must increase within a partition
    for (const auto& b : batches) {
      record_batch::batch_header h;
      ASSERT_FALSE(record_batch::validate(b, h));
      EXPECT_EQ(h.base_offset, next);
      next = h.last_offset() + 1;
      std::vector<record_batch::record> recs;
      ASSERT_FALSE(record_batch::decode_records(b, recs));
      std::string v(recs[0].value->begin(), recs[0].value->end());
      int th = 0, seq = 0;
      ASSERT_EQ(std::sscanf(v.c_str(), "t%ds%dr", &th, &seq), 2) << v;
      if (last_seq.count(th)) {
        EXPECT_GT(seq, last_seq[th]);
      }
      last_seq[th] = seq;
    }
    auto off = s->offsets(t.partition_log(ids::partition_index{p}));
    ASSERT_TRUE(off);
    EXPECT_EQ(off->log_end, ids::offset{next});
    total_records += next;
  }
  EXPECT_EQ(total_records, thread_count * per_thread * 2);  // 1, 2, 3 records in turn
}

// The writer is held inside the first callback while 500 appends queue up; they must then go
// out in a single group commit (one commit listener call) with contiguous offsets.
TEST(StorageAppend, GroupCommitDrainsTheQueueIntoOneTransaction) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("g", 2, {}, t));
  std::mutex m;
  std::condition_variable cv;
  int commits = 0;
  std::vector<log_id> last_logs;
  s->set_commit_listener([&](const std::vector<log_id>& logs) {
    std::lock_guard lock(m);
    ++commits;
    last_logs = logs;
    cv.notify_all();
  });
  std::promise<void> entered, release;
  auto release_future = release.get_future();
  s->append(make_request(t.partition_log(ids::partition_index{0}), {make_batch({1})},
                         [&](const append_result& r) {
                           EXPECT_FALSE(r.error);
                           entered.set_value();
                           release_future.wait();
                         }));
  entered.get_future().wait();
  constexpr int n = 500;
  std::vector<append_result> results(n);
  std::latch done(n);
  for (int i = 0; i < n; ++i) {
    s->append(make_request(t.partition_log(ids::partition_index{i % 2}), {make_batch({2, 3})},
                           [&, i](const append_result& r) {
                             results[i] = r;
                             done.count_down();
                           }));
  }
  release.set_value();
  done.wait();
  {
    // The listener runs after the group's callbacks.
    std::unique_lock lock(m);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return commits >= 2; });
    EXPECT_EQ(commits, 2);
    EXPECT_EQ(last_logs, (std::vector<log_id>{t.partition_log(ids::partition_index{0}),
                                              t.partition_log(ids::partition_index{1})}));
  }
  std::int64_t expect[2] = {1, 0};
  for (int i = 0; i < n; ++i) {
    ASSERT_FALSE(results[i].error);
    EXPECT_EQ(results[i].base_offset, ids::offset{expect[i % 2]});
    expect[i % 2] += 2;
  }
}

// Requests that fail their own checks are answered alone; the rest of the group commits.
TEST(StorageAppend, BadRequestDoesNotSpoilItsGroup) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("v", 1, {}, t));
  std::promise<void> entered, release;
  auto release_future = release.get_future();
  s->append(make_request(t.partition_log(ids::partition_index{0}), {make_batch({1})},
                         [&](const append_result&) {
                           entered.set_value();
                           release_future.wait();
                         }));
  entered.get_future().wait();
  auto truncated = make_batch({5, 6});
  truncated.pop_back();
  std::vector<append_result> results(5);
  std::latch done(5);
  auto record = [&](int i) {
    return [&, i](const append_result& r) {
      results[i] = r;
      done.count_down();
    };
  };
  s->append(make_request(t.partition_log(ids::partition_index{0}), {make_batch({2})}, record(0)));
  s->append(make_request(log_id{t.first_log_id.value() + 1000}, {make_batch({3})}, record(1)));
  s->append(make_request(t.partition_log(ids::partition_index{0}), {make_batch({4}), truncated},
                         record(2)));
  s->append(make_request(t.partition_log(ids::partition_index{0}), {}, record(3)));
  s->append(
      make_request(t.partition_log(ids::partition_index{0}), {make_batch({7, 8})}, record(4)));
  release.set_value();
  done.wait();
  EXPECT_FALSE(results[0].error);
  EXPECT_EQ(results[0].base_offset, ids::offset{1});
  EXPECT_EQ(results[1].error, storage_errc::unknown_partition);
  EXPECT_EQ(results[2].error, storage_errc::invalid_argument);  // nothing of it was written
  EXPECT_EQ(results[2].base_offset, ids::offset{-1});
  EXPECT_EQ(results[3].error, storage_errc::invalid_argument);
  EXPECT_FALSE(results[4].error);
  EXPECT_EQ(results[4].base_offset, ids::offset{2});
  EXPECT_EQ(s->offsets(t.partition_log(ids::partition_index{0}))->log_end, ids::offset{4});
  EXPECT_EQ(read_all(*s, t.partition_log(ids::partition_index{0}), 0).size(), 3u);
}

class StorageRead : public ::testing::Test {
 protected:
  void SetUp() override {
    store = open_store(options_for(dir));
    ASSERT_FALSE(store->create_topic("r", 1, {}, topic));
    log = topic.partition_log(ids::partition_index{0});
    // Five batches of ten records: offsets 0..49, batch i holds 10i..10i+9.
    for (int b = 0; b < 5; ++b) {
      std::vector<std::int64_t> ts(10);
      for (int r = 0; r < 10; ++r) ts[r] = 1000 * b + r;
      auto res = append_sync(*store, log, {make_batch(ts)});
      ASSERT_FALSE(res.error);
      ASSERT_EQ(res.base_offset, ids::offset{10 * b});
    }
    batch_size = read_all(*store, log, 0).at(0).size();
  }
  std::error_code read(std::int64_t offset, std::size_t max_bytes, std::int64_t end,
                       std::vector<std::int64_t>& bases) {
    std::unique_ptr<read_txn> txn;
    EXPECT_FALSE(store->begin_read(txn));
    std::vector<bytes_view> out;
    std::size_t n = 99;
    auto ec = txn->read(log, ids::offset{offset}, max_bytes, ids::offset{end}, out, n);
    std::size_t sum = 0;
    bases.clear();
    for (auto b : out) {
      record_batch::batch_header h;
      EXPECT_FALSE(record_batch::validate(b, h));  // stored bytes keep a valid CRC
      bases.push_back(h.base_offset);
      sum += b.size();
    }
    EXPECT_EQ(n, sum);
    return ec;
  }

  temp_dir dir;
  std::unique_ptr<log_store> store;
  topic_info topic;
  log_id log{0};
  std::size_t batch_size = 0;
};

TEST_F(StorageRead, FromTheMiddleOfABatch) {
  std::vector<std::int64_t> bases;
  ASSERT_FALSE(read(15, SIZE_MAX, 50, bases));
  EXPECT_EQ(bases, (std::vector<std::int64_t>{10, 20, 30, 40}));
  ASSERT_FALSE(read(49, SIZE_MAX, 50, bases));
  EXPECT_EQ(bases, (std::vector<std::int64_t>{40}));
  ASSERT_FALSE(read(0, SIZE_MAX, 50, bases));
  EXPECT_EQ(bases.size(), 5u);
  ASSERT_FALSE(read(40, SIZE_MAX, 50, bases));
  EXPECT_EQ(bases, (std::vector<std::int64_t>{40}));
}

TEST_F(StorageRead, MaxBytesAlwaysIncludesTheFirstBatch) {
  std::vector<std::int64_t> bases;
  ASSERT_FALSE(read(12, 1, 50, bases));
  EXPECT_EQ(bases, (std::vector<std::int64_t>{10}));
  ASSERT_FALSE(read(12, 2 * batch_size, 50, bases));
  EXPECT_EQ(bases, (std::vector<std::int64_t>{10, 20}));
  ASSERT_FALSE(read(12, 3 * batch_size - 1, 50, bases));
  EXPECT_EQ(bases, (std::vector<std::int64_t>{10, 20}));
}

TEST_F(StorageRead, EndOffsetIsExclusive) {
  std::vector<std::int64_t> bases;
  ASSERT_FALSE(read(5, SIZE_MAX, 30, bases));
  EXPECT_EQ(bases, (std::vector<std::int64_t>{0, 10, 20}));
  ASSERT_FALSE(read(5, SIZE_MAX, 31, bases));
  EXPECT_EQ(bases, (std::vector<std::int64_t>{0, 10, 20, 30}));
  ASSERT_FALSE(read(30, SIZE_MAX, 30, bases));
  EXPECT_TRUE(bases.empty());
}

TEST_F(StorageRead, AtAndBeyondTheEnd) {
  std::vector<std::int64_t> bases;
  EXPECT_FALSE(read(50, SIZE_MAX, 50, bases));
  EXPECT_TRUE(bases.empty());
  EXPECT_EQ(read(51, SIZE_MAX, 60, bases), storage_errc::offset_out_of_range);
  EXPECT_EQ(read(-1, SIZE_MAX, 60, bases), storage_errc::offset_out_of_range);
}

TEST_F(StorageRead, StoredBatchesHaveTheirBaseOffsetRewritten) {
  auto batches = read_all(*store, log, 0);
  ASSERT_EQ(batches.size(), 5u);
  for (std::size_t i = 0; i < batches.size(); ++i) {
    record_batch::batch_header h;
    ASSERT_FALSE(record_batch::validate(batches[i], h));
    EXPECT_EQ(h.base_offset, static_cast<std::int64_t>(10 * i));
    std::vector<record_batch::record> recs;
    ASSERT_FALSE(record_batch::decode_records(batches[i], recs));
    ASSERT_EQ(recs.size(), 10u);
    EXPECT_EQ(recs[3].offset, static_cast<std::int64_t>(10 * i + 3));
  }
}

TEST_F(StorageRead, SnapshotIsStableWhileAppendsContinue) {
  std::unique_ptr<read_txn> snap;
  ASSERT_FALSE(store->begin_read(snap));
  ASSERT_FALSE(append_sync(*store, log, {make_batch({9000, 9001})}).error);
  partition_offsets off;
  ASSERT_FALSE(snap->offsets(log, off));
  EXPECT_EQ(off.log_end, ids::offset{50});
  EXPECT_EQ(store->offsets(log)->log_end, ids::offset{52});
  std::vector<bytes_view> out;
  std::size_t n = 0;
  EXPECT_FALSE(snap->read(log, ids::offset{50}, SIZE_MAX, ids::offset{INT64_MAX}, out, n));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(snap->read(log, ids::offset{51}, SIZE_MAX, ids::offset{INT64_MAX}, out, n),
            storage_errc::offset_out_of_range);
  snap.reset();
  std::vector<std::int64_t> bases;
  ASSERT_FALSE(read(51, SIZE_MAX, 52, bases));
  EXPECT_EQ(bases, (std::vector<std::int64_t>{50}));
}

TEST(StorageTimestamps, NonMonotonicTimestamps) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("ts", 1, {}, t));
  log_id log = t.partition_log(ids::partition_index{0});
  // Offsets: b0 = 0..2, b1 = 3..4, b2 = 5..6, b3 = 7, b4 (compressed) = 8..9.
  auto compressed = make_batch({600, 700});
  mark_compressed(compressed);
  ASSERT_FALSE(append_sync(*s, log, {make_batch({100, 300, 200}), make_batch({150, 250})}).error);
  ASSERT_FALSE(append_sync(*s, log, {make_batch({400, 350}), make_batch({50}), compressed}).error);
  EXPECT_EQ(s->offsets(log)->max_timestamp, 700);

  std::unique_ptr<read_txn> txn;
  ASSERT_FALSE(s->begin_read(txn));
  auto at = [&](std::int64_t ts) {
    std::optional<std::pair<ids::offset, std::int64_t>> found;
    EXPECT_FALSE(txn->offset_for_timestamp(log, ts, found));
    std::optional<std::pair<std::int64_t, std::int64_t>> out;
    if (found) out.emplace(found->first.value(), found->second);
    return out;
  };
  using hit = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(at(-5), (hit{0, 100}));
  EXPECT_EQ(at(100), (hit{0, 100}));
  EXPECT_EQ(at(101), (hit{1, 300}));  // first in log order, not the smallest qualifying
  EXPECT_EQ(at(250), (hit{1, 300}));
  EXPECT_EQ(at(300), (hit{1, 300}));
  EXPECT_EQ(at(301), (hit{5, 400}));  // b1 (max 250) never qualifies
  EXPECT_EQ(at(360), (hit{5, 400}));
  EXPECT_EQ(at(401), (hit{8, 700}));  // compressed: base offset and maxTimestamp
  EXPECT_EQ(at(700), (hit{8, 700}));
  EXPECT_EQ(at(701), std::nullopt);
}

TEST(StorageTimestamps, EmptyAndUnknownLogs) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("e", 1, {}, t));
  std::unique_ptr<read_txn> txn;
  ASSERT_FALSE(s->begin_read(txn));
  std::optional<std::pair<ids::offset, std::int64_t>> out{std::pair{ids::offset{1}, 1}};
  EXPECT_FALSE(txn->offset_for_timestamp(t.partition_log(ids::partition_index{0}), 0, out));
  EXPECT_FALSE(out);
  EXPECT_EQ(txn->offset_for_timestamp(log_id{t.partition_log(ids::partition_index{0}).value() + 1},
                                      0, out),
            storage_errc::unknown_partition);
}

}  // namespace
}  // namespace tern::storage::test
