// Replication primitives: epoch stamping and fencing, replica appends, truncate/reset, the epoch
// table (Kafka's OffsetForLeaderEpoch), the high watermark, and the schema 2 → 3 upgrade.
#include <thread>

#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

using epoch_table = std::vector<std::pair<std::int32_t, std::int64_t>>;

// A batch as a leader stored it: its own base offset and partitionLeaderEpoch.
bytes leader_batch(std::int64_t base_offset, std::int32_t epoch, int records,
                   std::int64_t producer_id = -1, std::int16_t producer_epoch = -1,
                   std::int32_t base_sequence = -1, std::int64_t timestamp_ms = 1000) {
  record_batch::batch_builder::options o;
  o.base_offset = base_offset;
  o.partition_leader_epoch = epoch;
  o.producer_id = producer_id;
  o.producer_epoch = producer_epoch;
  o.base_sequence = base_sequence;
  record_batch::batch_builder b(o);
  for (int i = 0; i < records; ++i) {
    std::string v = "r" + std::to_string(base_offset + i);
    b.add(timestamp_ms + i, std::nullopt, as_bytes(v));
  }
  bytes out;
  b.build(out);
  return out;
}

append_result append_with(log_store& s, log_id log, std::vector<bytes> batches,
                          std::int32_t leader_epoch, bool replica, bool gaps = false) {
  auto p = std::make_shared<std::promise<append_result>>();
  auto f = p->get_future();
  auto r = make_request(log, std::move(batches), [p](const append_result& res) { p->set_value(res); });
  r.leader_epoch = ids::leader_epoch{leader_epoch};
  r.replica = replica;
  r.allow_offset_gaps = gaps;
  s.append(std::move(r));
  return f.get();
}

epoch_table epochs_of(const log_store& s, log_id log) {
  std::unique_ptr<read_txn> txn;
  EXPECT_FALSE(s.begin_read(txn));
  std::vector<std::pair<ids::leader_epoch, ids::offset>> table;
  EXPECT_FALSE(txn->epochs(log, table));
  epoch_table out;
  for (auto [epoch, start] : table) out.emplace_back(epoch.value(), start.value());
  return out;
}

std::pair<std::int32_t, std::int64_t> end_for(const log_store& s, log_id log, std::int32_t epoch) {
  std::unique_ptr<read_txn> txn;
  EXPECT_FALSE(s.begin_read(txn));
  ids::leader_epoch e{0};
  ids::offset o{0};
  EXPECT_FALSE(txn->end_offset_for_epoch(log, ids::leader_epoch{epoch}, e, o));
  return {e.value(), o.value()};
}

struct replication_fixture : ::testing::Test {
  temp_dir dir;
  store_options opts = options_for(dir);
  std::unique_ptr<log_store> store = open_store(opts);
  topic_info topic;
  void SetUp() override { ASSERT_FALSE(store->create_topic("rep", 1, {}, topic)); }
  log_id log() const { return topic.partition_log(ids::partition_index{0}); }
  partition_offsets offsets() const { return *store->offsets(log()); }
  // Replica-appends batches of `records` records each at the log end with `epoch`.
  void replicate(std::int32_t epoch, std::vector<int> records) {
    std::int64_t at = offsets().log_end.value();
    std::vector<bytes> batches;
    for (int n : records) {
      batches.push_back(leader_batch(at, epoch, n));
      at += n;
    }
    auto r = append_with(*store, log(), std::move(batches), -1, true);
    ASSERT_FALSE(r.error) << r.error.message();
  }
};

TEST_F(replication_fixture, LeaderEpochIsStampedOutsideTheCrcAndStartsAnEpoch) {
  ASSERT_FALSE(append_sync(*store, log(), {make_batch({1, 2})}).error);  // no epoch: as today
  auto r = append_with(*store, log(), {make_batch({3}), make_batch({4, 5})}, 7, false);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.base_offset, ids::offset{2});
  auto stored = read_all(*store, log(), 0);
  ASSERT_EQ(stored.size(), 3u);
  std::vector<std::int32_t> epochs;
  for (const auto& b : stored) {
    record_batch::batch_header h;
    ASSERT_FALSE(record_batch::validate(b, h));  // CRC still valid after the stamp
    epochs.push_back(h.partition_leader_epoch);
  }
  EXPECT_EQ(epochs, (std::vector<std::int32_t>{-1, 7, 7}));
  EXPECT_EQ(epochs_of(*store, log()), (epoch_table{{7, 2}}));
  EXPECT_EQ(offsets().last_epoch, ids::leader_epoch{7});
  // The same epoch again adds no entry; a newer one starts at its append's base offset.
  ASSERT_FALSE(append_with(*store, log(), {make_batch({6})}, 7, false).error);
  ASSERT_FALSE(append_with(*store, log(), {make_batch({7})}, 9, false).error);
  EXPECT_EQ(epochs_of(*store, log()), (epoch_table{{7, 2}, {9, 6}}));
}

TEST_F(replication_fixture, OlderLeaderEpochIsFencedAndWritesNothing) {
  ASSERT_FALSE(append_with(*store, log(), {make_batch({1})}, 5, false).error);
  auto r = append_with(*store, log(), {make_batch({2, 3})}, 4, false);
  EXPECT_EQ(r.error, storage_errc::fenced_leader_epoch);
  EXPECT_EQ(r.base_offset, ids::offset{-1});
  EXPECT_EQ(offsets().log_end, ids::offset{1});
  EXPECT_EQ(read_all(*store, log(), 0).size(), 1u);
  EXPECT_EQ(append_with(*store, log(), {make_batch({2})}, -2, false).error,
            storage_errc::invalid_argument);
}

TEST_F(replication_fixture, ReplicaAppendsKeepOffsetsAndEpochs) {
  auto r = append_with(*store, log(), {leader_batch(0, 3, 2), leader_batch(2, 3, 1),
                                       leader_batch(3, 5, 4)}, -1, true);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.base_offset, ids::offset{0});
  EXPECT_EQ(offsets().log_end, ids::offset{7});
  EXPECT_EQ(epochs_of(*store, log()), (epoch_table{{3, 0}, {5, 3}}));
  auto stored = read_all(*store, log(), 0);
  ASSERT_EQ(stored.size(), 3u);
  record_batch::batch_header h;
  ASSERT_FALSE(record_batch::validate(stored[2], h));
  EXPECT_EQ(h.base_offset, 3);
  EXPECT_EQ(h.partition_leader_epoch, 5);
  // Not at the log end, overlapping, or not contiguous: offset_mismatch, nothing written.
  EXPECT_EQ(append_with(*store, log(), {leader_batch(8, 5, 1)}, -1, true).error,
            storage_errc::offset_mismatch);
  EXPECT_EQ(append_with(*store, log(), {leader_batch(6, 5, 1)}, -1, true).error,
            storage_errc::offset_mismatch);
  EXPECT_EQ(append_with(*store, log(), {leader_batch(7, 5, 1), leader_batch(9, 5, 1)}, -1, true).error,
            storage_errc::offset_mismatch);
  // A batch from an older epoch than the table's latest: refused.
  EXPECT_EQ(append_with(*store, log(), {leader_batch(7, 4, 1)}, -1, true).error,
            storage_errc::fenced_leader_epoch);
  // A replica request must not ask for stamping.
  EXPECT_EQ(append_with(*store, log(), {leader_batch(7, 5, 1)}, 5, true).error,
            storage_errc::invalid_argument);
  EXPECT_EQ(offsets().log_end, ids::offset{7});
  // With allow_offset_gaps (a compacted leader log), gaps are fine but overlaps are not.
  EXPECT_EQ(append_with(*store, log(), {leader_batch(6, 5, 1)}, -1, true, true).error,
            storage_errc::offset_mismatch);
  ASSERT_FALSE(append_with(*store, log(), {leader_batch(9, 5, 1), leader_batch(12, 6, 2)}, -1,
                           true, true).error);
  EXPECT_EQ(offsets().log_end, ids::offset{14});
  EXPECT_EQ(read_all(*store, log(), 7).size(), 2u);  // a read in the gap starts after it
  EXPECT_EQ(offsets().last_epoch, ids::leader_epoch{6});
}

TEST_F(replication_fixture, TruncateAtABoundaryMidBatchBeyondAndBelowStart) {
  replicate(1, {2, 3});  // [0,2) [2,5)
  replicate(2, {4});     // [5,9)
  replicate(4, {1, 1});  // [9,10) [10,11)
  EXPECT_EQ(truncate_sync(*store, log(), 12), storage_errc::invalid_argument);
  EXPECT_EQ(truncate_sync(*store, log(), -1), storage_errc::invalid_argument);
  ASSERT_FALSE(truncate_sync(*store, log(), 11));  // the log end: nothing changes
  EXPECT_EQ(offsets().log_end, ids::offset{11});
  std::uint64_t size_before = offsets().size_bytes;
  ASSERT_FALSE(truncate_sync(*store, log(), 10));  // a boundary
  EXPECT_EQ(offsets().log_end, ids::offset{10});
  EXPECT_LT(offsets().size_bytes, size_before);
  EXPECT_EQ(epochs_of(*store, log()), (epoch_table{{1, 0}, {2, 5}, {4, 9}}));
  ASSERT_FALSE(truncate_sync(*store, log(), 7));  // mid-batch: [5,9) goes whole
  EXPECT_EQ(offsets().log_end, ids::offset{5});
  EXPECT_EQ(epochs_of(*store, log()), (epoch_table{{1, 0}}));  // entries from 5 on are gone
  EXPECT_EQ(offsets().last_epoch, ids::leader_epoch{1});
  EXPECT_EQ(read_all(*store, log(), 0).size(), 2u);
  // The log goes on from the new end, and the epoch may be newer again.
  replicate(3, {2});
  EXPECT_EQ(epochs_of(*store, log()), (epoch_table{{1, 0}, {3, 5}}));
  // Below the log start (after retention): everything goes, start = end = offset.
  std::string message;
  ASSERT_FALSE(store->alter_topic_configs("rep", {{"retention.bytes", "1"}, {"retention.ms", "-1"}}, message));
  {
    std::uint64_t actual = 0;
    for (auto& b : read_all(*store, log(), 0)) actual += b.size();
    EXPECT_EQ(offsets().size_bytes, actual);
  }
  store->enforce_retention(wall_clock_now());
  ASSERT_EQ(offsets().log_start,
            ids::offset{5});  // the last batch stays (what retention.bytes=1 keeps)
  ASSERT_FALSE(truncate_sync(*store, log(), 3));
  auto st = offsets();
  EXPECT_EQ(st.log_start, ids::offset{3});
  EXPECT_EQ(st.log_end, ids::offset{3});
  EXPECT_EQ(st.size_bytes, 0u);
  EXPECT_EQ(st.last_epoch, ids::leader_epoch{-1});
  EXPECT_TRUE(epochs_of(*store, log()).empty());
  EXPECT_TRUE(read_all(*store, log(), 3).empty());
  EXPECT_EQ(store->get_stats().stored_bytes, 0u);
  // And it all holds after a restart.
  store.reset();
  store = open_store(opts);
  EXPECT_EQ(offsets().log_end, ids::offset{3});
  replicate(6, {1});
  EXPECT_EQ(epochs_of(*store, log()), (epoch_table{{6, 3}}));
}

TEST_F(replication_fixture, TruncateRestoresMaxTimestampAndIndex) {
  append_with(*store, log(), {leader_batch(0, 1, 1, -1, -1, -1, 100)}, -1, true);
  append_with(*store, log(), {leader_batch(1, 1, 1, -1, -1, -1, 200)}, -1, true);
  append_with(*store, log(), {leader_batch(2, 1, 1, -1, -1, -1, 300)}, -1, true);
  ASSERT_FALSE(truncate_sync(*store, log(), 2));
  EXPECT_EQ(offsets().max_timestamp, 200);
  std::unique_ptr<read_txn> txn;
  ASSERT_FALSE(store->begin_read(txn));
  std::optional<std::pair<ids::offset, std::int64_t>> found;
  ASSERT_FALSE(txn->offset_for_timestamp(log(), 250, found));
  EXPECT_FALSE(found.has_value());
  ASSERT_FALSE(txn->offset_for_timestamp(log(), 150, found));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->first, ids::offset{1});
}

TEST_F(replication_fixture, ResetStartsOverAtAnyOffset) {
  replicate(2, {3, 3});
  ASSERT_FALSE(truncate_sync(*store, log(), 100, true));
  auto st = offsets();
  EXPECT_EQ(st.log_start, ids::offset{100});
  EXPECT_EQ(st.log_end, ids::offset{100});
  EXPECT_TRUE(epochs_of(*store, log()).empty());
  EXPECT_EQ(append_with(*store, log(), {leader_batch(0, 2, 1)}, -1, true).error,
            storage_errc::offset_mismatch);
  replicate(2, {1});
  EXPECT_EQ(offsets().log_end, ids::offset{101});
  EXPECT_EQ(read_all(*store, log(), 100).size(), 1u);
  EXPECT_EQ(truncate_sync(*store, log_id{log().value() + 99}, 0, true),
            storage_errc::unknown_partition);
}

// Kafka's LeaderEpochFileCacheTest cases for endOffsetFor.
TEST_F(replication_fixture, EndOffsetForEpochFollowsKafka) {
  // Empty table (and the undefined epoch): UNDEFINED.
  EXPECT_EQ(end_for(*store, log(), 0), std::make_pair(-1, std::int64_t{-1}));
  EXPECT_EQ(end_for(*store, log(), -1), std::make_pair(-1, std::int64_t{-1}));
  // Epochs 5 at 11, 6 at 12, 7 at 13 (the log starts at 11), then epoch 9 at 20 (a gap).
  ASSERT_FALSE(truncate_sync(*store, log(), 11, true));
  replicate(5, {1});
  replicate(6, {1});
  replicate(7, {7});
  replicate(9, {3});
  EXPECT_EQ(epochs_of(*store, log()), (epoch_table{{5, 11}, {6, 12}, {7, 13}, {9, 20}}));
  // The latest epoch: the log end.
  EXPECT_EQ(end_for(*store, log(), 9), std::make_pair(9, std::int64_t{23}));
  // A middle epoch: the start of the next.
  EXPECT_EQ(end_for(*store, log(), 5), std::make_pair(5, std::int64_t{12}));
  EXPECT_EQ(end_for(*store, log(), 7), std::make_pair(7, std::int64_t{20}));
  // An epoch in a gap: the largest epoch below it, and the start of the next one above.
  EXPECT_EQ(end_for(*store, log(), 8), std::make_pair(7, std::int64_t{20}));
  // Older than every entry: the requested epoch and the first entry's start (Kafka 2.x+).
  EXPECT_EQ(end_for(*store, log(), 4), std::make_pair(4, std::int64_t{11}));
  // Newer than the latest: UNDEFINED.
  EXPECT_EQ(end_for(*store, log(), 10), std::make_pair(-1, std::int64_t{-1}));
  // Unknown log: an error, not an answer.
  std::unique_ptr<read_txn> txn;
  ASSERT_FALSE(store->begin_read(txn));
  ids::leader_epoch e{0};
  ids::offset o{0};
  EXPECT_EQ(txn->end_offset_for_epoch(log_id{log().value() + 50}, ids::leader_epoch{1}, e, o),
            storage_errc::unknown_partition);
}

TEST_F(replication_fixture, HighWatermarkReportingPersistenceAndClamping) {
  // Single node: no epoch, never set → the log end.
  ASSERT_FALSE(append_sync(*store, log(), {make_batch({1, 2, 3})}).error);
  EXPECT_EQ(offsets().high_watermark, ids::offset{3});
  EXPECT_FALSE(offsets().high_watermark_set);
  // A partition with epochs whose high watermark is unknown: nothing is committed yet.
  ASSERT_FALSE(append_with(*store, log(), {make_batch({4, 5})}, 0, false).error);
  EXPECT_EQ(offsets().high_watermark, ids::offset{0});
  store->set_high_watermark(log(), ids::offset{4});
  EXPECT_TRUE(offsets().high_watermark_set);
  EXPECT_EQ(offsets().high_watermark, ids::offset{4});  // visible at once, before any commit
  store->set_high_watermark(log(), ids::offset{99});    // clamped to the log end
  EXPECT_EQ(offsets().high_watermark, ids::offset{5});
  {
    std::unique_ptr<read_txn> txn;
    ASSERT_FALSE(store->begin_read(txn));
    partition_offsets st;
    ASSERT_FALSE(txn->offsets(log(), st));
    EXPECT_EQ(st.high_watermark, ids::offset{5});
  }
  store->set_high_watermark(log(), ids::offset{4});
  store.reset();  // persisted at close
  store = open_store(opts);
  EXPECT_TRUE(offsets().high_watermark_set);
  EXPECT_EQ(offsets().high_watermark, ids::offset{4});
  // Truncating below it pulls it down; the reopened value is the truncated one.
  ASSERT_FALSE(truncate_sync(*store, log(), 3));
  EXPECT_EQ(offsets().high_watermark, ids::offset{3});
  store.reset();
  store = open_store(opts);
  EXPECT_EQ(offsets().high_watermark, ids::offset{3});
}

TEST_F(replication_fixture, HighWatermarkIsFlushedWithoutOtherCommits) {
  store.reset();
  opts.sync_interval_ms = 20;
  store = open_store(opts);
  ASSERT_FALSE(append_sync(*store, log(), {make_batch({1, 2})}).error);
  store->set_high_watermark(log(), ids::offset{1});
  // Offsets report the latest value at once, so look at the file: after the interval, with no
  // append since, a copy of the data file (what a kill -9 now would leave) holds it.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::filesystem::create_directories(dir.path() + "/copy");
  std::filesystem::copy_file(opts.dir + "/data.mdb", dir.path() + "/copy/data.mdb");
  store_options copy = opts;
  copy.dir = dir.path() + "/copy";
  auto other = open_store(copy);
  ASSERT_TRUE(other);
  auto st = other->offsets(log());
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(st->high_watermark_set);
  EXPECT_EQ(st->high_watermark, ids::offset{1});
}

TEST_F(replication_fixture, RetentionAndCompactionKeepWhatIsAtOrAboveTheHighWatermark) {
  std::string message;
  ASSERT_FALSE(store->alter_topic_configs("rep", {{"retention.ms", "1000"}}, message));
  for (int i = 0; i < 4; ++i)
    ASSERT_FALSE(append_with(*store, log(), {make_batch({1000, 1001})}, 1, false).error);
  store->set_high_watermark(log(), ids::offset{5});  // mid-batch: [4,6) holds uncommitted data
  EXPECT_EQ(store->enforce_retention(wall_clock_now()), 2u);
  EXPECT_EQ(offsets().log_start, ids::offset{4});
  store->set_high_watermark(log(), ids::offset{8});
  EXPECT_EQ(store->enforce_retention(wall_clock_now()), 2u);
  EXPECT_EQ(offsets().log_start, ids::offset{8});
}

TEST_F(replication_fixture, DeduplicationGoesOnAfterReplicaAppendsAndTruncate) {
  const std::int64_t pid = 42;  // allocated by the old leader, unknown to this store
  // Five batches of 2 records each from the old leader (epoch 1), sequences 0..9.
  for (int i = 0; i < 5; ++i) {
    auto r = append_with(*store, log(), {leader_batch(i * 2, 1, 2, pid, 0, i * 2)}, -1, true);
    ASSERT_FALSE(r.error) << r.error.message();
  }
  // The tail [6,10) diverged from the new leader: truncate it; sequences 6..9 are forgotten.
  ASSERT_FALSE(truncate_sync(*store, log(), 6));
  // This replica now leads (epoch 2): a retry of sequences 4..5 is a duplicate at offset 4 ...
  record_batch::batch_builder::options o;
  o.producer_id = pid;
  o.producer_epoch = 0;
  o.base_sequence = 4;
  auto retry_batch = [&](std::int32_t seq) {
    o.base_sequence = seq;
    record_batch::batch_builder b(o);
    b.add(1, std::nullopt, as_bytes("x"));
    b.add(2, std::nullopt, as_bytes("y"));
    bytes out;
    b.build(out);
    return out;
  };
  auto dup = append_with(*store, log(), {retry_batch(4)}, 2, false);
  ASSERT_FALSE(dup.error) << dup.error.message();
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.base_offset, ids::offset{4});
  // ... sequence 8 is a gap (6 is next), and 6 is accepted at the log end.
  EXPECT_EQ(append_with(*store, log(), {retry_batch(8)}, 2, false).error,
            storage_errc::out_of_order_sequence);
  auto next = append_with(*store, log(), {retry_batch(6)}, 2, false);
  ASSERT_FALSE(next.error) << next.error.message();
  EXPECT_EQ(next.base_offset, ids::offset{6});
  // The producer id is known here now, and the counter never hands it out again.
  std::int64_t fresh = -1;
  ASSERT_FALSE(store->allocate_producer_id(fresh));
  EXPECT_GT(fresh, pid);
}

TEST_F(replication_fixture, TruncateDropsStateOfAProducerWithNothingLeft) {
  const std::int64_t pid = 7;
  replicate(1, {2});
  ASSERT_FALSE(append_with(*store, log(), {leader_batch(2, 1, 2, pid, 0, 0)}, -1, true).error);
  ASSERT_FALSE(truncate_sync(*store, log(), 2));
  record_batch::batch_builder::options o;
  o.producer_id = pid;
  o.producer_epoch = 0;
  o.base_sequence = 2;
  record_batch::batch_builder b(o);
  b.add(1, std::nullopt, as_bytes("x"));
  bytes batch;
  b.build(batch);
  // No state: a sequence other than 0 is unknown_producer, as for a producer never seen.
  EXPECT_EQ(append_with(*store, log(), {batch}, 2, false).error, storage_errc::unknown_producer);
}

TEST(StorageReplication, CreateTopicWithTheControllersId) {
  temp_dir dir;
  auto store = open_store(options_for(dir));
  std::array<std::uint8_t, 16> id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(i + 1);
  topic_info t;
  ASSERT_FALSE(store->create_topic("a", 2, id, {}, t));
  EXPECT_EQ(t.uuid, id);
  EXPECT_EQ(store->find_topic("a")->uuid, id);
  topic_info other;
  EXPECT_EQ(store->create_topic("b", 1, id, {}, other), storage_errc::invalid_argument);
  EXPECT_EQ(store->create_topic("c", 1, std::array<std::uint8_t, 16>{}, {}, other),
            storage_errc::invalid_argument);
  EXPECT_EQ(store->create_topic("a", 1, {}, other), storage_errc::topic_exists);
}

// A data dir as schema 2 wrote it: 56-byte partition states, no epochs database, schema 2.
TEST(StorageReplication, Schema2DataDirOpensAndUpgrades) {
  temp_dir dir;
  auto opts = options_for(dir);
  topic_info t;
  {
    auto store = open_store(opts);
    ASSERT_FALSE(store->create_topic("old", 1, {}, t));
    ASSERT_FALSE(append_sync(*store, t.partition_log(ids::partition_index{0}),
                             {make_batch({1, 2}), make_batch({3})})
                     .error);
  }
  // Rewrite with plain LMDB: schema 2, partition states cut to their schema-2 56 bytes, and the
  // epochs database dropped.
  {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 8);
    mdb_env_set_mapsize(env, 64ull << 20);
    ASSERT_EQ(mdb_env_open(env, opts.dir.c_str(), 0, 0640), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi meta, parts, epochs;
    ASSERT_EQ(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    ASSERT_EQ(mdb_dbi_open(txn, "partitions", 0, &parts), 0);
    ASSERT_EQ(mdb_dbi_open(txn, "epochs", 0, &epochs), 0);
    ASSERT_EQ(mdb_drop(txn, epochs, 1), 0);
    std::uint8_t two[4] = {0, 0, 0, 2};
    std::string_view key = "schema_version";
    MDB_val k{key.size(), const_cast<char*>(key.data())}, v{4, two};
    ASSERT_EQ(mdb_put(txn, meta, &k, &v, 0), 0);
    std::uint8_t id[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; ++i)
      id[i] = static_cast<std::uint8_t>(t.partition_log(ids::partition_index{0}).value() >>
                                        (8 * (3 - i)));
    MDB_val pk{4, id}, pv{};
    ASSERT_EQ(mdb_get(txn, parts, &pk, &pv), 0);
    ASSERT_EQ(pv.mv_size, 68u);
    bytes old(static_cast<std::uint8_t*>(pv.mv_data), static_cast<std::uint8_t*>(pv.mv_data) + 56);
    pv = MDB_val{old.size(), old.data()};
    ASSERT_EQ(mdb_put(txn, parts, &pk, &pv, 0), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  auto store = open_store(opts);
  ASSERT_TRUE(store);
  auto st = store->offsets(t.partition_log(ids::partition_index{0}));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->log_end, ids::offset{3});
  EXPECT_EQ(st->last_epoch, ids::leader_epoch{-1});
  EXPECT_FALSE(st->high_watermark_set);
  EXPECT_EQ(st->high_watermark, ids::offset{3});
  EXPECT_EQ(read_all(*store, t.partition_log(ids::partition_index{0}), 0).size(), 2u);
  ASSERT_FALSE(
      append_with(*store, t.partition_log(ids::partition_index{0}), {make_batch({4})}, 3, false)
          .error);
  EXPECT_EQ(epochs_of(*store, t.partition_log(ids::partition_index{0})), (epoch_table{{3, 3}}));
  store.reset();
  // Marked schema 3 or later (4 since the per-log databases): a schema-2 Tern now refuses the
  // directory instead of misreading it.
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 8);
  ASSERT_EQ(mdb_env_open(env, opts.dir.c_str(), MDB_RDONLY, 0640), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), 0);
  MDB_dbi meta;
  ASSERT_EQ(mdb_dbi_open(txn, "meta", 0, &meta), 0);
  std::string_view key = "schema_version";
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v{};
  ASSERT_EQ(mdb_get(txn, meta, &k, &v), 0);
  ASSERT_EQ(v.mv_size, 4u);
  EXPECT_EQ(static_cast<const std::uint8_t*>(v.mv_data)[3], 4);
  mdb_txn_abort(txn);
  mdb_env_close(env);
}

}  // namespace
}  // namespace tern::storage::test
