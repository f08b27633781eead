// LeaveGroup (13) v0–5 (v3+: several members at once, KIP-345; v5: each with the reason it
// leaves, KIP-800, which is logged as Kafka does). Needs Read on the group
// (GROUP_AUTHORIZATION_FAILED).
#include <algorithm>

#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/leave_group.h"

namespace tern::kafka {

bool handle_leave_group(request_context& ctx, wire::wire_reader& body) {
  leave_group_request request;
  if (!request.decode(body, ctx.version())) return false;
  if (!ctx.may_on_group(auth::operation::read, request.group_id)) {
    leave_group_response response;
    response.error_code = wire(error_code::group_authorization_failed);
    ctx.respond(response);
    return true;
  }
  if (auto code = group_offsets::coordinator_check(ctx.hub); code != error_code::none) {
    leave_group_response response;
    response.error_code = wire(code);
    ctx.respond(response);
    return true;
  }
  std::vector<groups::member_identity> members;
  if (ctx.version() < 3) members.push_back({request.member_id, std::nullopt});
  for (const auto& m : request.members) {
    members.push_back({m.member_id, m.group_instance_id});
    if (m.reason && !m.reason->empty())
      log::info("group ", request.group_id, ": member '", m.member_id, "' leaves: ", *m.reason);
  }
  auto result = ctx.hub.groups().leave(request.group_id, members);
  // The moment a group may become empty: its offsets' retention starts here.
  bool someone_left = !result.error && std::any_of(result.members.begin(), result.members.end(),
                                                   [](const std::error_code& e) { return !e; });
  if (someone_left) ctx.hub.note_group_active(request.group_id);
  leave_group_response response;
  response.error_code = wire(to_kafka_error(result.error));
  if (ctx.version() < 3) {
    if (!result.error && !result.members.empty()) response.error_code = wire(to_kafka_error(result.members.front()));
  } else {
    for (std::size_t i = 0; i < result.members.size() && i < members.size(); ++i)
      response.members.push_back({members[i].member_id, members[i].group_instance_id,
                                  wire(to_kafka_error(result.members[i]))});
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
