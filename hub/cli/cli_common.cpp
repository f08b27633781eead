#include "cli/cli_common.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iostream>

#include "tls/tls.h"

namespace tern::cli {

std::optional<cxxopts::ParseResult> parse_options(cxxopts::Options& options, int argc, char** argv) {
  try {
    auto result = options.parse(argc, argv);
    if (result.count("help")) {
      std::cout << options.help() << "\n";
      return std::nullopt;
    }
    return result;
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << options.program() << ": " << e.what() << " (try --help)\n";
    return std::nullopt;
  }
}

bool parse_properties(const std::vector<std::string>& items, std::map<std::string, std::string>& out,
                      std::string& error) {
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      error = "'" + item + "' is not key=value";
      return false;
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return true;
}

int fail(const char* command, const std::string& message) {
  std::cerr << "tern " << command << ": " << message << "\n";
  return 1;
}

bool connect(const char* command, const std::string& servers, client::cluster_client& client) {
  std::string error;
  if (client.bootstrap(servers, error)) return true;
  fail(command, error);
  return false;
}

}  // namespace tern::cli

namespace tern::cli {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool parse_hex(const std::string& hex, std::vector<std::uint8_t>& out) {
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 64) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    auto [p, e] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (e != std::errc{} || p != hex.data() + i + 2) return false;
    out.push_back(static_cast<std::uint8_t>(value));
  }
  return true;
}

// The properties file as a map; false on an unreadable file or a line that is not key=value.
bool read_properties(const std::string& path, std::map<std::string, std::string>& out,
                     std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "--command-config: cannot read '" + path + "'";
    return false;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) {
      error = path + ":" + std::to_string(number) + ": '" + line + "' is not key=value";
      return false;
    }
    out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return true;
}

}  // namespace

void add_command_config(cxxopts::Options& options) {
  options.add_options()("command-config",
                        "Kafka client properties file: security.protocol=SSL|SASL_SSL, "
                        "ssl.ca.location, ssl.certificate.location, ssl.key.location, "
                        "sasl.mechanism=PLAIN|SCRAM-SHA-256|SCRAM-SHA-512, sasl.username, "
                        "sasl.password, ...",
                        cxxopts::value<std::string>());
}

bool load_command_config(const std::string& path, client::tls_settings& out, std::string& error) {
  std::map<std::string, std::string> props;
  if (!read_properties(path, props, error)) return false;
  static const char* const known[] = {
      "security.protocol", "ssl.ca.location",  "ssl.certificate.location",
      "ssl.key.location",  "ssl.key.password", "ssl.endpoint.identification.algorithm",
      "ssl.cipher.suites", "ssl.psk.identity", "ssl.psk.key",
      "sasl.mechanism",    "sasl.mechanisms",  "sasl.username", "sasl.password"};
  for (const auto& [key, value] : props) {
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return key == k; }) ==
        std::end(known)) {
      error = path + ": unknown key '" + key + "' (supported: security.protocol, ssl.*, sasl.*)";
      return false;
    }
  }
  auto get = [&](const char* key) {
    auto it = props.find(key);
    return it == props.end() ? std::string{} : it->second;
  };
  std::string protocol = get("security.protocol");
  for (auto& ch : protocol) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  out = {};
  const bool sasl = protocol == "SASL_SSL" || protocol == "SASL_PLAINTEXT";
  if (sasl) {
    // sasl.mechanism is the Java client's name, sasl.mechanisms librdkafka's; PLAIN by default.
    std::string mechanism = get("sasl.mechanism").empty() ? get("sasl.mechanisms") : get("sasl.mechanism");
    for (auto& ch : mechanism) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (mechanism.empty()) mechanism = "PLAIN";
    if (mechanism != "PLAIN" && mechanism != "SCRAM-SHA-256" && mechanism != "SCRAM-SHA-512") {
      error = path + ": sasl.mechanism '" + mechanism + "' is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512";
      return false;
    }
    out.sasl_mechanism = mechanism;
    out.sasl_username = get("sasl.username");
    out.sasl_password = get("sasl.password");
    if (out.sasl_username.empty()) {
      error = path + ": security.protocol " + protocol + " needs sasl.username and sasl.password";
      return false;
    }
  }
  if (protocol.empty() || protocol == "PLAINTEXT" || protocol == "SASL_PLAINTEXT") return true;
  if (protocol != "SSL" && protocol != "SASL_SSL") {
    error = path + ": security.protocol '" + get("security.protocol") +
            "' is not PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL";
    return false;
  }
  std::string algorithm = get("ssl.endpoint.identification.algorithm");
  if (algorithm != "" && algorithm != "https" && algorithm != "none") {
    error =
        path + ": ssl.endpoint.identification.algorithm '" + algorithm + "' is not https or none";
    return false;
  }
  tls::client_options o;
  o.ca_file = get("ssl.ca.location");
  o.certificate_file = get("ssl.certificate.location");
  o.key_file = get("ssl.key.location");
  o.key_password = get("ssl.key.password");
  o.cipher_suites = get("ssl.cipher.suites");
  o.psk_identity = get("ssl.psk.identity");
  if (o.ca_file.empty() && o.psk_identity.empty()) {
    // Like librdkafka: without ssl.ca.location, trust the system's CA bundle.
    const char* system_bundle = "/etc/ssl/certs/ca-certificates.crt";
    if (!std::ifstream(system_bundle)) {
      error = path + ": ssl.ca.location is required (no system CA bundle at " + system_bundle + ")";
      return false;
    }
    o.ca_file = system_bundle;
  }
  if (o.certificate_file.empty() != o.key_file.empty()) {
    error = path + ": ssl.certificate.location and ssl.key.location go together";
    return false;
  }
  if (o.psk_identity.empty() != get("ssl.psk.key").empty()) {
    error = path + ": ssl.psk.identity and ssl.psk.key go together";
    return false;
  }
  if (!o.psk_identity.empty() && !parse_hex(get("ssl.psk.key"), o.psk)) {
    error = path + ": ssl.psk.key is not 1..32 bytes of hex";
    return false;
  }
  tls::load_error load;
  auto config = tls::client_config::load(o, load);
  if (!config) {
    error = path + ": " + load.message();
    return false;
  }
  out.config = std::move(config);
  out.verify_hostname = algorithm != "none" && o.psk_identity.empty();  // PSK has no certificate
  return true;
}

bool connect(const char* command, const cxxopts::ParseResult& opts,
             client::cluster_client& client) {
  if (opts.count("command-config")) {
    client::tls_settings settings;
    std::string error;
    if (!load_command_config(opts["command-config"].as<std::string>(), settings, error)) {
      fail(command, error);
      return false;
    }
    client.set_tls(std::move(settings));
  }
  return connect(command, opts["bootstrap-server"].as<std::string>(), client);
}

}  // namespace tern::cli
