#pragma once
// What the AlterConfigs and IncrementalAlterConfigs handlers share: resource checks (only topics
// can be altered; this broker's configs are static) and storing a topic's new override set,
// all or nothing.
#include <functional>
#include <map>
#include <memory>
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

// The topic as admin requests see it: the local store's on a single node, the metadata image's in
// a cluster (configs and partition count; no log ids). nullopt when it does not exist.
std::optional<storage::topic_info> find_topic_for_admin(request_context& ctx, const std::string& name);

// True if (type, name) appears more than once in `resources`.
template <typename Resource>
bool listed_twice(const std::vector<Resource>& resources, const Resource& r) {
  int n = 0;
  for (const auto& other : resources)
    if (other.resource_type == r.resource_type && other.resource_name == r.resource_name) ++n;
  return n > 1;
}

// A valid change of a topic's configs is queued here, with the index of its resource in the
// response, and applied once the whole request has been checked: in a cluster through the
// controller (the metadata log), on a single node through the storage writer (asynchronously: the
// io thread never waits for it).
struct forwarded_alter {
  std::size_t index = 0;
  std::string topic;
  std::map<std::string, std::string> configs;
};

// Validates `configs` as the topic's whole new override set and, unless `validate_only`, appends
// it to `forward` (with `index`). Fills `out` with INVALID_CONFIG naming the key and why.
void replace_topic_overrides(request_context& ctx, const std::string& topic,
                             const std::map<std::string, std::string>& configs, bool validate_only,
                             alter_configs_resource_response& out,
                             std::vector<forwarded_alter>& forward, std::size_t index);

// Answers an alter request: at once when nothing was queued, else after every queued change is
// applied (their results replace the resources' entries).
template <typename Response>
void answer_alters(request_context& ctx, Response response, std::vector<forwarded_alter> forward);
void forward_alters(request_context& ctx, std::vector<forwarded_alter> forward,
                    std::function<void(std::size_t, alter_configs_resource_response)> result,
                    std::function<void()> done);

template <typename Response>
void answer_alters(request_context& ctx, Response response, std::vector<forwarded_alter> forward) {
  if (forward.empty()) return ctx.respond(response);
  auto shared = std::make_shared<Response>(std::move(response));
  forward_alters(
      ctx, std::move(forward),
      [shared](std::size_t index, alter_configs_resource_response r) {
        auto& slot = shared->responses[index];
        slot.error_code = r.error_code;
        slot.error_message = r.error_message;
      },
      [ctx, shared] { ctx.respond(*shared); });
}

}  // namespace tern::kafka
