// InitProducerId (22) v0–4: a fresh producer id (never reused, also across restarts) with
// epoch 0 for idempotent producers. Needs IdempotentWrite on the cluster or Write on some topic
// (CLUSTER_AUTHORIZATION_FAILED).
//
// KIP-360 (v3+): a producer that gives its current id and epoch (librdkafka does after an
// UNKNOWN_PRODUCER_ID or a sequence gap) gets the same id with the epoch bumped, and the old
// epoch is fenced by the partitions' producer state; a retry of that bump gets the same answer.
// Another epoch for a known id is refused: PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH
// before (v4 added the code; Kafka translates it the same way for older clients). An id this
// broker does not know (another broker's, or forgotten: see producer_epochs.h) or whose epoch is
// exhausted gets a fresh id with epoch 0, as Kafka hands a producer whose state expired. An id
// without an epoch or the reverse is INVALID_REQUEST, as in Kafka.
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

namespace {

// KIP-360 re-initialisation of a known producer; false when a fresh id must be allocated.
bool bump(request_context& ctx, const init_producer_id_request& request,
          init_producer_id_response& response) {
  auto r = ctx.hub.producer_epochs_table().bump(request.producer_id, request.producer_epoch);
  switch (r.what) {
    case producer_epochs::outcome::bumped:
      response.producer_id = request.producer_id;
      response.producer_epoch = r.epoch;
      return true;
    case producer_epochs::outcome::fenced:
      response.error_code = wire(ctx.version() >= 4 ? error_code::producer_fenced
                                                    : error_code::invalid_producer_epoch);
      response.producer_id = -1;
      response.producer_epoch = -1;
      return true;
    case producer_epochs::outcome::unknown:
    case producer_epochs::outcome::exhausted:
      return false;
  }
  return false;
}

// A fresh id with epoch 0, answered when the storage writer has persisted the id counter.
void allocate(request_context& ctx, init_producer_id_response response) {
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
        ctx.hub.producer_epochs_table().record(response.producer_id, 0);
      }
      ctx.respond(response);
    });
  });
}

}  // namespace

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
  } else if ((request.producer_id < 0) != (request.producer_epoch < 0)) {
    response.error_code = wire(error_code::invalid_request);
    response.producer_id = -1;
    response.producer_epoch = -1;
  } else if (request.producer_id >= 0 && bump(ctx, request, response)) {
    // answered from the epochs table
  } else {
    allocate(ctx, response);
    return true;
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
