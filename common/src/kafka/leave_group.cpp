#include "tern/kafka/messages/leave_group.h"

#include <cstddef>

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = leave_group_request;
using response = leave_group_response;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

// Smallest wire size of a member (compact layout): member_id and a null group_instance_id.
constexpr std::size_t member_min_bytes = 1 + 1;

}  // namespace

void leave_group_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.string(group_id);
  if (version <= 2) {
    out.string(member_id);
  } else {
    out.array(members, [&](const member_identity& m) {
      out.string(m.member_id);
      out.nullable_string(m.group_instance_id);
      if (version >= 5) out.nullable_string(m.reason);
      out.tags();
    });
  }
  out.tags();
}

bool leave_group_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  group_id = in.string();
  if (version <= 2) {
    member_id = in.string();
  } else {
    in.array(member_min_bytes, members, [&](member_identity& m) {
      m.member_id = in.string();
      m.group_instance_id = in.nullable_string();
      if (version >= 5) m.reason = in.nullable_string();
      in.tags();
    });
  }
  in.tags();
  return r.ok();
}

void leave_group_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 1) w.i32(throttle_time_ms);
  w.i16(error_code);
  if (version >= 3) {
    out.array(members, [&](const member_response& m) {
      out.string(m.member_id);
      out.nullable_string(m.group_instance_id);
      w.i16(m.error_code);
      out.tags();
    });
  }
  out.tags();
}

bool leave_group_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 1) throttle_time_ms = r.i32();
  error_code = r.i16();
  if (version >= 3) {
    in.array(member_min_bytes + 2, members, [&](member_response& m) {
      m.member_id = in.string();
      m.group_instance_id = in.nullable_string();
      m.error_code = r.i16();
      in.tags();
    });
  }
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
