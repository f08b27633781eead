#include "auth/password_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

namespace tern::auth {
namespace {
constexpr std::string_view scheme = "pbkdf2-sha256";
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;
constexpr std::uint32_t iterations_min = 1000;
constexpr std::uint32_t iterations_max = 10000000;

bool pbkdf2(std::string_view password, const std::vector<std::uint8_t>& salt, std::uint32_t iterations,
            std::vector<std::uint8_t>& out) {
  out.assign(hash_bytes, 0);
  mbedtls_md_context_t md;
  mbedtls_md_init(&md);
  int rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
  if (rc == 0)
    rc = mbedtls_pkcs5_pbkdf2_hmac(&md, reinterpret_cast<const unsigned char*>(password.data()),
                                   password.size(), salt.data(), salt.size(), iterations,
                                   static_cast<std::uint32_t>(out.size()), out.data());
  mbedtls_md_free(&md);
  return rc == 0;
}

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
}  // namespace

bool make_password_entry(std::string_view user, std::string_view password, std::uint32_t iterations,
                         password_entry& out, std::string& error) {
  out = {};
  out.user = std::string(user);
  out.iterations = iterations;
  out.salt.resize(salt_bytes);
  if (getrandom(out.salt.data(), out.salt.size(), 0) != static_cast<ssize_t>(out.salt.size())) {
    error = std::string("getrandom failed: ") + std::strerror(errno);
    return false;
  }
  if (!pbkdf2(password, out.salt, iterations, out.hash)) {
    error = "PBKDF2 (Mbed TLS) failed";
    return false;
  }
  return true;
}

std::string format_password_entry(const password_entry& e) {
  return e.user + ":" + std::string(scheme) + ":" + std::to_string(e.iterations) + ":" + to_hex(e.salt) +
         ":" + to_hex(e.hash);
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
  if (fields.size() != 5) {
    error = "expected user:pbkdf2-sha256:<iterations>:<salt hex>:<hash hex>";
    return false;
  }
  if (fields[0].empty()) {
    error = "empty user name";
    return false;
  }
  if (fields[1] != scheme) {
    error = "unknown hash scheme '" + std::string(fields[1]) + "' (only pbkdf2-sha256)";
    return false;
  }
  std::uint64_t iterations = 0;
  bool digits = !fields[2].empty() && fields[2].size() <= 9;
  for (char c : fields[2]) {
    if (c < '0' || c > '9') digits = false;
    else iterations = iterations * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!digits || iterations < iterations_min || iterations > iterations_max) {
    error = "iterations must be a number in " + std::to_string(iterations_min) + ".." +
            std::to_string(iterations_max);
    return false;
  }
  if (!from_hex(fields[3], out.salt) || out.salt.size() < 8) {
    error = "salt must be at least 8 bytes of hex";
    return false;
  }
  if (!from_hex(fields[4], out.hash) || out.hash.size() != hash_bytes) {
    error = "hash must be 32 bytes of hex";
    return false;
  }
  out.user = std::string(fields[0]);
  out.iterations = static_cast<std::uint32_t>(iterations);
  return true;
}

bool verify_password(const password_entry& e, std::string_view password) {
  std::vector<std::uint8_t> computed;
  if (!pbkdf2(password, e.salt, e.iterations, computed)) return false;
  if (computed.size() != e.hash.size()) return false;
  // Constant time: every byte is compared whatever the first difference.
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < computed.size(); ++i) diff |= computed[i] ^ e.hash[i];
  return diff == 0;
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
    if (file->_entries.count(e.user)) {
      error = path + ":" + std::to_string(number) + ": user '" + e.user + "' appears twice";
      return nullptr;
    }
    file->_entries.emplace(e.user, std::move(e));
  }
  file->_decoy.iterations = default_pbkdf2_iterations;
  file->_decoy.salt.assign(salt_bytes, 0);
  file->_decoy.hash.assign(hash_bytes, 0);
  if (!file->_entries.empty()) file->_decoy.iterations = file->_entries.begin()->second.iterations;
  return file;
}

bool password_file::verify(std::string_view user, std::string_view password) const {
  auto it = _entries.find(user);
  if (it == _entries.end()) {
    (void)verify_password(_decoy, password);  // same cost as a known user
    return false;
  }
  return verify_password(it->second, password);
}

bool write_password_entry(const std::string& path, const password_entry& e, std::string& error) {
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
        if (user_of(line) == e.user) {
          if (!replaced) text << format_password_entry(e) << '\n';
          replaced = true;
          continue;
        }
      }
      text << line << '\n';
    }
  }
  if (!replaced) text << format_password_entry(e) << '\n';
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
