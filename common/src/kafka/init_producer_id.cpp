#include "tern/kafka/messages/init_producer_id.h"

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {

bool flexible(std::int16_t version) {
  return version >= init_producer_id_request::first_flexible_version;
}

}  // namespace

void init_producer_id_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<init_producer_id_request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.nullable_string(transactional_id);
  w.i32(transaction_timeout_ms);
  if (version >= 3) {
    w.i64(producer_id);
    w.i16(producer_epoch);
  }
  out.tags();
}

bool init_producer_id_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  transactional_id = in.nullable_string();
  transaction_timeout_ms = r.i32();
  if (version >= 3) {
    producer_id = r.i64();
    producer_epoch = r.i16();
  }
  in.tags();
  return r.ok();
}

void init_producer_id_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<init_producer_id_response>(version));
  codec::flex_writer out{w, flexible(version)};
  w.i32(throttle_time_ms);
  w.i16(error_code);
  w.i64(producer_id);
  w.i16(producer_epoch);
  out.tags();
}

bool init_producer_id_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  throttle_time_ms = r.i32();
  error_code = r.i16();
  producer_id = r.i64();
  producer_epoch = r.i16();
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
