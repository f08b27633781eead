#pragma once
// The cluster layer's errors (metadata quorum, controller, replication). Each value is named for
// the Kafka error code it usually becomes; hub/kafka does the mapping (this layer knows no wire
// codes). Success is an empty std::error_code.
#include <system_error>

namespace tern::cluster {

enum class cluster_errc {
  not_leader = 1,          // this node is not the quorum leader (retriable: ask the leader)
  no_quorum,               // no quorum leader is known, or it cannot commit (retriable)
  shutting_down,           // the quorum or controller is stopping
  entry_too_large,         // a proposed metadata entry over the entry size limit
  malformed_entry,         // a metadata entry or snapshot that does not decode
  unknown_broker,          // a node id that never registered
  stale_broker_epoch,      // a heartbeat or request from an older incarnation of a broker
  broker_fenced,           // the broker missed its session: it must not lead or acknowledge
  invalid_replication_factor,  // more replicas asked for than live brokers, or < 1
  topic_exists,
  unknown_topic,
  invalid_partitions,
  not_enough_replicas,     // ISR smaller than min.insync.replicas
  fenced_leader_epoch,     // a request carried an older leader epoch than the partition's
  unknown_leader_epoch,    // a request carried a newer leader epoch than this broker knows
  not_leader_or_follower,  // this broker does not lead (or replicate) the partition
  io_error,                // the quorum's own storage failed
  cluster_id_mismatch,     // the data dir belongs to another cluster
};

const std::error_category& cluster_category();
inline std::error_code make_error_code(cluster_errc e) { return {static_cast<int>(e), cluster_category()}; }

}  // namespace tern::cluster

template <>
struct std::is_error_code_enum<tern::cluster::cluster_errc> : std::true_type {};
