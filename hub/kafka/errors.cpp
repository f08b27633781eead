#include "kafka/errors.h"

#include "cluster/errors.h"
#include "groups/errors.h"
#include "replication/errors.h"
#include "storage/log_store.h"

namespace tern::kafka {
namespace {

error_code from_storage(storage::storage_errc e) {
  using storage::storage_errc;
  switch (e) {
    case storage_errc::unknown_topic:
    case storage_errc::unknown_partition: return error_code::unknown_topic_or_partition;
    case storage_errc::topic_exists: return error_code::topic_already_exists;
    case storage_errc::invalid_argument: return error_code::invalid_request;
    case storage_errc::offset_out_of_range: return error_code::offset_out_of_range;
    case storage_errc::map_full:
    case storage_errc::disk_full:
    case storage_errc::io_error:
    case storage_errc::schema_too_new:
    case storage_errc::map_too_large:
    // Retriable on purpose: a producer waits out a full store (retention or an operator frees
    // space) instead of dropping its data.
    case storage_errc::budget_exceeded: return error_code::kafka_storage_error;
    case storage_errc::closed: return error_code::not_leader_or_follower;
    case storage_errc::unknown_producer: return error_code::unknown_producer_id;
    case storage_errc::producer_fenced: return error_code::invalid_producer_epoch;
    case storage_errc::out_of_order_sequence: return error_code::out_of_order_sequence_number;
    // A leader whose epoch is no longer the partition's has been deposed.
    case storage_errc::fenced_leader_epoch: return error_code::not_leader_or_follower;
    case storage_errc::offset_mismatch: return error_code::invalid_request;
  }
  return error_code::kafka_storage_error;
}

error_code from_groups(groups::groups_errc e) {
  using groups::groups_errc;
  switch (e) {
    case groups_errc::coordinator_not_available: return error_code::coordinator_not_available;
    case groups_errc::not_coordinator: return error_code::not_coordinator;
    case groups_errc::illegal_generation: return error_code::illegal_generation;
    case groups_errc::inconsistent_group_protocol: return error_code::inconsistent_group_protocol;
    case groups_errc::invalid_group_id: return error_code::invalid_group_id;
    case groups_errc::unknown_member_id: return error_code::unknown_member_id;
    case groups_errc::invalid_session_timeout: return error_code::invalid_session_timeout;
    case groups_errc::rebalance_in_progress: return error_code::rebalance_in_progress;
    case groups_errc::member_id_required: return error_code::member_id_required;
    case groups_errc::group_max_size_reached: return error_code::group_max_size_reached;
    case groups_errc::fenced_instance_id: return error_code::fenced_instance_id;
    case groups_errc::non_empty_group: return error_code::non_empty_group;
    case groups_errc::group_id_not_found: return error_code::group_id_not_found;
    case groups_errc::invalid_request: return error_code::invalid_request;
  }
  return error_code::unknown_server_error;
}

error_code from_cluster(cluster::cluster_errc e) {
  using cluster::cluster_errc;
  switch (e) {
    case cluster_errc::not_leader:
    case cluster_errc::no_quorum:
    case cluster_errc::shutting_down: return error_code::not_controller;
    case cluster_errc::entry_too_large: return error_code::policy_violation;
    case cluster_errc::malformed_entry: return error_code::invalid_request;
    case cluster_errc::unknown_broker:
    case cluster_errc::stale_broker_epoch:
    case cluster_errc::broker_fenced: return error_code::invalid_replica_assignment;
    case cluster_errc::invalid_replication_factor: return error_code::invalid_replication_factor;
    case cluster_errc::topic_exists: return error_code::topic_already_exists;
    case cluster_errc::unknown_topic: return error_code::unknown_topic_or_partition;
    case cluster_errc::invalid_partitions: return error_code::invalid_partitions;
    case cluster_errc::not_enough_replicas: return error_code::not_enough_replicas;
    case cluster_errc::fenced_leader_epoch: return error_code::fenced_leader_epoch;
    case cluster_errc::unknown_leader_epoch: return error_code::unknown_leader_epoch;
    case cluster_errc::not_leader_or_follower: return error_code::not_leader_or_follower;
    case cluster_errc::io_error: return error_code::kafka_storage_error;
    case cluster_errc::cluster_id_mismatch: return error_code::invalid_request;
  }
  return error_code::unknown_server_error;
}

error_code from_replication(replication::replication_errc e) {
  using replication::replication_errc;
  switch (e) {
    case replication_errc::not_leader_or_follower: return error_code::not_leader_or_follower;
    case replication_errc::not_enough_replicas: return error_code::not_enough_replicas;
    case replication_errc::not_enough_replicas_after_append:
      return error_code::not_enough_replicas_after_append;
    case replication_errc::request_timed_out: return error_code::request_timed_out;
    case replication_errc::fenced_leader_epoch: return error_code::fenced_leader_epoch;
    case replication_errc::unknown_leader_epoch: return error_code::unknown_leader_epoch;
    case replication_errc::offset_out_of_range: return error_code::offset_out_of_range;
    case replication_errc::unknown_replica: return error_code::not_leader_or_follower;
    case replication_errc::too_many_waiters: return error_code::request_timed_out;
    default: return error_code::unknown_server_error;
  }
}

}  // namespace

error_code to_kafka_error(std::error_code ec) {
  if (!ec) return error_code::none;
  if (ec.category() == storage::storage_category())
    return from_storage(static_cast<storage::storage_errc>(ec.value()));
  if (ec.category() == groups::groups_category())
    return from_groups(static_cast<groups::groups_errc>(ec.value()));
  if (ec.category() == cluster::cluster_category())
    return from_cluster(static_cast<cluster::cluster_errc>(ec.value()));
  if (ec.category() == replication::replication_category())
    return from_replication(static_cast<replication::replication_errc>(ec.value()));
  if (ec.category() == std::system_category() || ec.category() == std::generic_category())
    return error_code::kafka_storage_error;
  return error_code::unknown_server_error;
}

error_code to_kafka_config_error(std::error_code ec) {
  if (ec == storage::storage_errc::invalid_argument) return error_code::invalid_config;
  return to_kafka_error(ec);
}

}  // namespace tern::kafka
