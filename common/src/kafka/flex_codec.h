#pragma once
// Internal: one writer/reader pair for messages whose later versions are flexible (compact
// strings and arrays, tagged-field sections) while earlier ones are classic. The codec says once
// which encoding a version uses and then writes each field once. Bounds checks are the ones of
// wire_reader and codec_util.h.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec_util.h"
#include "tern/common/wire.h"

namespace tern::kafka::codec {

struct flex_writer {
  wire::wire_writer& w;
  bool flexible;

  void string(std::string_view s) { flexible ? w.compact_string(s) : w.string(s); }
  void nullable_string(const std::optional<std::string>& s) {
    flexible ? w.compact_nullable_string(s) : w.nullable_string(s);
  }
  // Non-nullable bytes; the writer keeps its own copy.
  void bytes(wire::bytes_view b) { flexible ? w.compact_bytes(b) : w.bytes(b); }
  void count(std::size_t n) { flexible ? write_compact_count(w, n) : write_count(w, n); }
  void null_count() { flexible ? w.compact_array_length(-1) : w.array_length(-1); }
  // The (empty) tagged-field section that ends every structure of a flexible version.
  void tags() {
    if (flexible) w.empty_tagged_fields();
  }

  template <typename T, typename WriteOne>
  void array(const std::vector<T>& items, WriteOne write_one) {
    count(items.size());
    for (const auto& item : items) write_one(item);
  }
  template <typename T, typename WriteOne>
  void nullable_array(const std::optional<std::vector<T>>& items, WriteOne write_one) {
    if (!items) return null_count();
    array(*items, write_one);
  }
  void strings(const std::vector<std::string>& v) {
    array(v, [&](const std::string& s) { string(s); });
  }
};

struct flex_reader {
  wire::wire_reader& r;
  bool flexible;

  std::string string() { return flexible ? r.compact_string() : r.string(); }
  std::optional<std::string> nullable_string() {
    return flexible ? r.compact_nullable_string() : r.nullable_string();
  }
  // Non-nullable bytes: null fails the reader. The view points into the reader's buffer.
  wire::bytes_view bytes() {
    if (!flexible) return read_bytes(r);
    auto b = r.compact_nullable_bytes();
    if (!b) r.fail();
    return b.value_or(wire::bytes_view{});
  }
  // -1 for null; a count larger than the bytes left fails the reader.
  std::int32_t count() { return flexible ? r.compact_array_length() : r.array_length(); }
  void tags() {
    if (flexible) r.skip_tagged_fields();
  }
  // Smallest encoding of a string: a 2-byte length, or a 1-byte compact length.
  std::size_t min_string_bytes() const { return flexible ? 1 : 2; }

  // A non-nullable array, appended to `out`; elements take at least `min_wire_bytes`.
  template <typename T, typename ReadOne>
  void array(std::size_t min_wire_bytes, std::vector<T>& out, ReadOne read_one) {
    read_elements(r, count(), min_wire_bytes, out, read_one);
  }
  // A nullable array: null gives std::nullopt.
  template <typename T, typename ReadOne>
  void nullable_array(std::size_t min_wire_bytes, std::optional<std::vector<T>>& out,
                      ReadOne read_one) {
    out.reset();
    std::int32_t n = count();
    if (n < 0 || !count_fits(r, n, min_wire_bytes)) return;
    out.emplace();
    for (std::int32_t i = 0; i < n && r.ok(); ++i) read_one(out->emplace_back());
  }
};

}  // namespace tern::kafka::codec
