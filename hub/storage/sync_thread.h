#pragma once
// The periodic sync of a store whose commits do not sync (MDB_NOSYNC), on a thread of its own:
// an fsync takes milliseconds (4 ms median, 12 ms p99 for one page on the virtual disk we
// measured; tens of ms on an SD card, and it grows with the dirty data it must write), and run on
// the writer it held every producer queued behind the writer for that long (issue 13: p99 23.7 ms
// at 50,000 records/s with one sync a second, 1.8 ms without). Private to hub/storage.
//
// The thread runs `sync` (the store passes fdatasync of LMDB's data file) when commits were noted
// since the last sync and either `interval` has passed since the last sync began or sync_soon()
// asked for one. The writer only notes commits (an atomic flag, a lock only on the first commit
// after a sync or when asking for one) and never waits for a sync.
//
// Errors: a failed sync is sticky (fsyncgate: after a failed fsync the kernel may have marked the
// pages clean, so a later successful fsync proves nothing about them). failed() turns true before
// the failing sync's caller learns anything else, and no sync runs again; the store then fails
// every write (store_impl.h: sync_failed).
//
// Time: `interval` is measured on `time` (common/clock.h); a test's manual clock must outlive
// the thread.
//
// Threads and lifetime: note_commits() and sync_soon() from one thread (the writer), failed() and
// syncs_completed() from any. stop() (also run by the destructor) runs one last sync if commits
// were noted since the last one began, then joins the thread; call it after the writer's last
// commit and before the file `sync` flushes is closed. `sync` must not call back into this object.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "tern/common/clock.h"

namespace tern::storage {

class sync_thread {
 public:
  // `sync` returns 0 or an errno value. `interval` is clamped to [1 ms, 1 year].
  sync_thread(std::function<int()> sync, std::chrono::milliseconds interval,
              clock time = clock::system());
  ~sync_thread();
  sync_thread(const sync_thread&) = delete;
  sync_thread& operator=(const sync_thread&) = delete;

  // Commits have completed (mdb_txn_commit returned) since the last call: the next sync covers
  // them. Never blocks on a sync in progress.
  void note_commits();
  // Asks for a sync of what was noted as soon as the thread is free (flush.messages=N).
  void sync_soon();
  // The last sync (if anything was noted since the last one began), then joins. Idempotent.
  void stop();

  bool failed() const { return _failed.load(std::memory_order_acquire); }
  // Successful syncs so far (tests and stats).
  std::uint64_t syncs_completed() const { return _syncs.load(std::memory_order_acquire); }

 private:
  void run();

  const std::function<int()> _sync;
  const std::chrono::milliseconds _interval;
  const clock _clock;
  // The first interval runs from construction, not from whenever the thread gets to run.
  const monotonic_instant _created_at;
  // Set by note_commits, cleared by the thread when a sync begins: commits after that moment
  // need the next sync. The writer takes the mutex only when it sets it from false.
  std::atomic<bool> _dirty{false};
  std::atomic<bool> _failed{false};
  std::atomic<std::uint64_t> _syncs{0};
  std::mutex _mutex;
  std::condition_variable _cv;
  bool _requested = false;  // guarded by _mutex
  bool _stopping = false;   // guarded by _mutex
  std::thread _thread;      // last: starts once every member above is initialised
};

}  // namespace tern::storage
