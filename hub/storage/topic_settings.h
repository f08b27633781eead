#pragma once
// What the store does with a topic's data: how it is cleaned (retention, compaction), where its
// active tail ends, and what happens when the store's disk budget is reached. A topic's config
// map (Kafka keys, text values) overrides the store's defaults key by key; keys the store does
// not act on (compression.type, min.insync.replicas, ...) are kept in the map and ignored here.
//
// Errors: invalid_argument (storage_errc) for a value that does not parse or is out of range.
// Nothing here keeps references to its arguments.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace tern::storage {

// What an append does when the store is at its byte budget (store_options::max_bytes).
enum class full_policy : std::uint8_t {
  reject,       // the append fails with budget_exceeded; nothing stored is touched
  drop_oldest,  // the oldest batches of the appended partition go first, as retention would
};

struct topic_settings {
  // cleanup.policy: "delete" (retention), "compact" (latest record per key), or both.
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  std::int64_t retention_ms = 7 * 24 * 3600 * 1000LL;  // -1 = no time limit
  std::int64_t retention_bytes = -1;                   // per partition; -1 = no size limit
  // A tombstone (null value) is dropped by compaction once its batch's maxTimestamp is older
  // than this (the batch timestamp is the only clock a record carries).
  std::int64_t delete_retention_ms = 24 * 3600 * 1000LL;
  // A batch is compacted only once its maxTimestamp is at least this old.
  std::int64_t min_compaction_lag_ms = 0;
  // The active tail ("segment") is never compacted. It starts afresh with the append that
  // finds it older than segment_ms or holding segment_bytes.
  std::int64_t segment_ms = 7 * 24 * 3600 * 1000LL;
  std::int64_t segment_bytes = 1LL << 30;
  full_policy when_full = full_policy::reject;
};

// The config keys the store acts on, with Kafka's names (full.policy is Tern's own).
std::span<const std::string_view> topic_setting_keys();
// Text form of one setting, as a config value (e.g. "compact,delete", "drop-oldest").
std::string topic_setting_value(const topic_settings& s, std::string_view key);

// Applies one key=value to `s`. Keys the store does not act on are accepted and ignored.
// Errors: invalid_argument (bad value; `message` says why).
std::error_code apply_topic_setting(std::string_view key, std::string_view value,
                                    topic_settings& s, std::string& message);
// `defaults` overridden by every key of `configs`. Errors: as apply_topic_setting.
std::error_code resolve_topic_settings(const std::map<std::string, std::string>& configs,
                                       const topic_settings& defaults, topic_settings& out,
                                       std::string& message);

}  // namespace tern::storage
