#pragma once
// Server configuration: Kafka-style keys, read from a .properties file and/or `--key value`
// flags (flags win). Every key has a default that gives the embedded single-node hub on
// 127.0.0.1:9092 with data in ./tern-data.
//
// Errors: parse functions return false and fill `error` with a message naming the key (and the
// file line) — an unknown key, a malformed value or a value out of range is a start-up error.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::app {

struct listener {
  std::string name;  // security protocol / listener name, e.g. PLAINTEXT
  std::string host;
  std::uint16_t port = 0;  // 0 = any free port (the actual one is advertised)
};

// One entry of controller.quorum.voters: "id@host:port".
struct quorum_voter_address {
  std::int32_t node_id = 0;
  std::string host;
  std::uint16_t port = 0;
};

struct server_config {
  std::int32_t node_id = 1;
  // ---- Cluster (KRaft's keys). Without controller.quorum.voters the hub is a single node, exactly
  // as before: no quorum, every partition led here. ----
  bool role_broker = true;       // process.roles contains broker (stores and serves partitions)
  bool role_controller = false;  // process.roles contains controller (votes in the quorum)
  std::vector<quorum_voter_address> controller_quorum_voters;
  std::string controller_listener_names = "CONTROLLER";
  // listener.security.protocol.map: listener name -> security protocol (PLAINTEXT, SSL, PSK,
  // SASL_SSL, SASL_PLAINTEXT). A listener not in the map uses its name as its protocol, except a
  // controller listener, which is PLAINTEXT unless mapped (to PLAINTEXT or SSL).
  std::map<std::string, std::string> listener_security_protocol_map;
  std::string inter_broker_listener_name;  // empty: the first Kafka listener
  // Liveness: shorter than Kafka's 2 s / 9 s, for failover in a few seconds on a LAN.
  std::int64_t broker_heartbeat_interval_ms = 500;
  std::int64_t broker_session_timeout_ms = 3000;
  std::int64_t controller_quorum_election_timeout_ms = 1000;
  std::int64_t replica_lag_time_max_ms = 10000;
  std::int32_t replica_fetch_wait_max_ms = 500;
  std::int32_t replica_fetch_max_bytes = 1 << 20;
  std::int32_t min_insync_replicas = 1;            // topic default for min.insync.replicas
  bool unclean_leader_election_enable = false;     // topic default
  bool auto_leader_rebalance_enable = true;
  std::int64_t leader_imbalance_check_interval_seconds = 30;
  bool controlled_shutdown_enable = true;
  std::string metadata_log_dir;  // empty: <log.dirs>/__cluster_metadata

  bool clustered() const { return !controller_quorum_voters.empty(); }
  // The quorum's own log: metadata.log.dir, or a folder inside the data dir.
  std::string effective_metadata_log_dir() const {
    return metadata_log_dir.empty() ? log_dirs + "/__cluster_metadata" : metadata_log_dir;
  }

  std::vector<listener> listeners{{"PLAINTEXT", "127.0.0.1", 9092}};
  std::vector<listener> advertised_listeners;  // empty = same as listeners
  std::string log_dirs = "./tern-data";
  std::int32_t num_partitions = 1;
  std::int32_t default_replication_factor = 1;
  bool auto_create_topics_enable = true;
  std::int32_t message_max_bytes = 1048588;            // largest record batch accepted
  std::int32_t socket_request_max_bytes = 104857600;   // largest request frame
  // Request bytes held at once over all connections (read, being handled, queued for storage).
  std::int32_t queued_max_request_bytes = 64 << 20;
  std::int64_t log_retention_ms = 7LL * 24 * 3600 * 1000;
  std::int64_t log_retention_bytes = -1;               // per partition; -1 = unlimited
  std::int64_t log_retention_check_interval_ms = 300000;
  // Topic defaults for compaction and the active tail (Kafka's broker keys).
  std::string log_cleanup_policy = "delete";
  std::int64_t log_cleaner_delete_retention_ms = 24 * 3600 * 1000LL;
  std::int64_t log_cleaner_min_compaction_lag_ms = 0;
  std::int64_t log_cleaner_backoff_ms = 15000;        // pause between compaction passes
  std::int64_t log_cleaner_dedupe_buffer_size = 16 << 20;  // key map of one pass
  bool log_cleaner_enable = true;
  // Smaller than Kafka's 1 GiB: a gateway's whole store may be 1 GiB, and the tail is what
  // compaction cannot touch.
  std::int64_t log_segment_bytes = 64 << 20;
  std::int64_t log_roll_ms = 7LL * 24 * 3600 * 1000;
  // Byte budget over all stored batches; -1 = half of lmdb.map.size (LMDB pages of interleaved
  // partitions can be half empty, so half the map is what surely fits).
  std::int64_t log_dirs_max_bytes = -1;
  std::string log_full_policy = "reject";  // topic default for full.policy
  // Topic defaults for the batch timestamps Produce stores (kafka/handle_produce.cpp):
  // CreateTime (maxTimestamp recomputed from the records) or LogAppendTime (the broker's time),
  // and how far a CreateTime may lie before/after the broker's time (Kafka 3.6+ keys; the
  // older difference.max.ms bounds both directions). INT64_MAX = no bound, as in Kafka.
  std::string log_message_timestamp_type = "CreateTime";
  std::int64_t log_message_timestamp_difference_max_ms = INT64_MAX;
  std::int64_t log_message_timestamp_before_max_ms = INT64_MAX;
  std::int64_t log_message_timestamp_after_max_ms = INT64_MAX;
  std::int64_t flush_messages = INT64_MAX;  // fsync after this many records (1 = every commit)
  std::int64_t flush_ms = 1000;             // fsync at least this often
  std::uint64_t lmdb_map_size = sizeof(void*) >= 8 ? (32ull << 30) : (1ull << 30);
  // Partitions the store can hold at once (each is two LMDB databases, sized at open): a
  // larger value costs a little on every transaction (storage/log_store.h).
  std::uint32_t lmdb_max_partitions = 4096;
  std::int32_t max_connections = 1000;
  std::int32_t max_inflight_requests_per_connection = 100;
  std::int64_t connections_max_idle_ms = 600000;
  std::int32_t fetch_max_wait_ms_cap = 30000;  // upper bound on a client's max_wait_ms
  // Consumer groups (Kafka's names and defaults).
  std::int32_t group_initial_rebalance_delay_ms = 3000;
  std::int32_t group_min_session_timeout_ms = 6000;
  std::int32_t group_max_session_timeout_ms = 1800000;
  std::int32_t group_max_size = 0;                      // 0 = unlimited
  // Committed offsets of empty groups: offsets.retention.minutes (Kafka), or .ms (ours, finer).
  std::int64_t offsets_retention_ms = std::int64_t{7} * 24 * 60 * 60000;
  std::int64_t offsets_retention_check_interval_ms = 600000;
  std::int32_t offset_metadata_max_bytes = 4096;
  // TLS listeners (SSL://, PSK://): files are read once at start-up (hub/tls/tls.h).
  std::string ssl_certificate_location;  // PEM chain, server certificate first
  std::string ssl_key_location;          // PEM private key
  std::string ssl_key_password;          // for an encrypted key
  std::string ssl_ca_location;           // PEM CA(s) that sign client certificates
  std::string ssl_client_auth = "none";  // required, requested or none
  std::string ssl_crl_location;          // CRL of the client certificates' CA
  std::string ssl_cipher_suites;         // comma separated; empty = tern's TLS 1.2 AEAD list
  std::string psk_identities_location;   // `identity:hexkey` lines
  // SASL_SSL:// and SASL_PLAINTEXT:// listeners: salted hashes and SCRAM keys
  // (hub/auth/password_file.h).
  std::string sasl_plain_users_location;
  // sasl.enabled.mechanisms (Kafka's name): what SaslHandshake offers, in this order. Checked
  // when parsed: each is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, none twice, at least one.
  std::vector<std::string> sasl_enabled_mechanisms = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
  std::int64_t ssl_handshake_timeout_ms = 10000;
  std::int32_t max_concurrent_handshakes = 100;
  std::string log_level = "info";
  // Authorization (hub/auth/acl.h for the file format). No file = no authorizer: everything is
  // allowed. Unset allow.everyone.if.no.acl.found = false when any listener is not PLAINTEXT
  // (authenticated), true otherwise (effective_allow_everyone_if_no_acl_found()).
  std::string authorizer_acl_file;
  std::optional<bool> allow_everyone_if_no_acl_found;
  std::string super_users;  // Kafka's "User:a;User:b"
  // Forwarding links: every forward.<link>.* and mirror.<link>.* key as given (hub/forward parses
  // and checks them: forward/link_config.h).
  std::map<std::string, std::string> link_settings;
  // Kafka broker settings Tern does not implement (app/kafka_broker_keys.h), as given: accepted
  // so a server.properties written for Kafka loads, shown by DescribeConfigs, otherwise unused.
  std::map<std::string, std::string> kafka_settings_not_acted_on;

  // True when allow.everyone.if.no.acl.found is set so, or unset and every Kafka listener is
  // PLAINTEXT (no identities to grant anything to).
  bool effective_allow_everyone_if_no_acl_found() const;

  // The listeners clients are told about (advertised ones, or the bound ones).
  const std::vector<listener>& effective_advertised() const {
    return advertised_listeners.empty() ? listeners : advertised_listeners;
  }
};

// Parses "1@host:port,2@host:port" (controller.quorum.voters).
bool parse_quorum_voters(std::string_view text, std::vector<quorum_voter_address>& out,
                         std::string& error);
// Checks the keys that only make sense together (roles, voters, listeners), once every key is set.
// Returns false with `error` naming the keys at fault.
bool validate(server_config& config, std::string& error);
// Whether a listener name is one of controller.listener.names (not a Kafka listener).
bool is_controller_listener(const server_config& config, std::string_view name);
// The security protocol of a listener (listener.security.protocol.map, see server_config).
std::string security_protocol_of(const server_config& config, std::string_view listener_name);

// Sets one key. `where` prefixes error messages (e.g. "server.properties:12").
bool apply_setting(server_config& config, std::string_view key, std::string_view value,
                   std::string_view where, std::string& error);
// Reads a .properties file (key=value, key: value or key value; # and ! comments; trailing
// backslash continues a line).
bool load_properties_file(server_config& config, const std::string& path, std::string& error);
// The same from a stream (tests, the config fuzz target); `where` names it in errors as a path.
bool load_properties(server_config& config, std::istream& in, const std::string& where, std::string& error);
// Parses "NAME://host:port[,NAME://host:port...]".
bool parse_listeners(std::string_view text, std::vector<listener>& out, std::string& error);
// Every key this build understands, for --help and error messages.
std::vector<std::string_view> known_keys();

}  // namespace tern::app
