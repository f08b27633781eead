#include "tern/common/wire.h"

#include <bit>
#include "tern/common/check.h"

namespace tern::wire {

bool wire_reader::need(std::size_t n) {
  if (_failed || _data.size() - _pos < n) {
    _failed = true;
    return false;
  }
  return true;
}

template <typename T>
static T load_be(const std::uint8_t* p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | p[i]);
  return v;
}

std::int8_t wire_reader::i8() {
  if (!need(1)) return 0;
  return static_cast<std::int8_t>(_data[_pos++]);
}
std::int16_t wire_reader::i16() {
  if (!need(2)) return 0;
  auto v = load_be<std::uint16_t>(_data.data() + _pos);
  _pos += 2;
  return static_cast<std::int16_t>(v);
}
std::int32_t wire_reader::i32() { return static_cast<std::int32_t>(u32()); }
std::uint32_t wire_reader::u32() {
  if (!need(4)) return 0;
  auto v = load_be<std::uint32_t>(_data.data() + _pos);
  _pos += 4;
  return v;
}
std::int64_t wire_reader::i64() {
  if (!need(8)) return 0;
  auto v = load_be<std::uint64_t>(_data.data() + _pos);
  _pos += 8;
  return static_cast<std::int64_t>(v);
}
double wire_reader::f64() { return std::bit_cast<double>(static_cast<std::uint64_t>(i64())); }

std::uint64_t wire_reader::uvarint() {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (!need(1)) return 0;
    std::uint8_t b = _data[_pos++];
    if (shift == 63 && (b & 0x7e)) break;  // would overflow 64 bits
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  _failed = true;
  return 0;
}
std::int64_t wire_reader::varlong() {
  std::uint64_t u = uvarint();
  return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
}
std::int32_t wire_reader::varint() {
  std::int64_t v = varlong();
  if (v < INT32_MIN || v > INT32_MAX) {
    _failed = true;
    return 0;
  }
  return static_cast<std::int32_t>(v);
}
std::array<std::uint8_t, 16> wire_reader::uuid() {
  std::array<std::uint8_t, 16> u{};
  auto b = raw(16);
  if (b.size() == 16) std::memcpy(u.data(), b.data(), 16);
  return u;
}

bytes_view wire_reader::raw(std::size_t n) {
  if (!need(n)) return {};
  auto v = _data.subspan(_pos, n);
  _pos += n;
  return v;
}

std::optional<std::string> wire_reader::nullable_string() {
  std::int16_t n = i16();
  if (n < 0) {
    if (n != -1) _failed = true;
    return std::nullopt;
  }
  auto b = raw(static_cast<std::size_t>(n));
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
std::string wire_reader::string() {
  auto s = nullable_string();
  if (!s) _failed = true;
  return s.value_or(std::string{});
}
std::optional<std::string> wire_reader::compact_nullable_string() {
  std::uint64_t n = uvarint();
  if (n == 0 || _failed) return std::nullopt;
  if (n - 1 > remaining()) {
    _failed = true;
    return std::nullopt;
  }
  auto b = raw(static_cast<std::size_t>(n - 1));
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
std::string wire_reader::compact_string() {
  auto s = compact_nullable_string();
  if (!s) _failed = true;
  return s.value_or(std::string{});
}
std::optional<bytes_view> wire_reader::nullable_bytes() {
  std::int32_t n = i32();
  if (n < 0) {
    if (n != -1) _failed = true;
    return std::nullopt;
  }
  auto b = raw(static_cast<std::size_t>(n));
  if (_failed) return std::nullopt;
  return b;
}
std::optional<bytes_view> wire_reader::compact_nullable_bytes() {
  std::uint64_t n = uvarint();
  if (n == 0 || _failed) return std::nullopt;
  if (n - 1 > remaining()) {
    _failed = true;
    return std::nullopt;
  }
  return raw(static_cast<std::size_t>(n - 1));
}

std::int32_t wire_reader::array_length() {
  std::int32_t n = i32();
  if (n < -1 || (n > 0 && static_cast<std::size_t>(n) > remaining())) {
    _failed = true;
    return 0;
  }
  return n;
}
std::int32_t wire_reader::compact_array_length() {
  std::uint64_t n = uvarint();
  if (_failed) return 0;
  if (n == 0) return -1;
  if (n - 1 > remaining()) {
    _failed = true;
    return 0;
  }
  return static_cast<std::int32_t>(n - 1);
}
void wire_reader::skip_tagged_fields() {
  std::uint64_t count = uvarint();
  for (std::uint64_t i = 0; i < count && !_failed; ++i) {
    uvarint();  // tag
    std::uint64_t size = uvarint();
    if (size > remaining()) {
      _failed = true;
      return;
    }
    raw(static_cast<std::size_t>(size));
  }
}

// ---- writer ----

void wire_writer::i16(std::int16_t v) {
  auto u = static_cast<std::uint16_t>(v);
  put(static_cast<std::uint8_t>(u >> 8));
  put(static_cast<std::uint8_t>(u));
}
void wire_writer::u32(std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) put(static_cast<std::uint8_t>(v >> s));
}
void wire_writer::i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
void wire_writer::i64(std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  for (int s = 56; s >= 0; s -= 8) put(static_cast<std::uint8_t>(u >> s));
}
void wire_writer::f64(double v) { i64(static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(v))); }
void wire_writer::uvarint(std::uint64_t v) {
  while (v >= 0x80) {
    put(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  put(static_cast<std::uint8_t>(v));
}
void wire_writer::varlong(std::int64_t v) {
  uvarint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}
void wire_writer::varint(std::int32_t v) { varlong(v); }

void wire_writer::raw(bytes_view b) { _owned.insert(_owned.end(), b.begin(), b.end()); }
void wire_writer::external(bytes_view b) {
  if (b.empty()) return;
  _externals.emplace_back(_owned.size(), b);
  _external_size += b.size();
}

static bytes_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void wire_writer::string(std::string_view s) {
  TERN_ASSERT(s.size() <= INT16_MAX);
  i16(static_cast<std::int16_t>(s.size()));
  raw(as_bytes(s));
}
void wire_writer::nullable_string(const std::optional<std::string>& s) {
  if (!s) return i16(-1);
  string(*s);
}
void wire_writer::compact_string(std::string_view s) {
  uvarint(s.size() + 1);
  raw(as_bytes(s));
}
void wire_writer::compact_nullable_string(const std::optional<std::string>& s) {
  if (!s) return uvarint(0);
  compact_string(*s);
}
void wire_writer::bytes(bytes_view b) {
  TERN_ASSERT(b.size() <= INT32_MAX);
  i32(static_cast<std::int32_t>(b.size()));
  raw(b);
}
void wire_writer::nullable_bytes(const std::optional<bytes_view>& b) {
  if (!b) return i32(-1);
  bytes(*b);
}
void wire_writer::compact_bytes(bytes_view b) {
  uvarint(b.size() + 1);
  raw(b);
}
void wire_writer::compact_nullable_bytes(const std::optional<bytes_view>& b) {
  if (!b) return uvarint(0);
  compact_bytes(*b);
}

std::size_t wire_writer::reserve_i32() {
  std::size_t at = _owned.size();
  u32(0);
  return at;
}
void wire_writer::patch_u32(std::size_t at, std::uint32_t v) {
  TERN_ASSERT(at + 4 <= _owned.size());
  for (int i = 0; i < 4; ++i) _owned[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
void wire_writer::patch_i32(std::size_t at, std::int32_t v) {
  patch_u32(at, static_cast<std::uint32_t>(v));
}

std::vector<bytes_view> wire_writer::segments() const {
  std::vector<bytes_view> out;
  out.reserve(_externals.size() * 2 + 1);
  std::size_t owned_pos = 0;
  for (const auto& [at, span] : _externals) {
    if (at > owned_pos) out.emplace_back(_owned.data() + owned_pos, at - owned_pos);
    out.push_back(span);
    owned_pos = at;
  }
  if (_owned.size() > owned_pos) out.emplace_back(_owned.data() + owned_pos, _owned.size() - owned_pos);
  return out;
}

std::vector<std::uint8_t> wire_writer::contiguous() const {
  std::vector<std::uint8_t> out;
  out.reserve(size());
  for (auto s : segments()) out.insert(out.end(), s.begin(), s.end());
  return out;
}

}  // namespace tern::wire
