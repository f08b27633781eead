#include "tern/kafka/messages/describe_cluster.h"

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {
// Smallest compact broker: id, empty host, port, null rack, tags.
constexpr std::size_t broker_min_bytes = 4 + 1 + 4 + 1 + 1;
}  // namespace

void describe_cluster_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_cluster_request>(version));
  w.boolean(include_cluster_authorized_operations);
  if (version >= 1) w.i8(endpoint_type);
  w.empty_tagged_fields();
}

bool describe_cluster_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  include_cluster_authorized_operations = r.boolean();
  if (version >= 1) endpoint_type = r.i8();
  r.skip_tagged_fields();
  return r.ok();
}

void describe_cluster_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_cluster_response>(version));
  codec::flex_writer out{w, true};
  w.i32(throttle_time_ms);
  w.i16(error_code);
  out.nullable_string(error_message);
  if (version >= 1) w.i8(endpoint_type);
  out.string(cluster_id);
  w.i32(controller_id);
  out.array(brokers, [&](const broker& b) {
    w.i32(b.broker_id);
    out.string(b.host);
    w.i32(b.port);
    out.nullable_string(b.rack);
    out.tags();
  });
  w.i32(cluster_authorized_operations);
  out.tags();
}

bool describe_cluster_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, true};
  throttle_time_ms = r.i32();
  error_code = r.i16();
  error_message = in.nullable_string();
  if (version >= 1) endpoint_type = r.i8();
  cluster_id = in.string();
  controller_id = r.i32();
  in.array(broker_min_bytes, brokers, [&](broker& b) {
    b.broker_id = r.i32();
    b.host = in.string();
    b.port = r.i32();
    b.rack = in.nullable_string();
    in.tags();
  });
  cluster_authorized_operations = r.i32();
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
