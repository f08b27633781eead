// FindCoordinator (10) v0–2: a single node coordinates every group. In a cluster every broker
// names the same coordinator for a group: a hash of the group id over the registered brokers,
// moving to the next live one only while its own is down (so all members meet on one broker). Its group state and committed offsets are local to it
// (replicated group offsets are the next cluster step). Transaction coordinators do not exist
// here. Needs Describe on the group (GROUP_AUTHORIZATION_FAILED).
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/find_coordinator.h"

namespace tern::kafka {
namespace {

// The live broker that coordinates `group` in a cluster, with its endpoint on `listener`; false
// when no live broker has that listener.
bool cluster_coordinator(const cluster::metadata_image& image, const std::string& group,
                         const std::string& listener, find_coordinator_response& out) {
  // Every registered broker has a slot (fenced ones too), so a group's coordinator moves only
  // when its own broker is down — then to the next live one in id order — not whenever any
  // broker comes or goes.
  std::vector<const cluster::broker_state*> brokers;
  for (const auto& [id, b] : image.brokers())
    if (b.roles & cluster::role_broker) brokers.push_back(&b);
  if (brokers.empty()) return false;
  std::uint32_t h = 2166136261u;  // FNV-1a: the same on every broker and build
  for (unsigned char c : group) h = (h ^ c) * 16777619u;
  for (std::size_t step = 0; step < brokers.size(); ++step) {
    const auto* b = brokers[(h + step) % brokers.size()];
    if (!image.is_live(b->id)) continue;
    for (const auto& e : b->endpoints)
      if (e.listener == listener) {
        out.node_id = b->id;
        out.host = e.host;
        out.port = e.port;
        return true;
      }
  }
  return false;
}

}  // namespace

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
  } else if (ctx.hub.cluster()) {
    if (!cluster_coordinator(ctx.hub.cluster()->image(), request.coordinator_key, ctx.conn.listener, response)) {
      response.error_code = wire(error_code::coordinator_not_available);
      response.node_id = -1;
      response.port = -1;
    }
  } else {
    response.node_id = ctx.hub.node_id();
    response.host = ep->host;
    response.port = ep->port;
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
