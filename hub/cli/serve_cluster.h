#pragma once
// `tern serve` in a cluster (controller.quorum.voters set): the pieces run_serve adds to a
// single-node hub, and the witness (process.roles=controller), which runs only the quorum.
//
// Errors: functions returning bool log the cause (naming the key or the directory) and return
// false; the caller exits with status 1.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "app/config.h"
#include "cluster/cluster_node.h"
#include "replication/replica_manager.h"
#include "tls/tls.h"

namespace tern::cli {

// A name for the voter set, the same on every node: a data dir made for another cluster (other
// voters) is refused with it, and the quorum's peers check it on every connection.
std::string quorum_id_of(const app::server_config& config);

// Makes sure the metadata log directory belongs to this cluster: creates it with a quorum.id file
// on first start, refuses to start when the file names another voter set.
bool check_metadata_dir(const app::server_config& config);

// The node's options from the configuration. `dir_identity` is a string unique to the data dir
// (the store's id); a broker whose data dir was replaced registers with another dir id.
cluster::cluster_node_options cluster_options_from(const app::server_config& config,
                                                   const std::string& dir_identity);
replication::replica_manager_options replica_options_from(const app::server_config& config);

// The certificate side of a TLS listener from ssl.* (certificate, key, CA, CRL, suites), with
// ssl.client.auth; the caller adjusts what differs (PSK, the controller's required certificates).
tls::server_options ssl_server_options(const app::server_config& config);

// Decides whether a voter's certificate principal may take part in the quorum.
using peer_authorizer = std::function<bool(const std::string& principal)>;

// TLS between the nodes, from ssl.*: the quorum's when the controller listener is SSL (mutual
// TLS, the node's certificate on both sides, `authorize_peer` on each accepted voter), and the
// follower fetchers' when the inter-broker listener is SSL (the node's certificate as client
// certificate, the leader's chain checked against ssl.ca.location). `fetchers` may be null (the
// witness). Logs the key at fault and returns false when a file cannot be loaded; logs a warning
// when the quorum is plaintext.
bool load_cluster_tls(const app::server_config& config, peer_authorizer authorize_peer,
                      cluster::cluster_node_options& node, replication::replica_manager_options* fetchers);

// Starts the quorum and logs "quorum listening on CONTROLLER://host:port".
bool start_cluster_node(cluster::cluster_node& node, const app::server_config& config);

// The witness: a voter that stores no partitions. Runs until SIGINT/SIGTERM; returns the exit code.
// `authorize_peer` as for load_cluster_tls.
int run_witness(const app::server_config& config, peer_authorizer authorize_peer);

}  // namespace tern::cli
