#pragma once
// One member of a Kafka consumer group, on cluster_client: finds the group's coordinator, joins
// with the "consumer" protocol type and the "range" assignor, computes the assignment when it is
// the leader (range_assignor.h), heartbeats, commits offsets with its generation and leaves.
// This is the classic (eager) protocol that librdkafka and the Java client speak, so a tern
// member can share a group with them.
//
// Single-threaded: nothing runs in the background. The owner calls heartbeat_if_due() from its
// poll loop often enough (fetches should wait well under heartbeat_interval_ms), and rejoins with
// join() whenever a call sets `rejoin` (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION,
// UNKNOWN_MEMBER_ID). join() blocks while the group rebalances: the coordinator holds JoinGroup
// until every member has rejoined or rebalance_timeout_ms has passed, so the coordinator
// connection's timeout is rebalance_timeout_ms plus a margin.
//
// Errors: functions return a call_status (call_status.h) and set `error` to a sentence (the
// coordinator's address and the connection error, or the Kafka error). Transient coordinator
// errors (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, a broken coordinator connection) are
// retried after finding the coordinator again; when no broker answers at all (the hub is
// restarting) the call returns retriable and the owner retries later with a backoff — after a
// hub restart the group no longer knows the member, so the next heartbeat asks it to rejoin.
// Fatal: what retrying cannot fix (authorization, an invalid session timeout, a protocol the
// group does not share, a rebalance that never completes).
// Lifetimes: the cluster_client must outlive the member. Not thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/call_status.h"
#include "client/cluster_client.h"
#include "client/group_admin.h"
#include "client/topic_partition.h"

namespace tern::client {

struct group_member_options {
  std::string group_id;
  std::vector<std::string> topics;               // the subscription
  std::optional<std::string> group_instance_id;  // static membership (group.instance.id)
  std::int32_t session_timeout_ms = 10000;
  std::int32_t rebalance_timeout_ms = 60000;  // max.poll.interval.ms in the Java client
  std::int32_t heartbeat_interval_ms = 3000;  // about session_timeout_ms / 3
  std::int32_t retry_backoff_ms = 200;
  std::int32_t coordinator_wait_ms = 30000;  // how long "no coordinator available" is retried
  std::function<bool()> stop_requested;      // checked between join attempts; may be empty
};

class group_member {
 public:
  // The assignor this member offers (and computes as leader).
  static constexpr const char* assignor_name = "range";

  group_member(cluster_client& client, group_member_options options)
      : _client(client), _options(std::move(options)) {}
  group_member(const group_member&) = delete;
  group_member& operator=(const group_member&) = delete;

  // Joins or rejoins the group (JoinGroup, with MEMBER_ID_REQUIRED handled; the leader's range
  // assignment; SyncGroup) and returns once this member has a generation and an assignment
  // (possibly empty). Retries rebalance errors for up to rebalance_timeout_ms +
  // coordinator_wait_ms. When stop_requested() turns true it returns fatal with error
  // "interrupted".
  call_status join(std::string& error);

  // Sends a Heartbeat if one is due. `rejoin` is set when the member must call join() again;
  // `answered` (if given) when the coordinator answered one (whatever its error code).
  call_status heartbeat_if_due(bool& rejoin, std::string& error, bool* answered = nullptr);
  // Time until the next heartbeat is due (zero if overdue).
  std::chrono::milliseconds until_heartbeat() const;

  // The group's committed offsets of this member's assignment (absent = nothing committed).
  call_status fetch_committed(std::map<topic_partition, std::int64_t>& out, std::string& error);

  // Commits `offsets` (the next offset to read, per partition) under this member's generation.
  // When the generation is no longer valid nothing is committed and `rejoin` is set.
  call_status commit(const std::map<topic_partition, std::int64_t>& offsets, bool& rejoin,
                     std::string& error);

  // Commits `offsets` outside any generation, as a standalone consumer does (generation -1, no
  // member id). The coordinator accepts that only while the group has no members, e.g. right
  // after a hub restart forgot every member: a member whose last commit failed because the hub
  // went away saves what it printed before it rejoins, so nothing is printed twice. `accepted`
  // is false (and `error` says why) when the group refused (it has members again).
  call_status commit_standalone(const std::map<topic_partition, std::int64_t>& offsets,
                                bool& accepted, std::string& error);

  // Leaves the group (LeaveGroup) so its partitions move at once; best effort, errors ignored.
  // Static members do not leave (their partitions wait for them until the session times out).
  void leave();

  const std::vector<topic_partition>& assignment() const { return _assignment; }
  const std::string& member_id() const { return _member_id; }
  std::int32_t generation_id() const { return _generation_id; }
  bool is_leader() const { return !_member_id.empty() && _leader_id == _member_id; }

 private:
  enum class outcome { done, retry, fail };

  call_status ensure_coordinator(std::string& error);
  void lose_coordinator() { _coordinator = {}; }
  outcome join_and_sync(std::string& error);
  outcome send_join(
      std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& leader_assignments,
      std::string& error);
  outcome send_sync(
      const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& leader_assignments,
      std::string& error);
  // OffsetCommit of `offsets` under this member's generation, or as a standalone consumer;
  // retries coordinator errors. `code` is the first partition error (0: committed).
  call_status send_commit(const std::map<topic_partition, std::int64_t>& offsets, bool standalone,
                          std::int16_t& code, std::string& where, std::string& error);
  // Handles an error code shared by the group APIs; returns retry, or fail with `error` set.
  outcome on_group_error(std::int16_t code, const char* api, std::string& error);
  std::chrono::milliseconds backoff() const {
    return std::chrono::milliseconds(_options.retry_backoff_ms);
  }

  cluster_client& _client;
  group_member_options _options;
  coordinator_link _coordinator;
  std::string _member_id;
  std::string _leader_id;
  std::int32_t _generation_id = -1;
  std::vector<topic_partition> _assignment;
  std::chrono::steady_clock::time_point _next_heartbeat{};
};

// Computes the leader's range assignment from the JoinGroup members' subscriptions
// (ConsumerProtocolSubscription payloads; one that does not decode subscribes to nothing) and the
// partitions of every subscribed topic, and encodes one ConsumerProtocolAssignment per member (at
// the subscription's version, capped at what we write). Pure; exposed for tests.
struct joined_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<std::uint8_t> subscription;  // the member's protocol metadata
};
std::vector<std::string> subscribed_topics(const std::vector<joined_member>& members);
std::vector<std::pair<std::string, std::vector<std::uint8_t>>> leader_assignments(
    const std::vector<joined_member>& members,
    const std::map<std::string, std::vector<std::int32_t>>& partitions_per_topic);

}  // namespace tern::client
