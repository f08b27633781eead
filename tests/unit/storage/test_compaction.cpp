// Compaction, the active tail, the byte budget (full.policy) and run-time topic configs.
#include <map>
#include <random>
#include <set>

#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

using record_batch::compression;

struct kv {
  std::string key;
  std::optional<std::string> value;  // nullopt = tombstone
};

// One batch of keyed records at `ts`, compressed with `codec` (built uncompressed, then rebuilt
// with the codec bit set, which compresses it).
bytes keyed_batch(const std::vector<kv>& records, std::int64_t ts, compression codec = compression::none) {
  record_batch::batch_builder b;
  for (const auto& r : records) {
    std::optional<bytes_view> value;
    if (r.value) value = as_bytes(*r.value);
    b.add(ts, as_bytes(r.key), value);
  }
  bytes plain;
  b.build(plain);
  if (codec == compression::none) return plain;
  record_batch::batch_header h;
  EXPECT_FALSE(record_batch::parse_header(plain, h));
  std::vector<record_batch::record> decoded;
  EXPECT_FALSE(record_batch::decode_records(plain, decoded));
  h.attributes = static_cast<std::int16_t>((h.attributes & ~0x07) | static_cast<int>(codec));
  bytes out;
  EXPECT_FALSE(record_batch::rebuild(h, decoded, out));
  return out;
}

struct read_record {
  std::int64_t offset;
  std::string key;
  std::optional<std::string> value;
  compression codec;
};

// Every record of the partition, each batch CRC-validated by our decoder.
std::vector<read_record> read_records(const log_store& s, log_id log) {
  std::vector<read_record> out;
  for (const auto& batch : read_all(s, log, s.offsets(log)->log_start)) {
    record_batch::batch_header h;
    EXPECT_FALSE(record_batch::validate(batch, h));
    std::vector<record_batch::record> records;
    std::vector<std::uint8_t> scratch;
    EXPECT_FALSE(record_batch::decode_records(batch, records, scratch, 1 << 26));
    for (const auto& r : records) {
      read_record rr{r.offset, {}, {}, h.codec()};
      if (r.key) rr.key.assign(r.key->begin(), r.key->end());
      if (r.value) rr.value.emplace(r.value->begin(), r.value->end());
      out.push_back(rr);
    }
  }
  return out;
}

store_options compaction_options(const temp_dir& dir) {
  auto o = options_for(dir);
  o.compaction_interval_ms = 0;  // tests drive compaction explicitly
  return o;
}

// segment.bytes at its minimum rolls the tail at every append: all but the last batch compact.
const std::map<std::string, std::string> compact_every_append{{"cleanup.policy", "compact"},
                                                             {"segment.bytes", "14"}};

TEST(StorageCompaction, KeepsTheLatestRecordPerKeyWithOffsetsAndCrcs) {
  temp_dir dir;
  auto s = open_store(compaction_options(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("state", 1, compact_every_append, t));
  log_id log = t.partition_log(ids::partition_index{0});
  std::int64_t now = wall_clock_now();
  std::map<std::string, std::pair<std::int64_t, std::string>> latest;  // key -> offset, value
  const compression codecs[] = {compression::none, compression::gzip, compression::snappy,
                                compression::lz4, compression::zstd};
  std::int64_t offset = 0;
  for (int round = 0; round < 20; ++round) {
    std::vector<kv> records;
    for (int k = 0; k < 10; ++k) {
      if ((round + k) % 3 != 0) continue;
      std::string key = "k" + std::to_string(k), value = "r" + std::to_string(round);
      records.push_back({key, value});
      latest[key] = {offset++, value};
    }
    auto r = append_sync(*s, log, {keyed_batch(records, now, codecs[round % 5])});
    ASSERT_FALSE(r.error) << r.error.message();
  }
  // The last batch is never compacted nor supersedes anything: give it a key of its own.
  ASSERT_FALSE(append_sync(*s, log, {keyed_batch({{"last", "x"}}, now)}).error);
  latest["last"] = {offset++, "x"};
  std::int64_t end = s->offsets(log)->log_end.value();
  std::uint64_t size_before = s->offsets(log)->size_bytes;
  std::size_t removed = s->enforce_compaction(now);
  EXPECT_GT(removed, 0u);
  auto after = read_records(*s, log);
  std::map<std::string, int> seen;
  std::int64_t previous = -1;
  std::set<compression> codecs_seen;
  for (const auto& r : after) {
    EXPECT_GT(r.offset, previous);  // increasing, never moved
    previous = r.offset;
    ++seen[r.key];
    ASSERT_TRUE(latest.count(r.key));
    EXPECT_EQ(r.offset, latest[r.key].first) << r.key;
    EXPECT_EQ(r.value, latest[r.key].second) << r.key;
    codecs_seen.insert(r.codec);
  }
  EXPECT_EQ(seen.size(), latest.size());
  for (const auto& [key, n] : seen) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(removed + after.size(), static_cast<std::size_t>(end));
  EXPECT_GE(codecs_seen.size(), 2u);  // rewritten batches kept their codecs
  EXPECT_EQ(s->offsets(log)->log_end, ids::offset{end});
  EXPECT_EQ(s->offsets(log)->log_start, ids::offset{0});
  EXPECT_LT(s->offsets(log)->size_bytes, size_before);
  // A second pass finds nothing more to do; the store reopens with the same data.
  EXPECT_EQ(s->enforce_compaction(now), 0u);
  s.reset();
  s = open_store(compaction_options(dir));
  EXPECT_EQ(read_records(*s, log).size(), after.size());
}

TEST(StorageCompaction, TombstonesGoAfterDeleteRetention) {
  temp_dir dir;
  auto s = open_store(compaction_options(dir));
  topic_info t;
  auto configs = compact_every_append;
  configs["delete.retention.ms"] = "60000";
  ASSERT_FALSE(s->create_topic("state", 1, configs, t));
  log_id log = t.partition_log(ids::partition_index{0});
  std::int64_t now = wall_clock_now();
  ASSERT_FALSE(append_sync(*s, log, {keyed_batch({{"a", "1"}, {"b", "1"}}, now)}).error);
  ASSERT_FALSE(append_sync(*s, log, {keyed_batch({{"a", std::nullopt}}, now)}).error);
  ASSERT_FALSE(append_sync(*s, log, {keyed_batch({{"c", "1"}}, now)}).error);
  EXPECT_EQ(s->enforce_compaction(now), 1u);  // a's value; its tombstone is kept for now
  auto mid = read_records(*s, log);
  ASSERT_EQ(mid.size(), 3u);
  EXPECT_EQ(mid[1].key, "a");
  EXPECT_FALSE(mid[1].value.has_value());
  EXPECT_EQ(s->enforce_compaction(now + 61000), 1u);  // past delete.retention.ms
  auto last = read_records(*s, log);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].key, "b");
  EXPECT_EQ(last[1].key, "c");
  // A consumer at a removed offset (the tombstone's, 2) reads on from the next batch.
  auto from_gap = read_all(*s, log, 2);
  ASSERT_EQ(from_gap.size(), 1u);
}

TEST(StorageCompaction, NeverTouchesTheTailOrYoungBatches) {
  temp_dir dir;
  auto s = open_store(compaction_options(dir));
  topic_info tail_topic, lag_topic, delete_topic;
  ASSERT_FALSE(s->create_topic("tail", 1, {{"cleanup.policy", "compact"}}, tail_topic));
  ASSERT_FALSE(s->create_topic("lag", 1,
                               {{"cleanup.policy", "compact"},
                                {"segment.bytes", "14"},
                                {"min.compaction.lag.ms", "3600000"}},
                               lag_topic));
  ASSERT_FALSE(s->create_topic("plain", 1, {{"segment.bytes", "14"}}, delete_topic));
  std::int64_t now = wall_clock_now();
  for (const auto& t : {tail_topic, lag_topic, delete_topic}) {
    for (int i = 0; i < 5; ++i)
      ASSERT_FALSE(append_sync(*s, t.partition_log(ids::partition_index{0}),
                               {keyed_batch({{"k", std::to_string(i)}}, now)})
                       .error);
  }
  // "tail": one segment (segment.bytes default) holds it all; "lag": too young; "plain": delete.
  EXPECT_EQ(s->enforce_compaction(now), 0u);
  for (const auto& t : {tail_topic, lag_topic, delete_topic})
    EXPECT_EQ(read_records(*s, t.partition_log(ids::partition_index{0})).size(), 5u) << t.name;
  // Two hours later the lag has passed: the records the fourth batch supersedes go; the last
  // batch (the tail) neither goes nor counts as newer, as in Kafka.
  EXPECT_EQ(s->enforce_compaction(now + 2 * 3600 * 1000), 3u);
  EXPECT_EQ(read_records(*s, lag_topic.partition_log(ids::partition_index{0})).size(), 2u);
}

TEST(StorageCompaction, CompactOnlyTopicsAreNotTrimmedByRetention) {
  temp_dir dir;
  auto s = open_store(compaction_options(dir));
  topic_info compact, both;
  ASSERT_FALSE(s->create_topic("c", 1, {{"cleanup.policy", "compact"}, {"retention.ms", "1000"}}, compact));
  ASSERT_FALSE(s->create_topic("cd", 1, {{"cleanup.policy", "compact,delete"}, {"retention.ms", "1000"}}, both));
  for (const auto& t : {compact, both})
    ASSERT_FALSE(
        append_sync(*s, t.partition_log(ids::partition_index{0}), {keyed_batch({{"k", "v"}}, 1000)})
            .error);
  EXPECT_EQ(s->enforce_retention(wall_clock_now()), 1u);
  EXPECT_EQ(s->offsets(compact.partition_log(ids::partition_index{0}))->log_start, ids::offset{0});
  EXPECT_EQ(s->offsets(both.partition_log(ids::partition_index{0}))->log_start, ids::offset{1});
}

// The log as a full recompaction sees it: every record, with its batch's base and timestamp.
struct model_record {
  std::int64_t offset;
  std::string key;
  std::optional<std::string> value;
  std::int64_t batch_timestamp;
  std::int64_t batch_base;
};

struct log_model {
  std::vector<model_record> records;
  std::int64_t log_end = 0;

  void append(const std::vector<kv>& batch, std::int64_t ts) {
    std::int64_t base = log_end;
    for (const auto& r : batch) records.push_back({log_end++, r.key, r.value, ts, base});
  }
  // What one pass over the whole log removes as of `now_ms` (one batch per append, so the
  // active tail is the last batch and the compactable end its base): records below it that a
  // later record of their key below it supersedes, and latest tombstones whose batch is older
  // than delete.retention.ms.
  std::size_t compact(std::int64_t now_ms, std::int64_t delete_retention_ms) {
    if (records.empty()) return 0;
    const std::int64_t rewrite_end = records.back().batch_base;
    std::map<std::string, std::int64_t> latest;
    for (const auto& r : records) {
      if (r.offset < rewrite_end) latest[r.key] = r.offset;
    }
    return std::erase_if(records, [&](const model_record& r) {
      if (r.offset >= rewrite_end) return false;
      if (latest[r.key] > r.offset) return true;
      return !r.value && r.batch_timestamp >= 0 && r.batch_timestamp < now_ms - delete_retention_ms;
    });
  }
  void truncate(std::int64_t end) {
    std::erase_if(records, [&](const model_record& r) { return r.offset >= end; });
    log_end = end;
  }
};

void expect_same(const std::vector<read_record>& got, const log_model& want) {
  ASSERT_EQ(got.size(), want.records.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].offset, want.records[i].offset) << i;
    EXPECT_EQ(got[i].key, want.records[i].key) << i;
    EXPECT_EQ(got[i].value, want.records[i].value) << i;
  }
}

std::string value_of(std::mt19937& rng, std::size_t size) {
  std::string v(size, ' ');
  for (auto& c : v) c = static_cast<char>('a' + rng() % 26);
  return v;
}

// A store holding one compacted topic "state" of one partition (every append rolls the tail).
struct compacted_topic {
  temp_dir dir;
  store_options options;
  std::unique_ptr<log_store> store;
  log_id log{0};
  explicit compacted_topic(std::map<std::string, std::string> configs = compact_every_append,
                           std::size_t key_map_bytes = 16u << 20) {
    options = compaction_options(dir);
    options.compaction_key_map_bytes = key_map_bytes;
    store = open_store(options);
    topic_info t;
    EXPECT_FALSE(store->create_topic("state", 1, configs, t));
    log = t.partition_log(ids::partition_index{0});
  }
  void reopen() {
    store.reset();
    store = open_store(options);
  }
};

TEST(StorageCompaction, IncrementalPassesMatchAFullRecompaction) {
  const compression codecs[] = {compression::none, compression::lz4, compression::zstd};
  for (unsigned seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    auto configs = compact_every_append;
    configs["delete.retention.ms"] = "5000";
    compacted_topic c(configs);
    auto& s = c.store;
    const log_id log = c.log;
    log_model model;
    std::int64_t now = wall_clock_now();
    const int keys = 10 + static_cast<int>(rng() % 60);
    for (int round = 0; round < 25; ++round) {
      for (int a = static_cast<int>(rng() % 8); a > 0; --a) {
        std::vector<kv> batch;
        for (int n = 1 + static_cast<int>(rng() % 4); n > 0; --n) {
          kv r{"k" + std::to_string(rng() % keys), std::nullopt};
          if (rng() % 7 != 0) r.value = value_of(rng, 1 + rng() % 40);
          batch.push_back(r);
        }
        ASSERT_FALSE(append_sync(*s, log, {keyed_batch(batch, now, codecs[rng() % 3])}).error);
        model.append(batch, now);
      }
      now += static_cast<std::int64_t>(rng() % 3000);
      std::size_t want = model.compact(now, 5000);
      EXPECT_EQ(s->enforce_compaction(now), want) << "round " << round;
      expect_same(read_records(*s, log), model);
      if (rng() % 4 == 0) c.reopen();  // the checkpoint and the key index survive it
    }
  }
}

TEST(StorageCompaction, APassReadsOnlyWhatChangedAndTheCheckpointSurvivesARestart) {
  compacted_topic c;
  auto& s = c.store;
  const log_id log = c.log;
  std::mt19937 rng(7);
  std::int64_t now = wall_clock_now();
  log_model model;
  const int keys = 2000;
  // One record per batch (what a sensor sends), 100 batches per append.
  for (int k = 0; k < keys; k += 100) {
    std::vector<bytes> batches;
    for (int i = k; i < k + 100; ++i) {
      std::vector<kv> batch{{"key-" + std::to_string(i), value_of(rng, 100)}};
      batches.push_back(keyed_batch(batch, now));
      model.append(batch, now);
    }
    ASSERT_FALSE(append_sync(*s, log, std::move(batches)).error);
  }
  EXPECT_EQ(s->enforce_compaction(now), 0u);
  auto first = s->get_stats();
  const std::uint64_t log_bytes = s->offsets(log)->size_bytes;
  // The first pass maps the whole log but its tail (the last batch).
  EXPECT_GE(first.compaction_bytes_read, log_bytes - log_bytes / 100);
  EXPECT_EQ(first.compaction_passes, 1u);
  // 1% new data: updates of 20 keys, then a pass; then the same after a restart.
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < keys / 100; ++i) {
      std::vector<kv> batch{{"key-" + std::to_string(rng() % keys), value_of(rng, 100)}};
      ASSERT_FALSE(append_sync(*s, log, {keyed_batch(batch, now)}).error);
      model.append(batch, now);
    }
    auto before = s->get_stats();
    std::size_t want = model.compact(now, 86400000);
    EXPECT_EQ(s->enforce_compaction(now), want);
    EXPECT_GT(want, 10u);
    auto after = s->get_stats();
    std::uint64_t read = after.compaction_bytes_read - before.compaction_bytes_read;
    EXPECT_LT(read, log_bytes / 20) << "pass " << pass << " read " << read << " of " << log_bytes;
    EXPECT_LT(after.compaction_index_reads - before.compaction_index_reads, 100u);
    EXPECT_EQ(after.compaction_passes, before.compaction_passes + 1);
    expect_same(read_records(*s, log), model);
    c.reopen();
  }
}

TEST(StorageCompaction, ABatchLosingEveryRecordGoesWithOnlyItsKeysRead) {
  compacted_topic c;
  auto& s = c.store;
  const log_id log = c.log;
  std::mt19937 rng(11);
  std::int64_t now = wall_clock_now();
  log_model model;
  auto put = [&](const std::string& key, std::size_t value_size) {
    std::vector<kv> batch{{key, value_of(rng, value_size)}};
    bytes b = keyed_batch(batch, now);
    const std::uint64_t size = b.size();
    EXPECT_FALSE(append_sync(*s, log, {std::move(b)}).error);
    model.append(batch, now);
    return size;
  };
  for (int k = 0; k < 50; ++k) put("k" + std::to_string(k), 8000);
  std::uint64_t dirty = put("f0", 10);  // f0 is the last batch: the first pass stops before it
  EXPECT_EQ(s->enforce_compaction(now), 0u);
  for (int k = 0; k < 10; ++k) dirty += put("k" + std::to_string(k), 10);
  put("f1", 10);  // the last batch: not mapped
  auto before = s->get_stats();
  std::size_t want = model.compact(now, 86400000);
  EXPECT_EQ(want, 10u);
  EXPECT_EQ(s->enforce_compaction(now), want);
  const std::uint64_t read = s->get_stats().compaction_bytes_read - before.compaction_bytes_read;
  // The dirty section whole, then of each emptied 8 KB batch its header and its record's fields
  // up to the value length: length 2, attributes 1, timestamp and offset deltas 1 + 1, key
  // length 1, "k<n>" 2, value length 2.
  EXPECT_EQ(read, dirty + 10 * (record_batch::header_size + 10));
  expect_same(read_records(*s, log), model);
  // The emptied batches' index entries went with them: one per clean key (k0..k49, f0).
  s.reset();
  {
    raw_env raw(c.options.dir);
    EXPECT_EQ(raw.count_db("cleaner_keys", log, 1), 51u);
  }
  c.reopen();
  // And the next pass, after the restart, finds the index and the checkpoint as they were.
  for (const char* k : {"k0", "k20", "f2"}) put(k, 10);
  before = s->get_stats();
  want = model.compact(now, 86400000);
  EXPECT_EQ(want, 2u);  // k0@51 and k20@20
  EXPECT_EQ(s->enforce_compaction(now), want);
  EXPECT_LT(s->get_stats().compaction_bytes_read - before.compaction_bytes_read, 1000u);
  expect_same(read_records(*s, log), model);
}

TEST(StorageCompaction, ABatchKeepingSomeRecordsIsReadWholeAndRebuilt) {
  compacted_topic c;
  auto& s = c.store;
  const log_id log = c.log;
  std::mt19937 rng(12);
  std::int64_t now = wall_clock_now();
  log_model model;
  auto put = [&](std::vector<std::string> keys, std::size_t value_size,
                 compression codec = compression::none) {
    std::vector<kv> batch;
    for (auto& k : keys) batch.push_back({k, value_of(rng, value_size)});
    bytes b = keyed_batch(batch, now, codec);
    const std::uint64_t size = b.size();
    EXPECT_FALSE(append_sync(*s, log, {std::move(b)}).error);
    model.append(batch, now);
    return size;
  };
  const std::uint64_t partly = put({"a", "b", "c"}, 4000);  // loses a: rebuilt
  put({"d", "e", "f"}, 4000);                               // loses all: deleted unread
  put({"g", "h", "i"}, 4000);                               // untouched
  const std::uint64_t packed = put({"j", "k"}, 4000, compression::lz4);  // inflated to see keys
  std::uint64_t dirty = put({"f0"}, 10);
  EXPECT_EQ(s->enforce_compaction(now), 0u);
  dirty += put({"a", "d", "e"}, 10);
  dirty += put({"f", "j", "k"}, 10);
  put({"f1"}, 10);
  auto before = s->get_stats();
  std::size_t want = model.compact(now, 86400000);
  EXPECT_EQ(want, 6u);
  EXPECT_EQ(s->enforce_compaction(now), want);
  const std::uint64_t read = s->get_stats().compaction_bytes_read - before.compaction_bytes_read;
  // d, e, f's batch: its header and 3 x (length 2, attributes, deltas 1 + 1, key length, key,
  // value length 2); a, b, c's and the compressed batch whole.
  EXPECT_EQ(read, dirty + partly + packed + record_batch::header_size + 3 * 9);
  auto left = read_records(*s, log);
  expect_same(left, model);
  ASSERT_GE(left.size(), 2u);
  EXPECT_EQ(left[0].offset, 1);  // b and c stay in the batch of base 0, rebuilt
  EXPECT_EQ(left[1].offset, 2);
  c.reopen();
  put({"b", "g"}, 10);
  put({"f2"}, 10);
  EXPECT_EQ(s->enforce_compaction(now), model.compact(now, 86400000));
  expect_same(read_records(*s, log), model);
}

TEST(StorageCompaction, TruncateBelowTheCleanEndLowersIt) {
  compacted_topic c;
  auto& s = c.store;
  const log_id log = c.log;
  std::int64_t now = wall_clock_now();
  log_model model;
  auto put = [&](const std::string& key) {
    std::vector<kv> batch{{key, "v" + std::to_string(model.log_end)}};
    ASSERT_FALSE(append_sync(*s, log, {keyed_batch(batch, now)}).error);
    model.append(batch, now);
  };
  for (int k = 0; k < 10; ++k) put("k" + std::to_string(k));
  EXPECT_EQ(s->enforce_compaction(now), 0u);  // clean end 9: k0..k8 in the key index
  ASSERT_FALSE(truncate_sync(*s, log, 5));
  model.truncate(5);
  // Offsets 5.. come again with other keys: stale index entries must not remove them, and
  // the records below the new end are still found.
  for (const char* k : {"k7", "k8", "k0", "k1", "k9"}) put(k);
  std::size_t want = model.compact(now, 86400000);
  EXPECT_EQ(want, 2u);  // k0@0 and k1@1 (k9@9 is the last batch: it supersedes nothing yet)
  EXPECT_EQ(s->enforce_compaction(now), want);
  expect_same(read_records(*s, log), model);
  for (const char* k : {"k7", "k2"}) put(k);
  EXPECT_EQ(s->enforce_compaction(now), model.compact(now, 86400000));
  expect_same(read_records(*s, log), model);
}

TEST(StorageCompaction, NothingAtOrAboveTheHighWatermarkCountsAsNewer) {
  compacted_topic c;
  auto& s = c.store;
  const log_id log = c.log;
  std::int64_t now = wall_clock_now();
  for (const char* k : {"a", "b", "a", "b", "c"})
    ASSERT_FALSE(append_sync(*s, log, {keyed_batch({{k, "v"}}, now)}).error);
  s->set_high_watermark(log, ids::offset{2});  // a@2 and b@3 may yet be truncated
  EXPECT_EQ(s->enforce_compaction(now), 0u);
  EXPECT_EQ(read_records(*s, log).size(), 5u);
  s->set_high_watermark(log, ids::offset{5});  // now they are committed: a@0 and b@1 go
  c.reopen();                     // (the checkpoint, 2, survives the restart)
  EXPECT_EQ(s->enforce_compaction(now), 2u);
  auto left = read_records(*s, log);
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left[0].offset, 2);
}

TEST(StorageCompaction, DeleteTopicPurgesTheCleanerEntries) {
  compacted_topic c;
  auto& s = c.store;
  std::int64_t now = wall_clock_now();
  for (const char* k : {"a", "b", "c", "d"})
    ASSERT_FALSE(append_sync(*s, c.log, {keyed_batch({{k, "v"}}, now)}).error);
  ASSERT_FALSE(append_sync(*s, c.log, {keyed_batch({{"a", std::nullopt}}, now)}).error);
  ASSERT_FALSE(append_sync(*s, c.log, {keyed_batch({{"e", "v"}}, now)}).error);
  EXPECT_EQ(s->enforce_compaction(now), 1u);  // a's value; its tombstone waits
  s.reset();
  {
    raw_env raw(c.options.dir);
    EXPECT_EQ(raw.count_db("cleaner_checkpoints", c.log, 1), 1u);
    EXPECT_EQ(raw.count_db("cleaner_keys", c.log, 1), 4u);  // a (its tombstone), b, c, d
    EXPECT_EQ(raw.count_db("cleaner_tombstones", c.log, 1), 1u);
  }
  s = open_store(c.options);
  ASSERT_FALSE(s->delete_topic("state"));
  topic_info pump;  // one more writer round trip: the purge slice has run
  ASSERT_FALSE(s->create_topic("pump", 1, {}, pump));
  s.reset();
  raw_env raw(c.options.dir);
  for (const char* db : {"cleaner_checkpoints", "cleaner_keys", "cleaner_tombstones"})
    EXPECT_EQ(raw.count_db(db, c.log, 1), 0u) << db;
}

TEST(StorageCompaction, AFullKeyMapCompactsAPrefixAndTheNextPassGoesOn) {
  compacted_topic c(compact_every_append, 4096);  // ~25 keys per pass
  auto& s = c.store;
  const log_id log = c.log;
  std::mt19937 rng(3);
  std::int64_t now = wall_clock_now();
  log_model model;
  for (int i = 0; i < 300; ++i) {
    std::vector<kv> batch{{"k" + std::to_string(rng() % 100), value_of(rng, 20)}};
    ASSERT_FALSE(append_sync(*s, log, {keyed_batch(batch, now)}).error);
    model.append(batch, now);
  }
  std::size_t want = model.compact(now, 86400000), removed = 0;
  for (int pass = 0; pass < 100; ++pass) {
    std::size_t n = s->enforce_compaction(now);
    removed += n;
    if (n == 0 && removed == want) break;
  }
  EXPECT_EQ(removed, want);
  expect_same(read_records(*s, log), model);
}

TEST(StorageTopicConfigs, AlterIsValidatedPersistedAndTakesEffect) {
  temp_dir dir;
  auto o = compaction_options(dir);
  auto s = open_store(o);
  topic_info t;
  ASSERT_FALSE(s->create_topic("t", 1, {{"retention.ms", "5000"}}, t));
  EXPECT_EQ(s->topic_settings_of("t")->retention_ms, 5000);
  EXPECT_FALSE(s->topic_settings_of("t")->cleanup_compact);
  std::string message;
  EXPECT_EQ(s->alter_topic_configs("t", {{"cleanup.policy", "sometimes"}}, message),
            make_error_code(storage_errc::invalid_argument));
  EXPECT_NE(message.find("cleanup.policy"), std::string::npos) << message;
  EXPECT_EQ(s->alter_topic_configs("nope", {}, message), make_error_code(storage_errc::unknown_topic));
  ASSERT_FALSE(s->alter_topic_configs("t", {{"cleanup.policy", "compact"}, {"full.policy", "drop-oldest"}}, message));
  auto settings = s->topic_settings_of("t");
  EXPECT_TRUE(settings->cleanup_compact);
  EXPECT_FALSE(settings->cleanup_delete);
  EXPECT_EQ(settings->when_full, full_policy::drop_oldest);
  EXPECT_EQ(settings->retention_ms, o.topic_defaults.retention_ms);  // override removed
  s.reset();
  s = open_store(o);
  EXPECT_EQ(s->find_topic("t")->configs.size(), 2u);
  EXPECT_TRUE(s->topic_settings_of("t")->cleanup_compact);
}

TEST(StorageBudget, RejectRefusesAndKeepsWhatIsStored) {
  temp_dir dir;
  auto o = compaction_options(dir);
  o.max_bytes = 64 * 1024;
  auto s = open_store(o);
  topic_info t;
  ASSERT_FALSE(s->create_topic("t", 1, {}, t));
  log_id log = t.partition_log(ids::partition_index{0});
  std::int64_t now = wall_clock_now();
  std::size_t accepted = 0;
  append_result r;
  for (int i = 0; i < 100; ++i) {
    r = append_sync(*s, log, {make_batch({now}, "v", 4000)});
    if (r.error) break;
    ++accepted;
  }
  EXPECT_EQ(r.error, make_error_code(storage_errc::budget_exceeded));
  EXPECT_GT(accepted, 10u);
  EXPECT_LE(s->get_stats().stored_bytes, 64u * 1024);
  EXPECT_GE(s->get_stats().budget_rejections, 1u);
  EXPECT_EQ(read_all(*s, log, 0).size(), accepted);
  // Deleting data makes room again.
  topic_info other;
  ASSERT_FALSE(s->delete_topic("t"));
  ASSERT_FALSE(s->create_topic("u", 1, {}, other));
  EXPECT_FALSE(
      append_sync(*s, other.partition_log(ids::partition_index{0}), {make_batch({now}, "v", 4000)})
          .error);
}

TEST(StorageBudget, DropOldestTrimsTheFrontOfThatPartition) {
  temp_dir dir;
  auto o = compaction_options(dir);
  o.max_bytes = 64 * 1024;
  auto s = open_store(o);
  topic_info keep, ring;
  ASSERT_FALSE(s->create_topic("keep", 1, {}, keep));
  ASSERT_FALSE(s->create_topic("ring", 1, {{"full.policy", "drop-oldest"}}, ring));
  std::int64_t now = wall_clock_now();
  for (int i = 0; i < 5; ++i)
    ASSERT_FALSE(append_sync(*s, keep.partition_log(ids::partition_index{0}),
                             {make_batch({now}, "keep", 4000)})
                     .error);
  for (int i = 0; i < 100; ++i) {
    auto r = append_sync(*s, ring.partition_log(ids::partition_index{0}),
                         {make_batch({now}, "ring" + std::to_string(i) + "-", 4000)});
    ASSERT_FALSE(r.error) << i << ": " << r.error.message();
  }
  EXPECT_LE(s->get_stats().stored_bytes, 64u * 1024);
  EXPECT_GT(s->get_stats().dropped_batches, 0u);
  auto ring_offsets = *s->offsets(ring.partition_log(ids::partition_index{0}));
  EXPECT_GT(ring_offsets.log_start, ids::offset{0});
  EXPECT_EQ(ring_offsets.log_end, ids::offset{100});
  auto batches = read_all(*s, ring.partition_log(ids::partition_index{0}), ring_offsets.log_start);
  EXPECT_EQ(static_cast<std::int64_t>(batches.size()), 100 - ring_offsets.log_start.value());
  EXPECT_EQ(read_all(*s, keep.partition_log(ids::partition_index{0}), 0).size(),
            5u);  // other topics untouched
  // The reject topic cannot take more while the store is full of "ring" (its own policy).
  auto r = append_sync(*s, keep.partition_log(ids::partition_index{0}),
                       {make_batch({now}, "keep", 4000)});
  EXPECT_EQ(r.error, make_error_code(storage_errc::budget_exceeded));
}

}  // namespace
}  // namespace tern::storage::test
