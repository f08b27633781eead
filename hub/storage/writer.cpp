// The writer thread: drains the queue, group-commits appends, runs admin tasks, and between
// queue drains does background work (retention and purge slices, periodic sync).
#include <cassert>
#include <climits>
#include <cstring>

#include "storage/store_impl.h"
#include "tern/common/record_batch.h"

namespace tern::storage {
namespace {

using steady = std::chrono::steady_clock;

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
  for (;;) {
    std::vector<queue_item> items;
    bool stop = false;
    {
      std::unique_lock lock(queue_mutex);
      if (queue.empty() && !stopping && !background_pending()) {
        queue_cv.wait_until(lock, next_wakeup(), [this] { return !queue.empty() || stopping; });
      }
      items.swap(queue);
      stop = stopping;
    }
    // Everything queued before `stopping` was seen is in `items`: append() refuses afterwards.
    process_items(items);
    if (stop) break;
    auto now = steady::now();
    if (options.retention_check_interval_ms > 0 && now >= next_retention_at) {
      if (retention_runs.empty())
        retention_runs.push_back(retention_run{wall_clock_ms(), 0, 0, {}});
      next_retention_at = now + std::chrono::milliseconds(options.retention_check_interval_ms);
    }
    // One bounded slice of each kind per round, so queued appends wait at most one slice.
    retention_step();
    purge_step();
    maybe_sync(false);
  }
  // Closing: unfinished retention passes report what they did; purges resume on the next open.
  for (auto& run : retention_runs) {
    for (auto& w : run.waiters) w.set_value(run.deleted);
  }
  retention_runs.clear();
  maybe_sync(true);
}

std::chrono::steady_clock::time_point log_store::impl::next_wakeup() const {
  auto wake = steady::now() + std::chrono::hours(1);
  if (options.retention_check_interval_ms > 0) wake = std::min(wake, next_retention_at);
  if (!purges.empty()) wake = std::min(wake, purge_retry_at);
  if (unsynced_commits && !options.sync_every_commit)
    wake = std::min(wake, last_sync_at + std::chrono::milliseconds(options.sync_interval_ms));
  return wake;
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
// failure aborts the transaction and fails every request that had not already failed.
void log_store::impl::commit_group(std::vector<append_request>& group) {
  assert(!group.empty() && group.size() <= group_requests_max);
  std::vector<append_result> results(group.size());
  std::unordered_map<log_id, partition_offsets> staged;
  std::map<producer_key, producer_state> staged_producers;
  std::int64_t records = 0;
  int rc = sync_failed ? EIO : 0;
  if (rc == 0) {
    txn_guard t;
    rc = mdb_txn_begin(env, nullptr, 0, &t.txn);
    for (std::size_t i = 0; i < group.size() && rc == 0; ++i) {
      const append_request& r = group[i];
      auto entry = partitions.find(r.log);
      if (entry == partitions.end()) {
        results[i].error = unknown_log_error(r.log);
        continue;
      }
      auto st_it = staged.find(r.log);
      std::int64_t log_end =
          st_it != staged.end() ? st_it->second.log_end : entry->second.offsets.log_end;
      if (auto ec = check_request(r, log_end)) {
        results[i].error = ec;
        continue;
      }
      std::vector<std::pair<producer_key, producer_state>> producer_updates;
      std::int64_t duplicate_offset = -1;
      if (auto ec = check_producers(r, log_end, staged_producers, producer_updates, duplicate_offset)) {
        results[i].error = ec;
        continue;
      }
      if (duplicate_offset >= 0) {
        // A retry of committed batches: answer with the original offset, write nothing.
        results[i].duplicate = true;
        results[i].base_offset = duplicate_offset;
        auto st_now = staged.find(r.log);
        results[i].log_start = st_now != staged.end() ? st_now->second.log_start : entry->second.offsets.log_start;
        continue;
      }
      partition_offsets& st = staged.try_emplace(r.log, entry->second.offsets).first->second;
      results[i].base_offset = st.log_end;
      for (auto batch : r.batches) {
        if ((rc = put_batch(t.txn, r.log, batch, st))) break;
      }
      results[i].log_start = st.log_start;
      for (auto& [key, state] : producer_updates) staged_producers[key] = std::move(state);
    }
    for (auto it = staged_producers.begin(); it != staged_producers.end() && rc == 0; ++it)
      rc = write_producer_state(t.txn, it->first, it->second);
    for (auto it = staged.begin(); it != staged.end() && rc == 0; ++it) {
      rc = write_partition_state(t.txn, it->first, it->second);
      records += it->second.log_end - partitions.at(it->first).offsets.log_end;
    }
    if (rc == 0) rc = staged.empty() ? 0 : t.commit();  // nothing staged: abort, no empty commit
  }
  std::error_code failure = map_mdb_error(rc);
  std::int64_t now_ms = wall_clock_ms();
  for (auto& r : results) {
    if (failure && !r.error) r.error = failure;
    if (r.error) {
      r.base_offset = -1;
      r.duplicate = false;
    }
    r.append_time_ms = now_ms;
  }
  std::vector<log_id> touched;
  if (!failure && !staged.empty()) {
    for (auto& [key, state] : staged_producers) producers[key] = std::move(state);
    publish(staged);
    for (const auto& [log, st] : staged) touched.push_back(log);
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

// Checks a request against the partition's end before anything is written for it: the batches
// must be whole v2 batches (the Kafka layer validated their CRC) and their offsets must fit.
std::error_code log_store::impl::check_request(const append_request& r,
                                               std::int64_t log_end) const {
  if (r.batches.empty()) return storage_errc::invalid_argument;
  std::int64_t end = log_end;
  for (auto batch : r.batches) {
    record_batch::batch_header h;
    if (record_batch::parse_header(batch, h) || h.total_size() != batch.size() ||
        batch.size() > batch_size_bytes_max)
      return storage_errc::invalid_argument;
    if (end > INT64_MAX - 1 - h.last_offset_delta) return storage_errc::invalid_argument;
    end += std::int64_t{h.last_offset_delta} + 1;
  }
  return {};
}

// Stores one batch at the partition's end: LMDB reserves the space, we copy the bytes once and
// rewrite baseOffset in place (outside the CRC). Returns an LMDB/errno code.
int log_store::impl::put_batch(MDB_txn* txn, log_id log, bytes_view batch, partition_offsets& st) {
  record_batch::batch_header h;
  [[maybe_unused]] auto ec = record_batch::parse_header(batch, h);
  assert(!ec && h.total_size() == batch.size());
  auto key = format::log_key(log, st.log_end);
  MDB_val value{batch.size(), nullptr};
  if (int rc = put_in_order(txn, dbi_log, to_val(key), value, MDB_RESERVE)) return rc;
  assert(value.mv_size == batch.size());
  std::memcpy(value.mv_data, batch.data(), batch.size());
  record_batch::set_base_offset({static_cast<std::uint8_t*>(value.mv_data), batch.size()},
                                st.log_end);
  // index_ts holds one entry per new running maximum, so its keys rise with the offsets and a
  // range search finds the first batch that can hold a given timestamp.
  if (h.max_timestamp > st.max_timestamp) {
    auto ts = format::ts_key(log, h.max_timestamp);
    std::uint8_t base[8];
    format::put_u64(base, static_cast<std::uint64_t>(st.log_end));
    MDB_val base_val = to_val(base, 8);
    if (int rc = put_in_order(txn, dbi_index, to_val(ts), base_val, 0)) return rc;
    st.max_timestamp = h.max_timestamp;
  }
  st.log_end += std::int64_t{h.last_offset_delta} + 1;
  st.size_bytes += batch.size();
  return 0;
}

int log_store::impl::write_partition_state(MDB_txn* txn, log_id log, const partition_offsets& st) {
  assert(st.log_start >= 0 && st.log_start <= st.log_end);
  auto key = format::log_id_key(log);
  auto value = format::encode_partition(st);
  MDB_val k = to_val(key), v = to_val(value);
  return mdb_put(txn, dbi_partitions, &k, &v, 0);
}

// Makes committed offsets visible to other threads. Called only after the commit succeeded.
void log_store::impl::publish(const std::unordered_map<log_id, partition_offsets>& staged) {
  std::lock_guard lock(state_mutex);
  for (const auto& [log, st] : staged) {
    auto it = partitions.find(log);
    assert(it != partitions.end());  // topics change only between groups, never inside one
    if (it != partitions.end()) it->second.offsets = st;
  }
}

// With MDB_NOSYNC, commits reach the OS page cache only; this forces them to disk by time or by
// record count. A failed fsync poisons the store (see sync_failed).
void log_store::impl::maybe_sync(bool force) {
  if (options.sync_every_commit || !unsynced_commits) return;
  auto now = steady::now();
  bool due = force || now - last_sync_at >= std::chrono::milliseconds(options.sync_interval_ms) ||
             (options.sync_every_records > 0 && records_since_sync >= options.sync_every_records);
  if (!due) return;
  if (mdb_env_sync(env, 1) != 0) sync_failed = true;
  last_sync_at = now;
  unsynced_commits = false;
  records_since_sync = 0;
}

}  // namespace tern::storage
