#pragma once
// What the AlterConfigs and IncrementalAlterConfigs handlers share: resource checks (only topics
// can be altered; this broker's configs are static) and storing a topic's new override set,
// all or nothing.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kafka/request_context.h"
#include "storage/log_store.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/alter_configs.h"

namespace tern::kafka {

// Checks one resource of an alter request. Returns the topic when the configs may be applied;
// otherwise nullopt with `out` holding the answer (an error, or success for a broker resource
// with nothing to change). `keys` are the config names the request touches; `duplicate` says
// the same resource is listed more than once in the request. Needs AlterConfigs on the topic
// (TOPIC_AUTHORIZATION_FAILED) or the cluster (CLUSTER_AUTHORIZATION_FAILED).
std::optional<storage::topic_info> check_alter_resource(request_context& ctx, std::int8_t type,
                                                        const std::string& name,
                                                        const std::vector<std::string>& keys,
                                                        bool duplicate,
                                                        alter_configs_resource_response& out);

// True if (type, name) appears more than once in `resources`.
template <typename Resource>
bool listed_twice(const std::vector<Resource>& resources, const Resource& r) {
  int n = 0;
  for (const auto& other : resources)
    if (other.resource_type == r.resource_type && other.resource_name == r.resource_name) ++n;
  return n > 1;
}

// Validates `configs` as the topic's whole new override set and, unless `validate_only`, stores
// it. Fills `out` with the outcome (INVALID_CONFIG naming the key and why, or a storage error).
void replace_topic_overrides(request_context& ctx, const std::string& topic,
                             const std::map<std::string, std::string>& configs, bool validate_only,
                             alter_configs_resource_response& out);

}  // namespace tern::kafka
