#include "cluster/placement.h"

#include <algorithm>
#include <cassert>

#include "cluster/errors.h"

namespace tern::cluster {

std::vector<node_id> placeable_brokers(const metadata_image& image) {
  std::vector<node_id> out;
  for (const auto& [id, b] : image.brokers()) {
    if (image.is_live(id)) out.push_back(id);
  }
  return out;  // std::map iterates in ascending id
}

std::error_code assign_replicas(std::span<const node_id> brokers, std::int32_t partitions,
                                std::int32_t replication_factor, placement_seed seed,
                                replica_assignment& out, std::int32_t first_partition) {
  out.clear();
  if (partitions < 1 || static_cast<std::size_t>(partitions) > partitions_max ||
      first_partition < 0 || static_cast<std::size_t>(first_partition) >= partitions_max) {
    return cluster_errc::invalid_partitions;
  }
  if (replication_factor < 1 || static_cast<std::size_t>(replication_factor) > replicas_max ||
      static_cast<std::size_t>(replication_factor) > brokers.size()) {
    return cluster_errc::invalid_replication_factor;
  }
  const std::uint64_t n = brokers.size();
  const std::uint64_t start = seed.start_index % n;
  std::uint64_t shift = seed.replica_shift % n;
  out.reserve(static_cast<std::size_t>(partitions));
  for (std::int32_t i = 0; i < partitions; ++i) {
    const auto p = static_cast<std::uint64_t>(first_partition) + static_cast<std::uint64_t>(i);
    // A new round over the brokers moves the followers one further, as Kafka does.
    if (p > 0 && p % n == 0) ++shift;
    const std::uint64_t first = (p + start) % n;
    std::vector<node_id> replicas{brokers[first]};
    for (std::int32_t j = 0; j + 1 < replication_factor; ++j) {
      const std::uint64_t offset = 1 + (shift + static_cast<std::uint64_t>(j)) % (n - 1);
      replicas.push_back(brokers[(first + offset) % n]);
    }
    out.push_back(std::move(replicas));
  }
  return {};
}

std::error_code validate_assignment(const metadata_image& image, const replica_assignment& a) {
  if (a.empty() || a.size() > partitions_max) return cluster_errc::invalid_partitions;
  const std::size_t rf = a.front().size();
  for (const auto& replicas : a) {
    if (replicas.empty() || replicas.size() != rf || rf > replicas_max) {
      return cluster_errc::invalid_replication_factor;
    }
    std::vector<node_id> sorted = replicas;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return cluster_errc::invalid_replication_factor;
    }
  }
  for (const auto& replicas : a) {
    for (node_id r : replicas) {
      if (!image.broker(r)) return cluster_errc::unknown_broker;
    }
    if (std::none_of(replicas.begin(), replicas.end(),
                     [&](node_id r) { return image.is_live(r); })) {
      return cluster_errc::broker_fenced;
    }
  }
  return {};
}

}  // namespace tern::cluster
