#include "tern/kafka/messages/find_coordinator.h"

#include <cstddef>

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = find_coordinator_request;
using response = find_coordinator_response;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }
bool batched(std::int16_t version) { return version >= request::first_batched_version; }

// Smallest wire size of a coordinator (compact layout): key, node_id, host, port, error_code,
// null error_message.
constexpr std::size_t coordinator_min_bytes = 1 + 4 + 1 + 4 + 2 + 1;

}  // namespace

void find_coordinator_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  if (!batched(version)) out.string(coordinator_key);
  if (version >= 1) w.i8(key_type);
  if (batched(version)) out.strings(coordinator_keys);
  out.tags();
}

bool find_coordinator_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (!batched(version)) coordinator_key = in.string();
  if (version >= 1) key_type = r.i8();
  if (batched(version))
    in.array(in.min_string_bytes(), coordinator_keys, [&](std::string& k) { k = in.string(); });
  in.tags();
  return r.ok();
}

void find_coordinator_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 1) w.i32(throttle_time_ms);
  if (batched(version)) {
    out.array(coordinators, [&](const coordinator& c) {
      out.string(c.coordinator_key);
      w.i32(c.node_id);
      out.string(c.host);
      w.i32(c.port);
      w.i16(c.error_code);
      out.nullable_string(c.error_message);
      out.tags();
    });
  } else {
    w.i16(error_code);
    if (version >= 1) out.nullable_string(error_message);
    w.i32(node_id);
    out.string(host);
    w.i32(port);
  }
  out.tags();
}

bool find_coordinator_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 1) throttle_time_ms = r.i32();
  if (batched(version)) {
    in.array(coordinator_min_bytes, coordinators, [&](coordinator& c) {
      c.coordinator_key = in.string();
      c.node_id = r.i32();
      c.host = in.string();
      c.port = r.i32();
      c.error_code = r.i16();
      c.error_message = in.nullable_string();
      in.tags();
    });
  } else {
    error_code = r.i16();
    if (version >= 1) error_message = in.nullable_string();
    node_id = r.i32();
    host = in.string();
    port = r.i32();
  }
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
