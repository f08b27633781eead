#pragma once
// Produce (api key 0), versions 0–9: request and response bodies (the frame after the header).
//
//   request:  transactional_id nullable string (v3+), acks int16, timeout_ms int32,
//             topic_data [name string, partition_data [index int32, records nullable bytes]]
//   response: responses [name string, partition_responses [index int32, error_code int16,
//             base_offset int64, log_append_time_ms int64 (v2+), log_start_offset int64 (v5+),
//             record_errors (v8+) [batch_index int32, batch_index_error_message nullable string],
//             error_message nullable string (v8+)]], throttle_time_ms int32 (v1+)
//
// v0–2 carry MessageSet v0/v1 (the hub refuses them per partition); v3–7 share one request
// layout (v4 only adds KAFKA_STORAGE_ERROR, v7 only zstd); the response gains log_start_offset in
// v5 and record_errors/error_message in v8 (KIP-467: why a batch was refused, and which records).
// v9 is the first flexible version: compact strings, arrays and records bytes (uvarint length+1),
// and a tagged-field section closing every structure. The hub knows no tags of v9 (CurrentLeader
// and NodeEndpoints come with v10): decode skips any, encode writes none. v10/v11 (KIP-951
// leader hints, KIP-890 transactions) are not covered.
//
// `records` holds one or more RecordBatch v2 exactly as the producer sent them. The codec does
// not look inside: validating the batches (record_batch::split/validate) is the caller's job.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false — never throws or asserts — on malformed or truncated input
// (including an array count or a records length that cannot fit in the bytes left, a null
// non-nullable array, a tagged field longer than the bytes left) and on a version outside the
// range; the struct is then only partly filled. decode() does not require the reader to be
// exhausted.
//
// Lifetimes: after decode(), produce_request::partition::records points INTO the reader's buffer
// (no copy, in every version, so the hub can hand it to storage) and must not outlive that frame.
// Strings are owned copies. encode() copies records into the writer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct produce_request {
  static constexpr api_key key = api_key::produce;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 9;
  static constexpr std::int16_t first_flexible_version = 9;

  struct partition {
    std::int32_t index = 0;
    // One or more RecordBatch v2; null is legal on the wire. After decode: a view into the frame.
    std::optional<wire::bytes_view> records;
  };
  struct topic {
    std::string name;
    std::vector<partition> partition_data;
  };

  std::optional<std::string> transactional_id;  // null unless the producer is transactional
  std::int16_t acks = -1;                       // 0 none (no response is sent), 1 leader, -1 ISR
  std::int32_t timeout_ms = 30000;
  std::vector<topic> topic_data;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct produce_response {
  static constexpr api_key key = api_key::produce;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 9;
  static constexpr std::int16_t first_flexible_version = 9;

  struct record_error {
    // The record's position in the partition's records, counted from 0 over every batch of
    // the request's records blob (Kafka takes one batch per partition, where this is the
    // record's index in its batch).
    std::int32_t batch_index = 0;
    std::optional<std::string> message;  // batch_index_error_message
  };
  struct partition {
    std::int32_t index = 0;
    std::int16_t error_code = 0;
    std::int64_t base_offset = -1;
    std::int64_t log_append_time_ms = -1;  // -1 unless the topic uses LogAppendTime
    std::int64_t log_start_offset = -1;    // v5+
    // v8+: the records (by index, see record_error) that made the hub refuse the batch, and a
    // sentence for the whole partition. Older versions carry only error_code.
    std::vector<record_error> record_errors;
    std::optional<std::string> error_message;
  };
  struct topic {
    std::string name;
    std::vector<partition> partition_responses;
  };

  std::vector<topic> responses;
  std::int32_t throttle_time_ms = 0;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
