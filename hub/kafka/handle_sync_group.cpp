// SyncGroup (14) v0–5: the leader's assignments go to every member of the generation. Needs Read
// on the group (GROUP_AUTHORIZATION_FAILED). v5 (KIP-559): the coordinator checks the member's
// protocol type and name against the group's (INCONSISTENT_GROUP_PROTOCOL when they differ) and
// the answer names the group's.
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/sync_group.h"

namespace tern::kafka {

bool handle_sync_group(request_context& ctx, wire::wire_reader& body) {
  sync_group_request request;
  if (!request.decode(body, ctx.version())) return false;
  if (!ctx.may_on_group(auth::operation::read, request.group_id)) {
    sync_group_response response;
    response.error_code = wire(error_code::group_authorization_failed);
    ctx.respond(response);
    return true;
  }
  if (auto code = group_offsets::coordinator_check(ctx.hub); code != error_code::none) {
    sync_group_response response;
    response.error_code = wire(code);
    ctx.respond(response);
    return true;
  }
  groups::sync_params p;
  p.group_id = request.group_id;
  p.generation_id = request.generation_id;
  p.member_id = request.member_id;
  p.group_instance_id = request.group_instance_id;
  p.protocol_type = request.protocol_type;  // null (and before v5: absent) is not checked
  p.protocol_name = request.protocol_name;
  for (const auto& a : request.assignments)
    p.assignments.push_back({a.member_id, groups::bytes(a.assignment.begin(), a.assignment.end())});
  ctx.hub.groups().sync(std::move(p), [ctx](const groups::sync_result& r) {
    sync_group_response response;
    response.error_code = wire(to_kafka_error(r.error));
    response.protocol_type = r.protocol_type;
    response.protocol_name = r.protocol_name;
    response.assignment = wire::bytes_view(r.assignment);  // copied by respond()
    ctx.respond(response);
  });
  return true;
}

}  // namespace tern::kafka
