// TERN_ASSERT stays on whatever the build defines: this file defines NDEBUG, as a packager's
// release flags may, and the assertion still stops the process with its condition.
#ifndef NDEBUG
#define NDEBUG 1
#endif
#include <gtest/gtest.h>

#include "tern/common/check.h"

namespace {

int evaluations = 0;
bool counted(bool value) {
  ++evaluations;
  return value;
}

TEST(CheckDeathTest, AssertionStaysOnUnderNdebugAndNamesTheCondition) {
  EXPECT_DEATH(TERN_ASSERT(1 + 1 == 3 && "arithmetic"),
               "tern: assertion failed: 1 \\+ 1 == 3 && \"arithmetic\" \\(.*test_check.cpp:[0-9]+");
}

TEST(CheckDeathTest, APassingConditionIsEvaluatedOnceAndDoesNothing) {
  evaluations = 0;
  TERN_ASSERT(counted(true));
  EXPECT_EQ(evaluations, 1);
}

}  // namespace
