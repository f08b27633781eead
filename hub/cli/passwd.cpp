// `tern passwd --file F --user U [--mechanisms M,...]`: replaces U's SASL credentials in F,
// reading the password from stdin (its first line). One line per mechanism (auth/password_file.h):
// PLAIN keeps a PBKDF2-HMAC-SHA256 hash, SCRAM-SHA-256/512 their stored and server keys; every
// old line of U goes, so an old password stays usable through no mechanism.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "auth/password_file.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

namespace tern::cli {
namespace {
constexpr const char* all_mechanisms = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512";

// "PLAIN,SCRAM-SHA-512" into names; false on an unknown or repeated name, or none.
bool parse_mechanisms(const std::string& text, std::vector<std::string>& out) {
  out.clear();
  for (std::size_t start = 0; start <= text.size();) {
    auto comma = text.find(',', start);
    std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (name != "PLAIN" && !auth::scram::mechanism_named(name)) return false;
    if (std::find(out.begin(), out.end(), name) != out.end()) return false;
    out.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return !out.empty();
}
}  // namespace

int run_passwd(int argc, char** argv) {
  static constexpr const char* cmd = "passwd";
  cxxopts::Options options("tern passwd",
                           "Adds or replaces a SASL user in the hub's sasl.plain.users.location file.\n"
                           "The password is read from stdin (first line); the file keeps salted hashes "
                           "and SCRAM keys only, mode 0600.");
  options.add_options()("file", "the users file", cxxopts::value<std::string>())(
      "user", "user name (principal User:<name>)", cxxopts::value<std::string>())(
      "mechanisms", "the SASL mechanisms the user may log in with (one line each)",
      cxxopts::value<std::string>()->default_value(all_mechanisms))(
      "iterations", "PBKDF2 iterations (SCRAM: at least 4096)",
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
  std::vector<std::string> mechanisms;
  if (!parse_mechanisms(opts["mechanisms"].as<std::string>(), mechanisms))
    return fail(cmd, std::string("--mechanisms is a list of ") + all_mechanisms + ", each at most once"), 2;
  const auto iterations = opts["iterations"].as<std::uint32_t>();
  // SCRAM needs Kafka's minimum; asked for explicitly, fewer is an error, by default the SCRAM
  // lines just get the minimum.
  auto scram_iterations = std::max(iterations, auth::scram::iterations_min);
  bool any_scram = std::any_of(mechanisms.begin(), mechanisms.end(), [](const auto& m) { return m != "PLAIN"; });
  if (any_scram && iterations < auth::scram::iterations_min) {
    if (opts.count("mechanisms")) return fail(cmd, "SCRAM needs --iterations 4096 or more (Kafka's minimum)"), 2;
    std::cerr << "tern passwd: SCRAM lines use 4096 iterations (Kafka's minimum), PLAIN " << iterations << "\n";
  }
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return fail(cmd, "no password on stdin"), 2;
  std::vector<auth::password_entry> entries(mechanisms.size());
  std::string error;
  for (std::size_t i = 0; i < mechanisms.size(); ++i) {
    auto m = auth::scram::mechanism_named(mechanisms[i]);
    bool made = m ? auth::make_scram_entry(user, password, *m, scram_iterations, entries[i], error)
                  : auth::make_password_entry(user, password, iterations, entries[i], error);
    if (!made) return fail(cmd, error);
  }
  std::fill(password.begin(), password.end(), '\0');
  if (!auth::write_password_entries(opts["file"].as<std::string>(), entries, error)) return fail(cmd, error);
  std::cerr << "tern passwd: stored user '" << user << "' (" << opts["mechanisms"].as<std::string>() << ") in "
            << opts["file"].as<std::string>() << "\n";
  return 0;
}

}  // namespace tern::cli
