#include "auth/sasl_plain.h"

namespace tern::auth {

bool parse_plain(std::span<const std::uint8_t> token, std::string_view& user, std::string_view& password) {
  std::string_view t(reinterpret_cast<const char*>(token.data()), token.size());
  auto first = t.find('\0');
  if (first == std::string_view::npos) return false;
  auto second = t.find('\0', first + 1);
  if (second == std::string_view::npos) return false;
  auto authzid = t.substr(0, first);
  user = t.substr(first + 1, second - first - 1);
  password = t.substr(second + 1);
  if (user.empty() || password.empty() || password.find('\0') != std::string_view::npos) return false;
  if (authzid.size() > plain_field_bytes_max || user.size() > plain_field_bytes_max ||
      password.size() > plain_field_bytes_max)
    return false;
  return authzid.empty() || authzid == user;
}

}  // namespace tern::auth
