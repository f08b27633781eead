// DescribeLogDirs (35) v0–4: the disk use of each partition this broker stores, for
// `kafka-log-dirs --describe` and admin UIs. Tern has one log dir (log.dirs, reported as an
// absolute path) holding one LMDB environment; a partition's size is the bytes of its stored
// batches (what retention.bytes and the log.dirs.max.bytes budget count; LMDB's page overhead
// comes on top). offset_lag is log end − high watermark (0 on a single node). In a cluster only
// the partitions this broker is a replica of are listed.
// v4's total_bytes/usable_bytes describe the store's bound rather than the filesystem: with a
// byte budget (log.dirs.max.bytes) its size and what is left of it, otherwise the LMDB map size
// and its unused part, since that is where appends stop.
// Needs Describe on the cluster, like Kafka: otherwise no results (v3+: CLUSTER_AUTHORIZATION_FAILED).
#include <filesystem>

#include "kafka/request_context.h"
#include "replication/replica_manager.h"
#include "storage/log_store.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/describe_log_dirs.h"

namespace tern::kafka {
namespace {

// Whether this broker holds partition `p` of `topic`: always on a single node; in a cluster when
// the replica manager has it as one of this broker's replicas.
bool stores_replica(request_context& ctx, const std::string& topic, std::int32_t p) {
  if (!ctx.hub.replicas()) return true;
  auto view = ctx.hub.replicas()->find(topic, ids::partition_index{p});
  return view && view->is_replica;
}

describe_log_dirs_response::topic describe_topic(request_context& ctx, const storage::topic_info& info,
                                                 const std::vector<std::int32_t>* wanted) {
  describe_log_dirs_response::topic out;
  out.name = info.name;
  auto add = [&](std::int32_t p) {
    if (p < 0 || p >= info.partition_count || !stores_replica(ctx, info.name, p)) return;
    auto offsets = ctx.hub.store().offsets(info.partition_log(ids::partition_index{p}));
    if (!offsets) return;
    out.partitions.push_back({p, static_cast<std::int64_t>(offsets->size_bytes),
                              offsets->log_end.value() - offsets->high_watermark.value(), false});
  };
  if (wanted) {
    for (auto p : *wanted) add(p);
  } else {
    for (std::int32_t p = 0; p < info.partition_count; ++p) add(p);
  }
  return out;
}

}  // namespace

bool handle_describe_log_dirs(request_context& ctx, wire::wire_reader& body) {
  describe_log_dirs_request request;
  if (!request.decode(body, ctx.version())) return false;
  describe_log_dirs_response response;
  if (!ctx.may_on_cluster(auth::operation::describe)) {
    response.error_code = wire(error_code::cluster_authorization_failed);
    ctx.respond(response);
    return true;
  }
  describe_log_dirs_response::result dir;
  std::error_code path_ec;
  auto absolute = std::filesystem::absolute(ctx.hub.config().log_dirs, path_ec);
  dir.log_dir = path_ec ? ctx.hub.config().log_dirs : absolute.lexically_normal().string();
  auto& store = ctx.hub.store();
  if (!request.topics) {
    for (const auto& info : store.list_topics()) {
      if (!ctx.may_on_topic(auth::operation::describe, info.name)) continue;
      auto t = describe_topic(ctx, info, nullptr);
      if (!t.partitions.empty()) dir.topics.push_back(std::move(t));
    }
  } else {
    // Kafka lists only the requested partitions it has; unknown topics are left out.
    for (const auto& req : *request.topics) {
      if (!ctx.may_on_topic(auth::operation::describe, req.name)) continue;
      auto info = store.find_topic(req.name);
      if (!info) continue;
      auto t = describe_topic(ctx, *info, &req.partitions);
      if (!t.partitions.empty()) dir.topics.push_back(std::move(t));
    }
  }
  const auto stats = store.get_stats();
  const std::int64_t budget = ctx.hub.config().log_dirs_max_bytes;
  if (budget >= 0) {
    dir.total_bytes = budget;
    dir.usable_bytes = std::max<std::int64_t>(0, budget - static_cast<std::int64_t>(stats.stored_bytes));
  } else {
    dir.total_bytes = static_cast<std::int64_t>(stats.map_size_bytes);
    dir.usable_bytes = static_cast<std::int64_t>(stats.map_size_bytes - std::min(stats.map_size_bytes, stats.map_used_bytes));
  }
  response.results.push_back(std::move(dir));
  ctx.respond(response);
  return true;
}

}  // namespace tern::kafka
