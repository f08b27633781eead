#include "tern/kafka/messages/describe_configs.h"

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"

namespace tern::kafka {
namespace {

constexpr std::int16_t first_flexible_version = 4;

using config = describe_configs_response::config;
using synonym = describe_configs_response::synonym;

void encode_config(codec::flex_writer& out, const config& c, std::int16_t version) {
  out.string(c.name);
  out.nullable_string(c.value);
  out.w.boolean(c.read_only);
  if (version == 0) out.w.boolean(c.is_default);
  if (version >= 1) out.w.i8(c.config_source);
  out.w.boolean(c.is_sensitive);
  if (version >= 1) {
    out.array(c.synonyms, [&](const synonym& s) {
      out.string(s.name);
      out.nullable_string(s.value);
      out.w.i8(s.source);
      out.tags();
    });
  }
  if (version >= 3) {
    out.w.i8(c.config_type);
    out.nullable_string(c.documentation);
  }
  out.tags();
}

void decode_config(codec::flex_reader& in, config& c, std::int16_t version) {
  auto& r = in.r;
  c.name = in.string();
  c.value = in.nullable_string();
  c.read_only = r.boolean();
  if (version == 0) c.is_default = r.boolean();
  if (version >= 1) c.config_source = r.i8();
  c.is_sensitive = r.boolean();
  if (version >= 1) {
    // name, value, source: two strings and a byte at least.
    in.array(2 * in.min_string_bytes() + 1, c.synonyms, [&](synonym& s) {
      s.name = in.string();
      s.value = in.nullable_string();
      s.source = r.i8();
      in.tags();
    });
  }
  if (version >= 3) {
    c.config_type = r.i8();
    c.documentation = in.nullable_string();
  }
  in.tags();
}

}  // namespace

void describe_configs_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_configs_request>(version));
  codec::flex_writer out{w, version >= first_flexible_version};
  out.array(resources, [&](const resource& res) {
    w.i8(res.resource_type);
    out.string(res.resource_name);
    out.nullable_array(res.configuration_keys, [&](const std::string& k) { out.string(k); });
    out.tags();
  });
  if (version >= 1) w.boolean(include_synonyms);
  if (version >= 3) w.boolean(include_documentation);
  out.tags();
}

bool describe_configs_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, version >= first_flexible_version};
  const std::size_t min_string = in.min_string_bytes();
  // type, name, keys count: 1 + string + (4 classic | 1 compact).
  in.array(1 + min_string + (in.flexible ? 1 : 4), resources, [&](resource& res) {
    res.resource_type = r.i8();
    res.resource_name = in.string();
    in.nullable_array(min_string, res.configuration_keys, [&](std::string& k) { k = in.string(); });
    in.tags();
  });
  if (version >= 1) include_synonyms = r.boolean();
  if (version >= 3) include_documentation = r.boolean();
  in.tags();
  return r.ok();
}

void describe_configs_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_configs_response>(version));
  codec::flex_writer out{w, version >= first_flexible_version};
  w.i32(throttle_time_ms);
  out.array(results, [&](const result& res) {
    w.i16(res.error_code);
    out.nullable_string(res.error_message);
    w.i8(res.resource_type);
    out.string(res.resource_name);
    out.array(res.configs, [&](const config& c) { encode_config(out, c, version); });
    out.tags();
  });
  out.tags();
}

bool describe_configs_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, version >= first_flexible_version};
  const std::size_t min_string = in.min_string_bytes();
  throttle_time_ms = r.i32();
  // error code, message, type, name, configs count.
  in.array(2 + 2 * min_string + 1 + (in.flexible ? 1 : 4), results, [&](result& res) {
    res.error_code = r.i16();
    res.error_message = in.nullable_string();
    res.resource_type = r.i8();
    res.resource_name = in.string();
    // name, value, read_only, is_default/source, is_sensitive.
    in.array(2 * min_string + 3, res.configs, [&](config& c) { decode_config(in, c, version); });
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
