// `tern serve`: the hub. Configuration from --config FILE (Kafka-style .properties) and
// `--key value` / `--key=value` flags for every key (flags win).
#include <csignal>
#include <cstring>
#include <iostream>

#include "app/config.h"
#include "app/log.h"
#include "cli/commands.h"
#include "kafka/broker.h"
#include "net/server.h"
#include "storage/log_store.h"

namespace tern::cli {
namespace {

void print_serve_help() {
  std::cout << "usage: tern serve [--config server.properties] [--KEY VALUE ...]\n\n"
               "Runs the hub. Every configuration key can be given as a flag; flags override the\n"
               "file. Defaults: single node, PLAINTEXT://127.0.0.1:9092, data in ./tern-data.\n\n"
               "keys:\n";
  for (auto key : app::known_keys()) std::cout << "  " << key << "\n";
}

// Returns 0 to go on, or an exit code.
int parse_serve_args(int argc, char** argv, app::server_config& config) {
  std::string config_file;
  std::vector<std::pair<std::string, std::string>> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      print_serve_help();
      return -1;
    }
    if (arg.rfind("--", 0) != 0) {
      std::cerr << "tern serve: unexpected argument '" << arg << "' (try --help)\n";
      return 2;
    }
    arg = arg.substr(2);
    std::string value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::cerr << "tern serve: --" << arg << " needs a value\n";
      return 2;
    }
    if (arg == "config") config_file = value;
    else if (arg == "override") {  // Kafka's kafka-server-start.sh --override key=value
      auto eq = value.find('=');
      if (eq == std::string::npos) {
        std::cerr << "tern serve: --override needs key=value\n";
        return 2;
      }
      flags.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else {
      flags.emplace_back(arg, value);
    }
  }
  std::string error;
  if (!config_file.empty() && !app::load_properties_file(config, config_file, error)) {
    std::cerr << "tern serve: " << error << "\n";
    return 2;
  }
  for (auto& [key, value] : flags) {
    if (!app::apply_setting(config, key, value, "--" + key, error)) {
      std::cerr << "tern serve: " << error << "\n";
      return 2;
    }
  }
  return 0;
}

storage::store_options store_options_from(const app::server_config& c) {
  storage::store_options o;
  o.dir = c.log_dirs;
  o.map_size_bytes = c.lmdb_map_size;
  o.sync_every_commit = c.flush_messages == 1;
  o.sync_interval_ms = c.flush_ms;
  o.sync_every_records = c.flush_messages == INT64_MAX ? 0 : c.flush_messages;
  o.retention_ms = c.log_retention_ms;
  o.retention_bytes = c.log_retention_bytes;
  o.retention_check_interval_ms = c.log_retention_check_interval_ms;
  return o;
}

}  // namespace

int run_serve(int argc, char** argv) {
  app::server_config config;
  if (int rc = parse_serve_args(argc, argv, config)) return rc < 0 ? 0 : rc;
  log::level level{};
  log::parse_level(config.log_level, level);
  log::set_level(level);

  std::unique_ptr<storage::log_store> store;
  if (auto ec = storage::log_store::open(store_options_from(config), store)) {
    log::error("cannot open the store in '", config.log_dirs, "': ", ec.message());
    return 1;
  }
  for (const auto& topic : store->list_topics()) {
    for (std::int32_t p = 0; p < topic.partition_count; ++p) {
      if (auto o = store->offsets(topic.partition_log(p)))
        log::debug("topic ", topic.name, "-", p, " log start ", o->log_start, " end ", o->log_end);
    }
  }
  log::info("store '", config.log_dirs, "' open: ", store->list_topics().size(), " topics, cluster id ",
            store->cluster_id());

  asio::io_context io(1);
  kafka::broker hub(io, config, *store);
  net::server_limits limits;
  limits.max_frame_bytes = static_cast<std::size_t>(config.socket_request_max_bytes);
  limits.max_inflight = static_cast<std::size_t>(config.max_inflight_requests_per_connection);
  limits.max_connections = static_cast<std::size_t>(config.max_connections);
  limits.idle_timeout_ms = config.connections_max_idle_ms;
  net::server server(io, limits, [&hub](const net::connection_info& c, net::request_frame f, net::respond_fn r) {
    hub.on_frame(c, std::move(f), std::move(r));
  });

  std::vector<kafka::advertised_endpoint> advertised;
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    const auto& l = config.listeners[i];
    if (l.name != "PLAINTEXT") {
      log::error("listener ", l.name, "://", l.host, ":", l.port,
                 ": only PLAINTEXT listeners are available in this build");
      return 1;
    }
    std::uint16_t bound = 0;
    if (auto ec = server.listen(l.name, l.host, l.port, bound)) {
      log::error("cannot listen on ", l.host, ":", l.port, ": ", ec.message());
      return 1;
    }
    kafka::advertised_endpoint ep{l.name, l.host, bound};
    if (!config.advertised_listeners.empty() && i < config.advertised_listeners.size()) {
      const auto& a = config.advertised_listeners[i];
      ep = {a.name, a.host, a.port == 0 ? bound : a.port};
    } else if (l.host == "0.0.0.0" || l.host == "::") {
      log::warn("listener on ", l.host, " advertises 127.0.0.1; set advertised.listeners for remote clients");
      ep.host = "127.0.0.1";
    }
    advertised.push_back(ep);
    log::info("listening on ", l.name, "://", l.host, ":", bound);
  }
  hub.set_advertised(std::move(advertised));

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code ec, int signo) {
    if (ec) return;
    log::info("signal ", signo, " received; shutting down");
    server.stop();
    io.stop();
  });
  std::signal(SIGPIPE, SIG_IGN);
  io.run();
  server.stop();
  log::info("stopped; syncing the store");
  return 0;
}

}  // namespace tern::cli
