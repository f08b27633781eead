// IncrementalAlterConfigs (44) v0–1: per-key changes to a topic's overrides — SET, DELETE (back
// to the default), APPEND and SUBTRACT (list keys only, e.g. cleanup.policy; they start from the
// override or else the default, as Kafka does). The resulting override set is validated whole
// and stored all or nothing; validate_only checks without storing.
#include <algorithm>

#include "kafka/config_admin.h"
#include "kafka/request_context.h"
#include "kafka/topic_configs.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/incremental_alter_configs.h"

namespace tern::kafka {
namespace {

using config = incremental_alter_configs_request::config;

std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string item = v.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
  return s;
}

// Applies one operation to `configs`; false (and `out` filled) if it is refused.
bool apply_op(request_context& ctx, const config& c, std::map<std::string, std::string>& configs,
              alter_configs_resource_response& out) {
  auto fail = [&](error_code code, std::string message) {
    out.error_code = wire(code);
    out.error_message = std::move(message);
    return false;
  };
  const topic_config_key* key = find_topic_config_key(c.name);
  if (!key) return fail(error_code::invalid_config, "unknown topic config '" + c.name + "'");
  auto op = static_cast<config_operation>(c.config_operation);
  if (op == config_operation::delete_) {
    configs.erase(c.name);
    return true;
  }
  if (op != config_operation::set && op != config_operation::append &&
      op != config_operation::subtract)
    return fail(
        error_code::invalid_request,
        "unknown config operation " + std::to_string(c.config_operation) + " for '" + c.name + "'");
  if (!c.value)
    return fail(error_code::invalid_request,
                "null value is not allowed for config '" + c.name + "'");
  if (op == config_operation::set) {
    configs[c.name] = *c.value;
    return true;
  }
  if (key->type != config_type::list)
    return fail(error_code::invalid_config,
                std::string(op == config_operation::append ? "append" : "subtract") +
                    " is only for list configs; '" + c.name + "' is not one");
  auto current = configs.find(c.name);
  std::vector<std::string> items =
      split_list(current != configs.end()
                     ? current->second
                     : topic_config_default_of(*key, ctx.hub.store().options().topic_defaults,
                                               ctx.hub.config())
                           .value);
  for (const auto& item : split_list(*c.value)) {
    auto at = std::find(items.begin(), items.end(), item);
    if (op == config_operation::append && at == items.end()) items.push_back(item);
    if (op == config_operation::subtract && at != items.end()) items.erase(at);
  }
  configs[c.name] = join_list(items);
  return true;
}

void alter_one(request_context& ctx, const incremental_alter_configs_request::resource& res,
               const storage::topic_info& topic, bool validate_only,
               alter_configs_resource_response& out, std::vector<forwarded_alter>& forward,
               std::size_t index) {
  std::map<std::string, std::string> configs = topic.configs;
  std::vector<std::string> seen;
  for (const auto& c : res.configs) {
    if (std::find(seen.begin(), seen.end(), c.name) != seen.end()) {
      out.error_code = wire(error_code::invalid_request);
      out.error_message = "config '" + c.name + "' is listed more than once";
      return;
    }
    seen.push_back(c.name);
    if (!apply_op(ctx, c, configs, out)) return;
  }
  replace_topic_overrides(ctx, res.resource_name, configs, validate_only, out, forward, index);
}

}  // namespace

bool handle_incremental_alter_configs(request_context& ctx, wire::wire_reader& body) {
  incremental_alter_configs_request request;
  if (!request.decode(body, ctx.version())) return false;
  incremental_alter_configs_response response;
  std::vector<forwarded_alter> forward;
  for (const auto& res : request.resources) {
    alter_configs_resource_response out;
    std::vector<std::string> keys;
    for (const auto& c : res.configs) keys.push_back(c.name);
    if (auto topic = check_alter_resource(ctx, res.resource_type, res.resource_name, keys,
                                          listed_twice(request.resources, res), out))
      alter_one(ctx, res, *topic, request.validate_only, out, forward, response.responses.size());
    response.responses.push_back(std::move(out));
  }
  answer_alters(ctx, std::move(response), std::move(forward));
  return true;
}

}  // namespace tern::kafka
