#pragma once
// The group coordinator: Kafka's classic consumer-group protocol (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, the group checks of OffsetCommit, ListGroups, DescribeGroups,
// DeleteGroups) over in-memory group state. group.h describes the state machine.
//
// Design
// - It knows the protocol's semantics, not its wire format: hub/kafka decodes a request, calls
//   in here, and turns the groups_errc it gets into the Kafka error code of the same name.
//   Committed offsets are not kept here: storage owns them. validate_commit() only says whether
//   a member may commit now.
// - Membership is not durable. After a restart every member gets UNKNOWN_MEMBER_ID (or
//   ILLEGAL_GENERATION) on its next request and rejoins: a rebalance, no data loss (offsets are
//   durable). Kafka persists group metadata to shorten exactly that rebalance; we may later.
// - A group that becomes Empty (no members, no MEMBER_ID_REQUIRED member outstanding) is
//   forgotten at once: nothing of it matters but its committed offsets, which storage keeps. So
//   for describe()/list()/delete_group() hub/kafka merges in the groups that have only committed
//   offsets: Kafka reports those as state "Empty" (protocol type "consumer" if it was one), an
//   id it knows nothing of as "Dead", and deletes offsets-only groups.
// - Threads: all calls, timers and callbacks run on the io_context's thread; no locks.
//   Destroy the coordinator before its io_context (its timers belong to it).
// - Callbacks: each join/sync callback runs exactly once — perhaps before join()/sync() returns,
//   perhaps from a later call or timer, and with coordinator_not_available on shutdown(). They
//   run only when the coordinator is consistent and may call back into it. They must not throw.
// - Time: every deadline (session and new-member timeouts, the initial rebalance delay, the
//   rebalance and sync timeouts) is measured on the clock given at construction (common/clock.h):
//   the system clock in the hub, a manual_clock in tests, which then advance time instead of
//   sleeping. The coordinator reads no other time.
// - Limits: coordinator_options (options.h) bounds groups, members, protocols, bytes per member
//   and all state bytes together; each limit says which error a client gets.
//
// Clustering: with several hubs the controller (the metadata quorum's leader) coordinates every
// group and committed offsets are replicated through the quorum (kafka/group_offsets.h); the
// other brokers answer group requests with NOT_COORDINATOR. A node whose controller loses the
// leadership calls release_all(), so its members find the new coordinator and rejoin there.
// node_id() is this node's id for FindCoordinator.
#include <asio.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "groups/errors.h"
#include "groups/group.h"
#include "groups/options.h"
#include "groups/types.h"
#include "tern/common/clock.h"

namespace tern::groups {

class coordinator {
 public:
  // `time`: see Design; a manual clock's context must outlive the coordinator.
  coordinator(asio::io_context& io, coordinator_options options, clock time = clock::system());
  // Calls shutdown().
  ~coordinator();
  coordinator(const coordinator&) = delete;
  coordinator& operator=(const coordinator&) = delete;

  // JoinGroup. `done` gets the generation, the chosen protocol, the leader and (for the leader)
  // every member's metadata, once the rebalance completes. Errors:
  //   invalid_group_id (empty/over-long id), invalid_session_timeout, invalid_request (over
  //   protocols_per_member_max or member_bytes_max), coordinator_not_available (shut down,
  //   groups_max, state_bytes_max, too many pending member ids), unknown_member_id (member id
  //   unknown to the group, or group unknown), member_id_required (v4+ new member: member_id
  //   holds the id to rejoin with), inconsistent_group_protocol (protocol type differs, no
  //   protocol in common, or none offered), group_max_size_reached, fenced_instance_id (an
  //   older id of a static member), rebalance_in_progress (superseded by a newer JoinGroup of
  //   the same member).
  // Protocols are used in the order given; a repeated protocol name keeps its first entry.
  void join(join_params params, join_callback done);

  // SyncGroup. The leader's assignments complete every member's sync of the generation.
  // Errors: coordinator_not_available, invalid_group_id, unknown_member_id (unknown group or
  // member; also a member removed while waiting), fenced_instance_id, illegal_generation,
  // inconsistent_group_protocol (v5 protocol type/name mismatch), rebalance_in_progress (the
  // group rebalances: rejoin).
  void sync(sync_params params, sync_callback done);

  // Heartbeat: keeps the member's session alive. Errors: coordinator_not_available,
  // invalid_group_id, unknown_member_id, fenced_instance_id, illegal_generation,
  // rebalance_in_progress (a rebalance is being prepared: rejoin).
  std::error_code heartbeat(std::string_view group_id, std::int32_t generation_id,
                            std::string_view member_id,
                            const std::optional<std::string>& group_instance_id = std::nullopt);

  // LeaveGroup (v3+ batch; v0–2 pass one member). Top-level error: invalid_group_id,
  // coordinator_not_available. Per member: unknown_member_id, fenced_instance_id. Each leave
  // starts a rebalance of the remaining members.
  leave_result leave(std::string_view group_id, const std::vector<member_identity>& members);

  // The group checks of OffsetCommit (Kafka's validateOffsetCommit): a commit with generation
  // < 0, no member id and no instance id (a "simple" commit of a standalone consumer) is allowed
  // when the group is Empty or unknown. Otherwise the member must be current and the generation
  // the group's. Errors: coordinator_not_available, unknown_member_id (also: simple commit to a
  // group with members), fenced_instance_id, illegal_generation (also: generation ≥ 0 for an
  // unknown group), rebalance_in_progress (CompletingRebalance). The empty group id is valid
  // here (Kafka allows it for offsets). A valid member's commit also renews its session.
  std::error_code validate_commit(
      std::string_view group_id, std::int32_t generation_id, std::string_view member_id,
      const std::optional<std::string>& group_instance_id = std::nullopt);

  // ListGroups: every group the coordinator knows, by group id.
  std::vector<group_summary> list() const;
  // DescribeGroups; nullopt if the coordinator does not know the group (see Design).
  std::optional<group_description> describe(std::string_view group_id) const;

  // DeleteGroups: forgets an Empty group. Errors: non_empty_group, group_id_not_found (unknown
  // to the coordinator: hub/kafka then checks storage for offsets), coordinator_not_available.
  std::error_code delete_group(std::string_view group_id);
  // True if the group has no members (or is unknown): offsets may be reset or expired.
  bool is_empty_or_unknown(std::string_view group_id) const;

  // Answers every waiting callback with coordinator_not_available, cancels every timer and
  // forgets every group; later calls get coordinator_not_available. Idempotent.
  void shutdown();
  bool stopped() const { return _stopped; }
  // Forgets every group as shutdown() does (waiting callbacks get coordinator_not_available, so
  // clients find the coordinator again) but keeps running: a clustered hub calls it when it stops
  // coordinating groups (its controller lost the metadata quorum's leadership).
  void release_all();

  std::int32_t node_id() const { return _options.node_id; }
  const coordinator_options& options() const { return _options; }
  std::size_t group_count() const { return _groups.size(); }
  // Bytes of member state held (what state_bytes_max bounds).
  std::size_t state_bytes() const { return _state_bytes; }

 private:
  std::error_code check_group_id(std::string_view group_id) const;
  std::error_code check_join(join_params& p) const;
  group* find(std::string_view group_id) const;
  std::string new_member_id(std::string_view prefix);
  // After an operation on `g`: forget it if collectible, then run the outbox.
  void settle(group& g);
  void flush();

  asio::io_context& _io;
  coordinator_options _options;
  clock _clock;  // before _env, which refers to it
  std::vector<std::function<void()>> _outbox;
  std::size_t _state_bytes = 0;
  group_env _env;
  std::map<std::string, std::unique_ptr<group>, std::less<>> _groups;
  std::mt19937_64 _rng;
  bool _flushing = false;
  bool _stopped = false;
};

}  // namespace tern::groups
