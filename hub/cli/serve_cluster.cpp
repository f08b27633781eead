#include "cli/serve_cluster.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/log.h"
#include "tls/tls.h"

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
  o.self = ids::node_id{c.node_id};
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

tls::server_options ssl_server_options(const app::server_config& c) {
  tls::server_options o;
  o.certificate_file = c.ssl_certificate_location;
  o.key_file = c.ssl_key_location;
  o.key_password = c.ssl_key_password;
  o.ca_file = c.ssl_ca_location;
  o.crl_file = c.ssl_crl_location;
  o.auth = c.ssl_client_auth == "required"    ? tls::client_auth::required
           : c.ssl_client_auth == "requested" ? tls::client_auth::requested
                                              : tls::client_auth::none;
  o.cipher_suites = c.ssl_cipher_suites;
  return o;
}

bool load_cluster_tls(const app::server_config& c, peer_authorizer authorize_peer,
                      cluster::cluster_node_options& node, replication::replica_manager_options* fetchers) {
  const auto* controller = controller_listener(c);
  const bool quorum_tls = controller && app::security_protocol_of(c, controller->name) == "SSL";
  std::string inter_broker = fetchers ? fetchers->inter_broker_listener : std::string{};
  const bool fetch_tls = fetchers && app::security_protocol_of(c, inter_broker) == "SSL";
  std::shared_ptr<const tls::client_config> client;
  if (quorum_tls || fetch_tls) {
    // The node's own certificate serves as its client certificate (`tern pki issue-broker`
    // gives it both serverAuth and clientAuth).
    tls::client_options o;
    o.ca_file = c.ssl_ca_location;
    o.certificate_file = c.ssl_certificate_location;
    o.key_file = c.ssl_key_location;
    o.key_password = c.ssl_key_password;
    o.cipher_suites = c.ssl_cipher_suites;
    tls::load_error error;
    client = tls::client_config::load(o, error);
    if (!client) {
      log::error("TLS between nodes: ", error.message());
      return false;
    }
  }
  if (quorum_tls) {
    tls::server_options o = ssl_server_options(c);
    o.auth = tls::client_auth::required;  // whatever ssl.client.auth says for Kafka clients
    tls::load_error error;
    auto server = tls::server_config::load(o, error);
    if (!server) {
      log::error("controller listener ", controller->name, ": ", error.message());
      return false;
    }
    node.quorum.security.server = std::move(server);
    node.quorum.security.client = client;
    node.quorum.security.authorize_peer = std::move(authorize_peer);
    log::info("quorum: mutual TLS between voters (", controller->name, " is SSL)");
  } else {
    log::warn("quorum: the controller listener is PLAINTEXT: any host that reaches it can vote and "
              "register brokers; map it to SSL (listener.security.protocol.map) outside a trusted network");
  }
  if (fetch_tls) {
    fetchers->fetcher.tls.config = client;
    // Brokers are mostly addressed by IP, which Mbed TLS 2.28 cannot match against a
    // certificate: the leader's chain must lead to ssl.ca.location, its name is not checked.
    fetchers->fetcher.tls.verify_hostname = false;
    log::info("replication: followers fetch over TLS (", inter_broker, " is SSL)");
  }
  return true;
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

int run_witness(const app::server_config& config, peer_authorizer authorize_peer) {
  if (!check_metadata_dir(config)) return 1;
  asio::io_context io(1);
  auto options = cluster_options_from(config, "witness");
  if (!load_cluster_tls(config, std::move(authorize_peer), options, nullptr)) return 1;
  cluster::cluster_node node(io, std::move(options));
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
