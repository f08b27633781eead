#pragma once
// One node of a Tern cluster, as `tern serve` runs it: the metadata quorum (a voter), the metadata
// image it replicates, the controller (active while this voter leads the quorum) and, on a node
// with the broker role, the broker's side of the controller protocol: it heartbeats the
// controller every broker.heartbeat.interval.ms (registering itself, and asking for a controlled
// shutdown when told to) and forwards admin requests to it.
//
// Leadership lease: a broker may act as partition leader (acknowledge writes) only while its
// last heartbeat that the controller answered unfenced was SENT less than the session timeout
// ago. The controller fences a broker a session timeout after it last RECEIVED a heartbeat (or
// after it became controller), which is never earlier: an isolated leader stops acknowledging
// before anyone else can be elected in its place (monotonic clocks on both sides).
//
// Threads: everything runs on the io_context thread. Callbacks run there too.
// Errors: start() → whatever the quorum's start() returns (storage, bind). Forwarded calls
// complete with not_leader / no_quorum when no controller answers within the timeout, or the
// controller's cluster_errc.
// Lifetimes: stop() before destroying; the image reference stays valid as long as this object.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "cluster/controller.h"
#include "cluster/controller_rpc.h"
#include "cluster/metadata_image.h"
#include "cluster/quorum.h"

namespace tern::cluster {

struct cluster_node_options {
  quorum_options quorum;
  bool role_broker = true;
  uuid16 dir_id{};  // identifies the data dir (a new one = the broker lost its data)
  std::int64_t heartbeat_interval_ms = 500;
  std::int64_t session_timeout_ms = 3000;
  std::int64_t request_timeout_ms = 5000;  // forwarded admin requests
  bool unclean_default = false;
  bool auto_leader_rebalance = true;
  std::int64_t rebalance_interval_ms = 30000;
};

class cluster_node {
 public:
  cluster_node(asio::io_context& io, cluster_node_options options);
  ~cluster_node();
  cluster_node(const cluster_node&) = delete;
  cluster_node& operator=(const cluster_node&) = delete;

  std::error_code start();
  void stop();
  // The Kafka listeners this broker registers (set before or after start; re-registers).
  void set_endpoints(std::vector<endpoint> endpoints);

  const metadata_image& image() const { return _image; }
  // Called after every image change but group-offsets-only ones (one listener: replica manager).
  void on_image_change(metadata_image::change_callback cb) { _image_listener = std::move(cb); }
  // Called after every change of the image, after the listener above (the forwarding links).
  void on_image_change_for_links(metadata_image::change_callback cb) { _links_listener = std::move(cb); }
  // Called when this node starts or stops leading the metadata quorum (and so the controller).
  void on_controller_change(std::function<void(bool is_controller)> cb) { _controller_listener = std::move(cb); }
  bool is_controller() const { return _controller->active(); }
  // A forwarding link's checkpoint through the controller of this node (controller.h,
  // propose_link_state): not_leader when this node is not the controller.
  void propose_link_state(forward_link_state_record record, std::function<void(std::error_code)> done) {
    _controller->propose_link_state(std::move(record), std::move(done));
  }
  const quorum& metadata_quorum() const { return *_quorum; }
  node_id self() const { return _options.quorum.node_id; }

  // Whether this broker holds a live lease (see the header comment): registered, unfenced, and
  // heard back from the controller recently enough.
  bool may_lead() const;
  std::int64_t broker_epoch() const { return _broker_epoch; }

  template <typename Response>
  using done_fn = std::function<void(std::error_code, const Response&)>;
  void create_topics(const rpc::create_topics_request& req, done_fn<rpc::create_topics_response> done);
  void delete_topics(const rpc::delete_topics_request& req, done_fn<rpc::delete_topics_response> done);
  void alter_configs(const rpc::alter_configs_request& req, done_fn<rpc::alter_configs_response> done);
  void alter_partition(const rpc::alter_partition_request& req,
                       done_fn<rpc::alter_partition_response> done);
  // Consumer groups in a cluster: the controller (the quorum leader) coordinates every group, and
  // committed offsets live in the image (group_offsets_record). here_ready: this node's
  // controller is active and its image current (caught_up()); here_loading: active, image not
  // yet known current (answer COORDINATOR_LOAD_IN_PROGRESS); elsewhere: another node, or none.
  enum class group_coordination { elsewhere, here_loading, here_ready };
  group_coordination group_role() const;
  // Proposes a change of a group's committed offsets through this node's controller; `done`
  // (never inside the call) gets controller::propose_group_offsets' outcome.
  void propose_group_offsets(const group_offsets_record& record,
                             std::function<void(std::error_code)> done);
  // Called (on the io thread) after this node's controller gains or loses the leadership.
  void on_leadership_change(std::function<void(bool is_leader)> cb) {
    _leadership_listener = std::move(cb);
  }

  // Controlled shutdown: heartbeats ask the controller to move this broker's leaderships away;
  // `done(true)` once it has none, `done(false)` after `max_wait` (then the caller stops anyway).
  void controlled_shutdown(std::chrono::milliseconds max_wait, std::function<void(bool)> done);

 private:
  using clock = std::chrono::steady_clock;
  struct pending_call {
    std::unique_ptr<asio::steady_timer> timer;
    std::function<void(std::error_code, const rpc::envelope&)> done;
  };

  void on_message(node_id from, std::span<const std::uint8_t> bytes);
  void send_heartbeat();
  void schedule_heartbeat();
  // Sends an encoded request (made by `encode` with the call's correlation id) to the controller.
  void call(const std::function<std::vector<std::uint8_t>(std::uint64_t)>& encode,
            std::function<void(std::error_code, const rpc::envelope&)> done);
  void complete(std::uint64_t id, std::error_code ec, const rpc::envelope& response);
  void poll_shutdown();

  asio::io_context& _io;
  cluster_node_options _options;
  metadata_image _image;
  std::unique_ptr<quorum> _quorum;
  std::unique_ptr<controller> _controller;
  metadata_image::change_callback _image_listener;
  metadata_image::change_callback _links_listener;
  std::function<void(bool)> _controller_listener;
  std::function<void(bool)> _leadership_listener;
  std::vector<endpoint> _endpoints;
  uuid16 _incarnation{};
  asio::steady_timer _heartbeat;
  bool _heartbeat_in_flight = false;
  clock::time_point _heartbeat_sent{};  // when the heartbeat in flight left
  bool _want_shutdown = false;
  asio::steady_timer _shutdown_poll;
  clock::time_point _shutdown_deadline{};
  std::function<void(bool)> _shutdown_done;
  bool _stopped = true;
  // The lease: send time of the last heartbeat the controller answered unfenced.
  clock::time_point _lease_start{};
  bool _fenced = true;
  std::int64_t _broker_epoch = -1;
  std::uint64_t _next_correlation = 1;
  std::map<std::uint64_t, pending_call> _pending;
  std::shared_ptr<bool> _alive = std::make_shared<bool>(true);
};

}  // namespace tern::cluster
