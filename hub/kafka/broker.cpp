#include "kafka/broker.h"

#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "replication/replica_manager.h"

namespace tern::kafka {

std::uint64_t fetch_waiters::add(retry_fn retry) {
  auto id = _next_id++;
  _waiters.emplace(id, std::move(retry));
  return id;
}

void fetch_waiters::remove(std::uint64_t id) { _waiters.erase(id); }

void fetch_waiters::retry_all() {
  // A retry may answer and remove itself (or others); walk a snapshot of the ids.
  std::vector<std::uint64_t> ids;
  ids.reserve(_waiters.size());
  for (auto& [id, _] : _waiters) ids.push_back(id);
  for (auto id : ids) {
    auto it = _waiters.find(id);
    if (it == _waiters.end()) continue;
    auto retry = it->second;  // copy: the call may erase the entry
    if (retry()) _waiters.erase(id);
  }
}

namespace {
groups::coordinator_options coordinator_options_from(const app::server_config& c) {
  groups::coordinator_options o;
  o.node_id = c.node_id;
  o.group_initial_rebalance_delay_ms = c.group_initial_rebalance_delay_ms;
  o.group_min_session_timeout_ms = c.group_min_session_timeout_ms;
  o.group_max_session_timeout_ms = c.group_max_session_timeout_ms;
  o.group_max_size = c.group_max_size;
  return o;
}
}  // namespace

broker::broker(asio::io_context& io, const app::server_config& config, storage::log_store& store,
               std::unique_ptr<auth::authorizer> authorizer, clock time)
    : _io(io), _clock(time), _config(config), _store(store),
      _groups(io, coordinator_options_from(config), time), _offsets_expiry(io, _clock),
      _authorizer(std::move(authorizer)) {
  schedule_offsets_expiry();
  _store.set_commit_listener([this, pending = _notify_pending](const std::vector<storage::log_id>& logs) {
    // In a cluster every commit matters to the replicas (leaders' log ends move the high
    // watermark); on a single node a burst of commits costs one wake-up pass.
    if (_config.clustered()) {  // immutable: safe to read on the writer thread
      asio::post(_io, [this, logs] {
        if (_replicas) _replicas->on_commit(logs);
        _waiters.retry_all();
      });
      return;
    }
    if (pending->exchange(true)) return;
    asio::post(_io, [this, pending] {
      pending->store(false);
      _waiters.retry_all();
    });
  });
}

void broker::retry_waiters_soon() {
  if (_notify_pending->exchange(true)) return;
  asio::post(_io, [this, pending = _notify_pending] {
    pending->store(false);
    _waiters.retry_all();
  });
}

bool broker::submit_credential_check(std::function<void()> job) {
  if (!_credential_worker) _credential_worker = std::make_unique<auth::credential_worker>();
  return _credential_worker->submit(std::move(job));
}

broker::~broker() {
  _credential_worker.reset();  // joins: no job runs once the broker goes
  _store.set_commit_listener({});
  shutdown();
}

void broker::shutdown() {
  _offsets_expiry.cancel();
  _groups.shutdown();
}

const advertised_endpoint* broker::endpoint_for(const std::string& listener) const {
  for (const auto& ep : _advertised)
    if (ep.listener == listener) return &ep;
  return _advertised.empty() ? nullptr : &_advertised.front();
}

void broker::schedule_offsets_expiry() {
  _offsets_expiry.arm(_config.offsets_retention_check_interval_ms, [this] {
    expire_offsets();
    schedule_offsets_expiry();
  });
}

void broker::set_cluster(cluster::cluster_node* node, replication::replica_manager* replicas) {
  if (_cluster && _cluster != node) _cluster->on_leadership_change(nullptr);
  _cluster = node;
  _replicas = replicas;
  if (node)
    node->on_leadership_change([this](bool is_leader) {
      if (!is_leader) _groups.release_all();
    });
}

void broker::note_group_active(const std::string& group) {
  _group_last_active_ms[group] = _clock.wall_ms();
}

// Kafka's offsets.retention.minutes (KIP-211; or our offsets.retention.ms): the committed offsets of a group without members
// go once both its newest commit and the moment it last had members are older than the
// retention. Groups with members keep theirs. (Last activity is kept in memory: after a restart
// the clock starts from the newest commit, which only ever keeps offsets longer.)
void broker::expire_offsets() {
  // In a cluster the coordinator (the controller) expires the replicated offsets for everyone.
  if (group_offsets::coordinator_check(*this) != error_code::none) return;
  std::vector<std::pair<std::string, std::int64_t>> groups;
  if (auto code = group_offsets::list(*this, groups); code != error_code::none) {
    log::warn("offsets expiry: cannot list groups: ", to_string(code));
    return;
  }
  auto now = _clock.wall_ms();
  std::int64_t horizon = now - _config.offsets_retention_ms;
  for (const auto& [group, newest] : groups) {
    if (!_groups.is_empty_or_unknown(group)) {
      _group_last_active_ms[group] = now;
      continue;
    }
    auto active = _group_last_active_ms.find(group);
    std::int64_t last = std::max(newest, active == _group_last_active_ms.end() ? newest : active->second);
    if (last >= horizon) continue;
    _group_last_active_ms.erase(group);
    // Through the writer queue (the io thread never waits for it); the outcome is only logged.
    group_offsets::delete_group(*this, group, [group](error_code code) {
      if (code != error_code::none)
        log::warn("offsets expiry of group '", group, "' failed: ", to_string(code));
      else
        log::info("expired the committed offsets of empty group '", group, "'");
    });
  }
}

bool broker::authorize(const net::connection_info& conn, auth::operation op, auth::resource_type type,
                       std::string_view name) {
  if (!_authorizer || _authorizer->authorize(conn.principal, op, type, name)) return true;
  log_denial(conn, op, type, name);
  return false;
}

bool broker::authorize_any(const net::connection_info& conn, auth::operation op,
                           auth::resource_type type) {
  if (!_authorizer || _authorizer->authorize_any(conn.principal, op, type)) return true;
  log_denial(conn, op, type, "(any)");
  return false;
}

bool broker::reload_acls(std::string& error) {
  if (!_authorizer) return true;
  if (!_authorizer->reload(error)) return false;
  _denials_logged_ms.clear();
  log::info("reloaded ", _authorizer->rules().size(), " ACL rules from '", _authorizer->path(), "'");
  return true;
}

// A client retrying a refused request must not flood the log: one line per (principal,
// operation, resource) per minute. The map is bounded; past the bound old entries go first.
void broker::log_denial(const net::connection_info& conn, auth::operation op,
                        auth::resource_type type, std::string_view name) {
  constexpr std::int64_t interval_ms = 60000;
  constexpr std::size_t entries_max = 4096;
  std::string key = conn.principal + ' ' + std::string(auth::to_string(op)) + ' ' +
                    std::string(auth::to_string(type)) + ':' + std::string(name);
  auto now = _clock.wall_ms();
  auto it = _denials_logged_ms.find(key);
  if (it != _denials_logged_ms.end() && now - it->second < interval_ms) return;
  if (it == _denials_logged_ms.end() && _denials_logged_ms.size() >= entries_max) {
    std::erase_if(_denials_logged_ms, [&](const auto& e) { return now - e.second >= interval_ms; });
    if (_denials_logged_ms.size() >= entries_max) _denials_logged_ms.clear();
  }
  _denials_logged_ms[key] = now;
  log::warn("authorization denied: principal ", conn.principal, " operation ", auth::to_string(op),
            " on ", auth::to_string(type), ":", name, " from ", conn.peer, " (", conn.listener, ")");
}

void request_context::send(std::shared_ptr<wire::wire_writer> w,
                           std::shared_ptr<const void> keepalive) const {
  net::outgoing_frame out;
  out.segments = w->segments();
  out.keepalive = std::make_shared<std::pair<std::shared_ptr<wire::wire_writer>, std::shared_ptr<const void>>>(
      std::move(w), std::move(keepalive));
  respond_raw(std::move(out));
}

void request_context::no_response() const {
  net::outgoing_frame out;
  out.send = false;
  respond_raw(std::move(out));
}

namespace {
using handler_fn = bool (*)(request_context&, wire::wire_reader&);

handler_fn handler_for(api_key key) {
  switch (key) {
    case api_key::api_versions: return handle_api_versions;
    case api_key::metadata: return handle_metadata;
    case api_key::produce: return handle_produce;
    case api_key::fetch: return handle_fetch;
    case api_key::list_offsets: return handle_list_offsets;
    case api_key::create_topics: return handle_create_topics;
    case api_key::delete_topics: return handle_delete_topics;
    case api_key::delete_records: return handle_delete_records;
    case api_key::create_partitions: return handle_create_partitions;
    case api_key::offset_delete: return handle_offset_delete;
    case api_key::describe_cluster: return handle_describe_cluster;
    case api_key::describe_log_dirs: return handle_describe_log_dirs;
    case api_key::describe_producers: return handle_describe_producers;
    case api_key::find_coordinator: return handle_find_coordinator;
    case api_key::join_group: return handle_join_group;
    case api_key::sync_group: return handle_sync_group;
    case api_key::heartbeat: return handle_heartbeat;
    case api_key::leave_group: return handle_leave_group;
    case api_key::offset_commit: return handle_offset_commit;
    case api_key::offset_fetch: return handle_offset_fetch;
    case api_key::list_groups: return handle_list_groups;
    case api_key::describe_groups: return handle_describe_groups;
    case api_key::init_producer_id: return handle_init_producer_id;
    case api_key::delete_groups: return handle_delete_groups;
    case api_key::describe_configs: return handle_describe_configs;
    case api_key::alter_configs: return handle_alter_configs;
    case api_key::incremental_alter_configs: return handle_incremental_alter_configs;
    case api_key::sasl_handshake: return handle_sasl_handshake;
    case api_key::offset_for_leader_epoch: return handle_offset_for_leader_epoch;
    case api_key::describe_quorum: return handle_describe_quorum;
    case api_key::sasl_authenticate: return handle_sasl_authenticate;
    default: return nullptr;
  }
}

void close_connection(const net::respond_fn& respond) {
  net::outgoing_frame out;
  out.send = false;
  out.close_after = true;
  respond(std::move(out));
}
}  // namespace

void broker::on_frame(const net::connection_info& conn, net::request_frame frame,
                      net::respond_fn respond) {
  std::int16_t key = 0, version = 0;
  std::int32_t correlation_id = 0;
  if (!peek_request_api(*frame, key, version, correlation_id)) {
    log::warn("connection ", conn.id, " from ", conn.peer, ": frame too short for a request header; closing");
    return close_connection(respond);
  }
  auto api = find_api(key);
  handler_fn handler = api ? handler_for(api->key) : nullptr;
  if (!handler) {
    log::warn("connection ", conn.id, " from ", conn.peer, ": unknown API key ", key, "; closing");
    return close_connection(respond);
  }
  if (!sasl_admits(conn, api->key)) {
    log::warn("connection ", conn.id, " from ", conn.peer, " on ", conn.listener, ": API ", key,
              " before SASL authentication; closing");
    return close_connection(respond);
  }
  request_context ctx{*this, conn, {}, frame, std::move(respond)};
  bool supported = version >= api->min_version && version <= api->max_version;
  if (!supported && api->key != api_key::api_versions) {
    log::warn("connection ", conn.id, " from ", conn.peer, ": API ", key, " version ", version,
              " is not supported; closing");
    return close_connection(ctx.respond_raw);
  }
  wire::wire_reader reader(*frame);
  // An unsupported ApiVersions request may use a header we cannot know: read the fixed part only.
  std::int16_t header_version = supported ? request_header_version(api->key, version) : 1;
  if (!ctx.header.decode(reader, header_version)) {
    log::warn("connection ", conn.id, " from ", conn.peer, ": malformed request header; closing");
    return close_connection(ctx.respond_raw);
  }
  if (!supported) return respond_unsupported_api_versions(ctx);
  if (!handler(ctx, reader)) {
    log::warn("connection ", conn.id, " from ", conn.peer, ": malformed API ", key, " v", version,
              " request; closing");
    return close_connection(ctx.respond_raw);
  }
}

}  // namespace tern::kafka
