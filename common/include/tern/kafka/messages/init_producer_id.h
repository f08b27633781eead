#pragma once
// InitProducerId (api key 22), versions 0–4: request and response bodies (no header). v2 is the
// first flexible version (compact string, a tagged-field section after each body); v0–v1 use the
// classic encoding.
//
//   request  v0–v2: transactional_id?, transaction_timeout_ms
//   request  v3–v4: v2 + producer_id, producer_epoch (KIP-360: the producer's current id and
//                   epoch, so it can ask to have the epoch bumped instead of getting a new id)
//   response v0–v4: throttle_time_ms, error_code, producer_id, producer_epoch
// (? = nullable: std::nullopt is written as null. v1 only changes when a broker throttles and v4
// only adds PRODUCER_FENCED as an error, so those layouts equal v0 and v3. v5+, KIP-890's
// TRANSACTION_ABORTABLE, is outside this range.)
//
// An idempotent (non-transactional) producer sends a null transactional_id; a first
// InitProducerId sends producer_id -1 and producer_epoch -1 (the defaults).
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// their defaults (producer_id -1, producer_epoch -1).
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a version outside the range; it never throws or
// asserts, and the struct is then only partly filled. Decoded strings are owned copies: the struct
// does not reference the reader's buffer. decode() does not require the reader to be exhausted.
#include <cstdint>
#include <optional>
#include <string>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct init_producer_id_request {
  static constexpr api_key key = api_key::init_producer_id;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 2;

  std::optional<std::string> transactional_id;  // null for an idempotent producer
  std::int32_t transaction_timeout_ms = 0;
  std::int64_t producer_id = -1;     // v3+: the producer's current id, -1 for none
  std::int16_t producer_epoch = -1;  // v3+: the producer's current epoch, -1 for none

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct init_producer_id_response {
  static constexpr api_key key = api_key::init_producer_id;
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 4;
  static constexpr std::int16_t first_flexible_version = 2;

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = 0;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
