#include "net/request_budget.h"

#include "tern/common/check.h"
#include <utility>

namespace tern::net {

namespace {
std::size_t index_of(request_budget::lane l) { return l == request_budget::lane::small ? 0 : 1; }
}  // namespace

request_budget::request_budget(asio::io_context& io, std::size_t capacity_bytes,
                               std::size_t small_reserve_bytes)
    : _io(io), _capacity_bytes(capacity_bytes), _small_reserve_bytes(small_reserve_bytes) {
  TERN_ASSERT(capacity_bytes > 0 && small_reserve_bytes < capacity_bytes);
}

bool request_budget::try_acquire(std::size_t bytes, lane l) {
  TERN_ASSERT(bytes <= lane_bytes(l));
  bool queue_ahead = !_waiters[0].empty() || (l == lane::bulk && !_waiters[1].empty());
  if (queue_ahead || !fits(bytes, l)) return false;
  _used_bytes += bytes;
  return true;
}

std::uint64_t request_budget::enqueue(std::size_t bytes, granted_fn granted, lane l) {
  TERN_ASSERT(bytes <= lane_bytes(l) && granted);
  auto ticket = _next_ticket++;
  _waiters[index_of(l)].push_back({ticket, bytes, std::move(granted)});
  _waiting_bytes += bytes;
  // A waiter that fits already (the queue was empty and try_acquire was not called) is granted
  // on a later turn, never from inside enqueue: the caller is not ready to be resumed yet.
  asio::post(_io, [self = shared_from_this()] { self->grant_waiters(); });
  return ticket;
}

bool request_budget::cancel(std::uint64_t ticket) {
  for (auto& queue : _waiters) {
    for (auto it = queue.begin(); it != queue.end(); ++it) {
      if (it->ticket != ticket) continue;
      bool was_head = it == queue.begin();
      _waiting_bytes -= it->bytes;
      queue.erase(it);
      if (was_head) grant_waiters();  // the next one may fit now
      return true;
    }
  }
  return false;
}

void request_budget::release(std::size_t bytes) {
  if (bytes == 0) return;
  if (_io.get_executor().running_in_this_thread()) return release_here(bytes);
  asio::post(_io, [self = shared_from_this(), bytes] { self->release_here(bytes); });
}

void request_budget::release_here(std::size_t bytes) {
  TERN_ASSERT(bytes <= _used_bytes);
  _used_bytes -= bytes;
  grant_waiters();
}

// Small waiters first; bulk ones only while no small one waits (a small request that does not
// fit yet must not be overtaken, or it could wait forever).
void request_budget::grant_waiters() {
  for (lane l : {lane::small, lane::bulk}) {
    auto& queue = _waiters[index_of(l)];
    while (!queue.empty() && fits(queue.front().bytes, l)) {
      auto w = std::move(queue.front());
      queue.pop_front();
      _waiting_bytes -= w.bytes;
      _used_bytes += w.bytes;
      w.granted();
    }
    if (!queue.empty()) return;
  }
}

budget_units& budget_units::operator=(budget_units&& o) noexcept {
  if (this != &o) {
    reset();
    _budget = std::move(o._budget);
    _bytes = std::exchange(o._bytes, 0);
  }
  return *this;
}

void budget_units::reset() {
  if (_budget && _bytes > 0) _budget->release(_bytes);
  _bytes = 0;
  _budget.reset();
}

}  // namespace tern::net
