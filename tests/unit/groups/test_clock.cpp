// The coordinator's deadlines measured on an injected manual clock: the tests advance time
// instead of sleeping, so Kafka's real defaults (a 45 s session, a 3 s initial rebalance delay)
// are tested in milliseconds of real time.
#include "groups_test_util.h"

namespace tern::groups::testing {
namespace {

class manual_time_test : public coordinator_test {
 protected:
  ~manual_time_test() override { coord.reset(); }  // its timers refer to `time`

  // Moves the clock by `total` in steps of at most `step`, letting due timers notice each step
  // (they re-read a manual clock every millisecond of real time): a timer re-armed from its own
  // callback then starts from about when it fired, as it would in real time.
  void advance(std::chrono::milliseconds total, std::chrono::milliseconds step = 100ms) {
    while (total > 0ms) {
      auto now = std::min(total, step);
      time.advance(now);
      total -= now;
      run_for(3ms);
    }
  }

  manual_clock time;
};

TEST_F(manual_time_test, ATimerFiresWhenTheClockPassesItsDeadlineNotBefore) {
  deadline_timer timer(io, time.as_clock());
  int fired = 0;
  timer.arm(10000, [&] { ++fired; });
  run_for(20ms);
  EXPECT_EQ(fired, 0) << "20 ms of real time is not 10 s of the manual clock";
  time.advance(9999ms);
  run_for(20ms);
  EXPECT_EQ(fired, 0);
  time.advance(1ms);
  EXPECT_TRUE(run_until([&] { return fired == 1; }, 1000ms));
  time.advance(60s);
  run_for(10ms);
  EXPECT_EQ(fired, 1) << "a one-shot timer fires once";
  EXPECT_FALSE(timer.armed());
}

TEST_F(manual_time_test, ACancelledOrReArmedTimerDoesNotFireForTheOldDeadline) {
  deadline_timer timer(io, time.as_clock());
  int first = 0, second = 0;
  timer.arm(100, [&] { ++first; });
  timer.arm(1000, [&] { ++second; });
  advance(500ms);
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 0);
  advance(500ms);
  EXPECT_TRUE(run_until([&] { return second == 1; }, 1000ms));
  timer.arm(100, [&] { ++first; });
  timer.cancel();
  advance(1s);
  EXPECT_EQ(first, 0);
}

TEST_F(manual_time_test, ASessionTimeoutExpiresWhenTheClockSaysSoWithoutSleeping) {
  auto o = test_options();
  o.group_initial_rebalance_delay_ms = 0;  // stable_group() does not advance the clock
  start(o, time.as_clock());
  const auto real_start = std::chrono::steady_clock::now();
  // Kafka's default session.timeout.ms (45 s): m[0] heartbeats every 10 s, m[1] has died.
  auto m = stable_group("g", 2, /*session_ms=*/45000, /*rebalance_ms=*/60000);
  ASSERT_EQ(m.size(), 2u);
  for (int i = 0; i < 4; ++i) {  // 40 s: m[1] is still a member
    advance(10s, 1s);
    ASSERT_FALSE(heartbeat("g", m[0])) << "after " << (i + 1) * 10 << " s";
  }
  EXPECT_EQ(coord->describe("g")->members.size(), 2u) << "40 s < 45 s session";
  advance(5s, 1s);  // 45 s since m[1]'s last heartbeat (its sync)
  std::error_code hb;
  ASSERT_TRUE(run_until([&] {
    hb = heartbeat("g", m[0]);
    return hb == groups_errc::rebalance_in_progress;
  }, 2000ms)) << hb.message();
  EXPECT_EQ(heartbeat("g", m[1]), groups_errc::unknown_member_id);
  EXPECT_LT(std::chrono::steady_clock::now() - real_start, 5s)
      << "45 s of group time must not take real time";
}

TEST_F(manual_time_test, TheInitialRebalanceDelayWaitsForTheClock) {
  auto o = test_options();
  o.group_initial_rebalance_delay_ms = 3000;  // Kafka's default
  start(o, time.as_clock());
  auto a = join(params("g", "", "c0"));
  advance(2000ms);
  EXPECT_FALSE(a->done()) << "2 s into a 3 s initial rebalance delay";
  auto b = join(params("g", "", "c1"));  // a new member restarts the delay (up to the rebalance timeout)
  advance(2000ms);
  EXPECT_FALSE(a->done()) << "the delay restarted when c1 joined";
  advance(1500ms);
  ASSERT_TRUE(run_until([&] { return a->done() && b->done(); }, 1000ms));
  EXPECT_FALSE(a->get().error);
  EXPECT_EQ(a->get().generation_id, b->get().generation_id);
  EXPECT_EQ(a->get().members.size() + b->get().members.size(), 2u) << "one leader sees both";
}

TEST_F(manual_time_test, ALeaderThatNeverSyncsFailsTheGenerationAtTheRebalanceTimeout) {
  start(test_options(), time.as_clock());
  auto a = join(params("g", "", "c0", {}, 60000, /*rebalance_ms=*/30000));
  auto b = join(params("g", "", "c1", {}, 60000, /*rebalance_ms=*/30000));
  advance(300ms);  // past the 20 ms initial delay (extended once: c1 joined after c0)
  ASSERT_TRUE(run_until([&] { return a->done() && b->done(); }, 1000ms));
  const bool a_leads = a->get().leader_id == a->get().member_id;
  const auto& follower = a_leads ? b->get() : a->get();
  auto s = sync("g", follower.generation_id, follower.member_id);
  advance(29s);
  EXPECT_FALSE(s->done()) << "the follower waits for the leader's assignment";
  advance(1s);
  ASSERT_TRUE(run_until([&] { return s->done(); }, 1000ms));
  EXPECT_EQ(s->get().error, groups_errc::rebalance_in_progress);
}

}  // namespace
}  // namespace tern::groups::testing
