#pragma once
// TERN_ASSERT(condition): a programmer error (a broken invariant, a misuse of an API) stops the
// process with the condition, file, line and function on stderr — in every build type. Unlike
// assert(), NDEBUG (which a packager's CMAKE_CXX_FLAGS_RELEASE may well define) does not remove
// it: a hub that carries on past a broken invariant can corrupt a log, which is worse than a
// restart. Expected errors (bad input, I/O) are values, never assertions.
//
// `TERN_ASSERT(x && "why")` puts the reason in the message. The condition is evaluated once.

namespace tern::detail {
[[noreturn]] void assertion_failed(const char* condition, const char* file, int line,
                                   const char* function) noexcept;
}  // namespace tern::detail

#define TERN_ASSERT(condition)                                                                    \
  (static_cast<bool>(condition)                                                                   \
       ? static_cast<void>(0)                                                                     \
       : ::tern::detail::assertion_failed(#condition, __FILE__, __LINE__, __func__))
