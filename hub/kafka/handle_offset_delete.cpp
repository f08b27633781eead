// OffsetDelete (47) v0 (KIP-496: librdkafka DeleteConsumerGroupOffsets, kafka-consumer-groups
// --delete-offsets): deletes a group's committed offsets of some partitions. As Kafka: needs
// Delete on the group (GROUP_AUTHORIZATION_FAILED for the whole request) and Read on each topic
// (TOPIC_AUTHORIZATION_FAILED for its partitions); a group neither the coordinator nor the store
// knows is GROUP_ID_NOT_FOUND; while the group has members, the partitions of topics they
// subscribe to answer GROUP_SUBSCRIBED_TO_TOPIC (their offsets are in use). Members' subscriptions
// are read from their consumer-protocol metadata, which the coordinator keeps only while the
// group is Stable: during a rebalance, or for a protocol type other than "consumer", every topic
// counts as subscribed (Kafka's rule for unknown subscriptions). The rest are deleted through the
// storage writer (the io thread never waits for it); deleting an offset that was never committed
// is not an error.
#include <memory>
#include <set>

#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/consumer_protocol.h"
#include "tern/kafka/messages/offset_delete.h"

namespace tern::kafka {
namespace {

// The topics the group's members consume; nullopt when that cannot be known (every topic then
// counts as subscribed). An empty or unknown group subscribes to nothing.
std::optional<std::set<std::string>> subscribed_topics(request_context& ctx, const std::string& group) {
  std::set<std::string> out;
  if (ctx.hub.groups().is_empty_or_unknown(group)) return out;
  auto described = ctx.hub.groups().describe(group);
  if (!described || described->protocol_type != "consumer") return std::nullopt;
  for (const auto& m : described->members) {
    if (m.metadata.empty()) return std::nullopt;  // not Stable: metadata not kept
    consumer_protocol_subscription sub;
    wire::wire_reader r(wire::bytes_view(m.metadata.data(), m.metadata.size()));
    if (!sub.decode(r)) return std::nullopt;
    out.insert(sub.topics.begin(), sub.topics.end());
  }
  return out;
}

}  // namespace

bool handle_offset_delete(request_context& ctx, wire::wire_reader& body) {
  offset_delete_request request;
  if (!request.decode(body, ctx.version())) return false;
  auto response = std::make_shared<offset_delete_response>();
  if (!ctx.may_on_group(auth::operation::delete_, request.group_id)) {
    response->error_code = wire(error_code::group_authorization_failed);
    ctx.respond(*response);
    return true;
  }
  std::vector<storage::log_store::committed_offset> committed;
  auto error = group_offsets::coordinator_check(ctx.hub);
  if (error == error_code::none) error = group_offsets::read(ctx.hub, request.group_id, committed);
  if (error != error_code::none) {
    response->error_code = wire(error);
    ctx.respond(*response);
    return true;
  }
  if (committed.empty() && !ctx.hub.groups().describe(request.group_id)) {
    response->error_code = wire(error_code::group_id_not_found);
    ctx.respond(*response);
    return true;
  }
  const auto subscribed = subscribed_topics(ctx, request.group_id);
  std::vector<std::pair<std::string, ids::partition_index>> to_delete;
  for (const auto& t : request.topics) {
    offset_delete_response::topic out;
    out.name = t.name;
    error_code code = error_code::none;
    if (!ctx.may_on_topic(auth::operation::read, t.name)) code = error_code::topic_authorization_failed;
    else if (!subscribed || subscribed->count(t.name)) code = error_code::group_subscribed_to_topic;
    for (auto p : t.partitions) {
      out.partitions.push_back({p, wire(code)});
      if (code == error_code::none) to_delete.emplace_back(t.name, ids::partition_index{p});
    }
    response->topics.push_back(std::move(out));
  }
  if (to_delete.empty()) {
    ctx.respond(*response);
    return true;
  }
  group_offsets::delete_partitions(
      ctx.hub, request.group_id, std::move(to_delete),
      [ctx, response, group = request.group_id](error_code code) {
        if (code != error_code::none) {
          // The deletion is one transaction (or one record): none of the partitions was deleted.
          for (auto& t : response->topics)
            for (auto& p : t.partitions)
              if (p.error_code == 0) p.error_code = wire(code);
        } else {
          log::info("deleted committed offsets of group '", group, "' for ", ctx.conn.peer);
        }
        ctx.respond(*response);
      });
  return true;
}

}  // namespace tern::kafka
