#include "tern/kafka/messages/list_groups.h"

#include <cstddef>

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = list_groups_request;
using response = list_groups_response;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

// Smallest wire size of a listed group (compact layout): group_id and protocol_type.
constexpr std::size_t group_min_bytes = 1 + 1;

}  // namespace

void list_groups_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 4) out.strings(states_filter);
  out.tags();
}

bool list_groups_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 4)
    in.array(in.min_string_bytes(), states_filter, [&](std::string& s) { s = in.string(); });
  in.tags();
  return r.ok();
}

void list_groups_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  if (version >= 1) w.i32(throttle_time_ms);
  w.i16(error_code);
  out.array(groups, [&](const listed_group& g) {
    out.string(g.group_id);
    out.string(g.protocol_type);
    if (version >= 4) out.string(g.group_state);
    out.tags();
  });
  out.tags();
}

bool list_groups_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  if (version >= 1) throttle_time_ms = r.i32();
  error_code = r.i16();
  in.array(group_min_bytes, groups, [&](listed_group& g) {
    g.group_id = in.string();
    g.protocol_type = in.string();
    if (version >= 4) g.group_state = in.string();
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
