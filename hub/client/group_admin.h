#pragma once
// Group requests the CLI and the group member share: finding a group's coordinator, reading a
// group's committed offsets and description, listing and deleting groups, and ListOffsets through
// each partition's leader. Blocking, on cluster_client / kafka_connection.
//
// Errors: functions return false and set `error` to a sentence naming the cause (the broker's
// address and the connection error, or the Kafka error name). `coordinator_moved` (where offered)
// is set when the error means "find the coordinator again and retry": NOT_COORDINATOR,
// COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, or a broken connection to it.
// Lifetimes: the cluster_client must outlive every coordinator connection. Not thread-safe.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/call_status.h"
#include "client/cluster_client.h"
#include "client/group_report.h"
#include "client/topic_partition.h"

namespace tern::client {

// The Kafka error's name ("NON_EMPTY_GROUP"), or "error code N" for a code we do not know.
std::string kafka_error_name(std::int16_t code);

// True for the errors after which a group client finds the coordinator again and retries.
bool is_coordinator_error(std::int16_t code);

// A connection to one group's coordinator.
struct coordinator_link {
  std::unique_ptr<kafka_connection> conn;
  std::string address;  // "host:port", for messages
  std::int32_t node_id = -1;

  bool connected() const { return conn && conn->is_open(); }
  // "coordinator 127.0.0.1:9092: Connection reset by peer"
  std::string describe(std::error_code ec) const {
    return "coordinator " + address + ": " + ec.message();
  }
};

// Finds the coordinator of `group_id` (FindCoordinator, key type group, through the bootstrap
// broker) and connects to it. While the answer is COORDINATOR_NOT_AVAILABLE or
// COORDINATOR_LOAD_IN_PROGRESS it retries every `backoff`, for up to `wait`. When the bootstrap
// connection has broken (the hub restarted) it reconnects it once (cluster_client::
// reconnect_metadata) before giving up. On failure `status` (if given) says whether a later
// attempt may succeed: retriable when no broker answered or the coordinator's connection
// failed that way (call_status.h), fatal otherwise.
bool connect_coordinator(cluster_client& client, const std::string& group_id,
                         std::chrono::milliseconds wait, std::chrono::milliseconds backoff,
                         coordinator_link& out, std::string& error, call_status* status = nullptr);

// The `api`'s version negotiated with `conn`, or -1 with `error` = "the broker at A does not
// support NAME vMIN or later" when it has none ≥ min_version.
std::int16_t negotiated_version(const kafka_connection& conn, kafka::api_key api,
                                std::int16_t min_version, const char* name,
                                const std::string& address, std::string& error);

// OffsetFetch: the group's committed offsets of `partitions`, or of every partition it has
// committed for when `partitions` is nullopt (needs OffsetFetch v2+). Partitions without a
// committed offset are absent from `out`.
bool fetch_committed_offsets(coordinator_link& coordinator, const std::string& group_id,
                             const std::optional<std::vector<topic_partition>>& partitions,
                             std::map<topic_partition, std::int64_t>& out, std::string& error,
                             bool* coordinator_moved = nullptr);

// A DescribeGroups answer for one group, members' assignments decoded (an assignment that is
// empty — the group is not Stable — or not a consumer-protocol payload gives no partitions).
struct group_description {
  std::int16_t error_code = 0;
  std::string state;  // "Empty", "Stable", "PreparingRebalance", "CompletingRebalance", "Dead"
  std::string protocol_type;
  std::string protocol;
  std::vector<group_member_view> members;
};
bool describe_group(coordinator_link& coordinator, const std::string& group_id,
                    group_description& out, std::string& error);

// ListOffsets for `timestamp` (list_offsets_request::earliest_timestamp / latest_timestamp) of
// every partition, through each partition's leader (Metadata first).
bool list_offsets(cluster_client& client, const std::vector<topic_partition>& partitions,
                  std::int64_t timestamp, std::map<topic_partition, std::int64_t>& out,
                  std::string& error);

// The partitions of `topic` (sorted). false + "topic 'T' does not exist" if it is unknown.
bool topic_partitions(cluster_client& client, const std::string& topic,
                      std::vector<std::int32_t>& out, std::string& error);

}  // namespace tern::client
