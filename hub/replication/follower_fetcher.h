#pragma once
// One follower fetcher per source (leader) broker, on its own thread (Kafka's
// ReplicaFetcherThread): it keeps the local replicas of the partitions this broker follows from
// that leader in step with the leader's logs.
//
// Per partition (log id, topic, partition, leader epoch) it runs three phases:
// - truncating: reconcile a possibly divergent tail. OffsetForLeaderEpoch v3 (replica_id = self,
//   current_leader_epoch, leader_epoch = the local last epoch); decide_truncation() then cuts the
//   local log (log_store::truncate) and, when the leader answered with an epoch we do not know,
//   asks again (at most truncation_rounds_max times). A partition with no local epoch is not
//   asked: it keeps what its high watermark vouches for.
// - fetching: Fetch v9–v12 (replica_id = self, current_leader_epoch, isolation 0, max_wait_ms)
//   from the local log end; the whole, CRC-checked batches are appended as replica appends
//   (the leader's offsets and epochs), then the local high watermark becomes
//   min(leader HW, local log end).
// - paused: the leader answered FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH,
//   NOT_LEADER_OR_FOLLOWER or UNKNOWN_TOPIC_OR_PARTITION (or the store refused the epoch): the
//   error callback is told, and the broker refreshes its metadata and calls remove_partitions /
//   add_partitions (re-adding starts over at truncating).
// OFFSET_OUT_OF_RANGE: ListOffsets (earliest, replica_id = self) — when the leader's log starts
// beyond ours, the local log is reset() to that start; otherwise the partition goes back to
// truncating. Corrupt batches, other leader errors and store failures keep the partition but
// delay it (backoff). Connection errors close the connection; it reopens with exponential backoff.
//
// Memory and the storage writer's queue: a fetcher holds one Fetch answer at a time (at most
// max_bytes, the client's frame cap) and applies it partition by partition, waiting for each
// store call's callback (append, truncate, reset) before the next one and before the next
// request. So it never has more than one call queued on the writer: for an append, one
// partition's batches, at most max(partition_max_bytes, the leader's largest batch) bytes. The
// broker runs one fetcher per leader broker, which bounds what followers queue to
// (brokers - 1) x that, whatever the number of partitions (see log_store::append).
//
// Threads: start() spawns the fetcher thread; every network call and every wait on the store
// happens there. add_partitions, remove_partitions and status are thread-safe (any thread, not
// the error callback's). A response is applied to the store under the fetcher's lock, so once
// remove_partitions() returns the fetcher never writes that partition again (it may wait for
// one append in progress). stop() joins the thread: it waits for the request in flight, at most
// max_wait_ms + request_slack_ms (a leader that never answers), normally about max_wait_ms.
//
// Errors: add_partitions returns too_many_partitions past partitions_max (nothing added).
// The error callback runs on the fetcher thread, without the fetcher's lock, with the partition
// and a replication_errc (fenced_leader_epoch, unknown_leader_epoch, not_leader_or_follower,
// leader_error for UNKNOWN_TOPIC_OR_PARTITION, truncation_failed, unsupported_version) or a
// storage_errc; it must not call stop() or block for long. Everything else is in status().
//
// Lifetimes: the log_store must outlive the fetcher. status() returns copies.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "client/kafka_connection.h"
#include "replication/errors.h"
#include "replication/follower_logic.h"
#include "replication/leader_state.h"
#include "storage/log_store.h"

namespace tern::replication {

struct fetcher_options {
  node_id self = ids::no_node;    // this broker: the replica_id of every request
  node_id leader = ids::no_node;  // the source broker (for messages)
  std::string host;
  std::uint16_t port = 0;
  client::tls_settings tls;  // PLAINTEXT when tls.config is null
  std::string client_id = "tern-replica-fetcher";
  std::int32_t max_wait_ms = 500;
  std::int32_t min_bytes = 1;
  std::int32_t max_bytes = 16 << 20;           // per Fetch response (the client caps frames)
  std::int32_t partition_max_bytes = 1 << 20;  // per partition per Fetch
  std::int64_t connect_timeout_ms = 1000;
  std::int64_t request_slack_ms = 1000;  // a request's timeout is max_wait_ms + this
  std::int64_t backoff_min_ms = 50;
  std::int64_t backoff_max_ms = 2000;
  std::size_t partitions_max = 4096;
  int truncation_rounds_max = 16;
};

// A partition followed from this fetcher's leader.
struct followed_partition {
  storage::log_id log{0};
  std::string topic;
  ids::partition_index partition{0};
  ids::leader_epoch leader_epoch = ids::no_leader_epoch;  // the leader's epoch as the metadata says
};

enum class fetch_phase { truncating, fetching, out_of_range, paused };

struct partition_status {
  followed_partition partition;
  fetch_phase phase = fetch_phase::truncating;
  ids::offset log_end = ids::no_offset;                // local, read at status() time
  ids::offset high_watermark = ids::no_offset;         // local
  ids::offset leader_high_watermark = ids::no_offset;  // as of the last Fetch answer
  // leader_high_watermark - log_end, at least 0; -1 before the first answer. (The leader's log
  // end is not in a Fetch answer: this is the committed data still missing here.)
  std::int64_t lag = -1;
  std::error_code last_error;
  std::int16_t last_leader_error = 0;  // the last wire error code from the leader
};

class follower_fetcher {
 public:
  using error_callback = std::function<void(const followed_partition&, std::error_code)>;

  follower_fetcher(storage::log_store& store, fetcher_options options, error_callback on_error);
  ~follower_fetcher();  // stop()
  follower_fetcher(const follower_fetcher&) = delete;
  follower_fetcher& operator=(const follower_fetcher&) = delete;

  void start();  // once
  void stop();   // idempotent; joins the thread
  const fetcher_options& options() const { return _options; }

  // Adds (or replaces, by topic and partition) followed partitions; each starts at truncating.
  // Errors: too_many_partitions when the total would exceed partitions_max (nothing added).
  std::error_code add_partitions(const std::vector<followed_partition>& partitions);
  void remove_partitions(
      const std::vector<std::pair<std::string, ids::partition_index>>& partitions);
  std::vector<partition_status> status() const;
  std::size_t partition_count() const;

 private:
  struct entry {
    partition_status status;
    std::uint64_t generation = 0;  // changes when (re-)added: stale answers are dropped
    int truncation_rounds = 0;
    std::int64_t retry_after_ms = 0;
    std::int64_t backoff_ms = 0;
  };
  using key = std::pair<std::string, ids::partition_index>;
  struct work_item {
    key k;
    std::uint64_t generation = 0;
    followed_partition partition;
  };
  using reports = std::vector<std::pair<followed_partition, std::error_code>>;
  struct fetch_context;

  void run();
  bool wait_for(std::int64_t ms);  // false when stopping
  std::error_code ensure_connected();
  std::vector<work_item> take_work(fetch_phase phase);
  std::error_code truncation_round(reports& out);
  std::error_code resolve_out_of_range(reports& out);
  std::error_code fetch_round(reports& out);
  void apply_epoch_answer(entry& e, std::int16_t error, epoch_end_offset leader, reports& out);
  void apply_fetched(entry& e, const fetch_context& f, reports& out);
  bool leader_error(entry& e, std::int16_t error, reports& out);
  void delay(entry& e, std::error_code ec);
  void pause(entry& e, std::error_code ec, reports& out);
  entry* find_current(const work_item& w);
  void report(reports& out);

  storage::log_store& _store;
  const fetcher_options _options;
  const error_callback _on_error;
  client::kafka_connection _connection;  // fetcher thread only
  std::int16_t _fetch_version = -1;      // fetcher thread only

  mutable std::mutex _mutex;
  std::condition_variable _wake;
  bool _stopping = false;
  std::uint64_t _next_generation = 1;
  std::map<key, entry> _partitions;
  std::thread _thread;
};

}  // namespace tern::replication
