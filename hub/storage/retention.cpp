// Retention (delete whole batches from the front of each partition) and purging (delete the data
// of deleted topics). Both run on the writer thread in bounded slices, one write transaction per
// slice, between group commits, so a large deletion never stalls producers for long.
#include "tern/common/check.h"
#include <climits>

#include "storage/store_impl.h"
#include "tern/common/record_batch.h"

namespace tern::storage {

void log_store::impl::retention_step() {
  if (retention_runs.empty()) return;
  retention_run& run = retention_runs.front();
  bool done = false;
  run.deleted += retention_slice(run, done);
  if (!done) return;
  for (auto& w : run.waiters) w.set_value(run.deleted);
  retention_runs.pop_front();
}

// One slice: at most retention_deletes_per_txn_max batch deletions and
// retention_partitions_per_txn_max partitions examined. Sets `done` when the pass has reached the
// last partition, or when a transaction failed (the next periodic pass tries again).
std::size_t log_store::impl::retention_slice(retention_run& run, bool& done) {
  TERN_ASSERT(std::this_thread::get_id() == writer_id);
  done = true;
  if (sync_failed) return 0;
  // Reader slots of a crashed reader would keep the pages we free here from being reused.
  int dead = 0;
  mdb_reader_check(env, &dead);
  txn_guard t;
  if (mdb_txn_begin(env, nullptr, 0, &t.txn) != 0) return 0;
  std::unordered_map<log_id, partition_state> staged;
  std::size_t budget = retention_deletes_per_txn_max;
  std::size_t index_budget = retention_deletes_per_txn_max;
  std::size_t examined = 0;
  int rc = 0;
  auto it = partitions.lower_bound(run.next_log);
  for (; it != partitions.end() && budget > 0 && examined < retention_partitions_per_txn_max;
       ++examined) {
    partition_state st = it->second.offsets;
    bool finished = true;
    std::size_t before = budget;
    if ((rc = trim_front(t.txn, it->first, it->second, run.now_ms, st, budget, finished))) break;
    if (budget != before) {
      if ((rc = trim_index(t.txn, it->first, st.log_start, index_budget))) break;
      staged[it->first] = st;
    }
    if (!finished) break;  // out of budget inside this partition: resume here
    ++it;
  }
  for (auto s = staged.begin(); s != staged.end() && rc == 0; ++s) {
    rc = write_partition_state(t.txn, s->first, s->second);
  }
  if (rc == 0 && !staged.empty()) rc = t.commit();
  if (rc != 0) return 0;
  publish(staged);
  if (!staged.empty()) unsynced_commits = true;
  done = it == partitions.end();
  if (!done) run.next_log = it->first;
  return retention_deletes_per_txn_max - budget;
}

// Deletes batches from the front of one partition while the oldest is past retention.ms or the
// partition stays at or above retention.bytes without it. log_end never moves; log_start moves
// to the next batch's base offset, or to log_end once the partition is empty. A batch without a
// timestamp (maxTimestamp -1) never expires by time: deleting it at the first check would lose
// the data of clock-less producers, so only retention.bytes removes it (and what follows it).
int log_store::impl::trim_front(MDB_txn* txn, log_id log, const partition_entry& e,
                                std::int64_t now_ms, partition_state& st, std::size_t& budget,
                                bool& finished) {
  finished = true;
  const topic_settings& settings = e.topic->settings;
  // A compact-only topic keeps its data until compaction replaces it (Kafka's rule).
  if (!settings.cleanup_delete) return 0;
  std::int64_t retention_ms = settings.retention_ms;
  std::int64_t retention_bytes = settings.retention_bytes;
  if (retention_ms < 0 && retention_bytes < 0) return 0;
  std::int64_t cutoff_ms =
      retention_ms < 0 || now_ms < INT64_MIN + retention_ms ? INT64_MIN : now_ms - retention_ms;
  // Data at or above a set high watermark is not committed, or a follower may still need it.
  const std::int64_t limit = removal_limit(log, st);
  return remove_front(txn, log, st, budget, finished,
                      [&](const record_batch::batch_header& h, std::int64_t base, std::uint64_t size) {
                        bool expired = retention_ms >= 0 && h.max_timestamp >= 0 && h.max_timestamp < cutoff_ms;
                        bool oversize = retention_bytes >= 0 && st.size_bytes >= size &&
                                        st.size_bytes - size >= static_cast<std::uint64_t>(retention_bytes);
                        return (expired || oversize) && base + h.last_offset_delta < limit;
                      });
}

int log_store::impl::remove_front(MDB_txn* txn, log_id log, partition_state& st, std::size_t& budget,
                                  bool& finished, const front_rule& remove) {
  finished = true;
  cursor_guard c;
  if (int rc = mdb_cursor_open(txn, dbs_of(log).batches, &c.cursor)) return rc;
  while (st.log_start < st.log_end) {
    auto key = format::log_key(log, st.log_start);
    MDB_val k = to_val(key), v{};
    int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    log_id found_log{0};
    std::uint64_t base = 0;
    if (rc == MDB_NOTFOUND ||
        (rc == 0 && (!format::split_key(to_span(k), found_log, base) || found_log != log))) {
      st.log_start = st.log_end;  // everything before log_end is gone
      break;
    }
    if (rc != 0) return rc;
    const std::int64_t base_offset = format::offset_of(base);
    st.log_start = base_offset;
    record_batch::batch_header h;
    if (record_batch::parse_header(to_span(v), h)) break;  // damaged: keep it, stop here
    const std::uint64_t size = v.mv_size;
    if (!remove(h, base_offset, size)) break;
    if (budget == 0) {
      finished = false;
      break;
    }
    if ((rc = mdb_cursor_del(c.cursor, 0))) return rc;
    --budget;
    st.size_bytes -= std::min(st.size_bytes, size);
    st.log_start = std::min(st.log_end, base_offset + h.last_offset_delta + 1);
  }
  return 0;
}

// Drops index_ts entries that point below the new log start, keeping the last of them unless an
// entry points exactly at log_start. That kept entry still carries the running maximum of the
// deleted prefix: timestamps up to it must still find the remaining batches that precede the
// next entry. offset_for_timestamp clamps such an entry to log_start.
int log_store::impl::trim_index(MDB_txn* txn, log_id log, std::int64_t log_start,
                                std::size_t& budget) {
  std::vector<format::key_bytes> below;
  bool entry_at_start = false;
  {
    cursor_guard c;
    if (int rc = mdb_cursor_open(txn, dbs_of(log).index, &c.cursor)) return rc;
    auto first = format::ts_key(log, INT64_MIN);
    MDB_val k = to_val(first), v{};
    int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == 0 && below.size() <= budget; rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
      log_id found{0};
      std::uint64_t ts = 0;
      if (!format::split_key(to_span(k), found, ts) || found != log || v.mv_size != 8) break;
      auto base =
          static_cast<std::int64_t>(format::get_u64(static_cast<const std::uint8_t*>(v.mv_data)));
      if (base >= log_start) {
        entry_at_start = base == log_start;
        break;
      }
      format::key_bytes kb{};
      std::copy_n(static_cast<const std::uint8_t*>(k.mv_data), format::key_size, kb.begin());
      below.push_back(kb);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  }
  std::size_t keep = entry_at_start || below.empty() ? 0 : 1;
  for (std::size_t i = 0; i + keep < below.size() && budget > 0; ++i, --budget) {
    MDB_val k = to_val(below[i]);
    if (int rc = mdb_del(txn, dbs_of(log).index, &k, nullptr)) return rc;
  }
  return 0;
}

// Drops the per-log databases of up to purge_logs_per_txn_max logs of the oldest pending purge
// and deletes up to purge_deletes_per_txn_max of its producer and epoch keys; when nothing of
// it is left, the purge record goes in the same transaction.
void log_store::impl::purge_step() {
  if (purges.empty() || options.time.monotonic_now() < purge_retry_at || sync_failed) return;
  purge_range& p = purges.front();
  const log_id end = format::log_after(p.first, p.count);
  log_id next_drop = std::max(p.next_drop, p.first);
  std::size_t budget = purge_deletes_per_txn_max;
  bool producers_empty = false, epochs_empty = false;
  txn_guard t;
  int rc = mdb_txn_begin(env, nullptr, 0, &t.txn);
  for (std::size_t n = 0; rc == 0 && next_drop < end && n < purge_logs_per_txn_max;
       ++n, next_drop = format::log_after(next_drop)) {
    // Logs not mapped (a purge resumed after a restart) are opened by name; gone ones skipped.
    MDB_dbi dbis[2]{};
    bool found[2]{};
    auto it = log_databases.find(next_drop);
    if (it != log_databases.end()) {
      dbis[0] = it->second.batches;
      dbis[1] = it->second.index;
      found[0] = found[1] = true;
    } else {
      const std::string names[2] = {format::log_db_name(next_drop), format::ts_db_name(next_drop)};
      for (int i = 0; i < 2 && rc == 0; ++i) {
        rc = mdb_dbi_open(t.txn, names[i].c_str(), 0, &dbis[i]);
        found[i] = rc == 0;
        if (rc == MDB_NOTFOUND) rc = 0;
      }
    }
    // Emptying the database (the long part) leaves the handle open, so readers of older
    // snapshots may go on using it; only the final drop of the empty database closes it, under
    // the exclusive lock, together with forgetting it.
    for (int i = 0; i < 2 && rc == 0; ++i) {
      if (found[i]) rc = mdb_drop(t.txn, dbis[i], 0);
    }
    if (rc != 0) break;
    std::unique_lock lock(dbi_mutex);
    for (int i = 0; i < 2 && rc == 0; ++i) {
      if (found[i]) rc = mdb_drop(t.txn, dbis[i], 1);
    }
    // The handles are closed now even if the transaction aborts; a retry opens them by name.
    if (it != log_databases.end()) log_databases.erase(it);
  }
  if (rc == 0) rc = purge_db(t.txn, dbi_producers, p, budget, producers_empty);
  if (rc == 0) rc = purge_db(t.txn, dbi_epochs, p, budget, epochs_empty);
  // The compaction cleaner's checkpoints, key index and pending tombstones of these logs.
  bool cleaner_empty = true;
  for (MDB_dbi dbi : {dbi_cleaner_checkpoints, dbi_cleaner_keys, dbi_cleaner_tombstones}) {
    bool empty = false;
    if (rc == 0) rc = purge_db(t.txn, dbi, p, budget, empty);
    cleaner_empty = cleaner_empty && empty;
  }
  bool finished =
      rc == 0 && next_drop >= end && producers_empty && epochs_empty && cleaner_empty;
  if (finished) {
    std::string key = format::purge_key(p.first);
    MDB_val k = to_val(key);
    rc = mdb_del(t.txn, dbi_meta, &k, nullptr);
    if (rc == MDB_NOTFOUND) rc = 0;
  }
  if (rc == 0) rc = t.commit();
  if (rc != 0) {
    purge_retry_at = options.time.monotonic_now() + std::chrono::seconds(1);
    return;
  }
  unsynced_commits = true;
  p.next_drop = next_drop;
  if (finished) purges.pop_front();
}

// Producer, epoch and cleaner keys share the layout log id u32 ‖ u64, so one range walk serves
// them all. Each
// deletion re-seeks from the start of the range: cheap, and independent of where LMDB leaves a
// cursor after mdb_cursor_del.
int log_store::impl::purge_db(MDB_txn* txn, MDB_dbi dbi, const purge_range& p, std::size_t& budget,
                              bool& empty) {
  empty = false;
  cursor_guard c;
  if (int rc = mdb_cursor_open(txn, dbi, &c.cursor)) return rc;
  const std::uint64_t end = std::uint64_t{p.first.value()} + p.count;
  auto start = format::log_key(p.first, 0);
  while (budget > 0) {
    MDB_val k = to_val(start), v{};
    int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    log_id found{0};
    std::uint64_t second = 0;
    if (rc == MDB_NOTFOUND ||
        (rc == 0 && (!format::split_key(to_span(k), found, second) || found.value() >= end))) {
      empty = true;
      return 0;
    }
    if (rc != 0) return rc;
    if ((rc = mdb_cursor_del(c.cursor, 0))) return rc;
    --budget;
  }
  return 0;
}

}  // namespace tern::storage
