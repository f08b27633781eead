#include "cli/cli_common.h"

#include <iostream>

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
