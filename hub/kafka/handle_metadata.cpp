// Metadata (3) v0–6: this node as the only broker, leader of every partition. Honours
// allow_auto_topic_creation (v4+) and the broker's auto.create.topics.enable.
// Authorization (as Kafka): all topics = those the principal may Describe; a requested topic it
// may not Describe answers TOPIC_AUTHORIZATION_FAILED (whether it exists or not); auto-creation
// needs Create on the cluster or the topic, else TOPIC_AUTHORIZATION_FAILED.
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_names.h"
#include "tern/kafka/messages/metadata.h"

namespace tern::kafka {
namespace {

metadata_response::topic describe(const storage::topic_info& info, std::int32_t node_id) {
  metadata_response::topic t;
  t.name = info.name;
  for (std::int32_t p = 0; p < info.partition_count; ++p) {
    metadata_response::partition part;
    part.partition_index = p;
    part.leader_id = node_id;
    part.replica_nodes = {node_id};
    part.isr_nodes = {node_id};
    t.partitions.push_back(std::move(part));
  }
  return t;
}

metadata_response::topic lookup(request_context& ctx, const std::string& name, bool may_create) {
  auto& store = ctx.hub.store();
  metadata_response::topic missing;
  missing.name = name;
  if (!ctx.may_on_topic(auth::operation::describe, name)) {
    missing.error_code = wire(error_code::topic_authorization_failed);
    return missing;
  }
  if (auto info = store.find_topic(name)) return describe(*info, ctx.hub.node_id());
  if (!valid_topic_name(name)) {
    missing.error_code = wire(error_code::invalid_topic_exception);
    return missing;
  }
  if (!may_create) {
    missing.error_code = wire(error_code::unknown_topic_or_partition);
    return missing;
  }
  if (!ctx.hub.permits(ctx.conn, auth::operation::create, auth::resource_type::cluster, auth::cluster_name) &&
      !ctx.may_on_topic(auth::operation::create, name)) {
    missing.error_code = wire(error_code::topic_authorization_failed);
    return missing;
  }
  storage::topic_info created;
  auto ec = store.create_topic(name, ctx.hub.config().num_partitions, {}, created);
  if (ec == storage::storage_errc::topic_exists) {
    if (auto info = store.find_topic(name)) return describe(*info, ctx.hub.node_id());
  }
  if (ec) {
    log::warn("auto-create of topic '", name, "' failed: ", ec.message());
    missing.error_code = wire(to_kafka_error(ec));
    return missing;
  }
  log::info("auto-created topic '", name, "' with ", created.partition_count, " partitions for ",
            ctx.conn.peer);
  return describe(created, ctx.hub.node_id());
}

}  // namespace

bool handle_metadata(request_context& ctx, wire::wire_reader& body) {
  metadata_request request;
  if (!request.decode(body, ctx.version())) return false;
  metadata_response response;
  for (const auto& ep : ctx.hub.advertised()) {
    if (ep.listener != ctx.conn.listener) continue;
    response.brokers.push_back({ctx.hub.node_id(), ep.host, ep.port, std::nullopt});
  }
  response.cluster_id = ctx.hub.store().cluster_id();
  response.controller_id = ctx.hub.node_id();
  // v0: an empty list means all topics; v1+: null means all, empty means none.
  bool all = !request.topics || (ctx.version() == 0 && request.topics->empty());
  if (all) {
    for (const auto& info : ctx.hub.store().list_topics())
      if (ctx.hub.permits(ctx.conn, auth::operation::describe, auth::resource_type::topic, info.name))
        response.topics.push_back(describe(info, ctx.hub.node_id()));
  } else {
    bool may_create = ctx.hub.config().auto_create_topics_enable &&
                      (ctx.version() < 4 || request.allow_auto_topic_creation);
    for (const auto& t : *request.topics) response.topics.push_back(lookup(ctx, t.name, may_create));
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
