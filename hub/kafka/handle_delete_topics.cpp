// DeleteTopics (20) v0–1. Needs Delete on each topic (TOPIC_AUTHORIZATION_FAILED).
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_names.h"
#include "tern/kafka/messages/delete_topics.h"

namespace tern::kafka {

bool handle_delete_topics(request_context& ctx, wire::wire_reader& body) {
  delete_topics_request request;
  if (!request.decode(body, ctx.version())) return false;
  delete_topics_response response;
  for (const auto& name : request.topic_names) {
    if (!ctx.may_on_topic(auth::operation::delete_, name)) {
      response.responses.push_back({name, wire(error_code::topic_authorization_failed)});
      continue;
    }
    auto ec = ctx.hub.store().delete_topic(name);
    if (!ec) log::info("deleted topic '", name, "' for ", ctx.conn.peer);
    response.responses.push_back({name, wire(to_kafka_error(ec))});
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
