// OffsetFetch (9) v0–5: a group's committed offsets (-1 where none), all topics when null (v2+).
// Needs Describe on the group (GROUP_AUTHORIZATION_FAILED: top level from v2, per partition
// before) and on each topic (TOPIC_AUTHORIZATION_FAILED; "all topics" lists permitted ones only).
#include <map>

#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/offset_fetch.h"

namespace tern::kafka {

bool handle_offset_fetch(request_context& ctx, wire::wire_reader& body) {
  offset_fetch_request request;
  if (!request.decode(body, ctx.version())) return false;
  offset_fetch_response response;
  if (!ctx.may_on_group(auth::operation::describe, request.group_id)) {
    response.error_code = wire(error_code::group_authorization_failed);
    if (ctx.version() < 2 && request.topics) {
      for (const auto& t : *request.topics) {
        response.topics.push_back({t.name, {}});
        for (auto index : t.partition_indexes) {
          offset_fetch_response::partition p;
          p.partition_index = index;
          p.metadata = "";
          p.error_code = response.error_code;
          response.topics.back().partitions.push_back(std::move(p));
        }
      }
    }
    ctx.respond(response);
    return true;
  }
  std::vector<storage::log_store::committed_offset> committed;
  if (auto ec = ctx.hub.store().committed_offsets(request.group_id, committed)) {
    response.error_code = wire(to_kafka_error(ec));
    ctx.respond(response);
    return true;
  }
  std::map<std::pair<std::string, ids::partition_index>,
           const storage::log_store::committed_offset*>
      by_partition;
  for (const auto& c : committed) by_partition[{c.topic, c.partition}] = &c;
  auto fill = [](offset_fetch_response::partition& out, const storage::log_store::committed_offset* c) {
    if (!c) {
      out.metadata = "";  // Kafka answers -1 with empty metadata for "nothing committed"
      return;
    }
    out.committed_offset = c->offset.value();
    out.committed_leader_epoch = c->leader_epoch.value();
    out.metadata = c->metadata.value_or("");
  };
  if (!request.topics) {
    for (const auto& [key, c] : by_partition) {
      if (!ctx.hub.permits(ctx.conn, auth::operation::describe, auth::resource_type::topic, key.first))
        continue;
      if (response.topics.empty() || response.topics.back().name != key.first)
        response.topics.push_back({key.first, {}});
      offset_fetch_response::partition p;
      p.partition_index = key.second.value();
      fill(p, c);
      response.topics.back().partitions.push_back(std::move(p));
    }
  } else {
    for (const auto& t : *request.topics) {
      offset_fetch_response::topic out_topic;
      out_topic.name = t.name;
      bool authorized = ctx.may_on_topic(auth::operation::describe, t.name);
      for (auto index : t.partition_indexes) {
        offset_fetch_response::partition p;
        p.partition_index = index;
        if (!authorized) {
          p.metadata = "";
          p.error_code = wire(error_code::topic_authorization_failed);
          out_topic.partitions.push_back(std::move(p));
          continue;
        }
        auto it = by_partition.find({t.name, ids::partition_index{index}});
        fill(p, it == by_partition.end() ? nullptr : it->second);
        out_topic.partitions.push_back(std::move(p));
      }
      response.topics.push_back(std::move(out_topic));
    }
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
