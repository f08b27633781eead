// Checkpoints with retention holds (log_store.h, "Checkpoints and retention holds"). Values live
// in the meta database under "checkpoint/<name>"; the holds are also kept in memory (under
// hw_mutex, like the high watermarks they sit beside) because retention and compaction consult
// them for every partition they touch.
#include <climits>

#include "storage/store_impl.h"
#include "tern/common/check.h"

namespace tern::storage {
namespace {

constexpr std::size_t checkpoint_name_size_max = 255;
constexpr std::size_t checkpoint_holds_max = 100000;
constexpr std::size_t hold_entry_size = 12;

std::string checkpoint_key(std::string_view name) {
  std::string key(format::meta_checkpoint_prefix);
  key += name;
  return key;
}

using hold_list = std::vector<std::pair<log_id, ids::offset>>;

std::vector<std::uint8_t> encode_checkpoint(const hold_list& holds, const std::vector<std::uint8_t>& value) {
  std::vector<std::uint8_t> out(4 + holds.size() * hold_entry_size + value.size());
  format::put_u32(out.data(), static_cast<std::uint32_t>(holds.size()));
  std::uint8_t* p = out.data() + 4;
  for (auto [log, offset] : holds) {
    format::put_u32(p, log.value());
    format::put_u64(p + 4, static_cast<std::uint64_t>(offset.value()));
    p += hold_entry_size;
  }
  std::copy(value.begin(), value.end(), p);
  return out;
}

// False on a damaged record (too short, or a count that runs past it).
bool decode_checkpoint(bytes_view data, hold_list* holds, std::vector<std::uint8_t>* value) {
  if (data.size() < 4) return false;
  std::uint64_t count = format::get_u32(data.data());
  if (count > (data.size() - 4) / hold_entry_size) return false;
  const std::uint8_t* p = data.data() + 4;
  if (holds) {
    holds->clear();
    for (std::uint64_t i = 0; i < count; ++i, p += hold_entry_size) {
      auto offset = format::get_u64(p + 4);
      if (offset > static_cast<std::uint64_t>(INT64_MAX)) return false;
      holds->emplace_back(log_id{format::get_u32(p)},
                          ids::offset{static_cast<std::int64_t>(offset)});
    }
  } else {
    p += count * hold_entry_size;
  }
  if (value) value->assign(p, data.data() + data.size());
  return true;
}

}  // namespace

std::int64_t log_store::impl::hold_floor(log_id log) const {
  std::lock_guard lock(hw_mutex);
  auto it = holds.find(log);
  if (it == holds.end()) return INT64_MAX;
  std::int64_t floor = INT64_MAX;
  for (const auto& [holder, offset] : it->second) floor = std::min(floor, offset);
  return floor;
}

std::error_code log_store::impl::load_checkpoints(MDB_txn* txn) {
  cursor_guard c;
  if (int rc = mdb_cursor_open(txn, dbi_meta, &c.cursor)) return map_mdb_error(rc);
  MDB_val k = to_val(format::meta_checkpoint_prefix), v{};
  int rc = 0;
  hold_list list;
  for (rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
    if (!key.starts_with(format::meta_checkpoint_prefix)) break;
    if (!decode_checkpoint(to_span(v), &list, nullptr)) return storage_errc::io_error;
    std::string name(key.substr(format::meta_checkpoint_prefix.size()));
    for (auto [log, offset] : list) holds[log][name] = offset.value();
  }
  return rc == MDB_NOTFOUND ? std::error_code{} : map_mdb_error(rc);
}

void log_store::put_checkpoint(std::string name, std::vector<std::uint8_t> value,
                               std::vector<std::pair<log_id, ids::offset>> holds,
                               std::function<void(std::error_code)> done) {
  bool valid = !name.empty() && name.size() <= checkpoint_name_size_max &&
               value.size() <= checkpoint_value_size_max && holds.size() <= checkpoint_holds_max;
  for (const auto& h : holds) valid = valid && h.second >= ids::offset{0};
  if (!valid) {
    if (done) done(storage_errc::invalid_argument);
    return;
  }
  auto* p = _impl.get();
  p->queue_task(
      [p, name = std::move(name), value = std::move(value), holds = std::move(holds), done] {
        auto run = [&]() -> std::error_code {
          if (p->sync_failed) return storage_errc::io_error;
          txn_guard t;
          if (int rc = mdb_txn_begin(p->env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
          auto key = checkpoint_key(name);
          auto bytes = encode_checkpoint(holds, value);
          MDB_val k = to_val(key), v = to_val(bytes);
          if (int rc = mdb_put(t.txn, p->dbi_meta, &k, &v, 0)) return map_mdb_error(rc);
          if (int rc = t.commit()) return map_mdb_error(rc);
          p->unsynced_commits = true;
          std::lock_guard lock(p->hw_mutex);
          for (auto it = p->holds.begin(); it != p->holds.end();) {
            it->second.erase(name);
            it = it->second.empty() ? p->holds.erase(it) : std::next(it);
          }
          for (auto [log, offset] : holds) p->holds[log][name] = offset.value();
          return {};
        };
        auto ec = run();
        if (done) done(ec);
      },
      done);
}

void log_store::drop_checkpoint(std::string name, std::function<void(std::error_code)> done) {
  auto* p = _impl.get();
  p->queue_task(
      [p, name = std::move(name), done] {
        auto run = [&]() -> std::error_code {
          if (p->sync_failed) return storage_errc::io_error;
          txn_guard t;
          if (int rc = mdb_txn_begin(p->env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
          auto key = checkpoint_key(name);
          MDB_val k = to_val(key);
          int rc = mdb_del(t.txn, p->dbi_meta, &k, nullptr);
          if (rc && rc != MDB_NOTFOUND) return map_mdb_error(rc);
          if (rc == 0) {
            if ((rc = t.commit())) return map_mdb_error(rc);
            p->unsynced_commits = true;
          }
          std::lock_guard lock(p->hw_mutex);
          for (auto it = p->holds.begin(); it != p->holds.end();) {
            it->second.erase(name);
            it = it->second.empty() ? p->holds.erase(it) : std::next(it);
          }
          return {};
        };
        auto ec = run();
        if (done) done(ec);
      },
      done);
}

std::error_code log_store::get_checkpoint(std::string_view name, std::vector<std::uint8_t>& value,
                                          bool& found) const {
  found = false;
  txn_guard t;
  if (int rc = mdb_txn_begin(_impl->env, nullptr, MDB_RDONLY, &t.txn)) return map_mdb_error(rc);
  auto key = checkpoint_key(name);
  MDB_val k = to_val(key), v{};
  int rc = mdb_get(t.txn, _impl->dbi_meta, &k, &v);
  if (rc == MDB_NOTFOUND) return {};
  if (rc) return map_mdb_error(rc);
  if (!decode_checkpoint(to_span(v), nullptr, &value)) return storage_errc::io_error;
  found = true;
  return {};
}

std::vector<std::string> log_store::checkpoint_names() const {
  std::vector<std::string> names;
  txn_guard t;
  if (mdb_txn_begin(_impl->env, nullptr, MDB_RDONLY, &t.txn)) return names;
  cursor_guard c;
  if (mdb_cursor_open(t.txn, _impl->dbi_meta, &c.cursor)) return names;
  MDB_val k = to_val(format::meta_checkpoint_prefix), v{};
  for (int rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
    if (!key.starts_with(format::meta_checkpoint_prefix)) break;
    names.emplace_back(key.substr(format::meta_checkpoint_prefix.size()));
  }
  return names;
}

void log_store::set_creation_hold_policy(std::function<std::vector<std::string>(std::string_view)> policy) {
  std::lock_guard lock(_impl->hw_mutex);
  _impl->creation_hold_policy = std::move(policy);
}

std::optional<ids::offset> log_store::retention_hold(log_id log, std::string_view holder) const {
  std::lock_guard lock(_impl->hw_mutex);
  auto it = _impl->holds.find(log);
  if (it == _impl->holds.end()) return std::nullopt;
  auto h = it->second.find(holder);
  if (h == it->second.end()) return std::nullopt;
  return ids::offset{h->second};
}

std::optional<ids::offset> log_store::retention_hold(log_id log) const {
  std::int64_t floor = _impl->hold_floor(log);
  if (floor == INT64_MAX) return std::nullopt;
  return ids::offset{floor};
}

}  // namespace tern::storage
