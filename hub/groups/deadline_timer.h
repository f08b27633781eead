#pragma once
// A re-armable one-shot timer on the io_context for the coordinator's deadlines (session,
// rebalance, sync). Its callback runs at most once per arm() and never after cancel(), a re-arm
// or the timer's destruction: a completion already queued when that happened carries a stale
// epoch and is dropped. So the callback may capture raw pointers to the timer's owner — if it
// runs, the owner is alive. Single-threaded: use it on the io_context's thread only.
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

namespace tern::groups {

class deadline_timer {
 public:
  explicit deadline_timer(asio::io_context& io)
      : _timer(io), _epoch(std::make_shared<std::uint64_t>(0)) {}
  ~deadline_timer() { cancel(); }
  deadline_timer(const deadline_timer&) = delete;
  deadline_timer& operator=(const deadline_timer&) = delete;

  // Runs `fn` once, `after_ms` from now (clamped to ≥ 0), unless cancelled or re-armed first.
  void arm(std::int64_t after_ms, std::function<void()> fn) {
    std::uint64_t epoch = ++*_epoch;
    _armed = true;
    _timer.expires_after(std::chrono::milliseconds(after_ms > 0 ? after_ms : 0));
    _timer.async_wait([this, weak = std::weak_ptr<std::uint64_t>(_epoch), epoch,
                       fn = std::move(fn)](std::error_code) {
      // The epoch lives exactly as long as this timer: a live, matching epoch proves `this`
      // (and whatever owns it) still exists and nothing re-armed or cancelled it since.
      auto alive = weak.lock();
      if (!alive || *alive != epoch) return;
      ++*alive;
      _armed = false;
      fn();  // may destroy this timer: touch nothing of it afterwards
    });
  }

  void cancel() {
    ++*_epoch;
    _armed = false;
    _timer.cancel();
  }

  bool armed() const { return _armed; }

 private:
  asio::steady_timer _timer;
  std::shared_ptr<std::uint64_t> _epoch;
  bool _armed = false;
};

}  // namespace tern::groups
