// Replication primitives: high watermarks (set from any thread, coalesced into the writer's
// commits), truncate/reset of a partition on the writer thread, and the epoch table reads.
#include "tern/common/check.h"
#include <climits>

#include "storage/store_impl.h"
#include "tern/common/record_batch.h"

namespace tern::storage {
namespace {


MDB_txn* as_txn(void* p) { return static_cast<MDB_txn*>(p); }

// Positions `c` on the last 12-byte key of `log` (log, index_ts with its sign-flipped
// timestamps, epochs), or on an earlier log's key when `log` has none (callers check the log).
int seek_last(MDB_cursor* c, log_id log, MDB_val& k, MDB_val& v) {
  format::key_bytes past{};
  format::put_u32(past.data(), log.value());
  format::put_u64(past.data() + 4, UINT64_MAX);  // the largest key the log can have
  k = to_val(past);
  int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && k.mv_size == past.size() && std::equal(past.begin(), past.end(),
                                                        static_cast<const std::uint8_t*>(k.mv_data)))
    return 0;
  return mdb_cursor_get(c, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
}

// Walks `log`'s keys in `dbi` from the back and deletes them while doomed(second, value) holds,
// at most `budget` of them (budget shrinks by the number deleted). Sets `done` when the walk
// stopped on a kept entry or at the start of the log's range, not for want of budget. Keys are
// collected first and deleted afterwards, so no cursor position after a delete matters.
template <typename Doomed>
int delete_from_back(MDB_txn* txn, MDB_dbi dbi, log_id log, std::size_t& budget, Doomed doomed,
                     bool& done) {
  done = false;
  bool out_of_budget = false;
  std::vector<format::key_bytes> keys;
  {
    cursor_guard c;
    if (int rc = mdb_cursor_open(txn, dbi, &c.cursor)) return rc;
    MDB_val k{}, v{};
    int rc = seek_last(c.cursor, log, k, v);
    for (; rc == 0; rc = mdb_cursor_get(c.cursor, &k, &v, MDB_PREV)) {
      log_id found{0};
      std::uint64_t second = 0;
      if (!format::split_key(to_span(k), found, second) || found != log) break;
      if (keys.size() == budget) {
        out_of_budget = true;
        break;
      }
      if (!doomed(second, to_span(v))) break;
      format::key_bytes kb{};
      std::copy_n(static_cast<const std::uint8_t*>(k.mv_data), format::key_size, kb.begin());
      keys.push_back(kb);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  }
  done = !out_of_budget;
  for (const auto& key : keys) {
    MDB_val k = to_val(key);
    if (int rc = mdb_del(txn, dbi, &k, nullptr)) return rc;
  }
  budget -= keys.size();
  return 0;
}

// The last (highest) entry of `log` in `dbi`: its u64 key part and value. MDB_NOTFOUND if none.
int last_entry(MDB_txn* txn, MDB_dbi dbi, log_id log, std::uint64_t& second, bytes_view& value) {
  cursor_guard c;
  if (int rc = mdb_cursor_open(txn, dbi, &c.cursor)) return rc;
  MDB_val k{}, v{};
  if (int rc = seek_last(c.cursor, log, k, v)) return rc;
  log_id found{0};
  if (!format::split_key(to_span(k), found, second) || found != log) return MDB_NOTFOUND;
  value = to_span(v);
  return 0;
}

}  // namespace

// ---- high watermarks ----

void log_store::set_high_watermark(log_id log, ids::offset requested) {
  auto& s = *_impl;
  std::int64_t high_watermark = requested.value();
  if (high_watermark < 0) return;
  {
    std::lock_guard lock(s.state_mutex);
    auto it = s.partitions.find(log);
    if (it == s.partitions.end()) return;
    high_watermark = std::min(high_watermark, it->second.offsets.log_end);
  }
  bool wake = false;
  {
    std::lock_guard lock(s.hw_mutex);
    auto [it, inserted] = s.hw_latest.try_emplace(log, high_watermark);
    if (!inserted && it->second == high_watermark) return;
    it->second = high_watermark;
    wake = s.hw_dirty.empty();  // the first dirty one schedules a flush; later ones ride along
    s.hw_dirty.insert(log);
  }
  if (wake) {
    std::lock_guard lock(s.queue_mutex);
    s.hw_flush_requested = true;
    s.queue_cv.notify_one();
  }
}

void log_store::impl::report_high_watermark(log_id log, partition_state& st) const {
  std::int64_t latest = st.high_watermark;  // the stored checkpoint, -1 when never set
  {
    std::lock_guard lock(hw_mutex);
    if (auto it = hw_latest.find(log); it != hw_latest.end()) latest = it->second;
  }
  st.high_watermark_set = latest >= 0;
  if (latest >= 0) st.high_watermark = std::clamp(latest, st.log_start, st.log_end);
  else st.high_watermark = st.last_epoch < 0 ? st.log_end : st.log_start;
}

std::int64_t log_store::impl::replication_limit(log_id log, const partition_state& st) const {
  std::int64_t latest = st.high_watermark;
  {
    std::lock_guard lock(hw_mutex);
    if (auto it = hw_latest.find(log); it != hw_latest.end()) latest = it->second;
  }
  return latest < 0 ? INT64_MAX : std::min(latest, st.log_end);
}

std::int64_t log_store::impl::removal_limit(log_id log, const partition_state& st) const {
  return std::min(replication_limit(log, st), hold_floor(log));
}

std::vector<log_id> log_store::impl::stage_high_watermarks(
    std::unordered_map<log_id, partition_state>& staged, std::set<log_id>& hw_only) {
  std::vector<log_id> taken;
  std::vector<std::pair<log_id, std::int64_t>> values;
  {
    std::lock_guard lock(hw_mutex);
    for (log_id log : hw_dirty) {
      taken.push_back(log);
      if (auto it = hw_latest.find(log); it != hw_latest.end()) values.emplace_back(log, it->second);
    }
    hw_dirty.clear();
  }
  for (const auto& [log, hw] : values) {
    auto p = partitions.find(log);
    if (p == partitions.end()) continue;  // deleted since it was set
    auto [it, inserted] = staged.try_emplace(log, p->second.offsets);
    if (inserted) hw_only.insert(log);
    it->second.high_watermark = std::min(hw, it->second.log_end);
  }
  return taken;
}

void log_store::impl::remark_high_watermarks(const std::vector<log_id>& logs) {
  std::lock_guard lock(hw_mutex);
  for (log_id log : logs)
    if (hw_latest.count(log)) hw_dirty.insert(log);
}

std::int64_t log_store::impl::hw_flush_interval_ms() const {
  return options.sync_interval_ms > 0 ? options.sync_interval_ms : 1000;
}

monotonic_instant log_store::impl::hw_flush_due() const {
  {
    std::lock_guard lock(hw_mutex);
    if (hw_dirty.empty()) return monotonic_instant::max();
  }
  return hw_flushed_at + std::chrono::milliseconds(hw_flush_interval_ms());
}

// When no group commit carried them, dirty high watermarks get a transaction of their own, at
// most once per interval: a follower's high watermark moves with every fetch, and one commit
// per fetch would cost more than the data.
void log_store::impl::flush_high_watermarks(bool force) {
  if (sync_failed) return;
  auto now = options.time.monotonic_now();
  if (!force && now < hw_flush_due()) return;
  {
    std::lock_guard lock(hw_mutex);
    if (hw_dirty.empty()) return;
  }
  hw_flushed_at = now;
  txn_guard t;
  if (mdb_txn_begin(env, nullptr, 0, &t.txn) != 0) return;  // stays dirty: next interval
  std::unordered_map<log_id, partition_state> staged;
  std::set<log_id> hw_only;
  auto taken = stage_high_watermarks(staged, hw_only);
  int rc = 0;
  for (auto it = staged.begin(); it != staged.end() && rc == 0; ++it)
    rc = write_partition_state(t.txn, it->first, it->second);
  if (rc == 0 && !staged.empty()) rc = t.commit();
  if (rc != 0) {
    remark_high_watermarks(taken);
    return;
  }
  if (staged.empty()) return;
  publish(staged);
  unsynced_commits = true;
}

// ---- truncate and reset ----

void log_store::impl::queue_task(writer_task task,
                                 const std::function<void(std::error_code)>& on_closed) {
  {
    std::lock_guard lock(queue_mutex);
    if (!stopping) {
      queue.emplace_back(std::move(task));
      queue_cv.notify_one();
      return;
    }
  }
  if (on_closed) on_closed(storage_errc::closed);
}

void log_store::truncate(log_id log, ids::offset offset,
                         std::function<void(std::error_code)> done) {
  auto* p = _impl.get();
  p->queue_task(
      [p, log, offset, done] {
        auto ec = p->do_truncate(log, offset.value(), false);
        if (done) done(ec);
      },
      done);
}

void log_store::reset(log_id log, ids::offset start_offset,
                      std::function<void(std::error_code)> done) {
  auto* p = _impl.get();
  p->queue_task(
      [p, log, start_offset, done] {
        auto ec = p->do_truncate(log, start_offset.value(), true);
        if (done) done(ec);
      },
      done);
}

std::error_code log_store::impl::do_truncate(log_id log, std::int64_t offset, bool reset) {
  TERN_ASSERT(std::this_thread::get_id() == writer_id);
  if (sync_failed) return storage_errc::io_error;
  auto it = partitions.find(log);
  if (it == partitions.end()) return unknown_log_error(log);
  partition_state st = it->second.offsets;
  if (offset < 0 || (!reset && offset > st.log_end)) return storage_errc::invalid_argument;
  bool everything = reset || offset <= st.log_start;
  std::int64_t end = offset;
  if (!everything) {
    if (offset == st.log_end) return {};
    // A mid-batch offset takes its whole batch: the log ends at that batch's base offset.
    txn_guard r;
    if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &r.txn)) return map_mdb_error(rc);
    cursor_guard c;
    if (int rc = mdb_cursor_open(r.txn, dbs_of(log).batches, &c.cursor)) return map_mdb_error(rc);
    auto key = format::log_key(log, offset);
    MDB_val k = to_val(key), v{};
    int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    rc = mdb_cursor_get(c.cursor, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
    log_id found{0};
    std::uint64_t second = 0;
    record_batch::batch_header h;
    if (rc == 0 && format::split_key(to_span(k), found, second) && found == log &&
        !record_batch::parse_header(to_span(v), h) &&
        format::offset_of(second) + h.last_offset_delta >= offset)
      end = format::offset_of(second);
    else if (rc != 0 && rc != MDB_NOTFOUND)
      return map_mdb_error(rc);
    if (end <= st.log_start) everything = true;
  }
  for (bool finished = false; !finished;) {
    if (int rc = truncate_slice(log, end, everything, st, finished)) return map_mdb_error(rc);
  }
  return {};
}

// One transaction: deletes batches from the back, then (once no batch is left to delete) the
// index entries and epoch entries past the new end, then writes the final state. Each commit
// leaves a valid, shorter log whose end is the lowest batch deleted so far.
int log_store::impl::truncate_slice(log_id log, std::int64_t end, bool everything,
                                    partition_state& st, bool& finished) {
  finished = false;
  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return rc;
  std::size_t budget = truncate_deletes_per_txn_max;
  std::uint64_t freed = 0;
  std::int64_t lowest = -1;
  bool batches_done = false, index_done = false, epochs_done = false;
  int rc = delete_from_back(t.txn, dbs_of(log).batches, log, budget, [&](std::uint64_t second, bytes_view v) {
    std::int64_t base = format::offset_of(second);
    if (!everything && base < end) return false;
    freed += v.size();
    lowest = base;
    return true;
  }, batches_done);
  partition_state next = st;
  next.size_bytes -= std::min(next.size_bytes, freed);
  next.segment_bytes -= std::min(next.segment_bytes, freed);
  if (lowest >= 0) next.log_end = std::min(next.log_end, lowest);
  // Index entries point at batches (value: base offset), epoch entries at start offsets.
  auto past_end = [&](std::uint64_t, bytes_view v) {
    return everything || (v.size() == 8 && format::offset_of(format::get_u64(v.data())) >= end);
  };
  if (rc == 0 && batches_done)
    rc = delete_from_back(t.txn, dbs_of(log).index, log, budget, past_end, index_done);
  if (rc == 0 && index_done)
    rc = delete_from_back(t.txn, dbi_epochs, log, budget, past_end, epochs_done);
  std::map<producer_key, std::optional<producer_state>> producer_changes;
  if (rc == 0 && epochs_done) {
    rc = finish_truncate(t.txn, log, end, everything, next);
    if (rc == 0) rc = rebuild_producers(t.txn, log, everything ? -1 : end, producer_changes);
  }
  next.log_start = std::min(next.log_start, next.log_end);
  next.segment_base = std::min(next.segment_base, next.log_end);
  // Offsets from the new end on will be assigned again: they must not count as clean.
  if (rc == 0) rc = lower_clean_end(t.txn, log, std::min(end, next.log_end));
  next.high_watermark = std::min(next.high_watermark, next.log_end);
  if (rc == 0) rc = write_partition_state(t.txn, log, next);
  if (rc == 0) rc = t.commit();
  if (rc != 0) return rc;
  st = next;
  for (auto& [key, state] : producer_changes) {
    if (state) producers[key] = std::move(*state);
    else producers.erase(key);
  }
  publish({{log, st}});
  compacted_at_end.erase(log);
  unsynced_commits = true;
  if (epochs_done) {
    std::lock_guard lock(hw_mutex);
    if (auto it = hw_latest.find(log); it != hw_latest.end())
      it->second = everything ? end : std::min(it->second, st.log_end);
  }
  finished = epochs_done;
  return 0;
}

// The final state of a truncation, read from what the transaction left.
int log_store::impl::finish_truncate(MDB_txn* txn, log_id log, std::int64_t end, bool everything,
                                     partition_state& st) {
  std::int64_t hw = st.high_watermark;
  {
    std::lock_guard lock(hw_mutex);
    if (auto it = hw_latest.find(log); it != hw_latest.end()) hw = it->second;
  }
  if (everything) {
    partition_state fresh;
    fresh.log_start = fresh.log_end = fresh.segment_base = end;
    fresh.high_watermark = hw >= 0 ? end : -1;
    st = fresh;
    return 0;
  }
  st.log_end = end;
  st.high_watermark = hw >= 0 ? std::min(hw, end) : -1;
  // index_ts holds running maxima, so its last remaining entry is the new max timestamp.
  std::uint64_t second = 0;
  bytes_view value;
  int rc = last_entry(txn, dbs_of(log).index, log, second, value);
  if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  st.max_timestamp = rc == 0 ? format::timestamp_of(second) : -1;
  rc = last_entry(txn, dbi_epochs, log, second, value);
  if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  st.last_epoch = rc == 0 && second <= INT32_MAX ? static_cast<std::int32_t>(second) : -1;
  return 0;
}

// ---- epoch table reads ----

std::error_code read_txn::epochs(
    log_id log, std::vector<std::pair<ids::leader_epoch, ids::offset>>& out) const {
  out.clear();
  const auto& s = *_store->_impl;
  partition_state st;
  if (auto ec = state(log, st)) return ec;
  cursor_guard c;
  if (int rc = mdb_cursor_open(as_txn(_txn), s.dbi_epochs, &c.cursor)) return map_mdb_error(rc);
  auto first = format::log_key(log, 0);
  MDB_val k = to_val(first), v{};
  int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    log_id found{0};
    std::uint64_t epoch = 0;
    if (!format::split_key(to_span(k), found, epoch) || found != log) break;
    if (epoch > INT32_MAX || v.mv_size != format::epoch_value_size) return storage_errc::io_error;
    auto start = format::get_u64(static_cast<const std::uint8_t*>(v.mv_data));
    if (start > INT64_MAX) return storage_errc::io_error;
    out.emplace_back(ids::leader_epoch{static_cast<std::int32_t>(epoch)},
                     ids::offset{static_cast<std::int64_t>(start)});
  }
  return rc == 0 || rc == MDB_NOTFOUND ? std::error_code{} : map_mdb_error(rc);
}

// Two cursor steps instead of reading the table: the first entry above the requested epoch,
// and the one before it.
std::error_code read_txn::end_offset_for_epoch(log_id log, ids::leader_epoch requested,
                                               ids::leader_epoch& out_epoch,
                                               ids::offset& out_end_offset) const {
  const std::int32_t epoch = requested.value();
  out_epoch = ids::no_leader_epoch;
  out_end_offset = ids::no_offset;
  const auto& s = *_store->_impl;
  partition_state st;
  if (auto ec = state(log, st)) return ec;
  if (epoch < 0 || st.last_epoch < 0 || epoch > st.last_epoch) return {};
  if (epoch == st.last_epoch) {
    out_epoch = requested;
    out_end_offset = ids::offset{st.log_end};
    return {};
  }
  cursor_guard c;
  if (int rc = mdb_cursor_open(as_txn(_txn), s.dbi_epochs, &c.cursor)) return map_mdb_error(rc);
  auto key = format::log_key(log, std::int64_t{epoch} + 1);
  MDB_val k = to_val(key), v{};
  int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
  log_id found{0};
  std::uint64_t second = 0;
  // last_epoch > epoch says an entry above it exists: a miss means a damaged table.
  if (rc == MDB_NOTFOUND) return storage_errc::io_error;
  if (rc != 0) return map_mdb_error(rc);
  if (!format::split_key(to_span(k), found, second) || found != log ||
      v.mv_size != format::epoch_value_size)
    return storage_errc::io_error;
  std::int64_t higher_start = format::offset_of(format::get_u64(static_cast<const std::uint8_t*>(v.mv_data)));
  out_epoch = requested;  // no entry at or below it: Kafka answers with the requested epoch
  rc = mdb_cursor_get(c.cursor, &k, &v, MDB_PREV);
  if (rc != 0 && rc != MDB_NOTFOUND) return map_mdb_error(rc);
  if (rc == 0 && format::split_key(to_span(k), found, second) && found == log && second <= INT32_MAX)
    out_epoch = ids::leader_epoch{static_cast<std::int32_t>(second)};
  out_end_offset = ids::offset{higher_start};
  return {};
}

}  // namespace tern::storage
