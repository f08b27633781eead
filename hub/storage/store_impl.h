#pragma once
// Private to hub/storage: the state behind log_store and the helpers its files share.
//
// Threads and ownership
// - The writer thread is the only thread that opens write transactions and the only thread that
//   mutates `topics`, `partitions` and `next_log_id`. It mutates them under `state_mutex` (after a
//   commit), and reads them without the lock: no other thread writes them.
// - Other threads read `topics`/`partitions` under `state_mutex` (list_topics, offsets, ...).
// - `queue`, `stopping` and `commit_listener` are guarded by `queue_mutex`.
// - `hw_latest`, `hw_dirty` (high watermarks set by any thread) are guarded by `hw_mutex`, which
//   is never held while taking another lock.
// - `written_ends`, `durable_ends` and `shrunk_since_sync` (durable log ends) are guarded by
//   `durable_mutex`, which is never held while taking another lock. The sync thread (writer.cpp)
//   touches nothing else of the store but `sync_failed` and `data_fd`.
// - Everything in the "writer only" block is touched by the writer thread alone (and by open()
//   before the thread starts).
#include <lmdb.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <variant>

#include "storage/log_store.h"
#include "storage/storage_format.h"
#include "storage/sync_thread.h"
#include "tern/common/record_batch.h"

namespace tern::storage {

// Bounds on the work one write transaction may do, so that no single transaction holds the
// writer (and so every producer) for long, or outgrows LMDB's dirty-page limit (MDB_TXN_FULL).
constexpr std::size_t group_requests_max = 4096;
constexpr std::size_t group_bytes_max = 64u << 20;
constexpr std::size_t batch_size_bytes_max = 1u << 30;
constexpr std::size_t retention_deletes_per_txn_max = 1000;
constexpr std::size_t retention_partitions_per_txn_max = 4096;
constexpr std::size_t purge_deletes_per_txn_max = 10000;
// Per-log databases a purge transaction drops (each drop frees all of that log's pages).
constexpr std::size_t purge_logs_per_txn_max = 16;
// offset_for_timestamp reads at most this many batch headers past its index entry.
constexpr std::size_t timestamp_scan_batches_max = 65536;
static_assert(group_bytes_max < batch_size_bytes_max);
// truncate/reset delete at most this many keys per transaction (each slice commits a valid log).
constexpr std::size_t truncate_deletes_per_txn_max = 10000;
// A truncation rebuilds a producer's state from at most this many batches before the new end.
constexpr std::size_t producer_rebuild_scan_batches_max = 10000;

// Maps an LMDB or errno result to the store's error values (0 → no error).
std::error_code map_mdb_error(int rc);

inline MDB_val to_val(const void* data, std::size_t size) {
  return MDB_val{size, const_cast<void*>(data)};
}
template <typename Bytes>
MDB_val to_val(const Bytes& b) {
  return to_val(b.data(), b.size());
}
inline bytes_view to_span(const MDB_val& v) {
  return {static_cast<const std::uint8_t*>(v.mv_data), v.mv_size};
}

// Aborts the transaction unless it was committed. For write transactions every cursor opened in
// it must be closed (cursor_guard destroyed) before commit() or the destructor runs.
struct txn_guard {
  MDB_txn* txn = nullptr;
  txn_guard() = default;
  txn_guard(const txn_guard&) = delete;
  txn_guard& operator=(const txn_guard&) = delete;
  ~txn_guard() {
    if (txn) mdb_txn_abort(txn);
  }
  int commit() {
    int rc = mdb_txn_commit(txn);
    txn = nullptr;  // commit frees the txn even when it fails
    return rc;
  }
};

struct cursor_guard {
  MDB_cursor* cursor = nullptr;
  cursor_guard() = default;
  cursor_guard(const cursor_guard&) = delete;
  cursor_guard& operator=(const cursor_guard&) = delete;
  ~cursor_guard() {
    if (cursor) mdb_cursor_close(cursor);
  }
};

// What a partition remembers of one idempotent producer: its epoch and its last few batches
// (first and last sequence, base offset), newest last.
struct producer_state {
  std::int16_t epoch = 0;
  struct batch {
    std::int32_t first_sequence = 0;
    std::int32_t last_sequence = 0;
    std::int64_t base_offset = 0;
  };
  std::vector<batch> batches;
};

// A topic plus its effective settings (overrides over the store defaults), parsed once at
// creation, alteration or load. Replaced whole (never mutated) when the topic is altered.
struct topic_entry {
  topic_info info;
  topic_settings settings;
};

struct partition_entry {
  partition_state offsets;
  std::shared_ptr<const topic_entry> topic;
};

// Logs of a deleted topic whose batches and index entries are still being removed.
struct purge_range {
  log_id first{0};
  std::uint32_t count = 0;
  log_id next_drop{0};  // in memory: the first log whose databases may still exist (0: first)
};

// The topic's log ids as ranges of consecutive ids (first, count): one per extent, in
// partition order.
std::vector<std::pair<log_id, std::uint32_t>> log_ranges(const topic_info& info);

// One pass of retention over every partition, done in slices between group commits.
struct retention_run {
  std::int64_t now_ms = 0;
  log_id next_log{0};  // the pass resumes at the first partition with id >= next_log
  std::size_t deleted = 0;
  std::vector<std::promise<std::size_t>> waiters;
};

// One compaction pass over the partitions of compacted topics, in slices between group commits.
// Per partition (compaction.cpp has the design): map the dirty section [clean end, map_end) into
// `key_map`, look its keys up in the cleaner's key index, rewrite the batches holding superseded
// records (the candidates), then record the new clean records in the index and move the
// cleaner checkpoint.
struct compaction_run {
  enum class phase { map, lookup, rewrite, index };
  // What the map knows of one key: its latest record in the mapped range.
  struct key_state {
    std::int64_t offset = 0;
    std::int64_t batch_timestamp = -1;  // that record's batch max timestamp
    bool tombstone = false;
    bool removed = false;  // the rewrite dropped it (an expired tombstone)
  };
  using key_entry = std::pair<const std::string, key_state>;
  // A record that may have to go. `hash` and `timestamp` name the cleaner entry that pointed
  // at it (kind), so that an entry found stale is deleted.
  struct candidate {
    enum class source : std::uint8_t { dirty, key_index, tombstone } kind = source::dirty;
    std::int64_t offset = 0;
    std::uint64_t hash = 0;
    std::int64_t timestamp = 0;
  };
  std::int64_t now_ms = 0;
  log_id next_log{0};  // the partition being worked on, or the next one to look at
  phase step = phase::map;
  std::int64_t position = 0;     // next offset to map; -1: no partition in progress
  std::int64_t clean_start = 0;  // the checkpoint (clean end) as the partition's pass began
  // The compactable end: the key map covers [clean_start, map_end), batches below it are
  // rewritten, and it becomes the checkpoint.
  std::int64_t map_end = 0;
  std::int64_t log_end_at_start = 0;
  std::unordered_map<std::string, key_state> key_map;
  std::size_t key_map_bytes = 0;  // key_map, lookups and candidates, bounded by the options
  std::vector<std::pair<std::uint64_t, key_entry*>> lookups;  // key_map by hash
  std::size_t next_lookup = 0;  // lookup and index phases: next entry of `lookups`
  std::vector<candidate> candidates;
  std::size_t next_candidate = 0;
  bool rewrite_failed = false;   // a batch could not be rewritten: the checkpoint stays
  bool stopped_short = false;    // the map ended early (budget, read error, high watermark)
  bool waiting_on_time = false;  // a batch was skipped for its age: look again next pass
  std::size_t removed = 0;
  std::vector<std::promise<std::size_t>> waiters;
};

// One group commit in the making (writer.cpp): what its transaction has staged so far.
struct group_txn {
  MDB_txn* txn = nullptr;
  std::int64_t now_ms = 0;
  std::unordered_map<log_id, partition_state> staged;
  std::map<std::pair<log_id, std::int64_t>, producer_state> producers;
  std::uint64_t staged_bytes = 0;  // the store's total as this transaction has it
  std::uint64_t added_bytes = 0;
  std::optional<std::uint64_t> map_free_bytes;  // counted once per group, when first needed
  std::int64_t next_producer_id = 0;            // raised by replica appends
};

// The two databases of one partition log (schema 4): its batches and its index_ts entries, each
// in a named database of its own so that every append is an MDB_APPEND into that database's
// rightmost page (interleaved partitions in one database left pages half empty). Keys keep the
// 12-byte layout of storage_format.h (log id ‖ u64).
struct log_dbs {
  MDB_dbi batches = 0;
  MDB_dbi index = 0;
  // dbi_seq after the commit that created the databases (0: there at open). A read_txn that
  // began earlier must not use the handles: its snapshot predates them (see read_txn.cpp).
  std::uint64_t created_seq = 0;
};

using writer_task = std::function<void()>;
using queue_item = std::variant<append_request, writer_task>;

struct log_store::impl {
  store_options options;
  int lock_fd = -1;  // flock'ed "tern.lock": one store per data dir, across processes too
  MDB_env* env = nullptr;
  MDB_dbi dbi_meta = 0, dbi_topics = 0, dbi_partitions = 0;
  MDB_dbi dbi_producers = 0, dbi_offsets = 0, dbi_epochs = 0;
  // The compaction cleaner's checkpoints, key index and pending tombstones (storage_format.h).
  MDB_dbi dbi_cleaner_checkpoints = 0, dbi_cleaner_keys = 0, dbi_cleaner_tombstones = 0;

  // Per-log databases by log id. The writer is the only thread that opens, drops or maps
  // handles; it changes the map under an exclusive `dbi_mutex` and reads it without the lock.
  // Readers hold `dbi_mutex` shared for as long as they use a handle, so a drop (which closes
  // the handle in LMDB) never runs under a reader's cursor.
  mutable std::shared_mutex dbi_mutex;
  std::unordered_map<log_id, log_dbs> log_databases;
  std::atomic<std::uint64_t> dbi_seq{0};

  // Reset read transactions kept for reuse. mdb_txn_begin allocates and clears a table sized by
  // the environment's maximum of databases (two per partition: ~400 KB at 4096 partitions, tens
  // of microseconds); mdb_txn_renew reuses it. Each kept one holds a reader slot, so at most a
  // quarter of max_readers (and read_pool_max) are kept.
  static constexpr std::size_t read_pool_max = 4;
  std::mutex read_pool_mutex;
  std::vector<MDB_txn*> read_pool;
  std::size_t read_pool_limit = 0;
  // A read transaction: renewed from the pool or begun. Any thread.
  int begin_read_txn(MDB_txn*& out);
  // Gives a read transaction back (reset and pooled, or aborted). Any thread.
  void end_read_txn(MDB_txn* txn);
  std::string cluster_id;

  mutable std::mutex state_mutex;
  std::map<std::string, std::shared_ptr<const topic_entry>, std::less<>> topics;
  std::map<log_id, partition_entry> partitions;
  log_id next_log_id = format::first_log_id;

  std::mutex queue_mutex;
  std::condition_variable queue_cv;
  std::vector<queue_item> queue;
  bool stopping = false;
  std::function<void(const std::vector<log_id>&)> commit_listener;
  bool hw_flush_requested = false;  // wakes the writer to schedule a high watermark flush
  std::thread writer;
  std::thread::id writer_id;

  // High watermarks: the latest set per partition (loaded from the partition states at open),
  // and the partitions whose latest is not persisted yet.
  mutable std::mutex hw_mutex;
  std::unordered_map<log_id, std::int64_t> hw_latest;
  std::set<log_id> hw_dirty;
  // Retention holds of the checkpoints (checkpoints.cpp), also under hw_mutex: log → holder →
  // offset. Loaded at open, replaced by each put_checkpoint once it commits.
  std::unordered_map<log_id, std::map<std::string, std::int64_t, std::less<>>> holds;
  std::function<std::vector<std::string>(std::string_view)> creation_hold_policy;

  // Writer only.
  monotonic_instant hw_flushed_at;
  // Idempotent producer state per (log, producer id); next id to hand out.
  std::map<std::pair<log_id, std::int64_t>, producer_state> producers;
  std::int64_t next_producer_id = 0;
  std::deque<purge_range> purges;
  // After a failed purge slice (e.g. map full) the next try waits, so the writer does not spin.
  monotonic_instant purge_retry_at{};
  std::deque<retention_run> retention_runs;
  monotonic_instant next_retention_at;
  std::deque<compaction_run> compaction_runs;
  monotonic_instant next_compaction_at;
  // log end at the last pass that left a partition fully compacted: it is skipped while
  // nothing was appended since. (In memory: the cleaner checkpoint is what persists.)
  std::unordered_map<log_id, std::int64_t> compacted_at_end;
  // Sum of every partition's size_bytes (what store_options::max_bytes bounds).
  std::uint64_t stored_bytes = 0;
  // When the budget last started a retention pass, so a full store does not start one per group.
  monotonic_instant budget_retention_at{};
  std::map<std::string, monotonic_instant, std::less<>> budget_warned_at;
  // Commits since the last hand-over to the sync thread (maybe_sync), and records appended since
  // the last sync asked for by sync_every_records.
  bool unsynced_commits = false;
  std::int64_t records_since_sync = 0;
  // The periodic sync (writer.cpp): null with sync_every_commit (LMDB syncs in each commit).
  // writer_main creates it before its first commit and stops it after its last, so it never
  // outlives the environment.
  std::unique_ptr<sync_thread> syncer;
  int data_fd = -1;  // LMDB's data file (mdb_env_get_fd), what the sync thread flushes

  // A failed periodic fsync means earlier commits may not be on disk (fsyncgate): from then on
  // every write fails with io_error rather than pretend later data is safe. Set by the sync
  // thread, read by the writer (an atomic: the writer checks it before each transaction).
  std::atomic<bool> sync_failed{false};

  // Durable log ends (writer.cpp): the log end of each partition published since the sync
  // thread last took them (written_ends), the ends the last successful sync covered
  // (durable_ends), and the partitions whose end went down (a truncation) since then: what a
  // sync in flight took for them is stale, so it must not raise their durable end.
  mutable std::mutex durable_mutex;
  std::unordered_map<log_id, std::int64_t> written_ends;
  std::unordered_map<log_id, std::int64_t> durable_ends;
  std::set<log_id> shrunk_since_sync;

  // Counters for stats(); written by the writer, read by any thread.
  std::atomic<std::uint64_t> stat_stored_bytes{0}, stat_budget_rejections{0},
      stat_dropped_batches{0}, stat_dropped_bytes{0}, stat_compacted_records{0},
      stat_stale_readers{0}, stat_dropped_held_records{0}, stat_compaction_passes{0},
      stat_compaction_bytes_read{0}, stat_compaction_index_reads{0};

  impl() = default;
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  ~impl();

  // open (log_store.cpp)
  std::error_code lock_dir();
  std::error_code open_env();
  bool map_does_not_fit() const;
  std::error_code init_and_load();
  std::error_code load_meta(MDB_txn* txn);
  std::error_code load_topics(MDB_txn* txn);
  std::error_code load_partitions(MDB_txn* txn);
  std::error_code load_producers(MDB_txn* txn);
  std::error_code load_checkpoints(MDB_txn* txn);
  // Schema 1-3 data dirs kept every log in the shared "log" and "index_ts" databases; moves
  // them into per-log databases (migrate.cpp), resumable, one bounded transaction at a time.
  std::error_code check_schema_and_mark(bool& migrate, std::uint32_t& from_version);
  std::error_code migrate_layout(std::uint32_t from_version);
  // Once per data dir, at open: maxTimestamps producers left unset, recomputed
  // (repair_timestamps.cpp). The writer is not running yet.
  std::error_code repair_batch_timestamps();
  std::error_code timestamps_marker(MDB_txn* txn, bool& present);
  std::error_code put_timestamps_marker(MDB_txn* txn);
  int repair_log_timestamps(log_id log, partition_entry& e, std::uint64_t& repaired,
                            std::uint64_t& undecodable);
  // Opens (create: creating) the databases of `log` in `txn`. MDB_NOTFOUND without create when
  // they do not exist. The handles are usable by others only once `txn` commits.
  int open_log_dbs(MDB_txn* txn, log_id log, bool create, log_dbs& out);
  // open_log_dbs's MDB_DBS_FULL as an error: invalid_argument, and log_warning says which
  // limit (`what` names the operation). Other codes map as map_mdb_error.
  std::error_code log_dbs_error(int rc, std::string_view what) const;
  // The databases of a live log (writer thread, or open()); asserts the log is mapped.
  const log_dbs& dbs_of(log_id log) const;
  // Maps handles opened by a committed transaction (writer thread).
  void publish_log_dbs(const std::vector<std::pair<log_id, log_dbs>>& opened);
  void start_writer();
  void stop_writer();

  std::size_t run_pass_and_wait(std::function<void(std::promise<std::size_t>)> start);
  // Runs fn on the writer thread and waits for its result; `closed` once the store is stopping.
  std::error_code run_on_writer(std::function<std::error_code()> fn);
  // Chooses unknown_topic (id was allocated, so its topic is gone) or unknown_partition.
  std::error_code unknown_log_error(log_id log) const;

  // admin (topics.cpp), writer thread
  std::error_code do_create_topic(std::string_view name, std::int32_t partition_count,
                                  const std::map<std::string, std::string>& configs,
                                  const std::array<std::uint8_t, 16>* topic_id, topic_info& out);
  std::error_code do_delete_topic(std::string_view name);
  std::error_code do_alter_topic(std::string_view name,
                                 const std::map<std::string, std::string>& configs);
  // Grows the topic to `new_total` partitions with fresh log ids (topics.cpp).
  std::error_code do_add_partitions(std::string_view name, std::int32_t new_total,
                                    topic_info& out);
  // Gives the creation-hold policy's holders a hold at offset 0 on `logs` of `topic`.
  void apply_creation_holds(const std::string& topic, const std::vector<log_id>& logs);
  // producers (producers.cpp), writer thread
  std::error_code do_allocate_producer_id(std::int64_t& out);

  // group commit and the writer loop (writer.cpp)
  void writer_main();
  void process_items(std::vector<queue_item>& items);
  void commit_group(std::vector<append_request>& group);
  // Stages one request into the group's transaction; request errors go to `result`. Returns an
  // LMDB code (non-zero fails the whole group).
  int stage_append(group_txn& g, const append_request& r, append_result& result);
  std::error_code check_request(const append_request& r, const partition_state& st) const;
  std::error_code check_replica_request(const append_request& r, const partition_state& st) const;
  // Producer state updates for a replica append: no checks, the leader's batches are the truth.
  void replica_producers(const append_request& r, group_txn& g,
                         std::vector<std::pair<std::pair<log_id, std::int64_t>, producer_state>>&
                             updates) const;
  // Sequence checks for the producer batches of `r` (producers.cpp). On success `updates` holds
  // the producer states to install once the batches are written at `log_end`; `duplicate_offset`
  // >= 0 means the whole request repeats committed batches (nothing must be written).
  using producer_key = std::pair<log_id, std::int64_t>;
  std::error_code check_producers(const append_request& r, std::int64_t log_end,
                                  const std::map<producer_key, producer_state>& staged,
                                  std::vector<std::pair<producer_key, producer_state>>& updates,
                                  std::int64_t& duplicate_offset,
                                  std::int64_t next_producer_id_now) const;
  // The newest view of a producer: `updates` (newest last), then `staged`, then the store.
  const producer_state* find_producer(
      const producer_key& key, const std::vector<std::pair<producer_key, producer_state>>& updates,
      const std::map<producer_key, producer_state>& staged) const;
  int write_producer_state(MDB_txn* txn, const producer_key& key, const producer_state& st);
  // Offsets (offsets.cpp), writer thread.
  int delete_topic_offsets(MDB_txn* txn, std::string_view topic);
  // Deletes the given (topic, partition) offsets of `group` (empty list: all) in one transaction.
  std::error_code do_delete_offsets(
      const std::string& group,
      const std::vector<std::pair<std::string, ids::partition_index>>& which);
  // Stores one batch at st.log_end (keep_offsets: at its own base offset, >= st.log_end) and
  // stamps leader_epoch into it when >= 0.
  int put_batch(MDB_txn* txn, log_id log, bytes_view batch, const topic_settings& settings,
                std::int64_t now_ms, partition_state& st, std::int32_t leader_epoch = -1,
                bool keep_offsets = false);
  // Adds (epoch → start) to the epoch table when epoch is newer than st.last_epoch.
  int put_epoch(MDB_txn* txn, log_id log, std::int32_t epoch, std::int64_t start,
                partition_state& st);
  // The byte budget for one request of `bytes` to `log`, given what the group staged so far
  // (`staged_bytes`: the store's total as of the transaction): starts a retention pass near it,
  // and at it applies the topic's full.policy (drop_oldest trims the partition's front in `txn`).
  // Returns an LMDB code; sets `refused` when the request must fail with budget_exceeded.
  int make_room(MDB_txn* txn, log_id log, const topic_entry& topic, std::uint64_t bytes,
                std::uint64_t& staged_bytes, partition_state& st, bool& refused);
  void warn(std::string_view topic, const std::string& message);
  // map_mdb_error for a failed group commit of `bytes`, telling a full disk from other errors.
  std::error_code map_write_error(int rc, std::uint64_t bytes) const;
  // False when appending `bytes` more would leave LMDB less than its reserve (see writer.cpp).
  bool map_has_room(std::uint64_t bytes, std::optional<std::uint64_t>& free_bytes);
  std::uint64_t page_size_bytes = 4096;  // the environment's, read at open
  int write_partition_state(MDB_txn* txn, log_id log, const partition_state& st);
  void publish(const std::unordered_map<log_id, partition_state>& staged);
  // publish()'s part for the durable log ends: `ends` lists the logs whose end moved (true: down).
  void note_written(const std::unordered_map<log_id, partition_state>& staged,
                    const std::vector<std::pair<log_id, bool>>& ends);

  // replication (replication.cpp), writer thread unless noted
  // Moves the dirty high watermarks into `staged` (adding partitions not there yet); the logs
  // added only for that go to `hw_only`. Returns the logs taken, to re-mark on failure.
  std::vector<log_id> stage_high_watermarks(std::unordered_map<log_id, partition_state>& staged,
                                            std::set<log_id>& hw_only);
  void remark_high_watermarks(const std::vector<log_id>& logs);
  // Persists dirty high watermarks when due (or `force`d) in a transaction of their own.
  void flush_high_watermarks(bool force);
  monotonic_instant hw_flush_due() const;
  std::int64_t hw_flush_interval_ms() const;
  // The offset below which retention and compaction may remove data (INT64_MAX: no limit):
  // the high watermark rule and the retention holds. Any thread.
  std::int64_t removal_limit(log_id log, const partition_state& st) const;
  // The same without the retention holds (the byte budget's drop-oldest may pass them).
  std::int64_t replication_limit(log_id log, const partition_state& st) const;
  // The lowest retention hold on `log`, INT64_MAX when none. Any thread.
  std::int64_t hold_floor(log_id log) const;
  // Fills the reported high watermark fields of `st` (raw state in, reported out). Any thread.
  void report_high_watermark(log_id log, partition_state& st) const;
  std::error_code do_truncate(log_id log, std::int64_t offset, bool reset);
  std::error_code do_delete_records(log_id log, std::int64_t offset, std::int64_t& low_watermark);
  // One slice of a truncation to `end` (everything: empty the partition): returns an LMDB code,
  // sets `finished` when nothing is left to delete and the final state is committed.
  int truncate_slice(log_id log, std::int64_t end, bool everything, partition_state& st,
                     bool& finished);
  int finish_truncate(MDB_txn* txn, log_id log, std::int64_t end, bool everything,
                      partition_state& st);
  int rebuild_producers(MDB_txn* txn, log_id log, std::int64_t end,
                        std::map<producer_key, std::optional<producer_state>>& changes);
  void queue_task(writer_task task, const std::function<void(std::error_code)>& on_closed);
  // create_topic_async's writer task (arguments already checked); no id: a random one.
  void queue_create_topic(std::string name, std::int32_t partition_count,
                          std::optional<std::array<std::uint8_t, 16>> topic_id,
                          std::map<std::string, std::string> configs,
                          std::function<void(std::error_code, const topic_info&)> done);
  // Hands the commits since the last call to the sync thread (and asks for a sync when
  // sync_every_records is reached); `force`: the writer is closing, the sync thread runs its
  // last sync and stops. Writer thread.
  void maybe_sync(bool force);
  void start_sync_thread();
  // The sync thread's work: fdatasync of the data file, then the durable ends it covered.
  int sync_data_file();
  monotonic_instant next_wakeup() const;
  bool background_pending() const {
    return !retention_runs.empty() || !compaction_runs.empty() ||
           (!purges.empty() && options.time.monotonic_now() >= purge_retry_at);
  }

  // retention and purge (retention.cpp), writer thread
  void retention_step();
  std::size_t retention_slice(retention_run& run, bool& done);
  int trim_front(MDB_txn* txn, log_id log, const partition_entry& e, std::int64_t now_ms,
                 partition_state& st, std::size_t& budget, bool& finished);
  // The one loop that removes whole batches from the front of a log (retention, DeleteRecords):
  // while `remove(header, base_offset, stored_bytes)` says so, deletes the first batch, moves
  // st.log_start past it and takes its bytes off st.size_bytes; at most `budget` batches
  // (`finished` false when the budget ran out first). A damaged first batch stops it (kept). An
  // empty remainder moves log_start to log_end. Returns an LMDB code; `st` is staged, not written.
  using front_rule =
      std::function<bool(const record_batch::batch_header&, std::int64_t base_offset, std::uint64_t stored_bytes)>;
  int remove_front(MDB_txn* txn, log_id log, partition_state& st, std::size_t& budget,
                   bool& finished, const front_rule& remove);
  int trim_index(MDB_txn* txn, log_id log, std::int64_t log_start, std::size_t& budget);

  // compaction (compaction.cpp), writer thread
  void compaction_step();
  // Works on run.next_log; false once the pass has passed the last partition.
  bool compaction_slice(compaction_run& run);
  // Starts `log`'s part of the pass (reads its checkpoint); false when it cannot be read.
  bool compaction_begin(compaction_run& run, const partition_entry& e, log_id log);
  // Each phase's slice: false when that phase is over for the partition.
  bool map_slice(compaction_run& run, const partition_entry& e, log_id log);
  bool lookup_slice(compaction_run& run, const partition_entry& e, log_id log);
  bool rewrite_slice(compaction_run& run, const partition_entry& e, log_id log);
  bool index_slice(compaction_run& run, log_id log);
  // Rewrites `batch` (at the cursor, base offset `base`, header `h`) keeping what survives the
  // map; the candidates [first, last) lie in it. Returns an LMDB code; `failed`: the batch was
  // left as it was.
  int rewrite_batch(compaction_run& run, MDB_txn* txn, MDB_cursor* c, log_id log,
                    const topic_settings& settings, bytes_view batch, record_batch::batch_header& h,
                    std::int64_t base, std::size_t first, std::size_t last, partition_state& st,
                    bool& failed);
  // Lowers the cleaner checkpoint of `log` to `end` when it is above (truncate, reset), and
  // makes a compaction pass in progress on `log` start that partition over. Writer thread.
  int lower_clean_end(MDB_txn* txn, log_id log, std::int64_t end);
  void purge_step();
  int purge_db(MDB_txn* txn, MDB_dbi dbi, const purge_range& p, std::size_t& budget, bool& empty);
};

// Fills `out` with `info` and its settings over the store defaults. Errors: invalid_argument
// (`message` names the key).
std::error_code parse_topic_configs(const topic_info& info, const store_options& options,
                                    topic_entry& out, std::string& message);

// 16 random bytes from the kernel, never all-zero and never base64url text starting with '-'.
std::error_code random_uuid(std::array<std::uint8_t, 16>& out);

}  // namespace tern::storage
