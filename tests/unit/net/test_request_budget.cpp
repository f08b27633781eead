// The request memory budget: FIFO grants, clamping, releases from other threads.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "net/request_budget.h"

namespace tern::net {
namespace {

// Runs what was posted to `io` (a poll that ran out of work leaves the context stopped).
void run_posted(asio::io_context& io) {
  io.restart();
  io.poll();
}

TEST(RequestBudget, TakesWhatFitsAndQueuesTheRestInOrder) {
  asio::io_context io;
  auto b = std::make_shared<request_budget>(io, 100);
  EXPECT_TRUE(b->try_acquire(60));
  EXPECT_FALSE(b->try_acquire(50));
  std::vector<int> granted;
  b->enqueue(50, [&] { granted.push_back(1); });
  b->enqueue(10, [&] { granted.push_back(2); });
  // A small request does not overtake a waiting large one.
  EXPECT_FALSE(b->try_acquire(10));
  run_posted(io);
  EXPECT_TRUE(granted.empty());  // never granted from inside enqueue, and 50 does not fit yet
  b->release(60);  // not inside io.run(): posted, as from another thread
  run_posted(io);
  EXPECT_EQ(granted, (std::vector<int>{1, 2}));
  EXPECT_EQ(b->used_bytes(), 60u);
  EXPECT_EQ(b->waiting(), 0u);
}

TEST(RequestBudget, CancelLetsTheNextWaiterIn) {
  asio::io_context io;
  auto b = std::make_shared<request_budget>(io, 100);
  ASSERT_TRUE(b->try_acquire(90));
  bool big = false, small = false;
  auto ticket = b->enqueue(100, [&] { big = true; });
  b->enqueue(10, [&] { small = true; });
  run_posted(io);
  EXPECT_FALSE(small);  // behind the big one
  EXPECT_TRUE(b->cancel(ticket));  // on the io thread's side: the next one is granted at once
  EXPECT_TRUE(small);
  EXPECT_FALSE(big);
  EXPECT_FALSE(b->cancel(ticket));
}

TEST(RequestBudget, AFrameLargerThanTheBudgetAsksForTheWholeBudget) {
  asio::io_context io;
  auto b = std::make_shared<request_budget>(io, 100);
  EXPECT_EQ(b->clamp(1000), 100u);
  EXPECT_EQ(b->clamp(40), 40u);
  ASSERT_TRUE(b->try_acquire(1));
  bool granted = false;
  b->enqueue(b->clamp(1000), [&] { granted = true; });
  b->release(1);
  run_posted(io);
  EXPECT_TRUE(granted);
  EXPECT_EQ(b->used_bytes(), 100u);
}

TEST(RequestBudget, SmallRequestsHaveAReserveAndGoFirst) {
  asio::io_context io;
  auto b = std::make_shared<request_budget>(io, 100, 20);
  using lane = request_budget::lane;
  EXPECT_EQ(b->lane_bytes(lane::bulk), 80u);
  EXPECT_EQ(b->clamp(1000), 80u);  // a huge frame waits for the bulk part, never more
  EXPECT_EQ(b->clamp(1000, lane::small), 100u);
  ASSERT_TRUE(b->try_acquire(70, lane::bulk));
  EXPECT_FALSE(b->try_acquire(20, lane::bulk));  // would eat into the reserve
  std::vector<int> granted;
  b->enqueue(20, [&] { granted.push_back(1); }, lane::bulk);
  // A small request passes the waiting bulk one and uses the reserve.
  EXPECT_TRUE(b->try_acquire(25, lane::small));
  b->enqueue(10, [&] { granted.push_back(2); }, lane::small);  // 105 > 100: waits
  run_posted(io);
  EXPECT_TRUE(granted.empty());
  b->release(25);  // 70 used: the small waiter first (80), then the bulk one does not fit (100 > 80)
  run_posted(io);
  EXPECT_EQ(granted, (std::vector<int>{2}));
  b->release(10);  // 70: the bulk one still does not fit (90 > 80)
  run_posted(io);
  EXPECT_EQ(granted, (std::vector<int>{2}));
  b->release(70);
  run_posted(io);
  EXPECT_EQ(granted, (std::vector<int>{2, 1}));
  EXPECT_EQ(b->used_bytes(), 20u);
}

TEST(RequestBudget, ReleaseOnTheIoThreadGrantsAtOnce) {
  asio::io_context io;
  auto b = std::make_shared<request_budget>(io, 100);
  ASSERT_TRUE(b->try_acquire(100));
  bool granted = false;
  b->enqueue(40, [&] { granted = true; });
  asio::post(io, [&] {
    b->release(50);
    EXPECT_TRUE(granted);  // inside the io thread: no extra turn
    EXPECT_EQ(b->used_bytes(), 90u);
  });
  run_posted(io);
  EXPECT_TRUE(granted);
}

TEST(RequestBudget, UnitsReleaseOnDestructionFromAnyThread) {
  asio::io_context io;
  auto b = std::make_shared<request_budget>(io, 100);
  ASSERT_TRUE(b->try_acquire(30));
  budget_units units(b, 30);
  units.add(0);
  ASSERT_TRUE(b->try_acquire(20));
  budget_units more(b, 20);
  std::thread other([u = std::move(units)]() mutable { u.reset(); });
  other.join();
  EXPECT_EQ(b->used_bytes(), 50u);  // posted to the io thread, not applied on the other thread
  run_posted(io);
  EXPECT_EQ(b->used_bytes(), 20u);
  more.reset();  // not inside io.run(): posted as well
  run_posted(io);
  EXPECT_EQ(b->used_bytes(), 0u);
}

}  // namespace
}  // namespace tern::net
