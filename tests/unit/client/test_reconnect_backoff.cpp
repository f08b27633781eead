#include <gtest/gtest.h>

#include <set>

#include "client/reconnect_backoff.h"

namespace tern::client {
namespace {

using namespace std::chrono_literals;

TEST(ReconnectBackoff, GrowsFrom100MsTo10SWithJitterAndResets) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    reconnect_backoff b(100ms, 10000ms, seed);
    std::chrono::milliseconds base = 100ms;
    for (int i = 0; i < 12; ++i) {
      auto wait = b.next();
      EXPECT_GE(wait, base * 3 / 4) << "attempt " << i << " seed " << seed;
      EXPECT_LE(wait, base * 3 / 2) << "attempt " << i << " seed " << seed;
      base = std::min(base * 2, std::chrono::milliseconds(10000));
    }
    EXPECT_EQ(base, 10000ms) << "after 12 failures the base wait is the maximum";
    EXPECT_TRUE(b.backing_off());
    b.reset();
    EXPECT_FALSE(b.backing_off());
    auto first = b.next();
    EXPECT_GE(first, 75ms);
    EXPECT_LE(first, 150ms);
  }
}

TEST(ReconnectBackoff, JitterSpreadsClientsThatFailedTogether) {
  std::set<std::int64_t> waits;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) waits.insert(reconnect_backoff(100ms, 10s, seed).next().count());
  EXPECT_GT(waits.size(), 10u) << "50 clients should not all wait the same time";
}

}  // namespace
}  // namespace tern::client
