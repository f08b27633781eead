// The SASL messages an unauthenticated peer sends the hub (SaslAuthenticate's auth_bytes) and
// the ones an upstream broker sends the hub's own client (forwarding links, `tern` CLI):
//   PLAIN token (auth/sasl_plain.h), SCRAM client-first then client-final through a
//   server_exchange as handle_sasl.cpp drives it, SCRAM server-first (the client side's parser),
//   and base64 (every SCRAM proof, salt and signature goes through it).
//
// Input: byte 0 picks the parser, the rest is the message; for the SCRAM exchange the rest is
// client-first, a NUL, then client-final.
// Properties, beyond "no crash": what a parser accepts survives being formatted and parsed again
// (PLAIN user and password, the client-first user and nonce, base64 bytes); an accepted PLAIN
// token obeys the field limits; an accepted client-final carries the server's nonce.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sasl_plain.h"
#include "auth/scram.h"
#include "fuzz_check.h"

namespace {
using namespace tern;
using namespace tern::auth;

void plain(std::span<const std::uint8_t> token) {
  std::string_view user, password;
  if (!parse_plain(token, user, password)) return;
  FUZZ_CHECK(!user.empty() && user.size() <= plain_field_bytes_max, "PLAIN user empty or too long");
  FUZZ_CHECK(!password.empty() && password.size() <= plain_field_bytes_max, "PLAIN password empty or too long");
  FUZZ_CHECK(user.find('\0') == std::string_view::npos && password.find('\0') == std::string_view::npos,
             "PLAIN field holds a NUL");
  std::string again = std::string(1, '\0') + std::string(user) + '\0' + std::string(password);
  std::string_view user2, password2;
  FUZZ_CHECK(parse_plain({reinterpret_cast<const std::uint8_t*>(again.data()), again.size()}, user2, password2) &&
                 user2 == user && password2 == password,
             "a PLAIN token rebuilt from its fields does not parse the same");
}

// A credential that costs no PBKDF2: the keys of a made-up salted password.
scram::credential test_credential() {
  const scram::bytes salted(32, 0x5a);
  return scram::credential_from_salted(scram::mechanism::sha256, scram::iterations_min,
                                       scram::bytes(16, 0x11), salted);
}

void scram_exchange(std::string_view input) {
  auto nul = input.find('\0');
  std::string_view first = input.substr(0, nul);
  std::string_view final = nul == std::string_view::npos ? std::string_view{} : input.substr(nul + 1);

  scram::client_first_message parsed;
  std::string error;
  if (scram::parse_client_first(first, parsed, error)) {
    scram::client_first_message again;
    FUZZ_CHECK(scram::parse_client_first(scram::format_client_first(parsed.user, parsed.nonce), again, error) &&
                   again.user == parsed.user && again.nonce == parsed.nonce,
               "client-first does not survive format_client_first");
  }

  scram::server_exchange server(scram::mechanism::sha256);
  if (!server.receive_client_first(first, error)) return;
  server.server_first(test_credential(), "fuzzservernonce");
  std::string server_final;
  auto verdict = server.receive_client_final(final, server_final, error);
  if (verdict != scram::server_exchange::verdict::ok) return;
  // Unreachable without the made-up password's keys; if it ever is, the rules still hold.
  scram::client_final_message cf;
  FUZZ_CHECK(scram::parse_client_final(final, cf, error), "an accepted client-final does not parse");
  FUZZ_CHECK(cf.nonce.size() > 15 && cf.nonce.ends_with("fuzzservernonce"), "an accepted proof for another nonce");
  FUZZ_CHECK(server_final.starts_with("v="), "an accepted proof without a server signature");
}

void server_first(std::string_view message) {
  scram::server_first_message parsed;
  std::string error;
  if (!scram::parse_server_first(message, parsed, error)) return;
  scram::server_first_message again;
  FUZZ_CHECK(scram::parse_server_first(scram::format_server_first(parsed.nonce, parsed.salt, parsed.iterations),
                                       again, error) &&
                 again.nonce == parsed.nonce && again.salt == parsed.salt &&
                 again.iterations == parsed.iterations,
             "server-first does not survive format_server_first");
}

void base64(std::string_view text) {
  scram::bytes decoded;
  if (!scram::base64_decode(text, decoded)) return;
  scram::bytes again;
  FUZZ_CHECK(scram::base64_decode(scram::base64_encode(decoded), again) && again == decoded,
             "base64 does not round-trip");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  switch (data[0] % 4) {
    case 0: plain(rest); break;
    case 1: scram_exchange(text); break;
    case 2: server_first(text); break;
    case 3: base64(text); break;
  }
  return 0;
}
