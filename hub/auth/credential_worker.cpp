#include "auth/credential_worker.h"

#include "tern/common/check.h"

namespace tern::auth {

credential_worker::credential_worker(std::size_t queue_max)
    : _queue_max(queue_max), _thread([this] { run(); }) {
  TERN_ASSERT(queue_max > 0);
}

credential_worker::~credential_worker() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(_mutex);
    _stopping = true;
    dropped.swap(_jobs);
  }
  _cv.notify_all();
  _thread.join();
}

bool credential_worker::submit(std::function<void()> job) {
  TERN_ASSERT(job);
  {
    std::lock_guard lock(_mutex);
    if (_stopping || _jobs.size() >= _queue_max) return false;
    _jobs.push_back(std::move(job));
  }
  _cv.notify_one();
  return true;
}

std::size_t credential_worker::queued() const {
  std::lock_guard lock(_mutex);
  return _jobs.size();
}

void credential_worker::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(_mutex);
      _cv.wait(lock, [this] { return _stopping || !_jobs.empty(); });
      if (_stopping) return;
      job = std::move(_jobs.front());
      _jobs.pop_front();
    }
    job();
  }
}

}  // namespace tern::auth
