// Codec tests for the config admin APIs: DescribeConfigs (32) v0–4, AlterConfigs (33) v0–2 and
// IncrementalAlterConfigs (44) v0–1.
//
// Golden bytes are written by hand, field by field, from Kafka's DescribeConfigsRequest.json /
// DescribeConfigsResponse.json, AlterConfigsRequest.json / AlterConfigsResponse.json and
// IncrementalAlterConfigsRequest.json / IncrementalAlterConfigsResponse.json — never produced by
// the encoder under test. Flexible versions (DescribeConfigs v4, AlterConfigs v2,
// IncrementalAlterConfigs v1) use compact lengths (length+1 as a uvarint) and end every
// structure with a tagged-field section (0x00 when empty).
#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "message_test_util.h"
#include "tern/kafka/api_key.h"
#include "tern/kafka/messages/alter_configs.h"
#include "tern/kafka/messages/config_resource.h"
#include "tern/kafka/messages/describe_configs.h"
#include "tern/kafka/messages/incremental_alter_configs.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

namespace {

bytes chars(std::string_view s) { return bytes(s.begin(), s.end()); }
// Classic string: int16 length then the bytes.
bytes str(std::string_view s) {
  return cat({{static_cast<std::uint8_t>(s.size() >> 8), static_cast<std::uint8_t>(s.size())},
              chars(s)});
}
// Compact string (short ones only): uvarint length+1 then the bytes.
bytes cstr(std::string_view s) {
  EXPECT_LT(s.size(), 127u);
  return cat({{static_cast<std::uint8_t>(s.size() + 1)}, chars(s)});
}

const bytes count1 = {0x00, 0x00, 0x00, 0x01};
const bytes count2 = {0x00, 0x00, 0x00, 0x02};
const bytes zero32 = {0x00, 0x00, 0x00, 0x00};
const bytes ccount1 = {0x02};  // compact array of 1
const bytes ccount2 = {0x03};  // compact array of 2
const bytes tags = {0x00};     // empty tagged-field section
const bytes cnull = {0x00};    // compact null string / array

describe_configs_request sample_describe_request() {
  describe_configs_request m;
  m.resources.push_back({kafka::wire(config_resource_type::topic), "t",
                         std::vector<std::string>{"retention.ms"}});
  m.resources.push_back({kafka::wire(config_resource_type::broker), "1", std::nullopt});
  m.include_synonyms = true;
  m.include_documentation = true;
  return m;
}

describe_configs_response sample_describe_response() {
  describe_configs_response m;
  m.throttle_time_ms = 7;
  describe_configs_response::result res;
  res.resource_type = kafka::wire(config_resource_type::topic);
  res.resource_name = "t";
  describe_configs_response::config c;
  c.name = "retention.ms";
  c.value = "1000";
  c.read_only = false;
  c.is_default = true;  // only v0 carries it
  c.config_source = kafka::wire(config_source::dynamic_topic_config);
  c.is_sensitive = false;
  c.synonyms.push_back({"retention.ms", "1000", kafka::wire(config_source::dynamic_topic_config)});
  c.config_type = kafka::wire(config_type::long_);
  c.documentation = "d";
  res.configs.push_back(c);
  m.results.push_back(res);
  describe_configs_response::result bad;
  bad.error_code = 3;
  bad.error_message = "no";
  bad.resource_type = kafka::wire(config_resource_type::topic);
  bad.resource_name = "x";
  m.results.push_back(bad);
  return m;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// DescribeConfigs

TEST(DescribeConfigs, RequestGoldenEveryVersion) {
  const bytes classic_resources = cat({
      count2,
      {0x02}, str("t"), count1, str("retention.ms"),  // TOPIC "t", keys ["retention.ms"]
      {0x04}, str("1"), null32,                       // BROKER "1", keys null (all)
  });
  const bytes v0 = classic_resources;
  const bytes v1 = cat({classic_resources, {0x01}});          // + include_synonyms
  const bytes v3 = cat({classic_resources, {0x01}, {0x01}});  // + include_documentation
  const bytes v4 = cat({
      ccount2,
      {0x02}, cstr("t"), ccount1, cstr("retention.ms"), tags,
      {0x04}, cstr("1"), cnull, tags,
      {0x01}, {0x01}, tags,
  });
  // The hand-written compact bytes themselves: "retention.ms" is 12 chars, so 0x0d.
  EXPECT_EQ(cstr("retention.ms")[0], 0x0d);
  check_all_versions(sample_describe_request(), {{0, v0}, {1, v1}, {2, v1}, {3, v3}, {4, v4}});
}

TEST(DescribeConfigs, ResponseGoldenEveryVersion) {
  const bytes throttle = {0x00, 0x00, 0x00, 0x07};
  // v0: name, value, read_only, is_default, is_sensitive.
  const bytes v0 = cat({
      throttle, count2,
      {0x00, 0x00}, null16, {0x02}, str("t"), count1,
      str("retention.ms"), str("1000"), {0x00}, {0x01}, {0x00},
      {0x00, 0x03}, str("no"), {0x02}, str("x"), zero32,
  });
  // v1–v2: is_default replaced by config_source; synonyms after is_sensitive.
  const bytes synonyms = cat({count1, str("retention.ms"), str("1000"), {0x01}});
  const bytes v1 = cat({
      throttle, count2,
      {0x00, 0x00}, null16, {0x02}, str("t"), count1,
      str("retention.ms"), str("1000"), {0x00}, {0x01}, {0x00}, synonyms,
      {0x00, 0x03}, str("no"), {0x02}, str("x"), zero32,
  });
  // v3: + config_type (LONG = 5), documentation "d".
  const bytes v3 = cat({
      throttle, count2,
      {0x00, 0x00}, null16, {0x02}, str("t"), count1,
      str("retention.ms"), str("1000"), {0x00}, {0x01}, {0x00}, synonyms, {0x05}, str("d"),
      {0x00, 0x03}, str("no"), {0x02}, str("x"), zero32,
  });
  const bytes v4 = cat({
      throttle, ccount2,
      {0x00, 0x00}, cnull, {0x02}, cstr("t"), ccount1,
      cstr("retention.ms"), cstr("1000"), {0x00}, {0x01}, {0x00},
      ccount1, cstr("retention.ms"), cstr("1000"), {0x01}, tags,  // synonym
      {0x05}, cstr("d"), tags,                                    // config
      tags,                                                       // result
      {0x00, 0x03}, cstr("no"), {0x02}, cstr("x"), {0x01}, tags,  // empty configs
      tags,
  });
  check_all_versions(sample_describe_response(), {{0, v0}, {1, v1}, {2, v1}, {3, v3}, {4, v4}});
}

TEST(DescribeConfigs, FlexibleSkipsUnknownTags) {
  // v4 request with one resource and a top-level tagged field (tag 5, two bytes).
  const bytes frame = cat({ccount1, {0x02}, cstr("t"), cnull, tags, {0x00}, {0x00},
                           {0x01, 0x05, 0x02, 0xaa, 0xbb}});
  describe_configs_request m;
  ASSERT_TRUE(decode_all(m, frame, 4));
  ASSERT_EQ(m.resources.size(), 1u);
  EXPECT_EQ(m.resources[0].resource_name, "t");
  EXPECT_FALSE(m.resources[0].configuration_keys.has_value());
  // A tag claiming more bytes than are left fails.
  EXPECT_FALSE(decodes<describe_configs_request>(
      cat({ccount1, {0x02}, cstr("t"), cnull, tags, {0x00}, {0x00}, {0x01, 0x05, 0x7f}}), 4));
}

TEST(DescribeConfigs, RejectsHostileInput) {
  check_rejects_out_of_range_versions<describe_configs_request>();
  check_rejects_out_of_range_versions<describe_configs_response>();
  for (std::int16_t v = 0; v <= 3; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<describe_configs_request>(with_hostile_tail({}), v));
    // configuration_keys: a maximal count.
    EXPECT_FALSE(decodes<describe_configs_request>(
        with_hostile_tail(cat({count1, {0x02}, str("t")})), v));
    // resource_name null (non-nullable).
    EXPECT_FALSE(decodes<describe_configs_request>(cat({count1, {0x02}, null16, null32, padding}), v));
    EXPECT_FALSE(decodes<describe_configs_response>(with_hostile_tail(zero32), v));
    sweep_hostile_counts<describe_configs_request>(encode(sample_describe_request(), v), v);
    sweep_hostile_counts<describe_configs_response>(encode(sample_describe_response(), v), v);
  }
  // Compact: a huge uvarint count (0xffffffff0f) and a null resources array.
  EXPECT_FALSE(decodes<describe_configs_request>(cat({{0xff, 0xff, 0xff, 0xff, 0x0f}, padding}), 4));
  EXPECT_FALSE(decodes<describe_configs_request>(cat({cnull, {0x00, 0x00}, tags}), 4));
  sweep_hostile_counts<describe_configs_response>(encode(sample_describe_response(), 4), 4);
}

// ---------------------------------------------------------------------------------------------
// AlterConfigs

namespace {

alter_configs_request sample_alter_request() {
  alter_configs_request m;
  m.resources.push_back({kafka::wire(config_resource_type::topic), "t",
                         {{"cleanup.policy", "compact"}, {"retention.ms", std::nullopt}}});
  m.validate_only = true;
  return m;
}

alter_configs_response sample_alter_response() {
  alter_configs_response m;
  m.throttle_time_ms = 0;
  m.responses.push_back({40, "bad", kafka::wire(config_resource_type::topic), "t"});
  m.responses.push_back({0, std::nullopt, kafka::wire(config_resource_type::broker), "1"});
  return m;
}

}  // namespace

TEST(AlterConfigs, RequestGoldenEveryVersion) {
  const bytes v0 = cat({
      count1, {0x02}, str("t"),
      count2, str("cleanup.policy"), str("compact"), str("retention.ms"), null16,
      {0x01},  // validate_only
  });
  const bytes v2 = cat({
      ccount1, {0x02}, cstr("t"),
      ccount2, cstr("cleanup.policy"), cstr("compact"), tags, cstr("retention.ms"), cnull, tags,
      tags,            // resource
      {0x01}, tags,    // validate_only, top level
  });
  EXPECT_EQ(cstr("cleanup.policy")[0], 0x0f);
  check_all_versions(sample_alter_request(), {{0, v0}, {1, v0}, {2, v2}});
}

TEST(AlterConfigs, ResponseGoldenEveryVersion) {
  const bytes v0 = cat({
      zero32, count2,
      {0x00, 0x28}, str("bad"), {0x02}, str("t"),  // INVALID_CONFIG (40)
      {0x00, 0x00}, null16, {0x04}, str("1"),
  });
  const bytes v2 = cat({
      zero32, ccount2,
      {0x00, 0x28}, cstr("bad"), {0x02}, cstr("t"), tags,
      {0x00, 0x00}, cnull, {0x04}, cstr("1"), tags,
      tags,
  });
  check_all_versions(sample_alter_response(), {{0, v0}, {1, v0}, {2, v2}});
}

TEST(AlterConfigs, RejectsHostileInput) {
  check_rejects_out_of_range_versions<alter_configs_request>();
  check_rejects_out_of_range_versions<alter_configs_response>();
  for (std::int16_t v = 0; v <= 2; ++v) {
    SCOPED_TRACE(v);
    sweep_hostile_counts<alter_configs_request>(encode(sample_alter_request(), v), v);
    sweep_hostile_counts<alter_configs_response>(encode(sample_alter_response(), v), v);
  }
  EXPECT_FALSE(decodes<alter_configs_request>(with_hostile_tail({}), 0));
  EXPECT_FALSE(decodes<alter_configs_request>(with_hostile_tail(cat({count1, {0x02}, str("t")})), 1));
  // Config name null (non-nullable).
  EXPECT_FALSE(decodes<alter_configs_request>(
      cat({count1, {0x02}, str("t"), count1, null16, null16, {0x00}}), 0));
  EXPECT_FALSE(decodes<alter_configs_request>(
      cat({ccount1, {0x02}, cstr("t"), ccount1, cnull, cnull, tags, tags, {0x00}, tags}), 2));
}

// ---------------------------------------------------------------------------------------------
// IncrementalAlterConfigs

namespace {

incremental_alter_configs_request sample_incremental_request() {
  incremental_alter_configs_request m;
  m.resources.push_back({kafka::wire(config_resource_type::topic), "t",
                         {{"retention.ms", kafka::wire(config_operation::set), "1000"},
                          {"segment.ms", kafka::wire(config_operation::delete_), std::nullopt}}});
  m.validate_only = false;
  return m;
}

incremental_alter_configs_response sample_incremental_response() {
  incremental_alter_configs_response m;
  m.throttle_time_ms = 0;
  m.responses.push_back({0, std::nullopt, kafka::wire(config_resource_type::topic), "t"});
  return m;
}

}  // namespace

TEST(IncrementalAlterConfigs, RequestGoldenEveryVersion) {
  const bytes v0 = cat({
      count1, {0x02}, str("t"),
      count2,
      str("retention.ms"), {0x00}, str("1000"),  // SET
      str("segment.ms"), {0x01}, null16,         // DELETE
      {0x00},                                    // validate_only
  });
  const bytes v1 = cat({
      {0x02},                      // 1 resource
      {0x02}, {0x02, 't'},         // TOPIC "t"
      {0x03},                      // 2 configs
      {0x0d}, chars("retention.ms"), {0x00}, {0x05}, chars("1000"), {0x00},
      {0x0b}, chars("segment.ms"), {0x01}, {0x00}, {0x00},
      {0x00},                      // resource tags
      {0x00}, {0x00},              // validate_only, top-level tags
  });
  check_all_versions(sample_incremental_request(), {{0, v0}, {1, v1}});
}

TEST(IncrementalAlterConfigs, ResponseGoldenEveryVersion) {
  const bytes v0 = cat({zero32, count1, {0x00, 0x00}, null16, {0x02}, str("t")});
  const bytes v1 = {0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x02, 't', 0x00, 0x00};
  check_all_versions(sample_incremental_response(), {{0, v0}, {1, v1}});
}

TEST(IncrementalAlterConfigs, UnknownOperationDecodes) {
  // The codec keeps an operation it does not know; the handler refuses it.
  incremental_alter_configs_request m;
  ASSERT_TRUE(decode_all(m, cat({count1, {0x02}, str("t"), count1, str("k"), {0x09}, str("v"), {0x00}}), 0));
  EXPECT_EQ(m.resources.at(0).configs.at(0).config_operation, 9);
}

TEST(IncrementalAlterConfigs, RejectsHostileInput) {
  check_rejects_out_of_range_versions<incremental_alter_configs_request>();
  check_rejects_out_of_range_versions<incremental_alter_configs_response>();
  for (std::int16_t v = 0; v <= 1; ++v) {
    SCOPED_TRACE(v);
    sweep_hostile_counts<incremental_alter_configs_request>(encode(sample_incremental_request(), v), v);
    sweep_hostile_counts<incremental_alter_configs_response>(encode(sample_incremental_response(), v), v);
    const bytes frame = encode(sample_incremental_request(), v);
    expect_prefixes_fail<incremental_alter_configs_request>(frame, v);
  }
  EXPECT_FALSE(decodes<incremental_alter_configs_request>(with_hostile_tail({}), 0));
  EXPECT_FALSE(decodes<incremental_alter_configs_request>(cat({{0xff, 0xff, 0xff, 0xff, 0x0f}, padding}), 1));
}

TEST(ConfigApis, AdvertisedWithFlexibleThresholds) {
  auto d = find_api(32);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->min_version, 0);
  EXPECT_EQ(d->max_version, 4);
  EXPECT_FALSE(is_flexible(api_key::describe_configs, 3));
  EXPECT_TRUE(is_flexible(api_key::describe_configs, 4));
  EXPECT_FALSE(is_flexible(api_key::alter_configs, 1));
  EXPECT_TRUE(is_flexible(api_key::alter_configs, 2));
  EXPECT_FALSE(is_flexible(api_key::incremental_alter_configs, 0));
  EXPECT_TRUE(is_flexible(api_key::incremental_alter_configs, 1));
  EXPECT_EQ(request_header_version(api_key::incremental_alter_configs, 1), 2);
  EXPECT_EQ(response_header_version(api_key::describe_configs, 4), 1);
}
