#pragma once
// Forwarding links in a cluster: the glue between the links (link_manager.h, forwarder.h) and
// the cluster node (hub/cluster).
//
// - Every broker has the same forward.* configuration; the link runs on the controller (the
//   metadata quorum's leader) only. on_controller_change() tells the link manager when this
//   node starts or stops being it.
// - A link's checkpoint lives in the metadata log (forward_link_state_record), its logs named by
//   topic and partition (link_state::encode_portable). checkpoint(link) is the forwarder's
//   replicated_checkpoint: claims and compare-and-set commits through this node's controller.
// - Every broker applies each link's replicated positions as retention holds on its local
//   replicas (the store checkpoint "forward/<link>", as on a single node), so whichever broker
//   runs the link next still has every record not forwarded yet. Holds a store put on a log
//   the state does not name yet (the creation hold of a new topic) are kept.
//
// Threads: start(), stop() and the listeners run on the cluster's io thread; checkpoint objects
// are used from the links' threads (they post to the io thread and wait); the getters may be
// called from any thread (they read a copy kept under a mutex).
// Errors: none returned; failed store calls are logged (the next image change retries).
// Lifetimes: the node, the store and the io_context outlive this object; stop() (io thread, or
// after the io_context stopped) before the node stops. The link manager using the checkpoints
// must be stopped before this object goes away.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <asio.hpp>

#include "cluster/cluster_node.h"
#include "forward/link_state.h"
#include "forward/replicated_checkpoint.h"
#include "storage/log_store.h"

namespace tern::forward {

class cluster_links {
 public:
  cluster_links(asio::io_context& io, storage::log_store& store, cluster::cluster_node& node);
  ~cluster_links();
  cluster_links(const cluster_links&) = delete;
  cluster_links& operator=(const cluster_links&) = delete;

  void start();
  void stop();

  // The replicated checkpoint of `link` (created on first use; the reference stays valid as
  // long as this object).
  replicated_checkpoint& checkpoint(const std::string& link);
  // Called on the io thread when this node starts (true) or stops (false) running the links.
  void on_controller_change(std::function<void(bool)> cb);
  // The links configured here, from the io thread (a controller drops the replicated state of
  // any other link, now and whenever it becomes controller, which releases their holds on every
  // broker).
  void set_configured(std::set<std::string> links);

  bool is_controller() const;
  // The cluster's id (the metadata image's; empty until the first controller set it): the
  // origin header's, the same whichever node runs a link.
  std::string cluster_id() const;
  std::int32_t controller_id() const;  // -1 unknown
  // The link's replicated state as this broker's image has it (for a standby's status).
  std::optional<link_state> replicated_state(const std::string& link) const;

  // Helpers shared with the checkpoints (any thread).
  std::optional<std::pair<std::string, std::int32_t>> name_of(storage::log_id log) const;
  std::optional<storage::log_id> log_of(std::string_view topic, std::int32_t partition) const;

 private:
  class link_checkpoint;
  friend class link_checkpoint;

  void on_image(const cluster::image_delta& delta);
  void refresh_cache();
  void apply_holds();
  void drop_unconfigured();

  asio::io_context& _io;
  storage::log_store& _store;
  cluster::cluster_node& _node;
  std::function<void(bool)> _controller_cb;  // io thread
  std::map<std::string, std::vector<std::pair<storage::log_id, ids::offset>>> _applied_holds;  // io thread

  mutable std::mutex _mutex;  // guards what follows
  std::map<std::string, std::unique_ptr<link_checkpoint>> _checkpoints;
  std::map<std::string, std::vector<std::uint8_t>> _states;  // link -> replicated state
  std::map<std::string, std::vector<bool>> _hosted;          // topic -> partition has a local replica
  std::set<std::string> _cluster_topics;
  std::string _cluster_id;
  std::optional<std::set<std::string>> _configured;
  bool _controller = false;
  std::int32_t _controller_id = -1;

  std::shared_ptr<std::atomic<bool>> _alive = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace tern::forward
