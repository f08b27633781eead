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

class link_manager {
 public:
  // `status_path` empty: no status file.
  link_manager(storage::log_store& store, std::string status_path);
  ~link_manager();
  link_manager(const link_manager&) = delete;
  link_manager& operator=(const link_manager&) = delete;

  void apply(std::vector<link_config> links, const std::map<std::string, std::string>& raw_settings);
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

  storage::log_store& _store;
  const std::string _status_path;
  mutable std::mutex _mutex;  // guards _links against status() while apply() changes them
  std::map<std::string, running> _links;
  std::mutex _stop_mutex;
  std::condition_variable _stop_cv;
  bool _stopping = false;
  bool _kick = false;  // apply() changed the links: write the status now
  std::thread _status_writer;
};

// JSON string escaping (RFC 8259) for the status document.
std::string json_escape(std::string_view s);

}  // namespace tern::forward
