#include "tls/psk_file.h"

#include <mbedtls/ssl.h>

namespace tern::tls {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

int parse_psk_lines(std::istream& in, psk_map& out) {
  std::string raw;
  for (int line_no = 1; std::getline(in, raw); ++line_no) {
    std::string line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto colon = line.rfind(':');
    std::string hex = colon == std::string::npos ? "" : trim(line.substr(colon + 1));
    std::string identity = colon == std::string::npos ? "" : trim(line.substr(0, colon));
    std::vector<unsigned char> key;
    bool ok = !identity.empty() && !hex.empty() && hex.size() % 2 == 0 &&
              hex.size() / 2 <= MBEDTLS_PSK_MAX_LEN;
    for (std::size_t i = 0; ok && i < hex.size(); i += 2) {
      int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
      ok = hi >= 0 && lo >= 0;
      key.push_back(static_cast<unsigned char>(hi << 4 | lo));
    }
    if (!ok) return line_no;
    out[identity] = std::move(key);
  }
  return 0;
}

}  // namespace tern::tls
