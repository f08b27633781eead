// DescribeProducers (61) v0 (KIP-664; `kafka-transactions describe-producers`, admin UIs): the
// idempotent producers each partition's leader remembers, with their newest epoch and last
// sequence, read from the store's producer table (log_store::describe_producers). Tern keeps no
// per-producer timestamp (last_timestamp -1) and has no transactions (coordinator epoch and
// transaction start -1). Needs Read on the topic, like Kafka (TOPIC_AUTHORIZATION_FAILED); per
// partition UNKNOWN_TOPIC_OR_PARTITION, and in a cluster NOT_LEADER_OR_FOLLOWER unless this broker
// leads it (only the leader's table is authoritative).
#include <memory>

#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "replication/replica_manager.h"
#include "tern/kafka/messages/describe_producers.h"

namespace tern::kafka {
bool handle_describe_producers(request_context& ctx, wire::wire_reader& body) {
  describe_producers_request request;
  if (!request.decode(body, ctx.version())) return false;
  auto op = std::make_shared<gathered_response<describe_producers_response>>(ctx);
  struct job {
    std::size_t topic, partition;
    storage::log_id log;
  };
  std::vector<job> jobs;
  for (const auto& t : request.topics) {
    describe_producers_response::topic out;
    out.name = t.name;
    const bool allowed = ctx.may_on_topic(auth::operation::read, t.name);
    auto info = ctx.hub.store().find_topic(t.name);
    for (auto index : t.partition_indexes) {
      describe_producers_response::partition slot;
      slot.partition_index = index;
      std::error_code ec;
      replication::replica_manager::partition_view view;
      if (!allowed) {
        slot.error_code = wire(error_code::topic_authorization_failed);
      } else if (!info || index < 0 || index >= info->partition_count) {
        slot.error_code = wire(error_code::unknown_topic_or_partition);
      } else if (ctx.hub.replicas() &&
                 (ec = ctx.hub.replicas()->check_produce(t.name, ids::partition_index{index}, false,
                                                          ids::no_leader_epoch, view))) {
        slot.error_code = wire(to_kafka_error(ec));
      } else {
        jobs.push_back({op->response.topics.size(), out.partitions.size(),
                        info->partition_log(ids::partition_index{index})});
      }
      out.partitions.push_back(std::move(slot));
    }
    op->response.topics.push_back(std::move(out));
  }
  op->pending = jobs.size() + 1;  // +1: this function's own reference, released below
  for (const auto& j : jobs) {
    ctx.hub.store().describe_producers(
        j.log, [op, j](std::error_code ec, std::vector<storage::log_store::producer_summary> producers) {
          asio::post(op->ctx.hub.io(), [op, j, ec, producers = std::move(producers)] {
            auto& slot = op->response.topics[j.topic].partitions[j.partition];
            if (ec) {
              slot.error_code = wire(to_kafka_error(ec));
              slot.error_message = ec.message();
            }
            for (const auto& s : producers)
              slot.active_producers.push_back({s.producer_id, s.producer_epoch, s.last_sequence, -1, -1, -1});
            op->finish_one();
          });
        });
  }
  op->finish_one();
  return true;
}

}  // namespace tern::kafka
