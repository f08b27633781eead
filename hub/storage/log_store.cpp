// log_store: opening the environment, loading state, and the thread-safe public entry points.
// The writer loop and group commit live in writer.cpp, topic administration in topics.cpp,
// retention and purging in retention.cpp, read transactions in read_txn.cpp.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <tuple>

#include "storage/store_impl.h"
#include "tern/common/check.h"
#include "tern/common/uuid.h"

namespace tern::storage {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "storage"; }
  std::string message(int c) const override {
    switch (static_cast<storage_errc>(c)) {
      case storage_errc::unknown_topic:
        return "unknown topic";
      case storage_errc::unknown_partition:
        return "unknown partition";
      case storage_errc::topic_exists:
        return "topic already exists";
      case storage_errc::invalid_argument:
        return "invalid argument";
      case storage_errc::offset_out_of_range:
        return "offset out of range";
      case storage_errc::map_full:
        return "storage map full";
      case storage_errc::disk_full:
        return "disk full";
      case storage_errc::io_error:
        return "storage I/O error";
      case storage_errc::schema_too_new:
        return "data directory written by a newer version of Tern (its schema_version is above this build's; use that version or a new data dir)";
      case storage_errc::closed:
        return "store is closed";
      case storage_errc::unknown_producer:
        return "unknown producer id (or no state for it here and sequence != 0)";
      case storage_errc::producer_fenced:
        return "producer epoch is older than the current one";
      case storage_errc::out_of_order_sequence:
        return "batch sequence is not the next one expected";
      case storage_errc::budget_exceeded:
        return "the store is at its byte budget (log.dirs.max.bytes) and the topic's "
               "full.policy is reject";
      case storage_errc::fenced_leader_epoch:
        return "leader epoch older than the partition's latest epoch";
      case storage_errc::offset_mismatch:
        return "replica batches do not start at the log end or are not contiguous";
      case storage_errc::map_too_large:
        return "the LMDB map does not fit in this process's address space (32-bit, qemu or "
               "ulimit -v): lower lmdb.map.size (the warning above names a value that fits)";
    }
    return "unknown storage error";
  }
};

// Named databases shared by every log; see the table at the top of log_store.h. Each log adds
// two (log/<id>, ts/<id>); the schema-3 "log" and "index_ts" are opened only to migrate them.
constexpr unsigned named_db_count = 6;
constexpr unsigned cleaner_db_count = 3;  // compaction's checkpoints, key index, tombstones
constexpr unsigned legacy_db_count = 2;

std::error_code get_u32_meta(MDB_txn* txn, MDB_dbi dbi, std::string_view key,
                             std::optional<std::uint32_t>& out) {
  MDB_val k = to_val(key), v{};
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return {};
  if (rc != 0) return map_mdb_error(rc);
  if (v.mv_size != 4) return storage_errc::io_error;
  out = format::get_u32(static_cast<const std::uint8_t*>(v.mv_data));
  return {};
}

std::error_code put_u32_meta(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::uint32_t value) {
  std::uint8_t bytes[4];
  format::put_u32(bytes, value);
  MDB_val k = to_val(key), v = to_val(bytes, 4);
  return map_mdb_error(mdb_put(txn, dbi, &k, &v, 0));
}

std::error_code validate_options(const store_options& o) {
  bool ok = !o.dir.empty() && o.map_size_bytes >= (1u << 16) && o.max_readers >= 1 &&
            (o.sync_every_commit || o.sync_interval_ms > 0) && o.sync_every_records >= 0 &&
            o.max_bytes >= -1 && o.max_partitions >= 1 && o.max_partitions <= (1u << 20);
  topic_settings probe;
  std::string message;
  for (auto key : topic_setting_keys()) {
    // The defaults must be values a topic could set.
    ok = ok && !apply_topic_setting(key, topic_setting_value(o.topic_defaults, key), probe, message);
  }
  return ok ? std::error_code{} : make_error_code(storage_errc::invalid_argument);
}

}  // namespace

const std::error_category& storage_category() {
  static const category c;
  return c;
}

std::error_code map_mdb_error(int rc) {
  if (rc == 0) return {};
  if (rc == MDB_MAP_FULL) return storage_errc::map_full;
  if (rc == ENOSPC || rc == EDQUOT) return storage_errc::disk_full;
  return storage_errc::io_error;
}

// Fills `out` from the kernel's CSPRNG. Kafka ids need uniqueness, not secrecy, but getrandom
// is the one source that cannot silently repeat after a fork or a restart.
static std::error_code random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return storage_errc::io_error;
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// Like Kafka's Uuid.randomUuid: never all-zero, and never a text form starting with '-' (which
// command lines would take for an option).
std::error_code random_uuid(std::array<std::uint8_t, 16>& out) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    if (auto ec = random_bytes(out)) return ec;
    bool zero = std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; });
    if (!zero && uuid_text(out)[0] != '-') return {};
  }
  return storage_errc::io_error;
}

std::error_code parse_topic_configs(const topic_info& info, const store_options& options,
                                    topic_entry& out, std::string& message) {
  out.info = info;
  return resolve_topic_settings(info.configs, options.topic_defaults, out.settings, message);
}

log_store::impl::~impl() {
  stop_writer();
  for (MDB_txn* txn : read_pool) mdb_txn_abort(txn);
  read_pool.clear();
  if (env) mdb_env_close(env);
  if (lock_fd >= 0) close(lock_fd);  // releases the flock
}

// A second store on the same directory would run a second writer whose in-memory offsets
// diverge from the first one's; LMDB also forbids opening one environment twice in a process.
// flock conflicts between open file descriptions, so it catches both cases.
std::error_code log_store::impl::lock_dir() {
  std::error_code fs_ec;
  std::filesystem::create_directories(options.dir, fs_ec);
  if (fs_ec) return fs_ec.value() == ENOSPC ? storage_errc::disk_full : storage_errc::io_error;
  std::string path = options.dir + "/tern.lock";
  lock_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (lock_fd < 0) return errno == ENOSPC ? storage_errc::disk_full : storage_errc::io_error;
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) return storage_errc::io_error;
  return {};
}

// LMDB maps the whole map (or the whole data file, if larger) up front: under a small address
// space (32-bit armhf, qemu user mode, ulimit -v) mdb_env_open fails with ENOMEM or EINVAL. True
// when a reservation of that size fails here too; then log_warning names lmdb.map.size and a
// size that does fit (half the largest reservation that succeeds, leaving room for the rest of
// the process).
bool log_store::impl::map_does_not_fit() const {
  std::uint64_t need = options.map_size_bytes;
  std::error_code fs_ec;
  auto file_bytes = std::filesystem::file_size(options.dir + "/data.mdb", fs_ec);
  if (!fs_ec) need = std::max<std::uint64_t>(need, file_bytes);
  auto fits = [](std::uint64_t bytes) {
    if (bytes > SIZE_MAX) return false;
    void* p = mmap(nullptr, static_cast<std::size_t>(bytes), PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    munmap(p, static_cast<std::size_t>(bytes));
    return true;
  };
  if (fits(need)) return false;
  std::uint64_t largest = need;
  while (largest > (1u << 20) && !fits(largest)) largest /= 2;
  std::uint64_t suggest = largest / 2 / (1u << 20) * (1u << 20);
  if (options.log_warning) {
    std::string message = "storage: cannot map " + std::to_string(need) +
                          " bytes of LMDB (lmdb.map.size=" + std::to_string(options.map_size_bytes) +
                          ") in this process's address space; ";
    if (!fs_ec && file_bytes > suggest) {
      message += "the data file '" + options.dir + "/data.mdb' alone needs " +
                 std::to_string(file_bytes) + " bytes, so this data dir needs a 64-bit host";
    } else {
      message += "set lmdb.map.size=" + std::to_string(suggest) + " (or less)";
    }
    options.log_warning(message);
  }
  return true;
}

std::error_code log_store::impl::open_env() {
  if (int rc = mdb_env_create(&env)) {
    env = nullptr;
    return map_mdb_error(rc);
  }
  int rc = mdb_env_set_mapsize(env, options.map_size_bytes);
  // Two per partition log, and the two shared schema-3 databases a migration reads from.
  if (rc == 0)
    rc = mdb_env_set_maxdbs(env, named_db_count + cleaner_db_count + legacy_db_count +
                                     2 * options.max_partitions);
  if (rc == 0) rc = mdb_env_set_maxreaders(env, options.max_readers);
  // MDB_NOTLS: read transactions belong to the read_txn object, not to the thread, so the io
  // thread may hold several and hand them between coroutines.
  unsigned flags = MDB_NOTLS | (options.sync_every_commit ? 0u : unsigned{MDB_NOSYNC});
  if (rc == 0) rc = mdb_env_open(env, options.dir.c_str(), flags, 0640);
  if ((rc == ENOMEM || rc == EINVAL) && map_does_not_fit()) return storage_errc::map_too_large;
  if (rc != 0) return map_mdb_error(rc);  // ~impl closes env, as mdb_env_open requires
  MDB_stat env_stat{};
  if (mdb_env_stat(env, &env_stat) == 0) page_size_bytes = env_stat.ms_psize;
  read_pool_limit = std::min<std::size_t>(read_pool_max, options.max_readers / 4);
  // Reader slots of a process that died while reading would pin old pages forever.
  int dead = 0;
  rc = mdb_reader_check(env, &dead);
  stat_stale_readers = static_cast<std::uint64_t>(std::max(dead, 0));
  return map_mdb_error(rc);
}

std::error_code log_store::impl::init_and_load() {
  bool migrate = false;
  std::uint32_t from_version = 0;
  if (auto ec = check_schema_and_mark(migrate, from_version)) return ec;
  if (migrate) {
    if (auto ec = migrate_layout(from_version)) return ec;
  }
  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
  if (auto ec = load_meta(t.txn)) return ec;
  if (auto ec = load_topics(t.txn)) return ec;
  if (auto ec = load_partitions(t.txn)) return ec;
  if (auto ec = load_producers(t.txn)) return ec;
  if (auto ec = load_checkpoints(t.txn)) return ec;
  // Every live log's databases (created here for logs that had no batches before schema 4).
  // Handles of logs still to purge are opened by purge_step when it gets to them.
  std::vector<std::pair<log_id, log_dbs>> opened;
  opened.reserve(partitions.size());
  for (const auto& [log, e] : partitions) {
    log_dbs dbs;
    if (int rc = open_log_dbs(t.txn, log, true, dbs)) return log_dbs_error(rc, "opening the store");
    opened.emplace_back(log, dbs);
  }
  // The upgrade repair of batch timestamps runs once per data dir; a new store (no partitions)
  // needs none. Checked in this transaction: a read transaction of its own would cost the idle
  // hub ~100 KiB of heap (LMDB sizes a reader's tables by max_partitions).
  bool timestamps_checked = false;
  if (auto ec = timestamps_marker(t.txn, timestamps_checked)) return ec;
  if (!timestamps_checked && partitions.empty()) {
    if (auto ec = put_timestamps_marker(t.txn)) return ec;
    timestamps_checked = true;
  }
  if (int rc = t.commit()) return map_mdb_error(rc);
  publish_log_dbs(opened);
  if (timestamps_checked) return {};
  return repair_batch_timestamps();
}

// Opens the shared databases and reads the schema version. A new dir is marked current; a
// schema 1-3 dir is marked current with meta_migration = its version in the same transaction
// (from then on an older Tern refuses it), and `migrate` asks for migrate_layout.
std::error_code log_store::impl::check_schema_and_mark(bool& migrate, std::uint32_t& from_version) {
  migrate = false;
  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
  const std::pair<const char*, MDB_dbi*> dbs[] = {{"meta", &dbi_meta},
                                                  {"topics", &dbi_topics},
                                                  {"partitions", &dbi_partitions},
                                                  {"producers", &dbi_producers},
                                                  {"offsets", &dbi_offsets},
                                                  {"epochs", &dbi_epochs}};
  static_assert(std::size(dbs) == named_db_count);
  for (const auto& [name, dbi] : dbs) {
    if (int rc = mdb_dbi_open(t.txn, name, MDB_CREATE, dbi)) return map_mdb_error(rc);
  }
  // The cleaner's databases are new in schema 4 dirs written before it: created here, empty
  // (no checkpoint: every log is dirty), with no schema change (storage_format.h).
  const unsigned dup = MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED;
  const std::tuple<const char*, MDB_dbi*, unsigned> cleaner[] = {
      {format::cleaner_checkpoints_db, &dbi_cleaner_checkpoints, MDB_CREATE},
      {format::cleaner_keys_db, &dbi_cleaner_keys, dup},
      {format::cleaner_tombstones_db, &dbi_cleaner_tombstones, dup}};
  static_assert(std::size(cleaner) == cleaner_db_count);
  for (const auto& [name, dbi, flags] : cleaner) {
    if (int rc = mdb_dbi_open(t.txn, name, flags, dbi)) return map_mdb_error(rc);
  }
  std::optional<std::uint32_t> version, migrating;
  if (auto ec = get_u32_meta(t.txn, dbi_meta, format::meta_schema_version, version)) return ec;
  if (version && *version > format::schema_version) return storage_errc::schema_too_new;
  if (version && *version < 1) return storage_errc::io_error;
  if (auto ec = get_u32_meta(t.txn, dbi_meta, format::meta_migration, migrating)) return ec;
  if (migrating && (*migrating < 1 || *migrating >= 4)) return storage_errc::io_error;
  // A new store, or an older schema this version reads (schema 1: partition states without the
  // active tail; schema 2: without the high watermark and epoch), is marked current.
  if (!version || *version < format::schema_version) {
    if (auto ec = put_u32_meta(t.txn, dbi_meta, format::meta_schema_version, format::schema_version))
      return ec;
    if (version) {
      migrating = *version;
      if (auto ec = put_u32_meta(t.txn, dbi_meta, format::meta_migration, *version)) return ec;
    }
  }
  if (int rc = t.commit()) return map_mdb_error(rc);
  if (migrating) {
    migrate = true;
    from_version = *migrating;
  }
  return {};
}

int log_store::impl::open_log_dbs(MDB_txn* txn, log_id log, bool create, log_dbs& out) {
  unsigned flags = create ? unsigned{MDB_CREATE} : 0u;
  std::string name = format::log_db_name(log);
  if (int rc = mdb_dbi_open(txn, name.c_str(), flags, &out.batches)) return rc;
  name = format::ts_db_name(log);
  return mdb_dbi_open(txn, name.c_str(), flags, &out.index);
}

std::error_code log_store::impl::log_dbs_error(int rc, std::string_view what) const {
  if (rc != MDB_DBS_FULL) return map_mdb_error(rc);
  if (options.log_warning) {
    options.log_warning("storage: " + std::string(what) + " needs more partition logs than the "
                        "store's maximum of " + std::to_string(options.max_partitions) +
                        " (live partitions plus those of deleted topics not purged yet; "
                        "store_options::max_partitions)");
  }
  return storage_errc::invalid_argument;
}

const log_dbs& log_store::impl::dbs_of(log_id log) const {
  auto it = log_databases.find(log);
  TERN_ASSERT(it != log_databases.end());
  return it->second;
}

void log_store::impl::publish_log_dbs(const std::vector<std::pair<log_id, log_dbs>>& opened) {
  if (opened.empty()) return;
  std::unique_lock lock(dbi_mutex);
  std::uint64_t seq = dbi_seq.load() + 1;
  for (auto [log, dbs] : opened) {
    dbs.created_seq = seq;
    log_databases[log] = dbs;
  }
  // After the map: a reader that sees this value also sees the handles (and began its
  // snapshot after their commit, see read_txn.cpp).
  dbi_seq.store(seq);
}

std::error_code log_store::impl::load_meta(MDB_txn* txn) {
  std::optional<std::uint32_t> next;
  if (auto ec = get_u32_meta(txn, dbi_meta, format::meta_next_log_id, next)) return ec;
  next_log_id = next ? log_id{*next} : format::first_log_id;
  if (next_log_id < format::first_log_id) return storage_errc::io_error;

  MDB_val k = to_val(format::meta_cluster_id), v{};
  int rc = mdb_get(txn, dbi_meta, &k, &v);
  if (rc == 0) {
    cluster_id.assign(static_cast<const char*>(v.mv_data), v.mv_size);
  } else if (rc == MDB_NOTFOUND) {
    std::array<std::uint8_t, 16> id{};
    if (auto ec = random_uuid(id)) return ec;
    cluster_id = uuid_text(id);
    v = to_val(cluster_id);
    if (auto ec = map_mdb_error(mdb_put(txn, dbi_meta, &k, &v, 0))) return ec;
  } else {
    return map_mdb_error(rc);
  }

  // Topics deleted before a restart may still have batches to purge.
  cursor_guard c;
  if (int rc2 = mdb_cursor_open(txn, dbi_meta, &c.cursor)) return map_mdb_error(rc2);
  k = to_val(format::meta_purge_prefix);
  for (rc = mdb_cursor_get(c.cursor, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
    if (!key.starts_with(format::meta_purge_prefix)) break;
    if (key.size() != format::meta_purge_prefix.size() + 4 || v.mv_size != 4)
      return storage_errc::io_error;
    auto* id = reinterpret_cast<const std::uint8_t*>(key.data() + format::meta_purge_prefix.size());
    purges.push_back({log_id{format::get_u32(id)},
                      format::get_u32(static_cast<const std::uint8_t*>(v.mv_data)), log_id{0}});
  }
  return rc == MDB_NOTFOUND ? std::error_code{} : map_mdb_error(rc);
}

std::error_code log_store::impl::load_topics(MDB_txn* txn) {
  cursor_guard c;
  if (int rc = mdb_cursor_open(txn, dbi_topics, &c.cursor)) return map_mdb_error(rc);
  MDB_val k{}, v{};
  int rc = 0;
  for (rc = mdb_cursor_get(c.cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(c.cursor, &k, &v, MDB_NEXT)) {
    std::string_view name(static_cast<const char*>(k.mv_data), k.mv_size);
    topic_info info;
    if (!format::decode_topic(name, to_span(v), info)) return storage_errc::io_error;
    auto entry = std::make_shared<topic_entry>();
    std::string message;
    if (parse_topic_configs(info, options, *entry, message)) return storage_errc::io_error;
    for (const auto& [first, count] : log_ranges(info)) {
      std::uint64_t end = std::uint64_t{first.value()} + count;
      if (first < format::first_log_id || end > next_log_id.value()) return storage_errc::io_error;
    }
    topics.emplace(std::string(name), std::move(entry));
  }
  return rc == MDB_NOTFOUND ? std::error_code{} : map_mdb_error(rc);
}

// One get per partition of every topic: restart costs O(partitions), never a log scan.
std::error_code log_store::impl::load_partitions(MDB_txn* txn) {
  for (const auto& [name, topic] : topics) {
    for (std::int32_t p = 0; p < topic->info.partition_count; ++p) {
      log_id log = topic->info.partition_log(ids::partition_index{p});
      auto key = format::log_id_key(log);
      MDB_val k = to_val(key), v{};
      if (int rc = mdb_get(txn, dbi_partitions, &k, &v)) {
        return rc == MDB_NOTFOUND ? make_error_code(storage_errc::io_error) : map_mdb_error(rc);
      }
      partition_entry e;
      if (!format::decode_partition(to_span(v), e.offsets)) return storage_errc::io_error;
      e.topic = topic;
      stored_bytes += e.offsets.size_bytes;
      if (e.offsets.high_watermark >= 0) hw_latest[log] = e.offsets.high_watermark;
      if (!partitions.emplace(log, std::move(e)).second) return storage_errc::io_error;
    }
  }
  return {};
}

void log_store::impl::start_writer() {
  auto now = options.time.monotonic_now();
  hw_flushed_at = now;
  next_retention_at = now + std::chrono::milliseconds(options.retention_check_interval_ms);
  next_compaction_at = now + std::chrono::milliseconds(options.compaction_interval_ms);
  stat_stored_bytes = stored_bytes;
  // The writer asserts it runs on writer_id: it must not start before writer_id is set.
  std::promise<void> ready;
  auto started = ready.get_future();
  writer = std::thread([this, started = std::move(started)]() mutable {
    started.wait();
    writer_main();
  });
  writer_id = writer.get_id();
  ready.set_value();
}

void log_store::impl::stop_writer() {
  if (!writer.joinable()) return;
  {
    std::lock_guard lock(queue_mutex);
    stopping = true;
  }
  queue_cv.notify_one();
  writer.join();
}

std::error_code log_store::impl::run_on_writer(std::function<std::error_code()> fn) {
  // The writer would wait for itself; a callback calling back into admin is a programming error.
  TERN_ASSERT(std::this_thread::get_id() != writer_id);
  if (std::this_thread::get_id() == writer_id) return storage_errc::invalid_argument;
  auto result = std::make_shared<std::promise<std::error_code>>();
  auto future = result->get_future();
  {
    std::lock_guard lock(queue_mutex);
    if (stopping) return storage_errc::closed;
    queue.emplace_back(writer_task([result, fn = std::move(fn)] { result->set_value(fn()); }));
  }
  queue_cv.notify_one();
  return future.get();
}

std::error_code log_store::impl::unknown_log_error(log_id log) const {
  std::lock_guard lock(state_mutex);
  return log >= format::first_log_id && log < next_log_id ? storage_errc::unknown_topic
                                                          : storage_errc::unknown_partition;
}

// ---- public API ----

log_store::log_store(std::unique_ptr<impl> p) : _impl(std::move(p)) {}

log_store::~log_store() = default;  // ~impl drains the queue, syncs, joins, closes the env

std::error_code log_store::open(const store_options& options, std::unique_ptr<log_store>& out) {
  if (auto ec = validate_options(options)) return ec;
  auto p = std::make_unique<impl>();
  p->options = options;
  if (auto ec = p->lock_dir()) return ec;
  if (auto ec = p->open_env()) return ec;
  if (auto ec = p->init_and_load()) return ec;
  p->start_writer();
  out.reset(new log_store(std::move(p)));
  return {};
}

// Pure argument checks of create_topic, so bad input never queues behind producers.
static std::error_code check_create_args(std::string_view name, std::int32_t partitions,
                                         const std::map<std::string, std::string>& configs,
                                         const store_options& options) {
  if (!format::valid_topic_name(name)) return storage_errc::invalid_argument;
  if (partitions < 1 || partitions > format::partition_count_max)
    return storage_errc::invalid_argument;
  if (configs.size() > format::config_count_max) return storage_errc::invalid_argument;
  for (const auto& [key, value] : configs) {
    if (key.empty() || key.size() > format::config_key_size_max ||
        value.size() > format::config_value_size_max)
      return storage_errc::invalid_argument;
  }
  topic_info probe;
  probe.configs = configs;
  topic_entry parsed;
  std::string message;
  return parse_topic_configs(probe, options, parsed, message);
}

// Kafka reserves the all-zero Uuid (ZERO_UUID) for "no id".
static std::error_code check_topic_id(const std::array<std::uint8_t, 16>& topic_id) {
  if (std::all_of(topic_id.begin(), topic_id.end(), [](std::uint8_t b) { return b == 0; }))
    return storage_errc::invalid_argument;
  return {};
}

std::error_code log_store::create_topic(std::string_view name, std::int32_t partitions,
                                        const std::map<std::string, std::string>& configs,
                                        topic_info& out) {
  if (auto ec = check_create_args(name, partitions, configs, _impl->options)) return ec;
  return _impl->run_on_writer(
      [&] { return _impl->do_create_topic(name, partitions, configs, nullptr, out); });
}

std::error_code log_store::create_topic(std::string_view name, std::int32_t partitions,
                                        const std::array<std::uint8_t, 16>& topic_id,
                                        const std::map<std::string, std::string>& configs,
                                        topic_info& out) {
  if (auto ec = check_topic_id(topic_id)) return ec;
  if (auto ec = check_create_args(name, partitions, configs, _impl->options)) return ec;
  return _impl->run_on_writer(
      [&] { return _impl->do_create_topic(name, partitions, configs, &topic_id, out); });
}

std::error_code log_store::delete_topic(std::string_view name) {
  if (!format::valid_topic_name(name)) return storage_errc::unknown_topic;
  return _impl->run_on_writer([&] { return _impl->do_delete_topic(name); });
}

// Pure argument checks of add_partitions (the count against the topic's is the writer's).
static std::error_code check_add_partitions_args(std::string_view name, std::int32_t new_total) {
  if (!format::valid_topic_name(name)) return storage_errc::unknown_topic;
  if (new_total < 1 || new_total > format::partition_count_max) return storage_errc::invalid_argument;
  return {};
}

std::error_code log_store::add_partitions(std::string_view name, std::int32_t new_total,
                                          topic_info& out) {
  if (auto ec = check_add_partitions_args(name, new_total)) return ec;
  return _impl->run_on_writer([&] { return _impl->do_add_partitions(name, new_total, out); });
}

// Pure argument checks of alter_topic_configs; `message` names what is wrong.
static std::error_code check_alter_args(std::string_view name,
                                        const std::map<std::string, std::string>& configs,
                                        const store_options& options, std::string& message) {
  if (!format::valid_topic_name(name)) return storage_errc::unknown_topic;
  if (configs.size() > format::config_count_max) {
    message = "more than " + std::to_string(format::config_count_max) + " configs";
    return storage_errc::invalid_argument;
  }
  for (const auto& [key, value] : configs) {
    if (key.empty() || key.size() > format::config_key_size_max ||
        value.size() > format::config_value_size_max) {
      message = "config key or value too long: '" + key.substr(0, 64) + "'";
      return storage_errc::invalid_argument;
    }
  }
  topic_info probe;
  probe.configs = configs;
  topic_entry parsed;
  return parse_topic_configs(probe, options, parsed, message);
}

std::error_code log_store::alter_topic_configs(std::string_view name,
                                               const std::map<std::string, std::string>& configs,
                                               std::string& message) {
  if (auto ec = check_alter_args(name, configs, _impl->options, message)) return ec;
  return _impl->run_on_writer([&] { return _impl->do_alter_topic(name, configs); });
}

// ---- asynchronous administration: the same work queued as a writer task ----

void log_store::create_topic_async(std::string name, std::int32_t partitions,
                                   std::map<std::string, std::string> configs,
                                   std::function<void(std::error_code, const topic_info&)> done) {
  TERN_ASSERT(done);
  if (auto ec = check_create_args(name, partitions, configs, _impl->options)) return done(ec, {});
  _impl->queue_create_topic(std::move(name), partitions, std::nullopt, std::move(configs),
                            std::move(done));
}

void log_store::create_topic_async(std::string name, std::int32_t partitions,
                                   const std::array<std::uint8_t, 16>& topic_id,
                                   std::map<std::string, std::string> configs,
                                   std::function<void(std::error_code, const topic_info&)> done) {
  TERN_ASSERT(done);
  std::error_code ec = check_topic_id(topic_id);
  if (!ec) ec = check_create_args(name, partitions, configs, _impl->options);
  if (ec) return done(ec, {});
  _impl->queue_create_topic(std::move(name), partitions, topic_id, std::move(configs),
                            std::move(done));
}

void log_store::impl::queue_create_topic(std::string name, std::int32_t partition_count,
                                         std::optional<std::array<std::uint8_t, 16>> topic_id,
                                         std::map<std::string, std::string> configs,
                                         std::function<void(std::error_code, const topic_info&)> done) {
  auto task = [this, name = std::move(name), partition_count, topic_id, configs = std::move(configs), done] {
    topic_info info;
    auto ec = do_create_topic(name, partition_count, configs, topic_id ? &*topic_id : nullptr, info);
    done(ec, info);
  };
  queue_task(std::move(task), [done](std::error_code ec) { done(ec, {}); });
}

void log_store::delete_topic_async(std::string name, std::function<void(std::error_code)> done) {
  TERN_ASSERT(done);
  if (!format::valid_topic_name(name)) return done(storage_errc::unknown_topic);
  auto* p = _impl.get();
  p->queue_task([p, name = std::move(name), done] { done(p->do_delete_topic(name)); }, done);
}

void log_store::add_partitions_async(std::string name, std::int32_t new_total,
                                     std::function<void(std::error_code, const topic_info&)> done) {
  TERN_ASSERT(done);
  if (auto ec = check_add_partitions_args(name, new_total)) return done(ec, {});
  auto* p = _impl.get();
  p->queue_task(
      [p, name = std::move(name), new_total, done] {
        topic_info info;
        auto ec = p->do_add_partitions(name, new_total, info);
        done(ec, info);
      },
      [done](std::error_code ec) { done(ec, {}); });
}

void log_store::alter_topic_configs_async(
    std::string name, std::map<std::string, std::string> configs,
    std::function<void(std::error_code, const std::string& message)> done) {
  TERN_ASSERT(done);
  std::string message;
  if (auto ec = check_alter_args(name, configs, _impl->options, message)) return done(ec, message);
  auto* p = _impl.get();
  p->queue_task([p, name = std::move(name), configs = std::move(configs),
                 done] { done(p->do_alter_topic(name, configs), std::string{}); },
                [done](std::error_code ec) { done(ec, std::string{}); });
}

void log_store::allocate_producer_id_async(std::function<void(std::error_code, std::int64_t)> done) {
  TERN_ASSERT(done);
  auto* p = _impl.get();
  p->queue_task(
      [p, done] {
        std::int64_t id = -1;
        auto ec = p->do_allocate_producer_id(id);
        done(ec, id);
      },
      [done](std::error_code ec) { done(ec, -1); });
}

std::optional<topic_settings> log_store::topic_settings_of(std::string_view name) const {
  std::lock_guard lock(_impl->state_mutex);
  auto it = _impl->topics.find(name);
  if (it == _impl->topics.end()) return std::nullopt;
  return it->second->settings;
}

const store_options& log_store::options() const { return _impl->options; }

log_store::stats log_store::get_stats() const {
  stats s;
  s.stored_bytes = _impl->stat_stored_bytes;
  s.budget_rejections = _impl->stat_budget_rejections;
  s.dropped_batches = _impl->stat_dropped_batches;
  s.dropped_bytes = _impl->stat_dropped_bytes;
  s.dropped_held_records = _impl->stat_dropped_held_records;
  s.compacted_records = _impl->stat_compacted_records;
  s.compaction_passes = _impl->stat_compaction_passes;
  s.compaction_bytes_read = _impl->stat_compaction_bytes_read;
  s.compaction_index_reads = _impl->stat_compaction_index_reads;
  s.stale_readers_cleared = _impl->stat_stale_readers;
  MDB_envinfo info{};
  MDB_stat st{};
  if (mdb_env_info(_impl->env, &info) == 0 && mdb_env_stat(_impl->env, &st) == 0) {
    s.map_used_bytes = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
    s.map_size_bytes = info.me_mapsize;
  }
  return s;
}

std::vector<topic_info> log_store::list_topics() const {
  std::lock_guard lock(_impl->state_mutex);
  std::vector<topic_info> out;
  out.reserve(_impl->topics.size());
  for (const auto& [name, t] : _impl->topics) out.push_back(t->info);
  return out;
}

std::optional<topic_info> log_store::find_topic(std::string_view name) const {
  std::lock_guard lock(_impl->state_mutex);
  auto it = _impl->topics.find(name);
  if (it == _impl->topics.end()) return std::nullopt;
  return it->second->info;
}

std::string log_store::cluster_id() const { return _impl->cluster_id; }

void log_store::append(append_request request) {
  {
    std::lock_guard lock(_impl->queue_mutex);
    if (!_impl->stopping) {
      _impl->queue.emplace_back(std::move(request));
      _impl->queue_cv.notify_one();
      return;
    }
  }
  append_result r;
  r.error = storage_errc::closed;
  if (request.done) request.done(r);
}

void log_store::set_commit_listener(std::function<void(const std::vector<log_id>&)> listener) {
  std::lock_guard lock(_impl->queue_mutex);
  _impl->commit_listener = std::move(listener);
}

std::error_code log_store::begin_read(std::unique_ptr<read_txn>& out) const {
  // Before the snapshot begins: a log whose databases were published later is one this
  // snapshot may not see (read_txn.cpp).
  std::uint64_t seq = _impl->dbi_seq.load();
  MDB_txn* txn = nullptr;
  if (int rc = _impl->begin_read_txn(txn)) return map_mdb_error(rc);
  out.reset(new read_txn(txn, this, seq));
  return {};
}

int log_store::impl::begin_read_txn(MDB_txn*& out) {
  MDB_txn* pooled = nullptr;
  {
    std::lock_guard lock(read_pool_mutex);
    if (!read_pool.empty()) {
      pooled = read_pool.back();
      read_pool.pop_back();
    }
  }
  if (pooled) {
    if (mdb_txn_renew(pooled) == 0) {
      out = pooled;
      return 0;
    }
    mdb_txn_abort(pooled);
  }
  return mdb_txn_begin(env, nullptr, MDB_RDONLY, &out);
}

void log_store::impl::end_read_txn(MDB_txn* txn) {
  mdb_txn_reset(txn);
  {
    std::lock_guard lock(read_pool_mutex);
    if (read_pool.size() < read_pool_limit) {
      read_pool.push_back(txn);
      return;
    }
  }
  mdb_txn_abort(txn);
}

std::optional<partition_offsets> log_store::offsets(log_id log) const {
  partition_state out;
  {
    std::lock_guard lock(_impl->state_mutex);
    auto it = _impl->partitions.find(log);
    if (it == _impl->partitions.end()) return std::nullopt;
    out = it->second.offsets;
  }
  _impl->report_high_watermark(log, out);
  return out.reported();
}

std::size_t log_store::enforce_retention(std::int64_t now_ms) {
  return _impl->run_pass_and_wait([p = _impl.get(), now_ms](std::promise<std::size_t> waiter) {
    retention_run run;
    run.now_ms = now_ms;
    run.waiters.push_back(std::move(waiter));
    p->retention_runs.push_back(std::move(run));
  });
}

std::size_t log_store::enforce_compaction(std::int64_t now_ms) {
  return _impl->run_pass_and_wait([p = _impl.get(), now_ms](std::promise<std::size_t> waiter) {
    compaction_run run;
    run.now_ms = now_ms;
    run.waiters.push_back(std::move(waiter));
    // An explicit pass looks at every partition, compacted before or not.
    p->compacted_at_end.clear();
    p->compaction_runs.push_back(std::move(run));
  });
}

// Queues `start` for the writer (it starts a background pass that fulfils the promise when the
// pass ends) and waits for the pass; 0 when the store is closing.
std::size_t log_store::impl::run_pass_and_wait(
    std::function<void(std::promise<std::size_t>)> start) {
  TERN_ASSERT(std::this_thread::get_id() != writer_id);
  if (std::this_thread::get_id() == writer_id) return 0;
  auto waiter = std::make_shared<std::promise<std::size_t>>();
  auto future = waiter->get_future();
  {
    std::lock_guard lock(queue_mutex);
    if (stopping) return 0;
    queue.emplace_back(writer_task([start = std::move(start), waiter] { start(std::move(*waiter)); }));
  }
  queue_cv.notify_one();
  return future.get();
}

}  // namespace tern::storage
