#pragma once
// Values shared by the config admin APIs (DescribeConfigs 32, AlterConfigs 33,
// IncrementalAlterConfigs 44). The codecs carry them as raw int8 so an unknown value from a peer
// survives decoding; handlers compare against these.
#include <cstdint>

namespace tern::kafka {

// ConfigResource.Type in the Java client.
enum class config_resource_type : std::int8_t {
  unknown = 0,
  any = 1,
  topic = 2,
  group = 3,
  broker = 4,
  broker_logger = 8,
};

// DescribeConfigsResponse ConfigSource (v1+) and synonym Source.
enum class config_source : std::int8_t {
  unknown = 0,
  dynamic_topic_config = 1,  // a topic's own override
  dynamic_broker_config = 2,
  dynamic_default_broker_config = 3,
  static_broker_config = 4,  // set in the broker's configuration (file or flag)
  default_config = 5,        // the built-in default
  dynamic_broker_logger_config = 6,
};

// DescribeConfigsResponse ConfigType (v3+).
enum class config_type : std::int8_t {
  unknown = 0,
  boolean = 1,
  string = 2,
  int_ = 3,
  short_ = 4,
  long_ = 5,
  double_ = 6,
  list = 7,
  class_ = 8,
  password = 9,
};

// IncrementalAlterConfigs ConfigOperation.
enum class config_operation : std::int8_t {
  set = 0,
  delete_ = 1,
  append = 2,
  subtract = 3,
};

constexpr std::int8_t wire(config_resource_type t) { return static_cast<std::int8_t>(t); }
constexpr std::int8_t wire(config_source s) { return static_cast<std::int8_t>(s); }
constexpr std::int8_t wire(config_type t) { return static_cast<std::int8_t>(t); }
constexpr std::int8_t wire(config_operation o) { return static_cast<std::int8_t>(o); }

}  // namespace tern::kafka
