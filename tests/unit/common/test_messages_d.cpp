// Codec tests for DeleteGroups (api key 42), versions 0–1.
//
// Golden bytes are written by hand, field by field, from Kafka's DeleteGroupsRequest.json /
// DeleteGroupsResponse.json — never produced by the encoder under test. Both versions share one
// layout (v1 only changes when a broker throttles), so they share one golden frame.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/delete_groups.h"

using namespace tern;
using namespace tern::kafka;

namespace {

using bytes = std::vector<std::uint8_t>;

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

wire::bytes_view view(const bytes& b) { return {b.data(), b.size()}; }

template <typename M>
bytes encode(const M& m, std::int16_t version) {
  wire::wire_writer w;
  m.encode(w, version);
  return w.contiguous();
}

// Encode gives the golden bytes; golden bytes decode (consuming everything) and re-encode
// identically; every strict prefix fails to decode.
template <typename M>
void check_codec(const M& m, std::int16_t version, const bytes& golden) {
  SCOPED_TRACE(testing::Message() << "version " << version);
  EXPECT_EQ(encode(m, version), golden);
  M decoded;
  wire::wire_reader r(view(golden));
  ASSERT_TRUE(decoded.decode(r, version));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(encode(decoded, version), golden);
  for (std::size_t len = 0; len < golden.size(); ++len) {
    M truncated;
    wire::wire_reader t(wire::bytes_view(golden.data(), len));
    EXPECT_FALSE(truncated.decode(t, version)) << "prefix of " << len << " bytes decoded";
    EXPECT_FALSE(t.ok());
  }
}

template <typename M>
bool decodes(const bytes& input, std::int16_t version) {
  M m;
  wire::wire_reader r(view(input));
  return m.decode(r, version);
}

template <typename M>
void check_rejects_out_of_range_versions() {
  const bytes plenty(64, 0);
  for (std::int16_t v : std::initializer_list<std::int16_t>{-1, 2, 3, INT16_MAX, INT16_MIN}) {
    M m;
    wire::wire_reader r(view(plenty));
    EXPECT_FALSE(m.decode(r, v)) << v;
    EXPECT_FALSE(r.ok());
  }
}

const bytes hostile_count = {0x7f, 0xff, 0xff, 0xff};
const bytes null32 = {0xff, 0xff, 0xff, 0xff};
const bytes null16 = {0xff, 0xff};
const bytes padding(256, 0);

}  // namespace

TEST(DeleteGroups, ApiKeyIs42) { EXPECT_EQ(static_cast<std::int16_t>(api_key::delete_groups), 42); }

TEST(DeleteGroups, RequestGoldenEveryVersion) {
  delete_groups_request m;
  m.groups_names = {"g", "hub"};
  const bytes golden = {
      0x00, 0x00, 0x00, 0x02,       // groups_names: 2 elements
      0x00, 0x01, 'g',              //   "g"
      0x00, 0x03, 'h',  'u',  'b',  //   "hub"
  };
  check_codec(m, 0, golden);
  check_codec(m, 1, golden);
}

TEST(DeleteGroups, RequestEmptyList) {
  check_codec(delete_groups_request{}, 0, {0x00, 0x00, 0x00, 0x00});
}

TEST(DeleteGroups, ResponseGoldenEveryVersion) {
  delete_groups_response m;
  m.throttle_time_ms = 7;
  m.results = {{"g", kafka::wire(error_code::non_empty_group)}, {"h", 0}};
  const bytes golden = {
      0x00, 0x00, 0x00, 0x07,  // throttle_time_ms 7 (present in v0 too)
      0x00, 0x00, 0x00, 0x02,  // results: 2 elements
      0x00, 0x01, 'g',         //   group_id "g"
      0x00, 0x44,              //   error_code 68 NON_EMPTY_GROUP
      0x00, 0x01, 'h',         //   group_id "h"
      0x00, 0x00,              //   error_code 0
  };
  check_codec(m, 0, golden);
  check_codec(m, 1, golden);
}

TEST(DeleteGroups, DecodedFields) {
  const bytes frame = {0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x02, 'a', 'b', 0x00, 0x45};
  delete_groups_response m;
  wire::wire_reader r(view(frame));
  ASSERT_TRUE(m.decode(r, 1));
  ASSERT_EQ(m.results.size(), 1u);
  EXPECT_EQ(m.results[0].group_id, "ab");
  EXPECT_EQ(m.results[0].error_code, kafka::wire(error_code::group_id_not_found));
}

TEST(DeleteGroups, RejectsHostileInput) {
  check_rejects_out_of_range_versions<delete_groups_request>();
  check_rejects_out_of_range_versions<delete_groups_response>();
  const bytes throttle = {0, 0, 0, 0};
  for (std::int16_t v = 0; v <= 1; ++v) {
    SCOPED_TRACE(v);
    // Counts far beyond the bytes left.
    EXPECT_FALSE(decodes<delete_groups_request>(cat({hostile_count, padding}), v));
    EXPECT_FALSE(decodes<delete_groups_response>(cat({throttle, hostile_count, padding}), v));
    // Null arrays and null strings are not allowed by the schema.
    EXPECT_FALSE(decodes<delete_groups_request>(cat({null32, padding}), v));
    EXPECT_FALSE(decodes<delete_groups_response>(cat({throttle, null32, padding}), v));
    EXPECT_FALSE(decodes<delete_groups_request>(cat({{0, 0, 0, 1}, null16}), v));
    EXPECT_FALSE(decodes<delete_groups_response>(cat({throttle, {0, 0, 0, 1}, null16, {0, 0}}), v));
  }
  // Every 4-byte window overwritten with a hostile count: must never crash (ASan checks reads).
  const bytes frame = {0, 0, 0, 7, 0, 0, 0, 2, 0, 1, 'g', 0, 0x44, 0, 1, 'h', 0, 0};
  for (std::size_t at = 0; at + 4 <= frame.size(); ++at) {
    bytes b = frame;
    std::copy(hostile_count.begin(), hostile_count.end(),
              b.begin() + static_cast<std::ptrdiff_t>(at));
    (void)decodes<delete_groups_response>(b, 0);
  }
}

#ifndef NDEBUG
TEST(MessagesDDeathTest, EncodeOutsideVersionRangeAsserts) {
  wire::wire_writer w;
  EXPECT_DEATH(delete_groups_request{}.encode(w, 3), "");
  EXPECT_DEATH(delete_groups_response{}.encode(w, -1), "");
}
#endif
