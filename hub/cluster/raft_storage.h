#pragma once
// The metadata quorum's persistent Raft state in an LMDB environment of its own: current term,
// voted-for, the log (index → term, type, payload), the latest snapshot (metadata, voter
// configuration, bytes). The configuration itself lives where Raft puts it: in RAFT_CHANGE log
// entries and in the snapshot's metadata.
//
// Design
// - One environment per quorum dir (created if missing), two named databases:
//     meta  "format" → "TERNRAFT" ‖ version u32 BE; "term" → u64 BE; "vote" → u64 BE;
//           "snapshot" → index u64, term u64, conf index u64, configuration (raft_codec.h),
//           length u32, bytes
//     log   index u64 BE → term u64 BE ‖ type u8 ‖ payload
//   A dir whose environment holds anything else (another module's store, or garbage) is refused
//   at open() with io_error and a logged reason: never reinterpreted.
// - Every write commits with fsync (LMDB's default, no MDB_NOSYNC): when a call returns success
//   its effect survives a power cut. That is what lets the quorum report a vote or an appended
//   entry to Raft (and so to peers) only after the call returns.
// - raft_storage_worker owns the thread that runs the slow writes (appends, truncation,
//   snapshots) so that an SD card's fsync never stalls the io thread; set_term/set_vote are
//   cheap and rare (elections) and run synchronously on the caller's thread. LMDB serialises the
//   two writers; reads use MDB_NOTLS read transactions.
//
// Threads: one raft_storage may be used from several threads at once once open() returned (not
// concurrently with open/close).
// Errors (every call): cluster_errc::io_error for an LMDB or file-system failure, a damaged or
// alien file, or a call that breaks the log's contiguity (logged with the reason);
// cluster_errc::entry_too_large from append() for a payload over raft_entry_size_max_bytes (and
// from put_snapshot over raft_snapshot_size_max_bytes). A failed call leaves the store unchanged.
// Lifetimes: everything returned is a copy owned by the caller.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cluster/raft_codec.h"

namespace tern::cluster {

struct raft_log_entry {
  std::uint64_t term = 0;
  int type = TERN_RAFT_COMMAND;
  std::vector<std::uint8_t> payload;
  bool operator==(const raft_log_entry&) const = default;
};

struct raft_snapshot_record {
  std::uint64_t index = 0;  // last entry the snapshot covers
  std::uint64_t term = 0;
  std::vector<raft_server_record> configuration;
  std::uint64_t configuration_index = 0;
  std::vector<std::uint8_t> data;
};

struct raft_persistent_state {
  std::uint64_t term = 0;
  std::uint64_t voted_for = 0;
  std::optional<raft_snapshot_record> snapshot;
  std::uint64_t start_index = 1;  // index of entries[0]
  std::vector<raft_log_entry> entries;
};

class raft_storage {
 public:
  raft_storage() = default;
  ~raft_storage();
  raft_storage(const raft_storage&) = delete;
  raft_storage& operator=(const raft_storage&) = delete;

  // Opens (creating dir and environment if missing). Errors: io_error.
  std::error_code open(const std::string& dir, std::uint64_t map_size_bytes = 256ull << 20);
  void close();
  bool is_open() const { return _env != nullptr; }

  // True when nothing was ever stored (no term, no entries, no snapshot): bootstrap material.
  std::error_code pristine(bool& out) const;
  std::error_code load(raft_persistent_state& out) const;

  // Sets the term and clears the vote, in one durable commit.
  std::error_code set_term(std::uint64_t term);
  std::error_code set_vote(std::uint64_t server_id);

  // Appends entries at first_index.. (first_index must be last_index()+1 unless the log is
  // empty). Errors: entry_too_large (nothing written), io_error.
  std::error_code append(std::uint64_t first_index, std::span<const raft_log_entry> entries);
  // Deletes every entry at index >= from_index (a no-op past the end).
  std::error_code truncate(std::uint64_t from_index);
  // Stores s as the latest snapshot. trailing == 0 (a snapshot installed from the leader):
  // the whole log goes. Otherwise entries up to s.index - trailing go (compaction), keeping a
  // trailing window so slightly lagging followers need no snapshot.
  std::error_code put_snapshot(const raft_snapshot_record& s, std::uint32_t trailing);
  std::error_code get_snapshot(std::optional<raft_snapshot_record>& out) const;
  // First and last stored index (both 0 when the log is empty).
  std::error_code log_bounds(std::uint64_t& first, std::uint64_t& last) const;

 private:
  struct txn;
  std::error_code init_databases();
  std::error_code put_u64(const char* key, std::uint64_t v, bool clear_vote);

  void* _env = nullptr;  // MDB_env*
  unsigned _meta = 0;    // MDB_dbi
  unsigned _log = 0;
  std::string _dir;
};

// One thread that runs storage jobs in submission order (appends, truncations and snapshots must
// reach the disk in the order Raft issued them). Jobs run on the worker; they post their own
// completions. stop() runs the job in progress to its end, drops the queued ones (each gets
// `cancelled` called on the caller's thread instead) and joins.
class raft_storage_worker {
 public:
  struct job {
    std::function<void()> run;        // on the worker thread
    std::function<void()> cancelled;  // on stop()'s thread when dropped unrun
  };
  raft_storage_worker() = default;
  ~raft_storage_worker() { stop(); }
  raft_storage_worker(const raft_storage_worker&) = delete;
  raft_storage_worker& operator=(const raft_storage_worker&) = delete;

  void start();
  void submit(job j);
  void stop();

 private:
  void loop();
  std::mutex _mutex;
  std::condition_variable _wake;
  std::deque<job> _jobs;
  bool _stopping = false;
  std::thread _thread;
};

}  // namespace tern::cluster
