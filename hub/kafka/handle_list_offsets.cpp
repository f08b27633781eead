// ListOffsets (2) v0–3: earliest (-2), latest (-1) or the first offset at/after a timestamp.
// Needs Describe on the topic (TOPIC_AUTHORIZATION_FAILED per partition otherwise). In a
// cluster only the leader answers, and "latest" is the high watermark (what consumers can read).
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "kafka/topic_names.h"
#include "replication/replica_manager.h"
#include "tern/kafka/messages/list_offsets.h"

namespace tern::kafka {

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
    bool authorized = follower ? follower_allowed : ctx.may_on_topic(auth::operation::describe, t.name);
    for (const auto& p : t.partitions) {
      list_offsets_response::partition out;
      out.partition_index = p.partition_index;
      auto set = [&](ids::offset offset, std::int64_t timestamp) {
        out.offset = offset.value();
        out.timestamp = timestamp;
        if (ctx.version() == 0) out.old_style_offsets = {offset.value()};
      };
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
      if (!ec && ctx.hub.replicas()) {
        replication::replica_manager::partition_view view;
        ids::offset high_watermark{0}, read_limit{0};
        ec = ctx.hub.replicas()->check_fetch(t.name, partition, ids::no_leader_epoch, ids::no_node,
                                             ids::offset{0}, view, high_watermark, read_limit);
        offsets.log_end = std::min(offsets.log_end, high_watermark);
      }
      if (ec) {
        out.error_code = wire(to_kafka_error(ec));
      } else if (p.timestamp == list_offsets_request::earliest_timestamp) {
        set(offsets.log_start, -1);
      } else if (p.timestamp == list_offsets_request::latest_timestamp) {
        set(offsets.log_end, -1);
      } else if (p.timestamp < 0) {
        out.error_code = wire(error_code::invalid_request);  // e.g. -3 (max timestamp) is v7+
      } else {
        std::optional<std::pair<ids::offset, std::int64_t>> found;
        ec = txn->offset_for_timestamp(info->partition_log(partition), p.timestamp, found);
        if (ec) out.error_code = wire(to_kafka_error(ec));
        else if (found) set(found->first, found->second);
        else
          set(ctx.version() == 0 ? offsets.log_end : ids::no_offset, -1);  // no record that late
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
