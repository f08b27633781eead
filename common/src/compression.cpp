#include "tern/common/compression.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "tern/common/record_batch.h"

namespace tern::compression {
namespace {
using record_batch::compression;

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "compression"; }
  std::string message(int c) const override {
    switch (static_cast<compression_errc>(c)) {
      case compression_errc::unsupported_codec:
        return "unsupported compression codec";
      case compression_errc::corrupt:
        return "compressed data is corrupt or truncated";
      case compression_errc::too_large:
        return "decompressed data exceeds the size limit";
      case compression_errc::internal:
        return "compression library failure";
    }
    return "unknown compression error";
  }
};

// The most one call takes in or gives out: a RecordBatch length is an int32.
constexpr std::size_t input_size_max = std::numeric_limits<std::int32_t>::max();
// Output is produced in steps of this size so a bomb stops at size_max, not at the claimed size.
constexpr std::size_t chunk_size = 64 * 1024;

constexpr std::array<std::uint8_t, 8> xerial_magic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr std::size_t xerial_header_size = 16;        // magic, i32 version, i32 compatible version
constexpr std::size_t xerial_block_size = 32 * 1024;  // snappy-java's default block

// Output goes straight into `out`, grown chunk_size at a time, so a bomb stops at size_max
// instead of at the size it claims. Once size_max is reached the decoder gets a one-byte probe:
// any byte written there means the output would exceed the limit; none means it fits exactly.
// The destructor trims the unused tail, on success and on error alike.
class sink {
 public:
  sink(std::vector<std::uint8_t>& out, std::size_t size_max)
      : _out(out), _base(out.size()), _filled(out.size()), _size_max(size_max) {}
  ~sink() { _out.resize(_filled); }
  sink(const sink&) = delete;
  sink& operator=(const sink&) = delete;

  std::span<std::uint8_t> room() {
    if (_filled == _out.size()) {
      std::size_t step = std::min(chunk_size, _size_max - (_filled - _base));
      if (step == 0) {
        _probing = true;
        return {&_probe, 1};
      }
      _out.resize(_filled + step);
    }
    _probing = false;
    return {_out.data() + _filled, _out.size() - _filled};
  }
  // Records that n bytes were written into the last room(); false when they broke the limit.
  bool commit(std::size_t n) {
    if (_probing) return n == 0;
    _filled += n;
    return true;
  }
  // Bytes committed by this call so far.
  std::size_t written() const { return _filled - _base; }

 private:
  std::vector<std::uint8_t>& _out;
  const std::size_t _base;
  std::size_t _filled;
  const std::size_t _size_max;
  bool _probing = false;
  std::uint8_t _probe = 0;
};

// ---- gzip -------------------------------------------------------------------------------------

std::error_code gunzip(bytes_view in, std::vector<std::uint8_t>& out, std::size_t size_max) {
  if (in.empty()) return compression_errc::corrupt;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return compression_errc::internal;
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  sink s(out, size_max);
  zs.next_in = const_cast<Bytef*>(in.data());  // zlib's API is not const-correct
  zs.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    auto room = s.room();
    zs.next_out = room.data();
    zs.avail_out = static_cast<uInt>(room.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    if (!s.commit(room.size() - zs.avail_out)) return compression_errc::too_large;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) return {};
      // Another gzip member follows (concatenated gzip, as `cat a.gz b.gz`).
      if (inflateReset(&zs) != Z_OK) return compression_errc::internal;
      continue;
    }
    if (rc == Z_MEM_ERROR) return compression_errc::internal;
    if (rc == Z_OK || (rc == Z_BUF_ERROR && zs.avail_out == 0)) continue;
    // Z_DATA_ERROR, or Z_BUF_ERROR with room left: the input ended inside a member.
    return compression_errc::corrupt;
  }
}

std::error_code gzip(bytes_view in, std::vector<std::uint8_t>& out, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return compression_errc::internal;
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, deflateEnd);
  const std::size_t base = out.size();
  std::size_t bound = deflateBound(&zs, static_cast<uLong>(in.size()));
  out.resize(base + bound);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data() + base;
  zs.avail_out = static_cast<uInt>(bound);
  int rc = deflate(&zs, Z_FINISH);
  if (rc != Z_STREAM_END) {
    out.resize(base);
    return compression_errc::internal;
  }
  out.resize(base + zs.total_out);
  return {};
}

// ---- snappy -----------------------------------------------------------------------------------

std::error_code unsnappy_raw(bytes_view in, std::vector<std::uint8_t>& out, std::size_t& budget) {
  const char* src = reinterpret_cast<const char*>(in.data());
  std::size_t n = 0;
  if (in.empty() || snappy_uncompressed_length(src, in.size(), &n) != SNAPPY_OK)
    return compression_errc::corrupt;
  // Validation walks the tags without writing, so a lying length prefix costs no allocation,
  // and garbage is reported as corrupt rather than as too large.
  if (snappy_validate_compressed_buffer(src, in.size()) != SNAPPY_OK)
    return compression_errc::corrupt;
  if (n > budget) return compression_errc::too_large;  // checked before allocating n bytes
  const std::size_t base = out.size();
  out.resize(base + n);
  std::size_t got = n;
  if (snappy_uncompress(src, in.size(), reinterpret_cast<char*>(out.data() + base), &got) !=
          SNAPPY_OK ||
      got != n) {
    out.resize(base);
    return compression_errc::corrupt;
  }
  budget -= n;
  return {};
}

std::uint32_t load_u32_be(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

void store_u32_be(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

bool is_xerial(bytes_view in) {
  return in.size() >= xerial_magic.size() &&
         std::equal(xerial_magic.begin(), xerial_magic.end(), in.begin());
}

std::error_code unsnappy(bytes_view in, std::vector<std::uint8_t>& out, std::size_t size_max) {
  std::size_t budget = size_max;
  if (!is_xerial(in)) return unsnappy_raw(in, out, budget);
  // Version and compatible version are not checked: snappy-java wrote 1/1 in every release, and
  // readers (librdkafka, kafkajs-snappy) ignore them too.
  if (in.size() < xerial_header_size) return compression_errc::corrupt;
  in = in.subspan(xerial_header_size);
  while (!in.empty()) {
    if (in.size() < 4) return compression_errc::corrupt;
    std::size_t length = load_u32_be(in.data());
    in = in.subspan(4);
    if (length > in.size()) return compression_errc::corrupt;
    if (auto ec = unsnappy_raw(in.first(length), out, budget)) return ec;
    in = in.subspan(length);
  }
  return {};
}

std::error_code snappy_block(bytes_view in, std::vector<std::uint8_t>& out) {
  const std::size_t base = out.size();
  std::size_t n = snappy_max_compressed_length(in.size());
  out.resize(base + n);
  if (snappy_compress(reinterpret_cast<const char*>(in.data()), in.size(),
                      reinterpret_cast<char*>(out.data() + base), &n) != SNAPPY_OK) {
    out.resize(base);
    return compression_errc::internal;
  }
  out.resize(base + n);
  return {};
}

std::error_code snappy(bytes_view in, std::vector<std::uint8_t>& out, bool xerial) {
  if (!xerial) return snappy_block(in, out);
  const std::size_t base = out.size();
  out.insert(out.end(), xerial_magic.begin(), xerial_magic.end());
  const std::uint8_t versions[8] = {0, 0, 0, 1, 0, 0, 0, 1};
  out.insert(out.end(), versions, versions + sizeof versions);
  for (std::size_t at = 0; at < in.size(); at += xerial_block_size) {
    std::size_t length_at = out.size();
    out.resize(out.size() + 4);
    if (auto ec = snappy_block(in.subspan(at, std::min(xerial_block_size, in.size() - at)), out)) {
      out.resize(base);
      return ec;
    }
    store_u32_be(out.data() + length_at, static_cast<std::uint32_t>(out.size() - length_at - 4));
  }
  return {};
}

// ---- lz4 --------------------------------------------------------------------------------------

std::error_code unlz4(bytes_view in, std::vector<std::uint8_t>& out, std::size_t size_max) {
  if (in.empty()) return compression_errc::corrupt;
  LZ4F_dctx* dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
    return compression_errc::internal;
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> guard(dctx,
                                                                     LZ4F_freeDecompressionContext);
  sink s(out, size_max);
  std::size_t hint = 0;  // bytes LZ4F still expects; 0 once a frame has ended and been flushed
  bool full = false;     // the last call filled its output: it may hold more
  // A frame that ended (hint 0) is fully flushed; a full output may still hold more otherwise.
  while (!in.empty() || (full && hint != 0)) {
    auto room = s.room();
    std::size_t dst = room.size();
    std::size_t src = in.size();
    hint = LZ4F_decompress(dctx, room.data(), &dst, in.data(), &src, nullptr);
    if (LZ4F_isError(hint)) return compression_errc::corrupt;
    if (!s.commit(dst)) return compression_errc::too_large;
    in = in.subspan(src);
    full = dst == room.size();
    // After a frame ends the context starts on the next one (concatenated frames).
    if (!full && src == 0 && !in.empty()) return compression_errc::corrupt;  // no progress
  }
  return hint == 0 ? std::error_code{} : compression_errc::corrupt;  // else: truncated frame
}

std::error_code lz4(bytes_view in, std::vector<std::uint8_t>& out, int level) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof prefs);
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  // Independent blocks: the Java client decompresses each block on its own.
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.compressionLevel = level;
  const std::size_t base = out.size();
  std::size_t bound = LZ4F_compressFrameBound(in.size(), &prefs);
  out.resize(base + bound);
  std::size_t n = LZ4F_compressFrame(out.data() + base, bound, in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) {
    out.resize(base);
    return compression_errc::internal;
  }
  out.resize(base + n);
  return {};
}

// ---- zstd -------------------------------------------------------------------------------------

std::error_code unzstd(bytes_view in, std::vector<std::uint8_t>& out, std::size_t size_max) {
  if (in.empty()) return compression_errc::corrupt;
  std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return compression_errc::internal;
  sink s(out, size_max);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  // A frame may declare its content size. libzstd checks the declaration when the whole frame
  // fits the output room at once, but not always when it streams it through smaller rooms (found
  // by tests/fuzz/fuzz_decompress: a frame claiming 4666 bytes and holding none decoded as empty
  // under a 1 KiB limit, as corrupt under 64 KiB), so the check is made here for every frame.
  auto declared_size = [&] { return ZSTD_getFrameContentSize(in.data() + input.pos, in.size() - input.pos); };
  unsigned long long declared = declared_size();
  std::size_t frame_start = 0;
  for (;;) {
    auto room = s.room();
    ZSTD_outBuffer output{room.data(), room.size(), 0};
    std::size_t consumed_before = input.pos;
    // Returns 0 when a frame is complete and flushed, else a hint (> 0) of input still needed.
    std::size_t rc = ZSTD_decompressStream(dctx.get(), &output, &input);
    if (ZSTD_isError(rc)) {
      return ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation ? compression_errc::internal
                                                                   : compression_errc::corrupt;
    }
    if (!s.commit(output.pos)) return compression_errc::too_large;
    if (rc == 0) {  // a frame complete and flushed
      if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR &&
          s.written() - frame_start != declared)
        return compression_errc::corrupt;
      if (input.pos == input.size) return {};  // it was the last
      declared = declared_size();
      frame_start = s.written();
    }
    bool room_left = output.pos < output.size;
    // All input read and the output not filled: the decoder has nothing more to give.
    if (input.pos == input.size && room_left)
      return rc == 0 ? std::error_code{} : compression_errc::corrupt;  // else: truncated frame
    if (room_left && output.pos == 0 && input.pos == consumed_before)
      return compression_errc::corrupt;  // no progress (defensive)
  }
}

std::error_code zstd(bytes_view in, std::vector<std::uint8_t>& out, int level) {
  const std::size_t base = out.size();
  std::size_t bound = ZSTD_compressBound(in.size());
  out.resize(base + bound);
  std::size_t n =
      ZSTD_compress(out.data() + base, bound, in.data(), in.size(), level == 0 ? 3 : level);
  if (ZSTD_isError(n)) {
    out.resize(base);
    return compression_errc::internal;
  }
  out.resize(base + n);
  return {};
}
}  // namespace

const std::error_category& compression_category() {
  static const category c;
  return c;
}

std::error_code decompress(compression codec, bytes_view in, std::vector<std::uint8_t>& out,
                           std::size_t size_max) {
  if (in.size() > input_size_max) return compression_errc::too_large;
  switch (codec) {
    case compression::gzip:
      return gunzip(in, out, size_max);
    case compression::snappy:
      return unsnappy(in, out, size_max);
    case compression::lz4:
      return unlz4(in, out, size_max);
    case compression::zstd:
      return unzstd(in, out, size_max);
    case compression::none:
      break;
  }
  return compression_errc::unsupported_codec;
}

std::error_code compress(compression codec, bytes_view in, std::vector<std::uint8_t>& out,
                         const compress_options& options) {
  if (in.size() > input_size_max) return compression_errc::too_large;
  switch (codec) {
    case compression::gzip:
      return gzip(in, out, options.level);
    case compression::snappy:
      return snappy(in, out, options.snappy_xerial);
    case compression::lz4:
      return lz4(in, out, options.level);
    case compression::zstd:
      return zstd(in, out, options.level);
    case compression::none:
      break;
  }
  return compression_errc::unsupported_codec;
}

}  // namespace tern::compression
