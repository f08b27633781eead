#pragma once
// CreateTopics (api key 19), versions 0–7: request and response bodies (no header). v5+ is
// flexible: compact strings and arrays, and a tagged-field section after every structure.
//
//   request  v0:    topics[name, num_partitions, replication_factor,
//                          assignments[partition_index, broker_ids[]], configs[name, value?]],
//                   timeout_ms
//   request  v1–v7: v0 + validate_only
//                   (v4 only changes meaning: num_partitions / replication_factor may be -1 for
//                   "broker default" even without assignments, KIP-464; v5 is the first
//                   flexible version; v6 and v7 are identical to v5)
//   response v0:    topics[name, error_code]
//   response v1:    topics[name, error_code, error_message?]
//   response v2–v4: throttle_time_ms, then the v1 topics
//   response v5–v6: topics[name, error_code, error_message?, num_partitions, replication_factor,
//                   configs[name, value?, read_only, config_source, is_sensitive]?], and the
//                   tagged field 0 of each topic: topic_config_error_code (KIP-525: why configs
//                   is null). v6 only adds the THROTTLING_QUOTA_EXCEEDED error.
//   response v7:    v5 + topics[].topic_id (after name)
// (? = nullable: std::nullopt is written as null.)
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults. topic_config_error_code is written as a tagged field only when non-zero; on
// decode every other tag is skipped.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. Decoded strings are owned copies: the struct does not
// reference the reader's buffer. decode() does not require the reader to be exhausted.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct create_topics_request {
  static constexpr api_key key = api_key::create_topics;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 7;
  static constexpr std::int16_t first_flexible_version = 5;

  // A manual replica placement for one partition.
  struct assignment {
    std::int32_t partition_index = 0;
    std::vector<std::int32_t> broker_ids;
  };

  struct config {
    std::string name;
    std::optional<std::string> value;
  };

  struct topic {
    std::string name;
    std::int32_t num_partitions = -1;      // -1: manual assignments or broker default
    std::int16_t replication_factor = -1;  // -1: manual assignments or broker default
    std::vector<assignment> assignments;
    std::vector<config> configs;
  };

  std::vector<topic> topics;
  std::int32_t timeout_ms = 60000;
  bool validate_only = false;  // v1+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct create_topics_response {
  static constexpr api_key key = api_key::create_topics;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 7;
  static constexpr std::int16_t first_flexible_version = 5;

  // A config of the created topic (KIP-525): its effective value and where that comes from.
  struct config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    std::int8_t config_source = -1;  // config_resource.h's config_source, kept raw
    bool is_sensitive = false;
  };

  struct topic_result {
    std::string name;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;  // v1+
    std::array<std::uint8_t, 16> topic_id{};   // v7+; zero unless the topic was created
    std::int32_t num_partitions = -1;          // v5+
    std::int16_t replication_factor = -1;      // v5+
    std::optional<std::vector<config>> configs;  // v5+; null if not returned
    std::int16_t topic_config_error_code = 0;    // v5+ tagged field 0: why configs is null
  };

  std::int32_t throttle_time_ms = 0;  // v2+
  std::vector<topic_result> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
