#include "tern/common/uuid.h"

#include "tern/common/check.h"

namespace tern {

std::string uuid_text(const uuid& id) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve(22);
  std::size_t i = 0;
  for (; i + 3 <= id.size(); i += 3) {
    std::uint32_t n = (std::uint32_t{id[i]} << 16) | (std::uint32_t{id[i + 1]} << 8) | id[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(alphabet[(n >> s) & 0x3f]);
  }
  // 16 = 5 * 3 + 1: one byte left, which unpadded base64 writes as two characters.
  static_assert(std::tuple_size_v<uuid> % 3 == 1);
  std::uint32_t n = std::uint32_t{id[i]} << 16;
  out.push_back(alphabet[(n >> 18) & 0x3f]);
  out.push_back(alphabet[(n >> 12) & 0x3f]);
  TERN_ASSERT(out.size() == 22);
  return out;
}

}  // namespace tern
