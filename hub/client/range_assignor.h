#pragma once
// Kafka's RangeAssignor ("range"), the assignment a group leader computes between JoinGroup and
// SyncGroup. Pure: no I/O, so the same inputs always give the same assignment, on every member
// that happens to be leader and in any Kafka client that implements "range".
//
// Per topic, independently: the topic's partitions sorted ascending, the members subscribed to
// it sorted (static members first, by group.instance.id; then the others by member id — Kafka's
// MemberInfo order), and with n partitions and m members each member gets a contiguous range of
// n/m partitions, the first n%m members one more. Topics missing from `partitions_per_topic`
// (unknown to the cluster) are skipped, as Kafka does.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/topic_partition.h"

namespace tern::client {

struct member_subscription {
  std::string member_id;
  std::optional<std::string> group_instance_id;  // static members (JoinGroup v5+)
  std::vector<std::string> topics;               // duplicates are ignored
};

// Returns every member's partitions (an entry for every member id, possibly empty), each list
// sorted by topic, then partition. Member ids are assumed unique (the coordinator guarantees it).
std::map<std::string, std::vector<topic_partition>> range_assign(
    const std::vector<member_subscription>& members,
    const std::map<std::string, std::vector<std::int32_t>>& partitions_per_topic);

}  // namespace tern::client
