#include "storage/topic_settings.h"

#include <array>
#include <charconv>

#include "storage/log_store.h"

namespace tern::storage {
namespace {

struct long_setting {
  std::string_view key;
  std::int64_t topic_settings::*field;
  std::int64_t min;
};
constexpr std::array<long_setting, 6> long_settings{{
    {"retention.ms", &topic_settings::retention_ms, -1},
    {"retention.bytes", &topic_settings::retention_bytes, -1},
    {"delete.retention.ms", &topic_settings::delete_retention_ms, 0},
    {"min.compaction.lag.ms", &topic_settings::min_compaction_lag_ms, 0},
    {"segment.ms", &topic_settings::segment_ms, 1},
    {"segment.bytes", &topic_settings::segment_bytes, 14},  // Kafka's minimum
}};

constexpr std::array<std::string_view, 8> keys{"cleanup.policy",       "retention.ms",
                                                "retention.bytes",      "delete.retention.ms",
                                                "min.compaction.lag.ms", "segment.ms",
                                                "segment.bytes",        "full.policy"};

bool parse_long(std::string_view v, std::int64_t& out) {
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc{} && end == v.data() + v.size();
}

}  // namespace

std::span<const std::string_view> topic_setting_keys() { return keys; }

std::string topic_setting_value(const topic_settings& s, std::string_view key) {
  for (const auto& l : long_settings)
    if (key == l.key) return std::to_string(s.*(l.field));
  if (key == "cleanup.policy") {
    if (s.cleanup_compact && s.cleanup_delete) return "compact,delete";
    return s.cleanup_compact ? "compact" : "delete";
  }
  if (key == "full.policy") return s.when_full == full_policy::reject ? "reject" : "drop-oldest";
  return {};
}

std::error_code apply_topic_setting(std::string_view key, std::string_view value,
                                    topic_settings& s, std::string& message) {
  for (const auto& l : long_settings) {
    if (key != l.key) continue;
    std::int64_t n = 0;
    if (parse_long(value, n) && n >= l.min) {
      s.*(l.field) = n;
      return {};
    }
    message = "invalid value '" + std::string(value) + "' for config '" + std::string(key) +
              "': expected an integer >= " + std::to_string(l.min);
    return storage_errc::invalid_argument;
  }
  if (key == "cleanup.policy") {
    // Kafka takes a list; an empty one (Kafka 3.9+: no cleanup at all) is not supported here.
    bool del = value == "delete" || value == "compact,delete" || value == "delete,compact";
    bool compact = value == "compact" || value == "compact,delete" || value == "delete,compact";
    if (!del && !compact) {
      message = "invalid value '" + std::string(value) +
                "' for config 'cleanup.policy': expected delete, compact or compact,delete";
      return storage_errc::invalid_argument;
    }
    s.cleanup_delete = del;
    s.cleanup_compact = compact;
    return {};
  }
  if (key == "full.policy") {
    if (value == "reject" || value == "drop-oldest") {
      s.when_full = value == "reject" ? full_policy::reject : full_policy::drop_oldest;
      return {};
    }
    message = "invalid value '" + std::string(value) +
              "' for config 'full.policy': expected reject or drop-oldest";
    return storage_errc::invalid_argument;
  }
  return {};
}

std::error_code resolve_topic_settings(const std::map<std::string, std::string>& configs,
                                       const topic_settings& defaults, topic_settings& out,
                                       std::string& message) {
  topic_settings s = defaults;
  for (const auto& [key, value] : configs) {
    if (auto ec = apply_topic_setting(key, value, s, message)) return ec;
  }
  out = s;
  return {};
}

}  // namespace tern::storage
