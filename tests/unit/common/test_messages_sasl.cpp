// SaslHandshake (17) and SaslAuthenticate (36): golden bytes written by hand from the Kafka
// schemas, truncation, refused versions, hostile counts.
#include <gtest/gtest.h>

#include "message_test_util.h"
#include "tern/kafka/messages/sasl.h"

namespace tern::kafka {
namespace {
using namespace message_test;

const bytes plain_token = {0x00, 'u', 0x00, 'p', 'w'};

TEST(SaslHandshakeCodec, RequestGoldenBytes) {
  sasl_handshake_request m;
  m.mechanism = "PLAIN";
  const bytes golden = {0x00, 0x05, 'P', 'L', 'A', 'I', 'N'};
  check_all_versions(m, {{0, golden}, {1, golden}});
  check_rejects_out_of_range_versions<sasl_handshake_request>();
}

TEST(SaslHandshakeCodec, ResponseGoldenBytes) {
  sasl_handshake_response m;
  m.error_code = 33;  // UNSUPPORTED_SASL_MECHANISM
  m.mechanisms = {"PLAIN"};
  const bytes golden = cat({{0x00, 0x21}, {0x00, 0x00, 0x00, 0x01}, {0x00, 0x05, 'P', 'L', 'A', 'I', 'N'}});
  check_all_versions(m, {{0, golden}, {1, golden}});
  check_rejects_out_of_range_versions<sasl_handshake_response>();
  sweep_hostile_counts<sasl_handshake_response>(golden, 1);
}

TEST(SaslHandshakeCodec, HostileMechanismCountFails) {
  EXPECT_FALSE(decodes<sasl_handshake_response>(cat({{0x00, 0x00}, hostile_count, bytes(32, 0)}), 1));
  EXPECT_FALSE(decodes<sasl_handshake_response>(cat({{0x00, 0x00}, null32}), 1));
}

TEST(SaslAuthenticateCodec, RequestGoldenBytes) {
  sasl_authenticate_request m;
  m.auth_bytes = plain_token;
  const bytes classic = cat({{0x00, 0x00, 0x00, 0x05}, plain_token});
  const bytes flexible = cat({{0x06}, plain_token, {0x00}});  // uvarint length+1, empty tags
  check_all_versions(m, {{0, classic}, {1, classic}, {2, flexible}});
  check_rejects_out_of_range_versions<sasl_authenticate_request>();
  sweep_hostile_counts<sasl_authenticate_request>(classic, 0);
}

TEST(SaslAuthenticateCodec, RequestNullOrOverlongBytesFail) {
  EXPECT_FALSE(decodes<sasl_authenticate_request>(null32, 0));
  EXPECT_FALSE(decodes<sasl_authenticate_request>(bytes{0x00}, 2));  // compact null
  EXPECT_FALSE(decodes<sasl_authenticate_request>(cat({hostile_count, bytes(16, 0)}), 1));
  EXPECT_FALSE(decodes<sasl_authenticate_request>(bytes{0xff, 0xff, 0xff, 0x7f, 0x00}, 2));
}

TEST(SaslAuthenticateCodec, ResponseGoldenBytes) {
  sasl_authenticate_response m;
  m.error_code = 58;  // SASL_AUTHENTICATION_FAILED
  m.error_message = "bad";
  m.session_lifetime_ms = 0x0102;
  const bytes v0 = {0x00, 0x3a, 0x00, 0x03, 'b', 'a', 'd', 0x00, 0x00, 0x00, 0x00};
  const bytes lifetime = {0, 0, 0, 0, 0, 0, 0x01, 0x02};
  const bytes v1 = cat({v0, lifetime});
  const bytes v2 = cat({{0x00, 0x3a, 0x04, 'b', 'a', 'd', 0x01}, lifetime, {0x00}});
  check_all_versions(m, {{0, v0}, {1, v1}, {2, v2}});
  check_rejects_out_of_range_versions<sasl_authenticate_response>();
}

TEST(SaslAuthenticateCodec, ResponseNullMessage) {
  sasl_authenticate_response m;
  bytes frame;
  auto back = round_trip(m, 2, frame);
  EXPECT_FALSE(back.error_message.has_value());
  EXPECT_EQ(frame, (bytes{0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x00}));
}

}  // namespace
}  // namespace tern::kafka
