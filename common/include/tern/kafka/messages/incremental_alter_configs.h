#pragma once
// IncrementalAlterConfigs (api key 44), versions 0–1: request and response bodies (no header).
// v1 is flexible (compact strings and arrays, tagged-field sections). Each config names an
// operation (config_operation in config_resource.h: SET, DELETE, APPEND, SUBTRACT), kept as a
// raw int8 so an unknown operation decodes and the handler can refuse it.
//
//   request  v0–v1: resources[resource_type, resource_name,
//                             configs[name, config_operation, value?]], validate_only
//   response v0–v1: throttle_time_ms, responses[error_code, error_message?, resource_type,
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
#include "tern/kafka/messages/alter_configs.h"

namespace tern::kafka {

struct incremental_alter_configs_request {
  static constexpr api_key key = api_key::incremental_alter_configs;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  struct config {
    std::string name;
    std::int8_t config_operation = 0;
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

struct incremental_alter_configs_response {
  static constexpr api_key key = api_key::incremental_alter_configs;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  std::int32_t throttle_time_ms = 0;
  std::vector<alter_configs_resource_response> responses;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
