#pragma once
// Replica placement for new topics and partitions: Kafka's rack-unaware round-robin assignment
// (AdminUtils.assignReplicasToBrokersRackUnaware), and the validation of an assignment a client
// gave explicitly. Pure functions: the "random" start index and replica shift come in as
// arguments (the controller draws them), so a placement is reproducible in tests.
//
// Why Kafka's scheme: partition p's first replica is broker (p + start) mod n, so leaderships
// spread evenly; followers are shifted by a per-round offset so that the replicas of one broker's
// partitions do not all land on the same neighbour.
//
// Threads: none; reentrant. Errors per call below. Nothing returned refers to the inputs.
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "cluster/metadata_image.h"
#include "cluster/metadata_records.h"

namespace tern::cluster {

using replica_assignment = std::vector<std::vector<node_id>>;  // per partition, ordered

struct placement_seed {
  std::uint32_t start_index = 0;    // taken modulo the number of brokers
  std::uint32_t replica_shift = 0;  // likewise
};

// The brokers a new replica may go to: registered, unfenced, not shutting down; ascending id.
std::vector<node_id> placeable_brokers(const metadata_image& image);

// Assigns `partitions` partitions (numbered from `first_partition`, as when partitions are added
// to a topic) of `replication_factor` replicas over `brokers` (ascending, distinct) into `out`.
// Errors: invalid_partitions (partitions < 1 or > partitions_max), invalid_replication_factor
// (< 1, > replicas_max or > brokers.size()). `out` is empty on error.
std::error_code assign_replicas(std::span<const node_id> brokers, std::int32_t partitions,
                                std::int32_t replication_factor, placement_seed seed,
                                replica_assignment& out, std::int32_t first_partition = 0);

// Checks an explicit assignment against the image: at least one partition (invalid_partitions),
// every partition the same non-zero number of replicas within replicas_max and no broker twice
// (invalid_replication_factor), every broker registered (unknown_broker), and at least one
// placeable broker per partition to lead it (broker_fenced).
std::error_code validate_assignment(const metadata_image& image, const replica_assignment& a);

}  // namespace tern::cluster
