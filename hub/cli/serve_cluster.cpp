#include "cli/serve_cluster.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/log.h"

namespace tern::cli {
namespace {

// FNV-1a: a stable hash of a string (the same on every build and architecture).
std::uint64_t fnv1a(std::string_view text, std::uint64_t seed = 14695981039346656037ull) {
  std::uint64_t h = seed;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(std::uint64_t v) {
  std::ostringstream os;
  os << std::hex << v;
  return os.str();
}

const app::listener* controller_listener(const app::server_config& config) {
  for (const auto& l : config.listeners)
    if (app::is_controller_listener(config, l.name)) return &l;
  return nullptr;
}

}  // namespace

std::string quorum_id_of(const app::server_config& config) {
  std::string text;
  for (const auto& v : config.controller_quorum_voters)
    text += std::to_string(v.node_id) + "@" + v.host + ":" + std::to_string(v.port) + ",";
  return "tern-" + hex(fnv1a(text));
}

bool check_metadata_dir(const app::server_config& config) {
  namespace fs = std::filesystem;
  auto dir = config.effective_metadata_log_dir();
  auto id_file = fs::path(dir) / "quorum.id";
  auto expected = quorum_id_of(config);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    log::error("cannot create the metadata log directory '", dir, "': ", ec.message());
    return false;
  }
  std::ifstream in(id_file);
  std::string found;
  if (in && std::getline(in, found)) {
    if (found == expected) return true;
    log::error("the metadata log in '", dir, "' belongs to another cluster (quorum ", found,
               "; this configuration's controller.quorum.voters make ", expected,
               "): move that directory away to join this cluster with an empty replica");
    return false;
  }
  std::ofstream out(id_file, std::ios::trunc);
  out << expected << "\n";
  if (!out.flush()) {
    log::error("cannot write '", id_file.string(), "'");
    return false;
  }
  return true;
}

cluster::cluster_node_options cluster_options_from(const app::server_config& c,
                                                   const std::string& dir_identity) {
  cluster::cluster_node_options o;
  o.quorum.node_id = c.node_id;
  for (const auto& v : c.controller_quorum_voters) o.quorum.voters.push_back({v.node_id, v.host, v.port});
  o.quorum.dir = c.effective_metadata_log_dir();
  o.quorum.quorum_id = quorum_id_of(c);
  o.quorum.election_timeout_ms = c.controller_quorum_election_timeout_ms;
  o.quorum.heartbeat_interval_ms = std::max<std::int64_t>(10, c.controller_quorum_election_timeout_ms / 10);
  if (const auto* l = controller_listener(c)) o.quorum.listen_host = l->host;
  o.role_broker = c.role_broker;
  auto h1 = fnv1a(dir_identity), h2 = fnv1a(dir_identity, h1);
  for (int i = 0; i < 8; ++i) {
    o.dir_id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(h1 >> (8 * i));
    o.dir_id[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(h2 >> (8 * i));
  }
  o.heartbeat_interval_ms = c.broker_heartbeat_interval_ms;
  o.session_timeout_ms = c.broker_session_timeout_ms;
  o.unclean_default = c.unclean_leader_election_enable;
  o.auto_leader_rebalance = c.auto_leader_rebalance_enable;
  o.rebalance_interval_ms = c.leader_imbalance_check_interval_seconds * 1000;
  return o;
}

replication::replica_manager_options replica_options_from(const app::server_config& c) {
  replication::replica_manager_options o;
  o.self = c.node_id;
  o.inter_broker_listener = c.inter_broker_listener_name;
  if (o.inter_broker_listener.empty()) {
    for (const auto& l : c.listeners)
      if (!app::is_controller_listener(c, l.name)) {
        o.inter_broker_listener = l.name;
        break;
      }
  }
  o.leader.replica_lag_time_max_ms = c.replica_lag_time_max_ms;
  o.leader.min_insync_replicas = c.min_insync_replicas;
  o.fetcher.max_wait_ms = c.replica_fetch_wait_max_ms;
  o.fetcher.partition_max_bytes = c.replica_fetch_max_bytes;
  return o;
}

bool start_cluster_node(cluster::cluster_node& node, const app::server_config& config) {
  if (auto ec = node.start()) {
    log::error("cannot start the metadata quorum (", config.effective_metadata_log_dir(), "): ", ec.message());
    return false;
  }
  const auto* l = controller_listener(config);
  log::info("quorum listening on ", l ? l->name : "CONTROLLER", "://", l ? l->host : "",
            ":", node.metadata_quorum().bound_port(), " (node ", config.node_id, ", ",
            config.controller_quorum_voters.size(), " voters)");
  return true;
}

int run_witness(const app::server_config& config) {
  if (!check_metadata_dir(config)) return 1;
  asio::io_context io(1);
  cluster::cluster_node node(io, cluster_options_from(config, "witness"));
  if (!start_cluster_node(node, config)) return 1;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code ec, int signo) {
    if (ec) return;
    log::info("signal ", signo, " received; shutting down");
    node.stop();
    io.stop();
  });
  std::signal(SIGPIPE, SIG_IGN);
  io.run();
  node.stop();
  log::info("stopped");
  return 0;
}

}  // namespace tern::cli
