#pragma once
// A re-armable one-shot timer on the io_context for the coordinator's deadlines (session,
// rebalance, sync). Its callback runs at most once per arm() and never after cancel(), a re-arm
// or the timer's destruction: a completion already queued when that happened carries a stale
// epoch and is dropped. So the callback may capture raw pointers to the timer's owner — if it
// runs, the owner is alive. Single-threaded: use it on the io_context's thread only.
//
// Time: deadlines are measured on an injected tern::clock (common/clock.h). With the system
// clock the timer sleeps until its deadline; with a clock that does not follow real time (a
// test's manual_clock) it wakes every clock.timer_recheck_ns of real time, reads the clock and
// fires once the deadline has passed on it — so a test advances the clock instead of sleeping.
// Lifetimes: the clock's context (a manual_clock) must outlive the timer.
#include <asio.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "tern/common/clock.h"

namespace tern::groups {

class deadline_timer {
 public:
  deadline_timer(asio::io_context& io, const clock& time)
      : _timer(io), _clock(time), _epoch(std::make_shared<std::uint64_t>(0)) {}
  ~deadline_timer() { cancel(); }
  deadline_timer(const deadline_timer&) = delete;
  deadline_timer& operator=(const deadline_timer&) = delete;

  // Runs `fn` once, `after_ms` from now (clamped to ≥ 0), unless cancelled or re-armed first.
  void arm(std::int64_t after_ms, std::function<void()> fn) {
    std::uint64_t epoch = ++*_epoch;
    _armed = true;
    // Clamped to a century: a timeout from a client cannot overflow the nanosecond deadline.
    constexpr std::int64_t after_ms_max = std::int64_t{100} * 365 * 24 * 3600 * 1000;
    _deadline_ns =
        _clock.monotonic_ns() + std::clamp<std::int64_t>(after_ms, 0, after_ms_max) * 1'000'000;
    wait(epoch, std::move(fn));
  }

  void cancel() {
    ++*_epoch;
    _armed = false;
    _timer.cancel();
  }

  bool armed() const { return _armed; }

 private:
  // Sleeps until the deadline (the system clock), or for at most timer_recheck_ns (a clock
  // that does not follow real time), then fires or waits again.
  void wait(std::uint64_t epoch, std::function<void()> fn) {
    std::int64_t sleep_ns = std::max<std::int64_t>(_deadline_ns - _clock.monotonic_ns(), 0);
    if (!_clock.follows_real_time()) sleep_ns = std::min(sleep_ns, _clock.timer_recheck_ns);
    _timer.expires_after(std::chrono::nanoseconds(sleep_ns));
    _timer.async_wait([this, weak = std::weak_ptr<std::uint64_t>(_epoch), epoch,
                       fn = std::move(fn)](std::error_code) mutable {
      // The epoch lives exactly as long as this timer: a live, matching epoch proves `this`
      // (and whatever owns it) still exists and nothing re-armed or cancelled it since.
      auto alive = weak.lock();
      if (!alive || *alive != epoch) return;
      if (_clock.monotonic_ns() < _deadline_ns) {
        wait(epoch, std::move(fn));  // a manual clock has not reached the deadline yet
        return;
      }
      ++*alive;
      _armed = false;
      auto run = std::move(fn);  // the handler dies with the timer's destruction; `run` lives on
      run();  // may destroy this timer: touch nothing of it afterwards
    });
  }

  asio::steady_timer _timer;
  clock _clock;
  std::int64_t _deadline_ns = 0;
  std::shared_ptr<std::uint64_t> _epoch;
  bool _armed = false;
};

}  // namespace tern::groups
