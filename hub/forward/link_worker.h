#pragma once
// The thread of one link direction (forwarder, mirror) and the stop signal it waits on: stop()
// sets the flag, wakes any wait, and joins. The flag doubles as the abort flag of the link's
// upstream connections (client::cluster_client::set_abort_flag), so a blocked network call
// gives up within about 100 ms too.
// Threads: start()/stop() from the owner's thread; wait_ms()/stopping() from the worker.
// Lifetimes: the worker must be stopped before what its function uses goes away.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "tern/common/check.h"

namespace tern::forward {

class link_worker {
 public:
  link_worker() = default;
  ~link_worker() { stop(); }
  link_worker(const link_worker&) = delete;
  link_worker& operator=(const link_worker&) = delete;

  void start(std::function<void()> body) {
    TERN_ASSERT(!_thread.joinable());
    _thread = std::thread(std::move(body));
  }
  void stop() {
    {
      std::lock_guard lock(_mutex);
      _stopping = true;
    }
    _cv.notify_all();
    if (_thread.joinable()) _thread.join();
  }
  // Sleeps up to `ms`; false when stopping.
  bool wait_ms(std::int64_t ms) {
    std::unique_lock lock(_mutex);
    _cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return _stopping.load(); });
    return !_stopping;
  }
  bool stopping() const { return _stopping; }
  const std::atomic<bool>* abort_flag() const { return &_stopping; }

 private:
  std::atomic<bool> _stopping{false};
  std::mutex _mutex;
  std::condition_variable _cv;
  std::thread _thread;
};

// Wall-clock milliseconds (status timestamps, ages).
inline std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tern::forward
