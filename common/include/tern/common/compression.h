#pragma once
// Kafka's record compression codecs, in the framings Kafka clients put inside a RecordBatch v2
// (the bytes after the 61-byte header):
//   gzip   gzip-wrapped deflate (RFC 1952); concatenated members are accepted on input.
//   snappy raw snappy (one block, as librdkafka writes it) or the xerial/snappy-java stream framing
//          (magic "\x82SNAPPY\0", i32 version, i32 compatible version, then repeated
//          [u32 BE length][raw snappy block]) as the Java client writes it; detected by the magic.
//   lz4    LZ4 frame format (lz4frame.h); concatenated frames are accepted on input.
//   zstd   zstd frame(s), with or without a content size (streaming decompression).
//
// Pure functions over caller buffers: no global mutable state, so calls from several threads at
// once are safe (each call owns its own zlib/lz4/zstd context). Garbage input is an error value,
// never a crash or an out-of-bounds read. Decompression is bounded by the caller's size_max, so
// a "bomb" (a few bytes claiming gigabytes) fails with too_large before allocating them.
//
// Errors are std::error_code values of compression_errc (category "compression").
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace tern::record_batch {
// Defined in record_batch.h (which includes this header): none=0, gzip=1, snappy=2, lz4=3, zstd=4.
enum class compression : std::uint8_t;
}  // namespace tern::record_batch

namespace tern::compression {

using bytes_view = std::span<const std::uint8_t>;

enum class compression_errc {
  unsupported_codec = 1,  // codec is none or not one of gzip/snappy/lz4/zstd (attribute bits 5-7)
  corrupt,                // input is not a valid, complete stream of the codec (incl. truncated)
  too_large,              // output would exceed size_max, or input exceeds what the codec takes
  internal,               // the codec library failed for another reason (e.g. out of memory)
};
const std::error_category& compression_category();
inline std::error_code make_error_code(compression_errc e) {
  return {static_cast<int>(e), compression_category()};
}

struct compress_options {
  // Codec-specific level; 0 = the codec's default (gzip 6, lz4 fast mode, zstd 3). gzip takes
  // 1..9, lz4 frame 1..12 (>= 3 is HC), zstd 1..19 (negative = faster).
  int level = 0;
  // snappy only: write the xerial/snappy-java stream framing (32 KiB blocks) instead of one raw
  // snappy block. Default raw: it is what librdkafka writes, and every client reads it —
  // librdkafka and kafkajs-snappy detect the xerial magic and otherwise decode raw snappy, and
  // the Java client's SnappyInputStream (snappy-java) falls back to raw snappy when the magic is
  // missing. Xerial costs 16 header bytes plus 4 per 32 KiB block and buys nothing for them.
  bool snappy_xerial = false;
};

// Decompresses `in`, framed as described above for `codec`, and APPENDS the result to `out`
// (existing contents are kept). On error `out` may hold a partial result past its old size.
// @param[in]  codec     gzip, snappy, lz4 or zstd
// @param[in]  in        compressed bytes; only read during the call
// @param[out] out       receives the decompressed bytes
// @param[in]  size_max  limit on the bytes appended by this call
// @return {} on success;
//         unsupported_codec  codec is none or unknown;
//         corrupt            not a valid or complete stream (empty input is corrupt), trailing
//                            garbage after the last gzip member / lz4 or zstd frame;
//         too_large          the output would exceed size_max;
//         internal           the library could not allocate its context.
std::error_code decompress(record_batch::compression codec, bytes_view in,
                           std::vector<std::uint8_t>& out, std::size_t size_max);

// Compresses `in` with `codec` and APPENDS one complete stream to `out`. The output is readable
// by the Java client, librdkafka and kafkajs (plugins): gzip via zlib (windowBits 15), lz4 as one
// frame with independent 64 KiB blocks and no checksums (the Java client's
// KafkaLZ4BlockInputStream decompresses each block on its own), zstd as one frame with its
// content size, snappy as described in compress_options.
// @param[in]  codec  gzip, snappy, lz4 or zstd
// @param[in]  in     uncompressed bytes; only read during the call
// @param[out] out    receives the compressed bytes (untouched on error)
// @return {} on success; unsupported_codec (none/unknown codec); too_large (input over 2 GiB - 1,
//         the most a RecordBatch can hold); internal (the library failed, e.g. out of memory or
//         an invalid level).
std::error_code compress(record_batch::compression codec, bytes_view in,
                         std::vector<std::uint8_t>& out, const compress_options& options = {});

}  // namespace tern::compression

template <>
struct std::is_error_code_enum<tern::compression::compression_errc> : std::true_type {};
