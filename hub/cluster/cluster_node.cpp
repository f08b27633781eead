#include "cluster/cluster_node.h"

#include <algorithm>
#include <random>
#include <utility>

#include "app/log.h"
#include "cluster/errors.h"

namespace tern::cluster {
namespace {

uuid16 random_uuid() {
  std::random_device rd;
  std::mt19937_64 g(rd());
  uuid16 id{};
  for (auto& b : id) b = static_cast<std::uint8_t>(g());
  return id;
}

bool is_request(rpc::kind k) {
  switch (k) {
    case rpc::kind::heartbeat_request:
    case rpc::kind::create_topics_request:
    case rpc::kind::delete_topics_request:
    case rpc::kind::alter_configs_request:
    case rpc::kind::alter_partition_request:
      return true;
    default:
      return false;
  }
}

// A delta of nothing but committed group offsets: frequent (every consumer's commits), and of
// no interest to the image listener (the replica manager reconciles every topic on a call).
bool only_group_offsets(const image_delta& delta) {
  if (delta.groups_changed.empty()) return false;
  image_delta rest = delta;
  rest.groups_changed.clear();
  return rest.empty();
}

}  // namespace

cluster_node::cluster_node(asio::io_context& io, cluster_node_options options)
    : _io(io), _options(std::move(options)), _incarnation(random_uuid()), _heartbeat(io), _shutdown_poll(io) {
  _quorum = std::make_unique<quorum>(io, _options.quorum, _image);
  controller_options c;
  c.self = _options.quorum.node_id;
  c.session_timeout_ms = _options.session_timeout_ms;
  c.unclean_default = _options.unclean_default;
  c.auto_leader_rebalance = _options.auto_leader_rebalance;
  c.rebalance_interval_ms = _options.rebalance_interval_ms;
  _controller = std::make_unique<controller>(io, *_quorum, _image, c);
  _image.on_change([this](const image_delta& delta) {
    // Commits of group offsets change nothing the replica manager or the links look at.
    if (only_group_offsets(delta)) return;
    if (_image_listener) _image_listener(delta);
    if (_links_listener) _links_listener(delta);
  });
  _quorum->set_leader_listener([this](bool is_leader, std::int32_t) {
    bool was = _controller->active();
    _controller->on_leadership(is_leader);
    if (_controller_listener && was != _controller->active()) _controller_listener(_controller->active());
    if (_leadership_listener) _leadership_listener(is_leader);
  });
  _quorum->set_message_handler([this](std::int32_t from, std::span<const std::uint8_t> bytes) {
    on_message(from, bytes);
  });
}

cluster_node::~cluster_node() {
  stop();
  *_alive = false;
}

cluster_node::group_coordination cluster_node::group_role() const {
  if (_stopped || !_controller->active() || !_quorum->is_leader())
    return group_coordination::elsewhere;
  return _controller->caught_up() ? group_coordination::here_ready
                                  : group_coordination::here_loading;
}

void cluster_node::propose_group_offsets(const group_offsets_record& record,
                                         std::function<void(std::error_code)> done) {
  _controller->propose_group_offsets(record, std::move(done));
}

std::error_code cluster_node::start() {
  if (auto ec = _quorum->start()) return ec;
  _stopped = false;
  _controller->start();
  if (_options.role_broker) schedule_heartbeat();
  return {};
}

void cluster_node::stop() {
  if (_stopped) return;
  _stopped = true;
  _heartbeat.cancel();
  _controller->stop();
  auto pending = std::move(_pending);
  _pending.clear();
  for (auto& [id, call] : pending) call.done(cluster_errc::shutting_down, rpc::envelope{});
  _quorum->stop();
}

void cluster_node::set_endpoints(std::vector<endpoint> endpoints) { _endpoints = std::move(endpoints); }

bool cluster_node::may_lead() const {
  if (_fenced || _broker_epoch < 0 || _stopped) return false;
  return clock::now() - _lease_start < std::chrono::milliseconds(_options.session_timeout_ms);
}

void cluster_node::schedule_heartbeat() {
  if (_stopped) return;
  _heartbeat.expires_after(std::chrono::milliseconds(_options.heartbeat_interval_ms));
  _heartbeat.async_wait([this, alive = _alive](std::error_code ec) {
    if (ec || !*alive || _stopped) return;
    send_heartbeat();
    schedule_heartbeat();
  });
}

void cluster_node::send_heartbeat() {
  // A heartbeat lost with a dead controller must not hold the next one back until the request
  // timeout (5 s, longer than a session: every broker would be fenced): after an interval, resend.
  if (_endpoints.empty() ||
      (_heartbeat_in_flight &&
       clock::now() - _heartbeat_sent < std::chrono::milliseconds(_options.heartbeat_interval_ms)))
    return;
  rpc::heartbeat_request req;
  req.node_id = self();
  req.incarnation_id = _incarnation;
  req.data_dir_id = _options.dir_id;
  req.role_broker = _options.role_broker;
  req.endpoints = _endpoints;
  req.want_shutdown = _want_shutdown;
  auto sent = clock::now();
  _heartbeat_in_flight = true;
  _heartbeat_sent = sent;
  call([req](std::uint64_t id) { return rpc::encode(id, req); },
       [this, sent](std::error_code ec, const rpc::envelope& env) {
         _heartbeat_in_flight = false;
         if (ec) return;  // no controller reachable: the lease runs out by itself
         const auto& resp = env.heartbeat_resp;
         if (resp.error != 0) return;
         bool was_leading = may_lead();
         _broker_epoch = resp.broker_epoch;
         _fenced = resp.fenced || resp.broker_epoch < 0;
         if (!_fenced) _lease_start = std::max(_lease_start, sent);
         if (was_leading != may_lead())
           log::info("broker ", self(), (may_lead() ? " is registered and unfenced (epoch " : " is fenced (epoch "),
                     _broker_epoch, ")");
         if (_want_shutdown && resp.shutdown_ready) _want_shutdown = false;
       });
}

void cluster_node::call(const std::function<std::vector<std::uint8_t>(std::uint64_t)>& encode,
                        std::function<void(std::error_code, const rpc::envelope&)> done) {
  if (_stopped) return done(cluster_errc::shutting_down, rpc::envelope{});
  auto leader = _quorum->leader_id();
  if (leader < 0) return done(cluster_errc::no_quorum, rpc::envelope{});
  auto id = _next_correlation++;
  auto& call = _pending[id];
  call.done = std::move(done);
  call.timer = std::make_unique<asio::steady_timer>(_io);
  call.timer->expires_after(std::chrono::milliseconds(_options.request_timeout_ms));
  call.timer->async_wait([this, id, alive = _alive](std::error_code ec) {
    if (ec || !*alive) return;
    complete(id, cluster_errc::no_quorum, rpc::envelope{});
  });
  auto bytes = encode(id);
  if (leader != self()) return _quorum->send_message(leader, std::move(bytes));
  // This node is the controller: hand the request over directly, on a later turn of the loop
  // so that the caller never sees its callback run inside the call.
  asio::post(_io, [this, bytes = std::move(bytes), alive = _alive] {
    if (!*alive || _stopped) return;
    on_message(self(), bytes);
  });
}

void cluster_node::complete(std::uint64_t id, std::error_code ec, const rpc::envelope& response) {
  auto it = _pending.find(id);
  if (it == _pending.end()) return;
  auto done = std::move(it->second.done);
  it->second.timer->cancel();
  _pending.erase(it);
  done(ec, response);
}

void cluster_node::on_message(node_id from, std::span<const std::uint8_t> bytes) {
  rpc::envelope env;
  if (!rpc::decode(bytes, env)) {
    log::warn("cluster: undecodable controller message from node ", from, " (", bytes.size(), " bytes)");
    return;
  }
  if (!is_request(env.type)) return complete(env.correlation_id, {}, env);
  _controller->handle(from, env, [this, from, alive = _alive](std::vector<std::uint8_t> reply) {
    if (!*alive || _stopped) return;
    if (from != self()) return _quorum->send_message(from, std::move(reply));
    asio::post(_io, [this, reply = std::move(reply), alive] {
      if (!*alive || _stopped) return;
      on_message(self(), reply);
    });
  });
}

namespace {
// Completes a typed forwarded call from the envelope.
template <typename Response>
std::function<void(std::error_code, const rpc::envelope&)> typed(
    std::function<void(std::error_code, const Response&)> done, Response rpc::envelope::*member) {
  return [done = std::move(done), member](std::error_code ec, const rpc::envelope& env) {
    done(ec, env.*member);
  };
}
}  // namespace

void cluster_node::create_topics(const rpc::create_topics_request& req,
                                 done_fn<rpc::create_topics_response> done) {
  call([req](std::uint64_t id) { return rpc::encode(id, req); },
       typed(std::move(done), &rpc::envelope::create_resp));
}

void cluster_node::delete_topics(const rpc::delete_topics_request& req,
                                 done_fn<rpc::delete_topics_response> done) {
  call([req](std::uint64_t id) { return rpc::encode(id, req); },
       typed(std::move(done), &rpc::envelope::delete_resp));
}

void cluster_node::alter_configs(const rpc::alter_configs_request& req,
                                 done_fn<rpc::alter_configs_response> done) {
  call([req](std::uint64_t id) { return rpc::encode(id, req); },
       typed(std::move(done), &rpc::envelope::alter_configs_resp));
}

void cluster_node::alter_partition(const rpc::alter_partition_request& req,
                                   done_fn<rpc::alter_partition_response> done) {
  call([req](std::uint64_t id) { return rpc::encode(id, req); },
       typed(std::move(done), &rpc::envelope::alter_partition_resp));
}

void cluster_node::controlled_shutdown(std::chrono::milliseconds max_wait,
                                       std::function<void(bool)> done) {
  if (!_options.role_broker || _stopped || _broker_epoch < 0) return done(true);
  _want_shutdown = true;
  _shutdown_deadline = clock::now() + max_wait;
  _shutdown_done = std::move(done);
  poll_shutdown();
}

// Heartbeats (with want_shutdown) every 50 ms until the controller reports no leadership left
// here (send_heartbeat clears _want_shutdown) or the deadline passes.
void cluster_node::poll_shutdown() {
  if (!_shutdown_done) return;
  if (!_want_shutdown || _stopped || clock::now() >= _shutdown_deadline) {
    auto done = std::exchange(_shutdown_done, {});
    return done(!_want_shutdown);
  }
  send_heartbeat();
  _shutdown_poll.expires_after(std::chrono::milliseconds(50));
  _shutdown_poll.async_wait([this, alive = _alive](std::error_code ec) {
    if (!ec && *alive) poll_shutdown();
  });
}

}  // namespace tern::cluster
