#pragma once
// The partition log store on LMDB. It knows topics, partitions, offsets, record batches as
// opaque byte strings with a v2 header, and time — nothing of Kafka requests or error codes.
//
// Design
// - One LMDB environment per data directory, named databases:
//     meta        schema version, next partition log id, cluster id, pending purges
//     topics      topic name → topic record (uuid, partition count, first log id, configs)
//     partitions  log id u32 BE → partition state (log start, log end, size, max timestamp,
//                 active tail, high watermark, latest leader epoch)
//     log/<id>    one per log: log id u32 BE ‖ base offset u64 BE → batch bytes (baseOffset
//                 rewritten)
//     ts/<id>     one per log: log id u32 BE ‖ running max timestamp (sign-flipped) u64 BE →
//                 base offset u64 BE
//     epochs      log id u32 BE ‖ leader epoch u64 BE → start offset u64 BE (replication)
//     cleaner_checkpoints, cleaner_keys, cleaner_tombstones
//                 compaction's clean end per log, key hash → latest clean offset, and clean
//                 tombstones by time (compaction.cpp)
//   Big-endian keys keep a partition's batches ordered. MDB_APPEND (full pages instead of
//   half-split ones) only works for keys beyond a database's last key: with one database per
//   log, every append is one, however many partitions are written interleaved (schema 3 and
//   older shared one "log" database, whose pages ended up half empty; open() migrates them).
//   storage_format.h has the exact layouts.
// - The partition state (log start/end, size, max timestamp) is written in the same transaction
//   as the batches, so open() is O(partitions): it never scans a log.
// - Every partition of every topic gets a log id that is never reused, so a deleted and
//   re-created topic can never see old batches.
// - One writer thread owns every write transaction and does group commit: it drains all queued
//   appends (any partition, any connection) into one transaction, commits, then runs their
//   callbacks. Admin operations (create/delete topic) go through the same queue. One group is
//   capped (4096 requests, 64 MiB); deleting a topic removes it at once and purges its batches
//   afterwards in slices of 10,000 keys; retention deletes at most 1000 batches per transaction.
// - Readers use short read-only transactions (MDB_NOTLS) from any thread; the spans they return
//   point into LMDB's memory map (zero-copy) and stay valid while the read_txn object lives. Do
//   not keep a read_txn for long: it pins old pages and blocks their reuse.
//
// Durability: with sync_every_commit LMDB fsyncs in every commit (a group commit amortises it).
// Otherwise the environment runs MDB_NOSYNC and a sync thread of the store calls fdatasync on
// the data file every sync_interval_ms (and soon after sync_every_records appended offsets); the
// writer never waits for it, so a sync costs producers nothing. A process crash (kill -9) loses
// nothing committed: commits are in the OS page cache. A power cut or kernel crash loses the
// commits since the last completed sync (at most sync_interval_ms plus one fsync's duration
// old), and more: lmdb.h promises atomicity and consistency under MDB_NOSYNC only "if the
// filesystem preserves write order" (we never use MDB_WRITEMAP), which ext4 and xfs do not
// promise for plain writes, so an unsynced meta page may reach the disk before the pages it
// points to (writer.cpp explains why no LMDB flag avoids this without an fsync per commit).
// Where a power cut must not cost the data dir, use sync_every_commit. If a periodic sync fails,
// data believed durable may not be: every later write fails with io_error (reads go on), and
// durable_log_end() stops rising.
//
// Replication (cluster mode; section 6 of DESIGN.md). A leader appends with its leader epoch,
// which the writer stamps into every batch (partitionLeaderEpoch, outside the CRC) and records
// in the partition's epoch table (epoch → first offset written in it); an append with an epoch
// older than the table's latest is refused, so a deposed leader cannot write. A follower
// appends the leader's batches as they are (replica appends: the leader's offsets and epochs),
// truncates a divergent tail (truncate, after OffsetForLeaderEpoch: end_offset_for_epoch) or
// starts over (reset). The high watermark is kept per partition, coalesced into the next
// commit, and bounds what retention and compaction may remove. A single-node hub uses none of
// this: leader_epoch -1 stamps nothing and adds no epoch, and the high watermark is the log end.
//
// Errors: every fallible call returns std::error_code of storage_errc; unexpected LMDB or file
// system failures all become io_error. A failed write leaves the store unchanged (the
// transaction aborts). Nothing here throws across the API (except std::bad_alloc) or aborts on
// bad input; assertions guard only our own invariants.
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

#include "storage/topic_settings.h"
#include "tern/common/clock.h"
#include "tern/common/ids.h"

namespace tern::storage {

using bytes_view = std::span<const std::uint8_t>;

enum class storage_errc {
  unknown_topic = 1,     // no topic of that name (for a log id: its topic was deleted)
  unknown_partition,     // partition index out of range (for a log id: never allocated)
  topic_exists,          // create_topic on an existing name
  invalid_argument,      // e.g. zero partitions, empty name
  offset_out_of_range,   // read below log start or above log end
  map_full,              // LMDB map is full (MDB_MAP_FULL): nothing was written
  disk_full,             // ENOSPC from the file system: nothing was written
  io_error,              // any other LMDB or file system failure
  schema_too_new,        // the data dir was written by a newer Tern
  closed,                // the store is shutting down
  // Idempotent producers (batches with a producer id and a base sequence >= 0):
  unknown_producer,      // producer id never allocated, or no state here and sequence != 0
  producer_fenced,       // producer epoch older than the one this partition has seen
  out_of_order_sequence, // base sequence is not the next one expected (a gap)
  budget_exceeded,       // the store holds max_bytes and the topic's full.policy is reject
  // Replication:
  fenced_leader_epoch,   // the append's leader epoch (or a replica batch's) is older than the
                         // partition's latest epoch: a deposed leader must not write
  offset_mismatch,       // a replica append does not start at the log end (or its batches are
                         // not contiguous): nothing was written
  map_too_large,         // open(): the LMDB map (map_size_bytes, or the data file if larger) does
                         // not fit the process's address space (32-bit, qemu, ulimit -v)
};
const std::error_category& storage_category();
inline std::error_code make_error_code(storage_errc e) { return {static_cast<int>(e), storage_category()}; }

// A partition's log, identified independently of its topic name (common/ids.h). Offsets,
// partition indexes and leader epochs in this API are the strong types of common/ids.h too; the
// LMDB layouts (storage_format.h) store their integers.
using log_id = ids::log_id;

// Partitions added to a topic after its creation (add_partitions) get log ids of their own:
// the ids after the topic's first ones may belong to topics created since. Each addition is an
// extent: partitions first_partition.. map to log ids first_log.. (up to the next extent or the
// partition count).
struct partition_extent {
  std::int32_t first_partition = 0;
  log_id first_log{0};
  bool operator==(const partition_extent&) const = default;
};

struct topic_info {
  std::string name;
  std::array<std::uint8_t, 16> uuid{};
  std::int32_t partition_count = 0;
  // Partition p < (added.empty() ? partition_count : added[0].first_partition) has log id
  // first_log_id + p; the others lie in `added` (ascending first_partition, each > 0).
  log_id first_log_id{0};
  std::vector<partition_extent> added;
  std::map<std::string, std::string> configs;  // topic-level overrides, e.g. retention.ms
  // The log of partition p (0 <= p < partition_count).
  log_id partition_log(ids::partition_index p) const {
    log_id first = first_log_id;
    std::int32_t base = 0;
    for (const auto& e : added) {
      if (e.first_partition > p.value()) break;
      first = e.first_log;
      base = e.first_partition;
    }
    return log_id{first.value() + static_cast<log_id::rep>(p.value() - base)};
  }
  // The partition whose log is `log`; nullopt when the log is not one of this topic's.
  std::optional<ids::partition_index> partition_of(log_id log) const {
    for (std::size_t i = 0; i <= added.size(); ++i) {
      std::int32_t begin = i == 0 ? 0 : added[i - 1].first_partition;
      std::int32_t end = i < added.size() ? added[i].first_partition : partition_count;
      log_id first = i == 0 ? first_log_id : added[i - 1].first_log;
      if (log >= first && log.value() - first.value() < static_cast<log_id::rep>(end - begin))
        return ids::partition_index{begin + static_cast<std::int32_t>(log.value() - first.value())};
    }
    return std::nullopt;
  }
};

// (The store keeps the same fields as plain integers, as stored: storage_format.h's
// partition_state; this is what it reports.)
struct partition_offsets {
  ids::offset log_start{0};  // first offset still stored
  ids::offset log_end{0};    // next offset to be assigned (= high watermark on one node)
  std::uint64_t size_bytes = 0;
  std::int64_t max_timestamp = -1;
  // The active tail: batches from segment_base on are never compacted. segment_bytes counts
  // what was appended since it began (wall-clock segment_start_ms, -1 before the first append).
  ids::offset segment_base{0};
  std::uint64_t segment_bytes = 0;
  std::int64_t segment_start_ms = -1;
  // Latest leader epoch in the partition's epoch table; -1 when it has none (single node).
  ids::leader_epoch last_epoch = ids::no_leader_epoch;
  // The high watermark: offsets below it are committed (replicated to the ISR).
  //  - set_high_watermark was called for this partition (now or before a restart):
  //    high_watermark_set, and the last value set, clamped to [log_start, log_end];
  //  - never set and no epoch (last_epoch == -1, a single-node partition): log_end, so a
  //    single-node hub reads to the end exactly as before replication existed;
  //  - never set but the partition has epochs (a replica that has not learnt its high
  //    watermark yet): log_start, nothing is known to be committed.
  // (-1 only in a default-constructed value: the store fills it in whenever it reports one.)
  ids::offset high_watermark = ids::no_offset;
  bool high_watermark_set = false;
};
struct partition_state;  // storage_format.h

struct store_options {
  std::string dir;                                   // created if missing
  std::uint64_t map_size_bytes = 1ull << 30;         // LMDB map size
  bool sync_every_commit = false;
  std::int64_t sync_interval_ms = 1000;              // periodic sync when !sync_every_commit
  std::int64_t sync_every_records = 0;               // 0 = only by time
  topic_settings topic_defaults;                     // broker defaults, topics may override
  std::int64_t retention_check_interval_ms = 300000;
  // Byte budget over every partition's batches (what retention.bytes counts; LMDB's page
  // overhead comes on top). -1 = only the map size limits the store. At 90% of it a retention
  // pass starts; at 100% each topic's full.policy decides.
  std::int64_t max_bytes = -1;
  // Compaction (cleanup.policy=compact): how often a pass runs (<= 0: only enforce_compaction),
  // and the memory its key map may take; a pass that fills it compacts a prefix of the log.
  std::int64_t compaction_interval_ms = 15000;
  std::size_t compaction_key_map_bytes = 16u << 20;
  std::uint32_t max_readers = 126;
  // Partition logs the environment can hold at once (live ones plus those of deleted topics not
  // purged yet): each has two named databases, and LMDB sizes per-environment and
  // per-transaction tables by this maximum, so it is fixed at open (a new read transaction
  // clears ~100 bytes per partition of it: ~30 us at 4096; reused ones do not). Creating a topic
  // past it fails with invalid_argument.
  std::uint32_t max_partitions = 4096;
  // Cluster mode: producer ids come from every broker's own range (allocate_producer_id here
  // allocates this broker's local part), so an id this store never allocated is not "unknown":
  // with no state here, sequence 0 starts it. Replica appends then leave the counter alone.
  bool cluster_producer_ids = false;
  // Tests: replaces fdatasync(fd) of the periodic sync; returns 0 or an errno value. Runs on the
  // store's sync thread, never on the writer. Unset: fdatasync on LMDB's data file.
  std::function<int(int fd)> data_sync;
  // Where the store reports what it does on its own that an operator must hear of (data dropped
  // by full.policy=drop-oldest, appends refused at the budget). Called on the writer thread,
  // rate-limited per topic; must not block. Unset: nothing is reported.
  std::function<void(std::string_view)> log_warning;
  // Wall time for append times, time retention, compaction lag, segment.ms and commit times;
  // monotonic time for the writer's schedule (retention and compaction intervals, high
  // watermark flushes, purge retries) and the periodic sync. A test's manual clock moves all
  // of it (common/clock.h); it must outlive the store.
  clock time = clock::system();
};

struct append_result {
  std::error_code error;
  // (Replica appends: never a duplicate; base_offset is the first batch's own base offset.)
  // True when every batch repeated one of the producer's last 5 batches (a retry whose first
  // attempt was committed): nothing was written and base_offset is the original one.
  bool duplicate = false;
  ids::offset base_offset = ids::no_offset;  // offset given to the first record of the first batch
  ids::offset log_start{0};
  std::int64_t append_time_ms = 0;
};

// One append: whole, validated v2 batches for one partition (the caller checks CRCs; the store
// checks only the header and the size). The bytes must stay valid until the callback has run
// (keep them alive through `keepalive`). All batches of a request land together or not at all.
//
// Errors delivered to `done`:
//   unknown_topic      the log belonged to a topic that has been deleted
//   unknown_partition  the log id was never allocated
//   invalid_argument   no batches, a batch whose header does not parse or whose batchLength
//                      disagrees with its span, a batch over 1 GiB, or offsets past INT64_MAX;
//                      leader_epoch below -1; a replica request with leader_epoch != -1, or
//                      a replica batch with a partitionLeaderEpoch below -1
//   fenced_leader_epoch  leader_epoch (or, for a replica append, a batch's partitionLeaderEpoch)
//                      is older than the partition's latest epoch; nothing written
//   offset_mismatch    a replica append whose first batch does not start at the log end, or
//                      whose batches are not contiguous (see allow_offset_gaps); nothing written
//   unknown_producer / producer_fenced / out_of_order_sequence  (leader appends only; see
//                      "Idempotent producers" below)
//   budget_exceeded    the byte budget is reached and the topic's full.policy is reject
//   map_full           the LMDB map is full; nothing of the whole group was written
//   disk_full          ENOSPC/EDQUOT; nothing of the whole group was written
//   io_error           any other failure; nothing of the whole group was written
//   closed             the store is shutting down
// Errors up to budget_exceeded concern that request only; the others fail its whole group.
struct append_request {
  log_id log{0};
  std::vector<bytes_view> batches;
  std::shared_ptr<const void> keepalive;
  // Leader appends (replica == false). -1: no epoch, nothing stamped (the single-node hub).
  // >= 0: stamped into every batch's partitionLeaderEpoch before it is stored; when newer than
  // the partition's latest epoch, the epoch table gains (leader_epoch → this append's base
  // offset); when older, the append is refused with fenced_leader_epoch.
  ids::leader_epoch leader_epoch = ids::no_leader_epoch;
  // A follower append: the batches carry the leader's base offsets and partitionLeaderEpochs
  // and are stored as they are (no offset rewrite, no sequence checks; the caller has checked
  // their CRCs). The first batch must start at the log end and each next one where the one
  // before ended (else offset_mismatch); batch epochs must not go below the partition's latest
  // epoch (else fenced_leader_epoch), and each newer one starts an entry in the epoch table.
  // The producer state is updated from the batches (epoch, last batches, and the producer id
  // counter is raised past their ids) so that this replica can lead and go on deduplicating.
  bool replica = false;
  // Replica appends only: accept a first batch past the log end and gaps between batches
  // (offsets must still increase). A compacted leader log has such gaps: set it when the
  // leader's read returned the batches that way. Extension beyond the cluster brief.
  bool allow_offset_gaps = false;
  // Runs once on the writer thread after the commit (or failure), or on the calling thread of
  // append() with `closed` when the store is shutting down. Must not block or throw, and must not
  // call create_topic/delete_topic/enforce_retention (they wait for the writer); post elsewhere.
  std::function<void(const append_result&)> done;
};

class log_store;

// A read-only snapshot (an LMDB read transaction). Spans it hands out point into the memory map
// and live as long as this object. It must be destroyed before its log_store, and used by one
// thread at a time (any thread: the environment runs MDB_NOTLS). Keep it short: while it lives,
// pages it can see cannot be reused, so a forgotten read_txn makes the file grow to map_full.
class read_txn {
 public:
  ~read_txn();
  read_txn(const read_txn&) = delete;
  read_txn& operator=(const read_txn&) = delete;

  // Offsets as of this snapshot, consistent with the batches read() sees.
  // Errors: unknown_topic / unknown_partition (as for append_request), io_error.
  std::error_code offsets(log_id log, partition_offsets& out) const;
  // Appends to `out` the batches holding offsets >= `offset`, starting with the batch that
  // contains `offset`, until adding the next batch would pass max_bytes (the first batch is
  // always included whatever its size, so a consumer can always progress) or the next batch's
  // base offset reaches end_offset (exclusive; pass log_end unless replication caps it).
  // `bytes_out` is set to the total size appended. offset == log end (or >= end_offset) is not
  // an error: nothing is appended. The batches are stored bytes: baseOffset rewritten, CRC
  // intact, compressed batches untouched.
  // Errors: offset_out_of_range when offset < log start or offset > log end; unknown_topic /
  // unknown_partition; io_error (a damaged file).
  std::error_code read(log_id log, ids::offset offset, std::size_t max_bytes,
                       ids::offset end_offset, std::vector<bytes_view>& out,
                       std::size_t& bytes_out) const;
  // Earliest offset whose record timestamp >= timestamp_ms, with that record's timestamp;
  // nullopt when no record is that late. (For compressed and LogAppendTime batches: the batch's
  // base offset and maxTimestamp.) Never below log start. Timestamps need not be monotonic: the
  // answer is the first offset in log order whose timestamp qualifies.
  // Errors: unknown_topic / unknown_partition, io_error.
  std::error_code offset_for_timestamp(
      log_id log, std::int64_t timestamp_ms,
      std::optional<std::pair<ids::offset, std::int64_t>>& out) const;
  // The record with the largest timestamp (ListOffsets' MAX_TIMESTAMP, KIP-734) and that
  // timestamp; the first such record in log order when several share it. nullopt for an empty
  // log or one whose batches carry no timestamp (-1). Like offset_for_timestamp(), compressed
  // batches are inflated to find the record, and a LogAppendTime batch answers with its base
  // offset. Usually one index lookup and one batch; after retention, DeleteRecords or compaction
  // removed the batch that held the maximum, a scan of the remaining batch headers.
  // Errors: unknown_topic / unknown_partition, io_error.
  std::error_code offset_for_max_timestamp(
      log_id log, std::optional<std::pair<ids::offset, std::int64_t>>& out) const;

  // Replication reads. offsets() above also reports last_epoch and the high watermark: the
  // latest one set (set_high_watermark may run ahead of the snapshot), clamped to this
  // snapshot's [log_start, log_end].
  //
  // Replaces `out` with the partition's epoch table: (leader epoch, start offset), ascending in
  // both. Empty for a partition that never had an epoch. At most one entry per leader epoch.
  // Errors: unknown_topic / unknown_partition, io_error (a damaged entry).
  std::error_code epochs(log_id log,
                         std::vector<std::pair<ids::leader_epoch, ids::offset>>& out) const;
  // Kafka's OffsetForLeaderEpoch answer (LeaderEpochFileCache.endOffsetFor), as of this snapshot:
  //   requested == the latest epoch            → (epoch, log end)
  //   an entry newer than requested exists     → (largest epoch <= requested, start offset of
  //                                              the first epoch > requested); when no epoch
  //                                              <= requested exists, (requested, start of the
  //                                              first entry), as Kafka 2.x+ answers
  //   requested > latest, -1, or an empty table → (-1, -1) (UNDEFINED_EPOCH, UNDEFINED offset)
  // Errors: unknown_topic / unknown_partition, io_error.
  std::error_code end_offset_for_epoch(log_id log, ids::leader_epoch epoch,
                                       ids::leader_epoch& out_epoch,
                                       ids::offset& out_end_offset) const;

 private:
  friend class log_store;
  read_txn(void* txn, const log_store* store, std::uint64_t dbi_seq)
      : _txn(txn), _store(store), _dbi_seq(dbi_seq) {}
  // offsets() as the store keeps them (plain integers), for the reads above.
  std::error_code state(log_id log, partition_state& out) const;
  void* _txn;  // MDB_txn*, read-only
  const log_store* _store;
  std::uint64_t _dbi_seq;  // per-log databases created after this are not in the snapshot
};

class log_store {
 public:
  // Opens (creating if needed) the store: creates the directory, the environment and its named
  // databases, writes the schema version and a random cluster id on first open, clears reader
  // slots of dead processes, loads topics and partition states, starts the writer thread.
  // Errors: invalid_argument (empty dir, map smaller than 64 KiB, no readers, sync_interval_ms
  // <= 0 without sync_every_commit, retention values below -1, a data dir holding more partition
  // logs than max_partitions); schema_too_new; map_too_large
  // (log_warning names a map size that fits); map_full /
  // disk_full (first open on a full disk or a tiny map); io_error (cannot create the files, the
  // directory is already open in a store of this or another process, not an LMDB file, damaged
  // records).
  static std::error_code open(const store_options& options, std::unique_ptr<log_store>& out);
  // Runs everything queued (appends, admin tasks), syncs, stops the writer thread, closes the
  // environment. Every read_txn must be gone before. Unfinished retention passes and purges stop
  // where they are; purges resume at the next open.
  ~log_store();
  log_store(const log_store&) = delete;
  log_store& operator=(const log_store&) = delete;

  // Topic administration. Synchronous (runs through the writer queue and waits), so never call
  // these from an append callback or the commit listener.
  //
  // Creates a topic with `partitions` new log ids (never used before) and a random uuid.
  // Errors: invalid_argument (name empty, over 249 characters, not [a-zA-Z0-9._-], "." or "..";
  // partitions outside 1..10000; over 256 configs, a config key empty or over 255 bytes, a value
  // over 32 KiB; retention.ms / retention.bytes not an integer >= -1; more partition logs in
  // all than store_options::max_partitions, which log_warning then names); topic_exists;
  // map_full; disk_full; io_error; closed.
  std::error_code create_topic(std::string_view name, std::int32_t partitions,
                               const std::map<std::string, std::string>& configs, topic_info& out);
  // The same with the topic id chosen by the caller (the cluster controller: every replica
  // creates the topic with the same id). Errors: as above, and invalid_argument for the
  // all-zero id or an id another topic has.
  std::error_code create_topic(std::string_view name, std::int32_t partitions,
                               const std::array<std::uint8_t, 16>& topic_id,
                               const std::map<std::string, std::string>& configs, topic_info& out);
  // Deletes the topic and all its batches. The topic is gone for appends and new snapshots when
  // this returns; its batches are purged in the background (across restarts if need be).
  // Errors: unknown_topic; map_full; disk_full; io_error; closed.
  std::error_code delete_topic(std::string_view name);
  // Replaces the topic's config overrides with `configs` (keys not in it fall back to the
  // store defaults). Takes effect for the next append, retention and compaction pass.
  // Errors: unknown_topic; invalid_argument (limits as create_topic, or a value the store acts
  // on that does not parse: `message` names it); map_full; disk_full; io_error; closed.
  std::error_code alter_topic_configs(std::string_view name,
                                      const std::map<std::string, std::string>& configs,
                                      std::string& message);
  // Grows the topic to `new_total` partitions (Kafka's CreatePartitions). The new partitions get
  // log ids never used before, which need not follow the topic's first ones (topic_info::added);
  // they start empty, exactly as a created topic's logs (retention, compaction, producer state,
  // high watermark, and a creation hold for each holder the creation-hold policy names). The old
  // partitions and their data are untouched; keys hashed over the partition count now land
  // elsewhere (the caller's concern, as in Kafka). All in one transaction. `out` is the topic
  // as it is afterwards.
  // Errors: unknown_topic; invalid_argument (new_total <= the current count or over 10000, or
  // more partition logs in all than store_options::max_partitions, which log_warning then
  // names); map_full; disk_full; io_error; closed.
  std::error_code add_partitions(std::string_view name, std::int32_t new_total, topic_info& out);
  // Asynchronous forms of the administration calls, for an event loop that must never wait on
  // the writer (a big group commit and its fsync can take tens of ms): the same checks and
  // errors, the work queued behind the appends already queued. `done` runs exactly once: on the
  // writer thread (same rules as append_request::done: post it to your own thread, do not call
  // a synchronous admin call from it), or at once on the caller's thread when the arguments are
  // refused or the store is closing.
  void create_topic_async(std::string name, std::int32_t partitions,
                          std::map<std::string, std::string> configs,
                          std::function<void(std::error_code, const topic_info&)> done);
  // With the topic id chosen by the caller (the replicas of a cluster), as create_topic.
  void create_topic_async(std::string name, std::int32_t partitions,
                          const std::array<std::uint8_t, 16>& topic_id,
                          std::map<std::string, std::string> configs,
                          std::function<void(std::error_code, const topic_info&)> done);
  void delete_topic_async(std::string name, std::function<void(std::error_code)> done);
  void add_partitions_async(std::string name, std::int32_t new_total,
                            std::function<void(std::error_code, const topic_info&)> done);
  void alter_topic_configs_async(std::string name, std::map<std::string, std::string> configs,
                                 std::function<void(std::error_code, const std::string& message)> done);
  void allocate_producer_id_async(std::function<void(std::error_code, std::int64_t)> done);
  // The effective settings of a topic (its overrides over the defaults); nullopt when unknown.
  std::optional<topic_settings> topic_settings_of(std::string_view name) const;
  const store_options& options() const;
  std::vector<topic_info> list_topics() const;
  std::optional<topic_info> find_topic(std::string_view name) const;
  // Kafka-style cluster id (22 characters of base64url), generated once per data directory.
  std::string cluster_id() const;

  // Queues an append; never blocks on disk. The callback runs once. The caller bounds the number
  // of requests in flight (the queue itself has no limit). In the hub:
  // - produce requests hold their bytes under the request memory budget (net/request_budget.h)
  //   until their commit;
  // - a follower fetcher (replication/follower_fetcher.h) waits for each replica append's
  //   callback before it appends the next partition's batches or sends its next Fetch, so it
  //   has at most one append queued: one partition's share of a Fetch answer, at most
  //   max(partition_max_bytes (replica.fetch.max.bytes), the leader's largest batch) bytes. With
  //   one fetcher per leader broker, followers queue at most (brokers - 1) x that, however many
  //   partitions they follow (the queued bytes live in the fetcher's last response frame, at
  //   most its max_bytes).
  void append(append_request request);

  // Called on the writer thread after every commit that appended to some logs (the ids, sorted),
  // after that commit's callbacks. Same rules as append_request::done.
  void set_commit_listener(std::function<void(const std::vector<log_id>&)> listener);

  // Begins a read-only snapshot. Callable from any thread.
  // Errors: io_error (e.g. reader table full: more than max_readers snapshots alive).
  std::error_code begin_read(std::unique_ptr<read_txn>& out) const;

  // Current offsets (latest commit), without a transaction; nullopt for an unknown log. The
  // high watermark is the latest set (see partition_offsets).
  std::optional<partition_offsets> offsets(log_id log) const;

  // The durable log end: every offset below it was on disk when the last successful sync
  // returned (each commit with sync_every_commit: then the log end itself). Otherwise it trails
  // the log end by up to sync_interval_ms plus one fsync, is 0 until the first sync after open
  // (which starts at once), never exceeds the log end, drops with a truncation and rises past the
  // new end only with a sync that began after it, and stops rising once a sync failed. The
  // power-cut caveat of MDB_NOSYNC (see Durability above) still applies to what it reports.
  // nullopt for an unknown log. Any thread; no I/O (one mutex).
  std::optional<ids::offset> durable_log_end(log_id log) const;

  // ---- Replication ----
  // Removes the tail of a partition: every batch whose base offset is >= offset. A mid-batch
  // offset removes the batch holding it too, so the log then ends at that batch's base offset
  // (below `offset`). Log end, size, max timestamp, the active tail and the epoch table (entries
  // starting at or after the new end go) follow; the high watermark drops to the new end if it
  // was above. Producer state: producers whose remembered batches all lie below the new end
  // keep their state; the others are rebuilt from the remaining log, scanning back from the new
  // end over at most 10,000 batches for their last producer_batches_kept batches (of their
  // newest epoch); a producer with no batch found there loses its state (its next append
  // then needs sequence 0 or gets unknown_producer, as after Kafka's producer expiry).
  // offset == log end: nothing changes. offset <= log start: everything goes and
  // log_start = log_end = offset (as reset). Large truncations commit in slices of 10,000
  // deletions (each slice a valid shorter log), all before any later queued request runs.
  // Asynchronous, through the writer queue (appends queued before it land first, those after
  // see the truncated log); never blocks the caller. `done` runs once on the writer thread
  // after the commit (same rules as append_request::done) — inside it, offsets(log) is exactly
  // the state the truncation left, e.g. the log end after a mid-batch offset — or on the
  // calling thread with `closed`.
  // Errors: invalid_argument (offset < 0 or > log end), unknown_topic / unknown_partition,
  // map_full, disk_full, io_error, closed. A failed slice leaves the log at the previous slice.
  void truncate(log_id log, ids::offset offset, std::function<void(std::error_code)> done);
  // Empties the partition and sets log_start = log_end = start_offset (any offset >= 0, below or
  // beyond the current end): a replica that must start over from a leader whose log starts
  // later. The epoch table and every producer state of the partition go; a set high watermark
  // becomes start_offset. Same queueing, slices, callback and errors as truncate (except that
  // any start_offset >= 0 is valid).
  void reset(log_id log, ids::offset start_offset, std::function<void(std::error_code)> done);
  // Deletes the partition's records below `offset` on request (Kafka's DeleteRecords): whole
  // batches only, so the batch holding `offset` stays and the new log start is its base offset
  // (reported through `done` as the low watermark; `offset` on a batch boundary is exact).
  // offset = -1 means the high watermark: every committed record goes. Retention holds of the
  // checkpoints (forwarding links) do not stop it: the operator asked. Deletions commit in
  // slices of the retention slice size, each a valid shorter log; the time index follows.
  // Same queueing and callback rules as truncate; `done(ec, low_watermark)`.
  // Errors: invalid_argument (offset < -1 or above the high watermark, or the log end on a
  // single node), unknown_topic / unknown_partition, map_full, disk_full, io_error, closed.
  void delete_records(log_id log, ids::offset offset,
                      std::function<void(std::error_code, ids::offset)> done);
  // Records the partition's high watermark (Kafka's replication-offset-checkpoint). Cheap and
  // callable from any thread (one mutex, no I/O): offsets() report it at once; the writer
  // persists the latest value of every changed partition with its next commit, or on its own
  // every sync_interval_ms (1 s when <= 0) when nothing else commits, and at close. Values
  // above the log end are clamped to it (when set and again when persisted); a negative value
  // or an unknown log is ignored. It may move down (a follower told a lower one by a new leader).
  // Once set for a partition, retention and compaction never remove data at or above it.
  void set_high_watermark(log_id log, ids::offset high_watermark);

  // ---- Idempotent producers ----
  // What DescribeProducers reports of one producer a partition remembers: its newest epoch and
  // the last sequence of its newest batch, and that batch's base offset.
  struct producer_summary {
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = 0;
    std::int32_t last_sequence = -1;
    ids::offset last_batch_offset = ids::no_offset;
  };
  // The producers the partition's state holds (ordered by producer id). Queued on the writer,
  // which owns the producer table; `done(ec, producers)` runs on the writer thread, or on the
  // calling thread with `closed` once the store is closed.
  // Errors: unknown_partition (no such log), closed.
  void describe_producers(log_id log,
                          std::function<void(std::error_code, std::vector<producer_summary>)> done);
  // Appends of batches that carry a producer id and base sequence are deduplicated against the
  // producer's last `producer_batches_kept` batches on that partition, atomically with the
  // write; the per-partition producer state is stored beside the log and survives restarts.
  // Outcomes: a retry of committed batches → append_result::duplicate with the original offset;
  // a sequence gap → out_of_order_sequence; an older epoch → producer_fenced; an id never
  // allocated, or no state here and sequence != 0 → unknown_producer.
  static constexpr std::size_t producer_batches_kept = 5;
  // Allocates a producer id never handed out before (a persisted counter; ids are not reused
  // across restarts). Synchronous: one write transaction. Errors: map_full, disk_full,
  // io_error, closed. Must not be called from the writer thread.
  std::error_code allocate_producer_id(std::int64_t& out);

  // ---- Committed offsets (consumer groups) ----
  // A group's committed position per partition with the client's metadata string, stored by
  // (group, topic, partition); deleted with the topic (delete_topic) or the group.
  struct committed_offset {
    std::string topic;
    ids::partition_index partition{0};
    ids::offset offset = ids::no_offset;
    ids::leader_epoch leader_epoch = ids::no_leader_epoch;
    std::optional<std::string> metadata;
    std::int64_t commit_time_ms = 0;  // set by the store when it commits
  };
  // Stores the offsets in one write transaction (all or nothing) on the writer thread; `done`
  // runs there afterwards (same rules as append_request::done). Errors: invalid_argument (a
  // name or metadata over 32 KiB), map_full, disk_full, io_error, closed.
  void commit_offsets(std::string group, std::vector<committed_offset> offsets,
                      std::function<void(std::error_code)> done);
  // Appends every committed offset of `group` to `out` (none is not an error). Any thread.
  // Errors: io_error.
  std::error_code committed_offsets(std::string_view group, std::vector<committed_offset>& out) const;
  // The groups that have committed offsets, each with its newest commit time. Any thread.
  std::error_code offset_groups(std::vector<std::pair<std::string, std::int64_t>>& out) const;
  // Deletes every committed offset of `group` (synchronous; none is not an error).
  // Errors: map_full, disk_full, io_error, closed.
  std::error_code delete_group_offsets(std::string_view group);
  // Deletes the given (topic, partition) offsets of `group`; an empty list deletes all of them.
  // Synchronous: it waits for the writer, so an event loop uses the _async forms below.
  std::error_code delete_offsets(
      std::string_view group,
      const std::vector<std::pair<std::string, ids::partition_index>>& partitions);
  // Asynchronous forms of the two above: the same transaction, queued behind the appends already
  // queued. `done` runs once: on the writer thread after the commit (same rules as
  // append_request::done), or at once on the caller's thread with `closed`. Same errors.
  void delete_group_offsets_async(std::string group, std::function<void(std::error_code)> done);
  void delete_offsets_async(std::string group,
                            std::vector<std::pair<std::string, ids::partition_index>> partitions,
                            std::function<void(std::error_code)> done);

  // Runs a retention pass now, as of wall-clock `now_ms`, and waits for it (normally the writer
  // thread does it every retention_check_interval_ms; <= 0 turns that off). Deletes whole batches
  // from the front only, in bounded slices between group commits. A batch expires when its
  // maxTimestamp < now_ms - retention.ms; one with no timestamp (-1) never expires by time. By
  // size, the front batch goes while the partition would still hold >= retention.bytes without
  // it. A partition whose high watermark was set keeps every batch holding offsets at or above
  // it. Returns the number of batches deleted (0 when the store is closing). Must not be called
  // from the writer thread.
  std::size_t enforce_retention(std::int64_t now_ms);

  // Runs a compaction pass over every partition of a compacted topic now, as of `now_ms`, and
  // waits for it (normally the writer runs one every compaction_interval_ms). For each key, the
  // record with the highest offset is kept; older ones go, and so do tombstones whose batch is
  // older than delete.retention.ms. As in Kafka, a pass works below the compactable end: the
  // active tail (from segment_base), the last batch of the log, the first batch younger than
  // min.compaction.lag.ms and a set high watermark (what lies above may yet be truncated) end
  // it; nothing from there on is rewritten or counts as a newer record. Offsets and timestamps
  // of kept records never change; batches are rewritten whole (same codec, new CRC) in bounded
  // slices between group commits. A pass reads only the records that became compactable since
  // the partition's last pass (its cleaner checkpoint, kept across restarts) and the older
  // batches holding records it removes (compaction.cpp). Returns the number of records
  // removed. Must not be called from the writer thread.
  std::size_t enforce_compaction(std::int64_t now_ms);

  // ---- Checkpoints and retention holds (in-hub consumers such as forwarding links) ----
  // A checkpoint is a named opaque value (what a forwarding link has sent: its positions and
  // producer state) stored together with retention holds: per listed log, the offset from which
  // its holder still needs the data. Time and size retention and compaction never remove or
  // rewrite a batch holding offsets at or above the lowest hold on its log, whatever the topic's
  // settings, so data waits for its holder however long a link is down. Only the byte budget
  // with full.policy=drop-oldest goes past holds (the store would otherwise refuse every append):
  // what it drops there is counted in stats().dropped_held_records and named in a log_warning.
  // Holds on a log that goes away (its topic deleted) are ignored.
  //
  // put_checkpoint replaces the value and every hold of `name` in one write transaction, queued
  // behind the appends already queued; `done` runs on the writer thread afterwards (same rules
  // as append_request::done). What a put has committed survives a kill -9 (the page cache has
  // it); a power cut may lose the checkpoints of the last sync interval, like appends.
  // Errors: invalid_argument (name empty or over 255 bytes, value over 1 MiB, over 100,000
  // holds, a negative hold), map_full, disk_full, io_error, closed.
  static constexpr std::size_t checkpoint_value_size_max = 1u << 20;
  void put_checkpoint(std::string name, std::vector<std::uint8_t> value,
                      std::vector<std::pair<log_id, ids::offset>> holds,
                      std::function<void(std::error_code)> done);
  // The latest committed value of `name` (found = false when there is none). Any thread.
  // Errors: io_error (a damaged record).
  std::error_code get_checkpoint(std::string_view name, std::vector<std::uint8_t>& value,
                                 bool& found) const;
  // Names of every stored checkpoint, sorted. Any thread.
  std::vector<std::string> checkpoint_names() const;
  // Removes a checkpoint and its holds (a link taken out of the configuration). Same queueing,
  // callback and errors as put_checkpoint (an unknown name is not an error).
  void drop_checkpoint(std::string name, std::function<void(std::error_code)> done);
  // The lowest hold on `log`, or the hold of checkpoint `holder` on it (nullopt when none). Any
  // thread.
  std::optional<ids::offset> retention_hold(log_id log) const;
  std::optional<ids::offset> retention_hold(log_id log, std::string_view holder) const;
  // Called (on the writer thread, must not block or call the store) with the name of every topic
  // created from now on; each checkpoint name it returns gets a hold at offset 0 on the new
  // topic's logs at once, kept until that checkpoint's next put (or its drop). Without it, a
  // retention pass could run between a topic's creation and its holder's first checkpoint.
  // Any thread; replaces the previous policy (an empty function: none).
  void set_creation_hold_policy(std::function<std::vector<std::string>(std::string_view topic)> policy);

  struct stats {
    std::uint64_t stored_bytes = 0;      // batches of every partition (what max_bytes bounds)
    std::uint64_t map_used_bytes = 0;    // LMDB pages in use (high-water mark of the file)
    std::uint64_t map_size_bytes = 0;
    std::uint64_t budget_rejections = 0; // appends refused by full.policy=reject
    std::uint64_t dropped_batches = 0;   // batches removed by full.policy=drop-oldest
    std::uint64_t dropped_bytes = 0;
    // Records at or above a retention hold that full.policy=drop-oldest removed (data a
    // forwarding link had not sent yet).
    std::uint64_t dropped_held_records = 0;
    std::uint64_t compacted_records = 0; // records removed by compaction
    // Compaction passes completed, batch bytes they read from the logs (the dirty sections, the
    // active tails and the batches they rewrote: see compaction.cpp), and the cleaner key index
    // entries and checkpoints they looked at.
    std::uint64_t compaction_passes = 0;
    std::uint64_t compaction_bytes_read = 0;
    std::uint64_t compaction_index_reads = 0;
    std::uint64_t stale_readers_cleared = 0;  // reader slots of dead processes found at open
  };
  stats get_stats() const;

 private:
  struct impl;
  friend class read_txn;
  explicit log_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> _impl;
};

}  // namespace tern::storage

template <>
struct std::is_error_code_enum<tern::storage::storage_errc> : std::true_type {};
