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

// SCRAM lines: one per mechanism, next to the PLAIN line, all replaced together.
TEST(PasswordFile, ScramLinesRoundTripAndServeScram) {
  std::string error;
  password_entry e, back;
  ASSERT_TRUE(make_scram_entry("alice", "pw", scram::mechanism::sha512, 4096, e, error)) << error;
  auto line = format_password_entry(e);
  EXPECT_EQ(line.rfind("alice:scram-sha-512:4096:", 0), 0u) << line;
  ASSERT_TRUE(parse_password_entry(line, back, error)) << error;
  EXPECT_EQ(back.kind, entry_kind::scram_sha512);
  EXPECT_EQ(back.stored_key, e.stored_key);
  EXPECT_EQ(back.server_key.size(), 64u);
  EXPECT_FALSE(make_scram_entry("alice", "pw", scram::mechanism::sha256, 4095, e, error));  // Kafka's minimum

  auto path = temp_path("scram");
  std::remove(path.c_str());
  password_entry lines[3], other;
  ASSERT_TRUE(make_password_entry("a", "old", 4096, lines[0], error));
  ASSERT_TRUE(write_password_entry(path, lines[0], error));
  ASSERT_TRUE(make_password_entry("b", "pb", 1000, other, error));
  ASSERT_TRUE(write_password_entry(path, other, error));
  ASSERT_TRUE(make_password_entry("a", "pa", 5000, lines[0], error));
  ASSERT_TRUE(make_scram_entry("a", "pa", scram::mechanism::sha256, 4096, lines[1], error));
  ASSERT_TRUE(make_scram_entry("a", "pa", scram::mechanism::sha512, 4096, lines[2], error));
  ASSERT_TRUE(write_password_entries(path, lines, error)) << error;
  auto text = read_all(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4) << text;
  auto file = password_file::load(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->size(), 2u);
  EXPECT_TRUE(file->verify("a", "pa"));  // PLAIN from the pbkdf2 line
  EXPECT_FALSE(file->verify("a", "old"));
  scram::credential c;
  ASSERT_TRUE(file->scram_credential("a", scram::mechanism::sha256, c));
  EXPECT_EQ(c.salt, lines[1].salt);  // the scram-sha-256 line wins over the pbkdf2 line
  EXPECT_EQ(c.stored_key, lines[1].stored_key);
  ASSERT_TRUE(file->scram_credential("a", scram::mechanism::sha512, c));
  EXPECT_EQ(c.server_key, lines[2].server_key);
  EXPECT_FALSE(file->scram_credential("b", scram::mechanism::sha256, c));  // 1000 iterations: too few
  EXPECT_FALSE(file->scram_credential("b", scram::mechanism::sha512, c));
  std::remove(path.c_str());
}

// A pbkdf2-sha256 line written before SCRAM existed serves SCRAM-SHA-256: its hash is the
// SaltedPassword.
TEST(PasswordFile, Pbkdf2LineServesScramSha256) {
  auto path = temp_path("legacy");
  std::string error;
  password_entry e;
  ASSERT_TRUE(make_password_entry("u", "pencil", 4096, e, error));
  { std::ofstream(path) << format_password_entry(e) << "\n"; }
  auto file = password_file::load(path, error);
  ASSERT_TRUE(file) << error;
  scram::credential c;
  ASSERT_TRUE(file->scram_credential("u", scram::mechanism::sha256, c));
  scram::client_exchange client(scram::mechanism::sha256, "u", "pencil", scram::random_nonce());
  scram::server_exchange server(scram::mechanism::sha256);
  std::string client_final, server_final;
  ASSERT_TRUE(server.receive_client_first(client.client_first(), error)) << error;
  auto first = server.server_first(c, scram::random_nonce());
  ASSERT_TRUE(client.receive_server_first(first, client_final, error)) << error;
  EXPECT_EQ(server.receive_client_final(client_final, server_final, error), scram::server_exchange::verdict::ok);
  EXPECT_TRUE(client.receive_server_final(server_final, error)) << error;
  std::remove(path.c_str());
}

// Unknown users get a decoy: stable per name (as a real user's salt is), different across names,
// shaped like a real credential, and never a proof's match.
TEST(PasswordFile, UnknownUsersGetAStableDecoy) {
  auto path = temp_path("decoy");
  std::string error;
  password_entry e;
  ASSERT_TRUE(make_scram_entry("real", "pw", scram::mechanism::sha512, 8192, e, error));
  { std::ofstream(path) << format_password_entry(e) << "\n"; }
  auto file = password_file::load(path, error);
  ASSERT_TRUE(file) << error;
  scram::credential a, again, b;
  EXPECT_FALSE(file->scram_credential("ghost", scram::mechanism::sha512, a));
  EXPECT_FALSE(file->scram_credential("ghost", scram::mechanism::sha512, again));
  EXPECT_FALSE(file->scram_credential("phantom", scram::mechanism::sha512, b));
  EXPECT_EQ(a.salt, again.salt);
  EXPECT_NE(a.salt, b.salt);
  EXPECT_EQ(a.salt.size(), e.salt.size());
  EXPECT_EQ(a.iterations, 8192u);  // as the real users'
  EXPECT_EQ(a.stored_key.size(), 64u);
  std::remove(path.c_str());
}

TEST(PasswordFile, TwoLinesOfOneKindAreRefused) {
  auto path = temp_path("twice");
  std::string error;
  password_entry a, b;
  ASSERT_TRUE(make_scram_entry("u", "x", scram::mechanism::sha256, 4096, a, error));
  ASSERT_TRUE(make_scram_entry("u", "y", scram::mechanism::sha256, 4096, b, error));
  { std::ofstream(path) << format_password_entry(a) << "\n" << format_password_entry(b) << "\n"; }
  EXPECT_FALSE(password_file::load(path, error));
  EXPECT_NE(error.find(":2: user 'u' has a second scram-sha-256 line"), std::string::npos) << error;
  const std::string salt(32, 'a'), key(64, 'b');
  for (std::string line : {"u:scram-sha-256:4095:" + salt + ":" + key + ":" + key,   // below 4096
                           "u:scram-sha-512:4096:" + salt + ":" + key + ":" + key,   // 32-byte keys
                           "u:scram-sha-256:4096:" + salt + ":" + key}) {            // no server key
    EXPECT_FALSE(parse_password_entry(line, a, error)) << line;
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace tern::auth
