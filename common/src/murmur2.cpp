#include "tern/common/murmur2.h"

#include "tern/common/check.h"

namespace tern {
std::int32_t murmur2(std::span<const std::uint8_t> key) {
  const std::uint32_t m = 0x5bd1e995;
  const int r = 24;
  const std::size_t length = key.size();
  std::uint32_t h = 0x9747b28cu ^ static_cast<std::uint32_t>(length);
  const std::uint8_t* p = key.data();
  std::size_t i = 0;
  for (; i + 4 <= length; i += 4) {
    std::uint32_t k = std::uint32_t(p[i]) | std::uint32_t(p[i + 1]) << 8 |
                      std::uint32_t(p[i + 2]) << 16 | std::uint32_t(p[i + 3]) << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (length % 4) {
    case 3: h ^= std::uint32_t(p[i + 2]) << 16; [[fallthrough]];
    case 2: h ^= std::uint32_t(p[i + 1]) << 8; [[fallthrough]];
    case 1:
      h ^= std::uint32_t(p[i]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

std::int32_t partition_for_key(std::span<const std::uint8_t> key, std::int32_t partitions) {
  TERN_ASSERT(partitions > 0);
  return (murmur2(key) & 0x7fffffff) % partitions;
}
}  // namespace tern
