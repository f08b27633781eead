#pragma once
// The Kafka front of the hub: turns request frames from net/ into calls on storage/ and encodes
// the answers. This is the only layer where errors become Kafka error codes.
//
// Threads: every method runs on the io_context thread. Storage completions arrive on the
// storage writer thread and are posted back here.
//
// Lifetimes: the broker must outlive the net::server that calls on_frame and the log_store's
// commit listener (the owner stops the server, then destroys the broker, then the store).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "app/config.h"
#include "auth/authorizer.h"
#include "auth/credential_worker.h"
#include "auth/login_limiter.h"
#include "auth/password_file.h"
#include "cluster/cluster_node.h"
#include "groups/coordinator.h"
#include "kafka/producer_epochs.h"
#include "net/server.h"
#include "storage/log_store.h"
#include "tern/common/clock.h"

namespace tern::replication {
class replica_manager;
}

namespace tern::kafka {

struct advertised_endpoint {
  std::string listener;
  std::string host;
  std::uint16_t port = 0;
};

// Fetch requests waiting for data (min_bytes not reached yet). Each waiter is retried when any
// log gets new data, and answered at the latest when its timer fires.
class fetch_waiters {
 public:
  using retry_fn = std::function<bool()>;  // returns true when it has answered
  std::uint64_t add(retry_fn retry);
  void remove(std::uint64_t id);
  void retry_all();
  std::size_t size() const { return _waiters.size(); }

 private:
  std::map<std::uint64_t, retry_fn> _waiters;
  std::uint64_t _next_id = 1;
};

// Whether a listener (named by its security protocol) requires SASL: SASL_SSL, SASL_PLAINTEXT.
bool is_sasl_listener(std::string_view listener);

class broker {
 public:
  // `authorizer` null = no ACLs: every request is allowed (a hub without authorizer.acl.file).
  // `time`: every time the Kafka layer and its group coordinator read or wait on (offsets
  // expiry, group sessions, timestamps it reports); a manual clock's context must outlive the
  // broker.
  broker(asio::io_context& io, const app::server_config& config, storage::log_store& store,
         std::unique_ptr<auth::authorizer> authorizer = nullptr, clock time = clock::system());
  ~broker();
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  // The endpoints clients are told to use, one per listener (set once the ports are bound).
  void set_advertised(std::vector<advertised_endpoint> endpoints) { _advertised = std::move(endpoints); }

  // net::frame_handler entry point.
  void on_frame(const net::connection_info& conn, net::request_frame frame, net::respond_fn respond);

  asio::io_context& io() { return _io; }
  const clock& time() const { return _clock; }
  const app::server_config& config() const { return _config; }
  storage::log_store& store() { return _store; }
  fetch_waiters& waiters() { return _waiters; }
  // Retries every waiting Fetch on a later turn of the loop (coalesced: many calls before it
  // runs cost one pass). Safe to call from inside a Fetch's own retry, unlike retry_all().
  void retry_waiters_soon();
  groups::coordinator& groups() { return _groups; }
  // Idempotent producers' current epochs, for InitProducerId's KIP-360 bumps.
  producer_epochs& producer_epochs_table() { return _producer_epochs; }
  const std::vector<advertised_endpoint>& advertised() const { return _advertised; }
  std::int32_t node_id() const { return _config.node_id; }
  // The advertised endpoint for the listener a connection came in on (first one if none match).
  const advertised_endpoint* endpoint_for(const std::string& listener) const;
  // Stops timers and answers waiting group requests (before the io_context stops).
  void shutdown();
  // Records that a group had a live member now (join, sync, heartbeat, commit): its offsets'
  // retention counts from when it last had members (KIP-211), not from its last commit.
  void note_group_active(const std::string& group);

  // Authorization: whether the connection's principal may perform `op` on the resource. Always
  // true without an authorizer. A denial is logged with the principal, at most once a minute per
  // (principal, operation, resource).
  bool authorize(const net::connection_info& conn, auth::operation op, auth::resource_type type,
                 std::string_view name);
  // Whether the principal may perform `op` on some resource of `type` (InitProducerId: Write on
  // any topic). Logged as authorize() is.
  bool authorize_any(const net::connection_info& conn, auth::operation op, auth::resource_type type);
  // As authorize(), without logging a denial: for filtering lists (Metadata of all topics,
  // ListGroups) and for a first check that has a fallback.
  bool permits(const net::connection_info& conn, auth::operation op, auth::resource_type type,
               std::string_view name) const {
    return !_authorizer || _authorizer->authorize(conn.principal, op, type, name);
  }
  // Re-reads the ACL file (e.g. on SIGHUP). Without an authorizer there is nothing to reload and
  // it returns true. On error the old rules stay and `error` names the file and line.
  bool reload_acls(std::string& error);
  const auth::authorizer* authorizer() const { return _authorizer.get(); }

  // Cluster mode (controller.quorum.voters set): the node (metadata image, controller client) and
  // this broker's replicas. Both null on a single-node hub; set once before the first request.
  // The broker's groups follow the controller's leadership (kafka/group_offsets.h): when this
  // node stops leading, its groups are forgotten and their members find the new coordinator.
  void set_cluster(cluster::cluster_node* node, replication::replica_manager* replicas);
  cluster::cluster_node* cluster() { return _cluster; }
  replication::replica_manager* replicas() { return _replicas; }

  // SASL credentials (PLAIN hashes, SCRAM keys) for SASL_* listeners (null: every
  // SaslAuthenticate fails). Immutable once set; shared with credential worker jobs.
  void set_sasl_users(std::shared_ptr<const auth::password_file> users) { _sasl_users = std::move(users); }
  const auth::password_file* sasl_users() const { return _sasl_users.get(); }
  std::shared_ptr<const auth::password_file> sasl_users_shared() const { return _sasl_users; }
  // Failed-login rate limit (per user and per client address), on the io thread.
  auth::login_limiter& login_limiter() { return _login_limiter; }
  // Runs `job` (password hashing) on the credential worker thread, started on first use; the job
  // posts its result back to io(). false when the worker's queue is full (job not run).
  bool submit_credential_check(std::function<void()> job);

 private:
  void schedule_offsets_expiry();
  void expire_offsets();
  void log_denial(const net::connection_info& conn, auth::operation op, auth::resource_type type,
                  std::string_view name);

 public:

 private:
  asio::io_context& _io;
  clock _clock;
  const app::server_config& _config;
  storage::log_store& _store;
  std::vector<advertised_endpoint> _advertised;
  fetch_waiters _waiters;
  groups::coordinator _groups;
  groups::deadline_timer _offsets_expiry;
  producer_epochs _producer_epochs;
  std::map<std::string, std::int64_t, std::less<>> _group_last_active_ms;
  std::unique_ptr<auth::authorizer> _authorizer;
  std::shared_ptr<const auth::password_file> _sasl_users;
  auth::login_limiter _login_limiter;
  // Declared after everything its jobs read; destroyed (joined) first by ~broker.
  std::unique_ptr<auth::credential_worker> _credential_worker;
  cluster::cluster_node* _cluster = nullptr;
  replication::replica_manager* _replicas = nullptr;
  // When each (principal, operation, resource) denial was last logged (bounded: see log_denial).
  std::map<std::string, std::int64_t, std::less<>> _denials_logged_ms;
  // Set while a "new data" notification is queued on the io thread, so a burst of commits
  // costs one wake-up pass, not one per commit.
  std::shared_ptr<std::atomic<bool>> _notify_pending = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace tern::kafka
