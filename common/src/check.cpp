#include "tern/common/check.h"

#include <cstdio>
#include <cstdlib>

namespace tern::detail {

void assertion_failed(const char* condition, const char* file, int line, const char* function) noexcept {
  // One fprintf: the line stays whole next to other threads' log lines.
  std::fprintf(stderr, "tern: assertion failed: %s (%s:%d, %s)\n", condition, file, line, function);
  std::fflush(stderr);
  std::abort();
}

}  // namespace tern::detail
