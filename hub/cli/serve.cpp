// `tern serve`: the hub. Configuration from --config FILE (Kafka-style .properties) and
// `--key value` / `--key=value` flags for every key (flags win).
#include <csignal>
#include <cstring>
#include <iostream>

#include "app/config.h"
#include "app/log.h"
#include "cli/acls.h"
#include "cli/commands.h"
#include "cli/serve_cluster.h"
#include "forward/cluster_links.h"
#include "forward/link_manager.h"
#include "kafka/broker.h"
#include "net/server.h"
#include "storage/log_store.h"
#include "tls/tls.h"

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
  if (!app::validate(config, error)) {
    std::cerr << "tern serve: " << error << "\n";
    return 2;
  }
  if (!config.kafka_settings_not_acted_on.empty()) {
    std::string names;
    for (const auto& [key, _] : config.kafka_settings_not_acted_on) names += (names.empty() ? "" : ", ") + key;
    log::warn(config.kafka_settings_not_acted_on.size(),
              " Kafka broker setting(s) accepted but not acted on (Tern has no such mechanism): ", names);
  }
  std::vector<forward::link_config> links;
  if (!forward::parse_links(config.link_settings, links, error)) {
    std::cerr << "tern serve: " << error << "\n";
    return 2;
  }
  if (config.clustered()) {
    for (const auto& l : links)
      if (l.mirrors()) {
        // A mirror's position lives in the local store only: after a failover another broker
        // would copy the upstream topic again from its own (older or missing) checkpoint.
        std::cerr << "tern serve: mirror." << l.name << ".* links run on a single-node hub only "
                     "(a mirror's checkpoint is not replicated in a cluster yet); forward.* links are "
                     "supported in a cluster\n";
        return 2;
      }
  }
  return 0;
}

storage::store_options store_options_from(const app::server_config& c) {
  storage::store_options o;
  o.dir = c.log_dirs;
  o.map_size_bytes = c.lmdb_map_size;
  o.max_partitions = c.lmdb_max_partitions;
  o.sync_every_commit = c.flush_messages == 1;
  o.sync_interval_ms = c.flush_ms;
  o.sync_every_records = c.flush_messages == INT64_MAX ? 0 : c.flush_messages;
  storage::topic_settings& d = o.topic_defaults;
  d.retention_ms = c.log_retention_ms;
  d.retention_bytes = c.log_retention_bytes;
  d.delete_retention_ms = c.log_cleaner_delete_retention_ms;
  d.min_compaction_lag_ms = c.log_cleaner_min_compaction_lag_ms;
  d.segment_ms = c.log_roll_ms;
  d.segment_bytes = c.log_segment_bytes;
  std::string ignored;
  // Both were checked when the config was read.
  storage::apply_topic_setting("cleanup.policy", c.log_cleanup_policy, d, ignored);
  storage::apply_topic_setting("full.policy", c.log_full_policy, d, ignored);
  o.retention_check_interval_ms = c.log_retention_check_interval_ms;
  o.compaction_interval_ms = c.log_cleaner_enable ? c.log_cleaner_backoff_ms : 0;
  o.compaction_key_map_bytes = static_cast<std::size_t>(c.log_cleaner_dedupe_buffer_size);
  o.max_bytes = c.log_dirs_max_bytes >= 0 ? c.log_dirs_max_bytes
                                          : static_cast<std::int64_t>(c.lmdb_map_size / 2);
  o.log_warning = [](std::string_view message) { log::warn(message); };
  o.cluster_producer_ids = c.clustered();
  return o;
}

// What an operator wants to see after a restart (a power cut, a crash): the store opened, what
// it holds, and anything the open had to repair.
void report_store(const storage::log_store& store, const app::server_config& config) {
  auto topics = store.list_topics();
  auto stats = store.get_stats();
  log::info("store '", config.log_dirs, "' open: ", topics.size(), " topics, ", stats.stored_bytes,
            " bytes stored (budget ", store.options().max_bytes, "), LMDB map ", stats.map_used_bytes,
            " of ", stats.map_size_bytes, " bytes used, cluster id ", store.cluster_id());
  if (stats.stale_readers_cleared > 0)
    log::warn("cleared ", stats.stale_readers_cleared,
              " stale LMDB reader slots left by a process that died while reading");
  constexpr std::int32_t partitions_listed_max = 8;
  for (const auto& topic : topics) {
    std::string line;
    for (std::int32_t p = 0; p < topic.partition_count && p < partitions_listed_max; ++p) {
      auto o = store.offsets(topic.partition_log(ids::partition_index{p}));
      if (!o) continue;
      line += " " + std::to_string(p) + ":[" + std::to_string(o->log_start.value()) + "," +
              std::to_string(o->log_end.value()) + ")";
    }
    if (topic.partition_count > partitions_listed_max) line += " ...";
    log::info("topic '", topic.name, "' ", topic.partition_count, " partitions, offsets", line);
  }
}

// SASL users for SASL_* listeners: the file is required once such a listener exists.
bool load_sasl_users(const app::server_config& c, kafka::broker& hub) {
  bool wanted = false;
  for (const auto& l : c.listeners) wanted = wanted || kafka::is_sasl_listener(app::security_protocol_of(c, l.name));
  if (!wanted) return true;
  if (c.sasl_plain_users_location.empty()) {
    log::error("a SASL listener needs sasl.plain.users.location (see `tern passwd`)");
    return false;
  }
  std::string error;
  auto users = auth::password_file::load(c.sasl_plain_users_location, error);
  if (!users) {
    log::error("sasl.plain.users.location: ", error);
    return false;
  }
  std::string mechanisms;
  for (const auto& m : c.sasl_enabled_mechanisms) mechanisms += (mechanisms.empty() ? "" : ",") + m;
  log::info("SASL (", mechanisms, "): ", users->size(), " users from '", c.sasl_plain_users_location, "'");
  hub.set_sasl_users(std::move(users));
  return true;
}

// Whether a voter's certificate principal may take part in the quorum: Kafka's rule for
// controllers, ClusterAction on the cluster (super users included); any trusted certificate
// when there is no authorizer.
bool voter_allowed(const auth::authorizer* acls, const std::string& principal) {
  return !acls || acls->authorize(principal, auth::operation::cluster_action, auth::resource_type::cluster,
                                  auth::cluster_name);
}

// The TLS configuration of an SSL or PSK listener, loaded once and shared by its connections.
// Returns false (after logging which key's file is wrong and why) when it cannot be loaded.
bool load_listener_tls(const app::server_config& c, const app::listener& l,
                       std::shared_ptr<const tls::server_config>& out) {
  out = nullptr;
  const auto protocol = app::security_protocol_of(c, l.name);  // validate() checked it
  if (protocol == "PLAINTEXT" || protocol == "SASL_PLAINTEXT") return true;
  tls::server_options o = ssl_server_options(c);
  o.psk = protocol == "PSK";
  o.psk_identities_file = c.psk_identities_location;
  tls::load_error error;
  auto config = tls::server_config::load(o, error);
  if (!config) {
    log::error("listener ", l.name, "://", l.host, ":", l.port, ": ", error.message());
    return false;
  }
  std::string suites;
  for (const auto& name : config->cipher_suite_names()) suites += (suites.empty() ? "" : ",") + name;
  log::info("listener ", l.name, ": TLS 1.2, ", o.psk ? "PSK identities" : "certificate",
            o.psk ? "" : ", ssl.client.auth=" + c.ssl_client_auth,
            ", AES instructions ", tls::aes_is_accelerated() ? "used" : "not used", ", suites ", suites);
  out = std::move(config);
  return true;
}

}  // namespace

int run_serve(int argc, char** argv) {
  app::server_config config;
  if (int rc = parse_serve_args(argc, argv, config)) return rc < 0 ? 0 : rc;
  log::level level{};
  log::parse_level(config.log_level, level);
  log::set_level(level);

  std::unique_ptr<auth::authorizer> authorizer;
  if (!load_authorizer(config, authorizer)) return 1;
  if (config.clustered() && !config.role_broker) {
    auth::authorizer* acls = authorizer.get();
    return run_witness(config, [acls](const std::string& principal) { return voter_allowed(acls, principal); });
  }
  if (config.clustered() && !check_metadata_dir(config)) return 1;

  std::unique_ptr<storage::log_store> store;
  if (auto ec = storage::log_store::open(store_options_from(config), store)) {
    log::error("cannot open the store in '", config.log_dirs, "': ", ec.message());
    return 1;
  }
  report_store(*store, config);

  asio::io_context io(1);
  kafka::broker hub(io, config, *store, std::move(authorizer));
  if (!load_sasl_users(config, hub)) return 1;
  // Cluster mode: the quorum voter, the controller and this broker's replicas.
  std::unique_ptr<cluster::cluster_node> node;
  std::unique_ptr<replication::replica_manager> replicas;
  if (config.clustered()) {
    auto node_options = cluster_options_from(config, store->cluster_id());
    auto replica_options = replica_options_from(config);
    auto authorize_peer = [&hub](const std::string& principal) { return voter_allowed(hub.authorizer(), principal); };
    if (!load_cluster_tls(config, authorize_peer, node_options, &replica_options)) return 1;
    node = std::make_unique<cluster::cluster_node>(io, std::move(node_options));
    replicas = std::make_unique<replication::replica_manager>(io, *store, *node, std::move(replica_options));
    // A follower's Fetch moves the high watermark from inside a Fetch's own evaluation: the
    // waiting Fetches are retried on a later turn, never re-entered.
    replicas->set_high_watermark_listener([&hub] { hub.retry_waiters_soon(); });
    hub.set_cluster(node.get(), replicas.get());
  }
  // The Kafka listeners (a controller listener belongs to the quorum).
  std::vector<app::listener> kafka_listeners;
  for (const auto& l : config.listeners)
    if (!app::is_controller_listener(config, l.name)) kafka_listeners.push_back(l);
  net::server_limits limits;
  limits.max_frame_bytes = static_cast<std::size_t>(config.socket_request_max_bytes);
  limits.request_budget_bytes = static_cast<std::size_t>(config.queued_max_request_bytes);
  limits.max_inflight = static_cast<std::size_t>(config.max_inflight_requests_per_connection);
  limits.max_connections = static_cast<std::size_t>(config.max_connections);
  limits.idle_timeout_ms = config.connections_max_idle_ms;
  limits.handshake_timeout_ms = config.ssl_handshake_timeout_ms;
  limits.max_concurrent_handshakes = static_cast<std::size_t>(config.max_concurrent_handshakes);
  net::server server(io, limits, [&hub](const net::connection_info& c, net::request_frame f, net::respond_fn r) {
    hub.on_frame(c, std::move(f), std::move(r));
  });

  // Every listener's TLS files are read before any port opens: a bad file stops start-up.
  std::vector<std::shared_ptr<const tls::server_config>> listener_tls(kafka_listeners.size());
  for (std::size_t i = 0; i < kafka_listeners.size(); ++i)
    if (!load_listener_tls(config, kafka_listeners[i], listener_tls[i])) return 1;

  std::vector<kafka::advertised_endpoint> advertised;
  for (std::size_t i = 0; i < kafka_listeners.size(); ++i) {
    const auto& l = kafka_listeners[i];
    std::uint16_t bound = 0;
    if (auto ec = server.listen(l.name, l.host, l.port, bound, listener_tls[i],
                                kafka::is_sasl_listener(l.name))) {
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
  if (node) {
    std::vector<cluster::endpoint> endpoints;
    for (const auto& ep : advertised) endpoints.push_back({ep.listener, ep.host, ep.port});
    node->set_endpoints(std::move(endpoints));
    if (!start_cluster_node(*node, config)) return 1;
    replicas->start();
  }
  hub.set_advertised(std::move(advertised));

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code ec, int signo) {
    if (ec) return;
    auto stop = [&] {
      server.stop();
      io.stop();
    };
    if (!node || !config.controlled_shutdown_enable || signo != SIGTERM) {
      log::info("signal ", signo, " received; shutting down");
      return stop();
    }
    // Controlled shutdown (Kafka's): leaderships move to other ISR members first, so clients
    // switch over at once instead of waiting for this broker's session to lapse.
    log::info("signal ", signo, " received; moving this broker's leaderships away, then shutting down");
    node->controlled_shutdown(std::chrono::seconds(5), [&, stop](bool moved) {
      if (!moved) log::warn("controlled shutdown: some partitions are still led here; stopping anyway");
      if (!node->metadata_quorum().is_leader()) return stop();
      // This node leads the metadata quorum: the other voters learn that the leadership moves
      // are committed only from its next heartbeats. Give them a few before leaving.
      auto linger = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(
                                                             3 * std::max<std::int64_t>(10, config.controller_quorum_election_timeout_ms / 10)));
      linger->async_wait([linger, stop](std::error_code) { stop(); });
    });
  });
  // Forwarding links (each on threads of its own; the loop never waits on an upstream). In a
  // cluster they run on the controller, their checkpoints in the metadata log.
  std::unique_ptr<forward::cluster_links> cluster_links;
  if (node) cluster_links = std::make_unique<forward::cluster_links>(io, *store, *node);
  forward::link_manager link_links(*store, config.log_dirs + "/forward-status.json");
  if (cluster_links) {
    link_links.set_cluster(cluster_links.get());
    cluster_links->on_controller_change([&link_links](bool is_controller) { link_links.set_active(is_controller); });
    cluster_links->start();
    link_links.set_active(cluster_links->is_controller() || node->is_controller());
  }
  auto start_links = [&](const app::server_config& c) {
    std::vector<forward::link_config> links;
    std::string error;
    if (!forward::parse_links(c.link_settings, links, error)) {
      log::error("forwarding links: ", error, "; keeping the links as they were");
      return;
    }
    link_links.apply(std::move(links), c.link_settings);
  };
  start_links(config);
  asio::signal_set hangup(io, SIGHUP);  // re-reads the ACL file
  // SIGHUP also re-reads each TLS listener's certificate, key, CA, CRL and PSK files: new
  // connections use them, established ones keep theirs; a broken file keeps the old config.
  reload_acls_on_signal(hangup, hub, [&, argc, argv] {
    // The configuration file and flags again, for the forwarding links (a fixed password file
    // path, a new topic pattern, a link added or removed).
    app::server_config reread;
    if (parse_serve_args(argc, argv, reread) == 0) start_links(reread);
    for (std::size_t i = 0; i < kafka_listeners.size(); ++i) {
      if (!listener_tls[i]) continue;
      std::shared_ptr<const tls::server_config> fresh;
      if (!load_listener_tls(config, kafka_listeners[i], fresh) || !fresh) {
        log::error("listener ", kafka_listeners[i].name, ": TLS reload failed, keeping the old configuration");
        continue;
      }
      listener_tls[i] = fresh;
      server.set_tls(i, std::move(fresh));
    }
  });
  std::signal(SIGPIPE, SIG_IGN);
  io.run();
  server.stop();
  link_links.stop();
  if (cluster_links) cluster_links->stop();
  if (replicas) replicas->stop();
  if (node) node->stop();
  hub.set_cluster(nullptr, nullptr);
  if (auto stats = store->get_stats(); stats.compaction_passes > 0)
    log::info("compaction: ", stats.compaction_passes, " passes read ", stats.compaction_bytes_read,
              " batch bytes and ", stats.compaction_index_reads, " index entries, removed ",
              stats.compacted_records, " records");
  log::info("stopped; syncing the store");
  return 0;
}

}  // namespace tern::cli
