// The credential worker runs jobs off the calling thread, in order, with a bounded queue.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "auth/credential_worker.h"

namespace tern::auth {
namespace {

TEST(CredentialWorker, RunsJobsInOrderOnAnotherThread) {
  credential_worker w(8);
  std::vector<int> order;
  std::promise<std::thread::id> ran_on;
  auto caller = std::this_thread::get_id();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w.submit([&order, i] { order.push_back(i); }));
  ASSERT_TRUE(w.submit([&ran_on] { ran_on.set_value(std::this_thread::get_id()); }));
  EXPECT_NE(ran_on.get_future().get(), caller);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(CredentialWorker, RefusesBeyondItsQueueAndDropsQueuedJobsOnDestruction) {
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> ran{0};
  {
    credential_worker w(2);
    std::promise<void> started;
    ASSERT_TRUE(w.submit([&started, gate, &ran] { started.set_value(); gate.wait(); ++ran; }));
    started.get_future().wait();  // the first job is running: the queue is empty again
    EXPECT_TRUE(w.submit([&ran] { ++ran; }));
    EXPECT_TRUE(w.submit([&ran] { ++ran; }));
    EXPECT_FALSE(w.submit([&ran] { ++ran; }));
    EXPECT_EQ(w.queued(), 2u);
    release.set_value();
  }  // joins after the running job; may drop the two queued ones
  EXPECT_GE(ran.load(), 1);
  EXPECT_LE(ran.load(), 3);
}

}  // namespace
}  // namespace tern::auth
