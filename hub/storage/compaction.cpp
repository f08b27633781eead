// Log compaction (cleanup.policy=compact): for every key, keep only the record with the highest
// offset; drop tombstones (null values) once their batch is older than delete.retention.ms.
//
// Design: an incremental cleaner, Kafka's LogCleaner plus a persistent key index.
// Each partition has a cleaner checkpoint, its clean end: every record below it is compacted
// with respect to every other record below it (no two share a key, bar keyless records). The
// records from the clean end on are dirty. The cleaner's key index (cleaner_keys) maps, per
// partition, the hash of every key that has a record in the clean section to that record's
// offset. A pass takes each partition of a compacted topic in four phases, each in bounded
// slices on the writer thread between group commits, so producers never wait long:
//  1. map: read the dirty section [clean end, compactable end) into key → latest offset
//     (compressed batches are inflated). As in Kafka, the compactable end is the first offset
//     the cleaner may not touch: the active tail's base (the tail is dirty until it rolls), a
//     set high watermark (what lies above may yet be truncated), the last batch of the log (so
//     [log start, log end) always ends with a batch), the first batch younger than
//     min.compaction.lag.ms, or where the map filled compaction_key_map_bytes (the pass then
//     cleans the prefix it covers; the next one goes on from there). Nothing from there on is
//     read, rewritten or counts as newer. A key seen again makes its older offset a candidate
//     for removal.
//  2. lookup: look every mapped key's hash up in the key index (in hash order: one sweep down
//     the B-tree); each offset found is a candidate, as is every clean tombstone whose batch
//     has now passed delete.retention.ms (cleaner_tombstones keeps them by batch timestamp).
//  3. rewrite: visit only the batches holding candidates, below the compactable end. A batch's
//     keys are read first, not its values: for an uncompressed batch the header and each
//     record's fields up to its value length (key_records). A batch that keeps every record is
//     left alone and one that keeps none is deleted, both without reading further; any other is
//     read whole and rebuilt with the same base offset, lastOffsetDelta, timestamps, producer
//     fields and codec and a new CRC. (A compressed batch is inflated whole to see its keys.)
//     The header alone would not do: a key index entry names a record by key hash and offset,
//     and after a truncation (or a hash collision) that offset may hold another key, which only
//     its key bytes tell. Index entries of the clean records removed go in the same transaction.
//  4. index: add the mapped keys (now clean) to the key index, and their tombstones to
//     cleaner_tombstones, then move the checkpoint to the compactable end in the last of these
//     transactions.
// What a pass reads: the dirty section, the keys of the batches holding the records it removes
// (and the whole of those it rebuilds), and one index probe per dirty key (a B-tree descent).
// With 1% of the log new since the last pass and one record per batch (what sensors send),
// about 1% of the log: the new 1%, and ~80 bytes (header and key) of each batch it empties
// (tests/bench/compaction_bench.cpp). With n records per batch and updates spread evenly over
// the keys, up to n times as many batches hold a superseded record and most keep the others,
// so each is read and rewritten (~10% at 10 records per batch). Kafka's cleaner reads the
// whole log per pass (it recopies every segment).
//
// Hash collisions never remove a record wrongly: the index only names candidates; whether a
// record goes is decided by its real key in the map (exact keys, not hashes), and a key is in
// the map only with a real, newer record. Two keys of one hash keep two index values (a
// DUPSORT database); an entry whose record is gone (retention, truncation, an older Tern that
// compacted without the index) or holds another key is deleted when a lookup meets it. The
// same makes a crash between the slices of a pass harmless: the checkpoint moves last, so the
// next pass redoes the section and finds the entries already written. A schema-4 Tern from
// before the cleaner ignores its databases: if it truncates a partition below the clean end
// and appends, the records there count as clean without index entries, so that partition may
// keep some superseded records (it never loses a latest one).
//
// Memory: the map (key bytes plus ~128 bytes per key, for its node, its probe and one
// candidate) and the candidates of superseded records (32 bytes each) stay under
// compaction_key_map_bytes. The index costs 20 bytes per live key plus LMDB's page overhead.
//
// Truncate and reset lower the checkpoint to the new log end (lower_clean_end) and restart a
// pass working on that partition; retention removing the front needs nothing (the clean
// section starts at max(checkpoint, log start)); delete_topic purges the cleaner's entries
// with the logs. Batches made clean are not rewritten again for their age: if
// min.compaction.lag.ms is raised later, records already clean may still be removed.
// Offsets never move and log start does not change: a consumer at a removed offset reads on
// from the next batch, as with Kafka. Appends only ever touch the tail, so the map built in
// phase 1 stays true while the later phases run.
#include <algorithm>
#include <climits>

#include "storage/store_impl.h"
#include "tern/common/record_batch.h"
#include "tern/common/wire.h"

namespace tern::storage {
namespace {

using candidate = compaction_run::candidate;
using source = compaction_run::candidate::source;

constexpr std::size_t compaction_batches_per_slice_max = 1000;
constexpr std::size_t compaction_bytes_per_slice_max = 8u << 20;
// Key index probes per read slice, and index writes per write transaction.
constexpr std::size_t compaction_lookups_per_slice_max = 20000;
constexpr std::size_t compaction_index_puts_per_txn_max = 10000;
// Expired clean tombstones one pass takes on (the rest wait for the next pass).
constexpr std::size_t compaction_expired_tombstones_max = 100000;
// A batch inflating past this is not compacted (nor anything after it in that pass).
constexpr std::size_t compaction_batch_inflated_max = 64u << 20;
// What one mapped key costs besides its bytes: map node and bucket, its probe, one candidate.
constexpr std::size_t key_map_entry_overhead_bytes = 128;
constexpr std::size_t candidate_bytes = sizeof(candidate);

std::string key_string(const record_batch::record& r) {
  return {reinterpret_cast<const char*>(r.key->data()), r.key->size()};
}

bytes_view key_view(const std::string& key) {
  return {reinterpret_cast<const std::uint8_t*>(key.data()), key.size()};
}

// A cleaner key: log id u32 ‖ u64 (a key hash, a flipped timestamp or 0 for the checkpoint).
format::key_bytes cleaner_key(log_id log, std::uint64_t second) {
  format::key_bytes k{};
  format::put_u32(k.data(), log.value());
  format::put_u64(k.data() + 4, second);
  return k;
}

std::array<std::uint8_t, format::cleaner_offset_size> offset_value(std::int64_t offset) {
  std::array<std::uint8_t, format::cleaner_offset_size> v{};
  format::put_u64(v.data(), static_cast<std::uint64_t>(offset));
  return v;
}

std::int64_t offset_in(const MDB_val& v) {
  if (v.mv_size != format::cleaner_offset_size) return -1;
  return format::offset_of(format::get_u64(static_cast<const std::uint8_t*>(v.mv_data)));
}

// The batch at or after `offset` in `log`: false at the end of the log (or a damaged entry).
bool batch_at(MDB_cursor* c, log_id log, std::int64_t offset, MDB_val& v, std::int64_t& base,
              record_batch::batch_header& h, int& rc) {
  auto key = format::log_key(log, offset);
  MDB_val k = to_val(key);
  rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) rc = 0;
  if (rc != 0) return false;
  log_id found{0};
  std::uint64_t second = 0;
  if (k.mv_size == 0 || !format::split_key(to_span(k), found, second) || found != log) return false;
  base = format::offset_of(second);
  return !record_batch::parse_header(to_span(v), h) && h.total_size() == v.mv_size;
}

// The batch holding `offset` (the last one whose base offset is not above it): false when no
// batch holds it (or a damaged entry; rc is set only for a failed read).
bool batch_holding(MDB_cursor* c, log_id log, std::int64_t offset, MDB_val& v, std::int64_t& base,
                   record_batch::batch_header& h, int& rc) {
  auto key = format::log_key(log, offset);
  MDB_val k = to_val(key);
  rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
  log_id found{0};
  std::uint64_t second = 0;
  bool exact = rc == 0 && format::split_key(to_span(k), found, second) && found == log &&
               format::offset_of(second) == offset;
  if (!exact) {
    if (rc != 0 && rc != MDB_NOTFOUND) return false;
    rc = mdb_cursor_get(c, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
    if (rc == MDB_NOTFOUND) rc = 0;
    if (rc != 0 || !format::split_key(to_span(k), found, second) || found != log) return false;
  }
  base = format::offset_of(second);
  if (record_batch::parse_header(to_span(v), h) || h.total_size() != v.mv_size) return false;
  return base <= offset && offset <= base + h.last_offset_delta;
}

// A cleaner entry to delete once the batch is written (copied: the records point into pages
// the write may move).
struct entry_delete {
  MDB_dbi dbi;
  format::key_bytes key;
  std::int64_t offset;
};

int delete_entry(MDB_txn* txn, const entry_delete& d) {
  auto value = offset_value(d.offset);
  MDB_val k = to_val(d.key), v = to_val(value);
  int rc = mdb_del(txn, d.dbi, &k, &v);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

// The cleaner checkpoint of `log`, -1 when it has none.
int read_clean_end(MDB_txn* txn, MDB_dbi dbi, log_id log, std::int64_t& out) {
  auto key = cleaner_key(log, 0);
  MDB_val k = to_val(key), v{};
  int rc = mdb_get(txn, dbi, &k, &v);
  out = rc == 0 ? offset_in(v) : -1;
  return rc == MDB_NOTFOUND ? 0 : rc;
}

}  // namespace

void log_store::impl::compaction_step() {
  if (compaction_runs.empty() || sync_failed) return;
  compaction_run& run = compaction_runs.front();
  if (compaction_slice(run)) return;
  ++stat_compaction_passes;  // before the waiters wake: they may read the stats
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
  bool more = true;
  if (run.next_log != log || run.position < 0) more = compaction_begin(run, e, log);
  if (more) {
    switch (run.step) {
      case compaction_run::phase::map:
        if (!map_slice(run, e, log)) {
          run.lookups.reserve(run.key_map.size());
          for (auto& entry : run.key_map)
            run.lookups.emplace_back(format::key_hash(key_view(entry.first)), &entry);
          std::sort(run.lookups.begin(), run.lookups.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
          run.step = compaction_run::phase::lookup;
          run.next_lookup = 0;
        }
        return true;
      case compaction_run::phase::lookup:
        if (!lookup_slice(run, e, log)) {
          std::sort(run.candidates.begin(), run.candidates.end(),
                    [](const candidate& a, const candidate& b) { return a.offset < b.offset; });
          run.step = compaction_run::phase::rewrite;
          run.next_candidate = 0;
        }
        return true;
      case compaction_run::phase::rewrite:
        if (!rewrite_slice(run, e, log)) {
          run.step = compaction_run::phase::index;
          run.next_lookup = 0;
        }
        return true;
      case compaction_run::phase::index:
        more = !run.rewrite_failed && index_slice(run, log);
        if (more) return true;
        break;
    }
  }
  // Done with this partition. Clean until the next append (only an append moves the tail or
  // the log end), unless the map stopped short (its budget, a read error, the high watermark)
  // or time (or a failure) will make more work.
  if (!run.waiting_on_time && !run.rewrite_failed && !run.stopped_short)
    compacted_at_end[log] = run.log_end_at_start;
  run.key_map = {};
  run.lookups = {};
  run.candidates = {};
  run.key_map_bytes = 0;
  run.position = -1;
  run.next_log = format::log_after(log);
  return run.next_log != log_id{0};  // log id wrap: the pass is over
}

bool log_store::impl::compaction_begin(compaction_run& run, const partition_entry& e, log_id log) {
  run.next_log = log;
  run.step = compaction_run::phase::map;
  run.key_map.clear();
  run.lookups.clear();
  run.candidates.clear();
  run.key_map_bytes = 0;
  run.rewrite_failed = false;
  run.waiting_on_time = false;
  // A high watermark below the log end may rise without an append.
  run.stopped_short = removal_limit(log, e.offsets) < e.offsets.log_end;
  run.log_end_at_start = e.offsets.log_end;
  std::int64_t clean_end = -1;
  MDB_txn* txn = nullptr;
  int rc = begin_read_txn(txn);
  if (rc == 0) {
    rc = read_clean_end(txn, dbi_cleaner_checkpoints, log, clean_end);
    end_read_txn(txn);
  }
  ++stat_compaction_index_reads;
  if (rc != 0) {
    run.rewrite_failed = true;  // cannot tell what is clean: leave the partition for now
    run.map_end = -1;
    return false;
  }
  run.clean_start = std::max(clean_end, e.offsets.log_start);
  run.position = run.clean_start;
  // The compactable end, as far as the state tells (map_slice may stop earlier). Nothing at or
  // above a set high watermark is compacted, nor used to supersede older records: it may yet
  // be truncated. The active tail neither: it is dirty until it rolls.
  run.map_end =
      std::min({e.offsets.log_end, removal_limit(log, e.offsets), e.offsets.segment_base});
  return true;
}

// Reads up to a slice of dirty batches into the key map. False when the map covers
// [clean_start, map_end).
bool log_store::impl::map_slice(compaction_run& run, const partition_entry& e, log_id log) {
  const topic_settings& settings = e.topic->settings;
  const std::int64_t lag_cutoff_ms = run.now_ms - settings.min_compaction_lag_ms;
  const std::int64_t tombstone_cutoff_ms = run.now_ms - settings.delete_retention_ms;
  txn_guard t;
  cursor_guard c;
  if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &t.txn) != 0 ||
      mdb_cursor_open(t.txn, dbs_of(log).batches, &c.cursor) != 0) {
    run.map_end = run.position;  // cannot read: compact nothing beyond here this pass
    run.stopped_short = true;
    return false;
  }
  run.position = std::max(run.position, e.offsets.log_start);
  std::vector<record_batch::record> records;
  std::vector<std::uint8_t> scratch;
  std::size_t bytes = 0;
  for (std::size_t n = 0;
       n < compaction_batches_per_slice_max && bytes < compaction_bytes_per_slice_max; ++n) {
    if (run.position >= run.map_end) return false;
    MDB_val v{};
    std::int64_t base = 0;
    record_batch::batch_header h;
    int rc = 0;
    if (!batch_at(c.cursor, log, run.position, v, base, h, rc) || base >= run.map_end) {
      if (rc != 0 || base < run.map_end) {
        run.map_end = run.position;
        run.stopped_short = true;
      }
      return false;
    }
    std::int64_t next = base + h.last_offset_delta + 1;
    // A batch straddling the high watermark, the last batch of the log (so [log start, log
    // end) always ends with a batch), and a batch younger than min.compaction.lag.ms end the
    // compactable section (later batches are (mostly) younger still).
    if (next > run.map_end || next >= e.offsets.log_end) {
      run.map_end = base;
      return false;
    }
    if (settings.min_compaction_lag_ms > 0 && h.max_timestamp > lag_cutoff_ms) {
      run.map_end = base;
      run.waiting_on_time = true;
      return false;
    }
    records.clear();
    scratch.clear();
    if (!h.control() &&
        record_batch::decode_records(to_span(v), records, scratch, compaction_batch_inflated_max)) {
      run.map_end = base;  // undecodable: the pass compacts only what lies before it
      run.stopped_short = true;
      return false;
    }
    bytes += v.mv_size;
    stat_compaction_bytes_read += v.mv_size;
    const bool expired = h.max_timestamp >= 0 && h.max_timestamp < tombstone_cutoff_ms;
    for (const auto& r : records) {
      if (!r.key) continue;
      auto [slot, inserted] = run.key_map.try_emplace(key_string(r));
      if (inserted) {
        run.key_map_bytes += slot->first.size() + key_map_entry_overhead_bytes;
      } else {
        run.candidates.push_back({source::dirty, slot->second.offset, 0, 0});
        run.key_map_bytes += candidate_bytes;
      }
      slot->second = {r.offset, h.max_timestamp, !r.value, false};
      if (!r.value && expired) {  // goes in this pass unless superseded first
        run.candidates.push_back({source::dirty, r.offset, 0, 0});
        run.key_map_bytes += candidate_bytes;
      } else if (!r.value) {
        run.waiting_on_time = true;  // a tombstone that will expire: come back without appends
      }
    }
    run.position = next;
    if (run.key_map_bytes >= options.compaction_key_map_bytes) {
      run.map_end = run.position;  // the map is full: compact the prefix it covers
      run.stopped_short = true;
      return false;
    }
  }
  return true;
}

// Probes the key index for a slice of mapped keys (the first slice also collects the expired
// clean tombstones). False when every key was looked up.
bool log_store::impl::lookup_slice(compaction_run& run, const partition_entry& e, log_id log) {
  txn_guard t;
  if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &t.txn) != 0) {
    run.rewrite_failed = true;  // the candidates are incomplete: rewrite, but keep the checkpoint
    return false;
  }
  int rc = 0;
  if (run.next_lookup == 0) {
    const std::int64_t cutoff_ms = run.now_ms - e.topic->settings.delete_retention_ms;
    cursor_guard c;
    auto first = format::ts_key(log, INT64_MIN);
    MDB_val k = to_val(first), v{};
    if ((rc = mdb_cursor_open(t.txn, dbi_cleaner_tombstones, &c.cursor)) == 0)
      rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    for (std::size_t n = 0; rc == 0; ++n, rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
      log_id found{0};
      std::uint64_t second = 0;
      if (!format::split_key(to_span(k), found, second) || found != log) break;
      std::int64_t ts = format::timestamp_of(second);
      if (ts >= cutoff_ms || n >= compaction_expired_tombstones_max) {
        run.waiting_on_time = true;  // tombstones still to expire
        break;
      }
      ++stat_compaction_index_reads;
      run.candidates.push_back({source::tombstone, offset_in(v), 0, ts});
    }
  }
  cursor_guard c;
  if (rc == 0 || rc == MDB_NOTFOUND) rc = mdb_cursor_open(t.txn, dbi_cleaner_keys, &c.cursor);
  for (std::size_t n = 0;
       rc == 0 && n < compaction_lookups_per_slice_max && run.next_lookup < run.lookups.size();
       ++n, ++run.next_lookup) {
    const std::uint64_t hash = run.lookups[run.next_lookup].first;
    auto key = cleaner_key(log, hash);
    MDB_val k = to_val(key), v{};
    rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_KEY);
    ++stat_compaction_index_reads;
    for (; rc == 0; rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT_DUP)) {
      ++stat_compaction_index_reads;
      run.candidates.push_back({source::key_index, offset_in(v), hash, 0});
    }
    if (rc == MDB_NOTFOUND) rc = 0;
  }
  if (rc != 0 && rc != MDB_NOTFOUND) {
    run.rewrite_failed = true;
    return false;
  }
  return run.next_lookup < run.lookups.size();
}

// Rewrites the batches holding the next candidates, up to a slice, in one write transaction.
// False when no candidate is left.
bool log_store::impl::rewrite_slice(compaction_run& run, const partition_entry& e, log_id log) {
  if (run.next_candidate >= run.candidates.size()) return false;
  partition_state st = e.offsets;
  txn_guard t;
  if (mdb_txn_begin(env, nullptr, 0, &t.txn) != 0) {
    run.rewrite_failed = true;
    return false;
  }
  const std::size_t removed_before = run.removed;
  const std::uint64_t read_before = stat_compaction_bytes_read;
  std::vector<entry_delete> stale;
  int rc = 0;
  {
    cursor_guard c;
    if ((rc = mdb_cursor_open(t.txn, dbs_of(log).batches, &c.cursor)) == 0) {
      for (std::size_t n = 0;
           n < compaction_batches_per_slice_max &&
           stat_compaction_bytes_read - read_before < compaction_bytes_per_slice_max &&
           run.next_candidate < run.candidates.size();
           ++n) {
        const candidate& first = run.candidates[run.next_candidate];
        MDB_val v{};
        std::int64_t base = 0;
        record_batch::batch_header h;
        if (first.offset < st.log_start ||
            !batch_holding(c.cursor, log, first.offset, v, base, h, rc)) {
          if (rc != 0) break;
          // No batch holds it any more: an entry pointing there is stale.
          if (first.kind == source::key_index)
            stale.push_back({dbi_cleaner_keys, cleaner_key(log, first.hash), first.offset});
          if (first.kind == source::tombstone)
            stale.push_back(
                {dbi_cleaner_tombstones, format::ts_key(log, first.timestamp), first.offset});
          ++run.next_candidate;
          continue;
        }
        std::size_t last = run.next_candidate;
        while (last < run.candidates.size() &&
               run.candidates[last].offset <= base + h.last_offset_delta)
          ++last;
        if (base < run.map_end) {
          bool failed = false;
          rc = rewrite_batch(run, t.txn, c.cursor, log, e.topic->settings, to_span(v), h, base,
                             run.next_candidate, last, st, failed);
          if (rc != 0) break;
          if (failed) run.rewrite_failed = true;
        }
        run.next_candidate = last;
      }
    }
  }
  for (std::size_t i = 0; rc == 0 && i < stale.size(); ++i) rc = delete_entry(t.txn, stale[i]);
  if (rc == 0 && run.removed > removed_before) rc = write_partition_state(t.txn, log, st);
  if (rc == 0) rc = t.commit();
  if (rc != 0) {
    // Map full or an I/O error: nothing of this slice happened; try again at the next pass.
    run.removed = removed_before;
    run.rewrite_failed = true;
    run.waiting_on_time = true;
    return false;
  }
  unsynced_commits = true;
  if (run.removed > removed_before) {
    publish({{log, st}});
    stat_compacted_records += run.removed - removed_before;
  }
  return run.next_candidate < run.candidates.size();
}

// The cleaner entries the candidates [first, last) of a batch name that no longer point at a
// record of theirs (gone, another key, no longer a tombstone of that batch time).
static void stale_entries(const std::vector<candidate>& candidates, std::size_t first,
                          std::size_t last, std::span<const record_batch::record> records,
                          std::int64_t max_timestamp, log_id log, MDB_dbi keys, MDB_dbi tombstones,
                          std::vector<entry_delete>& out) {
  for (std::size_t i = first; i < last; ++i) {
    const candidate& c = candidates[i];
    if (c.kind == source::dirty) continue;
    auto r = std::find_if(records.begin(), records.end(),
                          [&](const record_batch::record& x) { return x.offset == c.offset; });
    bool gone = r == records.end() || !r->key;
    if (c.kind == source::key_index && (gone || format::key_hash(*r->key) != c.hash))
      out.push_back({keys, cleaner_key(log, c.hash), c.offset});
    if (c.kind == source::tombstone && (gone || r->value || max_timestamp != c.timestamp))
      out.push_back({tombstones, format::ts_key(log, c.timestamp), c.offset});
  }
}

// The records of an uncompressed batch with only what compaction decides on: offset, key and
// whether there is a value (`value` is then an empty view, not the value). Reads the header,
// then for each record its length and its fields up to the value length, and skips the rest:
// `read_bytes` counts those bytes. A control batch yields no records (compaction keeps them)
// and costs its header. False for a compressed batch and for framing that does not parse (or
// disagrees with the header), `read_bytes` untouched: decode_records then reads it whole and
// judges it.
static bool key_records(bytes_view batch, const record_batch::batch_header& h,
                        std::vector<record_batch::record>& out, std::size_t& read_bytes) {
  out.clear();
  std::size_t read = record_batch::header_size;
  if (h.control()) {
    read_bytes = read;
    return true;
  }
  if (h.codec() != record_batch::compression::none || h.record_count < 0 ||
      batch.size() < record_batch::header_size)
    return false;
  wire::wire_reader r(batch.subspan(record_batch::header_size));
  std::int32_t last_delta = -1;
  for (std::int32_t i = 0; i < h.record_count; ++i) {
    const std::size_t at = r.position();
    const std::int64_t length = r.varint();
    const std::size_t body = r.position();
    r.i8();      // attributes
    r.varlong(); // timestamp delta
    const std::int32_t delta = r.varint();
    const std::int32_t key_length = r.varint();
    std::optional<bytes_view> key;
    if (key_length >= 0) key = r.raw(static_cast<std::size_t>(key_length));
    const std::int32_t value_length = r.varint();
    const std::size_t fields_end = r.position();
    if (!r.ok() || length < 0 || key_length < -1 || value_length < -1 || delta <= last_delta ||
        delta > h.last_offset_delta || fields_end - body > static_cast<std::uint64_t>(length))
      return false;
    read += fields_end - at;
    r.raw(body + static_cast<std::size_t>(length) - fields_end);  // the value and headers
    if (!r.ok()) return false;
    last_delta = delta;
    record_batch::record rec;
    rec.offset = h.base_offset + delta;
    rec.key = key;
    if (value_length >= 0) rec.value = bytes_view{};
    out.push_back(std::move(rec));
  }
  if (r.remaining() != 0) return false;
  read_bytes = read;
  return true;
}

// What survives of a batch's records: each one the map supersedes, or an expired tombstone,
// goes (with its cleaner entries if it was clean); `deletes` also gets the stale entries the
// candidates [first, last) name. Needs only the records' offsets, keys and whether each has a
// value, so it runs on key_records() as on decoded ones, with the same outcome.
static void classify(compaction_run& run, std::int64_t tombstone_cutoff_ms,
                     const record_batch::batch_header& h, std::size_t first, std::size_t last,
                     std::span<const record_batch::record> records, log_id log, MDB_dbi keys,
                     MDB_dbi tombstones, std::vector<record_batch::record>& kept,
                     std::vector<entry_delete>& deletes, std::size_t& stale_count) {
  stale_entries(run.candidates, first, last, records, h.max_timestamp, log, keys, tombstones,
                deletes);
  stale_count = deletes.size();
  for (const auto& r : records) {
    if (r.key) {
      auto latest = run.key_map.find(key_string(r));
      bool superseded = latest != run.key_map.end() && latest->second.offset > r.offset;
      bool expired =
          !superseded && !r.value && h.max_timestamp >= 0 && h.max_timestamp < tombstone_cutoff_ms;
      if (!superseded && !expired && !r.value) run.waiting_on_time = true;  // tombstone kept
      if (superseded || expired) {
        if (expired && latest != run.key_map.end() && latest->second.offset == r.offset)
          latest->second.removed = true;
        if (r.offset < run.clean_start) {
          deletes.push_back({keys, cleaner_key(log, format::key_hash(*r.key)), r.offset});
          if (!r.value && h.max_timestamp >= 0)
            deletes.push_back({tombstones, format::ts_key(log, h.max_timestamp), r.offset});
        }
        continue;
      }
    }
    kept.push_back(r);
  }
}

int log_store::impl::rewrite_batch(compaction_run& run, MDB_txn* txn, MDB_cursor* c, log_id log,
                                   const topic_settings& settings, bytes_view batch,
                                   record_batch::batch_header& h, std::int64_t base,
                                   std::size_t first, std::size_t last, partition_state& st,
                                   bool& failed) {
  const std::int64_t tombstone_cutoff_ms = run.now_ms - settings.delete_retention_ms;
  std::vector<record_batch::record> records, kept;
  std::vector<std::uint8_t> scratch, rebuilt;
  std::vector<entry_delete> deletes;
  std::size_t stale_count = 0;
  // First the keys alone (uncompressed batches: the header and each record's fields up to its
  // value length; a control batch has no records compaction looks at). A batch that loses
  // every record, or none, is done with that: its values are never read.
  std::size_t key_bytes = 0;
  if (key_records(batch, h, records, key_bytes)) {
    stat_compaction_bytes_read += key_bytes;
    classify(run, tombstone_cutoff_ms, h, first, last, records, log, dbi_cleaner_keys,
             dbi_cleaner_tombstones, kept, deletes, stale_count);
    const std::size_t removed = records.size() - kept.size();
    if (removed == 0 || kept.empty()) {
      if (removed > 0) {
        if (int rc = mdb_cursor_del(c, 0)) return rc;
        st.size_bytes -= std::min<std::uint64_t>(st.size_bytes, batch.size());
        run.removed += removed;
      }
      for (const auto& d : deletes) {
        if (int rc = delete_entry(txn, d)) return rc;
      }
      return 0;
    }
    // Some records stay: the batch is rebuilt from its whole records (all of it is read; the
    // key bytes are already counted).
    records.clear();
    kept.clear();
    deletes.clear();
  }
  stat_compaction_bytes_read += batch.size() - key_bytes;
  if (!h.control() &&
      record_batch::decode_records(batch, records, scratch, compaction_batch_inflated_max)) {
    failed = true;  // mapped fine a moment ago, or damaged: leave it
    return 0;
  }
  classify(run, tombstone_cutoff_ms, h, first, last, records, log, dbi_cleaner_keys,
           dbi_cleaner_tombstones, kept, deletes, stale_count);
  int rc = 0;
  std::size_t removed = records.size() - kept.size();
  std::uint64_t old_size = batch.size();
  if (removed > 0 && kept.empty()) {
    if ((rc = mdb_cursor_del(c, 0))) return rc;
    st.size_bytes -= std::min<std::uint64_t>(st.size_bytes, old_size);
  } else if (removed > 0) {
    h.base_offset = base;
    if (record_batch::rebuild(h, kept, rebuilt)) {
      failed = true;  // cannot re-encode (e.g. the codec failed): leave the batch as it is
      deletes.resize(stale_count);
      removed = 0;
    } else {
      // `kept` points into the map page the put may move: done with it before the put.
      auto key = format::log_key(log, base);
      MDB_val nk = to_val(key), nv = to_val(rebuilt);
      if ((rc = mdb_put(txn, dbs_of(log).batches, &nk, &nv, 0))) return rc;
      st.size_bytes =
          st.size_bytes - std::min<std::uint64_t>(st.size_bytes, old_size) + rebuilt.size();
    }
  }
  run.removed += removed;
  for (const auto& d : deletes) {
    if ((rc = delete_entry(txn, d))) return rc;
  }
  return 0;
}

// Adds a slice of the keys made clean to the key index (and tombstones to the pending list);
// the last slice moves the checkpoint. False when the partition is done.
bool log_store::impl::index_slice(compaction_run& run, log_id log) {
  if (run.lookups.empty() && run.map_end <= run.clean_start) return false;  // nothing to write
  txn_guard t;
  if (mdb_txn_begin(env, nullptr, 0, &t.txn) != 0) return false;
  int rc = 0;
  for (std::size_t n = 0;
       rc == 0 && n < compaction_index_puts_per_txn_max && run.next_lookup < run.lookups.size();
       ++run.next_lookup) {
    const auto& [hash, entry] = run.lookups[run.next_lookup];
    const compaction_run::key_state& k = entry->second;
    if (k.removed || k.offset < run.clean_start || k.offset >= run.map_end) continue;
    ++n;
    auto offset = offset_value(k.offset);
    auto key = cleaner_key(log, hash);
    MDB_val mk = to_val(key), mv = to_val(offset);
    rc = mdb_put(t.txn, dbi_cleaner_keys, &mk, &mv, MDB_NODUPDATA);
    if (rc == 0 && k.tombstone && k.batch_timestamp >= 0) {
      auto ts = format::ts_key(log, k.batch_timestamp);
      MDB_val tk = to_val(ts), tv = to_val(offset);
      rc = mdb_put(t.txn, dbi_cleaner_tombstones, &tk, &tv, MDB_NODUPDATA);
    }
    if (rc == MDB_KEYEXIST) rc = 0;  // written by a pass that did not get to its checkpoint
  }
  const bool done = run.next_lookup >= run.lookups.size();
  if (rc == 0 && done && run.map_end > run.clean_start) {
    auto key = cleaner_key(log, 0);
    auto value = offset_value(run.map_end);
    MDB_val k = to_val(key), v = to_val(value);
    rc = mdb_put(t.txn, dbi_cleaner_checkpoints, &k, &v, 0);
  }
  if (rc == 0) rc = t.commit();
  if (rc != 0) {
    run.waiting_on_time = true;  // the checkpoint stays: the next pass redoes the section
    return false;
  }
  unsynced_commits = true;
  return !done;
}

int log_store::impl::lower_clean_end(MDB_txn* txn, log_id log, std::int64_t end) {
  for (auto& run : compaction_runs) {
    if (run.next_log == log) run.position = -1;  // its map may name records that went
  }
  std::int64_t clean_end = -1;
  if (int rc = read_clean_end(txn, dbi_cleaner_checkpoints, log, clean_end)) return rc;
  if (clean_end <= end) return 0;
  auto key = cleaner_key(log, 0);
  auto value = offset_value(end);
  MDB_val k = to_val(key), v = to_val(value);
  return mdb_put(txn, dbi_cleaner_checkpoints, &k, &v, 0);
}

}  // namespace tern::storage
