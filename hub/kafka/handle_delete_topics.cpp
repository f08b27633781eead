// DeleteTopics (20) v0–1. Needs Delete on each topic (TOPIC_AUTHORIZATION_FAILED). In a cluster
// the deletion goes through the controller (the metadata log); every replica then deletes its
// local copy when its image changes.
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_names.h"
#include "cluster/errors.h"
#include "tern/kafka/messages/delete_topics.h"

namespace tern::kafka {

bool handle_delete_topics(request_context& ctx, wire::wire_reader& body) {
  delete_topics_request request;
  if (!request.decode(body, ctx.version())) return false;
  delete_topics_response response;
  cluster::rpc::delete_topics_request forward;
  for (const auto& name : request.topic_names) {
    if (!ctx.may_on_topic(auth::operation::delete_, name)) {
      response.responses.push_back({name, wire(error_code::topic_authorization_failed)});
      continue;
    }
    if (ctx.hub.cluster()) {
      forward.names.push_back(name);
      response.responses.push_back({name, 0});
      continue;
    }
    auto ec = ctx.hub.store().delete_topic(name);
    if (!ec) log::info("deleted topic '", name, "' for ", ctx.conn.peer);
    response.responses.push_back({name, wire(to_kafka_error(ec))});
  }
  if (forward.names.empty()) {
    ctx.respond(response);
    return true;
  }
  ctx.hub.cluster()->delete_topics(forward, [ctx, response](std::error_code ec,
                                                           const cluster::rpc::delete_topics_response& r) mutable {
    for (auto& out : response.responses) {
      if (out.error_code != 0) continue;
      if (ec) {
        out.error_code = wire(to_kafka_error(ec));
        continue;
      }
      for (const auto& res : r.results)
        if (res.name == out.name) {
          out.error_code = wire(to_kafka_error(static_cast<cluster::cluster_errc>(res.error)));
          if (res.error == 0) log::info("deleted topic '", out.name, "' in the cluster for ", ctx.conn.peer);
        }
    }
    ctx.respond(response);
  });
  return true;
}

}  // namespace tern::kafka
