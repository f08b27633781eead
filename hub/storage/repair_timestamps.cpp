// Upgrade repair of batch timestamps (issue 15; called by init_and_load, which checks the marker): before the hub recomputed each batch's
// maxTimestamp on Produce, it stored what the producer sent, and a producer may send -1 (legal:
// Kafka recomputes it). Such a batch never expired by time, was invisible to ListOffsets by
// timestamp and had no time index entry. This pass, run once at open on a data dir that lacks
// the meta marker, recomputes maxTimestamp from the records of every batch whose header cannot be
// right (maxTimestamp below baseTimestamp, the first record's time: the maximum is never below
// it), rewrites the header and its CRC, then rebuilds the time index of each repaired log and
// sends its compaction cleaner back to the start (the cleaner's tombstone index is keyed by
// batch timestamps too).
//
// No schema bump: a repaired batch is an ordinary valid batch, so older Terns read the result;
// they ignore the marker. Crash safety: each transaction rewrites a bounded run of batches; a
// crash before the marker's commit repeats the scan, which finds the repaired batches correct and
// the index rebuild idempotent. LogAppendTime batches are left as they are (their maximum is the
// broker's time, not the records'); a batch whose records do not decode is left too (it is
// counted and reported, never dropped).
#include <cstring>

#include "storage/store_impl.h"
#include "tern/common/record_batch.h"

namespace tern::storage {
namespace {

constexpr std::string_view meta_timestamps_checked = "timestamps_checked";  // u32 1
// One transaction rewrites at most this many bytes of batches (LMDB's dirty page limit).
constexpr std::size_t repair_bytes_per_txn_max = 16u << 20;
constexpr std::size_t inflated_batch_max_bytes = 64u << 20;

bool header_impossible(const record_batch::batch_header& h) {
  return !h.log_append_time() && h.record_count > 0 && h.max_timestamp < h.base_timestamp;
}

}  // namespace

int log_store::impl::repair_log_timestamps(log_id log, partition_entry& e, std::uint64_t& repaired,
                                           std::uint64_t& undecodable) {
  const MDB_dbi batches = dbs_of(log).batches;
  bool any = false;
  std::int64_t next = e.offsets.log_start;
  std::vector<std::uint8_t> copy, scratch;
  for (bool finished = false; !finished;) {
    txn_guard t;
    if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return rc;
    {
      cursor_guard c;
      if (int rc = mdb_cursor_open(t.txn, batches, &c.cursor)) return rc;
      auto first = format::log_key(log, next);
      MDB_val k = to_val(first), v{};
      std::size_t rewritten = 0;
      int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
      for (; rc == 0 && rewritten < repair_bytes_per_txn_max;
           rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
        log_id found{0};
        std::uint64_t base = 0;
        if (!format::split_key(to_span(k), found, base) || found != log) break;
        next = static_cast<std::int64_t>(base) + 1;
        record_batch::batch_header h;
        if (record_batch::parse_header(to_span(v), h) || !header_impossible(h)) continue;
        // A copy: the put below may spill dirty pages and free the page v points into.
        copy.assign(static_cast<const std::uint8_t*>(v.mv_data),
                    static_cast<const std::uint8_t*>(v.mv_data) + v.mv_size);
        record_batch::timestamp_range range;
        if (record_batch::record_timestamps(copy, h, scratch, inflated_batch_max_bytes, range)) {
          ++undecodable;
          continue;
        }
        record_batch::set_max_timestamp(copy, range.max, false);
        MDB_val nv = to_val(copy);
        if ((rc = mdb_cursor_put(c.cursor, &k, &nv, MDB_CURRENT))) return rc;
        rewritten += copy.size();
        ++repaired;
        any = true;
      }
      if (rc != 0 && rc != MDB_NOTFOUND) return rc;
      finished = rc == MDB_NOTFOUND || rewritten < repair_bytes_per_txn_max;
    }
    if (int rc = t.commit()) return rc;
  }
  if (!any) return 0;

  // The time index again, as put_batch builds it: one entry per new running maximum.
  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return rc;
  const MDB_dbi index = dbs_of(log).index;
  if (int rc = mdb_drop(t.txn, index, 0)) return rc;
  std::int64_t running = -1;
  {
    cursor_guard c;
    if (int rc = mdb_cursor_open(t.txn, batches, &c.cursor)) return rc;
    auto first = format::log_key(log, 0);
    MDB_val k = to_val(first), v{};
    int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == 0; rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
      log_id found{0};
      std::uint64_t base = 0;
      if (!format::split_key(to_span(k), found, base) || found != log) break;
      record_batch::batch_header h;
      if (record_batch::parse_header(to_span(v), h) || h.max_timestamp <= running) continue;
      auto ts = format::ts_key(log, h.max_timestamp);
      std::uint8_t offset[8];
      format::put_u64(offset, base);
      MDB_val tk = to_val(ts), tv = to_val(offset, 8);
      if ((rc = mdb_put(t.txn, index, &tk, &tv, MDB_APPEND))) return rc;
      running = h.max_timestamp;
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  }
  partition_state st = e.offsets;
  st.max_timestamp = running;
  if (int rc = write_partition_state(t.txn, log, st)) return rc;
  if (int rc = lower_clean_end(t.txn, log, st.log_start)) return rc;
  if (int rc = t.commit()) return rc;
  e.offsets = st;
  return 0;
}

std::error_code log_store::impl::timestamps_marker(MDB_txn* txn, bool& present) {
  MDB_val k = to_val(meta_timestamps_checked), v{};
  int rc = mdb_get(txn, dbi_meta, &k, &v);
  present = rc == 0;
  return rc == MDB_NOTFOUND ? std::error_code{} : map_mdb_error(rc);
}

std::error_code log_store::impl::put_timestamps_marker(MDB_txn* txn) {
  std::uint8_t one[4];
  format::put_u32(one, 1);
  MDB_val k = to_val(meta_timestamps_checked), v = to_val(one, 4);
  return map_mdb_error(mdb_put(txn, dbi_meta, &k, &v, 0));
}

std::error_code log_store::impl::repair_batch_timestamps() {
  std::uint64_t repaired = 0, undecodable = 0;
  std::size_t logs = 0;
  for (auto& [log, e] : partitions) {
    const std::uint64_t before = repaired;
    if (int rc = repair_log_timestamps(log, e, repaired, undecodable)) return map_mdb_error(rc);
    if (repaired != before) ++logs;
  }
  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
  if (auto ec = put_timestamps_marker(t.txn)) return ec;
  if (int rc = t.commit()) return map_mdb_error(rc);
  if ((repaired || undecodable) && options.log_warning) {
    options.log_warning("store upgrade: recomputed maxTimestamp of " + std::to_string(repaired) +
                        " batches in " + std::to_string(logs) +
                        " partitions (written by producers that left it unset); " +
                        std::to_string(undecodable) + " batches could not be decoded and keep theirs");
  }
  return {};
}

}  // namespace tern::storage
