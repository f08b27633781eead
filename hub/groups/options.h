#pragma once
// Settings of the group coordinator: Kafka's group.* broker settings plus the limits that keep
// its memory bounded whatever the clients send.
#include <cstddef>
#include <cstdint>

namespace tern::groups {

struct coordinator_options {
  // This node's id. A single hub coordinates every group; see coordinator.h for how a cluster
  // would route FindCoordinator.
  std::int32_t node_id = 1;

  // Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms: a JoinGroup whose
  // session timeout lies outside gets invalid_session_timeout.
  std::int32_t group_min_session_timeout_ms = 6000;
  std::int32_t group_max_session_timeout_ms = 1800000;

  // Kafka's group.initial.rebalance.delay.ms: the first rebalance of an empty group waits this
  // long for more members, again while new ones keep arriving, up to the rebalance timeout.
  std::int32_t group_initial_rebalance_delay_ms = 3000;

  // Kafka's group.max.size; 0 = unlimited (Kafka's default, Int.MaxValue). The hard limit
  // members_per_group_max applies in any case.
  std::int32_t group_max_size = 0;

  // How long a brand-new member may wait in its first JoinGroup before it is dropped (it cannot
  // heartbeat yet; a client that gave up would otherwise leave a ghost). Kafka: 5 minutes.
  std::int32_t new_member_join_timeout_ms = 300000;

  // ---- Limits (not Kafka settings). Defaults suit an edge hub; each is documented with the
  // error a client gets when it is reached.

  // Groups known at once (any state). A JoinGroup that would create one more gets
  // coordinator_not_available (retriable: the client backs off).
  std::size_t groups_max = 10000;
  // Members of one group, and separately members awaiting their MEMBER_ID_REQUIRED rejoin:
  // group_max_size_reached / coordinator_not_available respectively.
  std::size_t members_per_group_max = 10000;
  // Protocols (assignors) one member may offer: invalid_request beyond.
  std::size_t protocols_per_member_max = 32;
  // One member's stored bytes (ids, client id/host, protocol names and metadata):
  // invalid_request beyond. Kafka consumers send well under 100 KiB even for thousands of
  // subscribed topics.
  std::size_t member_bytes_max = 1 << 20;
  // Group id length: invalid_group_id beyond (Kafka allows any length up to 32767).
  std::size_t group_id_bytes_max = 1024;
  // Every byte of member state in the coordinator (member bytes plus assignments), all groups
  // together: the memory bound. A join that would exceed it gets coordinator_not_available; a
  // leader's assignment that would, fails the generation's SyncGroups with
  // coordinator_not_available and the group rebalances (Kafka's path for a failed group store).
  std::size_t state_bytes_max = std::size_t{256} << 20;
};

}  // namespace tern::groups
