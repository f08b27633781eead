// Heartbeat (12) v0–3.
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/heartbeat.h"

namespace tern::kafka {

bool handle_heartbeat(request_context& ctx, wire::wire_reader& body) {
  heartbeat_request request;
  if (!request.decode(body, ctx.version())) return false;
  heartbeat_response response;
  auto ec = ctx.hub.groups().heartbeat(request.group_id, request.generation_id, request.member_id,
                                       request.group_instance_id);
  if (!ec) ctx.hub.note_group_active(request.group_id);  // only real members count
  response.error_code = wire(to_kafka_error(ec));
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
