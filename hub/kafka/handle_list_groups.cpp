// ListGroups (16) v0–2: groups with members (the coordinator) plus groups that only have
// committed offsets (Kafka lists those as Empty consumer groups too). As Kafka: Describe on the
// cluster lists every group, otherwise only the groups the principal may Describe.
#include <set>

#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/list_groups.h"

namespace tern::kafka {

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
  for (const auto& g : ctx.hub.groups().list()) {
    seen.insert(g.group_id);
    if (visible(g.group_id)) response.groups.push_back({g.group_id, g.protocol_type});
  }
  std::vector<std::pair<std::string, std::int64_t>> stored;
  if (auto ec = ctx.hub.store().offset_groups(stored)) response.error_code = wire(to_kafka_error(ec));
  for (const auto& [group, newest] : stored)
    if (seen.insert(group).second && visible(group)) response.groups.push_back({group, "consumer"});
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
