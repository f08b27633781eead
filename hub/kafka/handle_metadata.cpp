// Metadata (3) v0–12. A single node: this node as the only broker, leader of every partition.
// A cluster: every live (registered, unfenced) broker with its endpoint for the listener the
// request came in on, and each partition's leader, leader epoch (v7+), replicas, ISR and offline
// replicas from the metadata image; auto-creation goes through the controller like CreateTopics.
// Honours allow_auto_topic_creation (v4+) and the broker's auto.create.topics.enable.
// Authorization (as Kafka): all topics = those the principal may Describe; a requested topic it
// may not Describe answers TOPIC_AUTHORIZATION_FAILED (whether it exists or not); auto-creation
// needs Create on the cluster or the topic, else TOPIC_AUTHORIZATION_FAILED.
// Topic ids (v10+) are the store's per-topic uuid on a single node and the metadata image's in a
// cluster. A v12 request topic with a non-zero id is looked up by that id alone (as Kafka, its
// name is ignored and it is never auto-created): an id no topic has answers UNKNOWN_TOPIC_ID, a
// topic the principal may not Describe TOPIC_AUTHORIZATION_FAILED, both with a null name.
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_ids.h"
#include "kafka/topic_names.h"
#include "replication/replica_manager.h"
#include "tern/kafka/messages/metadata.h"

namespace tern::kafka {
namespace {

metadata_response::topic describe(const storage::topic_info& info, std::int32_t node_id) {
  metadata_response::topic t;
  t.name = info.name;
  t.topic_id = info.uuid;
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

// Whether a requested topic is named by its id (v12+; Kafka ignores ids before).
bool by_id(const request_context& ctx, const metadata_request::topic& t) {
  return ctx.version() >= 12 && !is_zero_id(t.topic_id);
}

// The answer for a topic asked for by id whose name the principal may not learn: the id alone.
metadata_response::topic id_only(const topic_uuid& id, error_code code) {
  metadata_response::topic t;
  t.topic_id = id;
  t.error_code = wire(code);
  return t;
}

// A requested topic as this node knows it. A topic to auto-create is answered with an empty
// placeholder and `create` set: the caller creates it through the storage writer.
metadata_response::topic lookup(request_context& ctx, const metadata_request::topic& req, bool may_create,
                                bool& create) {
  auto& store = ctx.hub.store();
  create = false;
  if (by_id(ctx, req)) {
    auto name_of_id = topic_name_by_id(ctx, req.topic_id);
    auto info = name_of_id ? store.find_topic(*name_of_id) : std::nullopt;
    if (!info) return id_only(req.topic_id, error_code::unknown_topic_id);
    if (!ctx.may_on_topic(auth::operation::describe, info->name))
      return id_only(req.topic_id, error_code::topic_authorization_failed);
    return describe(*info, ctx.hub.node_id());
  }
  const std::string& name = req.name;
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
  create = true;
  return missing;
}

// Auto-creates the topics at response->topics[indexes[next..]] one after the other through the
// storage writer (the io thread never waits for it), then answers.
void auto_create(request_context ctx, std::shared_ptr<metadata_response> response,
                 std::shared_ptr<std::vector<std::size_t>> indexes, std::size_t next) {
  if (next == indexes->size()) return ctx.respond(*response);
  std::string name = response->topics[(*indexes)[next]].name;
  ctx.hub.store().create_topic_async(
      name, ctx.hub.config().num_partitions, {},
      [ctx, response, indexes, next](std::error_code ec, const storage::topic_info& created) {
        asio::post(ctx.hub.io(), [ctx, response, indexes, next, ec, created] {
          auto& out = response->topics[(*indexes)[next]];
          std::optional<storage::topic_info> info;
          if (ec == storage::storage_errc::topic_exists) info = ctx.hub.store().find_topic(out.name);
          if (!ec) {
            log::info("auto-created topic '", out.name, "' with ", created.partition_count,
                      " partitions for ", ctx.conn.peer);
            info = created;
          }
          if (info) {
            out = describe(*info, ctx.hub.node_id());
          } else {
            log::warn("auto-create of topic '", out.name, "' failed: ", ec.message());
            out.error_code = wire(to_kafka_error(ec));
          }
          auto_create(ctx, response, indexes, next + 1);
        });
      });
}

metadata_response::topic describe(const cluster::metadata_image& image, const cluster::topic_state& t) {
  metadata_response::topic out;
  out.name = t.name;
  out.topic_id = t.id;
  for (std::size_t i = 0; i < t.partitions.size(); ++i) {
    const auto& p = t.partitions[i];
    metadata_response::partition part;
    part.partition_index = static_cast<std::int32_t>(i);
    part.leader_id = p.leader;
    part.leader_epoch = p.leader_epoch;
    part.replica_nodes = p.replicas;
    part.isr_nodes = p.isr;
    part.offline_replicas = image.offline_replicas(p);
    if (p.leader == cluster::no_leader) part.error_code = wire(error_code::leader_not_available);
    out.partitions.push_back(std::move(part));
  }
  return out;
}

// A v12 topic asked for by id, from the metadata image.
metadata_response::topic answer_by_id(request_context& ctx, const cluster::metadata_image& image,
                                      const topic_uuid& id) {
  const auto* t = image.topic(id);
  if (!t) return id_only(id, error_code::unknown_topic_id);
  if (!ctx.may_on_topic(auth::operation::describe, t->name))
    return id_only(id, error_code::topic_authorization_failed);
  return describe(image, *t);
}

// The cluster's answer, from the metadata image. Auto-creation (when allowed) is forwarded to the
// controller; the answer goes out once it is decided (and the topic reported as
// LEADER_NOT_AVAILABLE until this broker's image has it, as Kafka does).
void answer_from_image(request_context& ctx, const metadata_request& request) {
  auto& node = *ctx.hub.cluster();
  const auto& image = node.image();
  metadata_response response;
  list_brokers(ctx, response.brokers, response.cluster_id, response.controller_id);
  bool all = !request.topics || (ctx.version() == 0 && request.topics->empty());
  // Until this broker sees its own registration live in its image, the image may still be
  // replaying the metadata log (a restart): a topic missing from it may well exist. Saying
  // UNKNOWN_TOPIC_OR_PARTITION then makes consumers drop the partition for good (librdkafka:
  // "desired partition is no longer available"); LEADER_NOT_AVAILABLE makes them ask again.
  // The unfence record follows every record committed before the registration, so once it is
  // applied the image holds every topic created before this broker (re)joined.
  const bool image_current = image.is_live(node.self());
  std::vector<std::string> to_create;
  if (all) {
    for (const auto& [name, t] : image.topics())
      if (ctx.hub.permits(ctx.conn, auth::operation::describe, auth::resource_type::topic, name))
        response.topics.push_back(describe(image, t));
  } else {
    bool may_create = ctx.hub.config().auto_create_topics_enable &&
                      (ctx.version() < 4 || request.allow_auto_topic_creation);
    for (const auto& req : *request.topics) {
      if (by_id(ctx, req)) {
        response.topics.push_back(answer_by_id(ctx, image, req.topic_id));
        continue;
      }
      metadata_response::topic missing;
      missing.name = req.name;
      if (!ctx.may_on_topic(auth::operation::describe, req.name)) {
        missing.error_code = wire(error_code::topic_authorization_failed);
      } else if (const auto* t = image.topic(req.name)) {
        response.topics.push_back(describe(image, *t));
        continue;
      } else if (!valid_topic_name(req.name)) {
        missing.error_code = wire(error_code::invalid_topic_exception);
      } else if (!image_current) {
        missing.error_code = wire(error_code::leader_not_available);
      } else if (!may_create) {
        missing.error_code = wire(error_code::unknown_topic_or_partition);
      } else if (!ctx.hub.permits(ctx.conn, auth::operation::create, auth::resource_type::cluster,
                                  auth::cluster_name) &&
                 !ctx.may_on_topic(auth::operation::create, req.name)) {
        missing.error_code = wire(error_code::topic_authorization_failed);
      } else {
        missing.error_code = wire(error_code::leader_not_available);
        to_create.push_back(req.name);
      }
      response.topics.push_back(std::move(missing));
    }
  }
  if (to_create.empty()) return ctx.respond(response);
  cluster::rpc::create_topics_request create;
  for (const auto& name : to_create)
    create.topics.push_back({name, ctx.hub.config().num_partitions,
                             static_cast<std::int16_t>(ctx.hub.config().default_replication_factor), {}, {}});
  node.create_topics(create, [ctx, response](std::error_code ec, const cluster::rpc::create_topics_response& r) {
    if (ec) log::warn("auto-create via the controller failed: ", ec.message());
    for (const auto& res : r.results)
      if (res.error == 0) log::info("auto-created topic '", res.name, "' for ", ctx.conn.peer);
    ctx.respond(response);
  });
}

}  // namespace

void list_brokers(request_context& ctx, std::vector<metadata_response::broker>& brokers,
                  std::optional<std::string>& cluster_id, std::int32_t& controller_id) {
  brokers.clear();
  if (!ctx.hub.cluster()) {
    for (const auto& ep : ctx.hub.advertised()) {
      if (ep.listener != ctx.conn.listener) continue;
      brokers.push_back({ctx.hub.node_id(), ep.host, ep.port, std::nullopt});
    }
    cluster_id = ctx.hub.store().cluster_id();
    controller_id = ctx.hub.node_id();
    return;
  }
  auto& node = *ctx.hub.cluster();
  const auto& image = node.image();
  for (const auto& [id, b] : image.brokers()) {
    if (b.fenced || !(b.roles & cluster::role_broker)) continue;
    const cluster::endpoint* ep = nullptr;
    for (const auto& e : b.endpoints)
      if (e.listener == ctx.conn.listener) ep = &e;
    if (ep) brokers.push_back({id, ep->host, ep->port, std::nullopt});
  }
  cluster_id = image.cluster_id().value_or("");
  auto leader = node.metadata_quorum().leader_id();
  // kafkajs sends admin requests to the controller: it must be a listed broker.
  bool listed = false;
  for (const auto& b : brokers) listed = listed || b.node_id == leader;
  controller_id = listed ? leader : (brokers.empty() ? -1 : brokers.front().node_id);
}

bool handle_metadata(request_context& ctx, wire::wire_reader& body) {
  metadata_request request;
  if (!request.decode(body, ctx.version())) return false;
  if (ctx.hub.cluster()) {
    answer_from_image(ctx, request);
    return true;
  }
  metadata_response response;
  list_brokers(ctx, response.brokers, response.cluster_id, response.controller_id);
  // v0: an empty list means all topics; v1+: null means all, empty means none.
  bool all = !request.topics || (ctx.version() == 0 && request.topics->empty());
  if (all) {
    for (const auto& info : ctx.hub.store().list_topics())
      if (ctx.hub.permits(ctx.conn, auth::operation::describe, auth::resource_type::topic, info.name))
        response.topics.push_back(describe(info, ctx.hub.node_id()));
  } else {
    bool may_create = ctx.hub.config().auto_create_topics_enable &&
                      (ctx.version() < 4 || request.allow_auto_topic_creation);
    std::vector<std::size_t> to_create;
    for (const auto& t : *request.topics) {
      bool create = false;
      response.topics.push_back(lookup(ctx, t, may_create, create));
      if (create) to_create.push_back(response.topics.size() - 1);
    }
    if (!to_create.empty()) {
      auto_create(ctx, std::make_shared<metadata_response>(std::move(response)),
                  std::make_shared<std::vector<std::size_t>>(std::move(to_create)), 0);
      return true;
    }
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
