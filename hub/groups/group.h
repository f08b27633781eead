#pragma once
// One group's state machine: Kafka's classic group protocol (GroupCoordinator.scala and
// GroupMetadata.scala are the reference for the semantics; this is our own code).
//
//   Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance
//     ▲                 ▲    ▲                                                 │ leader's sync
//     │ no member left  │    └─────── join, leave, session expiry ─────────── Stable ◀┘
//     └─────────────────┘
//
// - A rebalance (PreparingRebalance) collects JoinGroups. It completes when every member has
//   rejoined and no MEMBER_ID_REQUIRED member is outstanding, or when the rebalance timeout (the
//   largest of the members') expires: dynamic members that did not rejoin are removed, static
//   ones stay until their session expires. The first rebalance of an empty group instead waits
//   group_initial_rebalance_delay_ms, again while new members keep coming (up to the rebalance
//   timeout), so a starting fleet lands in one generation.
// - Completion increments the generation, selects the protocol (one every member supports,
//   chosen by the members' votes), keeps the leader if it rejoined (else the first member to
//   have rejoined), answers every JoinGroup (the leader gets all members' metadata) and enters
//   CompletingRebalance. The leader's SyncGroup sets every member's assignment and answers all
//   waiting SyncGroups; followers' syncs wait for it. Members that never send SyncGroup within
//   the rebalance timeout are removed and the group rebalances.
// - Session timeouts are per member, re-armed by heartbeat, join/sync completion and offset
//   commits. A member waiting in JoinGroup or SyncGroup is not expired (the rebalance and sync
//   deadlines bound those waits), except a brand-new member: it may wait at most
//   new_member_join_timeout_ms.
// - Static members (group.instance.id): a known instance id joining without a member id takes
//   over the old member's place under a new member id. In Stable, if the selected protocol stays
//   the same, there is no rebalance: it is told the current generation (with the previous leader
//   id, so it never runs an assignment) and gets its old assignment from SyncGroup. The old
//   member id is fenced (FENCED_INSTANCE_ID) from then on.
//
// Callbacks are never run from inside the group: they are queued in the shared outbox, which the
// coordinator runs once the group is consistent again. Each callback runs exactly once.
// Single-threaded: everything happens on the io_context's thread.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "groups/deadline_timer.h"
#include "groups/options.h"
#include "groups/types.h"

namespace tern::groups {

class group;

// What every group shares with the coordinator that owns it.
struct group_env {
  asio::io_context& io;
  // What every timer of the coordinator measures time on (the system clock but in tests).
  const clock& time;
  const coordinator_options& options;
  // Deferred callbacks, run by the coordinator after each operation.
  std::vector<std::function<void()>>& outbox;
  // Bytes of member state held by all groups (members' ids, metadata, assignments).
  std::size_t& state_bytes;
  // A fresh member id "<prefix>-<uuid>".
  std::function<std::string(std::string_view prefix)> new_member_id;
  // Called at the end of every timer-driven event of `g`: may destroy `g` (when it became
  // collectible) and runs the outbox.
  std::function<void(group& g)> settle;
};

// Bytes a member with these fields is charged against state_bytes_max.
std::size_t member_state_bytes(const join_params& p, std::size_t member_id_size);

class group {
 public:
  group(std::string id, group_env& env);
  ~group();
  group(const group&) = delete;
  group& operator=(const group&) = delete;

  const std::string& id() const { return _id; }
  group_state state() const { return _state; }
  std::int32_t generation() const { return _generation; }
  // Empty with no members and no MEMBER_ID_REQUIRED member outstanding: nothing to remember
  // (committed offsets live in storage), so the coordinator forgets the group.
  bool collectible() const;
  // Bytes currently charged for `member_id` (0 if not a member).
  std::size_t charged_bytes(std::string_view member_id) const;

  // The coordinator has validated the group id, the session timeout and the request's limits,
  // and deduplicated the protocols. `done` runs exactly once (through the outbox).
  void join(join_params p, join_callback done);
  void sync(sync_params p, sync_callback done);
  std::error_code heartbeat(std::int32_t generation_id, std::string_view member_id,
                            const std::optional<std::string>& group_instance_id);
  leave_result leave(const std::vector<member_identity>& members);
  std::error_code validate_commit(std::int32_t generation_id, std::string_view member_id,
                                  const std::optional<std::string>& group_instance_id);
  // Empty → Dead (the coordinator then drops the group); non_empty_group otherwise.
  std::error_code mark_dead();

  group_summary summary() const;
  group_description describe() const;

  // Answers every waiting callback with coordinator_not_available and cancels every timer.
  void shutdown();

 private:
  // Charges a number of bytes against the shared state_bytes while it lives.
  class charge {
   public:
    explicit charge(std::size_t& total) : _total(total) {}
    ~charge() { _total -= _bytes; }
    charge(const charge&) = delete;
    charge& operator=(const charge&) = delete;
    void set(std::size_t n) {
      _total = _total - _bytes + n;
      _bytes = n;
    }
    std::size_t amount() const { return _bytes; }

   private:
    std::size_t& _total;
    std::size_t _bytes = 0;
  };

  struct member {
    member(asio::io_context& io, const clock& time, std::size_t& total)
        : session(io, time), charged(total) {}
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    std::int32_t session_timeout_ms = 0;
    std::int32_t rebalance_timeout_ms = 0;
    std::vector<protocol> protocols;
    bytes assignment;
    join_callback join_cb;        // set while the member waits in JoinGroup
    sync_callback sync_cb;        // set while the member waits in SyncGroup
    bool is_new = true;           // has not completed a JoinGroup yet
    std::uint64_t added_seq = 0;  // membership order (the leader's member list)
    std::uint64_t join_seq = 0;   // order of the latest JoinGroup (leader election)
    deadline_timer session;
    charge charged;
  };

  // A member id handed out with MEMBER_ID_REQUIRED, valid until its session timeout.
  struct pending_member {
    pending_member(asio::io_context& io, const clock& time, std::size_t& total)
        : expiry(io, time), charged(total) {}
    deadline_timer expiry;
    charge charged;
  };

  enum class join_phase { none, initial_delay, waiting };

  // JoinGroup paths.
  bool accept_joining_member(std::string_view member_id,
                             const std::optional<std::string>& instance_id) const;
  void join_new_member(join_params p, join_callback done);
  void join_current_member(join_params p, join_callback done);
  void add_member_and_rebalance(std::string member_id, join_params& p, join_callback done);
  void replace_static_member(const std::string& old_id, std::string new_id, join_params& p,
                             join_callback done);
  void update_member(member& m, join_params& p, join_callback done);
  void add_pending_member(std::string member_id, std::int32_t session_timeout_ms);

  // Rebalance barrier.
  void maybe_prepare_rebalance(std::string_view reason);
  void prepare_rebalance(std::string_view reason);
  void arm_initial_delay(std::int32_t delay_ms, std::int32_t remaining_ms);
  void arm_join_deadline(std::int32_t floor_ms = 0);
  void maybe_complete_join();
  void complete_join();
  bool elect_joined_leader();
  void start_generation();

  // Sync barrier.
  std::error_code validate_sync(const sync_params& p) const;
  void apply_leader_assignment(const std::vector<member_assignment>& assignments);
  void propagate_assignment(std::error_code error);
  void reset_and_propagate_assignment_error(std::error_code error);
  void remove_pending_sync(const std::string& member_id);
  void on_sync_expired(std::int32_t generation);

  // Membership.
  member* find(std::string_view member_id) const;
  std::error_code validate_current_member(std::string_view member_id,
                                          const std::optional<std::string>& instance_id) const;
  std::error_code leave_one(const member_identity& who);
  void remove_member(member& m, std::error_code answer);
  void remove_member_and_update(member& m, std::string_view reason);
  void on_session_expired(member& m);
  void on_pending_expired(const std::string& member_id);
  void arm_session(member& m, std::int64_t timeout_ms);
  void account(member& m);

  // Protocols.
  bool supports_protocols(const std::string& protocol_type,
                          const std::vector<protocol>& protocols) const;
  std::string select_protocol() const;
  void count_protocols(const member& m, int delta);
  std::int32_t rebalance_timeout_ms() const;
  std::size_t max_size() const;

  // Answers.
  std::vector<member*> members_in_order() const;
  std::vector<join_member> join_members() const;
  join_result current_generation_result(const member& m, std::string leader_id,
                                        bool with_members) const;
  void answer_join(member& m, join_result r);
  void answer_sync(member& m, sync_result r);
  void reply(join_callback done, join_result r);
  void reply(sync_callback done, sync_result r);

  std::string _id;
  group_env& _env;
  group_state _state = group_state::empty;
  std::int32_t _generation = 0;
  std::optional<std::string> _protocol_type;
  std::optional<std::string> _protocol_name;
  std::string _leader;  // "" = none
  std::map<std::string, std::unique_ptr<member>, std::less<>> _members;
  std::map<std::string, std::string, std::less<>> _static_members;  // instance id → member id
  std::map<std::string, std::unique_ptr<pending_member>, std::less<>> _pending;
  std::map<std::string, std::size_t, std::less<>> _protocol_counts;  // name → members offering it
  std::set<std::string, std::less<>> _pending_sync;  // members yet to send SyncGroup
  std::size_t _num_awaiting_join = 0;
  bool _new_member_added = false;
  join_phase _join_phase = join_phase::none;
  std::uint64_t _seq = 0;
  deadline_timer _join_timer;
  deadline_timer _sync_timer;
};

}  // namespace tern::groups
