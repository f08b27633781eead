#include "storage/sync_thread.h"

#include <algorithm>
#include "tern/common/check.h"

namespace tern::storage {
namespace {

std::chrono::milliseconds clamp_interval(std::chrono::milliseconds interval) {
  // flush.ms accepts up to INT64_MAX ms; a time point that far ahead would overflow.
  constexpr std::chrono::milliseconds year = std::chrono::hours(24 * 365);
  return std::clamp(interval, std::chrono::milliseconds(1), year);
}

}  // namespace

sync_thread::sync_thread(std::function<int()> sync, std::chrono::milliseconds interval,
                         clock time)
    : _sync(std::move(sync)),
      _interval(clamp_interval(interval)),
      _clock(time),
      _created_at(_clock.monotonic_now()),
      _thread([this] { run(); }) {
  TERN_ASSERT(_sync);
}

sync_thread::~sync_thread() { stop(); }

void sync_thread::note_commits() {
  // Only the clean → dirty step can find the thread waiting without a deadline; taking the
  // mutex there (and only there) makes sure it is inside wait() or will see the flag.
  if (_dirty.exchange(true, std::memory_order_acq_rel)) return;
  { std::lock_guard lock(_mutex); }
  _cv.notify_one();
}

void sync_thread::sync_soon() {
  {
    std::lock_guard lock(_mutex);
    _requested = true;
  }
  _cv.notify_one();
}

void sync_thread::stop() {
  {
    std::lock_guard lock(_mutex);
    _stopping = true;
  }
  _cv.notify_one();
  if (_thread.joinable()) _thread.join();
}

void sync_thread::run() {
  std::unique_lock lock(_mutex);
  auto last_start = _created_at;
  while (!failed()) {
    bool dirty = _dirty.load(std::memory_order_acquire);
    if (_stopping && !dirty) break;
    bool due = dirty && (_stopping || _requested || _clock.monotonic_now() >= last_start + _interval);
    if (!due) {
      if (dirty) {
        _cv.wait_for(lock, _clock.real_wait(last_start + _interval - _clock.monotonic_now()));
      } else {
        _cv.wait(lock);
      }
      continue;
    }
    // Commits noted from here on need the next sync: this one may begin before their writes.
    _dirty.store(false, std::memory_order_release);
    _requested = false;
    last_start = _clock.monotonic_now();
    lock.unlock();
    int rc = _sync();
    lock.lock();
    if (rc != 0) {
      _failed.store(true, std::memory_order_release);
    } else {
      _syncs.fetch_add(1, std::memory_order_acq_rel);
    }
  }
}

}  // namespace tern::storage
