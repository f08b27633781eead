// Idempotent producers: producer id allocation and the per-partition sequence checks that make
// a retried batch land exactly once (Kafka's semantics: the last 5 batches of each producer are
// remembered per partition; a retry of one of them is answered with its original offset, a gap
// is OUT_OF_ORDER, an older epoch is fenced).
#include <algorithm>
#include "tern/common/check.h"
#include <climits>
#include <thread>

#include "storage/store_impl.h"
#include "tern/common/record_batch.h"

namespace tern::storage {
namespace {

std::array<std::uint8_t, format::key_size> producer_key_bytes(log_id log, std::int64_t producer_id) {
  std::array<std::uint8_t, format::key_size> k{};
  format::put_u32(k.data(), log.value());
  format::put_u64(k.data() + 4, static_cast<std::uint64_t>(producer_id));
  return k;
}

std::vector<std::uint8_t> encode_producer(const producer_state& st) {
  std::vector<std::uint8_t> out(3 + st.batches.size() * 16);
  out[0] = static_cast<std::uint8_t>(static_cast<std::uint16_t>(st.epoch) >> 8);
  out[1] = static_cast<std::uint8_t>(st.epoch);
  out[2] = static_cast<std::uint8_t>(st.batches.size());
  std::uint8_t* p = out.data() + 3;
  for (const auto& b : st.batches) {
    format::put_u32(p, static_cast<std::uint32_t>(b.first_sequence));
    format::put_u32(p + 4, static_cast<std::uint32_t>(b.last_sequence));
    format::put_u64(p + 8, static_cast<std::uint64_t>(b.base_offset));
    p += 16;
  }
  return out;
}

bool decode_producer(bytes_view v, producer_state& st) {
  if (v.size() < 3) return false;
  st.epoch = static_cast<std::int16_t>((v[0] << 8) | v[1]);
  std::size_t count = v[2];
  if (count > log_store::producer_batches_kept || v.size() != 3 + count * 16) return false;
  st.batches.clear();
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = v.data() + 3 + i * 16;
    st.batches.push_back({static_cast<std::int32_t>(format::get_u32(p)),
                          static_cast<std::int32_t>(format::get_u32(p + 4)),
                          static_cast<std::int64_t>(format::get_u64(p + 8))});
  }
  return true;
}

// Kafka sequences wrap from INT32_MAX to 0.
std::int32_t add_sequence(std::int32_t sequence, std::int32_t delta) {
  std::int64_t next = std::int64_t{sequence} + delta;
  return static_cast<std::int32_t>(next > INT32_MAX ? next - INT32_MAX - 1 : next);
}

}  // namespace

std::error_code log_store::impl::load_producers(MDB_txn* txn) {
  MDB_val k = to_val(format::meta_next_producer_id), v{};
  int rc = mdb_get(txn, dbi_meta, &k, &v);
  if (rc == 0) {
    if (v.mv_size != 8) return storage_errc::io_error;
    next_producer_id = static_cast<std::int64_t>(format::get_u64(static_cast<const std::uint8_t*>(v.mv_data)));
  } else if (rc == MDB_NOTFOUND) {
    next_producer_id = 0;
  } else {
    return map_mdb_error(rc);
  }
  cursor_guard c;
  if ((rc = mdb_cursor_open(txn, dbi_producers, &c.cursor))) return map_mdb_error(rc);
  for (rc = mdb_cursor_get(c.cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    log_id log{0};
    std::uint64_t id = 0;
    producer_state st;
    if (!format::split_key(to_span(k), log, id) || !decode_producer(to_span(v), st))
      return storage_errc::io_error;
    // States of purged logs may linger until the purge finishes; they are harmless.
    producers[{log, static_cast<std::int64_t>(id)}] = std::move(st);
  }
  return rc == MDB_NOTFOUND ? std::error_code{} : map_mdb_error(rc);
}

std::error_code log_store::allocate_producer_id(std::int64_t& out) {
  return _impl->run_on_writer([this, &out] { return _impl->do_allocate_producer_id(out); });
}

std::error_code log_store::impl::do_allocate_producer_id(std::int64_t& out) {
  TERN_ASSERT(std::this_thread::get_id() == writer_id);
  if (sync_failed) return storage_errc::io_error;
  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
  std::uint8_t next[8];
  format::put_u64(next, static_cast<std::uint64_t>(next_producer_id + 1));
  MDB_val k = to_val(format::meta_next_producer_id), v = to_val(next, 8);
  if (int rc = mdb_put(t.txn, dbi_meta, &k, &v, 0)) return map_mdb_error(rc);
  if (int rc = t.commit()) return map_mdb_error(rc);
  unsynced_commits = true;
  out = next_producer_id++;
  return {};
}

std::error_code log_store::impl::check_producers(
    const append_request& r, std::int64_t log_end, const std::map<producer_key, producer_state>& staged,
    std::vector<std::pair<producer_key, producer_state>>& updates, std::int64_t& duplicate_offset,
    std::int64_t next_producer_id_now) const {
  duplicate_offset = -1;
  std::int64_t offset = log_end;
  std::size_t duplicates = 0, idempotent = 0;
  std::int64_t first_duplicate = -1;
  for (auto batch : r.batches) {
    record_batch::batch_header h;
    [[maybe_unused]] auto ec = record_batch::parse_header(batch, h);
    TERN_ASSERT(!ec);
    std::int64_t base = offset;
    offset += std::int64_t{h.last_offset_delta} + 1;
    if (h.producer_id < 0 || h.base_sequence < 0) continue;  // not idempotent
    ++idempotent;
    // In a cluster other brokers allocate producer ids too: only the sequence rules apply.
    if (!options.cluster_producer_ids && h.producer_id >= next_producer_id_now)
      return storage_errc::unknown_producer;
    producer_key key{r.log, h.producer_id};
    const producer_state* current = find_producer(key, updates, staged);
    std::int32_t last_sequence = add_sequence(h.base_sequence, h.last_offset_delta);
    producer_state next;
    if (!current) {
      if (h.base_sequence != 0) return storage_errc::unknown_producer;
      next.epoch = h.producer_epoch;
    } else if (h.producer_epoch < current->epoch) {
      return storage_errc::producer_fenced;
    } else if (h.producer_epoch > current->epoch) {
      if (h.base_sequence != 0) return storage_errc::out_of_order_sequence;
      next.epoch = h.producer_epoch;
    } else {
      bool repeated = false;
      for (const auto& b : current->batches) {
        if (b.first_sequence == h.base_sequence && b.last_sequence == last_sequence) {
          if (duplicates++ == 0) first_duplicate = b.base_offset;
          repeated = true;
        }
      }
      if (repeated) continue;
      std::int32_t expected = current->batches.empty() ? 0 : add_sequence(current->batches.back().last_sequence, 1);
      if (h.base_sequence != expected) return storage_errc::out_of_order_sequence;
      next = *current;
    }
    next.batches.push_back({h.base_sequence, last_sequence, base});
    if (next.batches.size() > log_store::producer_batches_kept) next.batches.erase(next.batches.begin());
    updates.emplace_back(key, std::move(next));
  }
  if (duplicates > 0) {
    // A request is either a plain retry (all batches seen) or new data; a mix means the client
    // lost track of its sequences.
    if (duplicates != idempotent || idempotent != r.batches.size()) return storage_errc::out_of_order_sequence;
    duplicate_offset = first_duplicate;
    updates.clear();
  }
  return {};
}

// The newest view of a producer: this request's earlier batches, the group, the store.
const producer_state* log_store::impl::find_producer(
    const producer_key& key, const std::vector<std::pair<producer_key, producer_state>>& updates,
    const std::map<producer_key, producer_state>& staged) const {
  for (auto it = updates.rbegin(); it != updates.rend(); ++it)
    if (it->first == key) return &it->second;
  if (auto it = staged.find(key); it != staged.end()) return &it->second;
  if (auto it = producers.find(key); it != producers.end()) return &it->second;
  return nullptr;
}

// Kafka's follower append (origin REPLICATION): the leader checked the sequences, so the state
// simply follows the batches; a new producer epoch starts a fresh batch list. The id counter
// goes past every id seen, so this replica, once leader, neither refuses these producers as
// unknown nor hands their ids out again.
void log_store::impl::replica_producers(
    const append_request& r, group_txn& g,
    std::vector<std::pair<producer_key, producer_state>>& updates) const {
  for (auto batch : r.batches) {
    record_batch::batch_header h;
    [[maybe_unused]] auto ec = record_batch::parse_header(batch, h);
    TERN_ASSERT(!ec);
    if (h.producer_id < 0 || h.base_sequence < 0) continue;  // not idempotent (or a marker)
    producer_key key{r.log, h.producer_id};
    const producer_state* current = find_producer(key, updates, g.producers);
    producer_state next = current ? *current : producer_state{};
    if (!current || next.epoch != h.producer_epoch) {
      next.epoch = h.producer_epoch;
      next.batches.clear();
    }
    next.batches.push_back(
        {h.base_sequence, add_sequence(h.base_sequence, h.last_offset_delta), h.base_offset});
    if (next.batches.size() > log_store::producer_batches_kept) next.batches.erase(next.batches.begin());
    updates.emplace_back(key, std::move(next));
    // (In a cluster each broker allocates from its own id range: another broker's ids must not
    // move this one's counter.)
    if (!options.cluster_producer_ids && h.producer_id < INT64_MAX)
      g.next_producer_id = std::max(g.next_producer_id, h.producer_id + 1);
  }
}

// After a truncation to `end` (-1: the partition was emptied, every state goes): producers
// whose newest remembered batch lies at or past `end` are rebuilt from the batches before it,
// scanning back at most producer_rebuild_scan_batches_max batches for their last
// producer_batches_kept batches of the newest epoch found; one with none found loses its state.
// The writes go into `txn`; `changes` (nullopt: erased) is applied in memory after the commit.
int log_store::impl::rebuild_producers(MDB_txn* txn, log_id log, std::int64_t end,
                                       std::map<producer_key, std::optional<producer_state>>& changes) {
  std::map<std::int64_t, producer_state> found;  // producer id → batches found, newest first
  std::set<std::int64_t> affected, complete;
  for (auto it = producers.lower_bound({log, INT64_MIN}); it != producers.end() && it->first.first == log; ++it) {
    if (end < 0 || (!it->second.batches.empty() && it->second.batches.back().base_offset >= end))
      affected.insert(it->first.second);
  }
  if (end > 0 && !affected.empty()) {
    cursor_guard c;
    if (int rc = mdb_cursor_open(txn, dbs_of(log).batches, &c.cursor)) return rc;
    auto key = format::log_key(log, end);
    MDB_val k = to_val(key), v{};
    int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    rc = mdb_cursor_get(c.cursor, &k, &v, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
    for (std::size_t n = 0; rc == 0 && n < producer_rebuild_scan_batches_max &&
                            complete.size() < affected.size();
         ++n, rc = mdb_cursor_get(c.cursor, &k, &v, MDB_PREV)) {
      log_id found_log{0};
      std::uint64_t base = 0;
      record_batch::batch_header h;
      if (!format::split_key(to_span(k), found_log, base) || found_log != log ||
          record_batch::parse_header(to_span(v), h))
        break;
      if (h.base_sequence < 0 || !affected.count(h.producer_id) || complete.count(h.producer_id))
        continue;
      producer_state& st = found[h.producer_id];
      if (!st.batches.empty() && st.epoch != h.producer_epoch) {
        complete.insert(h.producer_id);  // an older epoch: the state starts after it
        continue;
      }
      st.epoch = h.producer_epoch;
      st.batches.push_back({h.base_sequence, add_sequence(h.base_sequence, h.last_offset_delta),
                            format::offset_of(base)});
      if (st.batches.size() == log_store::producer_batches_kept) complete.insert(h.producer_id);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  }
  for (std::int64_t id : affected) {
    producer_key key{log, id};
    auto it = found.find(id);
    if (it == found.end()) {
      auto k_bytes = producer_key_bytes(log, id);
      MDB_val k = to_val(k_bytes);
      int rc = mdb_del(txn, dbi_producers, &k, nullptr);
      if (rc != 0 && rc != MDB_NOTFOUND) return rc;
      changes[key] = std::nullopt;
      continue;
    }
    std::reverse(it->second.batches.begin(), it->second.batches.end());  // newest last
    if (int rc = write_producer_state(txn, key, it->second)) return rc;
    changes[key] = std::move(it->second);
  }
  return 0;
}

int log_store::impl::write_producer_state(MDB_txn* txn, const producer_key& key, const producer_state& st) {
  auto k_bytes = producer_key_bytes(key.first, key.second);
  auto v_bytes = encode_producer(st);
  MDB_val k = to_val(k_bytes), v = to_val(v_bytes);
  return mdb_put(txn, dbi_producers, &k, &v, 0);
}

void log_store::describe_producers(
    log_id log, std::function<void(std::error_code, std::vector<producer_summary>)> done) {
  auto* p = _impl.get();
  p->queue_task(
      [p, log, done] {
        std::vector<producer_summary> out;
        if (p->partitions.find(log) == p->partitions.end()) return done(p->unknown_log_error(log), out);
        for (auto it = p->producers.lower_bound({log, INT64_MIN}); it != p->producers.end() && it->first.first == log;
             ++it) {
          const auto& st = it->second;
          producer_summary s;
          s.producer_id = it->first.second;
          s.producer_epoch = st.epoch;
          if (!st.batches.empty()) {
            s.last_sequence = st.batches.back().last_sequence;
            s.last_batch_offset = ids::offset{st.batches.back().base_offset};
          }
          out.push_back(s);
        }
        done({}, std::move(out));
      },
      [done](std::error_code ec) { done(ec, {}); });
}

}  // namespace tern::storage
