#include "kafka/topic_names.h"

#include <array>
#include <charconv>

namespace tern::kafka {

bool valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {
bool is_long(std::string_view v, std::int64_t min) {
  std::int64_t n = 0;
  auto [p, e] = std::from_chars(v.data(), v.data() + v.size(), n);
  return e == std::errc{} && p == v.data() + v.size() && n >= min;
}
}  // namespace

bool valid_topic_config(std::string_view key, const std::optional<std::string>& value, std::string& message) {
  if (!value) {
    message = "config '" + std::string(key) + "' needs a value";
    return false;
  }
  const std::string& v = *value;
  struct long_key {
    std::string_view name;
    std::int64_t min;
  };
  static constexpr std::array<long_key, 11> longs{{{"retention.ms", -1},
                                                    {"retention.bytes", -1},
                                                    {"segment.ms", 1},
                                                    {"segment.bytes", 14},
                                                    {"max.message.bytes", 0},
                                                    {"delete.retention.ms", 0},
                                                    {"min.compaction.lag.ms", 0},
                                                    {"min.insync.replicas", 1},
                                                    {"flush.messages", 1},
                                                    {"flush.ms", 0},
                                                    {"max.compaction.lag.ms", 1}}};
  for (const auto& k : longs) {
    if (key != k.name) continue;
    if (is_long(v, k.min)) return true;
    message = "invalid value '" + v + "' for config '" + std::string(key) + "': expected an integer >= " +
              std::to_string(k.min);
    return false;
  }
  if (key == "cleanup.policy") {
    if (v == "delete" || v == "compact" || v == "compact,delete" || v == "delete,compact") return true;
    message = "invalid value '" + v + "' for cleanup.policy: expected delete, compact or compact,delete";
    return false;
  }
  if (key == "compression.type") {
    static constexpr std::array<std::string_view, 6> types{"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"};
    for (auto t : types)
      if (v == t) return true;
    message = "invalid value '" + v + "' for compression.type";
    return false;
  }
  if (key == "message.timestamp.type") {
    if (v == "CreateTime" || v == "LogAppendTime") return true;
    message = "invalid value '" + v + "' for message.timestamp.type";
    return false;
  }
  message = "unknown topic config '" + std::string(key) + "'";
  return false;
}

}  // namespace tern::kafka
