#pragma once
// An injected clock: wall time (milliseconds since the Unix epoch: timestamps, retention, when a
// group was last active) and monotonic time (nanoseconds from an arbitrary origin: timeouts and
// deadlines). Code that reads or waits on time takes a `clock` instead of calling
// std::chrono::*_clock::now(), so a test can drive time with a manual_clock instead of sleeping.
//
// Why a struct of function pointers, not a virtual interface or a template parameter: a `clock`
// is a three-word value that any object can copy and keep, with no ownership question for the
// system clock (its context is null). A read costs one indirect call, like a virtual one, and
// time is read per request or per timer, never per byte. A template parameter would make a
// second instance of every class that reads time (coordinator, group, broker) for the tests
// only, and the binary's footprint budget (issue 13) counts template instances.
//
// Timers: a timer that waits for a `clock` (groups/deadline_timer.h) sleeps in real time; a
// clock that does not follow real time (a manual_clock) says how often such a timer must wake
// and read it again (timer_recheck_ns), so advancing the clock fires due timers promptly.
//
// Threads that wait on a condition variable with a deadline (the storage writer, the sync
// thread) convert "time left on this clock" into a real-time wait with real_wait(): the whole
// of it on the system clock, at most timer_recheck_ns on a manual one.
//
// Lifetimes: a clock made by manual_clock::as_clock() points at that manual_clock, which must
// outlive every copy. clock::system() has no context. Threads: both clocks may be read from any
// thread; a manual_clock is advanced by one thread at a time (the test's), and a reader on
// another thread sees each of its two times move forward, possibly one before the other.
#include "tern/common/check.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace tern {

// An instant of a `clock`'s monotonic time: nanoseconds from that clock's own origin. Not a
// std::chrono::steady_clock time point (a manual clock starts at 0), so the compiler refuses
// to mix the two, e.g. to pass one to condition_variable::wait_until.
struct monotonic_time {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<monotonic_time>;
  static constexpr bool is_steady = true;
};
using monotonic_instant = monotonic_time::time_point;

struct clock {
  std::int64_t (*wall_ms_fn)(const void* ctx) = nullptr;
  std::int64_t (*monotonic_ns_fn)(const void* ctx) = nullptr;
  const void* ctx = nullptr;
  // 0: the clock follows real time, a timer sleeps exactly until its deadline. Otherwise the
  // longest a timer may sleep in real time before reading this clock again.
  std::int64_t timer_recheck_ns = 0;

  std::int64_t wall_ms() const { return wall_ms_fn(ctx); }
  std::int64_t monotonic_ns() const { return monotonic_ns_fn(ctx); }
  std::int64_t monotonic_ms() const { return monotonic_ns() / 1'000'000; }
  monotonic_instant monotonic_now() const {
    return monotonic_instant(std::chrono::nanoseconds(monotonic_ns()));
  }
  bool follows_real_time() const { return timer_recheck_ns == 0; }

  // How long a thread should sleep in real time to wait for `left` of this clock's time (a
  // deadline minus monotonic_now()): all of it on a clock that follows real time, at most
  // timer_recheck_ns on one that does not, so the waiter reads the clock again after a test
  // advanced it. Never negative.
  std::chrono::nanoseconds real_wait(std::chrono::nanoseconds left) const {
    left = std::max(left, std::chrono::nanoseconds(0));
    if (!follows_real_time()) left = std::min(left, std::chrono::nanoseconds(timer_recheck_ns));
    return left;
  }

  // std::chrono::system_clock and std::chrono::steady_clock.
  static clock system() {
    return {[](const void*) -> std::int64_t {
              return std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                  .count();
            },
            [](const void*) -> std::int64_t {
              return std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                  .count();
            },
            nullptr, 0};
  }
};

// A clock that moves only when advance() is called: wall and monotonic time move together.
// Timers waiting on it re-read it every millisecond of real time (timer_recheck_ns).
class manual_clock {
 public:
  // 2023-11-14T22:13:20Z: a plausible "now" for code that rejects timestamps from 1970.
  static constexpr std::int64_t default_wall_ms = 1'700'000'000'000;

  explicit manual_clock(std::int64_t wall_ms = default_wall_ms, std::int64_t monotonic_ns = 0)
      : _wall_ms(wall_ms), _monotonic_ns(monotonic_ns) {}
  manual_clock(const manual_clock&) = delete;  // clocks made by as_clock() point at this one
  manual_clock& operator=(const manual_clock&) = delete;

  clock as_clock() const {
    return {[](const void* c) { return static_cast<const manual_clock*>(c)->wall_ms(); },
            [](const void* c) { return static_cast<const manual_clock*>(c)->monotonic_ns(); },
            this, 1'000'000};
  }

  // Moves both times forward. A negative step is a programmer error (monotonic time never goes
  // back).
  void advance(std::chrono::nanoseconds step) {
    TERN_ASSERT(step.count() >= 0);
    _monotonic_ns.fetch_add(step.count(), std::memory_order_relaxed);
    const std::int64_t rest_ns = _wall_rest_ns + step.count();
    _wall_ms.fetch_add(rest_ns / 1'000'000, std::memory_order_relaxed);
    _wall_rest_ns = rest_ns % 1'000'000;
  }
  // Wall time alone (an NTP step): may go backwards, as the system's wall clock can.
  void set_wall_ms(std::int64_t wall_ms) { _wall_ms.store(wall_ms, std::memory_order_relaxed); }

  // Relaxed atomics: other threads (a store's writer) read the clock while the test advances it;
  // each reading is some value the clock had, which is all a clock promises.
  std::int64_t wall_ms() const { return _wall_ms.load(std::memory_order_relaxed); }
  std::int64_t monotonic_ns() const { return _monotonic_ns.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> _wall_ms;
  std::int64_t _wall_rest_ns = 0;  // sub-millisecond part of wall time advanced (advancer only)
  std::atomic<std::int64_t> _monotonic_ns;
};

}  // namespace tern
