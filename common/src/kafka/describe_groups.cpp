#include "tern/kafka/messages/describe_groups.h"

#include <cstddef>

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = describe_groups_request;
using response = describe_groups_response;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

// Smallest wire sizes (compact layout), for the array count checks.
constexpr std::size_t member_min_bytes = 5;     // member_id, client_id, client_host, two bytes
constexpr std::size_t group_min_bytes = 2 + 5;  // error_code, four strings, members count

void encode_member(codec::flex_writer& out, const response::member& m, std::int16_t version) {
  out.string(m.member_id);
  if (version >= 4) out.nullable_string(m.group_instance_id);
  out.string(m.client_id);
  out.string(m.client_host);
  out.bytes(m.member_metadata);
  out.bytes(m.member_assignment);
  out.tags();
}

void decode_member(codec::flex_reader& in, response::member& m, std::int16_t version) {
  m.member_id = in.string();
  if (version >= 4) m.group_instance_id = in.nullable_string();
  m.client_id = in.string();
  m.client_host = in.string();
  m.member_metadata = in.bytes();
  m.member_assignment = in.bytes();
  in.tags();
}

void encode_group(codec::flex_writer& out, const response::described_group& g,
                  std::int16_t version) {
  out.w.i16(g.error_code);
  out.string(g.group_id);
  out.string(g.group_state);
  out.string(g.protocol_type);
  out.string(g.protocol_data);
  out.array(g.members, [&](const response::member& m) { encode_member(out, m, version); });
  if (version >= 3) out.w.i32(g.authorized_operations);
  out.tags();
}

void decode_group(codec::flex_reader& in, response::described_group& g, std::int16_t version) {
  g.error_code = in.r.i16();
  g.group_id = in.string();
  g.group_state = in.string();
  g.protocol_type = in.string();
  g.protocol_data = in.string();
  in.array(member_min_bytes, g.members,
           [&](response::member& m) { decode_member(in, m, version); });
  if (version >= 3) g.authorized_operations = in.r.i32();
  in.tags();
}

}  // namespace

void describe_groups_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.strings(groups);
  if (version >= 3) w.boolean(include_authorized_operations);
  out.tags();
}

bool describe_groups_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  in.array(in.min_string_bytes(), groups, [&](std::string& g) { g = in.string(); });
  if (version >= 3) include_authorized_operations = r.boolean();
  in.tags();
  return r.ok();
}

void describe_groups_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 1) w.i32(throttle_time_ms);
  out.array(groups, [&](const described_group& g) { encode_group(out, g, version); });
  out.tags();
}

bool describe_groups_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 1) throttle_time_ms = r.i32();
  in.array(group_min_bytes, groups, [&](described_group& g) { decode_group(in, g, version); });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
