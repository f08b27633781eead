// leader_state: HW rules, caught-up times, ISR shrink/expand proposals, min.insync.replicas and
// acks=all waits. Time is driven by hand (now_ms).
#include <gtest/gtest.h>

#include <cstdint>
#include <system_error>
#include <vector>

#include "replication/leader_state.h"

using namespace tern::replication;
namespace ids = tern::ids;

namespace {

// The test's numbers as the types leader_state takes (common/ids.h).
ids::offset off(std::int64_t v) { return ids::offset{v}; }
ids::offset off(ids::offset v) { return v; }
node_id node(std::int32_t v) { return node_id{v}; }
std::vector<node_id> nodes(std::initializer_list<std::int32_t> raw) {
  std::vector<node_id> out;
  for (auto v : raw) out.push_back(node_id{v});
  return out;
}

leader_options opts(std::int32_t min_isr = 1, std::int64_t lag_ms = 1000) {
  leader_options o;
  o.min_insync_replicas = min_isr;
  o.replica_lag_time_max_ms = lag_ms;
  o.waiters_max = 8;
  return o;
}

// Leader 1 of epoch 5 with replicas {1,2,3}, everyone in the ISR, LEO 100, HW 90, at t=0.
leader_state three(std::int32_t min_isr = 1) {
  return leader_state(node(1), ids::leader_epoch{5}, nodes({1, 2, 3}), nodes({1, 2, 3}), off(100),
                      off(90), opts(min_isr), 0);
}

struct recorder {
  std::vector<std::error_code> results;
  leader_state::waiter_callback cb() {
    return [this](std::error_code ec) { results.push_back(ec); };
  }
};

}  // namespace

TEST(LeaderState, InitialState) {
  auto s = three();
  EXPECT_TRUE(s.is_leader());
  EXPECT_EQ(s.leader_epoch(), ids::leader_epoch{5});
  EXPECT_EQ(s.epoch_start_offset(), off(100));
  EXPECT_EQ(s.log_end(), off(100));
  EXPECT_EQ(s.high_watermark(), off(90));
  ASSERT_EQ(s.followers().size(), 2u);
  EXPECT_EQ(s.followers()[0].node, node(2));
  EXPECT_EQ(s.followers()[0].log_end, off(-1));
  // A HW above the LEO is clamped.
  leader_state odd(node(1), ids::leader_epoch{0}, nodes({1}), nodes({1}), off(10), off(50), opts(),
                   0);
  EXPECT_EQ(odd.high_watermark(), off(10));
}

TEST(LeaderState, NormalisesMetadata) {
  // Self missing from both lists, duplicates, an ISR member that is not a replica.
  leader_state s(node(1), ids::leader_epoch{0}, nodes({2, 2, 3}), nodes({2, 9}), off(0), off(0),
                 opts(), 0);
  EXPECT_EQ(s.replicas(), nodes({1, 2, 3}));
  EXPECT_EQ(s.isr(), nodes({1, 2}));
  EXPECT_EQ(s.followers().size(), 2u);
}

TEST(LeaderState, HighWatermarkIsMinLeoOverIsr) {
  auto s = three();
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(100), 10));
  EXPECT_EQ(s.high_watermark(), off(90));  // follower 3's LEO is still unknown
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(95), 10));
  EXPECT_EQ(s.high_watermark(), off(95));
  s.on_leader_append(off(120), 20);
  EXPECT_EQ(s.high_watermark(), off(95));
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(120), 30));
  EXPECT_EQ(s.high_watermark(), off(100));  // follower 2 is at 100
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(120), 30));
  EXPECT_EQ(s.high_watermark(), off(120));
}

TEST(LeaderState, HighWatermarkNeverDecreases) {
  auto s = three();
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(100), 1));
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(100), 1));
  EXPECT_EQ(s.high_watermark(), off(100));
  // A follower that truncated and fetches from lower down does not pull HW back.
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(40), 2));
  EXPECT_EQ(s.followers()[1].log_end, off(40));
  EXPECT_EQ(s.high_watermark(), off(100));
  // Nor does an ISR change that brings in a follower lagging behind.
  s.update_assignment(nodes({1, 2, 3}), nodes({1, 2, 3}), 3);
  EXPECT_EQ(s.high_watermark(), off(100));
}

TEST(LeaderState, LeaderAloneInIsrMovesHwWithItsAppends) {
  leader_state s(node(1), ids::leader_epoch{0}, nodes({1, 2}), nodes({1}), off(0), off(0), opts(),
                 0);
  s.on_leader_append(off(7), 1);
  EXPECT_EQ(s.high_watermark(), off(7));
  // A follower outside the ISR does not hold HW back.
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(3), 2));
  EXPECT_EQ(s.high_watermark(), off(7));
}

TEST(LeaderState, RefusesBadFetches) {
  auto s = three();
  EXPECT_EQ(s.on_follower_fetch(node(9), off(0), 1),
            make_error_code(replication_errc::unknown_replica));
  EXPECT_EQ(s.on_follower_fetch(node(1), off(0), 1),
            make_error_code(replication_errc::unknown_replica));
  EXPECT_EQ(s.on_follower_fetch(node(2), off(101), 1),
            make_error_code(replication_errc::offset_out_of_range));
  EXPECT_EQ(s.on_follower_fetch(node(2), off(-1), 1),
            make_error_code(replication_errc::offset_out_of_range));
  EXPECT_EQ(s.followers()[0].log_end, off(-1));  // unchanged
  s.step_down();
  EXPECT_EQ(s.on_follower_fetch(node(2), off(100), 1),
            make_error_code(replication_errc::not_leader_or_follower));
}

TEST(LeaderState, CaughtUpTimeFollowsKafkasRule) {
  leader_state s(node(1), ids::leader_epoch{0}, nodes({1, 2}), nodes({1, 2}), off(100), off(100),
                 opts(1, 1000), 0);
  // Fetch at the leader's LEO: caught up now.
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(100), 500));
  EXPECT_EQ(s.followers()[0].last_caught_up_ms, 500);
  s.on_leader_append(off(200), 600);
  // Behind the current LEO but at the LEO as of its previous fetch (100): caught up as of that
  // previous fetch (500), not now.
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(150), 900));
  EXPECT_EQ(s.followers()[0].last_caught_up_ms, 500);
  // Reaching 200 (the LEO at the previous fetch) moves it to 900.
  s.on_leader_append(off(300), 950);
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(200), 1200));
  EXPECT_EQ(s.followers()[0].last_caught_up_ms, 900);
  EXPECT_EQ(s.followers()[0].last_fetch_ms, 1200);
}

TEST(LeaderState, ShrinkAfterLagTimeAndNotBefore) {
  leader_state s(node(1), ids::leader_epoch{0}, nodes({1, 2, 3}), nodes({1, 2, 3}), off(100),
                 off(100), opts(1, 1000), 0);
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(100), 0));
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(100), 0));
  s.on_leader_append(off(150), 10);
  // Follower 2 keeps up, 3 stops fetching.
  for (std::int64_t t = 100; t <= 1500; t += 100) {
    ASSERT_FALSE(s.on_follower_fetch(node(2), off(s.log_end()), t));
    s.on_leader_append(off(s.log_end() + 1), t);
  }
  EXPECT_TRUE(s.pending_isr_changes(1000).shrink.empty());  // exactly the lag: still in sync
  auto changes = s.pending_isr_changes(1001);
  EXPECT_EQ(changes.shrink, nodes({3}));
  EXPECT_TRUE(changes.expand.empty());
  // A follower sitting at the leader's LEO is in sync however long ago it fetched.
  leader_state idle(node(1), ids::leader_epoch{0}, nodes({1, 2}), nodes({1, 2}), off(100), off(100),
                    opts(1, 1000), 0);
  ASSERT_FALSE(idle.on_follower_fetch(node(2), off(100), 0));
  EXPECT_TRUE(idle.pending_isr_changes(100000).shrink.empty());
  // The controller commits the shrink: HW follows follower 2 alone.
  s.update_assignment(nodes({1, 2, 3}), nodes({1, 2}), 1600);
  EXPECT_EQ(s.high_watermark(), off(s.log_end() - 1));
  EXPECT_TRUE(s.pending_isr_changes(1600).shrink.empty());
}

TEST(LeaderState, FollowerRejoinsWhenCaughtUpToHwAndEpochStart) {
  // Leader of epoch 3 starting at offset 100; follower 3 is out of the ISR.
  leader_state s(node(1), ids::leader_epoch{3}, nodes({1, 2, 3}), nodes({1, 2}), off(100), off(80),
                 opts(), 0);
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(100), 1));
  EXPECT_EQ(s.high_watermark(), off(100));
  // Below HW: not a candidate.
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(60), 2));
  EXPECT_TRUE(s.pending_isr_changes(2).expand.empty());
  // At HW and at the epoch start: candidate.
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(100), 3));
  EXPECT_EQ(s.pending_isr_changes(3).expand, nodes({3}));
  // The controller admits it; it is in the ISR and no longer a candidate or a shrink candidate.
  s.update_assignment(nodes({1, 2, 3}), nodes({1, 2, 3}), 4);
  auto changes = s.pending_isr_changes(4);
  EXPECT_TRUE(changes.expand.empty());
  EXPECT_TRUE(changes.shrink.empty());
}

TEST(LeaderState, ExpandNeedsTheEpochStartOffsetEvenWhenHwIsLower) {
  // HW (50) lags the epoch start (100): a follower at 70 is past HW but has not reached the
  // offsets this leader's epoch began with, so it may still hold a divergent tail.
  // Follower 3 (in the ISR, not fetched yet) keeps HW at 50.
  leader_state probe(node(1), ids::leader_epoch{2}, nodes({1, 2, 3}), nodes({1, 3}), off(100),
                     off(50), opts(), 0);
  ASSERT_FALSE(probe.on_follower_fetch(node(2), off(70), 1));
  EXPECT_EQ(probe.high_watermark(), off(50));  // 3 (in ISR) has not fetched
  EXPECT_TRUE(probe.pending_isr_changes(1).expand.empty());
  ASSERT_FALSE(probe.on_follower_fetch(node(2), off(100), 2));
  EXPECT_EQ(probe.pending_isr_changes(2).expand, nodes({2}));
}

TEST(LeaderState, UnknownFollowerNeverAnExpandCandidate) {
  leader_state s(node(1), ids::leader_epoch{0}, nodes({1, 2}), nodes({1}), off(0), off(0), opts(),
                 0);
  EXPECT_TRUE(s.pending_isr_changes(0).expand.empty());  // LEO unknown, even though HW is 0
}

TEST(LeaderState, MinInsyncReplicasGatesAcksAll) {
  auto s = three(2);
  EXPECT_FALSE(s.can_accept(true));
  s.update_assignment(nodes({1, 2, 3}), nodes({1}), 1);
  EXPECT_EQ(s.can_accept(true), make_error_code(replication_errc::not_enough_replicas));
  EXPECT_FALSE(s.can_accept(false));  // acks=1 is still taken
  s.step_down();
  EXPECT_EQ(s.can_accept(false), make_error_code(replication_errc::not_leader_or_follower));
}

TEST(LeaderState, WaitersCompleteWhenHwReachesTheirOffset) {
  auto s = three();
  recorder r;
  s.wait_for_offset(off(50), 1000, r.cb());  // already below HW 90: at once
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_FALSE(r.results[0]);
  s.on_leader_append(off(110), 1);
  s.wait_for_offset(off(105), 1000, r.cb());
  s.wait_for_offset(off(110), 1000, r.cb());
  EXPECT_EQ(s.waiting(), 2u);
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(110), 2));
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(105), 2));
  ASSERT_EQ(r.results.size(), 2u);  // HW 105 completes the first only
  EXPECT_FALSE(r.results[1]);
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(110), 3));
  ASSERT_EQ(r.results.size(), 3u);
  EXPECT_FALSE(r.results[2]);
  EXPECT_EQ(s.waiting(), 0u);
}

TEST(LeaderState, IsrFallingBelowMinFailsWaitsAfterAppend) {
  auto s = three(2);
  s.on_leader_append(off(110), 1);
  recorder r;
  s.wait_for_offset(off(110), 1000, r.cb());
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(100), 2));
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(100), 2));
  EXPECT_TRUE(r.results.empty());
  // Both followers are dropped: HW jumps to the leader's LEO, but the ISR {1} is below 2.
  s.update_assignment(nodes({1, 2, 3}), nodes({1}), 3);
  EXPECT_EQ(s.high_watermark(), off(110));
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0], make_error_code(replication_errc::not_enough_replicas_after_append));
}

TEST(LeaderState, WaitersTimeOutOnTick) {
  auto s = three();
  s.on_leader_append(off(120), 0);
  recorder r;
  s.wait_for_offset(off(110), 500, r.cb());
  s.wait_for_offset(off(120), 800, r.cb());
  s.tick(499);
  EXPECT_TRUE(r.results.empty());
  s.tick(500);
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0], make_error_code(replication_errc::request_timed_out));
  EXPECT_EQ(s.waiting(), 1u);
}

TEST(LeaderState, StepDownFailsWaitersAndNewOnes) {
  auto s = three();
  s.on_leader_append(off(120), 0);
  recorder r;
  s.wait_for_offset(off(110), 500, r.cb());
  s.wait_for_offset(off(120), 500, r.cb());
  s.step_down();
  ASSERT_EQ(r.results.size(), 2u);
  for (auto ec : r.results) EXPECT_EQ(ec, make_error_code(replication_errc::not_leader_or_follower));
  s.wait_for_offset(off(10), 500, r.cb());
  ASSERT_EQ(r.results.size(), 3u);
  EXPECT_EQ(r.results[2], make_error_code(replication_errc::not_leader_or_follower));
  EXPECT_TRUE(s.pending_isr_changes(0).shrink.empty());
  s.step_down();  // idempotent
}

TEST(LeaderState, WaiterListIsBounded) {
  auto s = three();
  s.on_leader_append(off(200), 0);
  recorder r;
  for (int i = 0; i < 8; ++i) s.wait_for_offset(off(150), 1000, r.cb());
  EXPECT_TRUE(r.results.empty());
  s.wait_for_offset(off(150), 1000, r.cb());
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0], make_error_code(replication_errc::too_many_waiters));
}

TEST(LeaderState, CallbackMayReenter) {
  auto s = three();
  s.on_leader_append(off(120), 0);
  std::vector<std::error_code> second;
  s.wait_for_offset(off(110), 1000, [&](std::error_code) {
    s.wait_for_offset(off(100), 1000, [&](std::error_code ec) { second.push_back(ec); });
  });
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(120), 1));
  ASSERT_FALSE(s.on_follower_fetch(node(3), off(120), 1));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_FALSE(second[0]);
}

TEST(LeaderState, ReplicaRemovedFromAssignmentIsForgotten) {
  auto s = three();
  ASSERT_FALSE(s.on_follower_fetch(node(2), off(100), 1));
  s.update_assignment(nodes({1, 2}), nodes({1, 2}), 2);
  ASSERT_EQ(s.followers().size(), 1u);
  EXPECT_EQ(s.followers()[0].log_end, off(100));  // what is known of 2 is kept
  EXPECT_EQ(s.high_watermark(), off(100));        // 3 no longer holds it back
  EXPECT_EQ(s.on_follower_fetch(node(3), off(100), 3),
            make_error_code(replication_errc::unknown_replica));
}
