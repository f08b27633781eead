// read_txn::offset_for_max_timestamp: ListOffsets' MAX_TIMESTAMP (-3, KIP-734).
#include <future>

#include "storage_test_util.h"

namespace tern::storage::test {
namespace {

using hit = std::pair<std::int64_t, std::int64_t>;

std::optional<hit> max_of(const log_store& s, log_id log) {
  std::unique_ptr<read_txn> txn;
  EXPECT_FALSE(s.begin_read(txn));
  std::optional<std::pair<ids::offset, std::int64_t>> found{std::pair{ids::offset{99}, 99}};
  EXPECT_FALSE(txn->offset_for_max_timestamp(log, found));
  std::optional<hit> out;
  if (found) out.emplace(found->first.value(), found->second);
  return out;
}

std::error_code delete_sync(log_store& s, log_id log, std::int64_t offset) {
  auto p = std::make_shared<std::promise<std::error_code>>();
  auto f = p->get_future();
  s.delete_records(log, ids::offset{offset},
                   [p](std::error_code ec, ids::offset) { p->set_value(ec); });
  return f.get();
}

TEST(StorageMaxTimestamp, FirstRecordWithTheLargestTimestamp) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("mt", 2, {}, t));
  log_id log = t.partition_log(ids::partition_index{0});
  EXPECT_EQ(max_of(*s, log), std::nullopt);  // empty
  // Offsets: b0 = 0..2 (100, 700, 200), b1 = 3..4 (300, 700), b2 = 5 (400).
  ASSERT_FALSE(append_sync(*s, log, {make_batch({100, 700, 200}), make_batch({300, 700})}).error);
  ASSERT_FALSE(append_sync(*s, log, {make_batch({400})}).error);
  EXPECT_EQ(max_of(*s, log), (hit{1, 700}));  // inside b0, not the last record; b1 ties later

  // DeleteRecords removes b0 (whose entry index_ts keeps): the scan finds b1's record.
  ASSERT_FALSE(delete_sync(*s, log, 3));
  EXPECT_EQ(max_of(*s, log), (hit{4, 700}));
  ASSERT_FALSE(delete_sync(*s, log, 5));
  EXPECT_EQ(max_of(*s, log), (hit{5, 400}));
  ASSERT_FALSE(append_sync(*s, log, {make_batch({900, 50})}).error);
  EXPECT_EQ(max_of(*s, log), (hit{6, 900}));  // a new maximum is indexed again

  // A compressed batch the store cannot inflate answers with its base offset.
  log_id other = t.partition_log(ids::partition_index{1});
  auto compressed = make_batch({10, 20});
  mark_compressed(compressed);
  ASSERT_FALSE(append_sync(*s, other, {make_batch({5}), compressed}).error);
  EXPECT_EQ(max_of(*s, other), (hit{1, 20}));
}

TEST(StorageMaxTimestamp, UnknownLog) {
  temp_dir dir;
  auto s = open_store(options_for(dir));
  topic_info t;
  ASSERT_FALSE(s->create_topic("mt", 1, {}, t));
  std::unique_ptr<read_txn> txn;
  ASSERT_FALSE(s->begin_read(txn));
  std::optional<std::pair<ids::offset, std::int64_t>> out;
  EXPECT_EQ(txn->offset_for_max_timestamp(
                log_id{t.partition_log(ids::partition_index{0}).value() + 1}, out),
            storage_errc::unknown_partition);
}

}  // namespace
}  // namespace tern::storage::test
