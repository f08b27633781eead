#include "tern/kafka/messages/join_group.h"

#include <cstddef>

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = join_group_request;
using response = join_group_response;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

// Smallest wire size of an array element (compact layout): two strings/bytes of one byte each.
constexpr std::size_t element_min_bytes = 1 + 1;

}  // namespace

void join_group_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.string(group_id);
  w.i32(session_timeout_ms);
  if (version >= 1) w.i32(rebalance_timeout_ms);
  out.string(member_id);
  if (version >= 5) out.nullable_string(group_instance_id);
  out.string(protocol_type);
  out.array(protocols, [&](const protocol& p) {
    out.string(p.name);
    out.bytes(p.metadata);
    out.tags();
  });
  if (version >= 8) out.nullable_string(reason);
  out.tags();
}

bool join_group_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  group_id = in.string();
  session_timeout_ms = r.i32();
  if (version >= 1) rebalance_timeout_ms = r.i32();
  member_id = in.string();
  if (version >= 5) group_instance_id = in.nullable_string();
  protocol_type = in.string();
  in.array(element_min_bytes, protocols, [&](protocol& p) {
    p.name = in.string();
    p.metadata = in.bytes();
    in.tags();
  });
  if (version >= 8) reason = in.nullable_string();
  in.tags();
  return r.ok();
}

void join_group_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 2) w.i32(throttle_time_ms);
  w.i16(error_code);
  w.i32(generation_id);
  if (version >= 7) {
    out.nullable_string(protocol_type);
    out.nullable_string(protocol_name);
  } else {
    out.string(protocol_name.value_or(""));
  }
  out.string(leader);
  if (version >= 9) w.boolean(skip_assignment);
  out.string(member_id);
  out.array(members, [&](const member& m) {
    out.string(m.member_id);
    if (version >= 5) out.nullable_string(m.group_instance_id);
    out.bytes(m.metadata);
    out.tags();
  });
  out.tags();
}

bool join_group_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 2) throttle_time_ms = r.i32();
  error_code = r.i16();
  generation_id = r.i32();
  if (version >= 7) {
    protocol_type = in.nullable_string();
    protocol_name = in.nullable_string();
  } else {
    protocol_name = in.string();
  }
  leader = in.string();
  if (version >= 9) skip_assignment = r.boolean();
  member_id = in.string();
  in.array(element_min_bytes, members, [&](member& m) {
    m.member_id = in.string();
    if (version >= 5) m.group_instance_id = in.nullable_string();
    m.metadata = in.bytes();
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
