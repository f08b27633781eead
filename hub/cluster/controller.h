#pragma once
// The controller: what the quorum leader does with the metadata image. Every voter runs one; it
// acts only while its quorum is the leader. It turns broker heartbeats into registrations,
// unfencing and (when a session lapses) fencing; forwarded admin requests into topic records;
// AlterPartition requests into ISR changes; and, on a timer, elects leaders for leaderless
// partitions and gives preferred replicas their leadership back. Decisions are the pure rules
// of controller_rules.h; this class adds time, sessions and proposals.
//
// Sessions (Kafka's broker.session.timeout.ms): a broker that has not heartbeated for the
// session timeout is fenced, and its partitions get new leaders from their ISRs. A controller
// that has just become leader gives every broker a full session from that moment (it cannot know
// when the previous leader last heard from them).
//
// Threads: everything runs on the io_context thread of the quorum.
// Errors: replies carry cluster_errc values (not_leader when this node does not lead the quorum;
// the rules' errors otherwise). Nothing throws.
// Lifetimes: the quorum and the image must outlive the controller; stop() before destroying them.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <span>
#include <vector>

#include <asio.hpp>

#include "cluster/controller_rpc.h"
#include "cluster/controller_rules.h"
#include "cluster/metadata_image.h"

namespace tern::cluster {

class quorum;

struct controller_options {
  node_id self = 0;
  std::int64_t session_timeout_ms = 3000;
  bool unclean_default = false;
  bool auto_leader_rebalance = true;
  std::int64_t rebalance_interval_ms = 30000;
  std::int64_t tick_ms = 100;  // how often sessions and leaderless partitions are checked
};

class controller {
 public:
  using reply_fn = std::function<void(std::vector<std::uint8_t>)>;

  controller(asio::io_context& io, quorum& q, metadata_image& image, controller_options options);
  ~controller();
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;

  void start();
  void stop();
  // A request envelope from node `from` (this node's own requests come here directly). `reply`
  // gets the encoded response, at once or after a proposal commits.
  void handle(node_id from, const rpc::envelope& request, reply_fn reply);
  // The quorum's leadership changed (wired by the owner to quorum::set_leader_listener).
  void on_leadership(bool is_leader);

  bool active() const { return _active; }
  // Active, and an entry of this leader's term has committed and applied here: the image then
  // holds every entry any earlier leader acknowledged (Raft commits earlier terms' entries only
  // with one of the current term). Until then group offsets read from the image may be stale.
  bool caught_up() const { return _active && _caught_up; }

  // Consumer groups in a cluster: the controller coordinates every group, and a commit (or a
  // deletion) of committed offsets is one proposal. `done` gets the outcome once committed and
  // applied here, or not_leader (not active: the caller answers NOT_COORDINATOR), no_quorum,
  // entry_too_large, shutting_down, io_error. Never called inside this call.
  void propose_group_offsets(const group_offsets_record& record,
                             std::function<void(std::error_code)> done);

  // Proposes a forwarding link's checkpoint. `done` gets {} once it is committed and applied as
  // proposed; not_leader when this node does not lead (or stopped leading before the commit:
  // the entry may still commit, so the caller must re-read the image), fenced_leader_epoch when
  // the link was updated since `record.based_on` (another runner's update won), or the
  // quorum's errors.
  void propose_link_state(forward_link_state_record record, std::function<void(std::error_code)> done);

 private:
  using clock = std::chrono::steady_clock;
  struct session {
    clock::time_point last_heartbeat;
  };

  void tick();
  void schedule_tick();
  void handle_heartbeat(const rpc::heartbeat_request& req, std::uint64_t id, reply_fn reply);
  void handle_create(const rpc::create_topics_request& req, std::uint64_t id, reply_fn reply);
  void handle_delete(const rpc::delete_topics_request& req, std::uint64_t id, reply_fn reply);
  void handle_alter_configs(const rpc::alter_configs_request& req, std::uint64_t id, reply_fn reply);
  void handle_alter_partition(const rpc::alter_partition_request& req, std::uint64_t id,
                              reply_fn reply);
  // Proposes `records` as one entry; `done` gets the outcome (committed and applied, or why not).
  void propose(const record_list& records, std::function<void(std::error_code)> done);
  // Proposes at most one decision per key at a time (a broker's registration, fencing, ...): a
  // heartbeat every 500 ms must not stack proposals while one is committing.
  void propose_once(const std::string& key, const record_list& records);
  uuid16 random_topic_id();
  // Proposes a no-op entry of this term (see caught_up()); retried from tick() until it commits.
  void propose_barrier();

  asio::io_context& _io;
  quorum& _quorum;
  metadata_image& _image;
  controller_options _options;
  asio::steady_timer _tick;
  bool _active = false;
  bool _caught_up = false;
  bool _barrier_in_flight = false;
  bool _stopped = false;
  clock::time_point _active_since;
  clock::time_point _last_rebalance;
  std::map<node_id, session> _sessions;
  std::set<std::string> _in_flight;
  std::mt19937_64 _random;
  // Set while this object lives: proposal callbacks that outlive it do nothing.
  std::shared_ptr<bool> _alive = std::make_shared<bool>(true);
};

}  // namespace tern::cluster
