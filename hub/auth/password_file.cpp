#include "auth/password_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tern/common/check.h"

namespace tern::auth {
namespace {
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;
constexpr std::uint32_t iterations_min = 1000;
constexpr std::uint32_t iterations_max = scram::iterations_max;

std::string_view scheme_of(entry_kind k) {
  switch (k) {
    case entry_kind::pbkdf2_sha256: return "pbkdf2-sha256";
    case entry_kind::scram_sha256: return "scram-sha-256";
    case entry_kind::scram_sha512: return "scram-sha-512";
  }
  return "?";
}

bool kind_named(std::string_view s, entry_kind& out) {
  for (auto k : {entry_kind::pbkdf2_sha256, entry_kind::scram_sha256, entry_kind::scram_sha512})
    if (scheme_of(k) == s) {
      out = k;
      return true;
    }
  return false;
}

scram::mechanism mechanism_of(entry_kind k) {
  return k == entry_kind::scram_sha512 ? scram::mechanism::sha512 : scram::mechanism::sha256;
}

std::size_t index_of(scram::mechanism m) { return m == scram::mechanism::sha256 ? 0 : 1; }

std::string to_hex(const std::vector<std::uint8_t>& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (auto v : b) {
    s += digits[v >> 4];
    s += digits[v & 15];
  }
  return s;
}

bool from_hex(std::string_view s, std::vector<std::uint8_t>& out) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (s.size() % 2) return false;
  out.clear();
  for (std::size_t i = 0; i < s.size(); i += 2) {
    int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_blank_or_comment(std::string_view line) {
  line = trim(line);
  return line.empty() || line.front() == '#';
}

// The user name of an entry line (text before the first ':').
std::string_view user_of(std::string_view line) {
  line = trim(line);
  return line.substr(0, line.find(':'));
}

bool fresh_salt(password_entry& out, std::string& error) {
  out.salt.resize(salt_bytes);
  if (scram::random_bytes(out.salt)) return true;
  error = std::string("getrandom failed: ") + std::strerror(errno);
  return false;
}

bool parse_iterations(std::string_view text, std::uint32_t min, std::uint32_t& out) {
  std::uint64_t iterations = 0;
  bool digits = !text.empty() && text.size() <= 9;
  for (char c : text) {
    if (c < '0' || c > '9') digits = false;
    else iterations = iterations * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!digits || iterations < min || iterations > iterations_max) return false;
  out = static_cast<std::uint32_t>(iterations);
  return true;
}

// A decoy value for an unknown user: HMAC(secret, purpose NUL mechanism NUL user), so it is the
// same every time within this process, as a real user's would be.
std::vector<std::uint8_t> derived(std::span<const std::uint8_t> secret, scram::mechanism m, std::string_view purpose,
                                  std::string_view user) {
  std::string input = std::string(purpose) + '\0' + std::string(scram::name_of(m)) + '\0' + std::string(user);
  return scram::hmac(m, secret, input);
}
}  // namespace

bool make_password_entry(std::string_view user, std::string_view password, std::uint32_t iterations,
                         password_entry& out, std::string& error) {
  out = {};
  out.user = std::string(user);
  out.iterations = iterations;
  if (!fresh_salt(out, error)) return false;
  if (!scram::salted_password(scram::mechanism::sha256, password, out.salt, iterations, out.hash)) {
    error = "PBKDF2 (Mbed TLS) failed";
    return false;
  }
  return true;
}

bool make_scram_entry(std::string_view user, std::string_view password, scram::mechanism m,
                      std::uint32_t iterations, password_entry& out, std::string& error) {
  out = {};
  out.user = std::string(user);
  out.kind = m == scram::mechanism::sha256 ? entry_kind::scram_sha256 : entry_kind::scram_sha512;
  out.iterations = iterations;
  if (iterations < scram::iterations_min) {
    error = "SCRAM needs at least " + std::to_string(scram::iterations_min) + " iterations (Kafka's minimum)";
    return false;
  }
  if (!fresh_salt(out, error)) return false;
  std::vector<std::uint8_t> salted;
  if (!scram::salted_password(m, password, out.salt, iterations, salted)) {
    error = "PBKDF2 (Mbed TLS) failed";
    return false;
  }
  auto c = scram::credential_from_salted(m, iterations, out.salt, salted);
  std::fill(salted.begin(), salted.end(), std::uint8_t{0});
  out.stored_key = std::move(c.stored_key);
  out.server_key = std::move(c.server_key);
  return true;
}

std::string format_password_entry(const password_entry& e) {
  std::string line = e.user + ":" + std::string(scheme_of(e.kind)) + ":" + std::to_string(e.iterations) + ":" +
                     to_hex(e.salt) + ":";
  if (e.kind == entry_kind::pbkdf2_sha256) return line + to_hex(e.hash);
  return line + to_hex(e.stored_key) + ":" + to_hex(e.server_key);
}

bool parse_password_entry(std::string_view line, password_entry& out, std::string& error) {
  out = {};
  std::vector<std::string_view> fields;
  line = trim(line);
  for (std::size_t start = 0;;) {
    auto colon = line.find(':', start);
    fields.push_back(line.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  entry_kind kind = entry_kind::pbkdf2_sha256;
  if (fields.size() > 1 && !kind_named(fields[1], kind)) {
    error = "unknown hash scheme '" + std::string(fields[1]).substr(0, 32) +
            "' (pbkdf2-sha256, scram-sha-256 or scram-sha-512)";
    return false;
  }
  const bool scram_kind = kind != entry_kind::pbkdf2_sha256;
  if (fields.size() != (scram_kind ? 6u : 5u)) {
    error = "expected user:pbkdf2-sha256:<iterations>:<salt hex>:<hash hex> or "
            "user:scram-sha-256|scram-sha-512:<iterations>:<salt hex>:<stored key hex>:<server key hex>";
    return false;
  }
  if (fields[0].empty()) {
    error = "empty user name";
    return false;
  }
  std::uint32_t min = scram_kind ? scram::iterations_min : iterations_min;
  if (!parse_iterations(fields[2], min, out.iterations)) {
    error = "iterations must be a number in " + std::to_string(min) + ".." + std::to_string(iterations_max);
    return false;
  }
  if (!from_hex(fields[3], out.salt) || out.salt.size() < 8) {
    error = "salt must be at least 8 bytes of hex";
    return false;
  }
  if (!scram_kind) {
    if (!from_hex(fields[4], out.hash) || out.hash.size() != hash_bytes) {
      error = "hash must be 32 bytes of hex";
      return false;
    }
  } else {
    auto size = scram::key_bytes(mechanism_of(kind));
    if (!from_hex(fields[4], out.stored_key) || out.stored_key.size() != size || !from_hex(fields[5], out.server_key) ||
        out.server_key.size() != size) {
      error = "stored and server keys must be " + std::to_string(size) + " bytes of hex each";
      return false;
    }
  }
  out.user = std::string(fields[0]);
  out.kind = kind;
  return true;
}

bool verify_password(const password_entry& e, std::string_view password) {
  TERN_ASSERT(e.kind == entry_kind::pbkdf2_sha256);
  std::vector<std::uint8_t> computed;
  if (!scram::salted_password(scram::mechanism::sha256, password, e.salt, e.iterations, computed)) return false;
  return scram::equal_constant_time(computed, e.hash);
}

std::unique_ptr<password_file> password_file::load(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  auto file = std::unique_ptr<password_file>(new password_file());
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (is_blank_or_comment(line)) continue;
    password_entry e;
    std::string why;
    if (!parse_password_entry(line, e, why)) {
      error = path + ":" + std::to_string(number) + ": " + why;
      return nullptr;
    }
    auto& user = file->_users[e.user];
    bool twice = false;
    if (e.kind == entry_kind::pbkdf2_sha256) {
      twice = user.plain.has_value();
      user.plain = e;
    } else {
      auto m = mechanism_of(e.kind);
      auto& slot = user.scram[index_of(m)];
      twice = slot.has_value();
      slot = scram::credential{m, e.iterations, e.salt, e.stored_key, e.server_key};
    }
    if (twice) {
      error = path + ":" + std::to_string(number) + ": user '" + e.user + "' has a second " +
              std::string(scheme_of(e.kind)) + " line";
      return nullptr;
    }
  }
  // SCRAM-SHA-256 from pbkdf2-sha256 lines (the hash is the SaltedPassword), computed once here.
  for (auto& [name, user] : file->_users)
    if (!user.scram[0] && user.plain && user.plain->iterations >= scram::iterations_min)
      user.scram[0] = scram::credential_from_salted(scram::mechanism::sha256, user.plain->iterations,
                                                    user.plain->salt, user.plain->hash);
  file->_decoy.salt.assign(salt_bytes, 0);
  file->_decoy.hash.assign(hash_bytes, 0);
  // Decoys use the most common iteration count of their kind, so they look like most users.
  std::map<std::uint32_t, std::size_t> counts[3];
  for (const auto& [name, user] : file->_users) {
    if (user.plain) ++counts[2][user.plain->iterations];
    for (std::size_t i = 0; i < 2; ++i)
      if (user.scram[i]) ++counts[i][user.scram[i]->iterations];
  }
  auto most_common = [](const std::map<std::uint32_t, std::size_t>& c, std::uint32_t fallback) {
    auto it = std::max_element(c.begin(), c.end(), [](auto& a, auto& b) { return a.second < b.second; });
    return it == c.end() ? fallback : it->first;
  };
  file->_decoy.iterations = most_common(counts[2], default_pbkdf2_iterations);
  for (std::size_t i = 0; i < 2; ++i) file->_decoy_iterations[i] = most_common(counts[i], scram::iterations_min);
  if (!scram::random_bytes(file->_secret)) {
    error = std::string("getrandom failed: ") + std::strerror(errno);
    return nullptr;
  }
  return file;
}

bool password_file::verify(std::string_view user, std::string_view password) const {
  auto it = _users.find(user);
  if (it == _users.end() || !it->second.plain) {
    (void)verify_password(_decoy, password);  // same cost as a known user
    return false;
  }
  return verify_password(*it->second.plain, password);
}

bool password_file::scram_credential(std::string_view user, scram::mechanism m, scram::credential& out) const {
  // The decoy is always derived, so a known user costs the same HMACs as an unknown one.
  auto salt = derived(_secret, m, "salt", user);
  salt.resize(salt_bytes);
  out = scram::credential{m, _decoy_iterations[index_of(m)], std::move(salt), derived(_secret, m, "stored", user),
                          derived(_secret, m, "server", user)};
  auto it = _users.find(user);
  if (it == _users.end() || !it->second.scram[index_of(m)]) return false;
  out = *it->second.scram[index_of(m)];
  return true;
}

bool write_password_entries(const std::string& path, std::span<const password_entry> entries, std::string& error) {
  TERN_ASSERT(!entries.empty());
  for (const auto& e : entries) TERN_ASSERT(e.user == entries.front().user);
  const std::string& user = entries.front().user;
  auto write_new = [&](std::ostringstream& text) {
    for (const auto& e : entries) text << format_password_entry(e) << '\n';
  };
  std::ostringstream text;
  bool replaced = false;
  {
    std::ifstream in(path);
    std::string line;
    for (int number = 1; in && std::getline(in, line); ++number) {
      if (!is_blank_or_comment(line)) {
        password_entry old;
        std::string why;
        if (!parse_password_entry(line, old, why)) {
          error = path + ":" + std::to_string(number) + ": " + why;
          return false;
        }
        if (user_of(line) == user) {
          if (!replaced) write_new(text);
          replaced = true;
          continue;
        }
      }
      text << line << '\n';
    }
  }
  if (!replaced) write_new(text);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot create '" + tmp + "': " + std::strerror(errno);
    return false;
  }
  std::string data = text.str();
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < data.size();) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    saved = errno;
    ok = false;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    error = "cannot write '" + path + "': " + std::strerror(saved);
  }
  return ok;
}

}  // namespace tern::auth
