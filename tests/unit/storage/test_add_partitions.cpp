// Adding partitions to a topic (Kafka's CreatePartitions): fresh log ids that need not follow the
// topic's first ones, new logs that behave as created ones, the old data untouched, the topic
// record's extents across restarts and deletion, and old (version 1) records still loading.
#include "storage/storage_format.h"
#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

std::pair<std::error_code, topic_info> add_async_sync(log_store& s, const std::string& name,
                                                      std::int32_t total) {
  std::promise<std::pair<std::error_code, topic_info>> p;
  auto f = p.get_future();
  s.add_partitions_async(name, total, [&p](std::error_code ec, const topic_info& t) {
    p.set_value({ec, t});
  });
  return f.get();
}

// The value stored under `key` in `db` of a closed store's data dir (empty when missing).
bytes raw_get(const std::string& dir, const char* db, std::string_view key) {
  MDB_env* env = nullptr;
  EXPECT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 256);
  mdb_env_set_mapsize(env, 64ull << 20);
  EXPECT_EQ(mdb_env_open(env, dir.c_str(), MDB_RDONLY, 0640), 0);
  MDB_txn* txn = nullptr;
  EXPECT_EQ(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), 0);
  MDB_dbi dbi;
  EXPECT_EQ(mdb_dbi_open(txn, db, 0, &dbi), 0);
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v{};
  bytes out;
  if (mdb_get(txn, dbi, &k, &v) == 0) {
    auto* p = static_cast<const std::uint8_t*>(v.mv_data);
    out.assign(p, p + v.mv_size);
  }
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return out;
}

std::string first_value(const bytes& batch) {
  std::vector<record_batch::record> records;
  EXPECT_FALSE(record_batch::decode_records(batch, records));
  if (records.empty() || !records[0].value) return {};
  return std::string(reinterpret_cast<const char*>(records[0].value->data()),
                     records[0].value->size());
}

TEST(StorageAddPartitions, NewLogsAreFreshUniqueAndSurviveRestart) {
  temp_dir dir;
  auto o = options_for(dir);
  topic_info t, other, grown;
  {
    auto s = open_store(o);
    ASSERT_FALSE(s->create_topic("t", 2, {{"retention.ms", "60000"}}, t));
    ASSERT_FALSE(append_sync(*s, t.partition_log(ids::partition_index{0}), {make_batch({1}, "p0-")}).error);
    ASSERT_FALSE(append_sync(*s, t.partition_log(ids::partition_index{1}), {make_batch({1, 2}, "p1-")}).error);
    // Another topic takes the log ids right after t's: the new partitions must go elsewhere.
    ASSERT_FALSE(s->create_topic("other", 3, {}, other));
    ASSERT_FALSE(s->add_partitions("t", 5, grown));
    EXPECT_EQ(grown.partition_count, 5);
    EXPECT_EQ(grown.first_log_id, t.first_log_id);
    EXPECT_EQ(grown.uuid, t.uuid);
    EXPECT_EQ(grown.configs, t.configs);
    ASSERT_EQ(grown.added.size(), 1u);
    EXPECT_EQ(grown.added[0].first_partition, 2);

    // Every log id of both topics is distinct, and each maps back to its partition.
    std::set<log_id> seen;
    for (std::int32_t p = 0; p < 5; ++p) {
      log_id log = grown.partition_log(ids::partition_index{p});
      EXPECT_TRUE(seen.insert(log).second) << p;
      EXPECT_EQ(grown.partition_of(log), ids::partition_index{p});
      EXPECT_FALSE(other.partition_of(log));
    }
    for (std::int32_t p = 0; p < 3; ++p)
      EXPECT_TRUE(seen.insert(other.partition_log(ids::partition_index{p})).second) << p;
    EXPECT_EQ(grown.partition_log(ids::partition_index{0}), t.partition_log(ids::partition_index{0}));
    EXPECT_EQ(grown.partition_log(ids::partition_index{1}), t.partition_log(ids::partition_index{1}));

    // find_topic and the topic's settings agree with what add_partitions returned.
    auto found = s->find_topic("t");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->partition_count, 5);
    EXPECT_EQ(found->added, grown.added);
    ASSERT_TRUE(s->topic_settings_of("t"));
    EXPECT_EQ(s->topic_settings_of("t")->retention_ms, 60000);

    // The new partitions start empty and take appends from offset 0.
    for (std::int32_t p = 2; p < 5; ++p) {
      auto off = s->offsets(grown.partition_log(ids::partition_index{p}));
      ASSERT_TRUE(off) << p;
      EXPECT_EQ(off->log_start, ids::offset{0});
      EXPECT_EQ(off->log_end, ids::offset{0});
      EXPECT_EQ(off->high_watermark, ids::offset{0});
    }
    auto r = append_sync(*s, grown.partition_log(ids::partition_index{4}), {make_batch({5}, "p4-")});
    ASSERT_FALSE(r.error);
    EXPECT_EQ(r.base_offset, ids::offset{0});

    // A third topic after the growth gets ids beyond every one handed out so far.
    topic_info third;
    ASSERT_FALSE(s->create_topic("third", 1, {}, third));
    EXPECT_FALSE(seen.count(third.partition_log(ids::partition_index{0})));
    EXPECT_GT(third.first_log_id, grown.partition_log(ids::partition_index{4}));
  }
  // The record gained an extent: version 2.
  bytes record = raw_get(o.dir + "", "topics", "t");
  ASSERT_FALSE(record.empty());
  EXPECT_EQ(record[0], 2);

  auto s = open_store(o);
  auto found = s->find_topic("t");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->partition_count, 5);
  EXPECT_EQ(found->added, grown.added);
  for (std::int32_t p = 0; p < 5; ++p)
    EXPECT_EQ(found->partition_log(ids::partition_index{p}), grown.partition_log(ids::partition_index{p}));
  // The old partitions' data is untouched, the new partition kept its batch.
  auto p0 = read_all(*s, found->partition_log(ids::partition_index{0}), 0);
  ASSERT_EQ(p0.size(), 1u);
  EXPECT_EQ(first_value(p0[0]), "p0-0");
  EXPECT_EQ(s->offsets(found->partition_log(ids::partition_index{1}))->log_end, ids::offset{2});
  auto p4 = read_all(*s, found->partition_log(ids::partition_index{4}), 0);
  ASSERT_EQ(p4.size(), 1u);
  EXPECT_EQ(first_value(p4[0]), "p4-0");
  EXPECT_EQ(s->offsets(found->partition_log(ids::partition_index{3}))->log_end, ids::offset{0});
  // The other topic is untouched too.
  EXPECT_EQ(s->find_topic("other")->partition_count, 3);
}

TEST(StorageAddPartitions, ContiguousGrowthNeedsNoExtentAndKeepsVersion1) {
  temp_dir dir;
  auto o = options_for(dir);
  topic_info t, grown;
  {
    auto s = open_store(o);
    ASSERT_FALSE(s->create_topic("t", 2, {}, t));
    // No topic was created since: the next ids follow t's, so the record stays version 1.
    ASSERT_FALSE(s->add_partitions("t", 4, grown));
    EXPECT_TRUE(grown.added.empty());
    EXPECT_EQ(grown.partition_log(ids::partition_index{3}), format::log_after(t.first_log_id, 3));
    ASSERT_FALSE(append_sync(*s, grown.partition_log(ids::partition_index{3}), {make_batch({1})}).error);
  }
  bytes record = raw_get(o.dir, "topics", "t");
  ASSERT_FALSE(record.empty());
  EXPECT_EQ(record[0], 1);
  auto s = open_store(o);
  ASSERT_EQ(s->find_topic("t")->partition_count, 4);
  EXPECT_EQ(read_all(*s, grown.partition_log(ids::partition_index{3}), 0).size(), 1u);
}

TEST(StorageAddPartitions, RefusesWhatKafkaRefuses) {
  temp_dir dir;
  auto o = options_for(dir);
  o.max_partitions = 6;
  std::string warning;
  o.log_warning = [&](std::string_view m) { warning = m; };
  auto s = open_store(o);
  topic_info t, out;
  ASSERT_FALSE(s->create_topic("t", 3, {}, t));
  EXPECT_EQ(s->add_partitions("t", 3, out), storage_errc::invalid_argument);
  EXPECT_EQ(s->add_partitions("t", 2, out), storage_errc::invalid_argument);
  EXPECT_EQ(s->add_partitions("t", 0, out), storage_errc::invalid_argument);
  EXPECT_EQ(s->add_partitions("t", format::partition_count_max + 1, out),
            storage_errc::invalid_argument);
  EXPECT_EQ(s->add_partitions("nope", 4, out), storage_errc::unknown_topic);
  EXPECT_EQ(s->add_partitions("bad name", 4, out), storage_errc::unknown_topic);
  EXPECT_EQ(add_async_sync(*s, "t", 3).first, storage_errc::invalid_argument);
  EXPECT_EQ(add_async_sync(*s, "nope", 9).first, storage_errc::unknown_topic);
  // The store's partition limit, as for creation: 3 + 4 > 6.
  EXPECT_EQ(s->add_partitions("t", 7, out), storage_errc::invalid_argument);
  EXPECT_NE(warning.find("maximum of 6"), std::string::npos) << warning;
  EXPECT_EQ(s->find_topic("t")->partition_count, 3);
  auto [ec, grown] = add_async_sync(*s, "t", 6);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(grown.partition_count, 6);
  EXPECT_EQ(s->find_topic("t")->partition_count, 6);
}

TEST(StorageAddPartitions, NewLogsGetCreationHoldsAndDeleteTopicPurgesThem) {
  temp_dir dir;
  auto o = options_for(dir);
  topic_info t, other, grown;
  {
    auto s = open_store(o);
    ASSERT_FALSE(s->create_topic("t", 1, {}, t));
    ASSERT_FALSE(s->create_topic("other", 1, {}, other));
    s->set_creation_hold_policy([](std::string_view topic) {
      return topic == "t" ? std::vector<std::string>{"forward/up"} : std::vector<std::string>{};
    });
    ASSERT_FALSE(s->add_partitions("t", 3, grown));
    ASSERT_EQ(grown.added.size(), 1u);
    // A forwarding link matching the topic must see the new partitions from offset 0.
    EXPECT_EQ(s->retention_hold(grown.partition_log(ids::partition_index{1}), "forward/up"),
              ids::offset{0});
    EXPECT_EQ(s->retention_hold(grown.partition_log(ids::partition_index{2}), "forward/up"),
              ids::offset{0});
    for (std::int32_t p = 0; p < 3; ++p)
      ASSERT_FALSE(append_sync(*s, grown.partition_log(ids::partition_index{p}),
                               {make_batch({1, 2}), make_batch({3})})
                       .error);
    ASSERT_FALSE(s->delete_topic("t"));
    for (std::int32_t p = 0; p < 3; ++p) {
      EXPECT_FALSE(s->offsets(grown.partition_log(ids::partition_index{p}))) << p;
      EXPECT_EQ(append_sync(*s, grown.partition_log(ids::partition_index{p}), {make_batch({1})}).error,
                storage_errc::unknown_topic);
    }
    // Writer round trips let the purges (one per range of log ids) run.
    topic_info pump;
    for (int i = 0; i < 3; ++i) ASSERT_FALSE(s->create_topic("pump" + std::to_string(i), 1, {}, pump));
  }
  raw_env raw(o.dir);
  EXPECT_EQ(raw.count_logs("log", t.first_log_id, 1), 0u);
  EXPECT_EQ(raw.count_logs("log", grown.added[0].first_log, 2), 0u);
  EXPECT_EQ(raw.count_logs("index_ts", grown.added[0].first_log, 2), 0u);
  EXPECT_EQ(raw.count_db("partitions", grown.added[0].first_log, 2), 0u);
  EXPECT_EQ(raw.count_prefix("meta", "purge/"), 0u);
  EXPECT_EQ(raw.count_db("partitions", other.first_log_id, 1), 1u);
}

// A data dir written before partitions could be added holds version-1 records (no extents): they
// load as they are, and growing such a topic rewrites its record as version 2.
TEST(StorageAddPartitions, Version1RecordLoadsAndGrows) {
  temp_dir dir;
  auto o = options_for(dir);
  topic_info t, blocker;
  {
    auto s = open_store(o);
    ASSERT_FALSE(s->create_topic("old", 2, {{"cleanup.policy", "delete"}}, t));
    ASSERT_FALSE(s->create_topic("blocker", 1, {}, blocker));
    ASSERT_FALSE(append_sync(*s, t.partition_log(ids::partition_index{1}), {make_batch({1})}).error);
  }
  // The version-1 record, written field by field as an older Tern wrote it.
  bytes v1{1};
  v1.insert(v1.end(), t.uuid.begin(), t.uuid.end());
  auto u32 = [&v1](std::uint32_t x) {
    for (int i = 3; i >= 0; --i) v1.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  };
  u32(2);                      // partition count
  u32(t.first_log_id.value()); // first log id
  u32(1);                      // one config
  u32(14);
  for (char c : std::string("cleanup.policy")) v1.push_back(static_cast<std::uint8_t>(c));
  u32(6);
  for (char c : std::string("delete")) v1.push_back(static_cast<std::uint8_t>(c));
  EXPECT_EQ(raw_get(o.dir, "topics", "old"), v1);  // what this Tern writes for it too
  {
    raw_env raw(o.dir);
    raw.put("topics", "old", v1);
  }
  auto s = open_store(o);
  auto found = s->find_topic("old");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->partition_count, 2);
  EXPECT_TRUE(found->added.empty());
  EXPECT_EQ(found->partition_log(ids::partition_index{1}), t.partition_log(ids::partition_index{1}));
  EXPECT_EQ(read_all(*s, found->partition_log(ids::partition_index{1}), 0).size(), 1u);
  topic_info grown;
  ASSERT_FALSE(s->add_partitions("old", 3, grown));
  ASSERT_EQ(grown.added.size(), 1u);
  EXPECT_GT(grown.added[0].first_log, blocker.first_log_id);
}

// Topic records are read from our own file, but a damaged one must fail cleanly.
TEST(StorageAddPartitions, TopicRecordExtentsRoundTripAndBadOnesFail) {
  topic_info t;
  t.name = "t";
  t.uuid[0] = 9;
  t.partition_count = 7;
  t.first_log_id = log_id{10};
  t.added = {{2, log_id{40}}, {5, log_id{90}}};
  t.configs = {{"retention.ms", "1"}};
  auto record = format::encode_topic(t);
  ASSERT_EQ(record[0], 2);
  // The tail: count 2, then (2, 40) and (5, 90).
  bytes tail(record.end() - 20, record.end());
  EXPECT_EQ(tail, (bytes{0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 40, 0, 0, 0, 5, 0, 0, 0, 90}));
  topic_info back;
  ASSERT_TRUE(format::decode_topic("t", record, back));
  EXPECT_EQ(back.added, t.added);
  EXPECT_EQ(back.partition_count, 7);
  EXPECT_EQ(back.partition_log(ids::partition_index{1}), log_id{11});
  EXPECT_EQ(back.partition_log(ids::partition_index{2}), log_id{40});
  EXPECT_EQ(back.partition_log(ids::partition_index{4}), log_id{42});
  EXPECT_EQ(back.partition_log(ids::partition_index{6}), log_id{91});
  EXPECT_EQ(back.partition_of(log_id{91}), ids::partition_index{6});
  EXPECT_EQ(back.partition_of(log_id{12}), std::nullopt);  // past the first extent
  EXPECT_EQ(back.partition_of(log_id{43}), std::nullopt);

  // Every truncation fails.
  for (std::size_t n = 0; n < record.size(); ++n) {
    EXPECT_FALSE(format::decode_topic("t", bytes_view(record.data(), n), back)) << n;
  }
  auto with_tail = [&](bytes new_tail) {
    bytes r(record.begin(), record.end() - 20);
    r.insert(r.end(), new_tail.begin(), new_tail.end());
    return format::decode_topic("t", r, back);
  };
  EXPECT_FALSE(with_tail({0, 0, 0, 0}));                                     // no extent
  EXPECT_FALSE(with_tail({0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0, 0, 0, 40})); // hostile count
  EXPECT_FALSE(with_tail({0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 40}));           // starts at partition 0
  EXPECT_FALSE(with_tail({0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 40}));           // past the count
  EXPECT_FALSE(with_tail({0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0, 90}));  // order
  EXPECT_FALSE(with_tail({0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 40, 0, 0, 0, 5, 0, 0, 0, 90, 0}));  // extra
  EXPECT_TRUE(with_tail({0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0, 40}));
  record[0] = 3;  // an unknown version
  EXPECT_FALSE(format::decode_topic("t", record, back));
}

}  // namespace
}  // namespace tern::storage::test
