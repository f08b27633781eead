#pragma once
// DescribeConfigs (api key 32), versions 0–4: request and response bodies (no header). v4 is
// flexible: compact strings and arrays, and a tagged-field section after every structure.
//
//   request  v0:    resources[resource_type, resource_name, configuration_keys[]?]
//   request  v1–v2: v0 + include_synonyms
//   request  v3–v4: v1 + include_documentation
//   response v0:    throttle_time_ms, results[error_code, error_message?, resource_type,
//                     resource_name, configs[name, value?, read_only, is_default, is_sensitive]]
//   response v1–v2: configs[name, value?, read_only, config_source, is_sensitive,
//                     synonyms[name, value?, source]]  (is_default is gone; v2 only changes
//                     when a broker throttles)
//   response v3–v4: v1 configs + config_type, documentation?
// (? = nullable: std::nullopt is written as null; configuration_keys null = every key.)
// Resource types, sources and config types are kept as raw int8 (see config_resource.h), so
// values this build does not know survive a decode.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. A hostile array count cannot allocate more
// than the remaining input warrants. Decoded strings are owned copies. decode() does not require
// the reader to be exhausted. Tagged fields are skipped on decode and written empty.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct describe_configs_request {
  static constexpr api_key key = api_key::describe_configs;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;

  struct resource {
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::optional<std::vector<std::string>> configuration_keys;  // nullopt = all keys
  };

  std::vector<resource> resources;
  bool include_synonyms = false;       // v1+
  bool include_documentation = false;  // v3+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct describe_configs_response {
  static constexpr api_key key = api_key::describe_configs;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;

  struct synonym {
    std::string name;
    std::optional<std::string> value;
    std::int8_t source = 0;
  };

  struct config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    bool is_default = false;         // v0 only
    std::int8_t config_source = -1;  // v1+
    bool is_sensitive = false;
    std::vector<synonym> synonyms;             // v1+
    std::int8_t config_type = 0;               // v3+
    std::optional<std::string> documentation;  // v3+
  };

  struct result {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::vector<config> configs;
  };

  std::int32_t throttle_time_ms = 0;
  std::vector<result> results;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
