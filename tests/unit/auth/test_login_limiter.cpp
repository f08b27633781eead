// The failed-login limiter: time is a parameter, so decay is driven by the test.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "auth/login_limiter.h"

namespace tern::auth {
namespace {

login_limiter_options five_per_30s() {
  login_limiter_options o;
  o.user_failures_max = 5;
  o.address_failures_max = 5;
  o.half_life_ms = 30000;
  o.keys_max = 64;
  return o;
}

void fail(login_limiter& l, const char* user, const char* address, std::int64_t now_ms) {
  ASSERT_TRUE(l.begin(user, address, now_ms));
  l.finish(user, address, false, now_ms);
}

TEST(LoginLimiter, RefusesAfterFailuresMaxUntilTheScoreDecays) {
  login_limiter l(five_per_30s());
  for (int i = 0; i < 5; ++i) fail(l, "u", "10.0.0.1", 1000);
  EXPECT_DOUBLE_EQ(l.user_score("u", 1000), 5);
  EXPECT_FALSE(l.begin("u", "10.0.0.1", 1000));
  // Refused attempts cost nothing and count nothing.
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(l.begin("u", "10.0.0.1", 2000));
  EXPECT_NEAR(l.user_score("u", 2000), 5 * std::exp2(-1000.0 / 30000), 1e-9);
  // Admitted again once 5 -> 4 (30 s * log2(5/4) = 9.66 s).
  EXPECT_FALSE(l.begin("u", "10.0.0.1", 1000 + 9500));
  EXPECT_TRUE(l.begin("u", "10.0.0.1", 1000 + 9800));
}

// SCRAM asks admits() at client-first and begins only at client-final: asking counts nothing, so
// exchanges abandoned after their first round leave no pending attempt behind.
TEST(LoginLimiter, AdmitsAsksWithoutCounting) {
  login_limiter l(five_per_30s());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(l.admits("u", "10.0.0.1", 1000));
  EXPECT_EQ(l.keys(), 0u);
  for (int i = 0; i < 4; ++i) fail(l, "u", "10.0.0.1", 1000);
  EXPECT_TRUE(l.admits("u", "10.0.0.1", 1000));
  ASSERT_TRUE(l.begin("u", "10.0.0.1", 1000));  // pending: 4 + 1 reaches the limit of 5
  EXPECT_FALSE(l.admits("u", "10.0.0.2", 1000));
  EXPECT_FALSE(l.admits("v", "10.0.0.1", 1000));  // the address is at its limit too
  EXPECT_TRUE(l.admits("v", "10.0.0.2", 1000));
  l.finish("u", "10.0.0.1", true, 1000);
  EXPECT_TRUE(l.admits("u", "10.0.0.1", 1000));
}

TEST(LoginLimiter, CountsPerUserAndPerAddress) {
  login_limiter l(five_per_30s());
  for (int i = 0; i < 5; ++i) fail(l, "u", ("10.0.0." + std::to_string(i)).c_str(), 0);
  // User u is blocked from any address; another user from one of those addresses is not.
  EXPECT_FALSE(l.begin("u", "10.9.9.9", 0));
  EXPECT_TRUE(l.begin("v", "10.0.0.1", 0));
  l.abandon("v", "10.0.0.1");
  // Guessing many user names from one address blocks the address.
  for (int i = 0; i < 5; ++i) fail(l, ("user" + std::to_string(i)).c_str(), "192.168.1.7", 0);
  EXPECT_FALSE(l.begin("fresh-name", "192.168.1.7", 0));
  EXPECT_TRUE(l.begin("fresh-name", "192.168.1.8", 0));
}

TEST(LoginLimiter, PendingAttemptsCountSoAConcurrentBurstIsCutToTheLimit) {
  login_limiter l(five_per_30s());
  int admitted = 0;
  for (int i = 0; i < 100; ++i) admitted += l.begin("u", "10.0.0.1", 0) ? 1 : 0;
  EXPECT_EQ(admitted, 5);
  for (int i = 0; i < 4; ++i) l.finish("u", "10.0.0.1", false, 0);
  EXPECT_TRUE(l.finish("u", "10.0.0.1", false, 0));  // the fifth failure reaches the limit
  EXPECT_FALSE(l.begin("u", "10.0.0.1", 0));
}

TEST(LoginLimiter, SuccessClearsTheScores) {
  login_limiter l(five_per_30s());
  for (int i = 0; i < 4; ++i) fail(l, "u", "10.0.0.1", 0);
  ASSERT_TRUE(l.begin("u", "10.0.0.1", 0));
  EXPECT_FALSE(l.finish("u", "10.0.0.1", true, 0));
  EXPECT_EQ(l.user_score("u", 0), 0);
  EXPECT_EQ(l.address_score("10.0.0.1", 0), 0);
  EXPECT_TRUE(l.begin("u", "10.0.0.1", 0));
}

TEST(LoginLimiter, TheTableIsBounded) {
  login_limiter l(five_per_30s());
  for (int i = 0; i < 1000; ++i) fail(l, ("user" + std::to_string(i)).c_str(), ("10.0." + std::to_string(i)).c_str(), i);
  EXPECT_LE(l.keys(), 64u);
}

TEST(LoginLimiter, TheAddressLimitIsSeparateFromTheUserLimit) {
  login_limiter_options o = five_per_30s();
  o.address_failures_max = 8;
  login_limiter l(o);
  for (int i = 0; i < 8; ++i) fail(l, ("user" + std::to_string(i)).c_str(), "10.0.0.1", 0);
  EXPECT_FALSE(l.begin("other", "10.0.0.1", 0));
  EXPECT_TRUE(l.begin("other", "10.0.0.2", 0));
  EXPECT_EQ(login_limiter_options{}.user_failures_max, 10);  // the defaults the README states
  EXPECT_EQ(login_limiter_options{}.address_failures_max, 30);
}

}  // namespace
}  // namespace tern::auth
