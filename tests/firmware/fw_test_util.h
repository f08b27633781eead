#pragma once
// Helpers shared by the firmware tests: golden-vector files, hex, and Kafka frames built with
// common/ (the C++ codec, independent of the firmware's C encoder).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/messages/header.h"

namespace fwtest {

using bytes = std::vector<std::uint8_t>;

inline std::string vectors_dir() { return TERN_VECTORS_DIR; }

inline std::string to_hex(const bytes& b, std::size_t per_line = 32) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    out += digits[b[i] >> 4];
    out += digits[b[i] & 15];
    if ((i + 1) % per_line == 0 || i + 1 == b.size()) out += '\n';
  }
  return out;
}

// Hex digits of every line that does not start with '#'; whitespace is ignored.
inline bytes from_hex(const std::string& text) {
  bytes out;
  std::istringstream in(text);
  std::string line;
  int nibble = -1;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') continue;
    for (char c : line) {
      int v;
      if (c >= '0' && c <= '9')
        v = c - '0';
      else if (c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v = c - 'A' + 10;
      else if (c == ' ' || c == '\t' || c == '\r')
        continue;
      else
        throw std::runtime_error(std::string("bad hex character '") + c + "'");
      if (nibble < 0) {
        nibble = v;
      } else {
        out.push_back(static_cast<std::uint8_t>(nibble << 4 | v));
        nibble = -1;
      }
    }
  }
  if (nibble >= 0) throw std::runtime_error("odd number of hex digits");
  return out;
}

inline bool read_vector(const std::string& name, bytes& out) {
  std::ifstream f(vectors_dir() + "/" + name);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  out = from_hex(ss.str());
  return true;
}

inline void write_vector(const std::string& name, const std::string& comment, const bytes& b) {
  std::ofstream f(vectors_dir() + "/" + name);
  std::istringstream lines(comment);
  std::string line;
  while (std::getline(lines, line)) f << "# " << line << "\n";
  f << to_hex(b);
}

inline void put_be32(bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// size prefix + request header v1 + body, all written by common/.
template <typename Body>
bytes request_frame(std::int16_t api_key, std::int16_t version, std::int32_t correlation_id,
                    const std::optional<std::string>& client_id, const Body& body) {
  tern::wire::wire_writer w;
  tern::kafka::request_header h;
  h.api_key = api_key;
  h.api_version = version;
  h.correlation_id = correlation_id;
  h.client_id = client_id;
  h.encode(w, 1);
  body(w);
  bytes payload = w.contiguous();
  bytes frame;
  put_be32(frame, static_cast<std::uint32_t>(payload.size()));
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

// A response body (no size prefix, no header) written by common/.
template <typename Body>
bytes response_body(const Body& body) {
  tern::wire::wire_writer w;
  body(w);
  return w.contiguous();
}

// size prefix + response header v0 + body.
inline bytes response_frame(std::int32_t correlation_id, const bytes& body) {
  bytes frame;
  put_be32(frame, static_cast<std::uint32_t>(body.size() + 4));
  put_be32(frame, static_cast<std::uint32_t>(correlation_id));
  frame.insert(frame.end(), body.begin(), body.end());
  return frame;
}

}  // namespace fwtest
