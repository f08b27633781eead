#pragma once
// Kafka wire error codes (the subset Tern produces or reads). Values are the protocol's.
#include <cstdint>
#include <string_view>

namespace tern::kafka {

enum class error_code : std::int16_t {
  unknown_server_error = -1,       // unexpected failure on the server
  none = 0,
  offset_out_of_range = 1,         // fetch/list offset outside [log start, high watermark]
  corrupt_message = 2,             // CRC mismatch or malformed record batch
  unknown_topic_or_partition = 3,  // no such topic/partition here
  invalid_fetch_size = 4,
  leader_not_available = 5,        // leader election in progress
  not_leader_or_follower = 6,      // this node does not lead the partition
  request_timed_out = 7,
  message_too_large = 10,          // batch larger than message.max.bytes
  offset_metadata_too_large = 12,  // committed metadata over offset.metadata.max.bytes
  coordinator_load_in_progress = 14,
  coordinator_not_available = 15,
  not_coordinator = 16,
  invalid_topic_exception = 17,    // bad topic name
  record_list_too_large = 18,
  not_enough_replicas = 19,        // ISR below min.insync.replicas: nothing written (acks=all)
  not_enough_replicas_after_append = 20,  // written, but the ISR fell below min.insync.replicas
  invalid_required_acks = 21,
  illegal_generation = 22,
  inconsistent_group_protocol = 23,
  invalid_group_id = 24,
  unknown_member_id = 25,
  invalid_session_timeout = 26,
  rebalance_in_progress = 27,
  invalid_commit_offset_size = 28,
  topic_authorization_failed = 29,
  group_authorization_failed = 30,
  cluster_authorization_failed = 31,
  invalid_timestamp = 32,
  unsupported_sasl_mechanism = 33,
  illegal_sasl_state = 34,
  unsupported_version = 35,        // API version outside what we advertise
  topic_already_exists = 36,
  invalid_partitions = 37,
  invalid_replication_factor = 38,
  invalid_replica_assignment = 39,
  invalid_config = 40,
  not_controller = 41,
  invalid_request = 42,            // well-formed but semantically invalid request
  unsupported_for_message_format = 43,
  policy_violation = 44,
  out_of_order_sequence_number = 45,
  duplicate_sequence_number = 46,
  invalid_producer_epoch = 47,
  invalid_txn_state = 48,
  invalid_producer_id_mapping = 49,
  invalid_transaction_timeout = 50,
  concurrent_transactions = 51,
  transactional_id_authorization_failed = 53,  // every id is refused: no transactions (yet)
  unsupported_compression_type = 76,
  kafka_storage_error = 56,        // the log could not be written/read (disk full, I/O error)
  sasl_authentication_failed = 58,
  unknown_producer_id = 59,
  non_empty_group = 68,
  group_id_not_found = 69,
  fetch_session_id_not_found = 70,
  invalid_fetch_session_epoch = 71,
  member_id_required = 79,
  group_max_size_reached = 81,
  fenced_instance_id = 82,
  group_subscribed_to_topic = 86,  // OffsetDelete on a topic the group's members consume
  producer_fenced = 90,            // InitProducerId v4+: the epoch given is not the current one
  unsupported_endpoint_type = 115,  // DescribeCluster for controllers, asked of a broker
  fenced_leader_epoch = 74,        // the request's leader epoch is older than the broker's
  unknown_leader_epoch = 75,       // the request's leader epoch is newer than the broker knows
  offset_not_available = 78,       // ListOffsets on a new leader whose HW lags its epoch's start
  invalid_record = 87,
  unknown_topic_id = 100,          // no topic has the topic id the request names
};

constexpr std::int16_t wire(error_code e) { return static_cast<std::int16_t>(e); }
std::string_view to_string(error_code e);

}  // namespace tern::kafka
