// SASL/PLAIN password hashing and the users file (hub/auth/password_file.h).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "auth/password_file.h"

namespace tern::auth {
namespace {

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "tern-pw-" + std::to_string(::getpid()) + "-" + name;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(PasswordHash, VerifiesOnlyTheRightPassword) {
  password_entry e;
  std::string error;
  ASSERT_TRUE(make_password_entry("u", "secret", 1000, e, error)) << error;
  EXPECT_EQ(e.salt.size(), 16u);
  EXPECT_EQ(e.hash.size(), 32u);
  EXPECT_TRUE(verify_password(e, "secret"));
  EXPECT_FALSE(verify_password(e, "secreT"));
  EXPECT_FALSE(verify_password(e, ""));
  password_entry again;
  ASSERT_TRUE(make_password_entry("u", "secret", 1000, again, error));
  EXPECT_NE(e.salt, again.salt);  // fresh salt each time
  EXPECT_NE(e.hash, again.hash);
}

// RFC 7914 §11 PBKDF2-HMAC-SHA256 test vector (P="passwd", S="salt", c=1, dkLen=64): the first 32
// bytes. Iterations below the file minimum are fine for parse-free verification.
TEST(PasswordHash, KnownVector) {
  password_entry e;
  e.user = "x";
  e.iterations = 1;
  e.salt = {'s', 'a', 'l', 't'};
  e.hash = {0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2, 0x25, 0x44, 0xb6, 0x05,
            0xf9, 0x41, 0x85, 0x21, 0x6d, 0xde, 0x04, 0x65, 0xe6, 0x8b, 0x9d, 0x57, 0xc2, 0x0d, 0xac, 0xbc};
  EXPECT_TRUE(verify_password(e, "passwd"));
  EXPECT_FALSE(verify_password(e, "passwe"));
}

TEST(PasswordHash, LineRoundTrip) {
  password_entry e, back;
  std::string error;
  ASSERT_TRUE(make_password_entry("alice", "pw", 1000, e, error));
  std::string line = format_password_entry(e);
  EXPECT_EQ(line.rfind("alice:pbkdf2-sha256:1000:", 0), 0u);
  ASSERT_TRUE(parse_password_entry(line, back, error)) << error;
  EXPECT_EQ(back.user, "alice");
  EXPECT_EQ(back.salt, e.salt);
  EXPECT_EQ(back.hash, e.hash);
  EXPECT_TRUE(verify_password(back, "pw"));
}

TEST(PasswordHash, MalformedLinesAreRefused) {
  const std::string salt(32, 'a'), hash(64, 'b');
  password_entry e;
  std::string error;
  for (std::string line : std::initializer_list<std::string>{"u:plain:secret", "u:pbkdf2-sha256:1000:" + salt,
                           ":pbkdf2-sha256:1000:" + salt + ":" + hash, "u:md5:1000:" + salt + ":" + hash,
                           "u:pbkdf2-sha256:10:" + salt + ":" + hash, "u:pbkdf2-sha256:x:" + salt + ":" + hash,
                           "u:pbkdf2-sha256:1000:zz:" + hash, "u:pbkdf2-sha256:1000:" + salt + ":abcd"}) {
    EXPECT_FALSE(parse_password_entry(line, e, error)) << line;
    EXPECT_FALSE(error.empty());
  }
  EXPECT_TRUE(parse_password_entry("u:pbkdf2-sha256:1000:" + salt + ":" + hash, e, error)) << error;
}

TEST(PasswordFile, WriteReplaceLoadAndMode) {
  auto path = temp_path("users");
  std::remove(path.c_str());
  std::string error;
  password_entry a, b, a2;
  ASSERT_TRUE(make_password_entry("a", "pa", 1000, a, error));
  ASSERT_TRUE(make_password_entry("b", "pb", 1000, b, error));
  ASSERT_TRUE(make_password_entry("a", "pa2", 1000, a2, error));
  ASSERT_TRUE(write_password_entry(path, a, error)) << error;
  ASSERT_TRUE(write_password_entry(path, b, error)) << error;
  ASSERT_TRUE(write_password_entry(path, a2, error)) << error;  // replaces a
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto text = read_all(path);
  EXPECT_EQ(text.find("pa"), std::string::npos);  // hex only: no password text
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  auto file = password_file::load(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->size(), 2u);
  EXPECT_TRUE(file->verify("a", "pa2"));
  EXPECT_FALSE(file->verify("a", "pa"));
  EXPECT_TRUE(file->verify("b", "pb"));
  EXPECT_FALSE(file->verify("c", "pb"));
  std::remove(path.c_str());
}

TEST(PasswordFile, ErrorNamesTheLine) {
  auto path = temp_path("bad");
  {
    std::ofstream out(path);
    out << "# users\n\nu:pbkdf2-sha256:1000:" << std::string(32, 'a') << ":" << std::string(64, 'b')
        << "\nv:oops\n";
  }
  std::string error;
  EXPECT_FALSE(password_file::load(path, error));
  EXPECT_NE(error.find(path + ":4:"), std::string::npos) << error;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace tern::auth
