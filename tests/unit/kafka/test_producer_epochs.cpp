// producer_epochs: KIP-360 bumps of idempotent producers' epochs (InitProducerId v3+).
#include <gtest/gtest.h>

#include <cstdint>

#include "kafka/producer_epochs.h"

using namespace tern::kafka;
using outcome = producer_epochs::outcome;

TEST(ProducerEpochs, BumpsTheCurrentEpochAndAnswersARetryAlike) {
  producer_epochs t;
  t.record(7, 0);
  auto r = t.bump(7, 0);
  EXPECT_EQ(r.what, outcome::bumped);
  EXPECT_EQ(r.epoch, 1);
  r = t.bump(7, 0);  // the answer was lost: the same answer, no second bump
  EXPECT_EQ(r.what, outcome::bumped);
  EXPECT_EQ(r.epoch, 1);
  r = t.bump(7, 1);
  EXPECT_EQ(r.what, outcome::bumped);
  EXPECT_EQ(r.epoch, 2);
  EXPECT_EQ(t.bump(7, 0).what, outcome::fenced);  // two bumps ago: no longer a retry
  EXPECT_EQ(t.bump(7, 5).what, outcome::fenced);  // ahead of the broker
  EXPECT_EQ(t.bump(8, 0).what, outcome::unknown);
}

TEST(ProducerEpochs, AnExhaustedEpochNeedsANewId) {
  producer_epochs t;
  t.record(1, INT16_MAX - 2);
  EXPECT_EQ(t.bump(1, INT16_MAX - 2).epoch, INT16_MAX - 1);
  EXPECT_EQ(t.bump(1, INT16_MAX - 1).what, outcome::exhausted);
  EXPECT_EQ(t.bump(1, INT16_MAX - 1).what, outcome::unknown);  // forgotten
}

TEST(ProducerEpochs, BoundedForgettingTheSmallestId) {
  producer_epochs t;
  for (std::int64_t id = 0; id < static_cast<std::int64_t>(producer_epochs::entries_max) + 10; ++id)
    t.record(id, 0);
  EXPECT_EQ(t.size(), producer_epochs::entries_max);
  EXPECT_EQ(t.bump(0, 0).what, outcome::unknown);
  EXPECT_EQ(t.bump(9, 0).what, outcome::unknown);
  EXPECT_EQ(t.bump(10, 0).what, outcome::bumped);
  t.record(10, 0);  // recording a known id again does not evict another
  EXPECT_EQ(t.size(), producer_epochs::entries_max);
}
