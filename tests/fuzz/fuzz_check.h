#pragma once
// FUZZ_CHECK(condition, what): a property a fuzz target asserts on its input's outcome (a
// round trip that does not reproduce its bytes, a limit exceeded). Aborting is what libFuzzer
// records as a crash, with the input saved as an artifact; the message says which property broke.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, what)                                                             \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      std::fprintf(stderr, "%s:%d: property failed: %s (%s)\n", __FILE__, __LINE__, what,      \
                   #condition);                                                                 \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)
