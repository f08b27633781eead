#pragma once
// Internal helpers shared by every message codec in this directory: version checks, array
// counts (classic and compact), arrays, and non-nullable bytes. Not installed with the public
// headers.
//
// Arrays are decoded by appending one element at a time, never by reserving the untrusted count.
// Every array count is checked against the bytes left: wire_reader::array_length() already
// refuses a count larger than the bytes left (every element of every schema here takes at least
// one byte), and the read_array overloads taking `min_wire_bytes` refuse a count larger than the
// bytes left divided by the smallest encoding an element can have. Memory therefore grows only
// with the input actually consumed.
#include "tern/common/check.h"
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"

namespace tern::kafka::codec {

// True if `version` is within [min_version, max_version].
constexpr bool in_range(std::int16_t version, std::int16_t min_version, std::int16_t max_version) {
  return version >= min_version && version <= max_version;
}

// True if `version` is within M's advertised [min_version, max_version].
template <typename M>
constexpr bool in_range(std::int16_t version) {
  return in_range(version, M::min_version, M::max_version);
}

// Starts decode(): resets `m` to its defaults, and fails the reader (returning false) if `version`
// is outside [min_version, max_version].
template <typename M>
bool begin_decode(M& m, wire::wire_reader& r, std::int16_t version, std::int16_t min_version,
                  std::int16_t max_version) {
  m = M{};
  if (!in_range(version, min_version, max_version)) {
    r.fail();
    return false;
  }
  return true;
}

// begin_decode() against M's advertised [min_version, max_version].
template <typename M>
bool begin_decode(M& m, wire::wire_reader& r, std::int16_t version) {
  return begin_decode(m, r, version, M::min_version, M::max_version);
}

inline void write_count(wire::wire_writer& w, std::size_t n) {
  TERN_ASSERT(n <= static_cast<std::size_t>(INT32_MAX));
  w.array_length(static_cast<std::int32_t>(n));
}

// Compact (flexible-version) array count: uvarint count+1.
inline void write_compact_count(wire::wire_writer& w, std::size_t n) {
  TERN_ASSERT(n <= static_cast<std::size_t>(INT32_MAX) - 1);
  w.compact_array_length(static_cast<std::int32_t>(n));
}

// Checks a decoded array count `n` against the bytes left at `min_wire_bytes` per element (the
// smallest encoding an element can have); fails the reader if it cannot fit. -1 (null) passes:
// the caller decides whether null is legal. False if the reader is (now) failed.
inline bool count_fits(wire::wire_reader& r, std::int32_t n, std::size_t min_wire_bytes) {
  TERN_ASSERT(min_wire_bytes > 0);
  if (!r.ok()) return false;
  if (n > 0 && static_cast<std::size_t>(n) > r.remaining() / min_wire_bytes) {
    r.fail();
    return false;
  }
  return true;
}

// Reads `n` elements (a count already decoded) into `out`, appending: a null count fails the
// reader, and so does a count that cannot fit at `min_wire_bytes` per element. Stops at the first
// malformed element.
template <typename T, typename ReadOne>
void read_elements(wire::wire_reader& r, std::int32_t n, std::size_t min_wire_bytes,
                   std::vector<T>& out, ReadOne read_one) {
  if (n < 0) r.fail();
  if (!count_fits(r, n, min_wire_bytes)) return;
  for (std::int32_t i = 0; i < n && r.ok(); ++i) read_one(out.emplace_back());
}

template <typename T, typename WriteOne>
void write_array(wire::wire_writer& w, const std::vector<T>& items, WriteOne write_one) {
  write_count(w, items.size());
  for (const auto& item : items) write_one(item);
}

// Reads a non-nullable array into `out` (appending): a null count fails the reader, and so does
// a count larger than the bytes left divided by `min_wire_bytes`, the smallest encoding an element
// can have. Stops at the first malformed element.
template <typename T, typename ReadOne>
void read_array(wire::wire_reader& r, std::size_t min_wire_bytes, std::vector<T>& out,
                ReadOne read_one) {
  read_elements(r, r.array_length(), min_wire_bytes, out, read_one);
}

// read_array() for elements of at least one byte (the bound array_length() already applies).
template <typename T, typename ReadOne>
void read_array(wire::wire_reader& r, std::vector<T>& out, ReadOne read_one) {
  read_array(r, 1, out, read_one);
}

// Reads a non-nullable compact (flexible-version) array into `out` (appending); as read_array().
template <typename T, typename ReadOne>
void read_compact_array(wire::wire_reader& r, std::vector<T>& out, ReadOne read_one) {
  read_elements(r, r.compact_array_length(), 1, out, read_one);
}

// Writes a nullable array: std::nullopt is the count -1.
template <typename T, typename WriteOne>
void write_nullable_array(wire::wire_writer& w, const std::optional<std::vector<T>>& items,
                          WriteOne write_one) {
  if (!items) return w.array_length(-1);
  write_array(w, *items, write_one);
}

// Reads a nullable array: the count -1 gives std::nullopt. A count larger than the bytes left
// divided by `min_wire_bytes` fails the reader.
template <typename T, typename ReadOne>
void read_nullable_array(wire::wire_reader& r, std::size_t min_wire_bytes,
                         std::optional<std::vector<T>>& out, ReadOne read_one) {
  out.reset();
  std::int32_t n = r.array_length();
  if (n < 0 || !count_fits(r, n, min_wire_bytes)) return;
  out.emplace();
  for (std::int32_t i = 0; i < n && r.ok(); ++i) read_one(out->emplace_back());
}

// read_nullable_array() for elements of at least one byte.
template <typename T, typename ReadOne>
void read_nullable_array(wire::wire_reader& r, std::optional<std::vector<T>>& out,
                         ReadOne read_one) {
  read_nullable_array(r, 1, out, read_one);
}

inline void write_int32s(wire::wire_writer& w, const std::vector<std::int32_t>& v) {
  write_array(w, v, [&](std::int32_t x) { w.i32(x); });
}

inline void read_int32s(wire::wire_reader& r, std::vector<std::int32_t>& out) {
  read_array(r, 4, out, [&](std::int32_t& x) { x = r.i32(); });
}

inline void write_strings(wire::wire_writer& w, const std::vector<std::string>& v) {
  write_array(w, v, [&](const std::string& s) { w.string(s); });
}

inline void read_strings(wire::wire_reader& r, std::vector<std::string>& out) {
  read_array(r, 2, out, [&](std::string& s) { s = r.string(); });  // int16 length at least
}

// Reads non-nullable bytes (int32 length): null fails the reader. The view points into the
// reader's buffer.
inline wire::bytes_view read_bytes(wire::wire_reader& r) {
  std::optional<wire::bytes_view> b = r.nullable_bytes();
  if (!b) r.fail();
  return b.value_or(wire::bytes_view{});
}

}  // namespace tern::kafka::codec
