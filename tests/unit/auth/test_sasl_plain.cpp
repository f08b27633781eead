// auth::parse_plain: the SASL PLAIN token an unauthenticated client sends (RFC 4616).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "auth/sasl_plain.h"

using namespace tern;

namespace {
bool parse(std::string_view token, std::string_view& user, std::string_view& password) {
  return auth::parse_plain({reinterpret_cast<const std::uint8_t*>(token.data()), token.size()}, user, password);
}
}  // namespace

TEST(SaslPlain, SplitsUserAndPassword) {
  std::string_view user, password;
  using namespace std::string_view_literals;
  ASSERT_TRUE(parse("\0alice\0s3cret"sv, user, password));
  EXPECT_EQ(user, "alice");
  EXPECT_EQ(password, "s3cret");
  ASSERT_TRUE(parse("alice\0alice\0pw"sv, user, password));  // authzid naming the user itself
  EXPECT_EQ(user, "alice");
  EXPECT_EQ(password, "pw");
}

TEST(SaslPlain, RefusesMalformedTokens) {
  using namespace std::string_view_literals;
  std::string_view user, password;
  EXPECT_FALSE(parse(""sv, user, password));
  EXPECT_FALSE(parse("alice"sv, user, password));
  EXPECT_FALSE(parse("\0alice"sv, user, password));            // one NUL
  EXPECT_FALSE(parse("\0\0pw"sv, user, password));             // empty user
  EXPECT_FALSE(parse("\0alice\0"sv, user, password));          // empty password
  EXPECT_FALSE(parse("\0alice\0pw\0x"sv, user, password));     // NUL in the password
  EXPECT_FALSE(parse("bob\0alice\0pw"sv, user, password));     // impersonation
  EXPECT_EQ(user, "alice");  // still reported: the handler logs who was refused
  const std::string longest(auth::plain_field_bytes_max, 'u');
  EXPECT_TRUE(parse(std::string(1, '\0') + longest + '\0' + "pw", user, password));
  EXPECT_FALSE(parse(std::string(1, '\0') + longest + "u" + '\0' + "pw", user, password));
  EXPECT_FALSE(parse(std::string(1, '\0') + "u" + '\0' + longest + "p", user, password));
  EXPECT_FALSE(parse(longest + "u" + '\0' + longest + "u" + '\0' + "pw", user, password));
}
