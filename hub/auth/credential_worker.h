#pragma once
// One thread that runs CPU-heavy credential checks (PBKDF2 for SASL/PLAIN; SCRAM needs none on
// the server, its stored keys are checked with a few HMACs) so the io thread never does: a login
// costs tens of milliseconds of hashing on a Pi, during which every other connection would wait. Jobs run one at a time, in submission order.
//
// The queue is bounded: submit() refuses a job when queue_max jobs are waiting (the caller then
// answers the login as failed; a flood of logins costs a bounded queue, not memory).
//
// A job must not touch objects owned by the io thread: it computes, then hands its result back
// by posting to the io_context (the caller's closure does that; this module knows no Asio).
//
// Lifetimes: the destructor lets the running job finish, drops queued ones (destroyed without
// running, on the destroying thread) and joins the thread.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace tern::auth {

class credential_worker {
 public:
  explicit credential_worker(std::size_t queue_max = 64);
  ~credential_worker();
  credential_worker(const credential_worker&) = delete;
  credential_worker& operator=(const credential_worker&) = delete;

  // Queues `job` (any thread). false when queue_max jobs are already waiting (not queued).
  bool submit(std::function<void()> job);
  std::size_t queued() const;

 private:
  void run();

  const std::size_t _queue_max;
  mutable std::mutex _mutex;
  std::condition_variable _cv;
  std::deque<std::function<void()>> _jobs;
  bool _stopping = false;
  std::thread _thread;  // last: started once the members above exist
};

}  // namespace tern::auth
