#pragma once
// AlterConfigs (api key 33), versions 0–2: request and response bodies (no header). v2 is
// flexible (compact strings and arrays, tagged-field sections); v1 only changes when a broker
// throttles. AlterConfigs replaces a resource's whole set of overrides: keys not listed go back
// to their defaults (IncrementalAlterConfigs is the per-key variant).
//
//   request  v0–v2: resources[resource_type, resource_name, configs[name, value?]], validate_only
//   response v0–v2: throttle_time_ms, responses[error_code, error_message?, resource_type,
//                                              resource_name]
// (? = nullable: std::nullopt is written as null.)
//
// Errors: as every codec here (see create_topics.h): encode() asserts on a version outside
// [min_version, max_version]; decode() returns false and fails the reader on malformed, truncated
// or out-of-range input, never throws, and allocates no more than the input warrants.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct alter_configs_request {
  static constexpr api_key key = api_key::alter_configs;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;

  struct config {
    std::string name;
    std::optional<std::string> value;
  };

  struct resource {
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::vector<config> configs;
  };

  std::vector<resource> resources;
  bool validate_only = false;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

// The per-resource answer of AlterConfigs and IncrementalAlterConfigs (same fields).
struct alter_configs_resource_response {
  std::int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::int8_t resource_type = 0;
  std::string resource_name;
};

struct alter_configs_response {
  static constexpr api_key key = api_key::alter_configs;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;

  std::int32_t throttle_time_ms = 0;
  std::vector<alter_configs_resource_response> responses;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
