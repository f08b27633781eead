// CreatePartitions (37) v0–3 (kafka-topics --alter --partitions, kafkajs createPartitions,
// `tern topics --alter`): grows topics to a new total partition count. As in Kafka, existing
// partitions and their data stay where they are, so a key hashed over the partition count
// (murmur2 in the Java client, librdkafka's consistent_random, Tern's CLI) may now land in
// another partition: per-key order holds only from the change on.
//
// Per topic, in Kafka's order: INVALID_REQUEST for a name given twice (one result per such
// name); TOPIC_AUTHORIZATION_FAILED without Alter on the topic; UNKNOWN_TOPIC_OR_PARTITION;
// INVALID_PARTITIONS for a count not above the current one (Kafka's messages) or over 10000;
// INVALID_REPLICA_ASSIGNMENT when assignments are given but are not one per new partition, each
// naming this broker alone. validate_only runs every check and changes nothing. The store adds
// the partitions one topic after the other through its writer (the io thread never waits).
//
// In a cluster the new partitions would need placement and replicas through the controller,
// which is not there yet: refused with POLICY_VIOLATION and a message saying so.
#include <memory>
#include <set>

#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/create_partitions.h"

namespace tern::kafka {
namespace {
constexpr std::int32_t max_partitions = 10000;  // as CreateTopics and the store

using result = create_partitions_response::result;

// A valid topic the store grows, after the whole request is validated.
struct local_add {
  std::size_t result_index = 0;  // in the response's results
  std::string name;
  std::int32_t count = 0;
};

result fail(const std::string& name, error_code code, std::string message) {
  return {name, wire(code), std::move(message)};
}

// Checks one (non-duplicate) topic; a success result means "grow it" (unless validate_only).
result check_one(request_context& ctx, const create_partitions_request::topic& t) {
  if (!ctx.may_on_topic(auth::operation::alter, t.name))
    return fail(t.name, error_code::topic_authorization_failed,
                "not authorized to alter topic '" + t.name + "'");
  if (ctx.hub.cluster())
    return fail(t.name, error_code::policy_violation,
                "adding partitions is not available in a Tern cluster yet (single node only)");
  auto info = ctx.hub.store().find_topic(t.name);
  if (!info)
    return fail(t.name, error_code::unknown_topic_or_partition,
                "The topic '" + t.name + "' does not exist.");
  const std::int32_t current = info->partition_count;
  if (t.count < current)
    return fail(t.name, error_code::invalid_partitions,
                "Topic currently has " + std::to_string(current) +
                    " partitions, which is higher than the requested " + std::to_string(t.count) + ".");
  if (t.count == current)
    return fail(t.name, error_code::invalid_partitions,
                "Topic already has " + std::to_string(current) + " partitions.");
  if (t.count > max_partitions)
    return fail(t.name, error_code::invalid_partitions,
                "number of partitions must be at most " + std::to_string(max_partitions) +
                    ", got " + std::to_string(t.count));
  if (t.assignments) {
    const auto added = static_cast<std::size_t>(t.count - current);
    if (t.assignments->size() != added)
      return fail(t.name, error_code::invalid_replica_assignment,
                  "Increasing the number of partitions by " + std::to_string(added) + " but " +
                      std::to_string(t.assignments->size()) + " assignments provided.");
    for (const auto& a : *t.assignments) {
      // One node: every new partition has exactly this broker as its only replica.
      if (a.broker_ids.size() != 1 || a.broker_ids[0] != ctx.hub.node_id())
        return fail(t.name, error_code::invalid_replica_assignment,
                    "each new partition must be assigned to broker " +
                        std::to_string(ctx.hub.node_id()) + " alone (this node)");
    }
  }
  return {t.name, 0, std::nullopt};
}

// Grows local[next..] one after the other through the storage writer, then answers.
void add_locally(request_context ctx, std::shared_ptr<create_partitions_response> response,
                 std::shared_ptr<std::vector<local_add>> local, std::size_t next) {
  if (next == local->size()) return ctx.respond(*response);
  const auto& a = (*local)[next];
  ctx.hub.store().add_partitions_async(
      a.name, a.count, [ctx, response, local, next](std::error_code ec, const storage::topic_info&) {
        asio::post(ctx.hub.io(), [ctx, response, local, next, ec] {
          const auto& done = (*local)[next];
          auto& out = response->results[done.result_index];
          if (ec == storage::storage_errc::unknown_topic) {
            out = fail(done.name, error_code::unknown_topic_or_partition,
                       "The topic '" + done.name + "' does not exist.");
          } else if (ec == storage::storage_errc::invalid_argument) {
            // The count was checked above: what is left is the store's own limit (or a race
            // with another request that grew the topic first).
            out = fail(done.name, error_code::invalid_partitions,
                       "cannot add partitions to '" + done.name +
                           "': the topic has grown meanwhile or the hub's partition limit "
                           "(storage max_partitions) would be exceeded");
          } else if (ec) {
            out = fail(done.name, to_kafka_error(ec),
                       "cannot add partitions to '" + done.name + "': " + ec.message());
          } else {
            log::info("topic '", done.name, "' now has ", done.count, " partitions (for ",
                      ctx.conn.peer, "); keys hashed over the partition count may move");
          }
          add_locally(ctx, response, local, next + 1);
        });
      });
}
}  // namespace

bool handle_create_partitions(request_context& ctx, wire::wire_reader& body) {
  create_partitions_request request;
  if (!request.decode(body, ctx.version())) return false;
  auto response = std::make_shared<create_partitions_response>();
  auto local = std::make_shared<std::vector<local_add>>();

  // Kafka answers a name given twice once, with INVALID_REQUEST, and acts on none of its entries.
  std::set<std::string> seen, duplicates;
  for (const auto& t : request.topics)
    if (!seen.insert(t.name).second) duplicates.insert(t.name);
  for (const auto& name : duplicates)
    response->results.push_back(fail(name, error_code::invalid_request, "Duplicate topic in request."));

  for (const auto& t : request.topics) {
    if (duplicates.count(t.name)) continue;
    result r = check_one(ctx, t);
    if (r.error_code == 0 && !request.validate_only)
      local->push_back({response->results.size(), t.name, t.count});
    response->results.push_back(std::move(r));
  }
  add_locally(ctx, response, local, 0);
  return true;
}

}  // namespace tern::kafka
