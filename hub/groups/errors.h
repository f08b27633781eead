#pragma once
// The group coordinator's errors. Each value is named after the Kafka error code it becomes;
// hub/kafka maps them one to one (the coordinator itself knows no wire codes). Success is an
// empty std::error_code.
#include <system_error>

namespace tern::groups {

enum class groups_errc {
  coordinator_not_available = 1,  // shut down, or a coordinator-wide limit is reached (retriable)
  not_coordinator,                // another node coordinates this group (clustered hubs, later)
  illegal_generation,             // the request's generation is not the group's
  inconsistent_group_protocol,    // protocol type/names incompatible with the group
  invalid_group_id,               // empty or over-long group id
  unknown_member_id,              // no such member (or no such group for a known member id)
  invalid_session_timeout,        // outside [group_min_session_timeout_ms, ..._max_...]
  rebalance_in_progress,          // the member must rejoin
  member_id_required,             // JoinGroup v4+: rejoin with the member id in the response
  group_max_size_reached,         // group.max.size (or members_per_group_max) reached
  fenced_instance_id,             // a newer member holds this group.instance.id
  non_empty_group,                // delete of a group that has members
  group_id_not_found,             // delete of a group the coordinator does not know
  invalid_request,                // over a per-request limit (protocols, metadata size)
};

const std::error_category& groups_category();
inline std::error_code make_error_code(groups_errc e) {
  return {static_cast<int>(e), groups_category()};
}

}  // namespace tern::groups

template <>
struct std::is_error_code_enum<tern::groups::groups_errc> : std::true_type {};
