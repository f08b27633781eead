// CreateTopics (19) v0–7. Names and configs are validated here; validate_only checks without
// creating. v5+ answers each topic that is (or, with validate_only, would be) created with its
// partition count, replication factor and every config's effective value and source (KIP-525;
// only if the principal may DescribeConfigs on the topic, else topic_config_error_code
// TOPIC_AUTHORIZATION_FAILED and null configs, as Kafka); v7 with its topic id (the store's on a
// single node, the controller's in a cluster; zero with validate_only). Needs Create on the
// cluster or on the topic (TOPIC_AUTHORIZATION_FAILED). A single node creates the topic in its
// store (replication factor 1 only). A cluster forwards the topics to the controller, which
// checks the replication factor against the live brokers, places the replicas (Kafka's
// round-robin) and commits the topic to the metadata log.
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_configs.h"
#include "kafka/topic_names.h"
#include "tern/kafka/messages/create_topics.h"
#include "cluster/errors.h"

namespace tern::kafka {
namespace {
constexpr std::int32_t cluster_size = 1;  // replication arrives with the cluster issue
constexpr std::int32_t max_partitions = 10000;

// A valid topic a single node creates in its store, after the whole request is validated.
struct local_create {
  std::size_t result_index = 0;  // in the response's topics
  std::string name;
  std::int32_t partitions = 0;
  std::map<std::string, std::string> configs;
};

// A topic that failed after (part of) its validation: only its name, error and message remain;
// the v5+ fields go back to their defaults, as Kafka leaves them.
void set_failed(create_topics_response::topic_result& out, error_code code, std::string message) {
  std::string name = std::move(out.name);
  out = {};
  out.name = std::move(name);
  out.error_code = wire(code);
  out.error_message = std::move(message);
}

// What v5+ reports about a topic that passed validation (the fields are dropped below v5).
void describe_created(request_context& ctx, const std::string& name, std::int32_t partitions,
                      std::int32_t replication, const std::map<std::string, std::string>& overrides,
                      create_topics_response::topic_result& out) {
  out.num_partitions = partitions;
  out.replication_factor = static_cast<std::int16_t>(replication);
  if (!ctx.may_on_topic(auth::operation::describe_configs, name)) {
    out.topic_config_error_code = wire(error_code::topic_authorization_failed);
    return;
  }
  auto& configs = out.configs.emplace();
  for (const auto& key : topic_config_keys()) {
    auto d = topic_config_default_of(key, ctx.hub.store().options().topic_defaults, ctx.hub.config());
    auto it = overrides.find(std::string(key.name));
    const bool overridden = it != overrides.end();
    configs.push_back({std::string(key.name), overridden ? it->second : d.value, false,
                       wire(overridden ? config_source::dynamic_topic_config : d.source), false});
  }
}

// Validates one topic. On a single node a valid topic is appended to `local` (created later,
// asynchronously); in a cluster to `forward`. Its result is left at success, to be replaced by
// the store's or the controller's.
create_topics_response::topic_result create_one(request_context& ctx, const create_topics_request::topic& t,
                                                bool validate_only,
                                                std::vector<cluster::rpc::create_topic>* forward,
                                                std::vector<local_create>& local, std::size_t result_index) {
  create_topics_response::topic_result result;
  result.name = t.name;
  auto fail = [&](error_code code, std::string message) {
    set_failed(result, code, std::move(message));
    return result;
  };
  if (!ctx.hub.permits(ctx.conn, auth::operation::create, auth::resource_type::cluster, auth::cluster_name) &&
      !ctx.may_on_topic(auth::operation::create, t.name))
    return fail(error_code::topic_authorization_failed,
                "not authorized to create topic '" + t.name + "'");
  if (!valid_topic_name(t.name))
    return fail(error_code::invalid_topic_exception,
                "topic name '" + t.name + "' is invalid: use 1-249 of [a-zA-Z0-9._-]");
  std::int32_t partitions = t.num_partitions;
  std::int32_t replication = t.replication_factor;
  if (!t.assignments.empty()) {
    if (partitions != -1 || replication != -1)
      return fail(error_code::invalid_request, "give either partitions/replication factor or assignments");
    partitions = static_cast<std::int32_t>(t.assignments.size());
    replication = static_cast<std::int32_t>(t.assignments.front().broker_ids.size());
    for (std::size_t i = 0; i < t.assignments.size(); ++i) {
      const auto& a = t.assignments[i];
      if (a.partition_index != static_cast<std::int32_t>(i) ||
          static_cast<std::int32_t>(a.broker_ids.size()) != replication)
        return fail(error_code::invalid_replica_assignment, "replica assignment must list partitions 0..n-1 with equal replica counts");
      for (auto b : a.broker_ids)
        if (!forward && b != ctx.hub.node_id())
          return fail(error_code::invalid_replica_assignment, "broker " + std::to_string(b) + " is not in the cluster");
    }
  }
  if (partitions == -1) partitions = ctx.hub.config().num_partitions;
  if (replication == -1) replication = ctx.hub.config().default_replication_factor;
  if (partitions < 1 || partitions > max_partitions)
    return fail(error_code::invalid_partitions,
                "number of partitions must be 1.." + std::to_string(max_partitions) + ", got " + std::to_string(partitions));
  if (replication < 1 || (!forward && replication > cluster_size))
    return fail(error_code::invalid_replication_factor,
                "replication factor " + std::to_string(replication) + " is larger than the " +
                    std::to_string(cluster_size) + " available broker(s)");
  std::map<std::string, std::string> configs;
  for (const auto& c : t.configs) {
    std::string message;
    if (!valid_topic_config(c.name, c.value, message)) return fail(error_code::invalid_config, message);
    configs[c.name] = *c.value;
  }
  describe_created(ctx, t.name, partitions, replication, configs, result);
  if (forward) {
    cluster::rpc::create_topic c{t.name, partitions, static_cast<std::int16_t>(replication), configs, {}};
    for (const auto& a : t.assignments) c.assignments.push_back(a.broker_ids);
    forward->push_back(std::move(c));
    return result;
  }
  if (ctx.hub.store().find_topic(t.name))
    return fail(error_code::topic_already_exists, "topic '" + t.name + "' already exists");
  if (validate_only) return result;
  local.push_back({result_index, t.name, partitions, std::move(configs)});
  return result;
}

// Creates local[next..] one after the other through the storage writer (the io thread never
// waits for it), then answers.
void create_locally(request_context ctx, std::shared_ptr<create_topics_response> response,
                    std::shared_ptr<std::vector<local_create>> local, std::size_t next) {
  if (next == local->size()) return ctx.respond(*response);
  const auto& c = (*local)[next];
  ctx.hub.store().create_topic_async(
      c.name, c.partitions, c.configs,
      [ctx, response, local, next](std::error_code ec, const storage::topic_info& created) {
        asio::post(ctx.hub.io(), [ctx, response, local, next, ec, id = created.uuid] {
          const auto& done = (*local)[next];
          auto& out = response->topics[done.result_index];
          if (ec) {
            set_failed(out, to_kafka_error(ec), "cannot create topic '" + done.name + "': " + ec.message());
          } else {
            out.topic_id = id;
            log::info("created topic '", done.name, "' with ", done.partitions, " partitions for ", ctx.conn.peer);
          }
          create_locally(ctx, response, local, next + 1);
        });
      });
}
}  // namespace

bool handle_create_topics(request_context& ctx, wire::wire_reader& body) {
  create_topics_request request;
  if (!request.decode(body, ctx.version())) return false;
  create_topics_response response;
  std::vector<std::string> seen;
  cluster::rpc::create_topics_request forward;
  forward.validate_only = request.validate_only;
  std::vector<local_create> local;
  auto* node = ctx.hub.cluster();
  for (const auto& t : request.topics) {
    if (std::find(seen.begin(), seen.end(), t.name) != seen.end()) {
      response.topics.push_back({t.name, wire(error_code::invalid_request), "topic listed twice"});
      continue;
    }
    seen.push_back(t.name);
    response.topics.push_back(create_one(ctx, t, request.validate_only, node ? &forward.topics : nullptr,
                                         local, response.topics.size()));
  }
  if (!local.empty()) {
    create_locally(ctx, std::make_shared<create_topics_response>(std::move(response)),
                   std::make_shared<std::vector<local_create>>(std::move(local)), 0);
    return true;
  }
  if (forward.topics.empty()) {
    ctx.respond(response);
    return true;
  }
  node->create_topics(forward, [ctx, response](std::error_code ec,
                                               const cluster::rpc::create_topics_response& r) mutable {
    for (auto& out : response.topics) {
      if (out.error_code != 0) continue;
      if (ec) {
        set_failed(out, to_kafka_error(ec), "the controller did not answer: " + ec.message());
        continue;
      }
      for (const auto& res : r.results) {
        if (res.name != out.name) continue;
        if (res.error != 0) {
          set_failed(out, to_kafka_error(static_cast<cluster::cluster_errc>(res.error)), res.message);
        } else {
          out.topic_id = res.topic_id;
          log::info("created topic '", out.name, "' in the cluster for ", ctx.conn.peer);
        }
      }
    }
    ctx.respond(response);
  });
  return true;
}

}  // namespace tern::kafka
