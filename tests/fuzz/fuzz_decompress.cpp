// Every decompressor a client's RecordBatch can reach (common/src/compression.cpp): gzip, snappy
// (raw and xerial framing), lz4 frames, zstd frames, and the codec numbers that are not codecs.
// The limit is the hub's own (64 MiB of inflated records per batch: handle_produce.cpp,
// compaction.cpp, forwarder.cpp, repair_timestamps.cpp), so a bomb must stop there; the suite
// runs this target with -malloc_limit_mb below 2 x 64 MiB, so one allocation past the limit (a
// codec trusting a size the input claims) fails the run.
//
// Input: byte 0 picks the codec (low 3 bits, as in the batch attributes) and a small second
// limit (next 4 bits); the rest is the compressed stream.
// Properties, beyond "no crash": output never exceeds the limit, on success or error; the small
// limit gives the same bytes when they fit in it and too_large when they do not (the limit cuts,
// never corrupts); what decompresses (up to 256 KiB) compresses and decompresses back to the
// same bytes.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_check.h"
#include "tern/common/compression.h"
#include "tern/common/record_batch.h"

namespace {
using tern::compression::compression_errc;
using codec_id = tern::record_batch::compression;
namespace codecs = tern::compression;

constexpr std::size_t hub_limit = std::size_t{64} << 20;
constexpr std::size_t round_trip_bytes_max = std::size_t{256} << 10;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto id = static_cast<codec_id>(data[0] & 0x07);
  const std::size_t small_limit = std::size_t{1} << ((data[0] >> 3) & 0x0f);  // 1 B .. 32 KiB
  const codecs::bytes_view in(data + 1, size - 1);

  std::vector<std::uint8_t> out = {0xee};  // decompress appends: this byte must stay
  auto ec = codecs::decompress(id, in, out, hub_limit);
  FUZZ_CHECK(!out.empty() && out[0] == 0xee, "decompress overwrote what was already in its output");
  FUZZ_CHECK(out.size() - 1 <= hub_limit, "output beyond the limit");
  const bool is_codec = id != codec_id::none && static_cast<int>(id) <= 4;
  if (!is_codec) {
    FUZZ_CHECK(ec == compression_errc::unsupported_codec, "a codec number that is no codec was accepted");
    return 0;
  }
  FUZZ_CHECK(ec != compression_errc::unsupported_codec, "a codec was refused as unsupported");

  std::vector<std::uint8_t> small;
  auto small_ec = codecs::decompress(id, in, small, small_limit);
  FUZZ_CHECK(small.size() <= small_limit, "output beyond the small limit");
  if (!ec) {
    const std::vector<std::uint8_t> plain(out.begin() + 1, out.end());
    if (plain.size() <= small_limit)
      FUZZ_CHECK(!small_ec && small == plain, "a limit the output fits in changed the result");
    else
      FUZZ_CHECK(small_ec == compression_errc::too_large, "output over the small limit was not too_large");

    // Compressing is the slow half: only for outputs of a realistic batch's size.
    if (plain.size() > round_trip_bytes_max) return 0;
    std::vector<std::uint8_t> packed, unpacked;
    FUZZ_CHECK(!codecs::compress(id, plain, packed), "compress failed on plain bytes");
    FUZZ_CHECK(!codecs::decompress(id, packed, unpacked, plain.size()) && unpacked == plain,
               "compress then decompress changed the bytes");
  } else if (ec != compression_errc::too_large) {
    // Garbage stays garbage under a smaller limit, unless the limit is hit first.
    FUZZ_CHECK(small_ec && small_ec != compression_errc::unsupported_codec, "corrupt input decoded under a small limit");
  }
  return 0;
}
