#include "tern/kafka/messages/sync_group.h"

#include <cstddef>

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = sync_group_request;
using response = sync_group_response;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

// Smallest wire size of an assignment (compact layout): member_id and assignment of one byte each.
constexpr std::size_t assignment_min_bytes = 1 + 1;

}  // namespace

void sync_group_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.string(group_id);
  w.i32(generation_id);
  out.string(member_id);
  if (version >= 3) out.nullable_string(group_instance_id);
  if (version >= 5) {
    out.nullable_string(protocol_type);
    out.nullable_string(protocol_name);
  }
  out.array(assignments, [&](const assignment_entry& a) {
    out.string(a.member_id);
    out.bytes(a.assignment);
    out.tags();
  });
  out.tags();
}

bool sync_group_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  group_id = in.string();
  generation_id = r.i32();
  member_id = in.string();
  if (version >= 3) group_instance_id = in.nullable_string();
  if (version >= 5) {
    protocol_type = in.nullable_string();
    protocol_name = in.nullable_string();
  }
  in.array(assignment_min_bytes, assignments, [&](assignment_entry& a) {
    a.member_id = in.string();
    a.assignment = in.bytes();
    in.tags();
  });
  in.tags();
  return r.ok();
}

void sync_group_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 1) w.i32(throttle_time_ms);
  w.i16(error_code);
  if (version >= 5) {
    out.nullable_string(protocol_type);
    out.nullable_string(protocol_name);
  }
  out.bytes(assignment);
  out.tags();
}

bool sync_group_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 1) throttle_time_ms = r.i32();
  error_code = r.i16();
  if (version >= 5) {
    protocol_type = in.nullable_string();
    protocol_name = in.nullable_string();
  }
  assignment = in.bytes();
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
