#pragma once
// The partition log store on LMDB. It knows topics, partitions, offsets, record batches as
// opaque byte strings with a v2 header, and time — nothing of Kafka requests or error codes.
//
// Design
// - One LMDB environment per data directory, named databases:
//     meta        schema version, next partition log id, cluster id
//     topics      topic name → topic record (uuid, partition count, first log id, configs)
//     partitions  log id u32 BE → partition state (log start, log end, size, max timestamp)
//     log         log id u32 BE ‖ base offset u64 BE → batch bytes (baseOffset rewritten)
//     index_ts    log id u32 BE ‖ running max timestamp (sign-flipped) u64 BE → base offset u64 BE
//   Big-endian keys keep a partition's batches contiguous and ordered, so appends use MDB_APPEND.
// - Every partition of every topic gets a log id that is never reused, so a deleted and
//   re-created topic can never see old batches.
// - One writer thread owns every write transaction and does group commit: it drains all queued
//   appends (any partition, any connection) into one transaction, commits, then runs their
//   callbacks. Admin operations (create/delete topic) go through the same queue.
// - Readers use short read-only transactions (MDB_NOTLS) from any thread; the spans they return
//   point into LMDB's memory map (zero-copy) and stay valid while the read_txn object lives. Do
//   not keep a read_txn for long: it pins old pages and blocks their reuse.
//
// Durability: with sync_every_commit the writer fsyncs in every commit (a group commit amortises
// it); otherwise the environment runs MDB_NOSYNC and the writer calls mdb_env_sync every
// sync_interval_ms (and after sync_every_records appended records). Without MDB_WRITEMAP, LMDB
// with NOSYNC keeps atomicity and consistency across a power cut and loses only the commits made
// since the last sync; a process crash (kill -9) loses nothing committed.
//
// Errors: every fallible call returns std::error_code of storage_errc (or a raw LMDB/errno code
// in the generic/system category for unexpected I/O failures). A failed write leaves the store
// unchanged (the transaction aborts).
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tern::storage {

using bytes_view = std::span<const std::uint8_t>;

enum class storage_errc {
  unknown_topic = 1,     // no topic of that name
  unknown_partition,     // topic exists, partition index out of range
  topic_exists,          // create_topic on an existing name
  invalid_argument,      // e.g. zero partitions, empty name
  offset_out_of_range,   // read below log start or above log end
  map_full,              // LMDB map is full (MDB_MAP_FULL): nothing was written
  disk_full,             // ENOSPC from the file system: nothing was written
  io_error,              // any other LMDB or file system failure
  schema_too_new,        // the data dir was written by a newer Tern
  closed,                // the store is shutting down
};
const std::error_category& storage_category();
inline std::error_code make_error_code(storage_errc e) { return {static_cast<int>(e), storage_category()}; }

// A partition's log, identified independently of its topic name.
using log_id = std::uint32_t;

struct topic_info {
  std::string name;
  std::array<std::uint8_t, 16> uuid{};
  std::int32_t partition_count = 0;
  log_id first_log_id = 0;  // partition p has log id first_log_id + p
  std::map<std::string, std::string> configs;  // topic-level overrides, e.g. retention.ms
  log_id partition_log(std::int32_t p) const { return first_log_id + static_cast<log_id>(p); }
};

struct partition_offsets {
  std::int64_t log_start = 0;  // first offset still stored
  std::int64_t log_end = 0;    // next offset to be assigned (= high watermark on one node)
  std::uint64_t size_bytes = 0;
  std::int64_t max_timestamp = -1;
};

struct store_options {
  std::string dir;                                   // created if missing
  std::uint64_t map_size_bytes = 1ull << 30;         // LMDB map size
  bool sync_every_commit = false;
  std::int64_t sync_interval_ms = 1000;              // periodic sync when !sync_every_commit
  std::int64_t sync_every_records = 0;               // 0 = only by time
  std::int64_t retention_ms = 7 * 24 * 3600 * 1000LL;  // broker default, topic may override
  std::int64_t retention_bytes = -1;                 // per partition, -1 = unlimited
  std::int64_t retention_check_interval_ms = 300000;
  std::uint32_t max_readers = 126;
};

struct append_result {
  std::error_code error;
  std::int64_t base_offset = -1;  // offset given to the first record of the first batch
  std::int64_t log_start = 0;
  std::int64_t append_time_ms = 0;
};

// One append: whole, validated v2 batches for one partition. The bytes must stay valid until the
// callback has run (keep them alive through `keepalive`).
struct append_request {
  log_id log = 0;
  std::vector<bytes_view> batches;
  std::shared_ptr<const void> keepalive;
  // Runs on the writer thread after the commit (or failure). Must not block; post elsewhere.
  std::function<void(const append_result&)> done;
};

class log_store;

// A read-only snapshot. Spans it hands out live as long as this object.
class read_txn {
 public:
  ~read_txn();
  read_txn(const read_txn&) = delete;
  read_txn& operator=(const read_txn&) = delete;

  // Offsets as of this snapshot.
  std::error_code offsets(log_id log, partition_offsets& out) const;
  // Appends to `out` the batches holding offsets >= `offset`, starting with the batch that
  // contains `offset`, until adding the next batch would pass max_bytes (the first batch is
  // always included whatever its size, so a consumer can always progress) or the next batch's
  // base offset reaches end_offset (exclusive; pass log_end unless replication caps it).
  // offset_out_of_range when offset < log start or offset > log end.
  std::error_code read(log_id log, std::int64_t offset, std::size_t max_bytes,
                       std::int64_t end_offset, std::vector<bytes_view>& out,
                       std::size_t& bytes_out) const;
  // Earliest offset whose record timestamp >= timestamp_ms, with that record's timestamp;
  // nullopt when no record is that late. (For compressed batches: the batch's base offset.)
  std::error_code offset_for_timestamp(log_id log, std::int64_t timestamp_ms,
                                       std::optional<std::pair<std::int64_t, std::int64_t>>& out) const;

 private:
  friend class log_store;
  explicit read_txn(void* txn) : _txn(txn) {}
  void* _txn;  // MDB_txn*
  const log_store* _store = nullptr;
};

class log_store {
 public:
  // Opens (creating if needed) the store; starts the writer thread.
  static std::error_code open(const store_options& options, std::unique_ptr<log_store>& out);
  ~log_store();  // drains queued appends, syncs, stops the writer thread
  log_store(const log_store&) = delete;
  log_store& operator=(const log_store&) = delete;

  // Topic administration. Synchronous (runs through the writer queue and waits).
  std::error_code create_topic(std::string_view name, std::int32_t partitions,
                               const std::map<std::string, std::string>& configs, topic_info& out);
  // Deletes the topic and all its batches.
  std::error_code delete_topic(std::string_view name);
  std::vector<topic_info> list_topics() const;
  std::optional<topic_info> find_topic(std::string_view name) const;
  std::string cluster_id() const;

  // Queues an append; never blocks on disk. The callback runs once.
  void append(append_request request);

  // Called on the writer thread after every commit that appended to some logs (the ids).
  void set_commit_listener(std::function<void(const std::vector<log_id>&)> listener);

  // Begins a read-only snapshot. Errors: io_error (e.g. reader table full).
  std::error_code begin_read(std::unique_ptr<read_txn>& out) const;

  // Current offsets (latest commit), without a transaction.
  std::optional<partition_offsets> offsets(log_id log) const;

  // Runs retention now (normally the writer thread does it every retention_check_interval_ms).
  // Deletes whole batches from the front only, in bounded slices. Returns batches deleted.
  std::size_t enforce_retention(std::int64_t now_ms);

 private:
  struct impl;
  friend class read_txn;
  explicit log_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> _impl;
};

}  // namespace tern::storage

template <>
struct std::is_error_code_enum<tern::storage::storage_errc> : std::true_type {};
