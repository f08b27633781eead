// `tern forward status`: prints the forwarding links' status as the running hub last wrote it
// (<log.dirs>/forward-status.json, rewritten every second; forward/link_manager.h). Reading a
// file rather than asking over the Kafka port works with the hub's listeners locked down and
// tells something even when the hub is stuck.
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "app/config.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

namespace tern::cli {

int run_forward(int argc, char** argv) {
  static constexpr const char* cmd = "forward";
  auto usage = [] {
    std::cout << "usage: tern forward status [--log.dirs DIR | --config server.properties]\n\n"
                 "Prints each forwarding link's state, connected broker, records and bytes sent,\n"
                 "backlog (records and bytes behind, oldest unforwarded record's age), throughput,\n"
                 "lost records and last error, as JSON written by the running hub every second.\n";
  };
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "status") != 0) return fail(cmd, std::string("unknown action '") + argv[1] + "'"), 2;
  app::server_config config;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    auto eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fail(cmd, arg + " needs a value"), 2;
    }
    std::string error;
    if (arg == "--log.dirs") {
      config.log_dirs = value;
    } else if (arg == "--config") {
      if (!app::load_properties_file(config, value, error)) return fail(cmd, error), 2;
    } else {
      return fail(cmd, "unknown option '" + arg + "' (try --help)"), 2;
    }
  }
  std::string path = config.log_dirs + "/forward-status.json";
  std::ifstream in(path);
  if (!in) {
    return fail(cmd, "no forwarding status in '" + config.log_dirs +
                         "' (the hub is not running there, or has no forward.* links)");
  }
  std::stringstream text;
  text << in.rdbuf();
  std::cout << text.str();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    auto age = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime);
    if (age > std::chrono::seconds(10))
      std::cerr << "tern forward: this status is "
                << std::chrono::duration_cast<std::chrono::seconds>(age).count()
                << " s old: the hub is not running or is stuck\n";
  }
  return 0;
}

}  // namespace tern::cli
