#pragma once
// Runs the configured forwarding links (forwarder.h; mirrors when configured) and publishes their
// status to a JSON file in the data directory (`<log.dirs>/forward-status.json`, rewritten about
// every second by rename, so a reader never sees half a file) that `tern forward status` prints.
//
// apply() takes the links of the configuration: at start-up, and again on SIGHUP with the file
// re-read. Links whose settings changed restart (the new password or a fixed topic take effect
// at once); unchanged ones keep running; links no longer configured stop and their checkpoints
// are dropped, which releases their retention holds (else data they held would stay forever) —
// a link configured again later starts over from each log's start, and says so.
//
// In a cluster (set_cluster): every broker is configured with the same links, but they run on
// the controller only (cluster_links.h): set_active() starts and stops them as this node gains
// and loses that role, on the status thread (stopping a link joins its thread, which the
// cluster's io thread must not wait for). A broker that does not run them reports each link as
// "standby" with the totals of its replicated checkpoint. Checkpoints are not dropped here:
// the controller drops the replicated state of links no longer configured.
//
// Errors: none returned; each link reports its own in status(). Threads: apply() and stop() from
// one thread (the hub's loop); status() from any. Lifetimes: the store outlives the manager.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "forward/forwarder.h"
#include "forward/link_config.h"
#include "storage/log_store.h"

namespace tern::forward {

class mirror;
class cluster_links;

class link_manager {
 public:
  // `status_path` empty: no status file.
  link_manager(storage::log_store& store, std::string status_path);
  ~link_manager();
  link_manager(const link_manager&) = delete;
  link_manager& operator=(const link_manager&) = delete;

  // Before the first apply(); `links` outlives this manager. (Links start and stop on the
  // status thread: a clustered manager needs a status path.)
  void set_cluster(cluster_links* links) { _cluster = links; }
  void apply(std::vector<link_config> links, const std::map<std::string, std::string>& raw_settings);
  // Cluster: whether this node runs the links (any thread; takes effect on the status thread).
  void set_active(bool active);
  void stop();
  std::vector<link_status> status() const;
  // The status as the JSON document the file holds.
  std::string status_json() const;

 private:
  struct running {
    std::string settings;  // the link's raw keys, to tell whether it changed
    std::unique_ptr<forwarder> up;
    std::unique_ptr<mirror> down;
  };
  void write_status_loop();
  void apply_clustered(std::vector<link_config> links, const std::map<std::string, std::string>& raw_settings);
  // Cluster: starts and stops links to match _configured and _active (holding _apply_mutex).
  void reconcile_clustered();
  void activate_if_asked();

  storage::log_store& _store;
  const std::string _status_path;
  mutable std::mutex _mutex;  // guards _links against status() while apply() changes them
  std::map<std::string, running> _links;
  cluster_links* _cluster = nullptr;
  std::mutex _apply_mutex;  // cluster: serializes apply() with activation
  std::map<std::string, std::pair<link_config, std::string>> _configured;  // cluster: name -> config, settings
  bool _active = false;       // cluster: links run here (under _apply_mutex)
  bool _want_active = false;  // under _stop_mutex
  bool _start_pending = false;  // cluster: links wait for the cluster's id (under _apply_mutex)
  std::mutex _stop_mutex;
  std::condition_variable _stop_cv;
  bool _stopping = false;
  bool _kick = false;  // apply() changed the links: write the status now
  std::thread _status_writer;
};

// JSON string escaping (RFC 8259) for the status document.
std::string json_escape(std::string_view s);

}  // namespace tern::forward
