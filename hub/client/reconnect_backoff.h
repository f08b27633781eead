#pragma once
// How long a client waits before trying a lost broker again, like librdkafka's
// reconnect.backoff.ms / reconnect.backoff.max.ms: 100 ms after the first failure, doubling
// after each further one up to 10 s, each wait jittered by -25 %..+50 % (librdkafka's spread) so
// that many clients that lost the same hub do not come back in lockstep. reset() after a
// success starts again from the initial wait.
// Not thread-safe; pure arithmetic (no clock: the caller sleeps).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace tern::client {

class reconnect_backoff {
 public:
  static constexpr std::chrono::milliseconds initial_default{100};
  static constexpr std::chrono::milliseconds max_default{10000};

  explicit reconnect_backoff(std::chrono::milliseconds initial = initial_default,
                             std::chrono::milliseconds max = max_default,
                             std::uint64_t seed = std::random_device{}())
      : _initial(initial), _max(std::max(max, initial)), _next(initial), _rng(seed) {}

  // The wait before the next attempt (jittered); the base wait doubles for the one after.
  std::chrono::milliseconds next() {
    const auto base = _next;
    _next = std::min(_next * 2, _max);
    std::uniform_int_distribution<std::int64_t> jitter(base.count() * 3 / 4, base.count() * 3 / 2);
    return std::chrono::milliseconds(jitter(_rng));
  }
  void reset() { _next = _initial; }
  // Attempts since the last reset() that have not succeeded (for messages).
  bool backing_off() const { return _next != _initial; }

 private:
  std::chrono::milliseconds _initial;
  std::chrono::milliseconds _max;
  std::chrono::milliseconds _next;
  std::mt19937_64 _rng;
};

}  // namespace tern::client
