#pragma once
// SASL credentials (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512): a file of salted hashes, never
// passwords. One line per user and kind; a user may have one line of each kind:
//
//   # comment
//   user:pbkdf2-sha256:<iterations>:<salt hex>:<hash hex>
//   user:scram-sha-256:<iterations>:<salt hex>:<stored key hex>:<server key hex>
//   user:scram-sha-512:<iterations>:<salt hex>:<stored key hex>:<server key hex>
//
// - pbkdf2-sha256 serves SASL/PLAIN (the hub hashes the password it is sent). Its hash is
//   PBKDF2-HMAC-SHA256, which is exactly SCRAM-SHA-256's SaltedPassword: a user without a
//   scram-sha-256 line logs in with SCRAM-SHA-256 from it when its iterations are >= 4096 (files
//   written before SCRAM existed keep working). Caveat: a SaltedPassword is enough to log in
//   with SCRAM-SHA-256, so for such users the file is as secret as the passwords; `tern passwd`
//   therefore writes a scram-sha-256 line of its own (its own salt), which takes precedence.
// - scram-sha-*: RFC 5802's StoredKey and ServerKey (32 or 64 bytes), enough to check a SCRAM
//   login, not enough to make one. Iterations >= 4096 (Kafka's minimum).
//
// User names are non-empty and contain no ':' (Kafka principals are "User:<name>"). Salts are 16
// random bytes (8 at least when read), iterations 1,000..10,000,000 (4,096.. for SCRAM).
// `tern passwd` writes the file (write_password_entries); the hub reads it once at start-up.
//
// Unknown users: verify() and scram_credential() cost what a known user costs and answer
// alike (a decoy credential whose salt is derived from the user name and a per-process random
// secret, so asking twice shows the same salt, as for a real user), so neither timing nor the
// answers tell which user names exist.
//
// Threads: a loaded password_file is immutable; its methods may be called from any thread.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/scram.h"

namespace tern::auth {

enum class entry_kind { pbkdf2_sha256, scram_sha256, scram_sha512 };

struct password_entry {
  std::string user;
  entry_kind kind = entry_kind::pbkdf2_sha256;
  std::uint32_t iterations = 0;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;        // pbkdf2-sha256 only
  std::vector<std::uint8_t> stored_key;  // scram-* only
  std::vector<std::uint8_t> server_key;  // scram-* only
};

inline constexpr std::uint32_t default_pbkdf2_iterations = 100000;

// A new pbkdf2-sha256 entry for `password` with a fresh random salt (getrandom). False only if
// the system gives no randomness or Mbed TLS fails (`error` says which).
bool make_password_entry(std::string_view user, std::string_view password, std::uint32_t iterations,
                         password_entry& out, std::string& error);
// A new scram-sha-256/512 entry (fresh salt). False as make_password_entry, or when
// iterations < scram::iterations_min.
bool make_scram_entry(std::string_view user, std::string_view password, scram::mechanism m,
                      std::uint32_t iterations, password_entry& out, std::string& error);
// The file line for `e` (without newline).
std::string format_password_entry(const password_entry& e);
// Parses one non-comment line; false with `error` saying what is wrong (not the line itself).
bool parse_password_entry(std::string_view line, password_entry& out, std::string& error);
// Whether `password` hashes to e.hash (a pbkdf2-sha256 entry; constant-time comparison).
bool verify_password(const password_entry& e, std::string_view password);

class password_file {
 public:
  // Reads `path`. On failure returns null and `error` names the file and line (malformed line,
  // two lines of one kind for a user) or says that the system gave no randomness.
  static std::unique_ptr<password_file> load(const std::string& path, std::string& error);
  // SASL/PLAIN: whether `user` has a pbkdf2-sha256 line and `password` is theirs. An unknown
  // user costs one PBKDF2 as a known one does.
  bool verify(std::string_view user, std::string_view password) const;
  // SCRAM: the user's credential for `m` (true), or a decoy that looks the same (false: unknown
  // user, or a user without a line usable for `m`). The decoy never verifies a proof.
  bool scram_credential(std::string_view user, scram::mechanism m, scram::credential& out) const;
  std::size_t size() const { return _users.size(); }  // users, not lines

 private:
  struct user_entries {
    std::optional<password_entry> plain;             // pbkdf2-sha256
    std::optional<scram::credential> scram[2];       // by mechanism (sha256, sha512)
  };
  std::map<std::string, user_entries, std::less<>> _users;
  password_entry _decoy;  // hashed for unknown PLAIN users
  std::uint32_t _decoy_iterations[2] = {scram::iterations_min, scram::iterations_min};
  std::array<std::uint8_t, 32> _secret{};  // per process: decoy salts and keys
};

// Replaces every line of the entries' user (all of `entries` name one user) in the file at
// `path` (created if missing) with `entries`: a new password must not leave an old one usable
// through another mechanism. Writes a temporary file with mode 0600 next to it, fsyncs and
// renames it over the old one; other users' lines and comments are kept as they are. False
// with `error` on a malformed existing file or an I/O error.
bool write_password_entries(const std::string& path, std::span<const password_entry> entries, std::string& error);
inline bool write_password_entry(const std::string& path, const password_entry& e, std::string& error) {
  return write_password_entries(path, std::span(&e, 1), error);
}

}  // namespace tern::auth
