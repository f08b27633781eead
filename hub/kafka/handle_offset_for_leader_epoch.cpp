// OffsetForLeaderEpoch (23) v0–4: where a leader epoch ends in this partition's log (Kafka's
// LeaderEpochFileCache.endOffsetFor). Followers ask it of a new leader to find where their log
// diverged; librdkafka asks it after a leader change to validate its position (KIP-320). Only the
// partition's leader answers (NOT_LEADER_OR_FOLLOWER elsewhere), after checking the request's
// current_leader_epoch (v2+). A single-node hub has no epochs: the answer is UNDEFINED (-1, -1).
// Needs Describe on the topic (TOPIC_AUTHORIZATION_FAILED); a follower's request (replica_id >= 0)
// ClusterAction on the cluster (CLUSTER_AUTHORIZATION_FAILED).
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "replication/replica_manager.h"
#include "tern/kafka/messages/offset_for_leader_epoch.h"

namespace tern::kafka {

bool handle_offset_for_leader_epoch(request_context& ctx, wire::wire_reader& body) {
  offset_for_leader_epoch_request request;
  if (!request.decode(body, ctx.version())) return false;
  offset_for_leader_epoch_response response;
  // A follower's request (v3+ replica_id >= 0) needs ClusterAction, as Kafka's.
  bool cluster_denied = request.replica_id >= 0 && !ctx.may_on_cluster(auth::operation::cluster_action);
  std::unique_ptr<storage::read_txn> txn;
  auto txn_error = ctx.hub.store().begin_read(txn);
  auto* replicas = ctx.hub.replicas();
  for (const auto& t : request.topics) {
    offset_for_leader_epoch_response::topic out_topic;
    out_topic.topic = t.topic;
    // A follower (ClusterAction) may ask about every topic; a client needs Describe on it.
    bool authorized = request.replica_id >= 0 ? !cluster_denied
                                              : ctx.may_on_topic(auth::operation::describe, t.topic);
    auto info = ctx.hub.store().find_topic(t.topic);
    for (const auto& p : t.partitions) {
      offset_for_leader_epoch_response::partition out;
      out.partition = p.partition;
      std::error_code ec = txn_error;
      storage::log_id log{0};
      const ids::partition_index partition{p.partition};
      if (!authorized) {
        out.error_code = wire(cluster_denied ? error_code::cluster_authorization_failed
                                             : error_code::topic_authorization_failed);
        out_topic.partitions.push_back(out);
        continue;
      }
      if (!info || p.partition < 0 || p.partition >= info->partition_count) {
        ec = storage::storage_errc::unknown_partition;
      } else if (replicas) {
        replication::replica_manager::partition_view view;
        ids::offset high_watermark{0}, read_limit{0};
        // replica_id -1: only the leadership and the current epoch are checked here.
        if (!ec)
          ec =
              replicas->check_fetch(t.topic, partition, ids::leader_epoch{p.current_leader_epoch},
                                    ids::no_node, ids::offset{0}, view, high_watermark, read_limit);
        log = view.log;
      } else {
        log = info->partition_log(partition);
      }
      ids::leader_epoch end_epoch = ids::no_leader_epoch;
      ids::offset end_offset = ids::no_offset;
      if (!ec)
        ec = txn->end_offset_for_epoch(log, ids::leader_epoch{p.leader_epoch}, end_epoch,
                                       end_offset);
      out.leader_epoch = end_epoch.value();
      out.end_offset = end_offset.value();
      if (ec) out.error_code = wire(to_kafka_error(ec));
      out_topic.partitions.push_back(out);
    }
    response.topics.push_back(std::move(out_topic));
  }
  txn.reset();
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
