#include "tern/kafka/messages/init_producer_id.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {

void init_producer_id_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<init_producer_id_request>(version));
  (void)version;  // both versions share one layout
  w.nullable_string(transactional_id);
  w.i32(transaction_timeout_ms);
}

bool init_producer_id_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  transactional_id = r.nullable_string();
  transaction_timeout_ms = r.i32();
  return r.ok();
}

void init_producer_id_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<init_producer_id_response>(version));
  (void)version;  // both versions share one layout
  w.i32(throttle_time_ms);
  w.i16(error_code);
  w.i64(producer_id);
  w.i16(producer_epoch);
}

bool init_producer_id_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  throttle_time_ms = r.i32();
  error_code = r.i16();
  producer_id = r.i64();
  producer_epoch = r.i16();
  return r.ok();
}

}  // namespace tern::kafka
