// AlterConfigs (33) and IncrementalAlterConfigs (44): both requests list resources with configs
// and end with validate_only; both responses are the same list of per-resource results.
#include "tern/kafka/messages/alter_configs.h"

#include "tern/common/check.h"

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/kafka/messages/incremental_alter_configs.h"

namespace tern::kafka {
namespace {

// AlterConfigs turns flexible at v2, IncrementalAlterConfigs at v1.
constexpr std::int16_t alter_first_flexible = 2;
constexpr std::int16_t incremental_first_flexible = 1;

// Writes resources[type, name, configs[...]], validate_only; `write_config` writes one config.
template <typename Resource, typename WriteConfig>
void encode_resources(codec::flex_writer& out, const std::vector<Resource>& resources,
                      bool validate_only, WriteConfig write_config) {
  out.array(resources, [&](const Resource& res) {
    out.w.i8(res.resource_type);
    out.string(res.resource_name);
    out.array(res.configs, [&](const auto& c) {
      write_config(c);
      out.tags();
    });
    out.tags();
  });
  out.w.boolean(validate_only);
  out.tags();
}

// Reads what encode_resources wrote; configs take at least `min_config_bytes` each.
template <typename Resource, typename ReadConfig>
void decode_resources(codec::flex_reader& in, std::vector<Resource>& resources, bool& validate_only,
                      std::size_t min_config_bytes, ReadConfig read_config) {
  const std::size_t count_bytes = in.flexible ? 1 : 4;
  in.array(1 + in.min_string_bytes() + count_bytes, resources, [&](Resource& res) {
    res.resource_type = in.r.i8();
    res.resource_name = in.string();
    in.array(min_config_bytes, res.configs, [&](auto& c) {
      read_config(c);
      in.tags();
    });
    in.tags();
  });
  validate_only = in.r.boolean();
  in.tags();
}

void encode_results(codec::flex_writer& out, std::int32_t throttle_time_ms,
                    const std::vector<alter_configs_resource_response>& responses) {
  out.w.i32(throttle_time_ms);
  out.array(responses, [&](const alter_configs_resource_response& res) {
    out.w.i16(res.error_code);
    out.nullable_string(res.error_message);
    out.w.i8(res.resource_type);
    out.string(res.resource_name);
    out.tags();
  });
  out.tags();
}

void decode_results(codec::flex_reader& in, std::int32_t& throttle_time_ms,
                    std::vector<alter_configs_resource_response>& responses) {
  throttle_time_ms = in.r.i32();
  in.array(2 + 2 * in.min_string_bytes() + 1, responses, [&](alter_configs_resource_response& res) {
    res.error_code = in.r.i16();
    res.error_message = in.nullable_string();
    res.resource_type = in.r.i8();
    res.resource_name = in.string();
    in.tags();
  });
  in.tags();
}

}  // namespace

void alter_configs_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<alter_configs_request>(version));
  codec::flex_writer out{w, version >= alter_first_flexible};
  encode_resources(out, resources, validate_only, [&](const config& c) {
    out.string(c.name);
    out.nullable_string(c.value);
  });
}

bool alter_configs_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, version >= alter_first_flexible};
  decode_resources(in, resources, validate_only, 2 * in.min_string_bytes(), [&](config& c) {
    c.name = in.string();
    c.value = in.nullable_string();
  });
  return r.ok();
}

void alter_configs_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<alter_configs_response>(version));
  codec::flex_writer out{w, version >= alter_first_flexible};
  encode_results(out, throttle_time_ms, responses);
}

bool alter_configs_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, version >= alter_first_flexible};
  decode_results(in, throttle_time_ms, responses);
  return r.ok();
}

void incremental_alter_configs_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<incremental_alter_configs_request>(version));
  codec::flex_writer out{w, version >= incremental_first_flexible};
  encode_resources(out, resources, validate_only, [&](const config& c) {
    out.string(c.name);
    w.i8(c.config_operation);
    out.nullable_string(c.value);
  });
}

bool incremental_alter_configs_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, version >= incremental_first_flexible};
  decode_resources(in, resources, validate_only, 2 * in.min_string_bytes() + 1, [&](config& c) {
    c.name = in.string();
    c.config_operation = r.i8();
    c.value = in.nullable_string();
  });
  return r.ok();
}

void incremental_alter_configs_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<incremental_alter_configs_response>(version));
  codec::flex_writer out{w, version >= incremental_first_flexible};
  encode_results(out, throttle_time_ms, responses);
}

bool incremental_alter_configs_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, version >= incremental_first_flexible};
  decode_results(in, throttle_time_ms, responses);
  return r.ok();
}

}  // namespace tern::kafka
