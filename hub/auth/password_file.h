#pragma once
// SASL/PLAIN credentials: a file of salted PBKDF2-HMAC-SHA256 hashes, never passwords.
//
//   # comment
//   user:pbkdf2-sha256:<iterations>:<salt hex>:<hash hex>
//
// One line per user; user names are non-empty and contain no ':' (Kafka principals are
// "User:<name>"). Salts are 16 random bytes, hashes 32 bytes, iterations 1,000..10,000,000.
// `tern passwd` writes the file (write_password_entry); the hub reads it once at start-up.
//
// Threads: a loaded password_file is immutable; verify() may be called from any thread.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tern::auth {

struct password_entry {
  std::string user;
  std::uint32_t iterations = 0;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

inline constexpr std::uint32_t default_pbkdf2_iterations = 100000;

// A new entry for `password` with a fresh random salt (getrandom). False only if the system
// gives no randomness or Mbed TLS fails (`error` says which).
bool make_password_entry(std::string_view user, std::string_view password, std::uint32_t iterations,
                         password_entry& out, std::string& error);
// The file line for `e` (without newline).
std::string format_password_entry(const password_entry& e);
// Parses one non-comment line; false with `error` saying what is wrong (not the line itself).
bool parse_password_entry(std::string_view line, password_entry& out, std::string& error);
// Whether `password` hashes to e.hash (constant-time comparison of the hashes).
bool verify_password(const password_entry& e, std::string_view password);

class password_file {
 public:
  // Reads `path`. On failure returns null and `error` names the file and line.
  static std::unique_ptr<password_file> load(const std::string& path, std::string& error);
  // Whether `user` exists and `password` is theirs. An unknown user costs one PBKDF2 as a known
  // one does, so timing does not tell which user names exist.
  bool verify(std::string_view user, std::string_view password) const;
  std::size_t size() const { return _entries.size(); }

 private:
  std::map<std::string, password_entry, std::less<>> _entries;
  password_entry _decoy;  // hashed for unknown users
};

// Adds or replaces `user` in the file at `path` (created if missing): writes a temporary file
// with mode 0600 next to it, fsyncs and renames it over the old one. Other lines are kept as they
// are. False with `error` on a malformed existing file or an I/O error.
bool write_password_entry(const std::string& path, const password_entry& e, std::string& error);

}  // namespace tern::auth
