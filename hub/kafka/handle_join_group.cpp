// JoinGroup (11) v0–9: hands the member to the group coordinator and answers when the rebalance
// completes (possibly much later: the connection's later responses wait behind it, as in Kafka).
// Needs Read on the group (GROUP_AUTHORIZATION_FAILED). v7+ also names the protocol type, and an
// error answers null protocol type and name (Kafka's "unknown"); v8's reason is logged; v9's
// skip_assignment is always false (Tern never lets a static leader skip the assignment, KIP-814).
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/join_group.h"

namespace tern::kafka {

bool handle_join_group(request_context& ctx, wire::wire_reader& body) {
  join_group_request request;
  if (!request.decode(body, ctx.version())) return false;
  if (!ctx.may_on_group(auth::operation::read, request.group_id)) {
    join_group_response response;
    response.error_code = wire(error_code::group_authorization_failed);
    ctx.respond(response);
    return true;
  }
  if (auto code = group_offsets::coordinator_check(ctx.hub); code != error_code::none) {
    join_group_response response;
    response.error_code = wire(code);
    ctx.respond(response);
    return true;
  }
  if (request.reason && !request.reason->empty())
    log::debug("group ", request.group_id, ": member '", request.member_id,
               "' joins: ", *request.reason);
  groups::join_params p;
  p.group_id = request.group_id;
  p.member_id = request.member_id;
  p.group_instance_id = request.group_instance_id;
  p.client_id = ctx.header.client_id.value_or("");
  p.client_host = "/" + ctx.conn.peer.substr(0, ctx.conn.peer.rfind(':'));
  p.session_timeout_ms = request.session_timeout_ms;
  // v0 has no rebalance timeout: Kafka uses the session timeout.
  p.rebalance_timeout_ms = ctx.version() == 0 ? request.session_timeout_ms : request.rebalance_timeout_ms;
  p.protocol_type = request.protocol_type;
  for (const auto& proto : request.protocols)
    p.protocols.push_back({proto.name, groups::bytes(proto.metadata.begin(), proto.metadata.end())});
  p.require_known_member_id = ctx.version() >= 4;
  ctx.hub.groups().join(std::move(p), [ctx](const groups::join_result& r) {
    join_group_response response;
    response.error_code = wire(to_kafka_error(r.error));
    response.generation_id = r.generation_id;
    response.protocol_type = r.protocol_type;  // unset on error: null (v7+)
    response.protocol_name = r.protocol_name;  // unset on error: null (v7+), "" before
    response.leader = r.leader_id;
    response.member_id = r.member_id;
    // respond() encodes (copies) at once, so views of r's metadata are safe.
    for (const auto& m : r.members)
      response.members.push_back({m.member_id, m.group_instance_id, wire::bytes_view(m.metadata)});
    ctx.respond(response);
  });
  return true;
}

}  // namespace tern::kafka
