#pragma once
// CRC32C (Castagnoli), as RecordBatch v2 uses it. Pure function, no errors.
#include <cstdint>
#include <span>

namespace tern {
// Continues a CRC: pass the previous result as `crc` (0 to start).
std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc = 0);
}  // namespace tern
