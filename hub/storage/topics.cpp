// Topic administration on the writer thread: create allocates fresh log ids, delete removes the
// topic in one small transaction and leaves the (possibly huge) batch data to purge_step.
#include "tern/common/check.h"

#include "storage/store_impl.h"

namespace tern::storage {

std::error_code log_store::impl::do_create_topic(std::string_view name,
                                                 std::int32_t partition_count,
                                                 const std::map<std::string, std::string>& configs,
                                                 const std::array<std::uint8_t, 16>* topic_id,
                                                 topic_info& out) {
  TERN_ASSERT(std::this_thread::get_id() == writer_id);
  TERN_ASSERT(partition_count >= 1 && partition_count <= format::partition_count_max);
  if (sync_failed) return storage_errc::io_error;
  if (topics.find(name) != topics.end()) return storage_errc::topic_exists;
  // Log ids are never reused, so running out is the end of this data dir, not a transient error.
  if (std::uint64_t{next_log_id.value()} + std::uint64_t(partition_count) > UINT32_MAX)
    return storage_errc::io_error;

  auto entry = std::make_shared<topic_entry>();
  topic_info info;
  info.name = std::string(name);
  info.partition_count = partition_count;
  info.first_log_id = next_log_id;
  info.configs = configs;
  if (topic_id) {
    // Replicas of a cluster all create the topic under the controller's id: two topics with
    // one id would make the id ambiguous.
    for (const auto& [other_name, other] : topics)
      if (other->info.uuid == *topic_id) return storage_errc::invalid_argument;
    info.uuid = *topic_id;
  } else if (auto ec = random_uuid(info.uuid)) {
    return ec;
  }
  std::string message;
  if (auto ec = parse_topic_configs(info, options, *entry, message)) return ec;
  log_id next{next_log_id.value() + static_cast<log_id::rep>(partition_count)};

  // The environment has handles for a little more (see open_env); the limit is the option's.
  if (log_databases.size() + static_cast<std::size_t>(partition_count) > options.max_partitions)
    return log_dbs_error(MDB_DBS_FULL, "creating topic '" + info.name + "'");

  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
  auto record = format::encode_topic(info);
  MDB_val k = to_val(name), v = to_val(record);
  int rc = mdb_put(t.txn, dbi_topics, &k, &v, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) return storage_errc::topic_exists;
  if (rc != 0) return map_mdb_error(rc);
  partition_state fresh;  // high watermark never set (-1), no epoch
  std::vector<std::pair<log_id, log_dbs>> opened;
  opened.reserve(static_cast<std::size_t>(partition_count));
  for (std::int32_t p = 0; p < partition_count; ++p) {
    if ((rc = write_partition_state(t.txn, info.partition_log(ids::partition_index{p}), fresh)))
      return map_mdb_error(rc);
    log_dbs dbs;
    // DBS_FULL: more logs than store_options::max_partitions. (An aborted transaction closes
    // the handles it opened.)
    if ((rc = open_log_dbs(t.txn, info.partition_log(ids::partition_index{p}), true, dbs)))
      return log_dbs_error(rc, "creating topic '" + info.name + "'");
    opened.emplace_back(info.partition_log(ids::partition_index{p}), dbs);
  }
  std::uint8_t next_bytes[4];
  format::put_u32(next_bytes, next.value());
  k = to_val(format::meta_next_log_id);
  v = to_val(next_bytes, 4);
  if ((rc = mdb_put(t.txn, dbi_meta, &k, &v, 0))) return map_mdb_error(rc);
  if ((rc = t.commit())) return map_mdb_error(rc);
  publish_log_dbs(opened);

  {
    std::lock_guard lock(state_mutex);
    for (std::int32_t p = 0; p < partition_count; ++p) {
      partitions[info.partition_log(ids::partition_index{p})] = partition_entry{fresh, entry};
    }
    topics.emplace(info.name, entry);
    next_log_id = next;
  }
  std::vector<log_id> logs;
  for (std::int32_t p = 0; p < partition_count; ++p)
    logs.push_back(info.partition_log(ids::partition_index{p}));
  apply_creation_holds(info.name, logs);
  out = std::move(info);
  return {};
}

// Holders that want a new log's data from its first record (forwarding links whose pattern
// matches the topic) get a hold at offset 0 now: no retention pass can run between the creation
// and their first checkpoint of it.
void log_store::impl::apply_creation_holds(const std::string& topic, const std::vector<log_id>& logs) {
  std::function<std::vector<std::string>(std::string_view)> policy;
  {
    std::lock_guard lock(hw_mutex);
    policy = creation_hold_policy;
  }
  if (!policy) return;
  auto holders = policy(topic);
  std::lock_guard lock(hw_mutex);
  for (const auto& holder : holders)
    for (log_id log : logs) holds[log][holder] = 0;
}

std::vector<std::pair<log_id, std::uint32_t>> log_ranges(const topic_info& info) {
  std::vector<std::pair<log_id, std::uint32_t>> out;
  for (std::size_t i = 0; i <= info.added.size(); ++i) {
    std::int32_t begin = i == 0 ? 0 : info.added[i - 1].first_partition;
    std::int32_t end = i < info.added.size() ? info.added[i].first_partition : info.partition_count;
    TERN_ASSERT(end > begin);
    out.emplace_back(i == 0 ? info.first_log_id : info.added[i - 1].first_log,
                     static_cast<std::uint32_t>(end - begin));
  }
  return out;
}

// Adds partitions old_count..new_total-1 in one transaction: the topic record (with the new
// extent), fresh partition states and the new logs' databases, and the next log id. The new
// logs start exactly as a created topic's do (empty, no epoch, no high watermark, no producer
// state, creation holds); the old partitions are not touched.
std::error_code log_store::impl::do_add_partitions(std::string_view name, std::int32_t new_total,
                                                   topic_info& out) {
  TERN_ASSERT(std::this_thread::get_id() == writer_id);
  TERN_ASSERT(new_total >= 1 && new_total <= format::partition_count_max);
  if (sync_failed) return storage_errc::io_error;
  auto it = topics.find(name);
  if (it == topics.end()) return storage_errc::unknown_topic;
  topic_info info = it->second->info;
  if (new_total <= info.partition_count) return storage_errc::invalid_argument;
  const std::int32_t old_count = info.partition_count;
  const auto added = static_cast<std::uint32_t>(new_total - old_count);
  // Log ids are never reused, so running out is the end of this data dir (as for creation).
  if (std::uint64_t{next_log_id.value()} + added > UINT32_MAX) return storage_errc::io_error;
  if (log_databases.size() + added > options.max_partitions)
    return log_dbs_error(MDB_DBS_FULL, "adding partitions to topic '" + info.name + "'");

  // When no log was allocated since the topic's last ones, the new ids simply continue them.
  auto ranges = log_ranges(info);
  if (format::log_after(ranges.back().first, ranges.back().second) != next_log_id)
    info.added.push_back({old_count, next_log_id});
  info.partition_count = new_total;
  auto entry = std::make_shared<topic_entry>();
  std::string message;
  if (auto ec = parse_topic_configs(info, options, *entry, message)) return ec;
  log_id next = format::log_after(next_log_id, added);

  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
  auto record = format::encode_topic(info);
  MDB_val k = to_val(name), v = to_val(record);
  int rc = mdb_put(t.txn, dbi_topics, &k, &v, 0);
  if (rc != 0) return map_mdb_error(rc);
  partition_state fresh;
  std::vector<std::pair<log_id, log_dbs>> opened;
  std::vector<log_id> logs;
  for (std::int32_t p = old_count; p < new_total; ++p) {
    log_id log = info.partition_log(ids::partition_index{p});
    TERN_ASSERT(log >= next_log_id && log < next);
    if ((rc = write_partition_state(t.txn, log, fresh))) return map_mdb_error(rc);
    log_dbs dbs;
    if ((rc = open_log_dbs(t.txn, log, true, dbs)))
      return log_dbs_error(rc, "adding partitions to topic '" + info.name + "'");
    opened.emplace_back(log, dbs);
    logs.push_back(log);
  }
  std::uint8_t next_bytes[4];
  format::put_u32(next_bytes, next.value());
  k = to_val(format::meta_next_log_id);
  v = to_val(next_bytes, 4);
  if ((rc = mdb_put(t.txn, dbi_meta, &k, &v, 0))) return map_mdb_error(rc);
  if ((rc = t.commit())) return map_mdb_error(rc);
  publish_log_dbs(opened);

  {
    std::lock_guard lock(state_mutex);
    // Every partition switches to the new entry, so a log's topic reports the new count.
    for (std::int32_t p = 0; p < old_count; ++p) {
      auto part = partitions.find(info.partition_log(ids::partition_index{p}));
      if (part != partitions.end()) part->second.topic = entry;
    }
    for (log_id log : logs) partitions[log] = partition_entry{fresh, entry};
    it->second = entry;
    next_log_id = next;
  }
  apply_creation_holds(info.name, logs);
  out = std::move(info);
  return {};
}

// Removes the topic record and its partition states and records a purge of its logs, all in
// one transaction: from the commit on, the topic is gone for every reader and writer. The
// batches and index entries are deleted afterwards in bounded slices (purge_step), which
// resume after a restart because the purge record is durable.
std::error_code log_store::impl::do_delete_topic(std::string_view name) {
  TERN_ASSERT(std::this_thread::get_id() == writer_id);
  if (sync_failed) return storage_errc::io_error;
  auto it = topics.find(name);
  if (it == topics.end()) return storage_errc::unknown_topic;
  const topic_info& info = it->second->info;

  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
  MDB_val k = to_val(name);
  int rc = mdb_del(t.txn, dbi_topics, &k, nullptr);
  if (rc != 0) return map_mdb_error(rc);
  for (std::int32_t p = 0; p < info.partition_count; ++p) {
    auto key = format::log_id_key(info.partition_log(ids::partition_index{p}));
    k = to_val(key);
    rc = mdb_del(t.txn, dbi_partitions, &k, nullptr);
    if (rc != 0 && rc != MDB_NOTFOUND) return map_mdb_error(rc);
  }
  // One purge record per range of consecutive log ids (partitions added later have their own).
  std::vector<purge_range> new_purges;
  for (const auto& [first, n] : log_ranges(info)) {
    purge_range purge{first, n, log_id{0}};
    std::string purge_key = format::purge_key(purge.first);
    std::uint8_t count[4];
    format::put_u32(count, purge.count);
    k = to_val(purge_key);
    MDB_val v = to_val(count, 4);
    if ((rc = mdb_put(t.txn, dbi_meta, &k, &v, 0))) return map_mdb_error(rc);
    new_purges.push_back(purge);
  }
  // Committed offsets of the topic go with it (Kafka does the same), in the same transaction.
  if ((rc = delete_topic_offsets(t.txn, name))) return map_mdb_error(rc);
  if ((rc = t.commit())) return map_mdb_error(rc);
  // Producer states of its logs are purged from disk with the batches; forget them now.
  for (auto p = producers.begin(); p != producers.end();) {
    bool gone = info.partition_of(p->first.first).has_value();
    p = gone ? producers.erase(p) : std::next(p);
  }

  {
    std::lock_guard lock(state_mutex);
    for (std::int32_t p = 0; p < info.partition_count; ++p) {
      auto part = partitions.find(info.partition_log(ids::partition_index{p}));
      if (part == partitions.end()) continue;
      stored_bytes -= std::min(stored_bytes, part->second.offsets.size_bytes);
      compacted_at_end.erase(part->first);
      partitions.erase(part);
    }
    stat_stored_bytes = stored_bytes;
    topics.erase(it);  // `info` dangles from here on
  }
  {
    std::lock_guard lock(hw_mutex);
    for (const auto& purge : new_purges)
      for (log_id l = purge.first; l.value() < purge.first.value() + purge.count;
           l = log_id{l.value() + 1}) {
        hw_latest.erase(l);
        hw_dirty.erase(l);
      }
  }
  for (const auto& purge : new_purges) purges.push_back(purge);
  return {};
}

// Rewrites the topic record with the new overrides; partitions switch to the new settings
// (a fresh topic_entry) when the commit succeeded.
std::error_code log_store::impl::do_alter_topic(std::string_view name,
                                                const std::map<std::string, std::string>& configs) {
  TERN_ASSERT(std::this_thread::get_id() == writer_id);
  if (sync_failed) return storage_errc::io_error;
  auto it = topics.find(name);
  if (it == topics.end()) return storage_errc::unknown_topic;
  topic_info info = it->second->info;
  info.configs = configs;
  auto entry = std::make_shared<topic_entry>();
  std::string message;
  if (auto ec = parse_topic_configs(info, options, *entry, message)) return ec;

  txn_guard t;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
  auto record = format::encode_topic(info);
  MDB_val k = to_val(name), v = to_val(record);
  if (int rc = mdb_put(t.txn, dbi_topics, &k, &v, 0)) return map_mdb_error(rc);
  if (int rc = t.commit()) return map_mdb_error(rc);
  {
    std::lock_guard lock(state_mutex);
    for (std::int32_t p = 0; p < info.partition_count; ++p) {
      auto part = partitions.find(info.partition_log(ids::partition_index{p}));
      if (part != partitions.end()) part->second.topic = entry;
      // New settings (e.g. a shorter delete.retention.ms) may make work for compaction.
      compacted_at_end.erase(info.partition_log(ids::partition_index{p}));
    }
    it->second = entry;
  }
  return {};
}

}  // namespace tern::storage
