// FindCoordinator (10) v0–4 (v4, KIP-699: several keys of one type, one answer per key, each
// found exactly as a v0–3 key is and answered in the order asked): a single node coordinates every
// group. In a cluster every broker names the controller (the metadata quorum's leader) for every
// group: it replicates the committed offsets through the quorum (kafka/group_offsets.h), so when
// it dies the next leader has them and the members meet there. Needs Describe on each group
// (GROUP_AUTHORIZATION_FAILED).
//
// Transactions are not implemented. A transaction coordinator lookup (key type 1) names the
// broker that was asked, which then refuses the transactional id in InitProducerId with the
// non-retriable TRANSACTIONAL_ID_AUTHORIZATION_FAILED (see handle_init_producer_id.cpp for why
// that code). Refusing here instead would be fatal for librdkafka too, but kafkajs swallows any
// FindCoordinator error and reports only "Failed to find group coordinator"; the refusal in
// InitProducerId reaches both clients (and the Java one) under its own name, at once. The old
// answer, COORDINATOR_NOT_AVAILABLE, is retriable: clients retried it until their 60 s timeout.
// An unknown key type is INVALID_REQUEST, as in Kafka.
#include <optional>
#include <string>
#include <utility>

#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/find_coordinator.h"

namespace tern::kafka {
namespace {

using coordinator = find_coordinator_response::coordinator;

// The broker that coordinates every group in a cluster: the controller (the metadata quorum's
// leader), which replicates their committed offsets (kafka/group_offsets.h), with its endpoint
// on `listener`; false when no leader is known or it has no endpoint there (a retriable
// COORDINATOR_NOT_AVAILABLE: clients ask again, and an election settles it).
bool cluster_coordinator(const cluster::cluster_node& node, const std::string& listener,
                         coordinator& out) {
  const auto* b = node.image().broker(node.metadata_quorum().leader_id());
  if (!b || !(b->roles & cluster::role_broker)) return false;
  for (const auto& e : b->endpoints)
    if (e.listener == listener) {
      out.node_id = b->id;
      out.host = e.host;
      out.port = e.port;
      return true;
    }
  return false;
}

// An error answer names no broker (node -1, port -1, as Kafka).
void refuse(coordinator& out, error_code code, std::optional<std::string> message = std::nullopt) {
  out.error_code = wire(code);
  out.error_message = std::move(message);
  out.node_id = -1;
  out.host.clear();
  out.port = -1;
}

// The coordinator of one key of `key_type`.
coordinator find_one(request_context& ctx, std::int8_t key_type, const std::string& key) {
  coordinator out;
  out.coordinator_key = key;
  const auto* ep = ctx.hub.endpoint_for(ctx.conn.listener);
  if (key_type != find_coordinator_request::key_type_group &&
      key_type != find_coordinator_request::key_type_transaction) {
    refuse(out, error_code::invalid_request,
           "unknown coordinator key type " + std::to_string(key_type));
  } else if (!ep) {
    refuse(out, error_code::coordinator_not_available);
  } else if (key_type == find_coordinator_request::key_type_transaction) {
    // Every broker refuses every transactional id alike, so the one asked names itself.
    out.node_id = ctx.hub.node_id();
    out.host = ep->host;
    out.port = ep->port;
  } else if (!ctx.may_on_group(auth::operation::describe, key)) {
    refuse(out, error_code::group_authorization_failed);
  } else if (ctx.hub.cluster()) {
    if (!cluster_coordinator(*ctx.hub.cluster(), ctx.conn.listener, out))
      refuse(out, error_code::coordinator_not_available);
  } else {
    out.node_id = ctx.hub.node_id();
    out.host = ep->host;
    out.port = ep->port;
  }
  return out;
}

}  // namespace

bool handle_find_coordinator(request_context& ctx, wire::wire_reader& body) {
  find_coordinator_request request;
  if (!request.decode(body, ctx.version())) return false;
  find_coordinator_response response;
  if (ctx.version() >= find_coordinator_request::first_batched_version) {
    // The request's size bounds the keys (each at least one byte), so this stays proportionate.
    for (const auto& key : request.coordinator_keys)
      response.coordinators.push_back(find_one(ctx, request.key_type, key));
  } else {
    auto one = find_one(ctx, request.key_type, request.coordinator_key);
    response.error_code = one.error_code;
    response.error_message = std::move(one.error_message);
    response.node_id = one.node_id;
    response.host = std::move(one.host);
    response.port = one.port;
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
