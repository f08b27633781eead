#include "cluster/controller.h"

#include <algorithm>

#include "app/log.h"
#include "cluster/controller_rules.h"
#include "cluster/errors.h"
#include "cluster/quorum.h"
#include "tern/common/uuid.h"

namespace tern::cluster {
namespace {

std::int16_t code_of(std::error_code ec) { return ec ? static_cast<std::int16_t>(ec.value()) : 0; }

bool leads_any(const metadata_image& image, node_id node) {
  for (const auto& [name, t] : image.topics())
    for (const auto& p : t.partitions)
      if (p.leader == node) return true;
  return false;
}

// Kafka-style cluster id: 16 random bytes in Uuid's text form (so Kafka tools that parse it as a
// Uuid accept it), never starting with '-' (command lines would take it for an option).
std::string random_cluster_id(std::mt19937_64& random) {
  for (;;) {
    uuid id;
    for (auto& b : id) b = static_cast<std::uint8_t>(random());
    auto text = uuid_text(id);
    if (text[0] != '-') return text;
  }
}

// A reply that waits for several proposals (one per topic of a request): sent once the last
// one has finished. `pending` starts at 1 for the request itself, released by finish() after
// every proposal is under way, so a proposal that completes at once cannot send it early.
template <typename Response>
struct batched_reply {
  Response response;
  std::size_t pending = 1;
  controller::reply_fn reply;
  std::uint64_t id = 0;

  static std::shared_ptr<batched_reply> make(controller::reply_fn reply, std::uint64_t id) {
    auto st = std::make_shared<batched_reply>();
    st->reply = std::move(reply);
    st->id = id;
    return st;
  }
  void finish() {
    if (--pending == 0) reply(rpc::encode(id, response));
  }
};

}  // namespace

controller::controller(asio::io_context& io, quorum& q, metadata_image& image,
                       controller_options options)
    : _io(io), _quorum(q), _image(image), _options(options), _tick(io),
      _random(std::random_device{}()) {}

controller::~controller() {
  stop();
  *_alive = false;
}

void controller::start() {
  _stopped = false;
  schedule_tick();
}

void controller::stop() {
  _stopped = true;
  _active = false;
  _tick.cancel();
}

void controller::on_leadership(bool is_leader) {
  if (is_leader == _active) return;
  _active = is_leader;
  _caught_up = false;
  _sessions.clear();
  _in_flight.clear();
  if (!is_leader) return;
  _active_since = _last_rebalance = clock::now();
  log::info("controller: this node leads the metadata quorum (term ", _quorum.current_term(), ")");
  propose_barrier();
}

// The first entry of the term: the cluster id (a random one when this image has none yet — if
// an earlier leader set one, that one stays, as the first applied wins). It doubles as the
// barrier after which the image is current (caught_up()).
void controller::propose_barrier() {
  if (_barrier_in_flight || _caught_up || !_active) return;
  _barrier_in_flight = true;
  auto id = _image.cluster_id() ? *_image.cluster_id() : random_cluster_id(_random);
  record_list records{set_cluster_id_record{std::move(id)}};
  auto term = _quorum.current_term();
  propose(records, [this, term](std::error_code ec) {
    _barrier_in_flight = false;
    if (!ec && _active && _quorum.current_term() == term) {
      _caught_up = true;
      log::info("controller: the metadata image is current (term ", term, ")");
    } else if (ec && ec != cluster_errc::not_leader) {
      log::warn("controller: barrier proposal failed: ", ec.message());
    }
  });
}

void controller::propose_group_offsets(const group_offsets_record& record,
                                       std::function<void(std::error_code)> done) {
  if (!_active) {
    asio::post(_io, [done = std::move(done)] { done(cluster_errc::not_leader); });
    return;
  }
  record_list records{record};
  std::vector<std::uint8_t> entry;
  if (auto ec = encode_entry(records, entry)) {
    asio::post(_io, [done = std::move(done), ec] { done(ec); });
    return;
  }
  _quorum.propose(std::move(entry), [alive = _alive, done = std::move(done)](std::error_code ec) {
    if (*alive) done(ec);
  });
}

void controller::schedule_tick() {
  if (_stopped) return;
  _tick.expires_after(std::chrono::milliseconds(_options.tick_ms));
  _tick.async_wait([this, alive = _alive](std::error_code ec) {
    if (ec || !*alive || _stopped) return;
    tick();
    schedule_tick();
  });
}

// Fences brokers whose session lapsed, elects leaders where partitions have none, and now and
// then gives preferred replicas their leadership back.
void controller::tick() {
  if (!_active || !_quorum.is_leader()) return;
  propose_barrier();
  auto now = clock::now();
  auto timeout = std::chrono::milliseconds(_options.session_timeout_ms);
  for (const auto& [id, broker] : _image.brokers()) {
    if (broker.fenced) continue;
    auto it = _sessions.find(id);
    auto last = it == _sessions.end() ? _active_since : std::max(it->second.last_heartbeat, _active_since);
    if (now - last <= timeout) continue;
    record_list out;
    if (decide_fence_broker(_image, id, _options.unclean_default, out) || out.empty()) continue;
    log::warn("controller: broker ", id, " missed its session (", _options.session_timeout_ms,
              " ms); fencing it and moving its leaderships");
    propose_once("fence:" + std::to_string(id), out);
  }
  record_list elect;
  decide_elect_leaderless(_image, _options.unclean_default, elect);
  if (!elect.empty()) propose_once("elect-leaderless", elect);
  if (_options.auto_leader_rebalance &&
      now - _last_rebalance > std::chrono::milliseconds(_options.rebalance_interval_ms)) {
    _last_rebalance = now;
    record_list preferred;
    decide_preferred_leaders(_image, preferred);
    if (!preferred.empty()) {
      log::info("controller: restoring ", preferred.size(), " preferred leaders");
      propose_once("preferred-leaders", preferred);
    }
  }
}

void controller::handle(node_id from, const rpc::envelope& request, reply_fn reply) {
  auto id = request.correlation_id;
  switch (request.type) {
    case rpc::kind::heartbeat_request:
      if (request.heartbeat_req.node_id != from) {
        log::warn("controller: heartbeat for broker ", request.heartbeat_req.node_id, " from node ",
                  from, " ignored");
        return;
      }
      return handle_heartbeat(request.heartbeat_req, id, std::move(reply));
    case rpc::kind::create_topics_request: return handle_create(request.create_req, id, std::move(reply));
    case rpc::kind::delete_topics_request: return handle_delete(request.delete_req, id, std::move(reply));
    case rpc::kind::alter_configs_request:
      return handle_alter_configs(request.alter_configs_req, id, std::move(reply));
    case rpc::kind::alter_partition_request:
      if (request.alter_partition_req.leader_id != from) return;
      return handle_alter_partition(request.alter_partition_req, id, std::move(reply));
    default:
      log::warn("controller: unexpected message kind ", static_cast<int>(request.type), " from node ", from);
  }
}

void controller::handle_heartbeat(const rpc::heartbeat_request& req, std::uint64_t id, reply_fn reply) {
  rpc::heartbeat_response resp;
  if (!_active) {
    resp.error = code_of(cluster_errc::not_leader);
    return reply(rpc::encode(id, resp));
  }
  const auto* b = _image.broker(req.node_id);
  bool same = b && b->incarnation_id == req.incarnation_id && b->dir_id == req.data_dir_id &&
              b->endpoints == req.endpoints;
  if (!same) {
    broker_registration reg{req.node_id, req.incarnation_id, req.data_dir_id,
                            static_cast<std::uint8_t>(req.role_broker ? role_broker : role_controller),
                            req.endpoints};
    record_list out;
    if (auto ec = decide_register_broker(_image, reg, _options.unclean_default, out)) {
      resp.error = code_of(ec);
    } else {
      log::info("controller: registering broker ", req.node_id);
      propose_once("register:" + std::to_string(req.node_id), out);
    }
    return reply(rpc::encode(id, resp));
  }
  _sessions[req.node_id].last_heartbeat = clock::now();
  resp.broker_epoch = b->broker_epoch;
  resp.fenced = b->fenced;
  if (req.want_shutdown) {
    record_list out;
    if (!decide_controlled_shutdown(_image, req.node_id, out) && !out.empty())
      propose_once("shutdown:" + std::to_string(req.node_id), out);
    resp.shutdown_ready = b->in_controlled_shutdown && !leads_any(_image, req.node_id);
  } else if (b->fenced) {
    record_list out;
    if (!decide_unfence_broker(_image, req.node_id, _options.unclean_default, out) && !out.empty())
      propose_once("unfence:" + std::to_string(req.node_id), out);
  }
  reply(rpc::encode(id, resp));
}

void controller::handle_create(const rpc::create_topics_request& req, std::uint64_t id, reply_fn reply) {
  auto st = batched_reply<rpc::create_topics_response>::make(std::move(reply), id);
  for (std::size_t i = 0; i < req.topics.size(); ++i) {
    const auto& t = req.topics[i];
    st->response.results.push_back({t.name, 0, ""});
    if (!_active) {
      st->response.results[i].error = code_of(cluster_errc::not_leader);
      continue;
    }
    create_topic_request r{t.name, t.partitions, t.replication_factor, t.configs, std::nullopt};
    if (!t.assignments.empty()) r.assignment = t.assignments;
    placement_seed seed{static_cast<std::uint32_t>(_random()), static_cast<std::uint32_t>(_random())};
    auto topic_id = random_topic_id();
    record_list out;
    if (auto ec = decide_create_topic(_image, r, seed, topic_id, out)) {
      st->response.results[i].error = code_of(ec);
      st->response.results[i].message = ec.message();
      if (ec == cluster_errc::invalid_replication_factor)
        st->response.results[i].message = "replication factor " + std::to_string(t.replication_factor) +
                                          " is larger than the " + std::to_string(placeable_brokers(_image).size()) +
                                          " available broker(s)";
      continue;
    }
    if (req.validate_only) continue;
    ++st->pending;
    propose(out, [this, st, i, topic_id, name = t.name](std::error_code ec) {
      // Two creations of one name can both be decided; only the first applies.
      const auto* created = _image.topic(name);
      if (!ec && (!created || created->id != topic_id)) ec = cluster_errc::topic_exists;
      st->response.results[i].error = code_of(ec);
      if (ec) {
        st->response.results[i].message = ec.message();
      } else {
        st->response.results[i].topic_id = topic_id;
        log::info("controller: created topic '", name, "'");
      }
      st->finish();
    });
  }
  st->finish();
}

void controller::handle_delete(const rpc::delete_topics_request& req, std::uint64_t id, reply_fn reply) {
  auto st = batched_reply<rpc::delete_topics_response>::make(std::move(reply), id);
  for (std::size_t i = 0; i < req.names.size(); ++i) {
    st->response.results.push_back({req.names[i], 0, ""});
    record_list out;
    std::error_code ec = _active ? decide_delete_topic(_image, req.names[i], out)
                                 : std::error_code(cluster_errc::not_leader);
    if (ec) {
      st->response.results[i].error = code_of(ec);
      continue;
    }
    ++st->pending;
    propose(out, [st, i](std::error_code e) {
      st->response.results[i].error = code_of(e);
      st->finish();
    });
  }
  st->finish();
}

void controller::handle_alter_configs(const rpc::alter_configs_request& req, std::uint64_t id,
                                      reply_fn reply) {
  record_list out;
  std::error_code ec = _active ? decide_alter_topic_configs(_image, req.name, req.configs, out)
                               : std::error_code(cluster_errc::not_leader);
  if (ec) return reply(rpc::encode(id, rpc::alter_configs_response{code_of(ec), ec.message()}));
  propose(out, [id, reply](std::error_code e) {
    reply(rpc::encode(id, rpc::alter_configs_response{code_of(e), e ? e.message() : ""}));
  });
}

void controller::handle_alter_partition(const rpc::alter_partition_request& req, std::uint64_t id,
                                        reply_fn reply) {
  alter_partition_request r{req.leader_id, req.broker_epoch, req.topic_id, req.partition,
                            req.leader_epoch, req.partition_epoch, req.new_isr};
  record_list out;
  std::error_code ec = _active ? decide_alter_partition(_image, r, out)
                               : std::error_code(cluster_errc::not_leader);
  if (ec || out.empty()) return reply(rpc::encode(id, rpc::alter_partition_response{code_of(ec)}));
  propose(out, [this, id, reply, req](std::error_code e) {
    // The image skips a change decided on a partition epoch that moved meanwhile.
    const auto* p = _image.partition(req.topic_id, req.partition);
    if (!e && (!p || p->isr != req.new_isr)) e = cluster_errc::fenced_leader_epoch;
    reply(rpc::encode(id, rpc::alter_partition_response{code_of(e)}));
  });
}

void controller::propose_link_state(forward_link_state_record record,
                                    std::function<void(std::error_code)> done) {
  if (!_active) return done(cluster_errc::not_leader);
  const std::string link = record.link;
  const std::int64_t updates = record.based_on + 1;
  std::vector<std::uint8_t> state = record.state;
  record_list records{std::move(record)};
  propose(records, [this, link, updates, state = std::move(state), done = std::move(done)](std::error_code ec) {
    if (ec) return done(ec);
    // The image skips a record decided against an older update count.
    const auto* now = _image.forward_link(link);
    bool applied = now && now->updates == updates && now->state == state;
    done(applied ? std::error_code{} : std::error_code(cluster_errc::fenced_leader_epoch));
  });
}

void controller::propose(const record_list& records, std::function<void(std::error_code)> done) {
  std::vector<std::uint8_t> entry;
  if (auto ec = encode_entry(records, entry)) return done(ec);
  _quorum.propose(std::move(entry), [alive = _alive, done = std::move(done)](std::error_code ec) {
    if (*alive) done(ec);
  });
}

void controller::propose_once(const std::string& key, const record_list& records) {
  if (!_in_flight.insert(key).second) return;
  propose(records, [this, key](std::error_code ec) {
    _in_flight.erase(key);
    if (ec && ec != cluster_errc::not_leader)
      log::warn("controller: proposal '", key, "' failed: ", ec.message());
  });
}

uuid16 controller::random_topic_id() {
  uuid16 id{};
  do {
    for (auto& b : id) b = static_cast<std::uint8_t>(_random());
  } while (std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; }) ||
           _image.topic(id) != nullptr);
  return id;
}

}  // namespace tern::cluster
