// The asynchronous administration calls (what the io thread uses): same outcomes as the
// synchronous ones, `done` exactly once, refusals answered at once, queued work behind appends
// (and behind a held writer, without the caller waiting).
#include <future>
#include <thread>

#include "storage_test_util.h"

namespace tern::storage {
namespace {

using namespace test;

// What a callback was given, copied (a `const topic_info&` refers to the writer's local).
template <typename... Args>
struct outcome {
  using values = std::tuple<std::error_code, std::decay_t<Args>...>;
  std::promise<values> promise;
  std::thread::id thread;
  int calls = 0;
  auto callback() {
    return [this](std::error_code ec, Args... args) {
      ++calls;
      thread = std::this_thread::get_id();
      promise.set_value(values{ec, args...});
    };
  }
  values get() { return promise.get_future().get(); }
};

TEST(StorageAdminAsync, CreateAlterAllocateDeleteThroughTheWriter) {
  temp_dir dir;
  auto store = open_store(options_for(dir));

  outcome<const topic_info&> created;
  store->create_topic_async("t", 3, {{"retention.ms", "1000"}}, created.callback());
  auto [ec, info] = created.get();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(info.name, "t");
  EXPECT_EQ(info.partition_count, 3);
  EXPECT_NE(created.thread, std::this_thread::get_id());  // ran on the writer
  ASSERT_TRUE(store->find_topic("t"));

  outcome<const topic_info&> again;
  store->create_topic_async("t", 1, {}, again.callback());
  EXPECT_EQ(std::get<0>(again.get()), storage_errc::topic_exists);

  outcome<const std::string&> altered;
  store->alter_topic_configs_async("t", {{"retention.ms", "5000"}}, altered.callback());
  ASSERT_FALSE(std::get<0>(altered.get()));
  EXPECT_EQ(store->topic_settings_of("t")->retention_ms, 5000);

  std::int64_t first = -1, second = -1;
  outcome<std::int64_t> id1, id2;
  store->allocate_producer_id_async(id1.callback());
  store->allocate_producer_id_async(id2.callback());
  std::error_code e1, e2;
  std::tie(e1, first) = id1.get();
  std::tie(e2, second) = id2.get();
  ASSERT_FALSE(e1);
  ASSERT_FALSE(e2);
  EXPECT_EQ(second, first + 1);  // in queue order, never reused

  outcome<> deleted;
  store->delete_topic_async("t", [&](std::error_code e) { deleted.promise.set_value({e}); });
  EXPECT_FALSE(std::get<0>(deleted.get()));
  EXPECT_FALSE(store->find_topic("t"));
}

TEST(StorageAdminAsync, BadArgumentsAreAnsweredAtOnceOnTheCallersThread) {
  temp_dir dir;
  auto store = open_store(options_for(dir));
  outcome<const topic_info&> bad_name;
  store->create_topic_async("no spaces", 1, {}, bad_name.callback());
  EXPECT_EQ(bad_name.calls, 1);  // synchronously
  EXPECT_EQ(bad_name.thread, std::this_thread::get_id());
  EXPECT_EQ(std::get<0>(bad_name.get()), storage_errc::invalid_argument);

  outcome<const std::string&> bad_value;
  store->alter_topic_configs_async("t", {{"retention.ms", "soon"}}, bad_value.callback());
  EXPECT_EQ(bad_value.calls, 1);
  auto [ec, message] = bad_value.get();
  EXPECT_EQ(ec, storage_errc::invalid_argument);
  EXPECT_NE(message.find("retention.ms"), std::string::npos) << message;

  outcome<> unknown;
  store->delete_topic_async("missing", [&](std::error_code e) { unknown.promise.set_value({e}); });
  EXPECT_EQ(std::get<0>(unknown.get()), storage_errc::unknown_topic);
}

TEST(StorageAdminAsync, CreateWithTheCallersTopicId) {
  temp_dir dir;
  auto store = open_store(options_for(dir));
  std::array<std::uint8_t, 16> id{};
  id[3] = 7;
  outcome<const topic_info&> created;
  store->create_topic_async("t", 2, id, {}, created.callback());
  auto [ec, info] = created.get();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(info.uuid, id);
  EXPECT_EQ(store->find_topic("t")->uuid, id);

  outcome<const topic_info&> same_id;  // one id, one topic
  store->create_topic_async("u", 1, id, {}, same_id.callback());
  EXPECT_EQ(std::get<0>(same_id.get()), storage_errc::invalid_argument);
  outcome<const topic_info&> zero_id;  // Kafka's "no id": refused at once
  store->create_topic_async("v", 1, std::array<std::uint8_t, 16>{}, {}, zero_id.callback());
  EXPECT_EQ(zero_id.calls, 1);
  EXPECT_EQ(std::get<0>(zero_id.get()), storage_errc::invalid_argument);
}

TEST(StorageAdminAsync, DeleteOffsetsQueuesBehindTheWriterWithoutWaiting) {
  temp_dir dir;
  auto store = open_store(options_for(dir));
  std::promise<std::error_code> committed;
  store->commit_offsets(
      "g",
      {{"t", ids::partition_index{0}, ids::offset{1}, ids::leader_epoch{-1}, std::nullopt, 0},
       {"t", ids::partition_index{1}, ids::offset{2}, ids::leader_epoch{-1}, std::nullopt, 0}},
      [&](std::error_code ec) { committed.set_value(ec); });
  ASSERT_FALSE(committed.get_future().get());

  outcome<> one;
  {
    writer_block busy(*store);
    store->delete_offsets_async("g", {{"t", ids::partition_index{1}}}, [&](std::error_code e) {
      ++one.calls;
      one.promise.set_value({e});
    });
    EXPECT_EQ(one.calls, 0);  // queued behind the held writer: the caller did not wait
  }
  ASSERT_FALSE(std::get<0>(one.get()));
  std::vector<log_store::committed_offset> got;
  ASSERT_FALSE(store->committed_offsets("g", got));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].partition, ids::partition_index{0});

  outcome<> all;
  store->delete_group_offsets_async("g", [&](std::error_code e) { all.promise.set_value({e}); });
  ASSERT_FALSE(std::get<0>(all.get()));
  got.clear();
  ASSERT_FALSE(store->committed_offsets("g", got));
  EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace tern::storage
