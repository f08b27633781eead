#pragma once
// Helpers shared by the storage tests: a private temporary data dir per test, batch building,
// synchronous appends, and raw LMDB access for checks the public API cannot make.
#include <gtest/gtest.h>
#include <lmdb.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "storage/log_store.h"
#include "tern/common/crc32c.h"
#include "tern/common/record_batch.h"

namespace tern::storage::test {

using bytes = std::vector<std::uint8_t>;

// A fresh directory under /tmp, removed with everything in it when the test ends.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = "/tmp/tern-storage-test-XXXXXX";
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    _path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(_path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return _path; }

 private:
  std::string _path;
};

inline std::int64_t wall_clock_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline store_options options_for(const temp_dir& dir) {
  store_options o;
  o.dir = dir.path() + "/data";
  o.map_size_bytes = 64ull << 20;
  o.retention_check_interval_ms = 0;  // tests drive retention explicitly
  return o;
}

inline std::unique_ptr<log_store> open_store(const store_options& o) {
  std::unique_ptr<log_store> s;
  auto ec = log_store::open(o, s);
  EXPECT_FALSE(ec) << ec.message();
  return s;
}

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// One uncompressed batch, one record per timestamp, values "<prefix><i>". base offset 0: the
// store must rewrite it.
inline bytes make_batch(const std::vector<std::int64_t>& timestamps,
                        const std::string& prefix = "v", std::size_t value_size = 0) {
  record_batch::batch_builder b;
  std::vector<std::string> values;
  values.reserve(timestamps.size());
  for (std::size_t i = 0; i < timestamps.size(); ++i) {
    std::string v = prefix + std::to_string(i);
    if (v.size() < value_size) v.resize(value_size, 'x');
    values.push_back(std::move(v));
    b.add(timestamps[i], std::nullopt, as_bytes(values.back()));
  }
  bytes out;
  b.build(out);
  return out;
}

// Marks a batch as gzip-compressed (payload unchanged) and fixes its CRC: the store never
// inflates, so this stands in for a real compressed batch.
inline void mark_compressed(bytes& batch) {
  batch[record_batch::attributes_offset + 1] |= 0x01;
  std::uint32_t crc =
      crc32c(std::span<const std::uint8_t>(batch).subspan(record_batch::attributes_offset));
  for (int i = 0; i < 4; ++i)
    batch[record_batch::crc_offset + i] = static_cast<std::uint8_t>(crc >> (8 * (3 - i)));
}

// Builds an append request that owns its batches through keepalive.
inline append_request make_request(log_id log, std::vector<bytes> batches,
                                   std::function<void(const append_result&)> done) {
  auto keep = std::make_shared<std::vector<bytes>>(std::move(batches));
  append_request r;
  r.log = log;
  for (const auto& b : *keep) r.batches.emplace_back(b);
  r.keepalive = keep;
  r.done = std::move(done);
  return r;
}

inline append_result append_sync(log_store& s, log_id log, std::vector<bytes> batches) {
  auto p = std::make_shared<std::promise<append_result>>();
  auto f = p->get_future();
  s.append(make_request(log, std::move(batches), [p](const append_result& r) { p->set_value(r); }));
  return f.get();
}

// Reads a whole partition from `offset` in one snapshot; fails the test on error.
// truncate (or reset) and wait for its callback.
inline std::error_code truncate_sync(log_store& s, log_id log, std::int64_t offset,
                                     bool reset = false) {
  auto p = std::make_shared<std::promise<std::error_code>>();
  auto f = p->get_future();
  auto done = [p](std::error_code ec) { p->set_value(ec); };
  if (reset)
    s.reset(log, ids::offset{offset}, done);
  else
    s.truncate(log, ids::offset{offset}, done);
  return f.get();
}

inline std::vector<bytes> read_all(const log_store& s, log_id log, std::int64_t offset) {
  std::unique_ptr<read_txn> txn;
  EXPECT_FALSE(s.begin_read(txn));
  std::vector<bytes_view> views;
  std::size_t n = 0;
  auto ec = txn->read(log, ids::offset{offset}, SIZE_MAX, ids::offset{INT64_MAX}, views, n);
  EXPECT_FALSE(ec) << ec.message();
  std::vector<bytes> out;
  for (auto v : views) out.emplace_back(v.begin(), v.end());
  return out;
}
inline std::vector<bytes> read_all(const log_store& s, log_id log, ids::offset offset) {
  return read_all(s, log, offset.value());
}

// Raw LMDB access to a closed store's data dir.
class raw_env {
 public:
  explicit raw_env(const std::string& dir) {
    EXPECT_EQ(mdb_env_create(&_env), 0);
    mdb_env_set_maxdbs(_env, 256);
    mdb_env_set_mapsize(_env, 64ull << 20);
    EXPECT_EQ(mdb_env_open(_env, dir.c_str(), 0, 0640), 0);
  }
  ~raw_env() { mdb_env_close(_env); }
  raw_env(const raw_env&) = delete;
  raw_env& operator=(const raw_env&) = delete;

  // Number of keys in `db` whose first 4 bytes (a BE log id) lie in [first, first + count).
  // "log" and "index_ts" stand for the per-log databases of schema 4 (log/<id>, ts/<id>).
  std::size_t count_logs(const char* db, log_id first, std::uint32_t count) {
    std::string_view name = db;
    if (name == "log" || name == "index_ts") {
      std::size_t n = 0;
      for (std::uint32_t id = first.value(); id < first.value() + count; ++id) {
        char own[32];
        std::snprintf(own, sizeof own, "%s/%08x", name == "log" ? "log" : "ts", id);
        n += count_db(own, first, count);
      }
      return n;
    }
    return count_db(db, first, count);
  }

  // The same for one database; a database that does not exist holds nothing.
  std::size_t count_db(const char* db, log_id first, std::uint32_t count) {
    MDB_txn* txn = nullptr;
    EXPECT_EQ(mdb_txn_begin(_env, nullptr, MDB_RDONLY, &txn), 0);
    MDB_dbi dbi;
    int open_rc = mdb_dbi_open(txn, db, 0, &dbi);
    if (open_rc == MDB_NOTFOUND) {
      mdb_txn_abort(txn);
      return 0;
    }
    EXPECT_EQ(open_rc, 0);
    MDB_cursor* c = nullptr;
    EXPECT_EQ(mdb_cursor_open(txn, dbi, &c), 0);
    MDB_val k{}, v{};
    std::size_t n = 0;
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
      auto* p = static_cast<const std::uint8_t*>(k.mv_data);
      if (k.mv_size < 4) continue;
      std::uint32_t id = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                         (std::uint32_t{p[2]} << 8) | p[3];
      if (id >= first.value() && id < first.value() + count) ++n;
    }
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    return n;
  }

  void put(const char* db, std::string_view key, const bytes& value) {
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(_env, nullptr, 0, &txn), 0);
    MDB_dbi dbi;
    ASSERT_EQ(mdb_dbi_open(txn, db, MDB_CREATE, &dbi), 0);
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v{value.size(), const_cast<std::uint8_t*>(value.data())};
    ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
  }

  void del(const char* db, std::string_view key) {
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(_env, nullptr, 0, &txn), 0);
    MDB_dbi dbi;
    ASSERT_EQ(mdb_dbi_open(txn, db, 0, &dbi), 0);
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    ASSERT_EQ(mdb_del(txn, dbi, &k, nullptr), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
  }

  std::size_t count_prefix(const char* db, std::string_view prefix) {
    MDB_txn* txn = nullptr;
    EXPECT_EQ(mdb_txn_begin(_env, nullptr, MDB_RDONLY, &txn), 0);
    MDB_dbi dbi;
    EXPECT_EQ(mdb_dbi_open(txn, db, 0, &dbi), 0);
    MDB_cursor* c = nullptr;
    EXPECT_EQ(mdb_cursor_open(txn, dbi, &c), 0);
    MDB_val k{}, v{};
    std::size_t n = 0;
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
      std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
      if (key.starts_with(prefix)) ++n;
    }
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    return n;
  }

 private:
  MDB_env* _env = nullptr;
};

// Holds the store's writer thread inside a callback from construction until release() (or the
// destructor): every store call queued meanwhile waits behind it, as behind a big group commit
// and its fsync. release() may be called from any thread, more than once.
class writer_block {
 public:
  explicit writer_block(log_store& store) {
    auto entered = std::make_shared<std::promise<void>>();
    auto inside = entered->get_future();
    store.allocate_producer_id_async(
        [gate = _gate.get_future().share(), entered](std::error_code, std::int64_t) {
          entered->set_value();
          gate.wait();
        });
    inside.wait();
  }
  ~writer_block() { release(); }
  writer_block(const writer_block&) = delete;
  writer_block& operator=(const writer_block&) = delete;
  void release() {
    if (!_released.exchange(true)) _gate.set_value();
  }

 private:
  std::promise<void> _gate;
  std::atomic<bool> _released{false};
};

}  // namespace tern::storage::test
