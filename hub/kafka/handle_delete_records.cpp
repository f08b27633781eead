// DeleteRecords (21) v0–2 (kafkajs admin.deleteTopicRecords, librdkafka DeleteRecords, `tern
// delete-records`): deletes each partition's records below the requested offset, which frees
// space on a gateway whose disk budget is full. Needs Delete on each topic
// (TOPIC_AUTHORIZATION_FAILED for all its partitions). Per partition: UNKNOWN_TOPIC_OR_PARTITION,
// OFFSET_OUT_OF_RANGE for an offset below -1 or above the high watermark, otherwise the new low
// watermark (log start). The store deletes whole batches only (log_store::delete_records): the
// batch that holds the offset stays, and the low watermark is its base offset, at most the
// offset asked for (Kafka moves the log start inside the batch; a consumer then skips the
// records below it, which Tern's consumers see instead).
//
// In a cluster the followers would keep the deleted records (the log start is not replicated
// yet), so a later leader would serve them again: refused there with POLICY_VIOLATION and a log
// line until the replication carries it.
#include <memory>

#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/delete_records.h"

namespace tern::kafka {
bool handle_delete_records(request_context& ctx, wire::wire_reader& body) {
  delete_records_request request;
  if (!request.decode(body, ctx.version())) return false;
  auto op = std::make_shared<gathered_response<delete_records_response>>(ctx);
  // Every answer slot exists before the first store call: callbacks only fill them in.
  struct job {
    std::size_t topic, partition;
    storage::log_id log;
    ids::offset offset;
  };
  std::vector<job> jobs;
  for (const auto& t : request.topics) {
    delete_records_response::topic out;
    out.name = t.name;
    const bool allowed = ctx.may_on_topic(auth::operation::delete_, t.name);
    auto info = ctx.hub.store().find_topic(t.name);
    for (const auto& p : t.partitions) {
      delete_records_response::partition slot;
      slot.partition_index = p.partition_index;
      if (!allowed) {
        slot.error_code = wire(error_code::topic_authorization_failed);
      } else if (!info || p.partition_index < 0 || p.partition_index >= info->partition_count) {
        slot.error_code = wire(error_code::unknown_topic_or_partition);
      } else if (ctx.hub.replicas()) {
        log::warn("DeleteRecords on ", t.name, "-", p.partition_index, " from ", ctx.conn.peer,
                  " refused: not available in a cluster yet (followers would keep the records)");
        slot.error_code = wire(error_code::policy_violation);
      } else if (p.offset < -1) {
        slot.error_code = wire(error_code::offset_out_of_range);
      } else {
        jobs.push_back({op->response.topics.size(), out.partitions.size(),
                        info->partition_log(ids::partition_index{p.partition_index}),
                        ids::offset{p.offset}});
      }
      out.partitions.push_back(slot);
    }
    op->response.topics.push_back(std::move(out));
  }
  op->pending = jobs.size() + 1;  // +1: this function's own reference, released below
  for (const auto& j : jobs) {
    ctx.hub.store().delete_records(j.log, j.offset, [op, j](std::error_code ec, ids::offset low) {
      asio::post(op->ctx.hub.io(), [op, j, ec, low] {
        auto& slot = op->response.topics[j.topic].partitions[j.partition];
        if (ec == storage::storage_errc::invalid_argument) {
          slot.error_code = wire(error_code::offset_out_of_range);
        } else if (ec) {
          slot.error_code = wire(to_kafka_error(ec));
        } else {
          slot.low_watermark = low.value();
          log::info("deleted records of ", op->response.topics[j.topic].name, "-",
                    slot.partition_index, " below ", low, " for ", op->ctx.conn.peer);
        }
        op->finish_one();
      });
    });
  }
  op->finish_one();
  return true;
}

}  // namespace tern::kafka
