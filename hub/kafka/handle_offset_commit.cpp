// OffsetCommit (8) v0–8: checks the committer against the group (generation, member), the
// partitions against the topics, then stores all valid offsets in one durable transaction.
// Needs Read on the group (GROUP_AUTHORIZATION_FAILED for every partition) and on each topic
// (TOPIC_AUTHORIZATION_FAILED for its partitions).
#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/group_offsets.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/offset_commit.h"

namespace tern::kafka {
namespace {

// The topic's partition count (0 when unknown): the metadata image's in a cluster (a broker
// need not host every topic), the store's otherwise.
std::int32_t partition_count(request_context& ctx, const std::string& topic) {
  if (ctx.hub.cluster()) {
    const auto* t = ctx.hub.cluster()->image().topic(topic);
    return t ? static_cast<std::int32_t>(t->partitions.size()) : 0;
  }
  auto info = ctx.hub.store().find_topic(topic);
  return info ? info->partition_count : 0;
}

}  // namespace

bool handle_offset_commit(request_context& ctx, wire::wire_reader& body) {
  offset_commit_request request;
  if (!request.decode(body, ctx.version())) return false;
  // v0 carries no generation/member: a "simple" commit.
  std::int32_t generation = ctx.version() >= 1 ? request.generation_id : -1;
  std::string member = ctx.version() >= 1 ? request.member_id : "";
  error_code group_error = error_code::group_authorization_failed;
  if (ctx.may_on_group(auth::operation::read, request.group_id)) {
    group_error = group_offsets::coordinator_check(ctx.hub);
    if (group_error == error_code::none)
      group_error = to_kafka_error(ctx.hub.groups().validate_commit(
          request.group_id, generation, member, request.group_instance_id));
  }
  auto response = std::make_shared<offset_commit_response>();
  std::vector<storage::log_store::committed_offset> offsets;
  for (const auto& t : request.topics) {
    offset_commit_response::topic out_topic;
    out_topic.name = t.name;
    auto partitions = partition_count(ctx, t.name);
    bool topic_authorized =
        group_error != error_code::none || ctx.may_on_topic(auth::operation::read, t.name);
    for (const auto& p : t.partitions) {
      error_code code = group_error;
      if (code == error_code::none) {
        if (!topic_authorized)
          code = error_code::topic_authorization_failed;
        else if (p.partition_index < 0 || p.partition_index >= partitions)
          code = error_code::unknown_topic_or_partition;
        else if (p.committed_metadata &&
                 p.committed_metadata->size() > static_cast<std::size_t>(ctx.hub.config().offset_metadata_max_bytes))
          code = error_code::offset_metadata_too_large;
      }
      if (code == error_code::none)
        offsets.push_back({t.name, ids::partition_index{p.partition_index},
                           ids::offset{p.committed_offset},
                           ids::leader_epoch{p.committed_leader_epoch}, p.committed_metadata, 0});
      out_topic.partitions.push_back({p.partition_index, wire(code)});
    }
    response->topics.push_back(std::move(out_topic));
  }
  if (offsets.empty()) {
    ctx.respond(*response);
    return true;
  }
  auto done = [ctx, response](error_code code) {
    if (code != error_code::none) {
      log::warn("commit of offsets for ", ctx.conn.peer, " failed: ", to_string(code));
      // Partitions that passed the checks share the failure (the commit is all or nothing).
      for (auto& t : response->topics)
        for (auto& p : t.partitions)
          if (p.error_code == 0) p.error_code = wire(code);
    }
    ctx.respond(*response);
  };
  group_offsets::commit(ctx.hub, request.group_id, std::move(offsets), std::move(done));
  return true;
}

}  // namespace tern::kafka
