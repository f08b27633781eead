// Committed offsets of consumer groups: (group, topic, partition) → position + metadata, the
// role Kafka's __consumer_offsets plays. Writes go through the writer thread, reads use a short
// read-only transaction.
#include <cassert>

#include "storage/store_impl.h"
#include "tern/common/check.h"

namespace tern::storage {
namespace {

constexpr std::size_t name_size_max = 32 * 1024;
constexpr std::size_t metadata_size_max = 32 * 1024;

void put_u16(std::vector<std::uint8_t>& out, std::size_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_bytes(std::vector<std::uint8_t>& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

std::vector<std::uint8_t> group_prefix(std::string_view group) {
  std::vector<std::uint8_t> k;
  put_u16(k, group.size());
  put_bytes(k, group);
  return k;
}

std::vector<std::uint8_t> offset_key(std::string_view group, std::string_view topic,
                                     ids::partition_index partition) {
  auto k = group_prefix(group);
  put_u16(k, topic.size());
  put_bytes(k, topic);
  std::uint8_t p[4];
  format::put_u32(p, static_cast<std::uint32_t>(partition.value()));
  k.insert(k.end(), p, p + 4);
  return k;
}

// Splits a key into its parts; false when it is not one of ours.
bool split_offset_key(bytes_view k, std::string_view& group, std::string_view& topic,
                      ids::partition_index& partition) {
  auto take = [&k](std::string_view& out) {
    if (k.size() < 2) return false;
    std::size_t n = (std::size_t{k[0]} << 8) | k[1];
    if (k.size() < 2 + n) return false;
    out = {reinterpret_cast<const char*>(k.data() + 2), n};
    k = k.subspan(2 + n);
    return true;
  };
  if (!take(group) || !take(topic) || k.size() != 4) return false;
  partition = ids::partition_index{static_cast<std::int32_t>(format::get_u32(k.data()))};
  return true;
}

std::vector<std::uint8_t> encode_offset(const log_store::committed_offset& o) {
  std::vector<std::uint8_t> v(8 + 4 + 8 + 1 + 4);
  format::put_u64(v.data(), static_cast<std::uint64_t>(o.offset.value()));
  format::put_u32(v.data() + 8, static_cast<std::uint32_t>(o.leader_epoch.value()));
  format::put_u64(v.data() + 12, static_cast<std::uint64_t>(o.commit_time_ms));
  v[20] = o.metadata ? 1 : 0;
  format::put_u32(v.data() + 21, static_cast<std::uint32_t>(o.metadata ? o.metadata->size() : 0));
  if (o.metadata) put_bytes(v, *o.metadata);
  return v;
}

bool decode_offset(bytes_view v, log_store::committed_offset& o) {
  if (v.size() < 25) return false;
  o.offset = ids::offset{static_cast<std::int64_t>(format::get_u64(v.data()))};
  o.leader_epoch = ids::leader_epoch{static_cast<std::int32_t>(format::get_u32(v.data() + 8))};
  o.commit_time_ms = static_cast<std::int64_t>(format::get_u64(v.data() + 12));
  std::size_t n = format::get_u32(v.data() + 21);
  if (v[20] > 1 || v.size() != 25 + n) return false;
  if (v[20]) o.metadata = std::string(reinterpret_cast<const char*>(v.data() + 25), n);
  else o.metadata.reset();
  return true;
}

bool starts_with(bytes_view key, const std::vector<std::uint8_t>& prefix) {
  return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

// Deletes every key starting with `prefix` for which drop(key) is true. Collects first, then
// deletes, so no cursor position after mdb_cursor_del has to be reasoned about.
template <typename Drop>
int delete_where(MDB_txn* txn, MDB_dbi dbi, const std::vector<std::uint8_t>& prefix, Drop drop) {
  std::vector<std::vector<std::uint8_t>> doomed;
  {
    cursor_guard c;
    if (int rc = mdb_cursor_open(txn, dbi, &c.cursor)) return rc;
    MDB_val k = to_val(prefix), v{};
    int rc = prefix.empty() ? mdb_cursor_get(c.cursor, &k, &v, MDB_FIRST)
                            : mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == 0 && starts_with(to_span(k), prefix); rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
      auto key = to_span(k);
      if (drop(key)) doomed.emplace_back(key.begin(), key.end());
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  }
  for (const auto& key : doomed) {
    MDB_val k = to_val(key);
    if (int rc = mdb_del(txn, dbi, &k, nullptr)) return rc;
  }
  return 0;
}

}  // namespace

void log_store::commit_offsets(std::string group, std::vector<committed_offset> offsets,
                               std::function<void(std::error_code)> done) {
  auto task = [this, group = std::move(group), offsets = std::move(offsets), done]() mutable {
    auto& s = *_impl;
    auto run = [&]() -> std::error_code {
      if (group.size() > name_size_max) return storage_errc::invalid_argument;
      for (const auto& o : offsets)
        if (o.topic.size() > name_size_max || (o.metadata && o.metadata->size() > metadata_size_max))
          return storage_errc::invalid_argument;
      if (s.sync_failed) return storage_errc::io_error;
      txn_guard t;
      if (int rc = mdb_txn_begin(s.env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
      std::int64_t now = s.options.time.wall_ms();
      for (auto& o : offsets) {
        o.commit_time_ms = now;
        auto k_bytes = offset_key(group, o.topic, o.partition);
        auto v_bytes = encode_offset(o);
        MDB_val k = to_val(k_bytes), v = to_val(v_bytes);
        if (int rc = mdb_put(t.txn, s.dbi_offsets, &k, &v, 0)) return map_mdb_error(rc);
      }
      if (int rc = t.commit()) return map_mdb_error(rc);
      s.unsynced_commits = true;
      return {};
    };
    auto ec = run();
    if (done) done(ec);
  };
  {
    std::lock_guard lock(_impl->queue_mutex);
    if (!_impl->stopping) {
      _impl->queue.emplace_back(writer_task(std::move(task)));
      _impl->queue_cv.notify_one();
      return;
    }
  }
  if (done) done(storage_errc::closed);
}

std::error_code log_store::committed_offsets(std::string_view group, std::vector<committed_offset>& out) const {
  txn_guard t;
  if (int rc = mdb_txn_begin(_impl->env, nullptr, MDB_RDONLY, &t.txn)) return map_mdb_error(rc);
  cursor_guard c;
  if (int rc = mdb_cursor_open(t.txn, _impl->dbi_offsets, &c.cursor)) return map_mdb_error(rc);
  auto prefix = group_prefix(group);
  MDB_val k = to_val(prefix), v{};
  int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE);
  for (; rc == 0 && starts_with(to_span(k), prefix); rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    std::string_view g, topic;
    committed_offset o;
    if (!split_offset_key(to_span(k), g, topic, o.partition) || !decode_offset(to_span(v), o))
      return storage_errc::io_error;
    o.topic = std::string(topic);
    out.push_back(std::move(o));
  }
  return rc == 0 || rc == MDB_NOTFOUND ? std::error_code{} : map_mdb_error(rc);
}

std::error_code log_store::offset_groups(std::vector<std::pair<std::string, std::int64_t>>& out) const {
  txn_guard t;
  if (int rc = mdb_txn_begin(_impl->env, nullptr, MDB_RDONLY, &t.txn)) return map_mdb_error(rc);
  cursor_guard c;
  if (int rc = mdb_cursor_open(t.txn, _impl->dbi_offsets, &c.cursor)) return map_mdb_error(rc);
  MDB_val k{}, v{};
  int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    std::string_view g, topic;
    committed_offset o;
    ids::partition_index partition{0};
    if (!split_offset_key(to_span(k), g, topic, partition) || !decode_offset(to_span(v), o))
      return storage_errc::io_error;
    if (out.empty() || out.back().first != g) out.emplace_back(std::string(g), o.commit_time_ms);
    else out.back().second = std::max(out.back().second, o.commit_time_ms);
  }
  return rc == MDB_NOTFOUND ? std::error_code{} : map_mdb_error(rc);
}

std::error_code log_store::delete_group_offsets(std::string_view group) {
  return delete_offsets(group, {});
}

std::error_code log_store::delete_offsets(
    std::string_view group,
    const std::vector<std::pair<std::string, ids::partition_index>>& partitions) {
  std::string g(group);
  return _impl->run_on_writer([this, &g, &partitions] { return _impl->do_delete_offsets(g, partitions); });
}

void log_store::delete_group_offsets_async(std::string group, std::function<void(std::error_code)> done) {
  delete_offsets_async(std::move(group), {}, std::move(done));
}

void log_store::delete_offsets_async(
    std::string group, std::vector<std::pair<std::string, ids::partition_index>> partitions,
    std::function<void(std::error_code)> done) {
  TERN_ASSERT(done);
  auto* p = _impl.get();
  p->queue_task([p, group = std::move(group), partitions = std::move(partitions),
                 done] { done(p->do_delete_offsets(group, partitions)); },
                done);
}

std::error_code log_store::impl::do_delete_offsets(
    const std::string& group,
    const std::vector<std::pair<std::string, ids::partition_index>>& which) {
  TERN_ASSERT(std::this_thread::get_id() == writer_id);
  if (sync_failed) return storage_errc::io_error;
  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
  int rc = delete_where(t.txn, dbi_offsets, group_prefix(group), [&](bytes_view key) {
    if (which.empty()) return true;
    std::string_view kg, topic;
    ids::partition_index partition{0};
    if (!split_offset_key(key, kg, topic, partition)) return false;
    for (const auto& [t_name, p] : which)
      if (t_name == topic && p == partition) return true;
    return false;
  });
  if (rc == 0) rc = t.commit();
  if (rc) return map_mdb_error(rc);
  unsynced_commits = true;
  return {};
}

int log_store::impl::delete_topic_offsets(MDB_txn* txn, std::string_view topic) {
  return delete_where(txn, dbi_offsets, {}, [topic](bytes_view key) {
    std::string_view g, t;
    ids::partition_index partition{0};
    return split_offset_key(key, g, t, partition) && t == topic;
  });
}

}  // namespace tern::storage
