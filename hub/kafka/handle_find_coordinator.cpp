// FindCoordinator (10) v0–2: one node coordinates every group (clustered routing: see
// groups/coordinator.h). Transaction coordinators do not exist here. Needs Describe on the group
// (GROUP_AUTHORIZATION_FAILED).
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/find_coordinator.h"

namespace tern::kafka {

bool handle_find_coordinator(request_context& ctx, wire::wire_reader& body) {
  find_coordinator_request request;
  if (!request.decode(body, ctx.version())) return false;
  find_coordinator_response response;
  const auto* ep = ctx.hub.endpoint_for(ctx.conn.listener);
  if (request.key_type != find_coordinator_request::key_type_group || !ep) {
    response.error_code = wire(error_code::coordinator_not_available);
    response.error_message = "transactions are not supported";
    response.node_id = -1;
    response.port = -1;
  } else if (!ctx.may_on_group(auth::operation::describe, request.coordinator_key)) {
    response.error_code = wire(error_code::group_authorization_failed);
    response.node_id = -1;
    response.port = -1;
  } else {
    response.node_id = ctx.hub.node_id();
    response.host = ep->host;
    response.port = ep->port;
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
