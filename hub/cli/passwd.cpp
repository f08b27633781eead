// `tern passwd --file F --user U`: adds or replaces U's SASL/PLAIN credentials in F, reading the
// password from stdin (its first line). The file stores PBKDF2 hashes only (auth/password_file.h).
#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>

#include <cxxopts.hpp>

#include "auth/password_file.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

namespace tern::cli {

int run_passwd(int argc, char** argv) {
  static constexpr const char* cmd = "passwd";
  cxxopts::Options options("tern passwd",
                           "Adds or replaces a SASL/PLAIN user in the hub's sasl.plain.users.location "
                           "file.\nThe password is read from stdin (first line); the file keeps a "
                           "salted PBKDF2-HMAC-SHA256 hash, mode 0600.");
  options.add_options()("file", "the users file", cxxopts::value<std::string>())(
      "user", "user name (principal User:<name>)", cxxopts::value<std::string>())(
      "iterations", "PBKDF2 iterations",
      cxxopts::value<std::uint32_t>()->default_value(std::to_string(auth::default_pbkdf2_iterations)))(
      "h,help", "show this help");
  bool help = false;
  for (int i = 1; i < argc; ++i)
    help = help || std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0;
  auto parsed = parse_options(options, argc, argv);
  if (!parsed) return help ? 0 : 2;
  const auto& opts = *parsed;
  if (!opts.count("file") || !opts.count("user")) return fail(cmd, "give --file and --user"), 2;
  std::string user = opts["user"].as<std::string>();
  if (user.empty() || user.find_first_of(":\n\r\t #") != std::string::npos || user.size() > 255)
    return fail(cmd, "a user name is 1..255 characters without ':', '#' or white space"), 2;
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return fail(cmd, "no password on stdin"), 2;
  auth::password_entry entry;
  std::string error;
  if (!auth::make_password_entry(user, password, opts["iterations"].as<std::uint32_t>(), entry, error) ||
      !auth::write_password_entry(opts["file"].as<std::string>(), entry, error))
    return fail(cmd, error);
  std::fill(password.begin(), password.end(), '\0');
  std::cerr << "tern passwd: stored user '" << user << "' in " << opts["file"].as<std::string>() << "\n";
  return 0;
}

}  // namespace tern::cli
