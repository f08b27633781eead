#include "tern/kafka/messages/describe_groups.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {
namespace {

void encode_member(wire::wire_writer& w, const describe_groups_response::member& m,
                   std::int16_t version) {
  w.string(m.member_id);
  if (version >= 4) w.nullable_string(m.group_instance_id);
  w.string(m.client_id);
  w.string(m.client_host);
  w.bytes(m.member_metadata);
  w.bytes(m.member_assignment);
}

void decode_member(wire::wire_reader& r, describe_groups_response::member& m,
                   std::int16_t version) {
  m.member_id = r.string();
  if (version >= 4) m.group_instance_id = r.nullable_string();
  m.client_id = r.string();
  m.client_host = r.string();
  m.member_metadata = codec::read_bytes(r);
  m.member_assignment = codec::read_bytes(r);
}

void encode_group(wire::wire_writer& w, const describe_groups_response::described_group& g,
                  std::int16_t version) {
  w.i16(g.error_code);
  w.string(g.group_id);
  w.string(g.group_state);
  w.string(g.protocol_type);
  w.string(g.protocol_data);
  codec::write_array(w, g.members, [&](const describe_groups_response::member& m) {
    encode_member(w, m, version);
  });
  if (version >= 3) w.i32(g.authorized_operations);
}

void decode_group(wire::wire_reader& r, describe_groups_response::described_group& g,
                  std::int16_t version) {
  g.error_code = r.i16();
  g.group_id = r.string();
  g.group_state = r.string();
  g.protocol_type = r.string();
  g.protocol_data = r.string();
  codec::read_array(r, g.members,
                    [&](describe_groups_response::member& m) { decode_member(r, m, version); });
  if (version >= 3) g.authorized_operations = r.i32();
}

}  // namespace

void describe_groups_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_groups_request>(version));
  codec::write_strings(w, groups);
  if (version >= 3) w.boolean(include_authorized_operations);
}

bool describe_groups_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::read_strings(r, groups);
  if (version >= 3) include_authorized_operations = r.boolean();
  return r.ok();
}

void describe_groups_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_groups_response>(version));
  if (version >= 1) w.i32(throttle_time_ms);
  codec::write_array(w, groups, [&](const described_group& g) { encode_group(w, g, version); });
}

bool describe_groups_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= 1) throttle_time_ms = r.i32();
  codec::read_array(r, groups, [&](described_group& g) { decode_group(r, g, version); });
  return r.ok();
}

}  // namespace tern::kafka
