#include "tern/kafka/messages/api_versions.h"

#include "tern/common/check.h"

#include "codec_util.h"

namespace tern::kafka {
namespace {

constexpr std::int16_t first_flexible_version = 3;

}  // namespace

void api_versions_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<api_versions_request>(version));
  if (version < first_flexible_version) return;  // v0–v2: empty body
  w.compact_string(client_software_name);
  w.compact_string(client_software_version);
  w.empty_tagged_fields();
}

bool api_versions_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  if (version >= first_flexible_version) {
    client_software_name = r.compact_string();
    client_software_version = r.compact_string();
    r.skip_tagged_fields();
  }
  return r.ok();
}

void api_versions_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<api_versions_response>(version));
  const bool flexible = version >= first_flexible_version;
  w.i16(error_code);
  if (flexible) {
    codec::write_compact_count(w, api_keys.size());
  } else {
    codec::write_count(w, api_keys.size());
  }
  for (const auto& a : api_keys) {
    w.i16(a.api_key);
    w.i16(a.min_version);
    w.i16(a.max_version);
    if (flexible) w.empty_tagged_fields();
  }
  if (version >= 1) w.i32(throttle_time_ms);
  if (flexible) w.empty_tagged_fields();
}

bool api_versions_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  const bool flexible = version >= first_flexible_version;
  error_code = r.i16();
  auto read_one = [&](api_version& a) {
    a.api_key = r.i16();
    a.min_version = r.i16();
    a.max_version = r.i16();
    if (flexible) r.skip_tagged_fields();
  };
  if (flexible) {
    codec::read_compact_array(r, api_keys, read_one);
  } else {
    codec::read_array(r, api_keys, read_one);
  }
  if (version >= 1) throttle_time_ms = r.i32();
  if (flexible) r.skip_tagged_fields();
  return r.ok();
}

}  // namespace tern::kafka
