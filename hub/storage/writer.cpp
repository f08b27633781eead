// The writer thread: drains the queue, group-commits appends, runs admin tasks, and between
// queue drains does background work (retention and purge slices) and hands its commits to the
// sync thread (periodic sync, durable log ends).
#include <unistd.h>

#include "tern/common/check.h"
#include <cerrno>
#include <climits>
#include <cstring>

#include <sys/statvfs.h>

#include "storage/store_impl.h"
#include "tern/common/record_batch.h"

namespace tern::storage {
namespace {


// Puts a key that sorts after every key of its log. MDB_APPEND (fill pages completely instead
// of splitting them in half) only applies when the key also sorts after every other log's keys,
// i.e. for the highest log id in the database; LMDB answers MDB_KEYEXIST otherwise, without
// touching the transaction, and we fall back to an ordinary insert.
int put_in_order(MDB_txn* txn, MDB_dbi dbi, MDB_val key, MDB_val& value, unsigned flags) {
  MDB_val v = value;
  int rc = mdb_put(txn, dbi, &key, &v, flags | MDB_APPEND);
  if (rc == MDB_KEYEXIST) {
    v = value;
    rc = mdb_put(txn, dbi, &key, &v, flags | MDB_NOOVERWRITE);
  }
  value = v;
  return rc;
}

}  // namespace

void log_store::impl::writer_main() {
  start_sync_thread();
  for (;;) {
    std::vector<queue_item> items;
    bool stop = false;
    {
      std::unique_lock lock(queue_mutex);
      if (queue.empty() && !stopping && !background_pending()) {
        // A wait_for, not a wait_until: the schedule is on the store's clock, whose instants
        // are not steady_clock's (a test's manual clock), and real_wait caps the sleep so an
        // advanced manual clock is seen within a millisecond.
        queue_cv.wait_for(lock, options.time.real_wait(next_wakeup() - options.time.monotonic_now()),
                          [this] { return !queue.empty() || stopping || hw_flush_requested; });
      }
      hw_flush_requested = false;
      items.swap(queue);
      stop = stopping;
    }
    // Everything queued before `stopping` was seen is in `items`: append() refuses afterwards.
    process_items(items);
    if (stop) break;
    auto now = options.time.monotonic_now();
    if (options.retention_check_interval_ms > 0 && now >= next_retention_at) {
      if (retention_runs.empty())
        retention_runs.push_back(retention_run{options.time.wall_ms(), log_id{0}, 0, {}});
      next_retention_at = now + std::chrono::milliseconds(options.retention_check_interval_ms);
    }
    if (options.compaction_interval_ms > 0 && now >= next_compaction_at) {
      if (compaction_runs.empty()) {
        compaction_run run;
        run.now_ms = options.time.wall_ms();
        compaction_runs.push_back(std::move(run));
      }
      next_compaction_at = now + std::chrono::milliseconds(options.compaction_interval_ms);
    }
    // One bounded slice of each kind per round, so queued appends wait at most one slice.
    retention_step();
    compaction_step();
    purge_step();
    flush_high_watermarks(false);
    maybe_sync(false);
  }
  // Closing: unfinished retention passes report what they did; purges resume on the next open.
  for (auto& run : retention_runs) {
    for (auto& w : run.waiters) w.set_value(run.deleted);
  }
  retention_runs.clear();
  for (auto& run : compaction_runs) {
    for (auto& w : run.waiters) w.set_value(run.removed);
  }
  compaction_runs.clear();
  flush_high_watermarks(true);
  maybe_sync(true);
}

monotonic_instant log_store::impl::next_wakeup() const {
  auto wake = options.time.monotonic_now() + std::chrono::hours(1);
  if (options.retention_check_interval_ms > 0) wake = std::min(wake, next_retention_at);
  if (options.compaction_interval_ms > 0) wake = std::min(wake, next_compaction_at);
  if (!purges.empty()) wake = std::min(wake, purge_retry_at);
  wake = std::min(wake, hw_flush_due());
  return wake;  // the sync thread keeps its own time
}

void log_store::impl::process_items(std::vector<queue_item>& items) {
  std::vector<append_request> group;
  std::size_t group_bytes = 0;
  auto flush = [&] {
    if (!group.empty()) commit_group(group);
    group.clear();
    group_bytes = 0;
  };
  for (auto& item : items) {
    if (auto* request = std::get_if<append_request>(&item)) {
      std::size_t bytes = 0;
      for (auto b : request->batches) bytes += b.size();
      if (group.size() >= group_requests_max || group_bytes + bytes > group_bytes_max) flush();
      group.push_back(std::move(*request));
      group_bytes += bytes;
    } else {
      // Admin tasks keep their place in the queue: appends queued before a delete land first.
      flush();
      std::get<writer_task>(item)();
    }
  }
  flush();
}

// Group commit: every request of the group goes into one write transaction. Requests that fail
// their own checks are answered with their error and do not touch the transaction; an LMDB
// failure aborts the transaction and fails every request that had not already failed. Dirty
// high watermarks ride along in the same transaction.
void log_store::impl::commit_group(std::vector<append_request>& group) {
  TERN_ASSERT(!group.empty() && group.size() <= group_requests_max);
  std::vector<append_result> results(group.size());
  group_txn g;
  g.now_ms = options.time.wall_ms();
  g.staged_bytes = stored_bytes;
  g.next_producer_id = next_producer_id;
  std::set<log_id> hw_only;
  std::vector<log_id> hw_taken;
  std::int64_t records = 0;
  int rc = sync_failed ? EIO : 0;
  if (rc == 0) {
    txn_guard t;
    rc = mdb_txn_begin(env, nullptr, 0, &t.txn);
    g.txn = t.txn;
    for (std::size_t i = 0; i < group.size() && rc == 0; ++i)
      rc = stage_append(g, group[i], results[i]);
    if (rc == 0) hw_taken = stage_high_watermarks(g.staged, hw_only);
    for (auto it = g.producers.begin(); it != g.producers.end() && rc == 0; ++it)
      rc = write_producer_state(t.txn, it->first, it->second);
    if (rc == 0 && g.next_producer_id != next_producer_id) {
      std::uint8_t next[8];
      format::put_u64(next, static_cast<std::uint64_t>(g.next_producer_id));
      MDB_val k = to_val(format::meta_next_producer_id), v = to_val(next, 8);
      rc = mdb_put(t.txn, dbi_meta, &k, &v, 0);
    }
    for (auto it = g.staged.begin(); it != g.staged.end() && rc == 0; ++it) {
      rc = write_partition_state(t.txn, it->first, it->second);
      records += it->second.log_end - partitions.at(it->first).offsets.log_end;
    }
    if (rc == 0) rc = g.staged.empty() ? 0 : t.commit();  // nothing staged: abort, no empty commit
  }
  std::error_code failure = map_write_error(rc, g.added_bytes);
  for (auto& r : results) {
    if (failure && !r.error) r.error = failure;
    if (r.error) {
      r.base_offset = ids::no_offset;
      r.duplicate = false;
    }
    r.append_time_ms = g.now_ms;
  }
  std::vector<log_id> touched;
  if (failure) remark_high_watermarks(hw_taken);
  if (!failure && !g.staged.empty()) {
    for (auto& [key, state] : g.producers) producers[key] = std::move(state);
    next_producer_id = g.next_producer_id;
    publish(g.staged);
    for (const auto& [log, st] : g.staged)
      if (!hw_only.count(log)) touched.push_back(log);
    std::sort(touched.begin(), touched.end());
    unsynced_commits = true;
    records_since_sync += records;
  }
  std::function<void(const std::vector<log_id>&)> listener;
  {
    std::lock_guard lock(queue_mutex);
    listener = commit_listener;
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (group[i].done) group[i].done(results[i]);
  }
  if (listener && !touched.empty()) listener(touched);
}

int log_store::impl::stage_append(group_txn& g, const append_request& r, append_result& result) {
  auto entry = partitions.find(r.log);
  if (entry == partitions.end()) {
    result.error = unknown_log_error(r.log);
    return 0;
  }
  auto st_it = g.staged.find(r.log);
  const partition_state& now = st_it != g.staged.end() ? st_it->second : entry->second.offsets;
  if (auto ec = r.replica ? check_replica_request(r, now) : check_request(r, now)) {
    result.error = ec;
    return 0;
  }
  std::vector<std::pair<producer_key, producer_state>> producer_updates;
  if (r.replica) {
    replica_producers(r, g, producer_updates);
  } else {
    std::int64_t duplicate_offset = -1;
    if (auto ec = check_producers(r, now.log_end, g.producers, producer_updates, duplicate_offset,
                                  g.next_producer_id)) {
      result.error = ec;
      return 0;
    }
    if (duplicate_offset >= 0) {
      // A retry of committed batches: answer with the original offset, write nothing.
      result.duplicate = true;
      result.base_offset = ids::offset{duplicate_offset};
      result.log_start = ids::offset{now.log_start};
      return 0;
    }
  }
  partition_state& st = g.staged.try_emplace(r.log, entry->second.offsets).first->second;
  const topic_entry& topic = *entry->second.topic;
  std::uint64_t bytes = 0;
  for (auto batch : r.batches) bytes += batch.size();
  bool refused = false;
  if (int rc = make_room(g.txn, r.log, topic, bytes, g.staged_bytes, st, refused)) return rc;
  if (refused) {
    result.error = storage_errc::budget_exceeded;
    return 0;
  }
  if (!map_has_room(g.added_bytes + bytes, g.map_free_bytes)) {
    result.error = storage_errc::map_full;
    return 0;
  }
  g.added_bytes += bytes;
  result.base_offset = ids::offset{st.log_end};
  if (r.leader_epoch >= ids::leader_epoch{0}) {
    if (int rc = put_epoch(g.txn, r.log, r.leader_epoch.value(), st.log_end, st)) return rc;
  }
  for (std::size_t i = 0; i < r.batches.size(); ++i) {
    if (r.replica) {
      record_batch::batch_header h;
      [[maybe_unused]] auto ec = record_batch::parse_header(r.batches[i], h);
      TERN_ASSERT(!ec);
      if (i == 0) result.base_offset = ids::offset{h.base_offset};
      if (int rc = put_epoch(g.txn, r.log, h.partition_leader_epoch, h.base_offset, st)) return rc;
    }
    if (int rc = put_batch(g.txn, r.log, r.batches[i], topic.settings, g.now_ms, st,
                           r.leader_epoch.value(), r.replica))
      return rc;
  }
  g.staged_bytes += bytes;
  result.log_start = ids::offset{st.log_start};
  for (auto& [key, state] : producer_updates) g.producers[key] = std::move(state);
  return 0;
}

// Checks a request against the partition's end before anything is written for it: the batches
// must be whole v2 batches (the Kafka layer validated their CRC) and their offsets must fit.
std::error_code log_store::impl::check_request(const append_request& r,
                                               const partition_state& st) const {
  if (r.batches.empty() || r.leader_epoch < ids::no_leader_epoch)
    return storage_errc::invalid_argument;
  std::int64_t end = st.log_end;
  for (auto batch : r.batches) {
    record_batch::batch_header h;
    if (record_batch::parse_header(batch, h) || h.total_size() != batch.size() ||
        batch.size() > batch_size_bytes_max)
      return storage_errc::invalid_argument;
    if (end > INT64_MAX - 1 - h.last_offset_delta) return storage_errc::invalid_argument;
    end += std::int64_t{h.last_offset_delta} + 1;
  }
  // A deposed leader (its epoch older than one a newer leader already wrote) must not write.
  if (r.leader_epoch >= ids::leader_epoch{0} && r.leader_epoch.value() < st.last_epoch)
    return storage_errc::fenced_leader_epoch;
  return {};
}

// A replica request carries the leader's offsets and epochs: they must continue this log.
std::error_code log_store::impl::check_replica_request(const append_request& r,
                                                       const partition_state& st) const {
  if (r.batches.empty() || r.leader_epoch != ids::no_leader_epoch)
    return storage_errc::invalid_argument;
  std::int64_t end = st.log_end;
  std::int32_t epoch = st.last_epoch;
  bool mismatch = false, fenced = false;
  for (auto batch : r.batches) {
    record_batch::batch_header h;
    if (record_batch::parse_header(batch, h) || h.total_size() != batch.size() ||
        batch.size() > batch_size_bytes_max || h.base_offset < 0 ||
        h.partition_leader_epoch < -1 ||
        h.base_offset > INT64_MAX - 1 - h.last_offset_delta)
      return storage_errc::invalid_argument;
    if (r.allow_offset_gaps ? h.base_offset < end : h.base_offset != end) mismatch = true;
    if (h.partition_leader_epoch >= 0 && h.partition_leader_epoch < epoch) fenced = true;
    epoch = std::max(epoch, h.partition_leader_epoch);
    end = h.base_offset + h.last_offset_delta + 1;
  }
  if (mismatch) return storage_errc::offset_mismatch;
  if (fenced) return storage_errc::fenced_leader_epoch;
  return {};
}

// Stores one batch at the partition's end: LMDB reserves the space, we copy the bytes once and
// rewrite baseOffset in place (outside the CRC). Returns an LMDB/errno code.
int log_store::impl::put_batch(MDB_txn* txn, log_id log, bytes_view batch,
                               const topic_settings& settings, std::int64_t now_ms,
                               partition_state& st, std::int32_t leader_epoch, bool keep_offsets) {
  record_batch::batch_header h;
  [[maybe_unused]] auto ec = record_batch::parse_header(batch, h);
  TERN_ASSERT(!ec && h.total_size() == batch.size());
  if (keep_offsets) {
    // A replica batch lands at the leader's offset (a gap only when allow_offset_gaps).
    TERN_ASSERT(h.base_offset >= st.log_end);
    st.log_end = h.base_offset;
  }
  // The active tail (Kafka's active segment) rolls over at the append that finds it full or
  // old; compaction only ever rewrites what lies before segment_base.
  bool roll = st.segment_bytes > 0 &&
              (st.segment_bytes + batch.size() > static_cast<std::uint64_t>(settings.segment_bytes) ||
               now_ms - st.segment_start_ms >= settings.segment_ms);
  if (roll || st.segment_start_ms < 0) {
    st.segment_base = st.log_end;
    st.segment_bytes = 0;
    st.segment_start_ms = now_ms;
  }
  st.segment_bytes += batch.size();
  auto key = format::log_key(log, st.log_end);
  MDB_val value{batch.size(), nullptr};
  if (int rc = put_in_order(txn, dbs_of(log).batches, to_val(key), value, MDB_RESERVE)) return rc;
  TERN_ASSERT(value.mv_size == batch.size());
  std::memcpy(value.mv_data, batch.data(), batch.size());
  std::span<std::uint8_t> stored{static_cast<std::uint8_t*>(value.mv_data), batch.size()};
  record_batch::set_base_offset(stored, st.log_end);
  if (leader_epoch >= 0) record_batch::set_partition_leader_epoch(stored, leader_epoch);
  // index_ts holds one entry per new running maximum, so its keys rise with the offsets and a
  // range search finds the first batch that can hold a given timestamp.
  if (h.max_timestamp > st.max_timestamp) {
    auto ts = format::ts_key(log, h.max_timestamp);
    std::uint8_t base[8];
    format::put_u64(base, static_cast<std::uint64_t>(st.log_end));
    MDB_val base_val = to_val(base, 8);
    if (int rc = put_in_order(txn, dbs_of(log).index, to_val(ts), base_val, 0)) return rc;
    st.max_timestamp = h.max_timestamp;
  }
  st.log_end += std::int64_t{h.last_offset_delta} + 1;
  st.size_bytes += batch.size();
  return 0;
}

int log_store::impl::put_epoch(MDB_txn* txn, log_id log, std::int32_t epoch, std::int64_t start,
                               partition_state& st) {
  if (epoch < 0 || epoch <= st.last_epoch) return 0;
  auto key = format::log_key(log, epoch);
  std::uint8_t value[format::epoch_value_size];
  format::put_u64(value, static_cast<std::uint64_t>(start));
  MDB_val v = to_val(value, sizeof value);
  if (int rc = put_in_order(txn, dbi_epochs, to_val(key), v, 0)) return rc;
  st.last_epoch = epoch;
  return 0;
}

int log_store::impl::make_room(MDB_txn* txn, log_id log, const topic_entry& topic,
                               std::uint64_t bytes, std::uint64_t& staged_bytes,
                               partition_state& st, bool& refused) {
  refused = false;
  if (options.max_bytes < 0) return 0;
  auto budget = static_cast<std::uint64_t>(options.max_bytes);
  // Near the budget, retention gets its chance first (at most one pass a second).
  auto now = options.time.monotonic_now();
  if (staged_bytes + bytes > budget / 10 * 9 && retention_runs.empty() &&
      now - budget_retention_at >= std::chrono::seconds(1)) {
    retention_runs.push_back(retention_run{options.time.wall_ms(), log_id{0}, 0, {}});
    budget_retention_at = now;
  }
  if (staged_bytes + bytes <= budget) return 0;
  const std::string& name = topic.info.name;
  if (topic.settings.when_full == full_policy::reject || bytes > budget) {
    refused = true;
    ++stat_budget_rejections;
    warn(name, "store at its byte budget log.dirs.max.bytes=" + std::to_string(budget) + " (" +
                   std::to_string(staged_bytes) + " bytes stored): appends to topic '" + name +
                   "' refused (full.policy=reject)");
    return 0;
  }
  // drop-oldest: whole batches from this partition's front, as retention would delete them.
  std::uint64_t need = staged_bytes + bytes - budget;
  if (st.size_bytes < need) {
    // Dropping all of this partition would not make room (other topics fill the store).
    refused = true;
    ++stat_budget_rejections;
    warn(name, "store at its byte budget log.dirs.max.bytes=" + std::to_string(budget) +
                   ": partition of topic '" + name +
                   "' (full.policy=drop-oldest) holds too little to make room; append refused");
    return 0;
  }
  std::uint64_t freed = 0, batches = 0;
  partition_state trial = st;
  // Never drop what is not committed; retention holds are passed here, but counted and named.
  const std::int64_t limit = replication_limit(log, st);
  const std::int64_t held_from = hold_floor(log);
  std::uint64_t held_records = 0;
  cursor_guard c;
  if (int rc = mdb_cursor_open(txn, dbs_of(log).batches, &c.cursor)) return rc;
  while (freed < need && trial.log_start < trial.log_end) {
    auto key = format::log_key(log, trial.log_start);
    MDB_val k = to_val(key), v{};
    int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    log_id found{0};
    std::uint64_t base = 0;
    if (rc == MDB_NOTFOUND || (rc == 0 && (!format::split_key(to_span(k), found, base) || found != log))) {
      trial.log_start = trial.log_end;
      break;
    }
    if (rc != 0) return rc;
    record_batch::batch_header h;
    if (record_batch::parse_header(to_span(v), h)) break;  // damaged: keep it, stop here
    if (format::offset_of(base) + h.last_offset_delta >= limit) break;
    std::uint64_t size = v.mv_size;
    if ((rc = mdb_cursor_del(c.cursor, 0))) return rc;
    freed += size;
    ++batches;
    std::int64_t last = format::offset_of(base) + h.last_offset_delta;
    if (last >= held_from)
      held_records += static_cast<std::uint64_t>(last - std::max(held_from, format::offset_of(base)) + 1);
    trial.size_bytes -= std::min<std::uint64_t>(trial.size_bytes, size);
    trial.log_start = std::min(trial.log_end, format::offset_of(base) + h.last_offset_delta + 1);
  }
  // A damaged batch stops the loop short: the append is refused, what was dropped stays dropped.
  if (freed < need) {
    refused = true;
    ++stat_budget_rejections;
  }
  if (batches > 0) {
    std::size_t index_budget = SIZE_MAX;
    if (int rc = trim_index(txn, log, trial.log_start, index_budget)) return rc;
    stat_dropped_batches += batches;
    stat_dropped_bytes += freed;
    stat_dropped_held_records += held_records;
    // The count of held records lost goes in the same line: warn() is rate-limited per topic.
    warn(name, "store at its byte budget log.dirs.max.bytes=" + std::to_string(budget) +
                   ": dropped the " + std::to_string(batches) + " oldest batches (" +
                   std::to_string(freed) + " bytes) of topic '" + name +
                   "' (full.policy=drop-oldest); log start is now " +
                   std::to_string(trial.log_start) +
                   (held_records == 0 ? std::string{}
                                      : "; " + std::to_string(held_records) +
                                            " of those records were not forwarded yet (lost for "
                                            "the upstream)"));
  }
  staged_bytes -= std::min(staged_bytes, freed);
  st = trial;
  return 0;
}

// LMDB needs free pages even to delete (copy-on-write of the B-tree path), so a map filled to
// the last page could not shrink again: appends stop while map_reserve_bytes remain, which keeps
// retention, purges and deletions working. The high-water mark of the file (me_last_pgno) is
// cheap to read; only near the top are the free list's pages counted, once per group.
bool log_store::impl::map_has_room(std::uint64_t bytes,
                                   std::optional<std::uint64_t>& free_bytes) {
  MDB_envinfo info{};
  if (mdb_env_info(env, &info) != 0) return true;  // cannot tell: LMDB itself will say
  const std::uint64_t map = info.me_mapsize;
  const std::uint64_t reserve = std::max<std::uint64_t>(map / 32, 64 * page_size_bytes);
  // Values above a page go to overflow pages; small ones share leaf pages that may be half
  // empty: count them double.
  const std::uint64_t need = bytes * 2 + reserve;
  std::uint64_t top = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * page_size_bytes;
  if (top + need <= map) return true;
  if (!free_bytes) {
    // LMDB lets only read-only transactions open the free list (MDB_NOTLS allows this one
    // beside the writer's own write transaction); it sees the last commit's free pages.
    std::uint64_t pages = 0;
    txn_guard r;
    cursor_guard c;
    if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &r.txn) == 0 &&
        mdb_cursor_open(r.txn, 0 /* FREE_DBI */, &c.cursor) == 0) {
      MDB_val k{}, v{};
      for (int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_FIRST); rc == 0;
           rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
        // Each free list record is a page number array whose first element is its length.
        if (v.mv_size >= sizeof(std::size_t)) pages += *static_cast<const std::size_t*>(v.mv_data);
      }
    }
    free_bytes = pages * page_size_bytes;
  }
  return top - std::min(top, *free_bytes) + need <= map;
}

// LMDB reports a short write (a file system that filled up mid-write, as tmpfs does) as EIO, not
// ENOSPC. A failed write while the file system has less room than the write needed (plus a
// margin for LMDB's own pages) is a full disk: producers get the same clean error and retry.
std::error_code log_store::impl::map_write_error(int rc, std::uint64_t bytes) const {
  std::error_code ec = map_mdb_error(rc);
  if (ec != storage_errc::io_error || sync_failed) return ec;
  struct statvfs fs {};
  if (statvfs(options.dir.c_str(), &fs) != 0) return ec;
  std::uint64_t available = std::uint64_t{fs.f_bavail} * fs.f_frsize;
  return available < bytes * 2 + (1u << 20) ? make_error_code(storage_errc::disk_full) : ec;
}

// Rate-limited (per topic, every 10 s) report to the operator.
void log_store::impl::warn(std::string_view topic, const std::string& message) {
  if (!options.log_warning) return;
  auto now = options.time.monotonic_now();
  auto it = budget_warned_at.find(topic);
  if (it != budget_warned_at.end() && now - it->second < std::chrono::seconds(10)) return;
  budget_warned_at[std::string(topic)] = now;
  options.log_warning(message);
}

int log_store::impl::write_partition_state(MDB_txn* txn, log_id log, const partition_state& st) {
  TERN_ASSERT(st.log_start >= 0 && st.log_start <= st.log_end);
  auto key = format::log_id_key(log);
  auto value = format::encode_partition(st);
  MDB_val k = to_val(key), v = to_val(value);
  return mdb_put(txn, dbi_partitions, &k, &v, 0);
}

// Makes committed offsets visible to other threads. Called only after the commit succeeded.
void log_store::impl::publish(const std::unordered_map<log_id, partition_state>& staged) {
  std::vector<std::pair<log_id, bool>> ends;  // (log, its end went down)
  {
    std::lock_guard lock(state_mutex);
    for (const auto& [log, st] : staged) {
      auto it = partitions.find(log);
      TERN_ASSERT(it != partitions.end());  // topics change only between groups, never inside one
      if (it == partitions.end()) continue;
      stored_bytes = stored_bytes - std::min(stored_bytes, it->second.offsets.size_bytes) + st.size_bytes;
      if (st.log_end != it->second.offsets.log_end)
        ends.emplace_back(log, st.log_end < it->second.offsets.log_end);
      it->second.offsets = st;
    }
    stat_stored_bytes = stored_bytes;
  }
  if (syncer) note_written(staged, ends);
}

// The sync thread takes written_ends before it syncs: publish() runs after mdb_txn_commit
// returned, so every end it notes here is covered by the next sync that takes it.
void log_store::impl::note_written(const std::unordered_map<log_id, partition_state>& staged,
                                   const std::vector<std::pair<log_id, bool>>& ends) {
  std::lock_guard lock(durable_mutex);
  for (const auto& [log, shrunk] : ends) {
    std::int64_t end = staged.at(log).log_end;
    written_ends[log] = end;
    if (!shrunk) continue;
    // Offsets at and above the new end may be rewritten: they are durable again only after a
    // sync that began after this.
    shrunk_since_sync.insert(log);
    auto d = durable_ends.find(log);
    if (d != durable_ends.end()) d->second = std::min(d->second, end);
  }
}

// Durability without a sync in the writer's way.
//
// Without sync_every_commit the environment runs MDB_NOSYNC: mdb_txn_commit writes the dirty pages
// and then the meta page with pwrite and returns; nothing reaches the disk until the kernel
// writes it back or someone calls fdatasync. The writer used to call mdb_env_sync itself every
// sync_interval_ms, and for the fsync's duration (4-12 ms here, tens of ms on an SD card) no
// group could commit: every producer waited (issue 13). Now a sync thread does it.
//
// Why that is sound with LMDB 0.9: mdb_env_sync(env, 1) is nothing but fdatasync() of the data
// file descriptor (mdb.c, the non-WRITEMAP branch); it takes no lock and touches no transaction,
// and lmdb.h restricts transactions to their thread, not the environment's descriptor. We call
// fdatasync on the descriptor from mdb_env_get_fd ourselves, so the sync thread never even reads
// the MDB_env (whose flags the writer may change on a failed meta write). fdatasync writes every
// page that was written before it began, whichever thread wrote it: a commit that returned before
// a sync began is on disk once that sync returns 0. A commit running concurrently may or may not
// be; it is covered by the next sync.
//
// What a power cut can do is unchanged by the move (the writes and the fdatasync calls are the
// same, only the thread differs): the commits since the last completed sync can be lost, and
// because LMDB writes the meta page of an unsynced commit before its data pages are on disk,
// with nothing that orders them, the disk can end up with a meta page that points at pages
// that never arrived (or at pages a later commit already reused): LMDB promises integrity under
// MDB_NOSYNC only "if the filesystem preserves write order", which ext4/xfs do not for data
// writes, and a device's write cache reorders too. The flags that would keep the environment
// intact are the ones that sync in the commit (MDB_NOMETASYNC: one fdatasync before the meta
// write; the default: that plus an O_DSYNC meta write), and that fsync is exactly the latency
// this thread takes off the writer, for every commit instead of once a second. So the default
// keeps MDB_NOSYNC and says so (README "Durability"); sync_every_commit (flush.messages=1) is the
// setting that survives a power cut intact. MDB_WRITEMAP stays off (it would let a stray write
// corrupt the map and gives LMDB no better ordering).
//
// A failed fdatasync poisons the store (sync_failed): every later write fails with io_error,
// and no sync runs again (a retried fsync can succeed after the kernel dropped the failed pages).
void log_store::impl::start_sync_thread() {
  if (options.sync_every_commit) return;
  mdb_filehandle_t fd = -1;
  if (mdb_env_get_fd(env, &fd) != 0) fd = -1;
  data_fd = fd;
  {
    // Whatever open() found may be in the page cache only (a process killed before its sync):
    // the first sync, at once, makes it durable too.
    std::lock_guard lock(state_mutex);
    std::lock_guard durable(durable_mutex);
    for (const auto& [log, e] : partitions) written_ends[log] = e.offsets.log_end;
  }
  syncer = std::make_unique<sync_thread>([this] { return sync_data_file(); },
                                         std::chrono::milliseconds(options.sync_interval_ms),
                                         options.time);
  syncer->note_commits();
  syncer->sync_soon();
}

int log_store::impl::sync_data_file() {
  std::unordered_map<log_id, std::int64_t> taken;
  {
    std::lock_guard lock(durable_mutex);
    taken.swap(written_ends);
    shrunk_since_sync.clear();
  }
  int rc = 0;
  if (options.data_sync) {
    rc = options.data_sync(data_fd);
  } else if (data_fd < 0) {
    rc = EBADF;
  } else {
    while ((rc = fdatasync(data_fd) == 0 ? 0 : errno) == EINTR) {
    }
  }
  if (rc != 0) {
    // Before anything else learns of this sync: from now on the writer refuses to write.
    sync_failed = true;
    return rc;
  }
  std::lock_guard lock(durable_mutex);
  for (const auto& [log, end] : taken) {
    if (!shrunk_since_sync.count(log)) durable_ends[log] = end;
  }
  return 0;
}

// Runs on the writer after each round: it never waits for a sync, it only says one is due.
void log_store::impl::maybe_sync(bool force) {
  if (!syncer) return;
  if (unsynced_commits) syncer->note_commits();
  unsynced_commits = false;
  if (options.sync_every_records > 0 && records_since_sync >= options.sync_every_records) {
    syncer->sync_soon();
    records_since_sync = 0;
  }
  // Closing: every commit is done, the last sync covers them, then the thread goes before the
  // environment does (~impl closes it after joining the writer).
  if (force) syncer->stop();
}

std::optional<ids::offset> log_store::durable_log_end(log_id log) const {
  auto now = offsets(log);
  if (!now) return std::nullopt;
  if (_impl->options.sync_every_commit) return now->log_end;
  std::lock_guard lock(_impl->durable_mutex);
  auto it = _impl->durable_ends.find(log);
  ids::offset durable{it == _impl->durable_ends.end() ? 0 : it->second};
  return std::min(durable, now->log_end);
}

}  // namespace tern::storage
