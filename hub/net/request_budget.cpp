#include "net/request_budget.h"

#include <cassert>
#include <utility>

namespace tern::net {

request_budget::request_budget(asio::io_context& io, std::size_t capacity_bytes)
    : _io(io), _capacity_bytes(capacity_bytes) {
  assert(capacity_bytes > 0);
}

bool request_budget::try_acquire(std::size_t bytes) {
  assert(bytes <= _capacity_bytes);
  if (!_waiters.empty() || _used_bytes + bytes > _capacity_bytes) return false;
  _used_bytes += bytes;
  return true;
}

std::uint64_t request_budget::enqueue(std::size_t bytes, granted_fn granted) {
  assert(bytes <= _capacity_bytes && granted);
  auto ticket = _next_ticket++;
  _waiters.push_back({ticket, bytes, std::move(granted)});
  _waiting_bytes += bytes;
  // A waiter that fits already (the queue was empty and try_acquire was not called) is granted
  // on a later turn, never from inside enqueue: the caller is not ready to be resumed yet.
  asio::post(_io, [self = shared_from_this()] { self->grant_waiters(); });
  return ticket;
}

bool request_budget::cancel(std::uint64_t ticket) {
  for (auto it = _waiters.begin(); it != _waiters.end(); ++it) {
    if (it->ticket != ticket) continue;
    bool was_head = it == _waiters.begin();
    _waiting_bytes -= it->bytes;
    _waiters.erase(it);
    if (was_head) grant_waiters();  // the next one may fit now
    return true;
  }
  return false;
}

void request_budget::release(std::size_t bytes) {
  if (bytes == 0) return;
  if (_io.get_executor().running_in_this_thread()) return release_here(bytes);
  asio::post(_io, [self = shared_from_this(), bytes] { self->release_here(bytes); });
}

void request_budget::release_here(std::size_t bytes) {
  assert(bytes <= _used_bytes);
  _used_bytes -= bytes;
  grant_waiters();
}

void request_budget::grant_waiters() {
  while (!_waiters.empty() && _used_bytes + _waiters.front().bytes <= _capacity_bytes) {
    auto w = std::move(_waiters.front());
    _waiters.pop_front();
    _waiting_bytes -= w.bytes;
    _used_bytes += w.bytes;
    w.granted();
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
