#pragma once
// SASL PLAIN (RFC 4616) as the hub takes it: the client's one message, "[authzid] NUL authcid NUL
// passwd". Kept apart from the SaslAuthenticate handler so that the parser of these untrusted
// bytes can be unit-tested and fuzzed on its own (tests/fuzz/fuzz_sasl.cpp).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tern::auth {

// Longest authzid, user name and password each (bytes): far above real ones, and it bounds
// the PBKDF2 input an unauthenticated client can make the hub hash.
inline constexpr std::size_t plain_field_bytes_max = 255;

// Splits a PLAIN token. False if malformed (fewer than two NULs, a NUL in the password), if the
// user or password is empty, if a field is longer than plain_field_bytes_max, or if authzid
// names someone other than authcid (no impersonation).
// @param[out] user, password  views into `token`, valid as long as it is; set as soon as both
//                             NULs are found, also when a later check fails (the handler logs
//                             the user a refused token named)
bool parse_plain(std::span<const std::uint8_t> token, std::string_view& user, std::string_view& password);

}  // namespace tern::auth
