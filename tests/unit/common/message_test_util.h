#pragma once
// Helpers shared by the Kafka message codec tests (test_messages_*.cpp): building hand-written
// frames, encoding, decoding, golden-byte checks, truncation, refused versions and hostile-count
// sweeps. Golden bytes stay in the tests themselves, written by hand from the Kafka schemas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <vector>

#include "tern/common/wire.h"

namespace tern::kafka::message_test {

using bytes = std::vector<std::uint8_t>;

// Joins hand-written fragments (one per field) into one frame.
inline bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline wire::bytes_view view(const bytes& b) { return {b.data(), b.size()}; }

inline bytes flat(wire::bytes_view v) { return bytes(v.begin(), v.end()); }

// A null view flattens to no bytes.
inline bytes flat(const std::optional<wire::bytes_view>& v) {
  return v ? bytes(v->begin(), v->end()) : bytes{};
}

inline bytes flat(const std::vector<wire::bytes_view>& spans) {
  bytes out;
  for (auto s : spans) out.insert(out.end(), s.begin(), s.end());
  return out;
}

template <typename M>
bytes encode(const M& m, std::int16_t version) {
  wire::wire_writer w;
  m.encode(w, version);
  return w.contiguous();
}

// Decodes a whole frame: success and nothing left over.
template <typename M>
bool decode_all(M& m, const bytes& frame, std::int16_t version) {
  wire::wire_reader r(view(frame));
  return m.decode(r, version) && r.ok() && r.remaining() == 0;
}

// encode → decode → encode gives identical bytes; returns the decoded message.
template <typename M>
M round_trip(const M& m, std::int16_t version, bytes& first) {
  first = encode(m, version);
  M decoded;
  EXPECT_TRUE(decode_all(decoded, first, version)) << "version " << version;
  EXPECT_EQ(encode(decoded, version), first) << "version " << version;
  return decoded;
}

// Every strict prefix of a valid frame fails to decode (and does not crash).
template <typename M>
void expect_prefixes_fail(const bytes& frame, std::int16_t version) {
  for (std::size_t n = 0; n < frame.size(); ++n) {
    bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
    M m;
    wire::wire_reader r(view(prefix));
    EXPECT_FALSE(m.decode(r, version)) << "version " << version << " prefix " << n;
  }
}

// Checks one message at one version against its golden encoding: encode gives the golden bytes,
// golden and encoded bytes both decode (consuming everything) and re-encode identically — so every
// field the version carries decoded to the value it was encoded from — and every strict prefix
// fails to decode.
template <typename M>
void check_codec(const M& m, std::int16_t version, const bytes& golden) {
  SCOPED_TRACE(testing::Message() << "version " << version);
  const bytes encoded = encode(m, version);
  EXPECT_EQ(encoded, golden);

  for (const bytes* input : {&golden, &encoded}) {
    M decoded;
    wire::wire_reader r(view(*input));
    ASSERT_TRUE(decoded.decode(r, version));
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(encode(decoded, version), golden);
  }

  for (std::size_t len = 0; len < golden.size(); ++len) {
    M truncated;
    wire::wire_reader r(wire::bytes_view(golden.data(), len));
    EXPECT_FALSE(truncated.decode(r, version)) << "prefix of " << len << " bytes decoded";
    EXPECT_FALSE(r.ok());
  }
}

// Runs check_codec for every version M supports; each must have a golden encoding.
template <typename M>
void check_all_versions(const M& m, const std::map<std::int16_t, bytes>& golden) {
  for (std::int16_t v = M::min_version; v <= M::max_version; ++v) {
    auto it = golden.find(v);
    ASSERT_NE(it, golden.end()) << "no golden bytes for version " << v;
    check_codec(m, v, it->second);
  }
  EXPECT_EQ(golden.size(), static_cast<std::size_t>(M::max_version - M::min_version + 1));
}

template <typename M>
bool decodes(const bytes& input, std::int16_t version, M& out) {
  wire::wire_reader r(view(input));
  return out.decode(r, version);
}

template <typename M>
bool decodes(const bytes& input, std::int16_t version) {
  M m;
  return decodes(input, version, m);
}

// Each of `versions` is refused, whatever the bytes: decode returns false and fails the reader.
template <typename M>
void expect_versions_refused(std::initializer_list<std::int16_t> versions) {
  const bytes plenty(64, 0);
  for (std::int16_t v : versions) {
    M m;
    wire::wire_reader r(view(plenty));
    EXPECT_FALSE(m.decode(r, v)) << v;
    EXPECT_FALSE(r.ok());
  }
}

// A decoder must refuse versions it does not cover: just outside its range, and -1.
template <typename M>
void expect_versions_refused() {
  expect_versions_refused<M>({std::int16_t(M::min_version - 1), std::int16_t(M::max_version + 1),
                              std::int16_t(-1), std::int16_t(INT16_MAX)});
}

// A decoder must refuse versions it does not cover: just outside its range, and the extremes.
template <typename M>
void check_rejects_out_of_range_versions() {
  expect_versions_refused<M>({static_cast<std::int16_t>(M::min_version - 1),
                              static_cast<std::int16_t>(M::max_version + 1), INT16_MAX, INT16_MIN});
}

// Robustness sweep: overwrite every 4-byte window of a valid frame with a hostile count (and with
// -2) and decode. Whether that decodes depends on what the window hit; it must never crash, and
// the ASan build checks it never reads out of bounds or allocates wildly.
template <typename M>
void sweep_hostile_counts(const bytes& frame, std::int16_t version) {
  for (std::size_t at = 0; at + 4 <= frame.size(); ++at) {
    for (const bytes& patch : {bytes{0x7f, 0xff, 0xff, 0xff}, bytes{0xff, 0xff, 0xff, 0xfe}}) {
      bytes b = frame;
      std::copy(patch.begin(), patch.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
      M m;
      wire::wire_reader r(view(b));
      (void)m.decode(r, version);
    }
  }
}

// A maximal array count (or bytes length) followed by more bytes than any sane element needs
// must still fail.
inline const bytes hostile_count = {0x7f, 0xff, 0xff, 0xff};  // array count 2^31-1
inline const bytes null32 = {0xff, 0xff, 0xff, 0xff};         // -1: a null array or null bytes
inline const bytes null16 = {0xff, 0xff};                     // -1: a null string
inline const bytes padding(256, 0);

inline bytes with_hostile_tail(const bytes& head) { return cat({head, hostile_count, padding}); }

}  // namespace tern::kafka::message_test
