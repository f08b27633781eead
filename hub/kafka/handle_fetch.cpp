// Fetch (1) v4–12: serves record batches straight from LMDB's memory map (the response
// references them; the read transaction lives until the frame is written). Waits up to
// max_wait_ms for min_bytes, waking on every commit. One node: high watermark = last stable
// offset = log end. A cluster: only the leader answers (NOT_LEADER_OR_FOLLOWER elsewhere; the
// client's current_leader_epoch, v9+, is checked), consumers read up to the high watermark, and a
// follower (replica_id >= 0) reads up to the log end while its fetch offset tells the leader how
// far it has the log. No fetch sessions (session_id 0 declines them, as Kafka allows). Needs Read
// on each topic (TOPIC_AUTHORIZATION_FAILED per partition otherwise, answered at once); a follower
// fetch needs ClusterAction on the cluster (CLUSTER_AUTHORIZATION_FAILED).
//
// v12 (flexible) changes the encoding only, records stay zero-copy. Its last_fetched_epoch is not
// checked: the hub never answers diverging_epoch (its followers find their divergence with
// OffsetForLeaderEpoch, and consumers validate positions the same way, KIP-320), nor the
// current_leader/snapshot_id tags.
#include <algorithm>

#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_ids.h"
#include "kafka/topic_names.h"
#include "replication/replica_manager.h"
#include "tern/common/record_batch.h"
#include "tern/kafka/messages/fetch.h"

namespace tern::kafka {
namespace {

bool holds_zstd(const std::vector<wire::bytes_view>& batches) {
  for (auto b : batches) {
    record_batch::batch_header h;
    if (!record_batch::parse_header(b, h) && h.codec() == record_batch::compression::zstd) return true;
  }
  return false;
}

class fetch_op : public std::enable_shared_from_this<fetch_op> {
 public:
  fetch_op(request_context ctx, fetch_request request, std::vector<bool> denied)
      : _ctx(std::move(ctx)), _request(std::move(request)), _denied(std::move(denied)),
        _timer(_ctx.hub.io()) {}

  void start() {
    if (try_answer(false)) return;
    auto wait_ms = std::min(_request.max_wait_ms, _ctx.hub.config().fetch_max_wait_ms_cap);
    auto self = shared_from_this();
    _waiter = _ctx.hub.waiters().add([self] { return self->try_answer(false); });
    _timer.expires_after(std::chrono::milliseconds(std::max(wait_ms, 0)));
    _timer.async_wait([self](std::error_code) {
      if (self->_answered) return;
      self->_ctx.hub.waiters().remove(self->_waiter);
      self->try_answer(true);
    });
  }

 private:
  // Reads every requested partition in one snapshot; answers if there is enough data (or
  // `final`, or an error to report). Returns whether it answered.
  bool try_answer(bool final) {
    if (_answered) return true;
    std::unique_ptr<storage::read_txn> txn;
    std::error_code txn_error = _ctx.hub.store().begin_read(txn);
    fetch_response response;
    std::size_t total = 0;
    bool has_error = false;
    std::int64_t response_budget = _request.max_bytes > 0 ? _request.max_bytes : INT32_MAX;
    for (std::size_t ti = 0; ti < _request.topics.size(); ++ti) {
      const auto& t = _request.topics[ti];
      fetch_response::topic out_topic;
      out_topic.topic = t.topic;
      out_topic.topic_id = t.topic_id;
      const bool unknown_id = _ctx.version() >= 13 && t.topic.empty();
      auto info = unknown_id ? std::nullopt : _ctx.hub.store().find_topic(t.topic);
      for (const auto& p : t.partitions) {
        fetch_response::partition out;
        out.partition_index = p.partition;
        std::error_code ec = txn_error;
        storage::partition_offsets offsets;
        if (unknown_id) {
          out.error_code = wire(error_code::unknown_topic_id);
          out.high_watermark = -1;
          has_error = true;
          out_topic.partitions.push_back(std::move(out));
          continue;
        }
        if (_denied[ti]) {
          // As Kafka: no offsets for a refused partition (a high watermark of 0 would look like
          // "end of partition" to librdkafka).
          out.error_code = wire(error_code::topic_authorization_failed);
          out.high_watermark = -1;
          has_error = true;
          out_topic.partitions.push_back(std::move(out));
          continue;
        }
        // The request's integers, typed (common/ids.h) from here on.
        const ids::partition_index partition{p.partition};
        const ids::offset fetch_offset{p.fetch_offset};
        ids::offset high_watermark = ids::no_offset, read_limit = ids::no_offset;
        if (!info || p.partition < 0 || p.partition >= info->partition_count)
          ec = storage::storage_errc::unknown_partition;
        else if (!ec)
          ec = txn->offsets(info->partition_log(partition), offsets);
        if (!ec && _ctx.hub.replicas()) {
          replication::replica_manager::partition_view view;
          ec = _ctx.hub.replicas()->check_fetch(
              t.topic, partition, ids::leader_epoch{p.current_leader_epoch},
              ids::node_id{_request.replica_id}, fetch_offset, view, high_watermark, read_limit);
          // The snapshot may be older than what the leader state knows.
          read_limit = std::min(read_limit, offsets.log_end);
          high_watermark = std::min(high_watermark, offsets.log_end);
        } else {
          high_watermark = read_limit = offsets.log_end;
        }
        if (!ec) {
          out.high_watermark = high_watermark.value();
          out.last_stable_offset = high_watermark.value();
          out.log_start_offset = offsets.log_start.value();
          std::int64_t budget = std::min<std::int64_t>(p.partition_max_bytes, response_budget - static_cast<std::int64_t>(total));
          // KIP-74: the first batch of the response goes out whatever its size, so a consumer
          // never stalls on a batch larger than its limits; later ones must fit.
          if (budget > 0 || total == 0) {
            std::size_t bytes = 0;
            ec = txn->read(info->partition_log(partition), fetch_offset,
                           static_cast<std::size_t>(std::max<std::int64_t>(budget, 1)), read_limit,
                           out.record_batches, bytes);
            if (!ec && total > 0 && static_cast<std::int64_t>(bytes) > budget) {
              out.record_batches.clear();
              bytes = 0;
            }
            total += bytes;
          }
        }
        if (ec) {
          out.error_code = wire(to_kafka_error(ec));
          out.record_batches.clear();
          has_error = true;
        } else if (_ctx.version() < 10 && _request.replica_id < 0 && holds_zstd(out.record_batches)) {
          // As Kafka: zstd exists from Fetch v10 on; an older consumer could not read the batch
          // (followers copy batches without reading them).
          out.error_code = wire(error_code::unsupported_compression_type);
          out.record_batches.clear();
          has_error = true;
        }
        out_topic.partitions.push_back(std::move(out));
      }
      response.responses.push_back(std::move(out_topic));
    }
    bool enough = total >= static_cast<std::size_t>(std::max(_request.min_bytes, 1));
    if (!final && !enough && !has_error && _request.max_wait_ms > 0) return false;
    _answered = true;
    _timer.cancel();
    // The response points into the snapshot: keep the transaction until the frame is written.
    std::shared_ptr<const void> keepalive(txn.release(), [](const void* p) {
      delete static_cast<const storage::read_txn*>(p);
    });
    _ctx.respond(response, std::move(keepalive));
    return true;
  }

  request_context _ctx;
  fetch_request _request;
  std::vector<bool> _denied;  // per topic of the request: no Read permission
  asio::steady_timer _timer;
  std::uint64_t _waiter = 0;
  bool _answered = false;
};

}  // namespace

bool handle_fetch(request_context& ctx, wire::wire_reader& body) {
  fetch_request request;
  if (!request.decode(body, ctx.version())) return false;
  if (request.replica_id >= 0 && !ctx.may_on_cluster(auth::operation::cluster_action)) {
    // Only brokers (ClusterAction on the cluster) may fetch as a follower: a follower's fetch
    // moves the high watermark and reads past it.
    fetch_response refused;
    refused.error_code = wire(error_code::cluster_authorization_failed);
    ctx.respond(refused);
    return true;
  }
  // v13 names topics by id: each is resolved to its name here (an id no topic has keeps an empty
  // name and is answered UNKNOWN_TOPIC_ID); the response names them by id again.
  if (ctx.version() >= 13) {
    for (auto& t : request.topics) t.topic = topic_name_by_id(ctx, t.topic_id).value_or("");
  }
  // A follower is authorized by ClusterAction for every topic (Kafka's rule): brokers replicate
  // whatever they are assigned, whatever the topics' ACLs say.
  std::vector<bool> denied;
  for (const auto& t : request.topics)
    denied.push_back(request.replica_id < 0 && !t.topic.empty() &&
                     !ctx.may_on_topic(auth::operation::read, t.topic));
  std::make_shared<fetch_op>(ctx, std::move(request), std::move(denied))->start();
  return true;
}

}  // namespace tern::kafka
