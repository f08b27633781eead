#pragma once
// DeleteRecords (api key 21), versions 0–2 (v2 flexible: compact strings and arrays, a
// tagged-field section after every structure); v1 only changed the throttling semantics.
//
//   request:  topics[name, partitions[partition_index, offset]], timeout_ms
//   response: throttle_time_ms, topics[name, partitions[partition_index, low_watermark,
//             error_code]]
//
// `offset` is the first offset to keep; -1 means the high watermark (delete everything
// committed). `low_watermark` is the partition's log start offset after the deletion.
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

struct delete_records_request {
  static constexpr api_key key = api_key::delete_records;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;
  static constexpr std::int16_t first_flexible_version = 2;

  struct partition {
    std::int32_t partition_index = 0;
    std::int64_t offset = 0;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };

  std::vector<topic> topics;
  std::int32_t timeout_ms = 0;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct delete_records_response {
  static constexpr api_key key = api_key::delete_records;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 2;
  static constexpr std::int16_t first_flexible_version = 2;

  struct partition {
    std::int32_t partition_index = 0;
    std::int64_t low_watermark = -1;
    std::int16_t error_code = 0;
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
