#pragma once
// Internal helpers for the classic (non-flexible) message codecs in this directory: version
// checks, array counts, arrays, and non-nullable bytes. Not installed with the public headers.
//
// Arrays are decoded by appending one element at a time, never by reserving the untrusted count:
// wire_reader::array_length() already refuses a count larger than the bytes left, and every
// element of every schema here takes at least one byte, so memory grows only with the input
// actually consumed.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"

namespace tern::kafka::codec {

// True if `version` is within M's advertised [min_version, max_version].
template <typename M>
constexpr bool in_range(std::int16_t version) {
  return version >= M::min_version && version <= M::max_version;
}

// Starts decode(): resets `m` to its defaults, and fails the reader (returning false) if `version`
// is outside M's range.
template <typename M>
bool begin_decode(M& m, wire::wire_reader& r, std::int16_t version) {
  m = M{};
  if (!in_range<M>(version)) {
    r.fail();
    return false;
  }
  return true;
}

inline void write_count(wire::wire_writer& w, std::size_t n) {
  assert(n <= static_cast<std::size_t>(INT32_MAX));
  w.array_length(static_cast<std::int32_t>(n));
}

template <typename T, typename WriteOne>
void write_array(wire::wire_writer& w, const std::vector<T>& items, WriteOne write_one) {
  write_count(w, items.size());
  for (const auto& item : items) write_one(item);
}

// Reads a non-nullable array into `out` (appending): a null count fails the reader. Stops at the
// first malformed element.
template <typename T, typename ReadOne>
void read_array(wire::wire_reader& r, std::vector<T>& out, ReadOne read_one) {
  std::int32_t n = r.array_length();
  if (n < 0) r.fail();
  for (std::int32_t i = 0; i < n && r.ok(); ++i) read_one(out.emplace_back());
}

// Writes a nullable array: std::nullopt is the count -1.
template <typename T, typename WriteOne>
void write_nullable_array(wire::wire_writer& w, const std::optional<std::vector<T>>& items,
                          WriteOne write_one) {
  if (!items) return w.array_length(-1);
  write_array(w, *items, write_one);
}

// Reads a nullable array: the count -1 gives std::nullopt.
template <typename T, typename ReadOne>
void read_nullable_array(wire::wire_reader& r, std::optional<std::vector<T>>& out,
                         ReadOne read_one) {
  out.reset();
  std::int32_t n = r.array_length();
  if (n < 0 || !r.ok()) return;
  out.emplace();
  for (std::int32_t i = 0; i < n && r.ok(); ++i) read_one(out->emplace_back());
}

inline void write_int32s(wire::wire_writer& w, const std::vector<std::int32_t>& v) {
  write_array(w, v, [&](std::int32_t x) { w.i32(x); });
}

inline void read_int32s(wire::wire_reader& r, std::vector<std::int32_t>& out) {
  read_array(r, out, [&](std::int32_t& x) { x = r.i32(); });
}

inline void write_strings(wire::wire_writer& w, const std::vector<std::string>& v) {
  write_array(w, v, [&](const std::string& s) { w.string(s); });
}

inline void read_strings(wire::wire_reader& r, std::vector<std::string>& out) {
  read_array(r, out, [&](std::string& s) { s = r.string(); });
}

// Reads non-nullable bytes (int32 length): null fails the reader. The view points into the
// reader's buffer.
inline wire::bytes_view read_bytes(wire::wire_reader& r) {
  std::optional<wire::bytes_view> b = r.nullable_bytes();
  if (!b) r.fail();
  return b.value_or(wire::bytes_view{});
}

}  // namespace tern::kafka::codec
