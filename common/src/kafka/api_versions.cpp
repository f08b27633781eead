#include "tern/kafka/messages/api_versions.h"

#include <cassert>

namespace tern::kafka {
namespace {

constexpr std::int16_t first_flexible_version = 3;
static_assert(api_versions_request::min_version == api_versions_response::min_version &&
              api_versions_request::max_version == api_versions_response::max_version);

bool in_range(std::int16_t version) {
  return version >= api_versions_request::min_version &&
         version <= api_versions_request::max_version;
}

// Reads a non-nullable array length in the classic or compact form; null fails the reader.
std::int32_t read_count(wire::wire_reader& r, bool flexible) {
  std::int32_t n = flexible ? r.compact_array_length() : r.array_length();
  if (n < 0) {
    r.fail();
    return 0;
  }
  return n;
}

void write_count(wire::wire_writer& w, std::size_t n, bool flexible) {
  assert(n <= static_cast<std::size_t>(INT32_MAX) - 1);
  auto count = static_cast<std::int32_t>(n);
  if (flexible) {
    w.compact_array_length(count);
  } else {
    w.array_length(count);
  }
}

}  // namespace

void api_versions_request::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(in_range(version));
  if (version < first_flexible_version) return;  // v0–v2: empty body
  w.compact_string(client_software_name);
  w.compact_string(client_software_version);
  w.empty_tagged_fields();
}

bool api_versions_request::decode(wire::wire_reader& r, std::int16_t version) {
  *this = {};
  if (!in_range(version)) {
    r.fail();
    return false;
  }
  if (version >= first_flexible_version) {
    client_software_name = r.compact_string();
    client_software_version = r.compact_string();
    r.skip_tagged_fields();
  }
  return r.ok();
}

void api_versions_response::encode(wire::wire_writer& w, std::int16_t version) const {
  assert(in_range(version));
  const bool flexible = version >= first_flexible_version;
  w.i16(error_code);
  write_count(w, api_keys.size(), flexible);
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
  *this = {};
  if (!in_range(version)) {
    r.fail();
    return false;
  }
  const bool flexible = version >= first_flexible_version;
  error_code = r.i16();
  // Elements are appended one by one (no reserve), so memory grows only with bytes consumed.
  std::int32_t n = read_count(r, flexible);
  for (std::int32_t i = 0; i < n && r.ok(); ++i) {
    auto& a = api_keys.emplace_back();
    a.api_key = r.i16();
    a.min_version = r.i16();
    a.max_version = r.i16();
    if (flexible) r.skip_tagged_fields();
  }
  if (version >= 1) throttle_time_ms = r.i32();
  if (flexible) r.skip_tagged_fields();
  return r.ok();
}

}  // namespace tern::kafka
