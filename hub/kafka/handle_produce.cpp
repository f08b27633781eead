// Produce (0) v3–9: validates every batch (framing, CRC32C, size) before anything is written,
// hands the batches of each partition to the storage writer (group commit) and answers once all
// partitions are committed. In a cluster only the partition's leader (holding its lease) takes
// the write, stamped with its leader epoch; acks=all then answers once the whole ISR has it
// (NOT_ENOUGH_REPLICAS before the write when the ISR is below min.insync.replicas,
// NOT_ENOUGH_REPLICAS_AFTER_APPEND when it fell below while waiting). acks=0 gets no response at all, as in Kafka. Needs Write on each
// topic: a refused topic answers TOPIC_AUTHORIZATION_FAILED for every partition, nothing written.
//
// Timestamps are the hub's, not the producer's word (Kafka's LogValidator): with CreateTime a
// batch's maxTimestamp is recomputed from its records (a compressed batch is inflated for it) and
// rewritten, CRC and all, when the producer's differs (producers may leave it at -1, and
// retention, compaction lag, tombstone expiry and the time index all read it); records outside
// message.timestamp.{before,after,difference}.max.ms refuse the partition with INVALID_TIMESTAMP.
// With LogAppendTime the batch is stamped with the broker's time. The rewrite happens in the
// request's own frame, before storage sees the bytes.
//
// A refused partition says why (v8+, KIP-467): error_message carries the sentence that is also
// logged, and an INVALID_TIMESTAMP refusal lists the offending records in record_errors (their
// index in the partition's records, at most record_errors_max of them), so that a client can tell
// the bad records from the innocent ones of the same batch.
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

// A topic's integer config, or the broker's default when the topic has none (values were
// validated when the topic was created or altered).
std::int64_t topic_long(const storage::topic_info& info, const char* key, std::int64_t broker_default) {
  auto it = info.configs.find(key);
  if (it == info.configs.end()) return broker_default;
  try {
    return std::stoll(it->second);
  } catch (...) {
    return broker_default;
  }
}

std::int64_t topic_max_message_bytes(const storage::topic_info& info, std::int64_t broker_default) {
  return topic_long(info, "max.message.bytes", broker_default);
}

struct timestamp_policy {
  bool log_append_time = false;
  std::int64_t before_max_ms = INT64_MAX;  // how far a CreateTime may lie before "now"
  std::int64_t after_max_ms = INT64_MAX;   // ... and after it
};

timestamp_policy topic_timestamp_policy(const storage::topic_info& info, const app::server_config& config) {
  timestamp_policy p;
  auto type = info.configs.find("message.timestamp.type");
  p.log_append_time = type != info.configs.end() ? type->second == "LogAppendTime"
                                                 : config.log_message_timestamp_type == "LogAppendTime";
  const std::int64_t difference = topic_long(info, "message.timestamp.difference.max.ms",
                                             config.log_message_timestamp_difference_max_ms);
  p.before_max_ms = std::min(difference, topic_long(info, "message.timestamp.before.max.ms",
                                                    config.log_message_timestamp_before_max_ms));
  p.after_max_ms = std::min(difference, topic_long(info, "message.timestamp.after.max.ms",
                                                   config.log_message_timestamp_after_max_ms));
  return p;
}

// Records of one compressed batch may inflate to this much while their timestamps are read (a
// zip bomb stops here): far above what producers batch (librdkafka's batch.size is 1 MB before
// compression), far below what would hurt a 512 MiB gateway.
constexpr std::size_t inflated_batch_max_bytes = 64u << 20;

// At most this many record_errors per refused partition: enough to show a client which records
// were at fault, small enough that a batch of a million bad records cannot make the answer larger
// than the request.
constexpr std::size_t record_errors_max = 100;

using record_errors = std::vector<produce_response::record_error>;

// Lists the records of `batch` whose CreateTime (baseTimestamp + delta) lies outside [low, high]
// as record errors, numbered from `first_index`. Runs only on a refusal, after
// record_timestamps() has read the same records, so decoding them again cannot fail in a new way.
// A batch flagged LogAppendTime by its producer reports maxTimestamp for every record when
// decoded, not its own time, so it gets no per-record list (error_message still says why).
void timestamp_record_errors(wire::bytes_view batch, const record_batch::batch_header& h,
                             std::int32_t first_index, std::int64_t low, std::int64_t high,
                             record_errors& out) {
  if (h.log_append_time()) return;
  std::vector<record_batch::record> records;
  std::vector<std::uint8_t> scratch;
  if (record_batch::decode_records(batch, records, scratch, inflated_batch_max_bytes)) return;
  for (std::size_t i = 0; i < records.size() && out.size() < record_errors_max; ++i) {
    const std::int64_t ts = records[i].timestamp;
    if (ts >= low && ts <= high) continue;
    // The records were decoded from this frame: far fewer than 2^31 in all.
    out.push_back({first_index + static_cast<std::int32_t>(i),
                   "timestamp " + std::to_string(ts) + " is outside [" + std::to_string(low) + ", " +
                       std::to_string(high) + "]"});
  }
}

// Applies the topic's timestamp policy to one validated batch, rewriting its header in place.
// On INVALID_TIMESTAMP `errors` gets the offending records, numbered from `first_index`.
error_code stamp_batch(wire::bytes_view batch, const record_batch::batch_header& h,
                       const timestamp_policy& policy, std::int64_t now_ms, std::int32_t first_index,
                       std::string& why, record_errors& errors) {
  // The frame is this request's own buffer, made mutable by the server and handed out const so
  // that handlers do not scribble on it by accident; this is the one place that rewrites it.
  std::span<std::uint8_t> bytes(const_cast<std::uint8_t*>(batch.data()), batch.size());
  if (policy.log_append_time) {
    record_batch::set_max_timestamp(bytes, now_ms, true);
    return error_code::none;
  }
  // One scratch buffer for the io thread's inflating, dropped when a large batch grew it.
  thread_local std::vector<std::uint8_t> scratch;
  record_batch::timestamp_range range;
  auto ec = record_batch::record_timestamps(batch, h, scratch, inflated_batch_max_bytes, range);
  if (scratch.capacity() > (4u << 20)) std::vector<std::uint8_t>().swap(scratch);
  if (ec) {
    why = ec.message();
    return ec == compression::compression_errc::too_large ? error_code::message_too_large
                                                           : batch_error(ec);
  }
  // The accepted window (no bound where the setting is unset).
  const std::int64_t low = policy.before_max_ms != INT64_MAX ? now_ms - policy.before_max_ms : INT64_MIN;
  const std::int64_t high = policy.after_max_ms < INT64_MAX - now_ms ? now_ms + policy.after_max_ms : INT64_MAX;
  const bool too_early = range.min < low, too_late = range.max > high;
  if (too_early) {
    why = "record timestamp " + std::to_string(range.min) + " is more than " +
          std::to_string(policy.before_max_ms) + " ms before the broker's time " + std::to_string(now_ms) +
          " (message.timestamp.before.max.ms / difference.max.ms)";
  } else if (too_late) {
    why = "record timestamp " + std::to_string(range.max) + " is more than " +
          std::to_string(policy.after_max_ms) + " ms after the broker's time " + std::to_string(now_ms) +
          " (message.timestamp.after.max.ms / difference.max.ms)";
  }
  if (too_early || too_late) {
    timestamp_record_errors(batch, h, first_index, low, high, errors);
    return error_code::invalid_timestamp;
  }
  if (h.max_timestamp != range.max || h.log_append_time())
    record_batch::set_max_timestamp(bytes, range.max, false);
  return error_code::none;
}

// Checks one partition's records; on success fills `batches`, on a refusal `why` and, when
// records are at fault, `errors`.
error_code check_records(const produce_request::partition& p, const storage::topic_info& info,
                         std::int16_t version, std::int64_t broker_max_bytes,
                         const timestamp_policy& policy, std::int64_t now_ms,
                         std::vector<wire::bytes_view>& batches, std::string& why,
                         record_errors& errors) {
  if (!p.records || p.records->empty()) {
    why = "empty record set";
    return error_code::invalid_record;
  }
  if (auto ec = record_batch::split(*p.records, batches)) {
    why = ec.message();
    return batch_error(ec);
  }
  auto max_bytes = topic_max_message_bytes(info, broker_max_bytes);
  // The index of the batch's first record among the partition's records. 64 bits: a compressed
  // batch's record_count is only checked when its records are read, which LogAppendTime skips.
  std::int64_t first_index = 0;
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
    if (h.codec() == record_batch::compression::zstd && version < 7) {
      why = "zstd batches need Produce v7 or later (this request is v" + std::to_string(version) + ")";
      return error_code::unsupported_compression_type;
    }
    const auto first = static_cast<std::int32_t>(std::min<std::int64_t>(first_index, INT32_MAX));
    if (auto code = stamp_batch(b, h, policy, now_ms, first, why, errors); code != error_code::none)
      return code;
    first_index += h.record_count;
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
    const std::int64_t now_ms = ctx.hub.time().wall_ms();
    timestamp_policy stamps;
    if (info) stamps = topic_timestamp_policy(*info, ctx.hub.config());
    for (const auto& p : t.partition_data) {
      produce_response::partition out;
      out.index = p.index;
      std::vector<wire::bytes_view> batches;
      std::string why;
      record_errors errors;
      error_code code = error_code::none;
      // A transactional id is refused as InitProducerId refuses it (no transactions here).
      if (!acks_valid)
        code = request.transactional_id ? error_code::transactional_id_authorization_failed
                                        : error_code::invalid_required_acks;
      else if (!authorized) code = error_code::topic_authorization_failed;
      else if (!info || p.index < 0 || p.index >= info->partition_count) code = error_code::unknown_topic_or_partition;
      else code = check_records(p, *info, ctx.version(), ctx.hub.config().message_max_bytes, stamps,
                                now_ms, batches, why, errors);
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
        if (!why.empty()) out.error_message = std::move(why);  // v8+ only; older answers drop it
        out.record_errors = std::move(errors);
        out_topic.partition_responses.push_back(std::move(out));
        continue;
      }
      if (stamps.log_append_time) out.log_append_time_ms = now_ms;
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
