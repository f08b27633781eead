// Reopening, a full map, schema versions, options, sync modes.
#include <fstream>

#include "storage/storage_format.h"
#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

TEST(StorageDurability, ReopenRestoresTopicsAndOffsets) {
  temp_dir dir;
  auto o = options_for(dir);
  topic_info t;
  std::string cluster;
  partition_offsets before[3];
  {
    auto s = open_store(o);
    cluster = s->cluster_id();
    ASSERT_FALSE(s->create_topic("keep", 3, {{"retention.ms", "1000"}}, t));
    for (int i = 0; i < 30; ++i) {
      ASSERT_FALSE(append_sync(*s, t.partition_log(ids::partition_index{i % 3}),
                               {make_batch({1000 * i, 1000 * i + 1})})
                       .error);
    }
    // Cutoff 19500: batches i <= 19 expire, 7 + 7 + 6 of them over the three partitions.
    EXPECT_EQ(s->enforce_retention(20500), 20u);
    for (int p = 0; p < 3; ++p) before[p] = *s->offsets(t.partition_log(ids::partition_index{p}));
  }
  auto s = open_store(o);
  EXPECT_EQ(s->cluster_id(), cluster);
  auto found = s->find_topic("keep");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->uuid, t.uuid);
  EXPECT_EQ(found->first_log_id, t.first_log_id);
  EXPECT_EQ(found->configs, t.configs);
  for (int p = 0; p < 3; ++p) {
    auto off = *s->offsets(t.partition_log(ids::partition_index{p}));
    EXPECT_EQ(off.log_start, ids::offset{before[p].log_start});
    EXPECT_EQ(off.log_end, ids::offset{before[p].log_end});
    EXPECT_EQ(off.size_bytes, before[p].size_bytes);
    EXPECT_EQ(off.max_timestamp, before[p].max_timestamp);
    EXPECT_GT(off.log_start, ids::offset{0});
    EXPECT_EQ(off.log_end, ids::offset{20});
  }
  auto r = append_sync(*s, t.partition_log(ids::partition_index{1}), {make_batch({99999})});
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.base_offset, ids::offset{20});
  auto batches = read_all(*s, t.partition_log(ids::partition_index{1}), before[1].log_start);
  ASSERT_FALSE(batches.empty());
  record_batch::batch_header h;
  ASSERT_FALSE(record_batch::validate(batches.back(), h));
  EXPECT_EQ(h.base_offset, 20);
  topic_info next;
  ASSERT_FALSE(s->create_topic("next", 1, {}, next));
  EXPECT_GE(next.first_log_id.value(),
            t.first_log_id.value() + 3);  // log ids survive restarts, never reused
}

TEST(StorageDurability, MapFullFailsTheAppendAndKeepsTheStoreUsable) {
  temp_dir dir;
  auto o = options_for(dir);
  o.map_size_bytes = 1u << 20;
  topic_info t;
  int stored = 0;
  std::error_code last;
  {
    auto s = open_store(o);
    ASSERT_TRUE(s);
    ASSERT_FALSE(s->create_topic("full", 1, {}, t));
    log_id log = t.partition_log(ids::partition_index{0});
    for (int i = 0; i < 500; ++i) {
      auto r = append_sync(*s, log, {make_batch({i}, "big", 16 * 1024)});
      if (r.error) {
        last = r.error;
        EXPECT_EQ(r.base_offset, ids::offset{-1});
        break;
      }
      ++stored;
    }
    ASSERT_EQ(last, storage_errc::map_full);
    ASSERT_GT(stored, 0);
    EXPECT_EQ(s->offsets(log)->log_end, ids::offset{stored});
    // Nothing of a failed request is written.
    std::vector<bytes> two{make_batch({1}, "x", 16 * 1024), make_batch({2}, "x", 16 * 1024)};
    EXPECT_EQ(append_sync(*s, log, two).error, storage_errc::map_full);
    EXPECT_EQ(s->offsets(log)->log_end, ids::offset{stored});

    auto batches = read_all(*s, log, 0);
    ASSERT_EQ(batches.size(), static_cast<std::size_t>(stored));
    for (int i = 0; i < stored; ++i) {
      record_batch::batch_header h;
      ASSERT_FALSE(record_batch::validate(batches[i], h));
      EXPECT_EQ(h.base_offset, i);
    }
    // A tiny append may still fit: the store keeps working rather than wedging.
    auto small = append_sync(*s, log, {make_batch({7})});
    EXPECT_TRUE(!small.error || small.error == storage_errc::map_full);
    if (!small.error) ++stored;
  }
  auto s = open_store(o);  // the environment is intact after map_full
  ASSERT_TRUE(s);
  EXPECT_EQ(s->offsets(t.partition_log(ids::partition_index{0}))->log_end, ids::offset{stored});
  EXPECT_EQ(read_all(*s, t.partition_log(ids::partition_index{0}), 0).size(),
            static_cast<std::size_t>(stored));
}

TEST(StorageDurability, NewerSchemaIsRefused) {
  temp_dir dir;
  auto o = options_for(dir);
  { ASSERT_TRUE(open_store(o)); }
  {
    raw_env raw(o.dir);
    raw.put("meta", format::meta_schema_version, {0, 0, 0, 99});
  }
  std::unique_ptr<log_store> s;
  EXPECT_EQ(log_store::open(o, s), storage_errc::schema_too_new);
  EXPECT_FALSE(s);
  {
    raw_env raw(o.dir);
    raw.put("meta", format::meta_schema_version, {0, 0, 0, 1});
  }
  EXPECT_FALSE(log_store::open(o, s));
}

TEST(StorageDurability, InvalidOptionsAndUnusableDirs) {
  temp_dir dir;
  std::unique_ptr<log_store> s;
  auto o = options_for(dir);
  o.dir.clear();
  EXPECT_EQ(log_store::open(o, s), storage_errc::invalid_argument);
  o = options_for(dir);
  o.sync_interval_ms = 0;
  EXPECT_EQ(log_store::open(o, s), storage_errc::invalid_argument);
  o.sync_every_commit = true;  // then the interval does not matter
  EXPECT_FALSE(log_store::open(o, s));
  s.reset();
  o = options_for(dir);
  o.dir = dir.path() + "/file";
  { std::ofstream(o.dir) << "not a directory"; }
  EXPECT_EQ(log_store::open(o, s), storage_errc::io_error);
}

TEST(StorageDurability, OneStorePerDataDir) {
  temp_dir dir;
  auto o = options_for(dir);
  auto first = open_store(o);
  ASSERT_TRUE(first);
  std::unique_ptr<log_store> second;
  EXPECT_EQ(log_store::open(o, second), storage_errc::io_error);
  first.reset();
  EXPECT_FALSE(log_store::open(o, second));  // the lock goes with the store
}

TEST(StorageDurability, SyncModesKeepCommittedData) {
  temp_dir dir;
  auto o = options_for(dir);
  topic_info t;
  for (int mode = 0; mode < 3; ++mode) {
    o.sync_every_commit = mode == 0;
    o.sync_every_records = mode == 1 ? 2 : 0;
    o.sync_interval_ms = mode == 2 ? 1 : 1000;
    auto s = open_store(o);
    if (mode == 0) {
      ASSERT_FALSE(s->create_topic("sync", 1, {}, t));
    }
    for (int i = 0; i < 5; ++i) {
      ASSERT_FALSE(
          append_sync(*s, t.partition_log(ids::partition_index{0}), {make_batch({i})}).error);
    }
    EXPECT_EQ(s->offsets(t.partition_log(ids::partition_index{0}))->log_end,
              ids::offset{5 * (mode + 1)});
  }
}

}  // namespace
}  // namespace tern::storage::test
