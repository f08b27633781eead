// ListOffsets (2) v0–7: earliest (-2), latest (-1), the record with the largest timestamp (-3,
// v7+) or the first offset at/after a timestamp. Needs Describe on the topic
// (TOPIC_AUTHORIZATION_FAILED per partition otherwise). In a cluster only the leader answers,
// "latest" is the high watermark (what consumers can read) and nothing at or past it is ever an
// answer (Kafka's lastFetchableOffset filter); the request's current_leader_epoch (v4+) is checked
// as Fetch checks it (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH), and the answer's leader_epoch
// is the epoch the offset was written in (latest: the current leader epoch). A single node has no
// epochs: it checks none and answers -1. Right after an election, while the new leader's high
// watermark is still below the log end its epoch began at, a client asking for "latest" (or for a
// timestamp nothing readable answers yet) gets the retriable OFFSET_NOT_AVAILABLE, as from Kafka:
// answering the lagging HW could move a consumer's "latest" backwards. Below v5 (KIP-207) clients
// do not know that code and get LEADER_NOT_AVAILABLE, also retriable, as Kafka answers them.
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_names.h"
#include "replication/replica_manager.h"
#include "tern/kafka/messages/list_offsets.h"

namespace tern::kafka {
namespace {

using timestamp_offset = std::optional<std::pair<ids::offset, std::int64_t>>;

// The epoch `offset` was written in: the last epoch starting at or before it (Kafka's
// LeaderEpochFileCache.epochForOffset); -1 with no such epoch.
std::int32_t epoch_of(const std::vector<std::pair<ids::leader_epoch, ids::offset>>& epochs,
                      ids::offset offset) {
  std::int32_t found = -1;
  for (const auto& [epoch, start] : epochs)
    if (start <= offset) found = epoch.value();
  return found;
}

// One partition's answer from the snapshot `txn`; nothing at or past offsets.log_end (the high
// watermark in a cluster) is answered. Returns the partition's error.
error_code answer(request_context& ctx, const storage::read_txn& txn, storage::log_id log,
                  const list_offsets_request::partition& p,
                  const storage::partition_offsets& offsets, ids::leader_epoch current_epoch,
                  bool high_watermark_lags, list_offsets_response::partition& out) {
  std::vector<std::pair<ids::leader_epoch, ids::offset>> epochs;
  if (ctx.version() >= 4 && p.timestamp != list_offsets_request::latest_timestamp)
    if (auto ec = txn.epochs(log, epochs)) return to_kafka_error(ec);
  auto set = [&](ids::offset offset, std::int64_t timestamp, std::int32_t epoch) {
    out.offset = offset.value();
    out.timestamp = timestamp;
    out.leader_epoch = epoch;
    if (ctx.version() == 0) out.old_style_offsets = {offset.value()};
  };
  if (p.timestamp == list_offsets_request::earliest_timestamp) {
    set(offsets.log_start, -1, epoch_of(epochs, offsets.log_start));
    return error_code::none;
  }
  if (p.timestamp == list_offsets_request::latest_timestamp) {
    if (high_watermark_lags) return error_code::offset_not_available;
    set(offsets.log_end, -1, current_epoch.value());
    return error_code::none;
  }
  timestamp_offset found;
  if (p.timestamp == list_offsets_request::max_timestamp && ctx.version() >= 7) {
    if (auto ec = txn.offset_for_max_timestamp(log, found)) return to_kafka_error(ec);
  } else if (p.timestamp < 0) {
    return error_code::invalid_request;  // e.g. -3 (max timestamp) before v7
  } else if (auto ec = txn.offset_for_timestamp(log, p.timestamp, found)) {
    return to_kafka_error(ec);
  }
  if (found && found->first < offsets.log_end)
    set(found->first, found->second, epoch_of(epochs, found->first));
  else if (high_watermark_lags)  // a record may be there, above the lagging HW
    return error_code::offset_not_available;
  else  // no record that late (or none readable yet)
    set(ctx.version() == 0 ? offsets.log_end : ids::no_offset, -1, -1);
  return error_code::none;
}

}  // namespace

bool handle_list_offsets(request_context& ctx, wire::wire_reader& body) {
  list_offsets_request request;
  if (!request.decode(body, ctx.version())) return false;
  list_offsets_response response;
  // A follower (replica_id >= 0, a broker finding the leader's log start) is authorized by
  // ClusterAction for every topic, as its Fetch is; a client needs Describe on each topic.
  const bool follower = request.replica_id >= 0;
  const bool follower_allowed = follower && ctx.may_on_cluster(auth::operation::cluster_action);
  std::unique_ptr<storage::read_txn> txn;
  auto txn_error = ctx.hub.store().begin_read(txn);
  for (const auto& t : request.topics) {
    list_offsets_response::topic out_topic;
    out_topic.name = t.name;
    auto info = ctx.hub.store().find_topic(t.name);
    bool authorized =
        follower ? follower_allowed : ctx.may_on_topic(auth::operation::describe, t.name);
    for (const auto& p : t.partitions) {
      list_offsets_response::partition out;
      out.partition_index = p.partition_index;
      const ids::partition_index partition{p.partition_index};
      storage::partition_offsets offsets;
      std::error_code ec = txn_error;
      if (!authorized) {
        out.error_code = wire(error_code::topic_authorization_failed);
        out_topic.partitions.push_back(std::move(out));
        continue;
      }
      if (!info || p.partition_index < 0 || p.partition_index >= info->partition_count) {
        ec = storage::storage_errc::unknown_partition;
      } else if (!ec) {
        ec = txn->offsets(info->partition_log(partition), offsets);
      }
      ids::leader_epoch current_epoch = ids::no_leader_epoch;
      bool high_watermark_lags = false;
      if (!ec && ctx.hub.replicas()) {
        replication::replica_manager::partition_view view;
        ids::offset high_watermark{0}, read_limit{0};
        ec = ctx.hub.replicas()->check_fetch(
            t.name, partition, ids::leader_epoch{p.current_leader_epoch}, ids::no_node,
            ids::offset{0}, view, high_watermark, read_limit);
        offsets.log_end = std::min(offsets.log_end, high_watermark);
        current_epoch = view.leader_epoch;
        // Kafka checks this for clients only; a follower asks for the log start.
        high_watermark_lags = !follower && high_watermark < view.epoch_start_offset;
      }
      if (ec) {
        out.error_code = wire(to_kafka_error(ec));
      } else {
        auto code = answer(ctx, *txn, info->partition_log(partition), p, offsets, current_epoch,
                           high_watermark_lags, out);
        if (code == error_code::offset_not_available && ctx.version() < 5)
          code = error_code::leader_not_available;
        out.error_code = wire(code);
      }
      out_topic.partitions.push_back(std::move(out));
    }
    response.topics.push_back(std::move(out_topic));
  }
  txn.reset();
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
