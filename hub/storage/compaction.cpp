// Log compaction (cleanup.policy=compact): for every key, keep only the record with the highest
// offset; drop tombstones (null values) once their batch is older than delete.retention.ms.
//
// A pass takes each partition of a compacted topic in two phases, both in bounded slices on the
// writer thread between group commits, so producers never wait long:
//  1. map: read the whole log (compressed batches are inflated) into key → highest offset, up
//     to compaction_key_map_bytes; a full map ends the phase early and the pass compacts only
//     the prefix it covers (the next pass goes on from there).
//  2. rewrite: walk the batches below the compaction end (the active tail's base, the mapped
//     range, the first batch younger than min.compaction.lag.ms, and never the last batch of the
//     log, so [log start, log end) always ends with a batch). A batch that keeps every record is
//     left alone; one that keeps none is deleted; any other is rebuilt with the same base
//     offset, lastOffsetDelta, timestamps, producer fields and codec and a new CRC.
// Offsets never move and log start does not change: a consumer at a removed offset reads on
// from the next batch, as with Kafka. Appends only ever touch the tail, so the map built in
// phase 1 stays true while phase 2 runs; retention may delete from the front meanwhile, which
// the rewrite simply skips.
#include <cassert>
#include <climits>

#include "storage/store_impl.h"
#include "tern/common/record_batch.h"

namespace tern::storage {
namespace {

constexpr std::size_t compaction_batches_per_slice_max = 1000;
constexpr std::size_t compaction_bytes_per_slice_max = 8u << 20;
// A batch inflating past this is not compacted (nor anything after it in that pass).
constexpr std::size_t compaction_batch_inflated_max = 64u << 20;
// What one key map entry costs besides the key bytes (node, hash bucket, offset).
constexpr std::size_t key_map_entry_overhead_bytes = 64;

std::string key_string(const record_batch::record& r) {
  return {reinterpret_cast<const char*>(r.key->data()), r.key->size()};
}

// The batch at or after `offset` in `log`: false at the end of the log (or a damaged entry).
bool batch_at(MDB_cursor* c, log_id log, std::int64_t offset, MDB_val& k, MDB_val& v,
              std::int64_t& base, record_batch::batch_header& h, int& rc) {
  auto key = format::log_key(log, offset);
  k = to_val(key);
  rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) rc = 0;
  if (rc != 0) return false;
  log_id found = 0;
  std::uint64_t second = 0;
  if (k.mv_size == 0 || !format::split_key(to_span(k), found, second) || found != log) return false;
  base = format::offset_of(second);
  return !record_batch::parse_header(to_span(v), h) && h.total_size() == v.mv_size;
}

}  // namespace

void log_store::impl::compaction_step() {
  if (compaction_runs.empty() || sync_failed) return;
  compaction_run& run = compaction_runs.front();
  if (compaction_slice(run)) return;
  for (auto& w : run.waiters) w.set_value(run.removed);
  compaction_runs.pop_front();
}

bool log_store::impl::compaction_slice(compaction_run& run) {
  auto it = partitions.lower_bound(run.next_log);
  // Skip partitions with nothing to do; a partition being worked on has position >= 0.
  for (; it != partitions.end(); ++it) {
    bool compacted = it->second.topic->settings.cleanup_compact;
    auto clean = compacted_at_end.find(it->first);
    if (compacted && clean != compacted_at_end.end() && clean->second == it->second.offsets.log_end)
      compacted = false;
    if (compacted) break;
    run.position = -1;
  }
  if (it == partitions.end()) return false;
  log_id log = it->first;
  const partition_entry& e = it->second;
  if (run.next_log != log || run.position < 0) {
    run.next_log = log;
    run.mapping = true;
    run.position = e.offsets.log_start;
    // Nothing at or above a set high watermark is compacted, nor used to supersede older
    // records: it may yet be truncated.
    run.map_end = std::min(e.offsets.log_end, removal_limit(log, e.offsets));
    run.log_end_at_start = e.offsets.log_end;
    run.key_map.clear();
    run.key_map_bytes = 0;
    run.waiting_on_time = false;
  }
  bool more = run.mapping ? map_slice(run, e, log) : rewrite_slice(run, e, log);
  if (!more && !run.mapping) {
    // Done with this partition.
    // Clean until the next append, unless the map stopped short or time will make more work.
    if (!run.waiting_on_time && run.map_end == run.log_end_at_start)
      compacted_at_end[log] = run.log_end_at_start;
    run.key_map = {};
    run.key_map_bytes = 0;
    run.position = -1;
    run.next_log = log + 1;
    return run.next_log != 0;  // log id wrap: the pass is over
  }
  if (!more) {  // mapping finished: rewrite from the front
    run.mapping = false;
    run.position = e.offsets.log_start;
    run.rewrite_end = std::min(run.map_end, e.offsets.segment_base);
  }
  return true;
}

// Reads up to a slice of batches into the key map. False when the map covers [start, map_end).
bool log_store::impl::map_slice(compaction_run& run, const partition_entry& e, log_id log) {
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) != 0) {
    run.map_end = run.position;  // cannot read: compact nothing beyond here this pass
    return false;
  }
  txn_guard t;
  t.txn = txn;
  cursor_guard c;
  if (mdb_cursor_open(txn, dbs_of(log).batches, &c.cursor) != 0) {
    run.map_end = run.position;
    return false;
  }
  run.position = std::max(run.position, e.offsets.log_start);
  std::vector<record_batch::record> records;
  std::vector<std::uint8_t> scratch;
  std::size_t bytes = 0;
  for (std::size_t n = 0; n < compaction_batches_per_slice_max &&
                          bytes < compaction_bytes_per_slice_max;
       ++n) {
    if (run.position >= run.map_end) return false;
    MDB_val k{}, v{};
    std::int64_t base = 0;
    record_batch::batch_header h;
    int rc = 0;
    if (!batch_at(c.cursor, log, run.position, k, v, base, h, rc) || base >= run.map_end) {
      if (rc != 0 || base < run.map_end) run.map_end = run.position;
      return false;
    }
    if (base + h.last_offset_delta >= run.map_end) {  // straddles the high watermark
      run.map_end = base;
      return false;
    }
    records.clear();
    scratch.clear();
    if (!h.control() && record_batch::decode_records(to_span(v), records, scratch,
                                                     compaction_batch_inflated_max)) {
      run.map_end = base;  // undecodable: the pass compacts only what lies before it
      return false;
    }
    for (const auto& r : records) {
      if (!r.key) continue;
      auto [slot, inserted] = run.key_map.insert_or_assign(key_string(r), r.offset);
      if (inserted) run.key_map_bytes += slot->first.size() + key_map_entry_overhead_bytes;
    }
    bytes += v.mv_size;
    run.position = base + h.last_offset_delta + 1;
    if (run.key_map_bytes >= options.compaction_key_map_bytes) {
      run.map_end = run.position;  // the map is full: compact the prefix it covers
      return false;
    }
  }
  return true;
}

// Rewrites up to a slice of batches in one write transaction. False when the partition is done.
bool log_store::impl::rewrite_slice(compaction_run& run, const partition_entry& e, log_id log) {
  const topic_settings& settings = e.topic->settings;
  std::int64_t tombstone_cutoff_ms = run.now_ms - settings.delete_retention_ms;
  std::int64_t lag_cutoff_ms = run.now_ms - settings.min_compaction_lag_ms;
  partition_offsets st = e.offsets;
  run.position = std::max(run.position, st.log_start);
  txn_guard t;
  if (mdb_txn_begin(env, nullptr, 0, &t.txn) != 0) return false;
  std::vector<record_batch::record> records, kept;
  std::vector<std::uint8_t> scratch, rebuilt;
  std::size_t removed = 0, bytes = 0;
  bool more = true;
  int rc = 0;
  {
    cursor_guard c;
    if ((rc = mdb_cursor_open(t.txn, dbs_of(log).batches, &c.cursor))) return false;
    for (std::size_t n = 0; more && n < compaction_batches_per_slice_max &&
                            bytes < compaction_bytes_per_slice_max;
         ++n) {
      MDB_val k{}, v{};
      std::int64_t base = 0;
      record_batch::batch_header h;
      if (run.position >= run.rewrite_end ||
          !batch_at(c.cursor, log, run.position, k, v, base, h, rc) || base >= run.rewrite_end) {
        more = false;
        break;
      }
      std::int64_t next = base + h.last_offset_delta + 1;
      if (next >= st.log_end) {  // the last batch of the log stays as it is
        more = false;
        break;
      }
      if (settings.min_compaction_lag_ms > 0 && h.max_timestamp > lag_cutoff_ms) {
        run.waiting_on_time = true;  // too young; later batches are (mostly) younger still
        more = false;
        break;
      }
      run.position = next;
      if (h.control()) continue;
      records.clear();
      scratch.clear();
      if (record_batch::decode_records(to_span(v), records, scratch, compaction_batch_inflated_max)) {
        more = false;  // mapped fine a moment ago; the file changed under us: stop here
        break;
      }
      kept.clear();
      for (const auto& r : records) {
        if (r.key) {
          auto latest = run.key_map.find(key_string(r));
          if (latest != run.key_map.end() && latest->second > r.offset) continue;  // superseded
          if (!r.value) {
            if (h.max_timestamp >= 0 && h.max_timestamp < tombstone_cutoff_ms) continue;
            run.waiting_on_time = true;  // a tombstone still inside delete.retention.ms
          }
        }
        kept.push_back(r);
      }
      if (kept.size() == records.size()) continue;
      removed += records.size() - kept.size();
      std::uint64_t old_size = v.mv_size;
      bytes += old_size;
      if (kept.empty()) {
        if ((rc = mdb_cursor_del(c.cursor, 0))) break;
        st.size_bytes -= std::min<std::uint64_t>(st.size_bytes, old_size);
        continue;
      }
      rebuilt.clear();
      h.base_offset = base;
      if (record_batch::rebuild(h, kept, rebuilt)) {
        more = false;  // cannot re-encode (e.g. the codec failed): leave the batch as it is
        removed -= records.size() - kept.size();
        break;
      }
      // `kept` points into the map page the put may move: done with it before the put.
      auto key = format::log_key(log, base);
      MDB_val nk = to_val(key), nv = to_val(rebuilt);
      if ((rc = mdb_put(t.txn, dbs_of(log).batches, &nk, &nv, 0))) break;
      st.size_bytes = st.size_bytes - std::min<std::uint64_t>(st.size_bytes, old_size) + rebuilt.size();
    }
  }
  if (rc == 0 && removed > 0) rc = write_partition_state(t.txn, log, st);
  if (rc == 0 && removed > 0) rc = t.commit();
  if (rc != 0) {
    // Map full or an I/O error: nothing of this slice happened; try again at the next pass.
    run.waiting_on_time = true;
    return false;
  }
  if (removed > 0) {
    publish({{log, st}});
    unsynced_commits = true;
    stat_compacted_records += removed;
    run.removed += removed;
  }
  return more;
}

}  // namespace tern::storage
