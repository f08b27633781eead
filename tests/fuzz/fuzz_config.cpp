// The files the hub reads at start-up and on reload, each written by an operator but not
// necessarily a careful one (or a tool with a bug): the server.properties `tern serve` loads
// (then the key combinations validate() checks and the forwarding links parse_links() builds,
// as serve.cpp does), the ACL file, the password (users) file and the TLS PSK identities file.
//
// Input: byte 0 picks the parser, the rest is the file's text.
// Properties, beyond "no crash": an ACL rule or a password entry that parses formats to a line
// that parses back to the same value; a PSK file that parses has only non-empty identities and
// keys of 1 to 32 bytes.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"
#include "auth/acl.h"
#include "auth/password_file.h"
#include "forward/link_config.h"
#include "fuzz_check.h"
#include "tls/psk_file.h"

namespace {
using namespace tern;

void server_properties(const std::string& text) {
  app::server_config config;
  std::istringstream in(text);
  std::string error;
  if (!app::load_properties(config, in, "fuzz.properties", error)) {
    FUZZ_CHECK(!error.empty(), "a refused config file comes without a reason");
    return;
  }
  if (!app::validate(config, error)) return;
  std::vector<forward::link_config> links;
  forward::parse_links(config.link_settings, links, error);
}

void acl_file(const std::string& text) {
  std::vector<auth::acl_rule> rules;
  std::string error;
  if (!auth::parse_rules(text, "fuzz.acl", rules, error)) return;
  for (const auto& rule : rules) {
    auth::acl_rule again;
    std::string why;
    FUZZ_CHECK(auth::parse_rule(auth::format_rule(rule), again, why), "a formatted ACL rule does not parse");
    FUZZ_CHECK(again == rule, "an ACL rule changes through format_rule and parse_rule");
  }
}

// The users file is read a line at a time (password_file::load skips blank and # lines).
void password_file(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auth::password_entry entry;
    std::string error;
    if (!auth::parse_password_entry(line, entry, error)) continue;
    auth::password_entry again;
    FUZZ_CHECK(auth::parse_password_entry(auth::format_password_entry(entry), again, error),
               "a formatted password entry does not parse");
    FUZZ_CHECK(again.user == entry.user && again.kind == entry.kind &&
                   again.iterations == entry.iterations && again.salt == entry.salt &&
                   again.hash == entry.hash && again.stored_key == entry.stored_key &&
                   again.server_key == entry.server_key,
               "a password entry changes through format and parse");
  }
}

void psk_file(const std::string& text) {
  std::istringstream in(text);
  tls::psk_map psks;
  if (tls::parse_psk_lines(in, psks) != 0) return;
  for (const auto& [identity, key] : psks) {
    FUZZ_CHECK(!identity.empty(), "a PSK identity is empty");
    FUZZ_CHECK(!key.empty() && key.size() <= 32, "a PSK key is empty or longer than Mbed TLS takes");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: server_properties(text); break;
    case 1: acl_file(text); break;
    case 2: password_file(text); break;
    case 3: psk_file(text); break;
  }
  return 0;
}
