// DescribeConfigs (32) v0–4. TOPIC resources: every topic config key the hub knows with its
// effective value — the topic's override (source TOPIC_CONFIG) or the broker default
// (STATIC_BROKER_CONFIG if the operator set it, else DEFAULT_CONFIG); synonyms (v1+, when asked)
// list the override and then the broker setting. BROKER resource for this node: its configs,
// read-only. Errors are per resource: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST for another
// broker id or a resource type we do not describe. Needs DescribeConfigs on the topic
// (TOPIC_AUTHORIZATION_FAILED) or on the cluster for the broker (CLUSTER_AUTHORIZATION_FAILED).
#include <algorithm>

#include "kafka/config_admin.h"
#include "kafka/request_context.h"
#include "kafka/topic_configs.h"
#include "kafka/topic_names.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/config_resource.h"
#include "tern/kafka/messages/describe_configs.h"

namespace tern::kafka {
namespace {

using request = describe_configs_request;
using response = describe_configs_response;

struct describe_options {
  std::int16_t version;
  bool synonyms;
  bool documentation;
};

// Null or empty configuration_keys = every key (as Kafka; kafkajs sends an empty list).
bool wanted(const request::resource& res, std::string_view name) {
  if (!res.configuration_keys || res.configuration_keys->empty()) return true;
  const auto& keys = *res.configuration_keys;
  return std::find(keys.begin(), keys.end(), name) != keys.end();
}

response::config topic_entry(request_context& ctx, const topic_config_key& key,
                             const storage::topic_info& topic, const describe_options& opt) {
  response::config c;
  c.name = std::string(key.name);
  auto d = topic_config_default_of(key, ctx.hub.store().options().topic_defaults, ctx.hub.config());
  auto override_it = topic.configs.find(c.name);
  const bool overridden = override_it != topic.configs.end();
  c.value = overridden ? override_it->second : d.value;
  c.config_source = wire(overridden ? config_source::dynamic_topic_config : d.source);
  c.is_default = !overridden;
  c.config_type = wire(key.type);
  if (opt.documentation) c.documentation = std::string(key.doc);
  if (opt.synonyms) {
    if (overridden)
      c.synonyms.push_back(
          {c.name, override_it->second, wire(config_source::dynamic_topic_config)});
    if (!key.broker_key.empty())
      c.synonyms.push_back({std::string(key.broker_key), d.value, wire(d.source)});
  }
  return c;
}

void describe_topic(request_context& ctx, const request::resource& res, const describe_options& opt,
                    response::result& out) {
  if (!valid_topic_name(res.resource_name)) {
    out.error_code = wire(error_code::invalid_topic_exception);
    out.error_message = "topic name '" + res.resource_name + "' is invalid";
    return;
  }
  auto topic = find_topic_for_admin(ctx, res.resource_name);
  if (!topic) {
    out.error_code = wire(error_code::unknown_topic_or_partition);
    out.error_message = "topic '" + res.resource_name + "' does not exist";
    return;
  }
  for (const auto& key : topic_config_keys())
    if (wanted(res, key.name)) out.configs.push_back(topic_entry(ctx, key, *topic, opt));
  // Overrides of keys this build no longer knows are still shown: nothing stored is hidden.
  for (const auto& [name, value] : topic->configs) {
    if (find_topic_config_key(name) || !wanted(res, name)) continue;
    response::config c;
    c.name = name;
    c.value = value;
    c.config_source = wire(config_source::dynamic_topic_config);
    c.config_type = wire(config_type::string);
    out.configs.push_back(std::move(c));
  }
}

void describe_broker(request_context& ctx, const request::resource& res,
                     const describe_options& opt, response::result& out) {
  // An empty name is the cluster-wide dynamic default: there are no dynamic configs here.
  if (res.resource_name.empty()) return;
  if (res.resource_name != std::to_string(ctx.hub.node_id())) {
    out.error_code = wire(error_code::invalid_request);
    out.error_message = "unexpected broker id '" + res.resource_name + "': this is broker " +
                        std::to_string(ctx.hub.node_id());
    return;
  }
  for (const auto& e : broker_config_entries(ctx.hub.config())) {
    if (!wanted(res, e.name)) continue;
    response::config c;
    c.name = e.name;
    c.value = e.value;
    c.read_only = true;
    c.config_source = wire(e.source);
    c.is_default = e.source == config_source::default_config;
    c.config_type = wire(e.type);
    if (opt.synonyms) c.synonyms.push_back({e.name, e.value, wire(e.source)});
    if (opt.documentation) c.documentation = e.documentation;
    out.configs.push_back(std::move(c));
  }
}

}  // namespace

bool handle_describe_configs(request_context& ctx, wire::wire_reader& body) {
  request req;
  if (!req.decode(body, ctx.version())) return false;
  describe_options opt{ctx.version(), req.include_synonyms && ctx.version() >= 1,
                       req.include_documentation && ctx.version() >= 3};
  response resp;
  for (const auto& res : req.resources) {
    response::result out;
    out.resource_type = res.resource_type;
    out.resource_name = res.resource_name;
    if (res.resource_type == wire(config_resource_type::topic)) {
      if (ctx.may_on_topic(auth::operation::describe_configs, res.resource_name))
        describe_topic(ctx, res, opt, out);
      else
        out.error_code = wire(error_code::topic_authorization_failed);
    } else if (res.resource_type == wire(config_resource_type::broker)) {
      if (ctx.may_on_cluster(auth::operation::describe_configs))
        describe_broker(ctx, res, opt, out);
      else
        out.error_code = wire(error_code::cluster_authorization_failed);
    } else {
      out.error_code = wire(error_code::invalid_request);
      out.error_message = "resource type " + std::to_string(res.resource_type) +
                          " is not supported (TOPIC and BROKER are)";
    }
    resp.results.push_back(std::move(out));
  }
  ctx.respond(resp);
  return true;
}

}  // namespace tern::kafka
