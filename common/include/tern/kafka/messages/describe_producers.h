#pragma once
// DescribeProducers (api key 61), version 0, flexible (compact strings and arrays, tagged-field
// sections): the idempotent producers a partition's leader remembers (KIP-664;
// `kafka-transactions describe-producers`, admin UIs).
//
//   request:  topics[name, partition_indexes[int32]]
//   response: throttle_time_ms, topics[name, partitions[partition_index, error_code,
//             error_message?, active_producers[producer_id, producer_epoch (int32),
//             last_sequence, last_timestamp, coordinator_epoch, current_txn_start_offset]]]
// (? = nullable: std::nullopt is written as null.)
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

struct describe_producers_request {
  static constexpr api_key key = api_key::describe_producers;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 0;

  struct topic {
    std::string name;
    std::vector<std::int32_t> partition_indexes;
  };
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct describe_producers_response {
  static constexpr api_key key = api_key::describe_producers;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 0;

  struct producer {
    std::int64_t producer_id = 0;
    std::int32_t producer_epoch = 0;
    std::int32_t last_sequence = -1;
    std::int64_t last_timestamp = -1;  // -1: not known
    std::int32_t coordinator_epoch = -1;  // transactions only
    std::int64_t current_txn_start_offset = -1;  // transactions only
  };
  struct partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<producer> active_producers;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };

  std::int32_t throttle_time_ms = 0;
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
