#include "cluster/raft_storage.h"

#include <lmdb.h>

#include <array>
#include "tern/common/check.h"
#include <cstring>
#include <filesystem>
#include <string_view>

#include "app/log.h"
#include "cluster/errors.h"

namespace tern::cluster {
namespace {

constexpr std::string_view format_magic = "TERNRAFT";
constexpr std::uint32_t format_version = 1;
constexpr std::size_t log_value_header_bytes = 9;  // term u64 ‖ type u8

std::error_code io_failure(std::string_view what, int rc) {
  log::error("raft storage: ", what, ": ", mdb_strerror(rc));
  return cluster_errc::io_error;
}

std::error_code corrupt(std::string_view what) {
  log::error("raft storage: ", what);
  return cluster_errc::io_error;
}

MDB_val val_of(const void* p, std::size_t n) { return MDB_val{n, const_cast<void*>(p)}; }
MDB_val val_of(std::string_view s) { return val_of(s.data(), s.size()); }
std::span<const std::uint8_t> bytes_of(const MDB_val& v) {
  return {static_cast<const std::uint8_t*>(v.mv_data), v.mv_size};
}

std::array<std::uint8_t, 8> be64(std::uint64_t v) {
  std::array<std::uint8_t, 8> out{};
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = v & 0xff;
  return out;
}

std::uint64_t from_be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::vector<std::uint8_t> encode_snapshot(const raft_snapshot_record& s) {
  wire::wire_writer w;
  w.i64(static_cast<std::int64_t>(s.index));
  w.i64(static_cast<std::int64_t>(s.term));
  w.i64(static_cast<std::int64_t>(s.configuration_index));
  encode_configuration(w, s.configuration);
  w.u32(static_cast<std::uint32_t>(s.data.size()));
  w.raw(s.data);
  return w.contiguous();
}

std::error_code decode_snapshot(std::span<const std::uint8_t> bytes, raft_snapshot_record& s) {
  wire::wire_reader r(bytes);
  s.index = static_cast<std::uint64_t>(r.i64());
  s.term = static_cast<std::uint64_t>(r.i64());
  s.configuration_index = static_cast<std::uint64_t>(r.i64());
  if (r.failed() || decode_configuration(r, s.configuration)) return corrupt("bad snapshot record");
  std::uint32_t len = r.u32();
  auto data = r.raw(len);
  if (r.failed() || r.remaining() != 0) return corrupt("bad snapshot record");
  s.data.assign(data.begin(), data.end());
  return {};
}

}  // namespace

// A transaction that aborts unless committed.
struct raft_storage::txn {
  MDB_txn* handle = nullptr;
  ~txn() {
    if (handle != nullptr) mdb_txn_abort(handle);
  }
  int begin(void* env, bool read_only) {
    return mdb_txn_begin(static_cast<MDB_env*>(env), nullptr, read_only ? MDB_RDONLY : 0,
                         &handle);
  }
  int commit() {
    int rc = mdb_txn_commit(handle);
    handle = nullptr;
    return rc;
  }
};

raft_storage::~raft_storage() { close(); }

std::error_code raft_storage::open(const std::string& dir, std::uint64_t map_size_bytes) {
  TERN_ASSERT(_env == nullptr);
  std::error_code fs_ec;
  std::filesystem::create_directories(dir, fs_ec);
  if (fs_ec) {
    log::error("raft storage: cannot create ", dir, ": ", fs_ec.message());
    return cluster_errc::io_error;
  }
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc == 0) rc = mdb_env_set_maxdbs(env, 4);
  if (rc == 0) rc = mdb_env_set_mapsize(env, map_size_bytes);
  // Default flags keep fsync in every commit: the durability this store promises.
  if (rc == 0) rc = mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0640);
  if (rc != 0) {
    if (env != nullptr) mdb_env_close(env);
    return io_failure("open " + dir, rc);
  }
  _env = env;
  _dir = dir;
  if (auto ec = init_databases()) {
    close();
    return ec;
  }
  return {};
}

// Creates the databases in an empty environment, or checks the format of an existing one.
std::error_code raft_storage::init_databases() {
  txn t;
  if (int rc = t.begin(_env, false)) return io_failure("begin", rc);
  MDB_dbi meta = 0;
  int rc = mdb_dbi_open(t.handle, "meta", 0, &meta);
  if (rc == MDB_NOTFOUND) {
    MDB_dbi main_db = 0;
    MDB_stat st{};
    if (mdb_dbi_open(t.handle, nullptr, 0, &main_db) != 0 || mdb_stat(t.handle, main_db, &st) != 0 ||
        st.ms_entries != 0) {
      return corrupt(_dir + " holds an LMDB environment that is not a quorum store");
    }
    rc = mdb_dbi_open(t.handle, "meta", MDB_CREATE, &meta);
    std::string format(format_magic);
    auto v = be64(format_version);
    format.append(reinterpret_cast<const char*>(v.data()) + 4, 4);
    MDB_val k = val_of("format"), d = val_of(format);
    if (rc == 0) rc = mdb_put(t.handle, meta, &k, &d, 0);
  } else if (rc == 0) {
    MDB_val k = val_of("format"), d{};
    rc = mdb_get(t.handle, meta, &k, &d);
    if (rc != 0 || d.mv_size != format_magic.size() + 4 ||
        std::memcmp(d.mv_data, format_magic.data(), format_magic.size()) != 0) {
      return corrupt(_dir + ": not a quorum store (format marker missing)");
    }
    std::uint8_t buf[8] = {0, 0, 0, 0};
    std::memcpy(buf + 4, static_cast<const char*>(d.mv_data) + format_magic.size(), 4);
    if (from_be64(buf) != format_version) return corrupt(_dir + ": unknown quorum store version");
  }
  if (rc != 0) return io_failure("open meta", rc);
  MDB_dbi log_db = 0;
  rc = mdb_dbi_open(t.handle, "log", MDB_CREATE, &log_db);
  if (rc == 0) rc = t.commit();
  if (rc != 0) return io_failure("create databases", rc);
  _meta = meta;
  _log = log_db;
  return {};
}

void raft_storage::close() {
  if (_env == nullptr) return;
  mdb_env_close(static_cast<MDB_env*>(_env));
  _env = nullptr;
}

std::error_code raft_storage::pristine(bool& out) const {
  raft_persistent_state s;
  if (auto ec = load(s)) return ec;
  out = s.term == 0 && s.entries.empty() && !s.snapshot;
  return {};
}

std::error_code raft_storage::load(raft_persistent_state& out) const {
  out = raft_persistent_state{};
  txn t;
  if (int rc = t.begin(_env, true)) return io_failure("begin", rc);
  for (auto [key, field] : {std::pair{"term", &out.term}, std::pair{"vote", &out.voted_for}}) {
    MDB_val k = val_of(key), d{};
    int rc = mdb_get(t.handle, _meta, &k, &d);
    if (rc == MDB_NOTFOUND) continue;
    if (rc != 0) return io_failure("read meta", rc);
    if (d.mv_size != 8) return corrupt("bad term/vote record");
    *field = from_be64(static_cast<const std::uint8_t*>(d.mv_data));
  }
  MDB_val k = val_of("snapshot"), d{};
  int rc = mdb_get(t.handle, _meta, &k, &d);
  if (rc == 0) {
    out.snapshot.emplace();
    if (auto ec = decode_snapshot(bytes_of(d), *out.snapshot)) return ec;
  } else if (rc != MDB_NOTFOUND) {
    return io_failure("read snapshot", rc);
  }
  MDB_cursor* c = nullptr;
  if ((rc = mdb_cursor_open(t.handle, _log, &c)) != 0) return io_failure("cursor", rc);
  std::uint64_t expected = 0;
  for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
    if (k.mv_size != 8 || d.mv_size < log_value_header_bytes) {
      mdb_cursor_close(c);
      return corrupt("bad log record");
    }
    std::uint64_t index = from_be64(static_cast<const std::uint8_t*>(k.mv_data));
    if (expected == 0) out.start_index = index;
    if (expected != 0 && index != expected) {
      mdb_cursor_close(c);
      return corrupt("gap in the log");
    }
    expected = index + 1;
    auto bytes = bytes_of(d);
    raft_log_entry e{from_be64(bytes.data()), bytes[8], {bytes.begin() + 9, bytes.end()}};
    if (e.type < TERN_RAFT_COMMAND || e.type > TERN_RAFT_CHANGE) {
      mdb_cursor_close(c);
      return corrupt("bad log entry type");
    }
    out.entries.push_back(std::move(e));
  }
  mdb_cursor_close(c);
  if (rc != MDB_NOTFOUND) return io_failure("scan log", rc);
  if (out.entries.empty()) out.start_index = out.snapshot ? out.snapshot->index + 1 : 1;
  if (out.snapshot && out.start_index > out.snapshot->index + 1) {
    return corrupt("gap between the snapshot and the log");
  }
  return {};
}

std::error_code raft_storage::put_u64(const char* key, std::uint64_t v, bool clear_vote) {
  txn t;
  if (int rc = t.begin(_env, false)) return io_failure("begin", rc);
  auto bytes = be64(v);
  MDB_val k = val_of(key), d = val_of(bytes.data(), bytes.size());
  int rc = mdb_put(t.handle, _meta, &k, &d, 0);
  if (rc == 0 && clear_vote) {
    auto zero = be64(0);
    MDB_val vk = val_of("vote"), vd = val_of(zero.data(), zero.size());
    rc = mdb_put(t.handle, _meta, &vk, &vd, 0);
  }
  if (rc == 0) rc = t.commit();
  if (rc != 0) return io_failure(key, rc);
  return {};
}

std::error_code raft_storage::set_term(std::uint64_t term) { return put_u64("term", term, true); }
std::error_code raft_storage::set_vote(std::uint64_t id) { return put_u64("vote", id, false); }

std::error_code raft_storage::log_bounds(std::uint64_t& first, std::uint64_t& last) const {
  first = last = 0;
  txn t;
  if (int rc = t.begin(_env, true)) return io_failure("begin", rc);
  MDB_cursor* c = nullptr;
  if (int rc = mdb_cursor_open(t.handle, _log, &c)) return io_failure("cursor", rc);
  MDB_val k{}, d{};
  int rc = mdb_cursor_get(c, &k, &d, MDB_FIRST);
  if (rc == 0 && k.mv_size == 8) first = from_be64(static_cast<const std::uint8_t*>(k.mv_data));
  if (rc == 0) rc = mdb_cursor_get(c, &k, &d, MDB_LAST);
  if (rc == 0 && k.mv_size == 8) last = from_be64(static_cast<const std::uint8_t*>(k.mv_data));
  mdb_cursor_close(c);
  if (rc != 0 && rc != MDB_NOTFOUND) return io_failure("log bounds", rc);
  return {};
}

std::error_code raft_storage::append(std::uint64_t first_index,
                                     std::span<const raft_log_entry> entries) {
  for (const auto& e : entries) {
    if (e.payload.size() > raft_entry_size_max_bytes) return cluster_errc::entry_too_large;
  }
  std::uint64_t first = 0, last = 0;
  if (auto ec = log_bounds(first, last)) return ec;
  if (first_index == 0 || (last != 0 && first_index != last + 1)) {
    return corrupt("append at " + std::to_string(first_index) + " after " + std::to_string(last));
  }
  txn t;
  if (int rc = t.begin(_env, false)) return io_failure("begin", rc);
  std::vector<std::uint8_t> value;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto key = be64(first_index + i);
    auto term = be64(entries[i].term);
    value.assign(term.begin(), term.end());
    value.push_back(static_cast<std::uint8_t>(entries[i].type));
    value.insert(value.end(), entries[i].payload.begin(), entries[i].payload.end());
    MDB_val k = val_of(key.data(), key.size()), d = val_of(value.data(), value.size());
    if (int rc = mdb_put(t.handle, _log, &k, &d, MDB_APPEND)) return io_failure("append", rc);
  }
  if (int rc = t.commit()) return io_failure("append commit", rc);
  return {};
}

// Deletes log keys in [from, to) (to == 0: no upper bound) inside t.
static int delete_range(MDB_txn* t, MDB_dbi db, std::uint64_t from, std::uint64_t to) {
  MDB_cursor* c = nullptr;
  if (int rc = mdb_cursor_open(t, db, &c)) return rc;
  auto key = be64(from);
  MDB_val k = val_of(key.data(), key.size()), d{};
  int rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
  while (rc == 0) {
    if (k.mv_size == 8 && to != 0 && from_be64(static_cast<const std::uint8_t*>(k.mv_data)) >= to) {
      break;
    }
    rc = mdb_cursor_del(c, 0);
    // After a delete, MDB_NEXT yields the key that followed the deleted one.
    if (rc == 0) rc = mdb_cursor_get(c, &k, &d, MDB_NEXT);
  }
  mdb_cursor_close(c);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

std::error_code raft_storage::truncate(std::uint64_t from_index) {
  txn t;
  if (int rc = t.begin(_env, false)) return io_failure("begin", rc);
  if (int rc = delete_range(t.handle, _log, from_index, 0)) return io_failure("truncate", rc);
  if (int rc = t.commit()) return io_failure("truncate commit", rc);
  return {};
}

std::error_code raft_storage::put_snapshot(const raft_snapshot_record& s, std::uint32_t trailing) {
  if (s.data.size() > raft_snapshot_size_max_bytes) return cluster_errc::entry_too_large;
  auto bytes = encode_snapshot(s);
  txn t;
  if (int rc = t.begin(_env, false)) return io_failure("begin", rc);
  MDB_val k = val_of("snapshot"), d = val_of(bytes.data(), bytes.size());
  int rc = mdb_put(t.handle, _meta, &k, &d, 0);
  if (rc == 0 && trailing == 0) {
    rc = delete_range(t.handle, _log, 0, 0);
  } else if (rc == 0 && s.index > trailing) {
    rc = delete_range(t.handle, _log, 0, s.index - trailing + 1);
  }
  if (rc == 0) rc = t.commit();
  if (rc != 0) return io_failure("put snapshot", rc);
  return {};
}

std::error_code raft_storage::get_snapshot(std::optional<raft_snapshot_record>& out) const {
  out.reset();
  txn t;
  if (int rc = t.begin(_env, true)) return io_failure("begin", rc);
  MDB_val k = val_of("snapshot"), d{};
  int rc = mdb_get(t.handle, _meta, &k, &d);
  if (rc == MDB_NOTFOUND) return {};
  if (rc != 0) return io_failure("read snapshot", rc);
  out.emplace();
  return decode_snapshot(bytes_of(d), *out);
}

void raft_storage_worker::start() {
  TERN_ASSERT(!_thread.joinable());
  _stopping = false;
  _thread = std::thread([this] { loop(); });
}

void raft_storage_worker::submit(job j) {
  {
    std::lock_guard lock(_mutex);
    if (!_stopping) {
      _jobs.push_back(std::move(j));
      _wake.notify_one();
      return;
    }
  }
  if (j.cancelled) j.cancelled();
}

void raft_storage_worker::loop() {
  for (;;) {
    job j;
    {
      std::unique_lock lock(_mutex);
      _wake.wait(lock, [this] { return _stopping || !_jobs.empty(); });
      if (_stopping) return;
      j = std::move(_jobs.front());
      _jobs.pop_front();
    }
    j.run();
  }
}

void raft_storage_worker::stop() {
  std::deque<job> dropped;
  {
    std::lock_guard lock(_mutex);
    _stopping = true;
    dropped.swap(_jobs);
    _wake.notify_one();
  }
  if (_thread.joinable()) _thread.join();
  for (auto& j : dropped) {
    if (j.cancelled) j.cancelled();
  }
}

}  // namespace tern::cluster
