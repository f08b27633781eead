#pragma once
// DescribeLogDirs (api key 35), versions 0–4: the disk use of each partition of each log
// directory (`kafka-log-dirs --describe`, admin UIs). Flexible (compact strings and arrays,
// tagged-field sections) from v2.
//
//   request  v0–4: topics?[topic, partitions[int32]]   (null: every topic)
//   response v0–2: throttle_time_ms, results[...]
//            v3+:  throttle_time_ms, error_code, results[...]
//   result:  error_code, log_dir, topics[name, partitions[partition_index, partition_size,
//            offset_lag, is_future_key]], total_bytes (v4+), usable_bytes (v4+)
// (? = nullable: std::nullopt is written as null.)
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input and on
// a version outside the range; it never throws or asserts, and the struct is then only partly
// filled. A hostile array count cannot allocate more than the remaining input warrants.
// Lifetimes: decoded structs own all their data.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct describe_log_dirs_request {
  static constexpr api_key key = api_key::describe_log_dirs;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;

  struct topic {
    std::string name;
    std::vector<std::int32_t> partitions;
  };
  std::optional<std::vector<topic>> topics;  // null: every topic

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct describe_log_dirs_response {
  static constexpr api_key key = api_key::describe_log_dirs;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;

  struct partition {
    std::int32_t partition_index = 0;
    std::int64_t partition_size = 0;  // bytes of the partition's stored batches
    std::int64_t offset_lag = 0;      // log end − high watermark
    bool is_future_key = false;       // always false: Tern does not move logs between dirs
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };
  struct result {
    std::int16_t error_code = 0;
    std::string log_dir;
    std::vector<topic> topics;
    std::int64_t total_bytes = -1;   // v4+
    std::int64_t usable_bytes = -1;  // v4+
  };

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;  // v3+
  std::vector<result> results;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
