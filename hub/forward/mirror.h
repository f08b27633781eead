#pragma once
// One link's downward half: copies the upstream topics matching mirror.<link>.topics into local
// topics (mirror.<link>.topic.rename), exactly once, for device commands and configuration.
//
// Exactly once by construction: a mirrored partition keeps the upstream's offsets. Each fetched
// batch is appended as it came (a replica append: the upstream's base offsets, our leader epoch
// -1), so the local log end *is* the checkpoint: a batch is either in the local log, and the next
// Fetch starts after it, or not, and it is fetched again. A kill -9 between Fetch and append, or
// in the middle of an append, cannot duplicate or skip anything. Compacted upstream logs leave
// offset gaps, which the local log keeps.
//
// The local topic is created with the upstream's partition count when missing. Mirrored topics
// are for the mirror alone: a local producer writing to one takes offsets the upstream will use,
// and the partition then stops with an error (offset_mismatch) until the topic is recreated.
// When the upstream log starts beyond the local end (retention upstream while the link was down),
// the local partition restarts at the upstream's start and the skipped records are counted as
// lost (lost_records) and logged.
//
// Errors: none returned; status() tells (same fields as a forwarding link, direction "mirror":
// records = records copied down by this process, backlog = upstream high watermarks minus the
// local ends, -1 until every mirrored partition has answered once).
// Threads: start() spawns the mirror's thread; status() from any thread; stop() joins within
// about 100 ms plus an append in progress. Lifetimes: the store outlives the mirror.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "forward/forwarder.h"
#include "forward/link_config.h"
#include "forward/link_worker.h"
#include "storage/log_store.h"

namespace tern::client {
class cluster_client;
}

namespace tern::forward {

class mirror {
 public:
  mirror(storage::log_store& store, link_config config);
  ~mirror();
  mirror(const mirror&) = delete;
  mirror& operator=(const mirror&) = delete;

  void start();
  void stop();
  link_status status() const;

 private:
  struct partition_state {
    std::string upstream_topic;
    std::int32_t partition = 0;
    std::string local_topic;
    storage::log_id log{0};
    std::int32_t leader = -1;
    std::int64_t upstream_high_watermark = -1;
    std::string error;  // why it is paused
    std::int64_t retry_at_ms = 0;
  };

  void run();
  bool wait_ms(std::int64_t ms);
  bool refresh();  // metadata, local topics
  bool fetch_round();
  bool reset_to_upstream_start(partition_state& p);
  void set_error(const std::string& message);

  storage::log_store& _store;
  const link_config _config;
  link_worker _worker;

  // Mirror thread only.
  std::unique_ptr<client::cluster_client> _client;
  std::int64_t _refreshed_at_ms = -1;
  std::int64_t _backoff_ms = 0;

  mutable std::mutex _mutex;
  link_status _status;
  std::map<std::pair<std::string, std::int32_t>, partition_state> _partitions;
};

}  // namespace tern::forward
