#pragma once
// One forwarding link's upward half: an idempotent producer that sends every record of the
// local topics matching forward.<link>.topics to the upstream cluster, exactly once, in
// per-partition order, through any outage (Kafka's MirrorMaker with the store as its backlog).
//
// Exactly once, and why it holds:
// - The link works in rounds. A round is a list of local ranges [from, to), one per partition
//   log with a backlog (highest forward.<link>.priority first, within one batch.max.bytes).
//   Before any byte of a round is sent, the round's ranges (its "intent") are committed in the
//   link's store checkpoint together with the producer id/epoch and per-upstream-partition
//   sequences (link_state.h). Only when every upstream partition of the round has acknowledged
//   (acks=all) is the next checkpoint committed: positions moved to the ranges' ends, sequences
//   advanced, the intent cleared.
// - A round's batches are a pure function of that checkpoint and the local log
//   (round_builder.h), and one round puts exactly one batch in each upstream partition. So when
//   the gateway is killed at any point, or the link is cut before an answer arrives, the round is
//   re-sent identical: same producer id, epoch and base sequence, same records. An upstream that
//   already has the batch answers it as a duplicate (Kafka keeps each producer's last 5 batches
//   per partition; a round is the last one) and stores nothing twice; one that does not have it
//   stores it. Across rounds, sequences continue, so an upstream never sees a gap.
// - Retention and compaction leave alone what the checkpoint has not passed (store retention
//   holds); only the disk budget with full.policy=drop-oldest can take such records, and the
//   link then counts them (lost_records) and logs them as lost for the upstream.
// - If the upstream forgets the producer (UNKNOWN_PRODUCER_ID, OUT_OF_ORDER_SEQUENCE_NUMBER,
//   INVALID_PRODUCER_EPOCH: its producer state expired, e.g. after producer.id.expiration.ms of
//   silence), the link reads the tail of each upstream partition the round has not heard back
//   from, finds its own records there by their origin headers, records in the intent how far
//   each local log already got there, takes a new producer id and re-sends only the rest. The
//   reset is counted (producer_resets) and logged.
// - A power cut can set the store back by up to one sync interval (flush.ms), checkpoint and log
//   together (one LMDB snapshot). The link then re-sends that older round; an upstream that has
//   moved past its sequences answers OUT_OF_ORDER_SEQUENCE_NUMBER, handled as above: the tail
//   shows the round's records are there, so none is sent twice. (Records the gateway lost with
//   the power cut are gone locally; new local records that reuse their offsets are new rounds and
//   are sent, so the upstream may hold two different records with the same origin.)
//
// Errors: nothing is returned; status() tells what the link is doing and its last error
// (connection refused, TLS or SASL refused, upstream topic missing or not authorized, record too
// large for the upstream). Transient errors retry with exponential backoff up to
// reconnect.backoff.max.ms; errors the user must fix stop the affected topic (or the link) and
// are retried every reconnect.backoff.max.ms as well, so a fix upstream is picked up without a
// restart (SIGHUP restarts the link with the new configuration at once).
//
// In a cluster (replicated_checkpoint.h) the link runs on the controller only, and "committed"
// means committed to the metadata log by a majority: a runner that takes over re-sends exactly
// the round in flight its predecessor committed. It reads only records below this broker's high
// watermark (committed: they cannot vanish with a failover), and a round planned on another
// broker is rebuilt only once the local replica has all of it. Partitions without a replica on
// this broker stop their topic with a status saying so (they cannot be read here).
//
// Threads: start() spawns the link's thread; every network call, store read and checkpoint wait
// happens there (never on the hub's event loop: a TLS handshake to the cloud costs a Pi tens of
// milliseconds). status() may be called from any thread. stop() sets an abort flag that every
// blocking call checks within 100 ms, then joins.
// Lifetimes: the store must outlive the forwarder.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "forward/link_config.h"
#include "forward/link_worker.h"
#include "forward/link_state.h"
#include "forward/replicated_checkpoint.h"
#include "forward/round_builder.h"
#include "storage/log_store.h"

namespace tern::client {
class cluster_client;
}

namespace tern::forward {

struct forward_topic_status {
  std::string topic;     // local
  std::string upstream;  // upstream name
  std::string error;     // why it is stopped; empty when it forwards
  std::int64_t backlog_records = 0;
};

struct link_status {
  std::string name;
  std::string direction = "forward";
  std::string state = "starting";  // starting, connecting, connected, backoff, error, stopped
  std::string broker;              // the bootstrap broker connected to
  std::string last_error;
  std::int64_t last_error_ms = -1;  // wall clock
  std::uint64_t forwarded_records = 0;
  std::uint64_t forwarded_bytes = 0;
  std::uint64_t lost_records = 0;
  std::uint64_t producer_resets = 0;
  std::int64_t backlog_records = 0;
  std::int64_t backlog_bytes = 0;  // estimated from the partitions' stored bytes
  std::int64_t oldest_unforwarded_age_ms = -1;
  double records_per_sec = 0;  // over the last 10 s
  double bytes_per_sec = 0;
  std::vector<forward_topic_status> topics;
};

class forwarder {
 public:
  // `replicated`: the cluster's checkpoint (nullptr on a single node: the store's checkpoint).
  forwarder(storage::log_store& store, link_config config, std::string cluster_id,
            replicated_checkpoint* replicated = nullptr);
  ~forwarder();
  forwarder(const forwarder&) = delete;
  forwarder& operator=(const forwarder&) = delete;

  void start();  // once
  void stop();   // idempotent; joins the thread
  link_status status() const;
  const link_config& config() const { return _config; }

 private:
  struct upstream_topic {
    std::int32_t partition_count = 0;
    std::vector<std::int32_t> leaders;  // by partition, -1 unknown
    std::int16_t error = 0;             // metadata error for the topic
  };

  void run();
  bool wait_ms(std::int64_t ms);  // false when stopping
  void backoff();
  void set_state(const std::string& state);
  void set_error(const std::string& message, bool log_it = true);
  bool connect();
  void disconnect();
  bool init_producer();
  bool refresh_metadata();
  // Finds the local topics the link forwards (at most every local_scan_interval_ms unless
  // forced), gives new logs a position (and so a retention hold) at their start; true when the
  // set of logs changed.
  bool scan_local(bool force);
  bool wait_tracking(std::int64_t ms);
  bool commit();
  // Cluster: claims the link and loads its replicated state, retrying until it can (or stops).
  bool load_replicated();
  bool plan_round();
  bool build_round_batches();
  bool send_round();
  void finish_round();
  bool read_upstream_tails(const std::vector<upstream_partition>& partitions);
  void throttle(std::size_t bytes);
  void stop_topic(const std::string& upstream, const std::string& why);
  void publish_stopped();
  bool topic_usable(const std::string& upstream) const;
  // Records of `range` from the store, appended to `out` (views into `scratch`/the snapshot).
  bool read_range(const storage::read_txn& txn, const log_range& range, std::size_t budget,
                  std::vector<record_batch::record>& out, std::vector<std::vector<std::uint8_t>>& scratch,
                  std::int64_t& end);
  void publish_progress();
  void publish_state();  // the checkpointed totals and positions, for status()

  storage::log_store& _store;
  const link_config _config;
  const std::string _cluster_id;
  const std::string _checkpoint_name;

  replicated_checkpoint* const _replicated;
  link_worker _worker;

  // Link thread only.
  std::unique_ptr<client::cluster_client> _client;
  link_state _state;
  std::map<std::string, upstream_topic> _upstream;
  std::map<std::string, std::pair<std::string, std::int64_t>> _stopped;  // upstream → (why, since ms)
  std::int64_t _metadata_at_ms = -1;
  std::int64_t _local_scan_ms = 0;
  bool _metadata_stale = true;
  std::vector<upstream_batch> _round_batches;
  bool _round_built = false;
  bool _reload = false;  // a replicated commit failed: load the state again before anything else
  std::int64_t _backoff_ms = 0;
  std::size_t _rotation = 0;
  double _tokens = 0;
  std::int64_t _tokens_at_ns = 0;

  // Shared with status().
  mutable std::mutex _mutex;
  link_status _status;
  std::map<storage::log_id, std::int64_t> _positions;  // copy of _state.positions
  std::map<storage::log_id, std::pair<std::string, std::string>> _logs;  // log → topic, upstream
  std::map<std::string, std::string> _stopped_view;  // upstream topic → why (copy of _stopped)
  struct sample {
    std::int64_t at_ms;
    std::uint64_t records, bytes;
  };
  std::vector<sample> _samples;
};

}  // namespace tern::forward
