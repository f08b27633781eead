#pragma once
// The leader's side of ISR replication for one partition this broker leads (Kafka's Partition
// and Replica state): the replicas and the ISR as the metadata says, the leader epoch and the
// offset where it began, the leader's log end offset (LEO), and per follower its LEO, when it was
// last caught up and when it last fetched. From these it derives the high watermark (HW), the
// ISR changes to propose to the controller, whether an acks=all append may be taken, and it
// completes acks=all waits.
//
// Rules (Kafka's):
// - A follower's LEO is the offset of its latest fetch (it has everything below it, durably: a
//   follower fetches from its own log end, which it reports only after its append committed).
//   The leader's LEO must likewise be its durable log end (on_leader_append after the commit).
// - lastCaughtUpTimeMs: a fetch at or beyond the leader's LEO makes the follower caught up now; a
//   fetch that reaches the leader's LEO as of the follower's previous fetch makes it caught up as
//   of that previous fetch.
// - HW = min LEO over the ISR (the leader included; a follower whose LEO is not known yet holds
//   it back). It never decreases while this object lives, and never passes the leader's LEO.
// - Shrink candidates: ISR followers neither at the leader's LEO nor caught up within
//   replica_lag_time_max_ms. Expand candidates: replicas outside the ISR whose LEO >= HW and
//   >= epoch_start_offset (the leader's LEO when its epoch began). This object never changes the
//   ISR itself: the controller commits a change and the broker calls update_assignment().
// - acks=all: can_accept() refuses when the ISR is smaller than min_insync_replicas; a wait for
//   an offset completes when HW reaches it — with success, or NOT_ENOUGH_REPLICAS_AFTER_APPEND if
//   the ISR is then below the minimum (the data is in the log but not on enough replicas).
//
// A new leader epoch is a new leader_state: construct one whenever this broker becomes leader
// and call step_down() on the old one (it fails the waits still pending).
//
// Time: every call that needs it takes `now_ms` from a monotonic clock; nothing here reads a
// clock. Timeouts of acks=all waits are deadlines checked by tick(now_ms), which the owner calls
// periodically (e.g. every 100 ms) and after time-sensitive events.
//
// Threads: none of its own and not thread-safe; one owner thread (the partition's io thread)
// makes every call. Callbacks run synchronously on that thread, inside the call that completes
// them, after the state is updated: a callback may call back into this object.
//
// Errors are std::error_code values of replication_errc, listed per call. Bounds: at most
// waiters_max pending waits; replicas are deduplicated.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <system_error>
#include <vector>

#include "replication/errors.h"
#include "tern/common/ids.h"

namespace tern::replication {

using node_id = ids::node_id;

struct leader_options {
  std::int64_t replica_lag_time_max_ms = 30000;  // Kafka's replica.lag.time.max.ms default
  std::int32_t min_insync_replicas = 1;          // min.insync.replicas, for acks=all
  std::size_t waiters_max = 4096;                // pending acks=all waits
};

class leader_state {
 public:
  // Runs once with {} (replicated), not_enough_replicas_after_append, request_timed_out or
  // not_leader_or_follower.
  using waiter_callback = std::function<void(std::error_code)>;

  struct follower {
    node_id node = ids::no_node;
    ids::offset log_end = ids::no_offset;  // -1 until its first fetch as seen by this leader
    std::int64_t last_caught_up_ms = 0;    // Kafka's lastCaughtUpTimeMs
    std::int64_t last_fetch_ms = -1;       // -1: never fetched from this leader
    ids::offset last_fetch_leader_log_end = ids::no_offset;  // the leader's LEO at that fetch
  };

  struct isr_changes {
    std::vector<node_id> shrink;  // ISR followers to remove
    std::vector<node_id> expand;  // replicas to add
  };

  // Becomes leader of `leader_epoch` at `now_ms`. `log_end` is the leader's durable LEO (also the
  // epoch's start offset), `high_watermark` the HW it had as a follower (clamped to log_end).
  // The metadata is normalised, not trusted: duplicates are dropped, `self` is added to the
  // replicas and the ISR if missing, ISR entries that are not replicas are ignored. ISR followers
  // count as caught up at now_ms; their LEO is unknown until they fetch.
  leader_state(node_id self, ids::leader_epoch leader_epoch, const std::vector<node_id>& replicas,
               const std::vector<node_id>& isr, ids::offset log_end, ids::offset high_watermark,
               const leader_options& options, std::int64_t now_ms);

  // A follower fetched from `fetch_offset` at `now_ms` (after the broker checked the request's
  // leader epoch and the offset against the log start). Updates its LEO, caught-up time and the
  // HW; completes the waits HW now covers.
  // Errors: not_leader_or_follower (stepped down), unknown_replica (not a replica, or self),
  // offset_out_of_range (fetch_offset < 0 or beyond the leader's LEO). State is unchanged then.
  std::error_code on_follower_fetch(node_id node, ids::offset fetch_offset, std::int64_t now_ms);

  // The leader's own log grew to `log_end` (durably committed). With ISR = {self} this moves HW.
  // Precondition (asserted): log_end never decreases while leading.
  void on_leader_append(ids::offset log_end, std::int64_t now_ms);

  // The controller committed a new assignment / ISR for the same leader epoch (normalised as in
  // the constructor). Followers no longer replicas are forgotten; new ones start unknown; new ISR
  // members count as caught up at now_ms. HW is recomputed (never lowered) and waits completed.
  void update_assignment(const std::vector<node_id>& replicas, const std::vector<node_id>& isr,
                         std::int64_t now_ms);

  // ISR changes to propose to the controller as of now_ms (empty when stepped down).
  isr_changes pending_isr_changes(std::int64_t now_ms) const;

  // Whether an append with these acks may be taken now.
  // Errors: not_leader_or_follower (stepped down); not_enough_replicas (acks_all and the ISR is
  // below min_insync_replicas).
  std::error_code can_accept(bool acks_all) const;

  // Calls `done` when HW >= `offset` (the append's last offset + 1), or with an error: see
  // waiter_callback. Runs `done` at once (inside this call) when HW already covers `offset`, when
  // stepped down (not_leader_or_follower) or when waiters_max waits are pending
  // (too_many_waiters). `deadline_ms` is on the now_ms clock and enforced by tick().
  void wait_for_offset(ids::offset offset, std::int64_t deadline_ms, waiter_callback done);

  // Fails the waits whose deadline is <= now_ms with request_timed_out.
  void tick(std::int64_t now_ms);

  // This broker no longer leads: fails every pending wait with not_leader_or_follower; later
  // calls see not_leader_or_follower. Idempotent.
  void step_down();

  bool is_leader() const { return _leader; }
  node_id self() const { return _self; }
  ids::leader_epoch leader_epoch() const { return _leader_epoch; }
  ids::offset epoch_start_offset() const { return _epoch_start_offset; }
  ids::offset log_end() const { return _log_end; }
  ids::offset high_watermark() const { return _high_watermark; }
  const std::vector<node_id>& replicas() const { return _replicas; }
  const std::vector<node_id>& isr() const { return _isr; }
  // Followers (every replica but self), in replica order. The reference lives until the next
  // non-const call.
  const std::vector<follower>& followers() const { return _followers; }
  std::size_t waiting() const { return _waiters.size(); }

 private:
  struct waiter {
    std::int64_t deadline_ms = 0;
    waiter_callback done;
  };
  using fired = std::vector<std::pair<waiter_callback, std::error_code>>;

  bool in_isr(node_id node) const;
  follower* find_follower(node_id node);
  void set_assignment(const std::vector<node_id>& replicas, const std::vector<node_id>& isr,
                      std::int64_t now_ms);
  void advance_high_watermark(fired& out);
  static void run(fired& callbacks);

  node_id _self;
  ids::leader_epoch _leader_epoch;
  ids::offset _epoch_start_offset;
  ids::offset _log_end;
  ids::offset _high_watermark;
  leader_options _options;
  bool _leader = true;
  std::vector<node_id> _replicas;
  std::vector<node_id> _isr;
  std::vector<follower> _followers;
  std::multimap<ids::offset, waiter> _waiters;  // by offset
};

}  // namespace tern::replication
