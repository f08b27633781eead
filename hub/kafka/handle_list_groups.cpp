// ListGroups (16) v0–4: groups with members (the coordinator) plus groups that only have
// committed offsets (Kafka lists those as Empty consumer groups too). As Kafka: Describe on the
// cluster lists every group, otherwise only the groups the principal may Describe. v4 (KIP-518)
// answers each group's state and lists only the groups in the requested states (none = all);
// state names match without regard to case, as Kafka's newer coordinator does, so "stable" and
// "Stable" both select Stable groups.
#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "groups/types.h"
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/list_groups.h"

namespace tern::kafka {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
    return std::tolower(x) == std::tolower(y);
  });
}

bool state_wanted(const std::vector<std::string>& filter, std::string_view state) {
  return filter.empty() || std::any_of(filter.begin(), filter.end(),
                                       [&](const std::string& s) { return same_name(s, state); });
}

}  // namespace

bool handle_list_groups(request_context& ctx, wire::wire_reader& body) {
  list_groups_request request;
  if (!request.decode(body, ctx.version())) return false;
  list_groups_response response;
  std::set<std::string> seen;
  bool all = ctx.hub.permits(ctx.conn, auth::operation::describe, auth::resource_type::cluster,
                             auth::cluster_name);
  auto visible = [&](const std::string& group) {
    return all || ctx.hub.permits(ctx.conn, auth::operation::describe, auth::resource_type::group, group);
  };
  auto add = [&](const std::string& id, const std::string& protocol_type, std::string_view state) {
    if (visible(id) && state_wanted(request.states_filter, state))
      response.groups.push_back({id, protocol_type, std::string(state)});
  };
  // In a cluster only the coordinator (the controller) has groups; the others list none, as a
  // Kafka broker lists only the groups it coordinates.
  auto coordinator = group_offsets::coordinator_check(ctx.hub);
  if (coordinator != error_code::none) {
    if (coordinator == error_code::coordinator_load_in_progress)
      response.error_code = wire(coordinator);
    ctx.respond(response);
    return true;
  }
  for (const auto& g : ctx.hub.groups().list()) {
    seen.insert(g.group_id);
    add(g.group_id, g.protocol_type, g.state);
  }
  std::vector<std::pair<std::string, std::int64_t>> stored;
  if (auto code = group_offsets::list(ctx.hub, stored); code != error_code::none)
    response.error_code = wire(code);
  // Offsets without members: an Empty consumer group, as DescribeGroups reports it.
  for (const auto& [group, newest] : stored)
    if (seen.insert(group).second)
      add(group, "consumer", groups::state_name(groups::group_state::empty));
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
