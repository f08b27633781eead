#include "forward/cluster_links.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "app/log.h"
#include "cluster/errors.h"

namespace tern::forward {
namespace {

// Waits for an answer from the io thread, giving up when `abort` is set (the io thread may be
// stopping and never answer).
template <typename T>
bool wait_for(std::future<T>& f, const std::atomic<bool>* abort) {
  while (f.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready)
    if (abort && abort->load()) return false;
  return true;
}

// A namer over one listing of the store (a state names each log once).
log_namer namer_over(std::vector<storage::topic_info> topics) {
  return [topics = std::move(topics)](storage::log_id log) -> std::optional<std::pair<std::string, std::int32_t>> {
    for (const auto& t : topics)
      if (auto p = t.partition_of(log)) return std::pair{t.name, p->value()};
    return std::nullopt;
  };
}

std::string describe(std::error_code ec) {
  if (ec == cluster::cluster_errc::fenced_leader_epoch)
    return "another node updated the link's checkpoint (the controller moved)";
  if (ec == cluster::cluster_errc::not_leader) return "this node is not the controller";
  return ec.message();
}

}  // namespace

class cluster_links::link_checkpoint final : public replicated_checkpoint {
 public:
  link_checkpoint(cluster_links& owner, std::string link) : _owner(owner), _link(std::move(link)) {}

  bool load(link_state& state, std::string& why, const std::atomic<bool>* abort) override {
    struct claimed {
      std::error_code ec;
      std::vector<std::uint8_t> bytes;
      std::int64_t updates = 0;
    };
    auto answer = std::make_shared<std::promise<claimed>>();
    auto result = answer->get_future();
    const auto fresh = link_state{}.encode_portable(namer_over({}));
    asio::post(_owner._io, [this, answer, fresh, alive = _owner._alive] {
      if (!*alive) return answer->set_value({cluster::cluster_errc::shutting_down, {}, 0});
      // The claim: the state as this image has it, proposed back unchanged. Once it commits,
      // no earlier runner's update is missing here and none still in flight can apply.
      const auto* current = _owner._node.image().forward_link(_link);
      std::int64_t updates = current ? current->updates : 0;
      auto bytes = current && !current->state.empty() ? current->state : fresh;
      _owner._node.propose_link_state(
          cluster::forward_link_state_record{_link, updates, bytes},
          [answer, bytes, updates](std::error_code ec) { answer->set_value({ec, bytes, updates + 1}); });
    });
    if (!wait_for(result, abort)) {
      why = "stopping";
      return false;
    }
    auto got = result.get();
    if (got.ec) {
      why = describe(got.ec);
      return false;
    }
    std::vector<std::string> missing;
    link_state loaded;
    auto finder = [this](std::string_view topic, std::int32_t partition) { return _owner.log_of(topic, partition); };
    if (!loaded.decode_portable(got.bytes, finder, missing)) {
      why = "the replicated checkpoint does not decode (written by a newer Tern?)";
      return false;
    }
    {
      std::lock_guard lock(_owner._mutex);
      for (const auto& topic : missing)
        if (_owner._cluster_topics.contains(topic)) {
          why = "topic '" + topic + "' is not created on this broker yet";
          return false;
        }
    }
    _based_on = got.updates;
    state = std::move(loaded);
    return true;
  }

  bool commit(const link_state& state, std::string& why, const std::atomic<bool>* abort) override {
    auto bytes = state.encode_portable(namer_over(_owner._store.list_topics()));
    if (bytes.size() > cluster::link_state_size_max) {
      why = "the checkpoint is larger than " + std::to_string(cluster::link_state_size_max) + " bytes";
      return false;
    }
    auto answer = std::make_shared<std::promise<std::error_code>>();
    auto result = answer->get_future();
    asio::post(_owner._io, [this, answer, based_on = _based_on, bytes = std::move(bytes), alive = _owner._alive]() mutable {
      if (!*alive) return answer->set_value(cluster::cluster_errc::shutting_down);
      _owner._node.propose_link_state(cluster::forward_link_state_record{_link, based_on, std::move(bytes)},
                                      [answer](std::error_code ec) { answer->set_value(ec); });
    });
    if (!wait_for(result, abort)) {
      why = "stopping";
      return false;
    }
    if (auto ec = result.get()) {
      why = describe(ec);
      return false;
    }
    ++_based_on;
    return true;
  }

  bool hosted(std::string_view topic, std::int32_t partition) const override {
    std::lock_guard lock(_owner._mutex);
    auto it = _owner._hosted.find(std::string(topic));
    return it != _owner._hosted.end() && partition >= 0 &&
           static_cast<std::size_t>(partition) < it->second.size() && it->second[static_cast<std::size_t>(partition)];
  }

 private:
  cluster_links& _owner;
  const std::string _link;
  std::int64_t _based_on = 0;  // the link thread only
};

cluster_links::cluster_links(asio::io_context& io, storage::log_store& store, cluster::cluster_node& node)
    : _io(io), _store(store), _node(node) {}

cluster_links::~cluster_links() { *_alive = false; }

void cluster_links::start() {
  _node.on_image_change_for_links([this](const cluster::image_delta& delta) { on_image(delta); });
  _node.on_controller_change([this](bool is_controller) {
    {
      std::lock_guard lock(_mutex);
      _controller = is_controller;
      _controller_id = _node.metadata_quorum().leader_id();
    }
    if (is_controller) drop_unconfigured();
    if (_controller_cb) _controller_cb(is_controller);
  });
  refresh_cache();
}

void cluster_links::stop() {
  _node.on_image_change_for_links({});
  _node.on_controller_change({});
  *_alive = false;
}

replicated_checkpoint& cluster_links::checkpoint(const std::string& link) {
  std::lock_guard lock(_mutex);
  auto& c = _checkpoints[link];
  if (!c) c = std::make_unique<link_checkpoint>(*this, link);
  return *c;
}

void cluster_links::on_controller_change(std::function<void(bool)> cb) { _controller_cb = std::move(cb); }

void cluster_links::set_configured(std::set<std::string> links) {
  bool controller = false;
  {
    std::lock_guard lock(_mutex);
    _configured = std::move(links);
    controller = _controller;
  }
  if (controller) drop_unconfigured();  // a link taken out on SIGHUP
}

bool cluster_links::is_controller() const {
  std::lock_guard lock(_mutex);
  return _controller;
}

std::string cluster_links::cluster_id() const {
  std::lock_guard lock(_mutex);
  return _cluster_id;
}

std::int32_t cluster_links::controller_id() const {
  std::lock_guard lock(_mutex);
  return _controller_id;
}

std::optional<link_state> cluster_links::replicated_state(const std::string& link) const {
  std::vector<std::uint8_t> bytes;
  {
    std::lock_guard lock(_mutex);
    auto it = _states.find(link);
    if (it == _states.end()) return std::nullopt;
    bytes = it->second;
  }
  link_state s;
  std::vector<std::string> missing;
  if (!s.decode_portable(bytes, [this](std::string_view t, std::int32_t p) { return log_of(t, p); }, missing))
    return std::nullopt;
  return s;
}

std::optional<std::pair<std::string, std::int32_t>> cluster_links::name_of(storage::log_id log) const {
  return namer_over(_store.list_topics())(log);
}

std::optional<storage::log_id> cluster_links::log_of(std::string_view topic, std::int32_t partition) const {
  auto t = _store.find_topic(topic);
  if (!t || partition < 0 || partition >= t->partition_count) return std::nullopt;
  return t->partition_log(ids::partition_index{partition});
}

void cluster_links::on_image(const cluster::image_delta& delta) {
  refresh_cache();
  if (delta.reset || !delta.forward_links_changed.empty() || !delta.topics_created.empty() ||
      !delta.topics_deleted.empty())
    apply_holds();
}

void cluster_links::refresh_cache() {
  const auto& image = _node.image();
  std::map<std::string, std::vector<std::uint8_t>> states;
  for (const auto& [name, link] : image.forward_links())
    if (!link.state.empty()) states.emplace(name, link.state);
  std::map<std::string, std::vector<bool>> hosted;
  std::set<std::string> topics;
  for (const auto& [name, t] : image.topics()) {
    topics.insert(name);
    auto& h = hosted[name];
    for (const auto& p : t.partitions)
      h.push_back(std::find(p.replicas.begin(), p.replicas.end(), _node.self()) != p.replicas.end());
  }
  std::lock_guard lock(_mutex);
  _cluster_id = image.cluster_id().value_or("");
  _states = std::move(states);
  _hosted = std::move(hosted);
  _cluster_topics = std::move(topics);
  _controller_id = _node.metadata_quorum().leader_id();
}

// The replicated positions as retention holds on this broker's replicas. Holds only ever follow
// committed positions, so a hold here is never above what the link has forwarded.
void cluster_links::apply_holds() {
  const auto& links = _node.image().forward_links();
  auto finder = [this](std::string_view t, std::int32_t p) { return log_of(t, p); };
  for (const auto& [name, link] : links) {
    const std::string checkpoint = "forward/" + name;
    if (link.state.empty()) {
      if (_applied_holds.erase(name))
        _store.drop_checkpoint(checkpoint, [name](std::error_code ec) {
          if (ec) log::warn("forward link '", name, "': dropping its local holds: ", ec.message());
        });
      continue;
    }
    link_state state;
    std::vector<std::string> missing;
    if (!state.decode_portable(link.state, finder, missing)) continue;
    auto holds = state.holds();
    // Logs the state does not name yet keep the hold the store gave them at their creation.
    for (const auto& t : _store.list_topics())
      for (std::int32_t p = 0; p < t.partition_count; ++p) {
        auto log = t.partition_log(ids::partition_index{p});
        if (state.positions.contains(log)) continue;
        if (auto held = _store.retention_hold(log, checkpoint)) holds.emplace_back(log, *held);
      }
    std::sort(holds.begin(), holds.end());
    auto& applied = _applied_holds[name];
    if (applied == holds) continue;
    applied = holds;
    _store.put_checkpoint(checkpoint, link.state, std::move(holds), [name](std::error_code ec) {
      if (ec) log::warn("forward link '", name, "': storing its retention holds: ", ec.message());
    });
  }
}

// A link no longer configured anywhere would hold its records on every broker forever.
void cluster_links::drop_unconfigured() {
  std::set<std::string> configured;
  {
    std::lock_guard lock(_mutex);
    if (!_configured) return;
    configured = *_configured;
  }
  for (const auto& [name, link] : _node.image().forward_links()) {
    if (link.state.empty() || configured.contains(name)) continue;
    log::warn("forward link '", name, "' is no longer configured: its replicated checkpoint is dropped and ",
              "the records it had not sent may now be deleted by retention");
    _node.propose_link_state(cluster::forward_link_state_record{name, link.updates, {}}, [name](std::error_code ec) {
      if (ec) log::warn("forward link '", name, "': dropping its replicated checkpoint: ", ec.message());
    });
  }
}

}  // namespace tern::forward
