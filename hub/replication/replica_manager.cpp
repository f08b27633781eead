#include "replication/replica_manager.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "app/log.h"
#include "cluster/errors.h"
#include "tern/common/check.h"

namespace tern::replication {
namespace {

bool contains(const std::vector<cluster::node_id>& v, cluster::node_id id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

// The cluster's metadata keeps node ids as plain integers (cluster/metadata_records.h); the
// replication state takes them as node_id.
std::vector<node_id> node_ids(const std::vector<cluster::node_id>& raw) {
  std::vector<node_id> out;
  out.reserve(raw.size());
  for (auto id : raw) out.emplace_back(id);
  return out;
}

std::string name_of(const std::string& topic, ids::partition_index partition) {
  return topic + "-" + std::to_string(partition.value());
}

// Checks a client's idea of the leader epoch (-1: the client does not say) against ours.
std::error_code check_epoch(ids::leader_epoch client_epoch, ids::leader_epoch ours) {
  if (client_epoch < ids::leader_epoch{0} || client_epoch == ours) return {};
  return client_epoch < ours ? cluster::cluster_errc::fenced_leader_epoch
                             : cluster::cluster_errc::unknown_leader_epoch;
}

// The endpoint followers fetch from: the inter-broker listener's, else the first one.
const cluster::endpoint* endpoint_of(const cluster::metadata_image& image, cluster::node_id id,
                                     const std::string& listener) {
  const auto* b = image.broker(id);
  if (!b) return nullptr;
  const cluster::endpoint* ep = nullptr;
  for (const auto& e : b->endpoints)
    if (e.listener == listener) ep = &e;
  if (!ep && !b->endpoints.empty()) ep = &b->endpoints.front();
  return ep;
}

constexpr std::int64_t store_retry_min_ms = 1000;
constexpr std::int64_t store_retry_max_ms = 30000;

}  // namespace

// The store's completions run on its writer thread (or at once on ours when a call is refused)
// and only post back to the io thread through this gate. stop() closes it on the io thread: a
// completion that comes later posts nothing, and one already posted finds it closed and drops
// its work without touching the (perhaps destroyed) manager.
struct replica_manager::io_gate {
  std::mutex mutex;
  asio::io_context* io = nullptr;  // null once closed

  void post(std::function<void()> fn, const std::shared_ptr<io_gate>& self) {
    std::lock_guard lock(mutex);
    if (!io) return;
    asio::post(*io, [self, fn = std::move(fn)] {
      if (self->is_open()) fn();
    });
  }
  bool is_open() {
    std::lock_guard lock(mutex);
    return io != nullptr;
  }
  void close() {
    std::lock_guard lock(mutex);
    io = nullptr;
  }
};

replica_manager::replica_manager(asio::io_context& io, storage::log_store& store,
                                 cluster::cluster_node& node, replica_manager_options options)
    : _io(io), _store(store), _node(node), _options(std::move(options)), _isr_timer(io) {
  _gate = std::make_shared<io_gate>();
  _gate->io = &_io;
}

replica_manager::~replica_manager() {
  stop();
  _gate->close();  // also when never started
  *_alive = false;
}

void replica_manager::start() {
  _stopped = false;
  _node.on_image_change([this](const cluster::image_delta&) { reconcile(); });
  reconcile();
  schedule_isr_check();
}

void replica_manager::stop() {
  if (_stopped) return;
  _stopped = true;
  _gate->close();  // store calls in flight complete into nothing
  _isr_timer.cancel();
  _node.on_image_change({});
  for (auto& [k, p] : _partitions)
    if (p.leading) p.leading->step_down();
  for (auto& [id, f] : _fetchers) f->stop();
  _fetchers.clear();
}

std::int64_t replica_manager::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Brings the local replicas in line with the image: topics created/deleted/reconfigured here,
// leaders started or stepped down, followers attached to their leader's fetcher. Runs on every
// image change; each step is a no-op when nothing changed for that partition.
void replica_manager::reconcile() {
  if (_stopped) return;
  const auto& image = _node.image();
  // Topics the cluster deleted or re-created under another id: the partitions served here, and
  // the local topics created here (perhaps while the deletion was on its way).
  std::set<std::string> gone;
  for (const auto& [k, p] : _partitions) {
    const auto* t = image.topic(p.topic);
    if (!t || t->id != p.topic_id) gone.insert(p.topic);
  }
  for (auto it = _topic_work.begin(); it != _topic_work.end();) {
    const auto& [name, work] = *it;
    if (work.in_flight != store_call::none) {
      ++it;
      continue;
    }
    const auto* t = image.topic(name);
    auto local = _store.find_topic(name);
    if (local && (!t || t->id != local->uuid)) gone.insert(name);
    // Nothing here and nothing wanted (a create that failed, then the topic went): forget it.
    it = !local && !t ? _topic_work.erase(it) : std::next(it);
  }
  for (const auto& name : gone) drop_topic(name, "deleted in the cluster", log::level::info);
  // A leader that registered again at another address (a restart on another port) needs a new
  // fetcher: the old one would retry the old address forever. Its partitions follow again below.
  for (auto it = _fetchers.begin(); it != _fetchers.end();) {
    const auto* ep = endpoint_of(image, it->first, _options.inter_broker_listener);
    if (!ep || (ep->host == it->second->options().host && ep->port == it->second->options().port)) {
      ++it;
      continue;
    }
    it->second->stop();
    for (auto& [k, p] : _partitions)
      if (p.following && p.leader == it->first) p.following = false;
    it = _fetchers.erase(it);
  }
  for (const auto& [name, topic] : image.topics()) reconcile_topic(topic);
}

// Stops serving the topic's partitions at once and deletes the local topic (asynchronously).
void replica_manager::drop_topic(const std::string& name, const char* why, log::level level) {
  for (auto it = _partitions.begin(); it != _partitions.end();) {
    if (it->second.topic != name) {
      ++it;
      continue;
    }
    if (it->second.leading) it->second.leading->step_down();
    stop_following(it->second);
    _by_log.erase(it->second.log);
    it = _partitions.erase(it);
  }
  start_delete(name, why, level);
}

void replica_manager::reconcile_topic(const cluster::topic_state& topic) {
  auto busy = _topic_work.find(topic.name);
  if (busy != _topic_work.end() && (busy->second.in_flight == store_call::create ||
                                    busy->second.in_flight == store_call::remove))
    return;  // the local topic is changing: its completion reconciles again
  const cluster::node_id self = _options.self.value();
  bool replica_here = false;
  for (const auto& p : topic.partitions) replica_here = replica_here || contains(p.replicas, self);
  auto local = _store.find_topic(topic.name);
  if (local && local->uuid != topic.id) {
    // A topic of that name from before (deleted and re-created in the cluster, or data from a
    // single-node past): the cluster's wins, created once the old one is deleted.
    drop_topic(topic.name, "a topic of that name from before, not the cluster's id; replacing it",
               log::level::warn);
    return;
  }
  if (!local) {
    if (replica_here) start_create(topic);
    return;  // its partitions are served once it exists
  }
  if (local->configs != topic.configs) start_alter(topic);
  for (std::int32_t i = 0; i < static_cast<std::int32_t>(topic.partitions.size()); ++i) {
    if (i >= local->partition_count) break;
    const auto& state = topic.partitions[static_cast<std::size_t>(i)];
    auto [it, inserted] = _partitions.try_emplace(key{topic.name, ids::partition_index{i}});
    auto& p = it->second;
    if (inserted) {
      p.topic = topic.name;
      p.topic_id = topic.id;
      p.index = ids::partition_index{i};
      p.log = local->partition_log(p.index);
      _by_log[p.log] = it->first;
    }
    p.is_replica = contains(state.replicas, self);
    const ids::leader_epoch leader_epoch{state.leader_epoch};
    bool epoch_changed = leader_epoch != p.leader_epoch || state.leader != p.leader;
    p.partition_epoch = state.partition_epoch;
    if (!p.is_replica || state.leader == cluster::no_leader) {
      if (p.leading) p.leading->step_down();
      p.leading.reset();
      stop_following(p);
    } else if (state.leader == self) {
      if (!p.leading || epoch_changed) become_leader(p, state);
      else
        p.leading->update_assignment(node_ids(state.replicas), node_ids(state.isr), now_ms());
    } else if (epoch_changed || !p.following) {
      become_follower(p, state);
    }
    p.leader = state.leader;
    p.leader_epoch = leader_epoch;
  }
}

// ---- asynchronous store calls (one per topic name at a time) ----

bool replica_manager::may_call_store(const std::string& name) {
  auto& work = _topic_work[name];
  if (work.in_flight != store_call::none) return false;
  return work.retry_after_ms == 0 || now_ms() >= work.retry_after_ms;
}

// The store's `done` for a call on `name`: posts the outcome back through the gate.
std::function<void(std::error_code, const std::string&)> replica_manager::store_callback(
    const std::string& name) {
  return [this, gate = _gate, name](std::error_code ec, const std::string& message) {
    gate->post([this, name, ec, message] { finish_store_call(name, ec, message); }, gate);
  };
}

void replica_manager::start_create(const cluster::topic_state& topic) {
  if (!may_call_store(topic.name)) return;
  _topic_work[topic.name].in_flight = store_call::create;
  auto done = store_callback(topic.name);
  _store.create_topic_async(topic.name, static_cast<std::int32_t>(topic.partitions.size()), topic.id,
                            topic.configs,
                            [done](std::error_code ec, const storage::topic_info&) { done(ec, {}); });
}

void replica_manager::start_delete(const std::string& name, const char* why, log::level level) {
  if (!_store.find_topic(name) || !may_call_store(name)) return;
  log::emit(level, "replicas: deleting local topic '", name, "' (", why, ")");
  _topic_work[name].in_flight = store_call::remove;
  auto done = store_callback(name);
  _store.delete_topic_async(name, [done](std::error_code ec) { done(ec, {}); });
}

void replica_manager::start_alter(const cluster::topic_state& topic) {
  if (!may_call_store(topic.name)) return;
  _topic_work[topic.name].in_flight = store_call::alter;
  _store.alter_topic_configs_async(topic.name, topic.configs, store_callback(topic.name));
}

void replica_manager::finish_store_call(const std::string& name, std::error_code ec,
                                        const std::string& message) {
  auto it = _topic_work.find(name);
  TERN_ASSERT(it != _topic_work.end() && it->second.in_flight != store_call::none);
  auto& work = it->second;
  auto call = work.in_flight;
  work.in_flight = store_call::none;
  if (call == store_call::remove && ec == storage::storage_errc::unknown_topic) ec = {};
  if (ec) {
    if (call == store_call::create)
      log::error("replicas: cannot create topic '", name, "' locally: ", ec.message());
    else if (call == store_call::remove)
      log::warn("replicas: deleting topic '", name, "' locally failed: ", ec.message());
    else
      log::warn("replicas: applying the configs of '", name, "' failed: ", ec.message(), " ", message);
    work.backoff_ms = std::clamp(work.backoff_ms * 2, store_retry_min_ms, store_retry_max_ms);
    work.retry_after_ms = now_ms() + work.backoff_ms;
  } else {
    if (call == store_call::create) log::info("replicas: created topic '", name, "' locally");
    if (call == store_call::remove) log::info("replicas: deleted topic '", name, "' locally");
    work.backoff_ms = 0;
    work.retry_after_ms = 0;
    if (call == store_call::remove) _topic_work.erase(it);
  }
  reconcile();
}

// Lets the calls whose backoff ran out start again (from check_isr's timer).
void replica_manager::retry_store_calls(std::int64_t now) {
  bool due = false;
  for (auto& [name, work] : _topic_work) {
    if (work.in_flight != store_call::none || work.retry_after_ms == 0 || now < work.retry_after_ms)
      continue;
    work.retry_after_ms = 0;
    due = true;
  }
  if (due) reconcile();
}

void replica_manager::become_leader(local_partition& p, const cluster::partition_state& state) {
  stop_following(p);
  if (p.leading) p.leading->step_down();
  auto offsets = _store.offsets(p.log);
  ids::offset log_end = offsets ? offsets->log_end : ids::offset{0};
  ids::offset hw = offsets ? offsets->high_watermark : ids::offset{0};
  p.leading = std::make_unique<leader_state>(_options.self, ids::leader_epoch{state.leader_epoch},
                                             node_ids(state.replicas), node_ids(state.isr), log_end,
                                             hw, _options.leader, now_ms());
  log::info("replicas: leading ", name_of(p.topic, p.index), " at epoch ", state.leader_epoch,
            " from offset ", log_end, " (isr ", state.isr.size(), ")");
  publish_high_watermark(p, hw);
}

void replica_manager::become_follower(local_partition& p, const cluster::partition_state& state) {
  if (p.leading) {
    p.leading->step_down();
    p.leading.reset();
    log::info("replicas: no longer leading ", name_of(p.topic, p.index));
  }
  stop_following(p);
  auto* f = fetcher_for(state.leader);
  if (!f) return;
  if (auto ec =
          f->add_partitions({{p.log, p.topic, p.index, ids::leader_epoch{state.leader_epoch}}})) {
    log::warn("replicas: cannot follow ", name_of(p.topic, p.index), ": ", ec.message());
    return;
  }
  p.following = true;
}

void replica_manager::stop_following(local_partition& p) {
  if (!p.following) return;
  p.following = false;
  auto it = _fetchers.find(p.leader);
  if (it != _fetchers.end()) it->second->remove_partitions({{p.topic, p.index}});
}

follower_fetcher* replica_manager::fetcher_for(cluster::node_id leader) {
  auto it = _fetchers.find(leader);
  if (it != _fetchers.end()) return it->second.get();
  const auto* ep = endpoint_of(_node.image(), leader, _options.inter_broker_listener);
  if (!ep) return nullptr;
  auto options = _options.fetcher;
  options.self = _options.self;
  options.leader = node_id{leader};
  options.host = ep->host;
  options.port = ep->port;
  auto on_error = [this, alive = _alive, leader](const followed_partition& fp, std::error_code ec) {
    asio::post(_io, [this, alive, leader, fp, ec] {
      if (!*alive || _stopped) return;
      log::info("replicas: fetching ", name_of(fp.topic, fp.partition), " from broker ", leader,
                " paused: ", ec.message());
      // Until the metadata moves the leadership, check_isr() attaches it again after a pause.
      auto found = _partitions.find(key{fp.topic, fp.partition});
      if (found != _partitions.end() && found->second.leader_epoch == fp.leader_epoch) {
        // Usually the new leader had not applied its leadership yet: try again soon (each try
        // is one OffsetForLeaderEpoch round), not after Kafka's 1 s fetch backoff.
        stop_following(found->second);
        found->second.retry_following_ms = now_ms() + 100;
      }
    });
  };
  auto f = std::make_unique<follower_fetcher>(_store, options, std::move(on_error));
  f->start();
  auto* raw = f.get();
  _fetchers.emplace(leader, std::move(f));
  return raw;
}

std::optional<replica_manager::partition_view> replica_manager::find(
    std::string_view topic, ids::partition_index partition) const {
  auto it = _partitions.find(key{std::string(topic), partition});
  if (it == _partitions.end()) return std::nullopt;
  const auto& p = it->second;
  partition_view v;
  v.log = p.log;
  v.leader = node_id{p.leader};
  v.leader_epoch = p.leader_epoch;
  v.is_leader = p.leading && p.leading->is_leader();
  v.is_replica = p.is_replica;
  if (p.leading) v.epoch_start_offset = p.leading->epoch_start_offset();
  return v;
}

std::error_code replica_manager::check_produce(std::string_view topic,
                                               ids::partition_index partition, bool acks_all,
                                               ids::leader_epoch client_epoch,
                                               partition_view& out) const {
  auto it = _partitions.find(key{std::string(topic), partition});
  if (it == _partitions.end() || !it->second.leading || !_node.may_lead())
    return replication_errc::not_leader_or_follower;
  const auto& p = it->second;
  if (auto ec = check_epoch(client_epoch, p.leader_epoch)) return ec;
  if (auto ec = p.leading->can_accept(acks_all)) return ec;
  out = *find(topic, partition);
  return {};
}

void replica_manager::wait_replicated(storage::log_id log, ids::offset offset,
                                      std::int64_t timeout_ms,
                                      std::function<void(std::error_code)> done) {
  auto k = _by_log.find(log);
  if (k == _by_log.end()) return done(replication_errc::not_leader_or_follower);
  auto& p = _partitions.at(k->second);
  if (!p.leading) return done(replication_errc::not_leader_or_follower);
  p.leading->wait_for_offset(offset, now_ms() + timeout_ms, std::move(done));
}

std::error_code replica_manager::check_fetch(std::string_view topic, ids::partition_index partition,
                                             ids::leader_epoch client_epoch, node_id replica_id,
                                             ids::offset fetch_offset, partition_view& view,
                                             ids::offset& high_watermark, ids::offset& read_limit) {
  auto it = _partitions.find(key{std::string(topic), partition});
  if (it == _partitions.end() || !it->second.leading) return replication_errc::not_leader_or_follower;
  auto& p = it->second;
  if (auto ec = check_epoch(client_epoch, p.leader_epoch)) return ec;
  view = *find(topic, partition);
  if (replica_id >= node_id{0}) {
    auto before = p.leading->high_watermark();
    if (auto ec = p.leading->on_follower_fetch(replica_id, fetch_offset, now_ms())) {
      if (ec == replication_errc::unknown_replica) return replication_errc::not_leader_or_follower;
      if (ec != replication_errc::offset_out_of_range) return ec;
    }
    publish_high_watermark(p, before);
    auto offsets = _store.offsets(p.log);
    read_limit = offsets ? offsets->log_end : ids::offset{0};
  } else {
    read_limit = p.leading->high_watermark();
  }
  high_watermark = p.leading->high_watermark();
  return {};
}

void replica_manager::on_commit(const std::vector<storage::log_id>& logs) {
  for (auto log : logs) {
    auto k = _by_log.find(log);
    if (k == _by_log.end()) continue;
    auto& p = _partitions.at(k->second);
    if (!p.leading) continue;
    auto offsets = _store.offsets(log);
    if (!offsets || offsets->log_end < p.leading->log_end()) continue;
    auto before = p.leading->high_watermark();
    p.leading->on_leader_append(offsets->log_end, now_ms());
    publish_high_watermark(p, before);
  }
}

void replica_manager::publish_high_watermark(local_partition& p, ids::offset before) {
  if (!p.leading) return;
  auto hw = p.leading->high_watermark();
  _store.set_high_watermark(p.log, hw);
  if (hw != before && _hw_listener) _hw_listener();
}

void replica_manager::schedule_isr_check() {
  if (_stopped) return;
  _isr_timer.expires_after(std::chrono::milliseconds(_options.isr_check_interval_ms));
  _isr_timer.async_wait([this, alive = _alive](std::error_code ec) {
    if (ec || !*alive || _stopped) return;
    check_isr();
    schedule_isr_check();
  });
}

// Times out acks=all waits and asks the controller for the ISR changes the leaders want (one
// request in flight per partition; the answer arrives as an image change).
void replica_manager::check_isr() {
  auto now = now_ms();
  retry_store_calls(now);
  const auto& image = _node.image();
  for (auto& [k, p] : _partitions) {
    if (!p.leading && p.is_replica && !p.following && p.leader != cluster::no_leader &&
        p.leader != _options.self.value() && now >= p.retry_following_ms) {
      if (const auto* state = image.partition(p.topic_id, p.index.value()))
        become_follower(p, *state);
    }
    if (!p.leading) continue;
    p.leading->tick(now);
    if (p.alter_in_flight || !_node.may_lead()) continue;
    auto changes = p.leading->pending_isr_changes(now);
    if (changes.shrink.empty() && changes.expand.empty()) continue;
    std::vector<cluster::node_id> isr;
    for (auto id : p.leading->isr())
      if (std::find(changes.shrink.begin(), changes.shrink.end(), id) == changes.shrink.end())
        isr.push_back(id.value());
    for (auto id : changes.expand) isr.push_back(id.value());
    cluster::rpc::alter_partition_request req;
    req.leader_id = _options.self.value();
    req.broker_epoch = _node.broker_epoch();
    req.topic_id = p.topic_id;
    req.partition = p.index.value();
    req.leader_epoch = p.leader_epoch.value();
    req.partition_epoch = p.partition_epoch;
    req.new_isr = isr;
    p.alter_in_flight = true;
    log::info("replicas: ", name_of(p.topic, p.index), " asks for ISR of ", isr.size(), " (",
              changes.shrink.size(), " out, ", changes.expand.size(), " in)");
    _node.alter_partition(req, [this, k = k, alive = _alive](std::error_code ec,
                                                                const cluster::rpc::alter_partition_response& r) {
      if (!*alive) return;
      auto it = _partitions.find(k);
      if (it == _partitions.end()) return;
      it->second.alter_in_flight = false;
      if (ec || r.error)
        log::debug("replicas: ISR change of ", name_of(k.first, k.second), " not taken: ",
                   ec ? ec.message() : std::error_code(static_cast<cluster::cluster_errc>(r.error)).message());
    });
  }
}

}  // namespace tern::replication
