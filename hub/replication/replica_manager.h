#pragma once
// The broker's replicas (Kafka's ReplicaManager): makes the local store follow the cluster's
// metadata image. For every partition this broker replicates it keeps the local topic (same id
// as the controller chose), and it either leads the partition (a leader_state: follower log ends,
// ISR, high watermark, acks=all waits) or follows its leader (a follower fetcher per leader
// broker). The Kafka handlers ask it who may write, up to where consumers may read, and tell it
// about follower fetches; the store's commits move the leaders' log ends.
//
// Leader epochs: a leader appends with its epoch (the store stamps and fences on it); a follower
// that becomes leader starts a new leader_state at its log end, and a leader that is deposed
// steps down at once (its pending acks=all waits fail with NOT_LEADER_OR_FOLLOWER).
// ISR: every isr_check_interval_ms the leaders' ISR changes (Kafka's replica.lag.time.max.ms
// rules, see leader_state.h) are sent to the controller as AlterPartition requests.
//
// Local topics: the store's topic administration is asynchronous here (create_topic_async,
// delete_topic_async, alter_topic_configs_async: the io thread never waits for the storage
// writer, whose group commit and fsync can take tens of ms). At most one such call per topic
// name is in flight; while a create or delete of a name is, the topic is left alone (a delete
// and a re-create of the same name run one after the other), and its partitions are served
// (lead, follow) only once the local topic exists with the cluster's id. Each completion runs
// reconcile() again against the newest image, so an image that changed meanwhile is caught up
// with. A failed call is logged and retried after a backoff (1 s doubling to 30 s).
//
// Threads: every method runs on the io_context thread, except the fetchers (their own threads,
// talking to the store directly) whose reports are posted back here, and the store's
// completions (on its writer thread), which only post back here through a shared gate.
// Errors: std::error_code values of replication_errc / cluster_errc / storage_errc, per call.
// Lifetimes: the store and the cluster node must outlive this object; stop() before destroying
// (the destructor calls it). stop() closes the gate: a store completion that arrives later (the
// store drains its queue when it closes) posts nothing and touches nothing of this object. A
// stopped manager is not started again.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <asio.hpp>

#include "app/log.h"
#include "cluster/cluster_node.h"
#include "replication/follower_fetcher.h"
#include "replication/leader_state.h"
#include "storage/log_store.h"

namespace tern::replication {

struct replica_manager_options {
  node_id self{0};
  std::string inter_broker_listener = "PLAINTEXT";
  leader_options leader;
  std::int64_t isr_check_interval_ms = 250;
  fetcher_options fetcher;
};

class replica_manager {
 public:
  replica_manager(asio::io_context& io, storage::log_store& store, cluster::cluster_node& node,
                  replica_manager_options options);
  ~replica_manager();
  replica_manager(const replica_manager&) = delete;
  replica_manager& operator=(const replica_manager&) = delete;

  void start();
  void stop();

  // A partition as this broker sees it.
  struct partition_view {
    storage::log_id log{0};
    node_id leader = ids::no_node;
    ids::leader_epoch leader_epoch = ids::no_leader_epoch;
    bool is_leader = false;   // this broker leads it (and holds a leader_state)
    bool is_replica = false;  // this broker has a replica of it
    // While leading: the log end when this broker's epoch began. A high watermark below it has
    // not caught up since the election (ListOffsets answers OFFSET_NOT_AVAILABLE then, so a
    // consumer never sees "latest" move backwards).
    ids::offset epoch_start_offset{0};
  };
  // nullopt: the topic or partition is not in the cluster's metadata (or not created here yet).
  std::optional<partition_view> find(std::string_view topic, ids::partition_index partition) const;

  // Whether this broker may append to the partition now (it leads, holds its lease, and for
  // acks=all the ISR is large enough); fills the epoch to append with.
  // Errors: replication_errc::not_leader_or_follower, not_enough_replicas;
  // cluster_errc::fenced_leader_epoch / unknown_leader_epoch when `client_epoch` (>= 0) is not
  // the partition's.
  std::error_code check_produce(std::string_view topic, ids::partition_index partition,
                                bool acks_all, ids::leader_epoch client_epoch,
                                partition_view& out) const;
  // Calls `done` once every ISR replica has the log up to `offset` (exclusive), or with an error
  // (not_enough_replicas_after_append, request_timed_out, not_leader_or_follower).
  void wait_replicated(storage::log_id log, ids::offset offset, std::int64_t timeout_ms,
                       std::function<void(std::error_code)> done);

  // A Fetch for the partition. `replica_id` >= 0 is a follower fetching from `fetch_offset`
  // (recorded before the read). Fills the high watermark to report and the read limit (HW for
  // consumers, the log end for followers).
  // Errors: not_leader_or_follower (not the leader, or a follower fetch from a non-replica),
  // fenced_leader_epoch / unknown_leader_epoch for a `client_epoch` >= 0 that is not the
  // partition's.
  std::error_code check_fetch(std::string_view topic, ids::partition_index partition,
                              ids::leader_epoch client_epoch, node_id replica_id,
                              ids::offset fetch_offset, partition_view& view,
                              ids::offset& high_watermark, ids::offset& read_limit);

  // The store committed appends to these logs (posted to the io thread by the broker).
  void on_commit(const std::vector<storage::log_id>& logs);
  // Called whenever a high watermark moved (the broker wakes its waiting Fetches). It may run
  // inside check_fetch(), i.e. inside a Fetch being evaluated: it must not evaluate Fetches
  // synchronously (post the wake-up).
  void set_high_watermark_listener(std::function<void()> l) { _hw_listener = std::move(l); }


 private:
  struct local_partition {
    std::string topic;
    cluster::uuid16 topic_id{};
    ids::partition_index index{0};
    storage::log_id log{0};
    cluster::node_id leader = cluster::no_leader;
    ids::leader_epoch leader_epoch = ids::no_leader_epoch;
    std::int32_t partition_epoch = -1;
    bool is_replica = false;
    std::unique_ptr<leader_state> leading;  // set while this broker leads
    bool following = false;                 // registered with a fetcher
    bool alter_in_flight = false;
    std::int64_t retry_following_ms = 0;  // a paused fetch is retried from then on
  };
  using key = std::pair<std::string, ids::partition_index>;
  // The store call of a topic name in flight, and the backoff after a failed one. An entry lives
  // while the local topic this manager created or looks after exists (reconcile() checks those
  // against the image) or a retry is pending.
  enum class store_call { none, create, remove, alter };
  struct topic_work {
    store_call in_flight = store_call::none;
    std::int64_t retry_after_ms = 0;  // > 0: no new call before then; check_isr() retries
    std::int64_t backoff_ms = 0;
  };
  struct io_gate;  // where the store's completions post back to (replica_manager.cpp)

  void reconcile();
  void reconcile_topic(const cluster::topic_state& topic);
  void drop_topic(const std::string& name, const char* why, log::level level);
  // Start one asynchronous store call for a topic unless one is in flight or backing off.
  bool may_call_store(const std::string& name);
  void start_create(const cluster::topic_state& topic);
  void start_delete(const std::string& name, const char* why, log::level level);
  void start_alter(const cluster::topic_state& topic);
  // On the io thread, after the store answered a call for `name`.
  void finish_store_call(const std::string& name, std::error_code ec, const std::string& message);
  std::function<void(std::error_code, const std::string&)> store_callback(const std::string& name);
  void retry_store_calls(std::int64_t now);
  void become_leader(local_partition& p, const cluster::partition_state& state);
  void become_follower(local_partition& p, const cluster::partition_state& state);
  void stop_following(local_partition& p);
  void schedule_isr_check();
  void check_isr();
  void publish_high_watermark(local_partition& p, ids::offset before);
  std::int64_t now_ms() const;
  follower_fetcher* fetcher_for(cluster::node_id leader);

  asio::io_context& _io;
  storage::log_store& _store;
  cluster::cluster_node& _node;
  replica_manager_options _options;
  std::map<key, local_partition> _partitions;
  std::map<storage::log_id, key> _by_log;
  std::map<cluster::node_id, std::unique_ptr<follower_fetcher>> _fetchers;
  std::map<std::string, topic_work> _topic_work;
  std::shared_ptr<io_gate> _gate;
  asio::steady_timer _isr_timer;
  std::function<void()> _hw_listener;
  bool _stopped = true;
  std::shared_ptr<bool> _alive = std::make_shared<bool>(true);
};

}  // namespace tern::replication
