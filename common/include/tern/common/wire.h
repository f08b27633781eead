#pragma once
// Big-endian Kafka wire primitives: fixed-width integers, (zigzag) varints, classic and compact
// strings/bytes/arrays, and tagged fields.
//
// wire_reader reads untrusted bytes. Every read is bounds-checked; the first failure makes the
// reader "failed" (sticky) and every later read returns a zero value, so a decoder can read a whole
// message and check ok() once at the end. Spans returned by the reader point into the buffer the
// reader was built on and are valid only as long as that buffer.
//
// wire_writer builds a frame as a list of segments: bytes it owns plus external spans it only
// references (zero-copy, e.g. record batches inside LMDB's memory map). The caller keeps every
// external span alive until the frame has been sent. Writes never fail; misuse asserts.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::wire {

using bytes_view = std::span<const std::uint8_t>;

class wire_reader {
 public:
  wire_reader() = default;
  explicit wire_reader(bytes_view data) : _data(data) {}

  bool ok() const { return !_failed; }
  bool failed() const { return _failed; }
  std::size_t remaining() const { return _failed ? 0 : _data.size() - _pos; }
  std::size_t position() const { return _pos; }
  // Marks the reader failed, e.g. when a decoded value is out of its legal range.
  void fail() { _failed = true; }

  std::int8_t i8();
  std::int16_t i16();
  std::int32_t i32();
  std::int64_t i64();
  std::uint32_t u32();
  double f64();
  bool boolean() { return i8() != 0; }
  std::uint64_t uvarint();   // unsigned LEB128, at most 10 bytes
  std::int32_t varint();     // zigzag, fits int32
  std::int64_t varlong();    // zigzag, int64
  std::array<std::uint8_t, 16> uuid();

  // Classic (int16 length) strings; a null string reads as nullopt.
  std::string string();
  std::optional<std::string> nullable_string();
  // Compact (uvarint length+1) strings.
  std::string compact_string();
  std::optional<std::string> compact_nullable_string();
  // Bytes views point into the underlying buffer. Null bytes read as nullopt.
  std::optional<bytes_view> nullable_bytes();         // int32 length
  std::optional<bytes_view> compact_nullable_bytes();  // uvarint length+1
  bytes_view bytes() { return nullable_bytes().value_or(bytes_view{}); }
  bytes_view compact_bytes() { return compact_nullable_bytes().value_or(bytes_view{}); }
  bytes_view raw(std::size_t n);

  // Array lengths. -1 (classic) / 0 (compact) mean null and come back as -1. A length larger
  // than the bytes left (each element takes at least one byte) fails the reader, so a hostile
  // count cannot make a decoder reserve gigabytes.
  std::int32_t array_length();
  std::int32_t compact_array_length();
  // Skips a tagged-field section (we understand no tags yet).
  void skip_tagged_fields();

 private:
  bool need(std::size_t n);
  bytes_view _data;
  std::size_t _pos = 0;
  bool _failed = false;
};

class wire_writer {
 public:
  void i8(std::int8_t v) { put(static_cast<std::uint8_t>(v)); }
  void i16(std::int16_t v);
  void i32(std::int32_t v);
  void i64(std::int64_t v);
  void u32(std::uint32_t v);
  void f64(double v);
  void boolean(bool v) { i8(v ? 1 : 0); }
  void uvarint(std::uint64_t v);
  void varint(std::int32_t v);
  void varlong(std::int64_t v);
  void uuid(const std::array<std::uint8_t, 16>& v) { raw(bytes_view(v.data(), v.size())); }

  void string(std::string_view s);
  void nullable_string(const std::optional<std::string>& s);
  void compact_string(std::string_view s);
  void compact_nullable_string(const std::optional<std::string>& s);
  void bytes(bytes_view b);
  void nullable_bytes(const std::optional<bytes_view>& b);
  void compact_bytes(bytes_view b);
  void compact_nullable_bytes(const std::optional<bytes_view>& b);
  void raw(bytes_view b);
  // References b without copying; see the lifetime rule in the file comment.
  void external(bytes_view b);

  void array_length(std::int32_t n) { i32(n); }           // -1 = null
  void compact_array_length(std::int32_t n) { uvarint(static_cast<std::uint64_t>(n + 1)); }
  void empty_tagged_fields() { uvarint(0); }

  // Reserves 4 bytes for a length/CRC to be patched later; returns its owned offset.
  std::size_t reserve_i32();
  void patch_i32(std::size_t owned_offset, std::int32_t v);
  void patch_u32(std::size_t owned_offset, std::uint32_t v);

  std::size_t size() const { return _owned.size() + _external_size; }
  std::size_t owned_size() const { return _owned.size(); }
  const std::vector<std::uint8_t>& owned() const { return _owned; }
  std::vector<std::uint8_t>& owned_mutable() { return _owned; }
  // Segments in frame order; valid until the next write.
  std::vector<bytes_view> segments() const;
  // The whole frame copied into one buffer (tests, CLI).
  std::vector<std::uint8_t> contiguous() const;

 private:
  void put(std::uint8_t b) { _owned.push_back(b); }
  std::vector<std::uint8_t> _owned;
  // (owned offset at which the external span is inserted, span)
  std::vector<std::pair<std::size_t, bytes_view>> _externals;
  std::size_t _external_size = 0;
};

}  // namespace tern::wire
