#pragma once
// What the group coordinator takes and returns: the fields of Kafka's classic group protocol
// (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, DescribeGroups, ListGroups) without their wire
// format. Protocol metadata and assignments are opaque bytes: the coordinator never parses a
// consumer subscription or assignment.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tern::groups {

using bytes = std::vector<std::uint8_t>;

// A group's state in Kafka's classic protocol:
//   empty → preparing_rebalance → completing_rebalance → stable → (preparing_rebalance ...)
// and dead once deleted. Only the coordinator changes it.
enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };

// The name Kafka prints and sends in DescribeGroups/ListGroups: "Empty", "PreparingRebalance",
// "CompletingRebalance", "Stable", "Dead".
std::string_view state_name(group_state s);

// One assignor a member supports (e.g. "range"), with its subscription metadata.
struct protocol {
  std::string name;
  bytes metadata;
};

struct join_params {
  std::string group_id;
  std::string member_id;                         // "" for a member without an id yet
  std::optional<std::string> group_instance_id;  // static membership (KIP-345, JoinGroup v5+)
  std::string client_id;
  std::string client_host;
  std::int32_t session_timeout_ms = 0;
  // JoinGroup v0 has none: pass session_timeout_ms, as Kafka does. Negative counts as 0.
  std::int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;        // "consumer" for consumer groups; must match the group's
  std::vector<protocol> protocols;  // in the member's order of preference
  // JoinGroup v4+: a member without an id is given one with member_id_required and must rejoin
  // with it (so a retried join cannot leave a ghost member behind).
  bool require_known_member_id = false;
};

// A member as the leader sees it in its JoinGroup response.
struct join_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  bytes metadata;  // its metadata for the chosen protocol
};

struct join_result {
  std::error_code error;
  std::int32_t generation_id = -1;
  std::optional<std::string> protocol_type;  // unset on error (JoinGroup v7+ sends null)
  std::optional<std::string> protocol_name;  // unset on error (before v7: send "")
  std::string leader_id;
  std::string member_id;             // the member's id; on member_id_required the id to rejoin with
  std::vector<join_member> members;  // non-empty for the leader only
};
using join_callback = std::function<void(const join_result&)>;

struct member_assignment {
  std::string member_id;
  bytes assignment;
};

struct sync_params {
  std::string group_id;
  std::int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;  // SyncGroup v5+; checked when set
  std::optional<std::string> protocol_name;  // SyncGroup v5+; checked when set
  // Only the leader's are used; ids that are not members are ignored, members without one get
  // an empty assignment, and for a repeated id the last one wins (as Kafka does).
  std::vector<member_assignment> assignments;
};

struct sync_result {
  std::error_code error;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  bytes assignment;
};
using sync_callback = std::function<void(const sync_result&)>;

// A member named in a LeaveGroup. v3+ allows member_id "" with a group_instance_id: the static
// member currently holding that instance id leaves (administrative removal).
struct member_identity {
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct leave_result {
  std::error_code error;                 // top-level (v3+); for v0–2 use members[0]
  std::vector<std::error_code> members;  // one per requested member, same order; empty on error
};

struct group_summary {  // ListGroups
  std::string group_id;
  std::string protocol_type;  // "" while unknown
  std::string state;          // state_name()
};

struct member_description {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  bytes metadata;    // for the chosen protocol; empty unless the group is Stable (as Kafka)
  bytes assignment;  // empty unless the group is Stable
};

struct group_description {  // DescribeGroups
  std::string group_id;
  std::string state;          // state_name()
  std::string protocol_type;  // "" while unknown
  std::string protocol;       // the chosen protocol; "" unless Stable (as Kafka)
  std::vector<member_description> members;
};

}  // namespace tern::groups
