// Schema 1-3 → 4: moves every log's batches and index_ts entries out of the shared "log" and
// "index_ts" databases into the log's own databases (log/<id>, ts/<id>).
//
// Crash safety: check_schema_and_mark has already committed schema_version 4 together with
// meta_migration (the old version), so an older Tern refuses the dir from then on. Each step here
// is one transaction that moves a bounded run of one log's entries (copies them to the new
// database, deletes them from the old one): a crash leaves every entry in exactly one place, and
// the next open resumes with what is left in the old databases. The last transaction drops the
// old databases and the marker. Keys and values are copied unchanged.
#include <chrono>
#include <cstring>

#include "storage/store_impl.h"

namespace tern::storage {
namespace {

// One transaction moves at most this many entries or bytes, so it stays well inside LMDB's
// dirty-page limit and the map needs little room beyond the data (freed pages are reused by the
// next step: no reader holds them during open).
constexpr std::size_t migrate_entries_per_txn_max = 20000;
constexpr std::size_t migrate_bytes_per_txn_max = 32u << 20;

struct migrate_counts {
  std::size_t logs = 0;
  std::uint64_t batches = 0;
  std::uint64_t index_entries = 0;
  std::uint64_t bytes = 0;
  std::size_t transactions = 0;
};

// Moves up to the budget of `log`'s entries, from its first key on, from `from` to `to`
// (MDB_APPEND: they arrive in key order). `moved` counts them; `done` is set when `from` holds
// no more of `log`.
int move_entries(MDB_txn* txn, MDB_dbi from, MDB_dbi to, log_id log, std::size_t& entries_left,
                 std::size_t& bytes_left, std::uint64_t& moved, std::uint64_t& moved_bytes,
                 bool& done) {
  done = false;
  cursor_guard c;
  if (int rc = mdb_cursor_open(txn, from, &c.cursor)) return rc;
  const auto first = format::log_key(log, 0);
  std::vector<std::uint8_t> value;
  while (entries_left > 0 && bytes_left > 0) {
    MDB_val k = to_val(first), v{};
    int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    log_id found{0};
    std::uint64_t second = 0;
    if (rc == MDB_NOTFOUND ||
        (rc == 0 && (!format::split_key(to_span(k), found, second) || found != log))) {
      done = true;
      return 0;
    }
    if (rc != 0) return rc;
    format::key_bytes key{};
    std::memcpy(key.data(), k.mv_data, key.size());
    // A copy: the put below may spill dirty pages, which would free the page v points into.
    value.assign(static_cast<const std::uint8_t*>(v.mv_data),
                 static_cast<const std::uint8_t*>(v.mv_data) + v.mv_size);
    MDB_val nk = to_val(key), nv = to_val(value);
    if ((rc = mdb_put(txn, to, &nk, &nv, MDB_APPEND))) return rc;
    if ((rc = mdb_cursor_del(c.cursor, 0))) return rc;
    --entries_left;
    bytes_left -= std::min(bytes_left, value.size());
    ++moved;
    moved_bytes += value.size();
  }
  return 0;
}

// The log of the first entry of `dbi`; MDB_NOTFOUND when it is empty.
int first_log(MDB_txn* txn, MDB_dbi dbi, log_id& log) {
  cursor_guard c;
  if (int rc = mdb_cursor_open(txn, dbi, &c.cursor)) return rc;
  MDB_val k{}, v{};
  if (int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_FIRST)) return rc;
  std::uint64_t second = 0;
  if (!format::split_key(to_span(k), log, second)) return MDB_CORRUPTED;
  return 0;
}

}  // namespace

std::error_code log_store::impl::migrate_layout(std::uint32_t from_version) {
  const auto started = std::chrono::steady_clock::now();
  migrate_counts counts;
  log_id last_log{0};
  for (;;) {
    txn_guard t;
    if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
    MDB_dbi old_log = 0, old_index = 0;
    int rc_log = mdb_dbi_open(t.txn, "log", 0, &old_log);
    int rc_index = mdb_dbi_open(t.txn, "index_ts", 0, &old_index);
    if (rc_log != 0 && rc_log != MDB_NOTFOUND) return map_mdb_error(rc_log);
    if (rc_index != 0 && rc_index != MDB_NOTFOUND) return map_mdb_error(rc_index);
    bool has_log = rc_log == 0, has_index = rc_index == 0;
    // The next log to move: the lowest one left in either old database.
    log_id log{0};
    bool found = false;
    for (auto [has, dbi] : {std::pair{has_log, old_log}, std::pair{has_index, old_index}}) {
      if (!has) continue;
      log_id l{0};
      int rc = first_log(t.txn, dbi, l);
      if (rc == MDB_NOTFOUND) continue;
      if (rc != 0) return map_mdb_error(rc);
      if (!found || l < log) log = l;
      found = true;
    }
    if (!found) {
      // Everything moved: drop the old databases and the marker, in one transaction.
      if (has_log) {
        if (int rc = mdb_drop(t.txn, old_log, 1)) return map_mdb_error(rc);
      }
      if (has_index) {
        if (int rc = mdb_drop(t.txn, old_index, 1)) return map_mdb_error(rc);
      }
      MDB_val k = to_val(format::meta_migration);
      int rc = mdb_del(t.txn, dbi_meta, &k, nullptr);
      if (rc != 0 && rc != MDB_NOTFOUND) return map_mdb_error(rc);
      if ((rc = t.commit())) return map_mdb_error(rc);
      ++counts.transactions;
      break;
    }
    log_dbs dbs;
    if (int rc = open_log_dbs(t.txn, log, true, dbs)) return log_dbs_error(rc, "migrating the data dir");
    std::size_t entries_left = migrate_entries_per_txn_max;
    std::size_t bytes_left = migrate_bytes_per_txn_max;
    bool log_done = false, index_done = false;  // (the next step finds out anyway)
    if (has_log) {
      if (int rc = move_entries(t.txn, old_log, dbs.batches, log, entries_left, bytes_left,
                                counts.batches, counts.bytes, log_done))
        return map_mdb_error(rc);
    }
    if (has_index && entries_left > 0 && bytes_left > 0) {
      std::uint64_t index_bytes = 0;
      if (int rc = move_entries(t.txn, old_index, dbs.index, log, entries_left, bytes_left,
                                counts.index_entries, index_bytes, index_done))
        return map_mdb_error(rc);
    }
    if (int rc = t.commit()) return map_mdb_error(rc);
    ++counts.transactions;
    if (log != last_log) ++counts.logs;
    last_log = log;
  }
  auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  if (options.log_warning) {
    options.log_warning("storage: migrated data dir '" + options.dir + "' from schema " +
                        std::to_string(from_version) + " to " +
                        std::to_string(format::schema_version) + ": moved " +
                        std::to_string(counts.batches) + " batches (" +
                        std::to_string(counts.bytes) + " bytes) and " +
                        std::to_string(counts.index_entries) + " index entries of " +
                        std::to_string(counts.logs) + " logs into per-partition databases in " +
                        std::to_string(counts.transactions) + " transactions, " +
                        std::to_string(elapsed_ms) + " ms");
  }
  return {};
}

}  // namespace tern::storage
