// Topic administration: create, list, find, delete, re-create; argument validation.
#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

TEST(StorageTopics, CreateListFindDelete) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->list_topics().empty());

  topic_info a, b;
  ASSERT_FALSE(s->create_topic("orders", 3, {{"retention.ms", "60000"}}, a));
  EXPECT_EQ(a.name, "orders");
  EXPECT_EQ(a.partition_count, 3);
  EXPECT_GE(a.first_log_id, log_id{1});
  EXPECT_EQ(a.configs.at("retention.ms"), "60000");
  EXPECT_NE(a.uuid, (std::array<std::uint8_t, 16>{}));
  ASSERT_FALSE(s->create_topic("audit.log_v-2", 2, {}, b));
  // Log ids of different topics never overlap.
  EXPECT_GE(b.first_log_id.value(), a.first_log_id.value() + 3);
  EXPECT_NE(a.uuid, b.uuid);

  auto found = s->find_topic("orders");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->uuid, a.uuid);
  EXPECT_EQ(found->first_log_id, a.first_log_id);
  EXPECT_FALSE(s->find_topic("nope"));
  auto all = s->list_topics();
  ASSERT_EQ(all.size(), 2u);
  for (std::int32_t p = 0; p < 3; ++p) {
    auto off = s->offsets(a.partition_log(ids::partition_index{p}));
    ASSERT_TRUE(off);
    EXPECT_EQ(off->log_start, ids::offset{0});
    EXPECT_EQ(off->log_end, ids::offset{0});
    EXPECT_EQ(off->max_timestamp, -1);
  }

  topic_info dup;
  EXPECT_EQ(s->create_topic("orders", 1, {}, dup), storage_errc::topic_exists);

  ASSERT_FALSE(s->delete_topic("orders"));
  EXPECT_FALSE(s->find_topic("orders"));
  EXPECT_FALSE(s->offsets(a.partition_log(ids::partition_index{0})));
  EXPECT_EQ(s->delete_topic("orders"), storage_errc::unknown_topic);
  EXPECT_EQ(s->list_topics().size(), 1u);
}

TEST(StorageTopics, RejectsInvalidArguments) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  for (std::string name :
       {std::string(), std::string("."), std::string(".."), std::string("has space"),
        std::string("slash/"), std::string("ü"), std::string(250, 'a')}) {
    EXPECT_EQ(s->create_topic(name, 1, {}, t), storage_errc::invalid_argument) << name;
  }
  EXPECT_FALSE(s->create_topic(std::string(249, 'a'), 1, {}, t));
  EXPECT_FALSE(s->create_topic("...", 1, {}, t));  // only "." and ".." are reserved
  EXPECT_EQ(s->create_topic("p0", 0, {}, t), storage_errc::invalid_argument);
  EXPECT_EQ(s->create_topic("p1", -1, {}, t), storage_errc::invalid_argument);
  EXPECT_EQ(s->create_topic("p2", 10001, {}, t), storage_errc::invalid_argument);
  EXPECT_EQ(s->create_topic("c1", 1, {{"retention.ms", "soon"}}, t),
            storage_errc::invalid_argument);
  EXPECT_EQ(s->create_topic("c2", 1, {{"retention.bytes", "-2"}}, t),
            storage_errc::invalid_argument);
  EXPECT_EQ(s->create_topic("c3", 1, {{"", "x"}}, t), storage_errc::invalid_argument);
  EXPECT_FALSE(
      s->create_topic("c4", 1, {{"retention.bytes", "-1"}, {"cleanup.policy", "delete"}}, t));
  EXPECT_EQ(s->delete_topic(""), storage_errc::unknown_topic);
  EXPECT_EQ(s->list_topics().size(), 3u);
}

TEST(StorageTopics, ClusterIdIsKafkaStyleAndStable) {
  temp_dir dir;
  std::string id;
  {
    auto s = open_store(options_for(dir));
    id = s->cluster_id();
  }
  ASSERT_EQ(id.size(), 22u);
  EXPECT_NE(id[0], '-');
  for (char c : id) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << id;
  }
  auto s = open_store(options_for(dir));
  EXPECT_EQ(s->cluster_id(), id);
  temp_dir other;
  EXPECT_NE(open_store(options_for(other))->cluster_id(), id);
}

TEST(StorageTopics, DeleteAndRecreateShowsNoOldData) {
  temp_dir dir;
  auto o = options_for(dir);
  topic_info old_t, new_t;
  {
    auto s = open_store(o);
    ASSERT_FALSE(s->create_topic("t", 2, {}, old_t));
    for (int i = 0; i < 20; ++i) {
      ASSERT_FALSE(append_sync(*s, old_t.partition_log(ids::partition_index{i % 2}),
                               {make_batch({1000 + i, 2000 + i})})
                       .error);
    }
    std::unique_ptr<read_txn> before;  // a snapshot from before the delete keeps seeing the data
    ASSERT_FALSE(s->begin_read(before));
    ASSERT_FALSE(s->delete_topic("t"));
    ASSERT_FALSE(s->create_topic("t", 2, {}, new_t));
    EXPECT_NE(new_t.first_log_id, old_t.first_log_id);
    EXPECT_NE(new_t.uuid, old_t.uuid);

    partition_offsets off;
    ASSERT_FALSE(before->offsets(old_t.partition_log(ids::partition_index{0}), off));
    EXPECT_EQ(off.log_end, ids::offset{20});
    before.reset();

    std::unique_ptr<read_txn> txn;
    ASSERT_FALSE(s->begin_read(txn));
    std::vector<bytes_view> out;
    std::size_t n = 0;
    EXPECT_FALSE(txn->read(new_t.partition_log(ids::partition_index{0}), ids::offset{0}, SIZE_MAX,
                           ids::offset{INT64_MAX}, out, n));
    EXPECT_TRUE(out.empty());
    std::optional<std::pair<ids::offset, std::int64_t>> at;
    EXPECT_FALSE(txn->offset_for_timestamp(new_t.partition_log(ids::partition_index{0}), 0, at));
    EXPECT_FALSE(at);
    EXPECT_EQ(txn->offsets(old_t.partition_log(ids::partition_index{0}), off),
              storage_errc::unknown_topic);
    EXPECT_EQ(txn->read(old_t.partition_log(ids::partition_index{0}), ids::offset{0}, SIZE_MAX,
                        ids::offset{INT64_MAX}, out, n),
              storage_errc::unknown_topic);
    txn.reset();

    auto r = append_sync(*s, old_t.partition_log(ids::partition_index{1}), {make_batch({1})});
    EXPECT_EQ(r.error, storage_errc::unknown_topic);
    EXPECT_EQ(append_sync(*s, log_id{999999}, {make_batch({1})}).error,
              storage_errc::unknown_partition);
    auto fresh = append_sync(*s, new_t.partition_log(ids::partition_index{1}), {make_batch({1})});
    ASSERT_FALSE(fresh.error);
    EXPECT_EQ(fresh.base_offset, ids::offset{0});
    // The purge slice runs right after the delete task; one more writer round trip orders us
    // after it.
    topic_info pump;
    ASSERT_FALSE(s->create_topic("pump", 1, {}, pump));
  }
  raw_env raw(o.dir);
  EXPECT_EQ(raw.count_logs("log", old_t.first_log_id, 2), 0u);
  EXPECT_EQ(raw.count_logs("index_ts", old_t.first_log_id, 2), 0u);
  EXPECT_EQ(raw.count_logs("log", new_t.first_log_id, 2), 1u);
  EXPECT_EQ(raw.count_prefix("meta", "purge/"), 0u);
}

// A topic bigger than one purge slice is purged over several transactions, and a purge cut
// short by closing resumes at the next open.
TEST(StorageTopics, PurgeOfLargeTopicSpansSlicesAndRestarts) {
  temp_dir dir;
  auto o = options_for(dir);
  topic_info big;
  constexpr int batch_count = 12000;  // log + index keys: 24,000 > one 10,000-key slice
  {
    auto s = open_store(o);
    ASSERT_FALSE(s->create_topic("big", 1, {}, big));
    std::vector<bytes> batches;
    for (int i = 0; i < batch_count; ++i) batches.push_back(make_batch({i}));
    ASSERT_FALSE(
        append_sync(*s, big.partition_log(ids::partition_index{0}), std::move(batches)).error);
    ASSERT_FALSE(s->delete_topic("big"));
  }  // closes at once: the purge is (most likely) unfinished
  {
    raw_env raw(o.dir);
    std::size_t left = raw.count_logs("log", big.first_log_id, 1) +
                       raw.count_logs("index_ts", big.first_log_id, 1);
    EXPECT_EQ(raw.count_prefix("meta", "purge/"), left > 0 ? 1u : 0u);
  }
  {
    auto s = open_store(o);
    EXPECT_FALSE(s->find_topic("big"));
    topic_info pump;
    for (int i = 0; i < 4; ++i) {  // each writer round trip lets one purge slice run
      ASSERT_FALSE(s->create_topic("pump" + std::to_string(i), 1, {}, pump));
    }
  }
  raw_env raw(o.dir);
  EXPECT_EQ(raw.count_logs("log", big.first_log_id, 1), 0u);
  EXPECT_EQ(raw.count_logs("index_ts", big.first_log_id, 1), 0u);
  EXPECT_EQ(raw.count_prefix("meta", "purge/"), 0u);
}

}  // namespace
}  // namespace tern::storage::test
