#include "kafka/group_offsets.h"

#include <algorithm>
#include <memory>

#include "app/log.h"
#include "cluster/errors.h"
#include "kafka/broker.h"
#include "kafka/errors.h"

namespace tern::kafka::group_offsets {
namespace {

using coordination = cluster::cluster_node::group_coordination;

// A proposal's outcome as a group request's error: every failure but a record over the bounds
// is retriable, and a lost leadership sends the client to FindCoordinator again.
error_code from_proposal(std::error_code ec) {
  if (!ec) return error_code::none;
  if (ec == cluster::cluster_errc::not_leader || ec == cluster::cluster_errc::shutting_down)
    return error_code::not_coordinator;
  if (ec == cluster::cluster_errc::entry_too_large) return error_code::offset_metadata_too_large;
  return error_code::coordinator_not_available;
}

// Runs a store completion (on the writer thread, or at once with `closed`) on the io thread.
std::function<void(std::error_code)> on_io(broker& hub, done_fn done) {
  return [&hub, done = std::move(done)](std::error_code ec) {
    asio::post(hub.io(), [done, ec] { done(to_kafka_error(ec)); });
  };
}

void propose(broker& hub, const cluster::group_offsets_record& record, done_fn done) {
  hub.cluster()->propose_group_offsets(record, [done = std::move(done), group = record.group_id](
                                                   std::error_code ec) {
    if (ec && ec != cluster::cluster_errc::not_leader)
      log::warn("group '", group, "': replicating its offsets failed: ", ec.message());
    done(from_proposal(ec));
  });
}

// Refuses a change on a broker that does not coordinate groups (now); true if refused.
bool refused(broker& hub, const done_fn& done) {
  auto code = coordinator_check(hub);
  if (code == error_code::none) return false;
  asio::post(hub.io(), [done, code] { done(code); });
  return true;
}

}  // namespace

error_code coordinator_check(broker& hub) {
  if (!hub.cluster()) return error_code::none;
  switch (hub.cluster()->group_role()) {
    case coordination::here_ready: return error_code::none;
    case coordination::here_loading: return error_code::coordinator_load_in_progress;
    case coordination::elsewhere: break;
  }
  return error_code::not_coordinator;
}

error_code read(broker& hub, std::string_view group, std::vector<committed_offset>& out) {
  if (!hub.cluster()) return to_kafka_error(hub.store().committed_offsets(group, out));
  const auto* offsets = hub.cluster()->image().group_offsets(group);
  if (!offsets) return error_code::none;
  for (const auto& [key, o] : *offsets)
    out.push_back({key.first, ids::partition_index{key.second}, ids::offset{o.offset},
                   ids::leader_epoch{o.leader_epoch}, o.metadata, o.commit_time_ms});
  return error_code::none;
}

error_code list(broker& hub, std::vector<std::pair<std::string, std::int64_t>>& out) {
  if (!hub.cluster()) return to_kafka_error(hub.store().offset_groups(out));
  for (const auto& [group, offsets] : hub.cluster()->image().group_offsets()) {
    std::int64_t newest = 0;
    for (const auto& [key, o] : offsets) newest = std::max(newest, o.commit_time_ms);
    out.emplace_back(group, newest);
  }
  return error_code::none;
}

void commit(broker& hub, std::string group, std::vector<committed_offset> offsets, done_fn done) {
  if (!hub.cluster()) {
    hub.store().commit_offsets(std::move(group), std::move(offsets), on_io(hub, std::move(done)));
    return;
  }
  if (refused(hub, done)) return;
  cluster::group_offsets_record record;
  record.group_id = std::move(group);
  auto now_ms = hub.time().wall_ms();
  for (auto& c : offsets)
    record.offsets.push_back({std::move(c.topic), c.partition.value(), c.offset.value(),
                              c.leader_epoch.value(), std::move(c.metadata), now_ms, false});
  propose(hub, record, std::move(done));
}

void delete_group(broker& hub, std::string group, done_fn done) {
  if (!hub.cluster()) {
    hub.store().delete_group_offsets_async(std::move(group), on_io(hub, std::move(done)));
    return;
  }
  if (refused(hub, done)) return;
  cluster::group_offsets_record record;
  record.group_id = std::move(group);
  record.clear_group = true;
  propose(hub, record, std::move(done));
}

void delete_partitions(broker& hub, std::string group,
                       std::vector<std::pair<std::string, ids::partition_index>> partitions,
                       done_fn done) {
  if (!hub.cluster()) {
    hub.store().delete_offsets_async(std::move(group), std::move(partitions),
                                     on_io(hub, std::move(done)));
    return;
  }
  if (refused(hub, done)) return;
  cluster::group_offsets_record record;
  record.group_id = std::move(group);
  for (auto& [topic, partition] : partitions) {
    cluster::group_offset o;
    o.topic = std::move(topic);
    o.partition = partition.value();
    o.deleted = true;
    record.offsets.push_back(std::move(o));
  }
  propose(hub, record, std::move(done));
}

}  // namespace tern::kafka::group_offsets
