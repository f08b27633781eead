#pragma once
// DescribeCluster (api key 60), versions 0–1, flexible from v0 (compact strings and arrays, a
// tagged-field section after every structure). Kafka's admin clients use it to list brokers and
// find the controller (KIP-700).
//
//   request:  include_cluster_authorized_operations, endpoint_type (v1+: 1 brokers, 2 controllers)
//   response: throttle_time_ms, error_code, error_message?, endpoint_type (v1+), cluster_id,
//             controller_id, brokers[broker_id, host, port, rack?], cluster_authorized_operations
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

struct describe_cluster_request {
  static constexpr api_key key = api_key::describe_cluster;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  bool include_cluster_authorized_operations = false;
  std::int8_t endpoint_type = 1;  // v1+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct describe_cluster_response {
  static constexpr api_key key = api_key::describe_cluster;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;
  static constexpr std::int32_t operations_not_requested = INT32_MIN;

  struct broker {
    std::int32_t broker_id = 0;
    std::string host;
    std::int32_t port = 0;
    std::optional<std::string> rack;
  };

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::int8_t endpoint_type = 1;  // v1+
  std::string cluster_id;
  std::int32_t controller_id = -1;
  std::vector<broker> brokers;
  std::int32_t cluster_authorized_operations = operations_not_requested;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
