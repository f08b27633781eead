// AlterConfigs (33) v0–2: replaces the whole override set of a topic — keys not in the request go
// back to their defaults, as in Kafka. All or nothing per resource; validate_only checks without
// storing. Broker configs are static here: altering them is INVALID_CONFIG.
#include "kafka/config_admin.h"
#include "kafka/request_context.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/alter_configs.h"

namespace tern::kafka {
namespace {

void alter_one(request_context& ctx, const alter_configs_request::resource& res, bool validate_only,
               alter_configs_resource_response& out, std::vector<forwarded_alter>& forward,
               std::size_t index) {
  std::map<std::string, std::string> configs;
  for (const auto& c : res.configs) {
    if (configs.count(c.name)) {
      out.error_code = wire(error_code::invalid_request);
      out.error_message = "config '" + c.name + "' is listed more than once";
      return;
    }
    if (!c.value) {
      out.error_code = wire(error_code::invalid_config);
      out.error_message = "config '" + c.name + "' needs a value";
      return;
    }
    configs[c.name] = *c.value;
  }
  replace_topic_overrides(ctx, res.resource_name, configs, validate_only, out, forward, index);
}

}  // namespace

bool handle_alter_configs(request_context& ctx, wire::wire_reader& body) {
  alter_configs_request request;
  if (!request.decode(body, ctx.version())) return false;
  alter_configs_response response;
  std::vector<forwarded_alter> forward;
  for (const auto& res : request.resources) {
    alter_configs_resource_response out;
    std::vector<std::string> keys;
    for (const auto& c : res.configs) keys.push_back(c.name);
    if (check_alter_resource(ctx, res.resource_type, res.resource_name, keys,
                             listed_twice(request.resources, res), out))
      alter_one(ctx, res, request.validate_only, out, forward, response.responses.size());
    response.responses.push_back(std::move(out));
  }
  answer_alters(ctx, std::move(response), std::move(forward));
  return true;
}

}  // namespace tern::kafka
