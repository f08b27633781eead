// InitProducerId (22) v0–1: a fresh producer id (never reused, also across restarts) with
// epoch 0 for idempotent producers. Needs IdempotentWrite on the cluster or Write on some topic
// (CLUSTER_AUTHORIZATION_FAILED).
//
// Transactions are not implemented, so a transactional id (any non-null one) is refused with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED: the hub grants no principal any transactional id. It is
// the one refusal both librdkafka (2.0.2 and current: rd_kafka_idemp_check_error) and kafkajs
// (2.2.4: eosManager.initProducerId) treat as fatal on this path, so init_transactions() /
// producer.transaction() fail at once, naming the transactional id. Neither client looks at
// ApiVersions for the transaction APIs (AddPartitionsToTxn, EndTxn, ...) before it has a
// producer id, and every truthful code (INVALID_REQUEST, UNSUPPORTED_VERSION, ...) is retried by
// librdkafka until its 60 s timeout. The other codes those clients treat as fatal here say
// something false about the request (INVALID_TRANSACTION_TIMEOUT) or cluster-wide permissions
// (CLUSTER_AUTHORIZATION_FAILED). This version of the response has no error message; the hub's
// log says that transactions are not implemented.
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/init_producer_id.h"

namespace tern::kafka {

bool handle_init_producer_id(request_context& ctx, wire::wire_reader& body) {
  init_producer_id_request request;
  if (!request.decode(body, ctx.version())) return false;
  init_producer_id_response response;
  if (request.transactional_id) {
    log::warn(
        "InitProducerId from ", ctx.conn.peer, " asks for transactional id '",
        *request.transactional_id,
        "': transactions are not implemented, refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
    response.error_code = wire(error_code::transactional_id_authorization_failed);
    response.producer_id = -1;
    response.producer_epoch = -1;
  } else if (!ctx.hub.permits(ctx.conn, auth::operation::idempotent_write,
                              auth::resource_type::cluster, auth::cluster_name) &&
             !ctx.hub.authorize_any(ctx.conn, auth::operation::write, auth::resource_type::topic)) {
    response.error_code = wire(error_code::cluster_authorization_failed);
    response.producer_id = -1;
  } else {
    // The id is a write transaction on the storage writer: the answer comes back through the
    // io thread, which never waits for it.
    ctx.hub.store().allocate_producer_id_async([ctx, response](std::error_code ec,
                                                               std::int64_t id) mutable {
      asio::post(ctx.hub.io(), [ctx, response, ec, id]() mutable {
        if (ec) {
          response.error_code = wire(to_kafka_error(ec));
          response.producer_id = -1;
        } else {
          response.producer_epoch = 0;
          // A cluster: every broker hands out ids from its own range (node id + 1 in the bits
          // above 40), so ids are unique cluster-wide and a producer keeps its id across leader
          // changes.
          response.producer_id = ctx.hub.cluster()
                                     ? ((std::int64_t{ctx.hub.node_id()} + 1) & 0x3fffff) << 40 |
                                           (id & ((std::int64_t{1} << 40) - 1))
                                     : id;
        }
        ctx.respond(response);
      });
    });
    return true;
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
