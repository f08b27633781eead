#pragma once
// The PSK identities file of a PSK listener (psk.identities.location): one `identity:hexkey` per
// line, blank lines and `#` comments skipped, spaces around both parts ignored. The identity is
// everything before the LAST ':' (so identities may contain ':'); the key is 1 to
// MBEDTLS_PSK_MAX_LEN bytes in hex. Kept apart from the TLS engine so that the parser can be
// tested and fuzzed without a listener (tests/fuzz/fuzz_config.cpp).
#include <istream>
#include <map>
#include <string>
#include <vector>

namespace tern::tls {

using psk_map = std::map<std::string, std::vector<unsigned char>, std::less<>>;

// Reads every line of `in` into `out` (a later line for an identity replaces an earlier one).
// @return 0 when every line parsed (an empty file too: the caller decides whether that is an
//         error), else the 1-based number of the first malformed line; `out` then holds the lines
//         before it.
int parse_psk_lines(std::istream& in, psk_map& out);

}  // namespace tern::tls
