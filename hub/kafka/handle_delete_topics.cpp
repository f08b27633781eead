// DeleteTopics (20) v0–6. Needs Delete on each topic (TOPIC_AUTHORIZATION_FAILED). In a cluster
// the deletion goes through the controller (the metadata log); every replica then deletes its
// local copy when its image changes. v6 names a topic by name or by topic id (both at once is
// INVALID_REQUEST; an id no topic has is UNKNOWN_TOPIC_ID) and answers with both; a topic named by
// id that the principal may not delete answers with its id alone, so the name does not leak.
// An id is resolved to the topic's name when the request arrives and the topic is then deleted by
// name (the store and the controller delete by name): deleting by id and recreating the name at
// the same instant could delete the new topic, a race Kafka closes and we accept for now.
// v5+ answers an error message with each error.
#include "app/log.h"
#include "cluster/errors.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_ids.h"
#include "kafka/topic_names.h"
#include "tern/kafka/messages/delete_topics.h"

namespace tern::kafka {
namespace {

using topic_result = delete_topics_response::topic_result;

void set_error(topic_result& out, error_code code, std::string message) {
  out.error_code = wire(code);
  out.error_message = std::move(message);
}

// The error of a failed deletion; its message names the topic.
void set_error(topic_result& out, std::error_code ec) {
  out.error_code = wire(to_kafka_error(ec));
  if (out.error_code != 0) out.error_message = "cannot delete topic '" + out.name + "': " + ec.message();
}

// The id of a topic named by name, as this broker knows it (zero if it does not exist).
topic_uuid id_of(request_context& ctx, const std::string& name) {
  if (auto* node = ctx.hub.cluster()) {
    const auto* t = node->image().topic(name);
    return t ? t->id : topic_uuid{};
  }
  auto info = ctx.hub.store().find_topic(name);
  return info ? info->uuid : topic_uuid{};
}

// Resolves one requested topic into `out` (name and id). False if it is answered already (an
// error): it is not to be deleted.
bool resolve(request_context& ctx, const delete_topics_request::topic& req, topic_result& out) {
  out.name = req.name;
  out.topic_id = req.topic_id;
  if (req.name.empty()) {
    auto name = topic_name_by_id(ctx, req.topic_id);
    if (!name) {
      set_error(out, error_code::unknown_topic_id, "no topic has this topic id");
      return false;
    }
    if (!ctx.may_on_topic(auth::operation::delete_, *name)) {
      set_error(out, error_code::topic_authorization_failed, "not authorized to delete this topic");
      return false;
    }
    out.name = *name;
    return true;
  }
  if (!is_zero_id(req.topic_id)) {
    set_error(out, error_code::invalid_request, "give a topic's name or its id, not both");
    return false;
  }
  if (!ctx.may_on_topic(auth::operation::delete_, req.name)) {
    set_error(out, error_code::topic_authorization_failed,
              "not authorized to delete topic '" + req.name + "'");
    return false;
  }
  out.topic_id = id_of(ctx, req.name);
  return true;
}

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
      set_error(out, ec);
      delete_locally(ctx, response, indexes, next + 1);
    });
  });
}

}  // namespace

bool handle_delete_topics(request_context& ctx, wire::wire_reader& body) {
  delete_topics_request request;
  if (!request.decode(body, ctx.version())) return false;
  // One list for every version: v0–5 name topics by name only.
  std::vector<delete_topics_request::topic> wanted = request.topics;
  for (const auto& name : request.topic_names) wanted.push_back({name, {}});
  delete_topics_response response;
  cluster::rpc::delete_topics_request forward;
  std::vector<std::size_t> local;  // a single node: the answers to fill by deleting locally
  for (const auto& req : wanted) {
    topic_result out;
    if (resolve(ctx, req, out)) {
      if (ctx.hub.cluster())
        forward.names.push_back(out.name);
      else
        local.push_back(response.responses.size());
    }
    response.responses.push_back(std::move(out));
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
        set_error(out, ec);
        continue;
      }
      for (const auto& res : r.results)
        if (res.name == out.name) {
          set_error(out, static_cast<cluster::cluster_errc>(res.error));
          if (res.error == 0) log::info("deleted topic '", out.name, "' in the cluster for ", ctx.conn.peer);
        }
    }
    ctx.respond(response);
  });
  return true;
}

}  // namespace tern::kafka
