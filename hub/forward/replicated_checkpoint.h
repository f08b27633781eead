#pragma once
// Where a forwarding link keeps its checkpoint when the hub is a cluster: in the metadata log
// instead of the local store (cluster_links.h implements it). The forwarder's exactly-once
// argument (forwarder.h) is unchanged; only "committed" means "committed by a majority of the
// metadata quorum and applied" instead of "written to the local store".
//
// The link runs on one node at a time (the controller). A runner first claims the link (load):
// it proposes the state it read back unchanged, compare-and-set on the link's update count
// (metadata_records.h, forward_link_state_record). Once that commits, every update made by an
// earlier runner is in its image, and any proposal an earlier runner still has in flight is
// decided against an older count and skipped. Every later commit is compare-and-set on the
// count the previous one produced, so a runner that lost the link learns it from its first
// failed commit, before it sends anything it planned afterwards.
//
// Errors: load() and commit() return false with a reason in `why` (not the controller, no
// quorum, the link was updated by another runner, a topic of the state not created locally yet,
// `abort` set); after a failed commit the caller must load() again before it sends anything.
// Threads: called from the link's own thread; implementations hop to the cluster's thread.
// Lifetimes: the implementation outlives the forwarder using it.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "forward/link_state.h"

namespace tern::forward {

class replicated_checkpoint {
 public:
  virtual ~replicated_checkpoint() = default;
  // Claims the link and reads its latest replicated state into `state` (a fresh state when the
  // cluster never ran it).
  virtual bool load(link_state& state, std::string& why, const std::atomic<bool>* abort) = 0;
  // Commits `state` (majority); on false nothing of it may be acted on.
  virtual bool commit(const link_state& state, std::string& why, const std::atomic<bool>* abort) = 0;
  // Whether this broker holds a replica of the partition (its records below the local high
  // watermark are committed and readable here). A partition without a local replica cannot be
  // forwarded by this node.
  virtual bool hosted(std::string_view topic, std::int32_t partition) const = 0;
};

}  // namespace tern::forward
