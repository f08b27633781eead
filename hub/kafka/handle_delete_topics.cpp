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
namespace {

// A single node deletes response->responses[indexes[next..]] one after the other through the
// storage writer (the io thread never waits for it), then answers.
void delete_locally(request_context ctx, std::shared_ptr<delete_topics_response> response,
                    std::shared_ptr<std::vector<std::size_t>> indexes, std::size_t next) {
  if (next == indexes->size()) return ctx.respond(*response);
  std::string name = response->responses[(*indexes)[next]].name;
  ctx.hub.store().delete_topic_async(name, [ctx, response, indexes, next](std::error_code ec) {
    asio::post(ctx.hub.io(), [ctx, response, indexes, next, ec] {
      auto& out = response->responses[(*indexes)[next]];
      if (!ec) log::info("deleted topic '", out.name, "' for ", ctx.conn.peer);
      out.error_code = wire(to_kafka_error(ec));
      delete_locally(ctx, response, indexes, next + 1);
    });
  });
}

}  // namespace

bool handle_delete_topics(request_context& ctx, wire::wire_reader& body) {
  delete_topics_request request;
  if (!request.decode(body, ctx.version())) return false;
  delete_topics_response response;
  cluster::rpc::delete_topics_request forward;
  std::vector<std::size_t> local;  // a single node: the answers to fill by deleting locally
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
    local.push_back(response.responses.size());
    response.responses.push_back({name, 0});
  }
  if (!local.empty()) {
    delete_locally(ctx, std::make_shared<delete_topics_response>(std::move(response)),
                   std::make_shared<std::vector<std::size_t>>(std::move(local)), 0);
    return true;
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
