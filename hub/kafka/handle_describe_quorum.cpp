// DescribeQuorum (55) v0–1: the metadata quorum as `kafka-metadata-quorum describe --status /
// --replication` shows it (and `tern cluster status`): the quorum leader, its term (Kafka's
// leader epoch), the commit index (high watermark) and, per voter, its log end and, on the leader,
// when it was last heard from. Any broker answers from its own view of the quorum. Needs Describe
// on the cluster (CLUSTER_AUTHORIZATION_FAILED). A single-node hub has no quorum: INVALID_REQUEST.
#include <chrono>

#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/describe_quorum.h"

namespace tern::kafka {

bool handle_describe_quorum(request_context& ctx, wire::wire_reader& body) {
  describe_quorum_request request;
  if (!request.decode(body, ctx.version())) return false;
  describe_quorum_response response;
  if (!ctx.may_on_cluster(auth::operation::describe)) {
    response.error_code = wire(error_code::cluster_authorization_failed);
    ctx.respond(response);
    return true;
  }
  auto* node = ctx.hub.cluster();
  if (!node) {
    response.error_code = wire(error_code::invalid_request);
    ctx.respond(response);
    return true;
  }
  const auto& q = node->metadata_quorum();
  auto now_ms = ctx.hub.time().wall_ms();
  for (const auto& t : request.topics) {
    describe_quorum_response::topic out_topic;
    out_topic.topic_name = t.topic_name;
    for (auto index : t.partitions) {
      describe_quorum_response::partition p;
      p.partition_index = index;
      if (t.topic_name != cluster_metadata_topic || index != 0) {
        p.error_code = wire(error_code::unknown_topic_or_partition);
        out_topic.partitions.push_back(std::move(p));
        continue;
      }
      p.leader_id = q.leader_id();
      p.leader_epoch = static_cast<std::int32_t>(q.current_term());
      p.high_watermark = static_cast<std::int64_t>(q.commit_index());
      for (const auto& v : q.status()) {
        describe_quorum_response::replica_state r;
        r.replica_id = v.node_id;
        r.log_end_offset = v.is_leader || v.node_id == node->self()
                               ? static_cast<std::int64_t>(q.commit_index())
                               : (v.match_index > 0 ? static_cast<std::int64_t>(v.match_index) : -1);
        if (v.last_contact_ms_ago >= 0) {
          r.last_fetch_timestamp = now_ms - v.last_contact_ms_ago;
          r.last_caught_up_timestamp = r.last_fetch_timestamp;
        }
        p.current_voters.push_back(r);
      }
      out_topic.partitions.push_back(std::move(p));
    }
    response.topics.push_back(std::move(out_topic));
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
