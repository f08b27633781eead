// Produce (0) v3–7: validates every batch (framing, CRC32C, size) before anything is written,
// hands the batches of each partition to the storage writer (group commit) and answers once all
// partitions are committed. In a cluster only the partition's leader (holding its lease) takes
// the write, stamped with its leader epoch; acks=all then answers once the whole ISR has it
// (NOT_ENOUGH_REPLICAS before the write when the ISR is below min.insync.replicas,
// NOT_ENOUGH_REPLICAS_AFTER_APPEND when it fell below while waiting). acks=0 gets no response at all, as in Kafka. Needs Write on each
// topic: a refused topic answers TOPIC_AUTHORIZATION_FAILED for every partition, nothing written.
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_names.h"
#include "replication/replica_manager.h"
#include "tern/common/record_batch.h"
#include "tern/kafka/messages/produce.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {

struct produce_op {
  request_context ctx;
  produce_request request;
  produce_response response;
  std::size_t pending = 0;

  void finish_one() {
    TERN_ASSERT(pending > 0);
    if (--pending == 0) answer();
  }
  void answer() {
    if (request.acks == 0) return ctx.no_response();
    ctx.respond(response);
  }
};

error_code batch_error(std::error_code ec) {
  using record_batch::record_batch_errc;
  if (ec == record_batch_errc::unsupported_magic) return error_code::unsupported_for_message_format;
  return error_code::corrupt_message;
}

std::int64_t topic_max_message_bytes(const storage::topic_info& info, std::int64_t broker_default) {
  auto it = info.configs.find("max.message.bytes");
  if (it == info.configs.end()) return broker_default;
  try {
    return std::stoll(it->second);
  } catch (...) {
    return broker_default;
  }
}

// Checks one partition's records; on success fills `batches`.
error_code check_records(const produce_request::partition& p, const storage::topic_info& info,
                         std::int64_t broker_max_bytes, std::vector<wire::bytes_view>& batches,
                         std::string& why) {
  if (!p.records || p.records->empty()) {
    why = "empty record set";
    return error_code::invalid_record;
  }
  if (auto ec = record_batch::split(*p.records, batches)) {
    why = ec.message();
    return batch_error(ec);
  }
  auto max_bytes = topic_max_message_bytes(info, broker_max_bytes);
  for (auto b : batches) {
    record_batch::batch_header h;
    record_batch::parse_header(b, h);
    if (static_cast<std::int64_t>(b.size()) > max_bytes) {
      why = "batch of " + std::to_string(b.size()) + " bytes exceeds max.message.bytes " + std::to_string(max_bytes);
      return error_code::message_too_large;
    }
    if (h.transactional() || h.control()) {
      why = "transactional batches are not supported";
      return error_code::invalid_record;
    }
  }
  return error_code::none;
}

}  // namespace

bool handle_produce(request_context& ctx, wire::wire_reader& body) {
  auto op = std::make_shared<produce_op>(produce_op{ctx, {}, {}, 0});
  if (!op->request.decode(body, ctx.version())) return false;
  const auto& request = op->request;
  bool acks_valid = request.acks == 0 || request.acks == 1 || request.acks == -1;
  if (request.transactional_id) acks_valid = false;
  for (const auto& t : request.topic_data) {
    produce_response::topic out_topic;
    out_topic.name = t.name;
    auto info = ctx.hub.store().find_topic(t.name);
    bool authorized = acks_valid && ctx.may_on_topic(auth::operation::write, t.name);
    for (const auto& p : t.partition_data) {
      produce_response::partition out;
      out.index = p.index;
      std::vector<wire::bytes_view> batches;
      std::string why;
      error_code code = error_code::none;
      if (!acks_valid) code = request.transactional_id ? error_code::invalid_txn_state : error_code::invalid_required_acks;
      else if (!authorized) code = error_code::topic_authorization_failed;
      else if (!info || p.index < 0 || p.index >= info->partition_count) code = error_code::unknown_topic_or_partition;
      else code = check_records(p, *info, ctx.hub.config().message_max_bytes, batches, why);
      const ids::partition_index partition{p.index};
      ids::leader_epoch leader_epoch = ids::no_leader_epoch;
      if (code == error_code::none && ctx.hub.replicas()) {
        replication::replica_manager::partition_view view;
        if (auto ec = ctx.hub.replicas()->check_produce(t.name, partition, request.acks == -1,
                                                        ids::no_leader_epoch, view))
          code = to_kafka_error(ec);
        else
          leader_epoch = view.leader_epoch;
      }
      if (code != error_code::none) {
        if (!why.empty())
          log::warn("produce to ", t.name, "-", p.index, " from ", ctx.conn.peer, " refused: ", why);
        out.error_code = wire(code);
        out_topic.partition_responses.push_back(out);
        continue;
      }
      std::size_t topic_index = op->response.responses.size();
      std::size_t partition_index = out_topic.partition_responses.size();
      out_topic.partition_responses.push_back(out);
      ++op->pending;
      storage::append_request append;
      append.log = info->partition_log(partition);
      append.leader_epoch = leader_epoch;
      std::int64_t offsets_taken = 0;  // how many offsets the batches take (for acks=all)
      for (auto b : batches) {
        record_batch::batch_header h;
        record_batch::parse_header(b, h);
        offsets_taken += std::int64_t{h.last_offset_delta} + 1;
      }
      append.batches = std::move(batches);
      append.keepalive = ctx.frame;
      bool wait_for_isr = request.acks == -1 && ctx.hub.replicas() != nullptr;
      append.done = [op, topic_index, partition_index, offsets_taken, wait_for_isr,
                     target = append.log](const storage::append_result& result) {
        asio::post(op->ctx.hub.io(), [op, topic_index, partition_index, result, offsets_taken,
                                      wait_for_isr, target] {
          auto& slot = op->response.responses[topic_index].partition_responses[partition_index];
          slot.error_code = wire(to_kafka_error(result.error));
          // A duplicate (a retry of committed batches) succeeds with the original offset.
          if (!result.error) {
            slot.base_offset = result.base_offset.value();
            slot.log_start_offset = result.log_start.value();
          } else {
            log::warn("append to ", op->response.responses[topic_index].name, "-", slot.index,
                      " failed: ", result.error.message());
          }
          auto* replicas = op->ctx.hub.replicas();
          if (result.error || !wait_for_isr || !replicas) return op->finish_one();
          replicas->wait_replicated(target, result.base_offset + offsets_taken, op->request.timeout_ms,
                                    [op, topic_index, partition_index](std::error_code ec) {
                                      auto& s = op->response.responses[topic_index]
                                                    .partition_responses[partition_index];
                                      if (ec) s.error_code = wire(to_kafka_error(ec));
                                      op->finish_one();
                                    });
        });
      };
      ctx.hub.store().append(std::move(append));
    }
    op->response.responses.push_back(std::move(out_topic));
  }
  // The storage callbacks are posted to this (io) thread, so none can run before this point.
  if (op->pending == 0) op->answer();
  return true;
}

}  // namespace tern::kafka
