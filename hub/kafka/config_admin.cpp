#include "kafka/config_admin.h"

#include "cluster/errors.h"

#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/topic_configs.h"
#include "kafka/topic_names.h"
#include "tern/kafka/messages/config_resource.h"

namespace tern::kafka {

std::optional<storage::topic_info> check_alter_resource(request_context& ctx, std::int8_t type,
                                                        const std::string& name,
                                                        const std::vector<std::string>& keys,
                                                        bool duplicate,
                                                        alter_configs_resource_response& out) {
  out.resource_type = type;
  out.resource_name = name;
  auto fail = [&](error_code code, std::string message) -> std::optional<storage::topic_info> {
    out.error_code = wire(code);
    out.error_message = std::move(message);
    return std::nullopt;
  };
  if (duplicate) return fail(error_code::invalid_request, "resource listed more than once");
  if (type == wire(config_resource_type::broker)) {
    if (!ctx.may_on_cluster(auth::operation::alter_configs))
      return fail(error_code::cluster_authorization_failed, "not authorized to alter broker configs");
    if (!name.empty() && name != std::to_string(ctx.hub.node_id()))
      return fail(error_code::invalid_request, "unexpected broker id '" + name +
                                                   "': this is broker " +
                                                   std::to_string(ctx.hub.node_id()));
    if (keys.empty()) return std::nullopt;  // nothing to change: success
    std::string list;
    for (const auto& k : keys) list += (list.empty() ? "" : ",") + k;
    return fail(error_code::invalid_config,
                "Cannot update these configs dynamically: " + list +
                    " (broker configs are read from the configuration file at start-up)");
  }
  if (type != wire(config_resource_type::topic))
    return fail(error_code::invalid_request, "resource type " + std::to_string(type) +
                                                 " is not supported (only TOPIC can be altered)");
  if (!ctx.may_on_topic(auth::operation::alter_configs, name))
    return fail(error_code::topic_authorization_failed,
                "not authorized to alter the configs of topic '" + name + "'");
  if (!valid_topic_name(name))
    return fail(error_code::invalid_topic_exception, "topic name '" + name + "' is invalid");
  auto info = find_topic_for_admin(ctx, name);
  if (!info)
    return fail(error_code::unknown_topic_or_partition, "topic '" + name + "' does not exist");
  return info;
}

std::optional<storage::topic_info> find_topic_for_admin(request_context& ctx, const std::string& name) {
  auto* node = ctx.hub.cluster();
  if (!node) return ctx.hub.store().find_topic(name);
  // The cluster's view: this broker may hold no replica of the topic.
  const auto* t = node->image().topic(name);
  if (!t) return std::nullopt;
  storage::topic_info info;
  info.name = t->name;
  info.uuid = t->id;
  info.partition_count = static_cast<std::int32_t>(t->partitions.size());
  info.configs = t->configs;
  return info;
}

void replace_topic_overrides(request_context& ctx, const std::string& topic,
                             const std::map<std::string, std::string>& configs, bool validate_only,
                             alter_configs_resource_response& out,
                             std::vector<forwarded_alter>& forward, std::size_t index) {
  std::string message;
  if (!valid_topic_configs(configs, ctx.hub.store().options().topic_defaults, message)) {
    out.error_code = wire(error_code::invalid_config);
    out.error_message = message;
    return;
  }
  if (validate_only) return;
  forward.push_back({index, topic, configs});
}

namespace {
// A single node: one change through the storage writer, its outcome posted back to the io thread.
void alter_locally(request_context& ctx, forwarded_alter next,
                   std::function<void(alter_configs_resource_response)> result) {
  auto configs = next.configs;
  ctx.hub.store().alter_topic_configs_async(
      next.topic, std::move(configs),
      [ctx, next, result = std::move(result)](std::error_code ec, const std::string& message) {
        asio::post(ctx.hub.io(), [ctx, next, result, ec, message] {
          alter_configs_resource_response out;
          if (ec) {
            out.error_code = wire(to_kafka_config_error(ec));
            out.error_message = "cannot alter the configs of topic '" + next.topic +
                                "': " + (message.empty() ? ec.message() : message);
            log::warn("altering the configs of topic '", next.topic, "' failed: ", *out.error_message);
          } else {
            std::string list;
            for (const auto& [k, v] : next.configs) list += (list.empty() ? "" : ", ") + k + "=" + v;
            log::info("topic '", next.topic, "' config overrides now {", list, "} (from ", ctx.conn.peer, ")");
          }
          result(std::move(out));
        });
      });
}
}  // namespace

// One change per topic, one after the other (each is small and rare).
void forward_alters(request_context& ctx, std::vector<forwarded_alter> forward,
                    std::function<void(std::size_t, alter_configs_resource_response)> result,
                    std::function<void()> done) {
  if (forward.empty()) return done();
  auto next = forward.front();
  forward.erase(forward.begin());
  if (!ctx.hub.cluster()) {
    return alter_locally(ctx, next, [ctx, index = next.index, rest = std::move(forward), result,
                                     done](alter_configs_resource_response out) mutable {
      result(index, std::move(out));
      forward_alters(ctx, std::move(rest), std::move(result), std::move(done));
    });
  }
  cluster::rpc::alter_configs_request req{next.topic, next.configs};
  ctx.hub.cluster()->alter_configs(
      req, [ctx, next, rest = std::move(forward), result, done](
               std::error_code ec, const cluster::rpc::alter_configs_response& r) mutable {
        alter_configs_resource_response out;
        if (!ec && r.error) ec = static_cast<cluster::cluster_errc>(r.error);
        if (ec) {
          out.error_code = wire(to_kafka_error(ec));
          out.error_message = "cannot alter the configs of topic '" + next.topic + "': " +
                              (r.message.empty() ? ec.message() : r.message);
        } else {
          log::info("topic '", next.topic, "' config overrides changed in the cluster (from ",
                    ctx.conn.peer, ")");
        }
        result(next.index, std::move(out));
        forward_alters(ctx, std::move(rest), std::move(result), std::move(done));
      });
}

}  // namespace tern::kafka
