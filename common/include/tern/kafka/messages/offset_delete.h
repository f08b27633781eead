#pragma once
// OffsetDelete (api key 47), version 0 (not flexible; KIP-496): deletes a consumer group's
// committed offsets of some partitions.
//
//   request:  group_id, topics[name, partitions[partition_index]]
//   response: error_code, throttle_time_ms, topics[name, partitions[partition_index, error_code]]
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input and on
// a version outside the range; it never throws or asserts, and the struct is then only partly
// filled. A hostile array count cannot allocate more than the remaining input warrants.
// Lifetimes: decoded structs own all their data.
#include <cstdint>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct offset_delete_request {
  static constexpr api_key key = api_key::offset_delete;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 0;

  struct topic {
    std::string name;
    std::vector<std::int32_t> partitions;
  };

  std::string group_id;
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct offset_delete_response {
  static constexpr api_key key = api_key::offset_delete;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 0;

  struct partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };

  std::int16_t error_code = 0;
  std::int32_t throttle_time_ms = 0;
  std::vector<topic> topics;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
