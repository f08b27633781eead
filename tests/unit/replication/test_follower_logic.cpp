// follower_logic: the truncation decision after OffsetForLeaderEpoch, and taking whole, valid
// batches out of a fetched records blob.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "replication/follower_logic.h"
#include "tern/common/record_batch.h"

using namespace tern;
using namespace tern::replication;

namespace {

// The test's numbers as the types follower_logic takes (common/ids.h).
ids::offset off(std::int64_t v) { return ids::offset{v}; }
epoch_end_offset answer(std::int32_t epoch, std::int64_t end_offset) {
  return {ids::leader_epoch{epoch}, ids::offset{end_offset}};
}

std::vector<std::uint8_t> batch(std::int64_t base, int records, std::int32_t epoch = 1) {
  record_batch::batch_builder::options o;
  o.base_offset = base;
  o.partition_leader_epoch = epoch;
  record_batch::batch_builder b(o);
  const std::uint8_t v[] = {'v'};
  for (int i = 0; i < records; ++i) b.add(1000 + i, std::nullopt, bytes_view(v, 1));
  std::vector<std::uint8_t> out;
  b.build(out);
  return out;
}

std::vector<std::uint8_t> join(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

TEST(DecideTruncation, LeaderWithoutTheEpochKeepsWhatHwVouchesFor) {
  auto d = decide_truncation(answer(-1, -1), {}, off(100), off(80));
  EXPECT_EQ(d.truncate_to, off(80));
  EXPECT_TRUE(d.complete);
  // HW beyond the log end is clamped.
  EXPECT_EQ(decide_truncation(answer(-1, -1), {}, off(100), off(150)).truncate_to, off(100));
}

TEST(DecideTruncation, SameEpochCutsAtTheSmallerEnd) {
  // We wrote epoch 4 up to 120, the leader's epoch 4 ended at 100: cut at 100.
  auto d = decide_truncation(answer(4, 100), answer(4, 120), off(120), off(90));
  EXPECT_EQ(d.truncate_to, off(100));
  EXPECT_TRUE(d.complete);
  // The leader's epoch 4 runs further than our log: nothing to cut.
  d = decide_truncation(answer(4, 200), answer(4, 120), off(120), off(90));
  EXPECT_EQ(d.truncate_to, off(120));
  EXPECT_TRUE(d.complete);
}

TEST(DecideTruncation, UnknownLeaderEpochCutsAndAsksAgain) {
  // We asked for epoch 5; the leader's largest epoch <= 5 is 3, ending at 70. Our largest epoch
  // <= 3 is 2, ending at 60: cut there and ask again with our new last epoch.
  auto d = decide_truncation(answer(3, 70), answer(2, 60), off(120), off(50));
  EXPECT_EQ(d.truncate_to, off(60));
  EXPECT_FALSE(d.complete);
}

TEST(DecideTruncation, NoLocalEpochTrustsTheLeadersEnd) {
  auto d = decide_truncation(answer(3, 70), answer(-1, -1), off(120), off(50));
  EXPECT_EQ(d.truncate_to, off(70));
  EXPECT_TRUE(d.complete);
  // Leader without epochs (old format): its end offset.
  d = decide_truncation(answer(-1, 30), {}, off(120), off(50));
  EXPECT_EQ(d.truncate_to, off(30));
}

TEST(DecideTruncation, NeverBeyondTheLogEndNorNegative) {
  EXPECT_EQ(decide_truncation(answer(4, 500), answer(4, 500), off(120), off(0)).truncate_to,
            off(120));
  EXPECT_EQ(decide_truncation(answer(-1, -1), {}, off(0), off(-1)).truncate_to, off(0));
}

TEST(TakeFetchedBatches, TakesContiguousBatchesAndStopsAtATruncatedTail) {
  auto a = batch(10, 3), b = batch(13, 2), c = batch(15, 4);
  auto blob = join({a, b, c});
  fetched_batches got;
  // The whole blob but the last 5 bytes: c is cut short.
  ASSERT_FALSE(take_fetched_batches(bytes_view(blob.data(), blob.size() - 5), off(10), got));
  ASSERT_EQ(got.batches.size(), 2u);
  EXPECT_EQ(got.next_offset, off(15));
  EXPECT_EQ(got.size_bytes, a.size() + b.size());
  EXPECT_FALSE(got.has_gaps);
  // A tail shorter than a header is fine too.
  ASSERT_FALSE(take_fetched_batches(bytes_view(blob.data(), a.size() + 7), off(10), got));
  EXPECT_EQ(got.batches.size(), 1u);
  // Nothing at all.
  ASSERT_FALSE(take_fetched_batches({}, off(10), got));
  EXPECT_TRUE(got.batches.empty());
  EXPECT_EQ(got.next_offset, off(10));
}

TEST(TakeFetchedBatches, SkipsBatchesAlreadyHeld) {
  auto blob = join({batch(10, 3), batch(13, 2)});
  fetched_batches got;
  ASSERT_FALSE(take_fetched_batches(blob, off(13), got));
  ASSERT_EQ(got.batches.size(), 1u);
  EXPECT_EQ(got.next_offset, off(15));
}

TEST(TakeFetchedBatches, RefusesAnOverlapAndFlagsAGap) {
  fetched_batches got;
  auto blob = batch(10, 3);
  EXPECT_EQ(take_fetched_batches(blob, off(11), got),
            make_error_code(replication_errc::offset_overlap));
  EXPECT_TRUE(got.batches.empty());
  auto gap = join({batch(10, 3), batch(20, 1)});
  ASSERT_FALSE(take_fetched_batches(gap, off(10), got));
  EXPECT_EQ(got.batches.size(), 2u);
  EXPECT_TRUE(got.has_gaps);
  EXPECT_EQ(got.next_offset, off(21));
}

TEST(TakeFetchedBatches, CorruptBatchKeepsTheValidPrefix) {
  auto a = batch(0, 2), b = batch(2, 2);
  auto blob = join({a, b});
  blob[a.size() + record_batch::header_size + 2] ^= 0xff;  // a record byte of b: CRC mismatch
  fetched_batches got;
  EXPECT_EQ(take_fetched_batches(blob, off(0), got),
            make_error_code(replication_errc::corrupt_batch));
  ASSERT_EQ(got.batches.size(), 1u);
  EXPECT_EQ(got.next_offset, off(2));
  // A bad magic byte.
  auto bad = batch(0, 1);
  bad[16] = 1;
  EXPECT_EQ(take_fetched_batches(bad, off(0), got),
            make_error_code(replication_errc::corrupt_batch));
}

TEST(TakeFetchedBatches, GarbageNeverCrashes) {
  std::vector<std::uint8_t> blob = batch(0, 3);
  for (std::size_t i = 0; i < blob.size(); ++i) {
    for (std::uint8_t v : {0x00, 0x7f, 0xff}) {
      auto b = blob;
      b[i] = v;
      fetched_batches got;
      (void)take_fetched_batches(b, off(0), got);
      EXPECT_LE(got.batches.size(), 1u);
    }
  }
}
