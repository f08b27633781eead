#pragma once
// CreatePartitions (api key 37), versions 0–3 (v2 flexible: compact strings and arrays, a
// tagged-field section after every structure); v1 and v3 only changed the throttling semantics.
//
//   request:  topics[name, count, assignments?[broker_ids[]]], timeout_ms, validate_only
//   response: throttle_time_ms, results[name, error_code, error_message?]
//
// `count` is the topic's new total partition count (not the number to add). `assignments`, when
// not null, names the replicas of each new partition (count - current entries).
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

struct create_partitions_request {
  static constexpr api_key key = api_key::create_partitions;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 3;
  static constexpr std::int16_t first_flexible_version = 2;

  struct assignment {
    std::vector<std::int32_t> broker_ids;
  };
  struct topic {
    std::string name;
    std::int32_t count = 0;
    std::optional<std::vector<assignment>> assignments;  // null: the broker places them
  };

  std::vector<topic> topics;
  std::int32_t timeout_ms = 0;
  bool validate_only = false;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct create_partitions_response {
  static constexpr api_key key = api_key::create_partitions;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 3;
  static constexpr std::int16_t first_flexible_version = 2;

  struct result {
    std::string name;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;  // null when there is no error
  };

  std::int32_t throttle_time_ms = 0;
  std::vector<result> results;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
