#include "tern/kafka/messages/delete_groups.h"

#include <cstddef>

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

using request = delete_groups_request;
using response = delete_groups_response;

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

// Smallest wire size of a result (compact layout): group_id and error_code.
constexpr std::size_t result_min_bytes = 1 + 2;

}  // namespace

void delete_groups_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.strings(groups_names);
  out.tags();
}

bool delete_groups_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  in.array(in.min_string_bytes(), groups_names, [&](std::string& g) { g = in.string(); });
  in.tags();
  return r.ok();
}

void delete_groups_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  w.i32(throttle_time_ms);
  out.array(results, [&](const group_result& g) {
    out.string(g.group_id);
    w.i16(g.error_code);
    out.tags();
  });
  out.tags();
}

bool delete_groups_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  throttle_time_ms = r.i32();
  in.array(result_min_bytes, results, [&](group_result& g) {
    g.group_id = in.string();
    g.error_code = r.i16();
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
