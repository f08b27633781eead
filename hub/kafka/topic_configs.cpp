#include "kafka/topic_configs.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <functional>

namespace tern::kafka {
namespace {

using ct = config_type;

// What DescribeConfigs tells about the keys storage owns (the keys themselves, and their
// validation, come from storage). A storage key missing here is still accepted and described,
// as a STRING without a broker synonym.
struct storage_key_info {
  std::string_view name;
  std::string_view broker_key;
  config_type type;
  std::string_view doc;
};
constexpr std::array<storage_key_info, 8> storage_info{{
    {"cleanup.policy", "log.cleanup.policy", ct::list,
     "delete (retention), compact (latest record per key), or compact,delete"},
    {"retention.ms", "log.retention.ms", ct::long_,
     "age after which whole batches are deleted; -1 = no time limit"},
    {"retention.bytes", "log.retention.bytes", ct::long_,
     "per-partition size above which the oldest batches are deleted; -1 = no limit"},
    {"delete.retention.ms", "log.cleaner.delete.retention.ms", ct::long_,
     "how long compaction keeps tombstones"},
    {"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", ct::long_,
     "a batch is compacted only once it is at least this old"},
    {"segment.ms", "log.roll.ms", ct::long_,
     "the active (never compacted) tail starts afresh once it is this old"},
    {"segment.bytes", "log.segment.bytes", ct::long_,
     "the active (never compacted) tail starts afresh once it holds this many bytes"},
    {"full.policy", "log.full.policy", ct::string,
     "Tern: what an append does when the store is at its byte budget: reject or drop-oldest"},
}};

// Keys only this layer knows, with their integer bounds (for the integer ones).
struct kafka_key {
  topic_config_key key;
  std::int64_t min;
  std::int64_t max;
};
// Accepted so that scripts and tools written for Kafka (librdkafka's own test suite sets
// message.format.version, min.cleanable.dirty.ratio and file.delete.delay.ms) do not fail; stored
// and described like the others, validated by Kafka's rules, not acted on.
constexpr std::string_view not_acted_on = "Kafka topic config, accepted and stored; Tern does not act on it";
constexpr std::array<kafka_key, 29> kafka_keys{{
    {{"max.message.bytes", "message.max.bytes", ct::int_, false,
      "largest record batch Produce accepts for this topic"},
     0,
     INT32_MAX},
    {{"compression.type", "compression.type", ct::string, false,
      "accepted for Kafka tools; batches are stored as produced"},
     0,
     0},
    {{"message.timestamp.type", "log.message.timestamp.type", ct::string, false,
      "CreateTime: a batch's maxTimestamp is recomputed from its records; LogAppendTime: the "
      "broker's time when it appends the batch"},
     0,
     0},
    {{"message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms", ct::long_,
      false, "Produce refuses (INVALID_TIMESTAMP) a CreateTime this far from the broker's time"},
     0,
     INT64_MAX},
    {{"message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms", ct::long_, false,
      "Produce refuses (INVALID_TIMESTAMP) a CreateTime this far before the broker's time"},
     0,
     INT64_MAX},
    {{"message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms", ct::long_, false,
      "Produce refuses (INVALID_TIMESTAMP) a CreateTime this far after the broker's time"},
     0,
     INT64_MAX},
    {{"min.insync.replicas", "min.insync.replicas", ct::int_, false,
      "accepted for Kafka tools; one node is always in sync"},
     1,
     INT32_MAX},
    {{"flush.messages", "log.flush.interval.messages", ct::long_, false,
      "accepted for Kafka tools; durability is the broker's flush setting"},
     1,
     INT64_MAX},
    {{"flush.ms", "log.flush.interval.ms", ct::long_, false,
      "accepted for Kafka tools; durability is the broker's flush setting"},
     0,
     INT64_MAX},
    {{"max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", ct::long_, false,
      "accepted for Kafka tools"},
     1,
     INT64_MAX},
    {{"compression.gzip.level", "compression.gzip.level", ct::int_, false, not_acted_on}, -1, 9},
    {{"compression.lz4.level", "compression.lz4.level", ct::int_, false, not_acted_on}, 1, 17},
    {{"compression.zstd.level", "compression.zstd.level", ct::int_, false, not_acted_on}, -131072, 22},
    {{"file.delete.delay.ms", "log.segment.delete.delay.ms", ct::long_, false, not_acted_on}, 0, INT64_MAX},
    {{"follower.replication.throttled.replicas", "", ct::list, false, not_acted_on}, 0, 0},
    {{"leader.replication.throttled.replicas", "", ct::list, false, not_acted_on}, 0, 0},
    {{"index.interval.bytes", "log.index.interval.bytes", ct::int_, false, not_acted_on}, 0, INT32_MAX},
    {{"local.retention.bytes", "log.local.retention.bytes", ct::long_, false, not_acted_on}, -2, INT64_MAX},
    {{"local.retention.ms", "log.local.retention.ms", ct::long_, false, not_acted_on}, -2, INT64_MAX},
    {{"message.downconversion.enable", "log.message.downconversion.enable", ct::boolean, false,
      not_acted_on},
     0,
     0},
    {{"message.format.version", "log.message.format.version", ct::string, false,
      "Kafka topic config, accepted and stored; Tern always stores RecordBatch v2"},
     0,
     0},
    {{"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", ct::double_, false,
      "Kafka topic config, accepted and stored; Tern's cleaner runs every log.cleaner.backoff.ms "
      "and reads only what changed"},
     0,
     1},
    {{"preallocate", "log.preallocate", ct::boolean, false, not_acted_on}, 0, 0},
    {{"remote.storage.enable", "remote.log.storage.system.enable", ct::boolean, false,
      "tiered storage: Tern has none, so only false is accepted"},
     0,
     0},
    {{"remote.log.copy.disable", "", ct::boolean, false, not_acted_on}, 0, 0},
    {{"remote.log.delete.on.disable", "", ct::boolean, false, not_acted_on}, 0, 0},
    {{"segment.index.bytes", "log.index.size.max.bytes", ct::int_, false, not_acted_on}, 4, INT32_MAX},
    {{"segment.jitter.ms", "log.roll.jitter.ms", ct::long_, false, not_acted_on}, 0, INT64_MAX},
    {{"unclean.leader.election.enable", "unclean.leader.election.enable", ct::boolean, false,
      not_acted_on},
     0,
     0},
}};

// Kafka's throttled-replicas list: empty, "*", or partition:broker pairs.
bool valid_throttled_replicas(std::string_view v) {
  if (v.empty() || v == "*") return true;
  while (!v.empty()) {
    auto comma = v.find(',');
    auto item = v.substr(0, comma);
    auto colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == item.size()) return false;
    for (std::size_t i = 0; i < item.size(); ++i)
      if (i != colon && (item[i] < '0' || item[i] > '9')) return false;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
    if (v.empty()) return false;
  }
  return true;
}

// Kafka's message.format.version values: "0.8.0" .. "3.0-IV1" and the like.
bool valid_format_version(std::string_view v) {
  if (v.empty() || v.size() > 16 || v.front() < '0' || v.front() > '9') return false;
  for (char ch : v)
    if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == 'I' || ch == 'V')) return false;
  return true;
}

bool parse_long(std::string_view v, std::int64_t& out) {
  auto [p, e] = std::from_chars(v.data(), v.data() + v.size(), out);
  return e == std::errc{} && p == v.data() + v.size() && !v.empty();
}

bool valid_kafka_value(const kafka_key& k, std::string_view v, std::string& message) {
  auto bad = [&](std::string_view expected) {
    message = "invalid value '" + std::string(v) + "' for config '" + std::string(k.key.name) +
              "': expected " + std::string(expected);
    return false;
  };
  if (k.key.name == "compression.type") {
    for (std::string_view t : {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"})
      if (v == t) return true;
    return bad("producer, uncompressed, gzip, snappy, lz4 or zstd");
  }
  if (k.key.name == "message.timestamp.type") {
    if (v == "CreateTime" || v == "LogAppendTime") return true;
    return bad("CreateTime or LogAppendTime");
  }
  if (k.key.name == "remote.storage.enable") {
    if (v == "false") return true;
    return bad("false (Tern has no tiered storage)");
  }
  if (k.key.name == "message.format.version") {
    if (valid_format_version(v)) return true;
    return bad("a Kafka version such as 3.0-IV1");
  }
  if (k.key.type == ct::list) {
    if (valid_throttled_replicas(v)) return true;
    return bad("*, or partition:broker pairs separated by commas");
  }
  if (k.key.type == ct::boolean) {
    if (v == "true" || v == "false") return true;
    return bad("true or false");
  }
  if (k.key.type == ct::double_) {
    double d = 0;
    auto [p, e] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (e == std::errc{} && p == v.data() + v.size() && !v.empty() && d >= double(k.min) &&
        d <= double(k.max))
      return true;
    return bad("a number in [" + std::to_string(k.min) + ", " + std::to_string(k.max) + "]");
  }
  std::int64_t n = 0;
  if (parse_long(v, n) && n >= k.min && n <= k.max) return true;
  return bad("an integer in [" + std::to_string(k.min) + ", " + std::to_string(k.max) + "]");
}

const kafka_key* find_kafka_key(std::string_view name) {
  for (const auto& k : kafka_keys)
    if (k.key.name == name) return &k;
  return nullptr;
}

bool is_storage_key(std::string_view name) {
  for (auto k : storage::topic_setting_keys())
    if (k == name) return true;
  return false;
}

// Broker configs: name, type, and how to read the value from a server_config. Comparing with a
// default-constructed server_config tells an operator's setting from the built-in default.
struct broker_key {
  std::string_view name;
  config_type type;
  std::function<std::string(const app::server_config&)> get;
};

template <typename T>
std::function<std::string(const app::server_config&)> field(T app::server_config::*member) {
  return [member](const app::server_config& c) {
    if constexpr (std::is_same_v<T, std::string>)
      return c.*member;
    else if constexpr (std::is_same_v<T, bool>)
      return std::string(c.*member ? "true" : "false");
    else
      return std::to_string(c.*member);
  };
}

std::function<std::string(const app::server_config&)> constant(std::string_view v) {
  return [v](const app::server_config&) { return std::string(v); };
}

const std::vector<broker_key>& broker_keys() {
  using c = app::server_config;
  static const std::vector<broker_key> keys{
      {"broker.id", ct::int_, field(&c::node_id)},
      {"node.id", ct::int_, field(&c::node_id)},
      {"log.dirs", ct::string, field(&c::log_dirs)},
      {"num.partitions", ct::int_, field(&c::num_partitions)},
      {"default.replication.factor", ct::int_, field(&c::default_replication_factor)},
      {"auto.create.topics.enable", ct::boolean, field(&c::auto_create_topics_enable)},
      {"message.max.bytes", ct::int_, field(&c::message_max_bytes)},
      {"socket.request.max.bytes", ct::int_, field(&c::socket_request_max_bytes)},
      {"log.retention.ms", ct::long_, field(&c::log_retention_ms)},
      {"log.retention.bytes", ct::long_, field(&c::log_retention_bytes)},
      {"log.retention.check.interval.ms", ct::long_, field(&c::log_retention_check_interval_ms)},
      {"log.cleanup.policy", ct::list, field(&c::log_cleanup_policy)},
      {"log.cleaner.enable", ct::boolean, field(&c::log_cleaner_enable)},
      {"log.cleaner.backoff.ms", ct::long_, field(&c::log_cleaner_backoff_ms)},
      {"log.cleaner.dedupe.buffer.size", ct::long_, field(&c::log_cleaner_dedupe_buffer_size)},
      {"log.cleaner.delete.retention.ms", ct::long_, field(&c::log_cleaner_delete_retention_ms)},
      {"log.cleaner.min.compaction.lag.ms", ct::long_,
       field(&c::log_cleaner_min_compaction_lag_ms)},
      {"log.cleaner.max.compaction.lag.ms", ct::long_, constant("9223372036854775807")},
      {"log.roll.ms", ct::long_, field(&c::log_roll_ms)},
      {"log.segment.bytes", ct::long_, field(&c::log_segment_bytes)},
      {"log.dirs.max.bytes", ct::long_, field(&c::log_dirs_max_bytes)},
      {"log.full.policy", ct::string, field(&c::log_full_policy)},
      {"log.flush.interval.messages", ct::long_, field(&c::flush_messages)},
      {"log.flush.interval.ms", ct::long_, field(&c::flush_ms)},
      {"log.message.timestamp.type", ct::string, field(&c::log_message_timestamp_type)},
      {"log.message.timestamp.difference.max.ms", ct::long_,
       field(&c::log_message_timestamp_difference_max_ms)},
      {"log.message.timestamp.before.max.ms", ct::long_,
       field(&c::log_message_timestamp_before_max_ms)},
      {"log.message.timestamp.after.max.ms", ct::long_,
       field(&c::log_message_timestamp_after_max_ms)},
      {"compression.type", ct::string, constant("producer")},
      {"min.insync.replicas", ct::int_, constant("1")},
      // Kafka's defaults of the keys accepted but not acted on (for DescribeConfigs).
      {"compression.gzip.level", ct::int_, constant("-1")},
      {"compression.lz4.level", ct::int_, constant("9")},
      {"compression.zstd.level", ct::int_, constant("3")},
      {"log.segment.delete.delay.ms", ct::long_, constant("60000")},
      {"log.index.interval.bytes", ct::int_, constant("4096")},
      {"log.local.retention.bytes", ct::long_, constant("-2")},
      {"log.local.retention.ms", ct::long_, constant("-2")},
      {"log.message.downconversion.enable", ct::boolean, constant("true")},
      {"log.message.format.version", ct::string, constant("3.0-IV1")},
      {"log.cleaner.min.cleanable.ratio", ct::double_, constant("0.5")},
      {"log.preallocate", ct::boolean, constant("false")},
      {"remote.log.storage.system.enable", ct::boolean, constant("false")},
      {"log.index.size.max.bytes", ct::int_, constant("10485760")},
      {"log.roll.jitter.ms", ct::long_, constant("0")},
      {"unclean.leader.election.enable", ct::boolean, constant("false")},
  };
  return keys;
}

const broker_key* find_broker_key(std::string_view name) {
  for (const auto& k : broker_keys())
    if (k.name == name) return &k;
  return nullptr;
}

config_source source_of(const broker_key& k, const app::server_config& config) {
  static const app::server_config built_in{};
  return k.get(config) == k.get(built_in) ? config_source::default_config
                                          : config_source::static_broker_config;
}

}  // namespace

const std::vector<topic_config_key>& topic_config_keys() {
  static const std::vector<topic_config_key> keys = [] {
    std::vector<topic_config_key> out;
    for (auto name : storage::topic_setting_keys()) {
      topic_config_key k{name, "", ct::string, true, ""};
      for (const auto& info : storage_info)
        if (info.name == name) k = {name, info.broker_key, info.type, true, info.doc};
      out.push_back(k);
    }
    for (const auto& k : kafka_keys)
      if (!is_storage_key(k.key.name)) out.push_back(k.key);
    return out;
  }();
  return keys;
}

const topic_config_key* find_topic_config_key(std::string_view name) {
  for (const auto& k : topic_config_keys())
    if (k.name == name) return &k;
  return nullptr;
}

bool valid_topic_config(std::string_view key, const std::optional<std::string>& value,
                        std::string& message) {
  const topic_config_key* k = find_topic_config_key(key);
  if (!k) {
    message = "unknown topic config '" + std::string(key) + "'";
    return false;
  }
  if (!value) {
    message = "config '" + std::string(key) + "' needs a value";
    return false;
  }
  if (k->storage) {
    storage::topic_settings scratch;
    return !storage::apply_topic_setting(key, *value, scratch, message);
  }
  const kafka_key* kk = find_kafka_key(key);
  return kk && valid_kafka_value(*kk, *value, message);
}

bool valid_topic_configs(const std::map<std::string, std::string>& configs,
                         const storage::topic_settings& defaults, std::string& message) {
  for (const auto& [key, value] : configs)
    if (!valid_topic_config(key, value, message)) return false;
  storage::topic_settings resolved;
  return !storage::resolve_topic_settings(configs, defaults, resolved, message);
}

topic_config_default topic_config_default_of(const topic_config_key& key,
                                             const storage::topic_settings& store_defaults,
                                             const app::server_config& config) {
  topic_config_default d;
  const broker_key* b = find_broker_key(key.broker_key);
  if (b) {
    d.value = b->get(config);
    d.source = source_of(*b, config);
  }
  // What storage acts on is its own default, whatever the broker config says.
  if (key.storage) d.value = storage::topic_setting_value(store_defaults, key.name);
  return d;
}

std::vector<broker_config_entry> broker_config_entries(const app::server_config& config) {
  std::vector<broker_config_entry> out;
  for (const auto& k : broker_keys())
    out.push_back({std::string(k.name), k.get(config), source_of(k, config), k.type, std::nullopt});
  for (const auto& [name, value] : config.kafka_settings_not_acted_on)
    out.push_back({name, value, config_source::static_broker_config, config_type::string,
                   "Kafka broker config, accepted from the configuration; Tern does not act on it"});
  return out;
}

}  // namespace tern::kafka
