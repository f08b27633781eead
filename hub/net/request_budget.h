#pragma once
// The server-wide budget of request bytes (Kafka's queued.max.request.bytes, Redpanda's request
// memory semaphore). Every byte of a request frame the hub holds — being read, being handled,
// or queued for the storage writer (a produce keeps its frame until the append commits) — is
// taken from this budget before the memory is allocated, and given back when the frame is
// freed. A connection that cannot get the bytes it needs stops reading until they are free.
//
// Two lanes. Small whole requests (lane::small: a frame taken whole, e.g. at most 64 KiB) may use
// the whole budget and are served before bulk ones; bulk requests (lane::bulk: large frames and
// the growth of a frame being read) may use only capacity - small_reserve_bytes. Within a lane,
// waiters are served first come, first served. So a connection sending small requests (a
// sensor's produce, a fetch, a heartbeat) is never queued behind a crowd of large produces
// that each hold a connection's place in line: it needs only the reserve. A bulk request larger
// than the bulk part asks for the whole bulk part (callers clamp: see clamp()), so it waits until
// it is alone and is then served; it never waits for more than exists, so nothing deadlocks.
//
// Threads: acquire/enqueue/cancel and the `granted` callbacks run on the io_context's thread.
// release() (and so destroying budget_units) may run on any thread: from another thread it is
// posted to the io_context (storage completions free produce frames on the writer thread).
//
// Lifetimes: budget_units keep their budget alive (shared_ptr); the io_context must outlive
// the budget and every units object.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include <asio.hpp>

namespace tern::net {

class request_budget : public std::enable_shared_from_this<request_budget> {
 public:
  using granted_fn = std::function<void()>;

  enum class lane { small, bulk };

  // `small_reserve_bytes` (< capacity_bytes) is kept for lane::small.
  request_budget(asio::io_context& io, std::size_t capacity_bytes, std::size_t small_reserve_bytes = 0);
  request_budget(const request_budget&) = delete;
  request_budget& operator=(const request_budget&) = delete;

  std::size_t capacity_bytes() const { return _capacity_bytes; }
  std::size_t used_bytes() const { return _used_bytes; }
  std::size_t waiting() const { return _waiters[0].size() + _waiters[1].size(); }
  // Bytes all waiters ask for together (0 without waiters).
  std::size_t waiting_bytes() const { return _waiting_bytes; }
  // What lane `l` can ever grant one caller: capacity, less the small reserve for bulk.
  std::size_t lane_bytes(lane l) const { return l == lane::small ? _capacity_bytes : _capacity_bytes - _small_reserve_bytes; }
  // `bytes` limited to lane_bytes(l): what a request of that size may ask for.
  std::size_t clamp(std::size_t bytes, lane l = lane::bulk) const { return bytes < lane_bytes(l) ? bytes : lane_bytes(l); }

  // Takes `bytes` (≤ lane_bytes(l), asserted) at once if they fit and nobody waits ahead in
  // the lane (or, for bulk, in the small lane).
  bool try_acquire(std::size_t bytes, lane l = lane::bulk);
  // Queues a request for `bytes` (≤ lane_bytes(l)); `granted` runs on the io thread once they are
  // taken for the caller (never from inside enqueue). Returns a ticket for cancel().
  std::uint64_t enqueue(std::size_t bytes, granted_fn granted, lane l = lane::bulk);
  // Withdraws a waiter that has not been granted yet (a closing connection); false if the ticket
  // is unknown (already granted or cancelled).
  bool cancel(std::uint64_t ticket);
  // Gives back `bytes` taken earlier and grants waiters that now fit. Any thread.
  void release(std::size_t bytes);

 private:
  struct waiter {
    std::uint64_t ticket;
    std::size_t bytes;
    granted_fn granted;
  };
  void release_here(std::size_t bytes);
  void grant_waiters();
  bool fits(std::size_t bytes, lane l) const { return _used_bytes + bytes <= lane_bytes(l); }

  asio::io_context& _io;
  const std::size_t _capacity_bytes;
  const std::size_t _small_reserve_bytes;
  std::size_t _used_bytes = 0;
  std::size_t _waiting_bytes = 0;  // sum of every waiter's bytes
  std::deque<waiter> _waiters[2];  // by lane: [0] small, [1] bulk
  std::uint64_t _next_ticket = 1;
};

// Bytes held from a budget; given back when destroyed (on any thread). Movable, not copyable.
class budget_units {
 public:
  budget_units() = default;
  budget_units(std::shared_ptr<request_budget> budget, std::size_t bytes)
      : _budget(std::move(budget)), _bytes(bytes) {}
  budget_units(budget_units&& o) noexcept : _budget(std::move(o._budget)), _bytes(o._bytes) { o._bytes = 0; }
  budget_units& operator=(budget_units&& o) noexcept;
  budget_units(const budget_units&) = delete;
  budget_units& operator=(const budget_units&) = delete;
  ~budget_units() { reset(); }

  std::size_t bytes() const { return _bytes; }
  // Adds `bytes` more that the caller already took from the same budget.
  void add(std::size_t bytes) { _bytes += bytes; }
  void reset();

 private:
  std::shared_ptr<request_budget> _budget;
  std::size_t _bytes = 0;
};

}  // namespace tern::net
