// Heartbeat (12) v0–4 (v4 only flexible). Needs Read on the group (GROUP_AUTHORIZATION_FAILED).
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/heartbeat.h"

namespace tern::kafka {

bool handle_heartbeat(request_context& ctx, wire::wire_reader& body) {
  heartbeat_request request;
  if (!request.decode(body, ctx.version())) return false;
  heartbeat_response response;
  if (!ctx.may_on_group(auth::operation::read, request.group_id)) {
    response.error_code = wire(error_code::group_authorization_failed);
    ctx.respond(response);
    return true;
  }
  if (auto code = group_offsets::coordinator_check(ctx.hub); code != error_code::none) {
    response.error_code = wire(code);
    ctx.respond(response);
    return true;
  }
  auto ec = ctx.hub.groups().heartbeat(request.group_id, request.generation_id, request.member_id,
                                       request.group_instance_id);
  if (!ec) ctx.hub.note_group_active(request.group_id);  // only real members count
  response.error_code = wire(to_kafka_error(ec));
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
