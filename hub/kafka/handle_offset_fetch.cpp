// OffsetFetch (9) v0–8: a group's committed offsets (-1 where none), all topics when null (v2+).
// v8 asks for several groups at once; each is answered on its own, with its own group-level
// error, exactly as a v7 request for that group alone would be. Needs Describe on the group
// (GROUP_AUTHORIZATION_FAILED: the group's error from v2, per partition before) and on each topic
// (TOPIC_AUTHORIZATION_FAILED; "all topics" lists permitted ones only). require_stable (v7+)
// changes nothing: without transactions no committed offset is ever pending.
#include <map>

#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/offset_fetch.h"

namespace tern::kafka {
namespace {

using request_topics = std::optional<std::vector<offset_fetch_request::topic>>;
using committed_map = std::map<std::pair<std::string, ids::partition_index>,
                               const storage::log_store::committed_offset*>;

// Kafka answers -1 with empty metadata for "nothing committed".
void fill(offset_fetch_response::partition& out, const storage::log_store::committed_offset* c) {
  if (!c) {
    out.metadata = "";
    return;
  }
  out.committed_offset = c->offset.value();
  out.committed_leader_epoch = c->leader_epoch.value();
  out.metadata = c->metadata.value_or("");
}

// Every requested partition with `code` (v0/v1 carry the group's error per partition).
void fail_partitions(const request_topics& topics, std::int16_t code,
                     std::vector<offset_fetch_response::topic>& out) {
  if (!topics) return;
  for (const auto& t : *topics) {
    out.push_back({t.name, {}});
    for (auto index : t.partition_indexes) {
      offset_fetch_response::partition p;
      p.partition_index = index;
      p.metadata = "";
      p.error_code = code;
      out.back().partitions.push_back(std::move(p));
    }
  }
}

void list_all(request_context& ctx, const committed_map& by_partition,
              std::vector<offset_fetch_response::topic>& out) {
  for (const auto& [key, c] : by_partition) {
    if (!ctx.hub.permits(ctx.conn, auth::operation::describe, auth::resource_type::topic,
                         key.first))
      continue;
    if (out.empty() || out.back().name != key.first) out.push_back({key.first, {}});
    offset_fetch_response::partition p;
    p.partition_index = key.second.value();
    fill(p, c);
    out.back().partitions.push_back(std::move(p));
  }
}

void list_requested(request_context& ctx, const std::vector<offset_fetch_request::topic>& topics,
                    const committed_map& by_partition,
                    std::vector<offset_fetch_response::topic>& out) {
  for (const auto& t : topics) {
    offset_fetch_response::topic out_topic;
    out_topic.name = t.name;
    bool authorized = ctx.may_on_topic(auth::operation::describe, t.name);
    for (auto index : t.partition_indexes) {
      offset_fetch_response::partition p;
      p.partition_index = index;
      if (!authorized) {
        p.metadata = "";
        p.error_code = wire(error_code::topic_authorization_failed);
      } else {
        auto it = by_partition.find({t.name, ids::partition_index{index}});
        fill(p, it == by_partition.end() ? nullptr : it->second);
      }
      out_topic.partitions.push_back(std::move(p));
    }
    out.push_back(std::move(out_topic));
  }
}

// One group's answer: its topics and its group-level error.
std::int16_t answer_group(request_context& ctx, const std::string& group_id,
                          const request_topics& topics,
                          std::vector<offset_fetch_response::topic>& out) {
  if (!ctx.may_on_group(auth::operation::describe, group_id)) {
    std::int16_t code = wire(error_code::group_authorization_failed);
    if (ctx.version() < 2) fail_partitions(topics, code, out);
    return code;
  }
  std::vector<storage::log_store::committed_offset> committed;
  auto error = group_offsets::coordinator_check(ctx.hub);
  if (error == error_code::none) error = group_offsets::read(ctx.hub, group_id, committed);
  if (error != error_code::none) {
    std::int16_t code = wire(error);
    if (ctx.version() < 2) fail_partitions(topics, code, out);
    return code;
  }
  committed_map by_partition;
  for (const auto& c : committed) by_partition[{c.topic, c.partition}] = &c;
  if (topics)
    list_requested(ctx, *topics, by_partition, out);
  else
    list_all(ctx, by_partition, out);
  return 0;
}

}  // namespace

bool handle_offset_fetch(request_context& ctx, wire::wire_reader& body) {
  offset_fetch_request request;
  if (!request.decode(body, ctx.version())) return false;
  offset_fetch_response response;
  if (ctx.version() >= 8) {
    for (const auto& g : request.groups) {
      offset_fetch_response::group out;
      out.group_id = g.group_id;
      out.error_code = answer_group(ctx, g.group_id, g.topics, out.topics);
      response.groups.push_back(std::move(out));
    }
  } else {
    response.error_code = answer_group(ctx, request.group_id, request.topics, response.topics);
  }
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
