// Read-only snapshots: offsets, zero-copy batch reads, and timestamp lookups.
#include <algorithm>
#include <cassert>
#include <climits>

#include "storage/store_impl.h"
#include "tern/common/record_batch.h"

namespace tern::storage {
namespace {

MDB_txn* as_txn(void* p) { return static_cast<MDB_txn*>(p); }

// The batch the cursor stands on: its log, base offset and header. False when the cursor left
// the log or the entry does not parse (a damaged entry ends a read like the end of the log).
bool current_batch(const MDB_val& k, const MDB_val& v, log_id log, std::int64_t& base,
                   record_batch::batch_header& h) {
  log_id found{0};
  std::uint64_t second = 0;
  if (!format::split_key(to_span(k), found, second) || found != log) return false;
  base = format::offset_of(second);
  return !record_batch::parse_header(to_span(v), h) && h.total_size() == v.mv_size;
}

// Positions the cursor on the batch containing `offset`, or failing that (a gap, which a future
// compaction may leave) on the first batch after it. MDB_NOTFOUND when neither exists.
int seek_batch(MDB_cursor* c, log_id log, std::int64_t offset, MDB_val& k, MDB_val& v) {
  auto key = format::log_key(log, offset);
  k = to_val(key);
  int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
  if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  std::int64_t base = 0;
  record_batch::batch_header h;
  bool after_in_log = rc == 0 && current_batch(k, v, log, base, h);
  if (after_in_log && base == offset) return 0;
  // The batch holding `offset` starts before it: it is the previous key, if that is in this log.
  int prev = mdb_cursor_get(c, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
  if (prev == 0 && current_batch(k, v, log, base, h) && h.last_offset_delta >= offset - base)
    return 0;
  if (prev != 0 && prev != MDB_NOTFOUND) return prev;
  if (!after_in_log) return MDB_NOTFOUND;
  k = to_val(key);
  return mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
}

// The first record of `batch` with timestamp >= ts, as (offset, timestamp). Compressed and
// LogAppendTime batches answer with (base offset, maxTimestamp), as Kafka does without
// decompressing. False when no record qualifies (the header's maxTimestamp overstated them).
bool find_in_batch(bytes_view batch, const record_batch::batch_header& h, std::int64_t ts,
                   std::optional<std::pair<ids::offset, std::int64_t>>& out) {
  if (h.log_append_time()) {
    out.emplace(ids::offset{h.base_offset}, h.max_timestamp);
    return true;
  }
  // Compressed batches are inflated (as Kafka does) so the answer is the record's own offset;
  // the limit only guards against a batch that would inflate absurdly.
  std::vector<record_batch::record> records;
  std::vector<std::uint8_t> scratch;
  if (record_batch::decode_records(batch, records, scratch, std::size_t{64} << 20)) {
    out.emplace(ids::offset{h.base_offset}, h.max_timestamp);  // stored bytes passed the CRC; be lenient
    return true;
  }
  for (const auto& r : records) {
    if (r.timestamp >= ts) {
      out.emplace(ids::offset{r.offset}, r.timestamp);
      return true;
    }
  }
  return false;
}

// The first record of `batch` at an offset >= `from` that carries the largest timestamp among
// those records, as (offset, timestamp); nullopt when no record is at or past `from`. A
// LogAppendTime batch's records all carry its maxTimestamp. A batch that does not decode (its
// stored bytes passed the CRC) answers with its header, as find_in_batch does.
void max_record_from(bytes_view batch, const record_batch::batch_header& h, std::int64_t from,
                     std::optional<std::pair<ids::offset, std::int64_t>>& out) {
  out.reset();
  const std::int64_t last = h.base_offset + h.last_offset_delta;
  if (last < from) return;
  std::vector<record_batch::record> records;
  std::vector<std::uint8_t> scratch;
  if (h.log_append_time() ||
      record_batch::decode_records(batch, records, scratch, std::size_t{64} << 20)) {
    out.emplace(ids::offset{std::max(h.base_offset, from)}, h.max_timestamp);
    return;
  }
  for (const auto& r : records)
    if (r.offset >= from && (!out || r.timestamp > out->second))
      out.emplace(ids::offset{r.offset}, r.timestamp);
}

// The databases of `log` as a snapshot that began at `seq` may use them; nullptr when the log
// has none it may use: purged (its topic is gone), or created after the snapshot began, when the
// handles are not valid in it (the log was empty or absent in it anyway). The caller holds
// the store's dbi_mutex shared for as long as it uses the handles.
const log_dbs* snapshot_dbs(const std::unordered_map<log_id, log_dbs>& all, log_id log,
                           std::uint64_t seq) {
  auto it = all.find(log);
  if (it == all.end() || it->second.created_seq > seq) return nullptr;
  return &it->second;
}

}  // namespace

read_txn::~read_txn() { _store->_impl->end_read_txn(as_txn(_txn)); }

std::error_code read_txn::offsets(log_id log, partition_offsets& out) const {
  partition_state st;
  if (auto ec = state(log, st)) return ec;
  out = st.reported();
  return {};
}

std::error_code read_txn::state(log_id log, partition_state& out) const {
  const auto& s = *_store->_impl;
  auto key = format::log_id_key(log);
  MDB_val k = to_val(key), v{};
  int rc = mdb_get(as_txn(_txn), s.dbi_partitions, &k, &v);
  if (rc == MDB_NOTFOUND) return s.unknown_log_error(log);
  if (rc != 0) return map_mdb_error(rc);
  if (!format::decode_partition(to_span(v), out)) return storage_errc::io_error;
  s.report_high_watermark(log, out);
  return {};
}

std::error_code read_txn::read(log_id log, ids::offset from, std::size_t max_bytes, ids::offset end,
                               std::vector<bytes_view>& out, std::size_t& bytes_out) const {
  const std::int64_t offset = from.value(), end_offset = end.value();
  bytes_out = 0;
  partition_state st;
  if (auto ec = state(log, st)) return ec;
  if (offset < st.log_start || offset > st.log_end) return storage_errc::offset_out_of_range;
  if (offset == st.log_end || offset >= end_offset) return {};
  std::shared_lock lock(_store->_impl->dbi_mutex);
  const log_dbs* dbs = snapshot_dbs(_store->_impl->log_databases, log, _dbi_seq);
  if (!dbs) return {};
  cursor_guard c;
  if (int rc = mdb_cursor_open(as_txn(_txn), dbs->batches, &c.cursor)) return map_mdb_error(rc);
  MDB_val k{}, v{};
  int rc = seek_batch(c.cursor, log, offset, k, v);
  // [log_start, log_end) is never empty of batches: a miss means a damaged file.
  if (rc != 0)
    return rc == MDB_NOTFOUND ? make_error_code(storage_errc::io_error) : map_mdb_error(rc);
  std::size_t count = 0;
  for (; rc == 0; rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    std::int64_t base = 0;
    record_batch::batch_header h;
    if (!current_batch(k, v, log, base, h) || base >= end_offset) break;
    // The first batch always goes out, however large, so a consumer can always progress.
    if (count > 0 && bytes_out + v.mv_size > max_bytes) break;
    out.push_back(to_span(v));
    bytes_out += v.mv_size;
    ++count;
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return map_mdb_error(rc);
  return {};
}

// index_ts maps each new running maximum timestamp to the batch that set it, so the first entry
// with key >= ts names the first batch whose maxTimestamp >= ts. If retention removed that
// batch, the entry is clamped to log_start and the batches from there are scanned for the first
// with maxTimestamp >= ts; that scan ends at the next index entry, which qualifies by
// construction, or after timestamp_scan_batches_max headers, when the next entry answers.
std::error_code read_txn::offset_for_timestamp(
    log_id log, std::int64_t timestamp_ms,
    std::optional<std::pair<ids::offset, std::int64_t>>& out) const {
  out.reset();
  const auto& s = *_store->_impl;
  partition_state st;
  if (auto ec = state(log, st)) return ec;
  if (st.log_start == st.log_end) return {};
  std::int64_t start = 0;
  std::int64_t next_entry = -1;  // base offset of the following index entry, -1 if none
  std::shared_lock lock(s.dbi_mutex);
  const log_dbs* dbs = snapshot_dbs(s.log_databases, log, _dbi_seq);
  if (!dbs) return {};
  {
    cursor_guard idx;
    if (int rc = mdb_cursor_open(as_txn(_txn), dbs->index, &idx.cursor)) return map_mdb_error(rc);
    auto key = format::ts_key(log, timestamp_ms);
    MDB_val k = to_val(key), v{};
    int rc = mdb_cursor_get(idx.cursor, &k, &v, MDB_SET_RANGE);
    log_id found{0};
    std::uint64_t second = 0;
    if (rc == MDB_NOTFOUND) return {};
    if (rc != 0) return map_mdb_error(rc);
    if (!format::split_key(to_span(k), found, second) || found != log) return {};
    if (v.mv_size != 8) return storage_errc::io_error;
    start = std::max(
        st.log_start,
        static_cast<std::int64_t>(format::get_u64(static_cast<const std::uint8_t*>(v.mv_data))));
    rc = mdb_cursor_get(idx.cursor, &k, &v, MDB_NEXT);
    if (rc == 0 && format::split_key(to_span(k), found, second) && found == log && v.mv_size == 8)
      next_entry =
          static_cast<std::int64_t>(format::get_u64(static_cast<const std::uint8_t*>(v.mv_data)));
  }
  cursor_guard c;
  if (int rc = mdb_cursor_open(as_txn(_txn), dbs->batches, &c.cursor)) return map_mdb_error(rc);
  auto key = format::log_key(log, start);
  MDB_val k = to_val(key), v{};
  int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
  for (std::size_t n = 0; rc == 0; ++n, rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    std::int64_t base = 0;
    record_batch::batch_header h;
    if (!current_batch(k, v, log, base, h)) return {};
    if (n == timestamp_scan_batches_max) {
      if (next_entry < 0) return {};
      // Jump to the batch that set the next running maximum: it certainly qualifies.
      key = format::log_key(log, std::max(next_entry, base));
      k = to_val(key);
      if ((rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE))) break;
      next_entry = -1;
      n = 0;
      if (!current_batch(k, v, log, base, h)) return {};
    }
    if (h.max_timestamp >= timestamp_ms && find_in_batch(to_span(v), h, timestamp_ms, out))
      return {};
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return map_mdb_error(rc);
  return {};
}


// index_ts gets an entry only for a new running maximum (strictly greater), so the log's last
// entry names the first batch that reached its largest timestamp: the answer is that batch's
// first record carrying it. That batch may be gone while later ones remain — size retention or
// DeleteRecords moved log_start past it (trim_index keeps that entry), or compaction emptied or
// rewrote it — and then the largest timestamp left is in no index entry: the remaining batches'
// headers are scanned for the first batch with the largest maxTimestamp. That scan reads every
// header left (no decompression) and happens only in those cases.
std::error_code read_txn::offset_for_max_timestamp(
    log_id log, std::optional<std::pair<ids::offset, std::int64_t>>& out) const {
  out.reset();
  const auto& s = *_store->_impl;
  partition_state st;
  if (auto ec = state(log, st)) return ec;
  if (st.log_start == st.log_end) return {};
  std::shared_lock lock(s.dbi_mutex);
  const log_dbs* dbs = snapshot_dbs(s.log_databases, log, _dbi_seq);
  if (!dbs) return {};
  std::int64_t indexed_ts = -1, indexed_base = -1;
  {
    cursor_guard idx;
    if (int rc = mdb_cursor_open(as_txn(_txn), dbs->index, &idx.cursor)) return map_mdb_error(rc);
    auto past = format::ts_key(log, INT64_MAX);
    MDB_val k = to_val(past), v{};
    int rc = mdb_cursor_get(idx.cursor, &k, &v, MDB_SET_RANGE);
    log_id found{0};
    std::uint64_t second = 0;
    // Keys of this log only go up to `past`: an exact hit is its last entry, else the one before.
    bool exact = rc == 0 && k.mv_size == past.size() &&
                 std::equal(past.begin(), past.end(), static_cast<const std::uint8_t*>(k.mv_data));
    if (!exact) rc = mdb_cursor_get(idx.cursor, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
    if (rc != 0 && rc != MDB_NOTFOUND) return map_mdb_error(rc);
    if (rc == 0 && format::split_key(to_span(k), found, second) && found == log) {
      if (v.mv_size != 8) return storage_errc::io_error;
      indexed_ts = format::timestamp_of(second);
      indexed_base =
          static_cast<std::int64_t>(format::get_u64(static_cast<const std::uint8_t*>(v.mv_data)));
    }
  }
  cursor_guard c;
  if (int rc = mdb_cursor_open(as_txn(_txn), dbs->batches, &c.cursor)) return map_mdb_error(rc);
  MDB_val k{}, v{};
  std::int64_t base = 0;
  record_batch::batch_header h;
  if (indexed_ts >= 0 && indexed_base >= st.log_start) {
    int rc = seek_batch(c.cursor, log, indexed_base, k, v);
    if (rc != 0 && rc != MDB_NOTFOUND) return map_mdb_error(rc);
    if (rc == 0 && current_batch(k, v, log, base, h) && base <= indexed_base &&
        h.max_timestamp == indexed_ts) {
      if (!find_in_batch(to_span(v), h, indexed_ts, out)) out.emplace(ids::offset{base}, indexed_ts);
      return {};
    }
  }
  // The scan: the first batch with the largest timestamp; -1 (no timestamp) never qualifies.
  // Only the batch holding log_start may begin before it (DeleteRecords): its records below
  // log_start are gone, so its maximum is taken over the rest.
  bytes_view best;
  record_batch::batch_header best_header;
  std::int64_t best_ts = -1;
  int rc = seek_batch(c.cursor, log, st.log_start, k, v);
  for (; rc == 0; rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    if (!current_batch(k, v, log, base, h) || base >= st.log_end) break;
    std::int64_t ts = h.max_timestamp;
    if (base < st.log_start) {
      std::optional<std::pair<ids::offset, std::int64_t>> tail;
      max_record_from(to_span(v), h, st.log_start, tail);
      ts = tail ? tail->second : -1;
    }
    if (ts > best_ts) {
      best = to_span(v);
      best_header = h;
      best_ts = ts;
    }
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return map_mdb_error(rc);
  if (best_ts >= 0) max_record_from(best, best_header, st.log_start, out);
  return {};
}

}  // namespace tern::storage
