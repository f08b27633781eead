#pragma once
// The replication layer's errors (leader-side ISR bookkeeping and follower fetchers). Each value
// is named for the Kafka error code it usually becomes; hub/kafka does the mapping (this layer
// sees wire codes only where it reads a leader's answers, see wire_codes below). Success is an
// empty std::error_code.
#include <cstdint>
#include <system_error>

namespace tern::replication {

enum class replication_errc {
  not_leader_or_follower = 1,        // this broker no longer leads (stepped down) / not a replica
  not_enough_replicas,               // ISR smaller than min.insync.replicas before the append
  not_enough_replicas_after_append,  // the append is in the log, but the ISR fell below the minimum
  request_timed_out,                 // an acks=all wait passed its deadline
  fenced_leader_epoch,               // our epoch is older than the leader's (refresh metadata)
  unknown_leader_epoch,              // our epoch is newer than the leader knows (it lags behind)
  offset_out_of_range,               // a fetch offset outside the leader's log
  unknown_replica,                   // a fetch from a broker not among the partition's replicas
  too_many_waiters,                  // the acks=all wait list is full (a bound, retriable)
  too_many_partitions,               // a fetcher's partition limit reached
  corrupt_batch,                     // a fetched batch failed its CRC or header check
  offset_overlap,                    // a fetched batch starts inside the local log's last batch
  leader_error,                      // the leader answered with another error code (see status)
  unsupported_version,               // the leader does not speak Fetch v9+ / OffsetForLeaderEpoch
  truncation_failed,                 // epoch reconciliation did not converge within its bound
  stopped,                           // the fetcher is stopping
};

const std::error_category& replication_category();
inline std::error_code make_error_code(replication_errc e) {
  return {static_cast<int>(e), replication_category()};
}

// Kafka wire codes the fetcher reads in a leader's answers and that common's error_code.h does
// not list yet.
namespace wire_codes {
constexpr std::int16_t none = 0;
constexpr std::int16_t offset_out_of_range = 1;
constexpr std::int16_t unknown_topic_or_partition = 3;
constexpr std::int16_t not_leader_or_follower = 6;
constexpr std::int16_t kafka_storage_error = 56;
constexpr std::int16_t fenced_leader_epoch = 74;
constexpr std::int16_t unknown_leader_epoch = 75;
}  // namespace wire_codes

}  // namespace tern::replication

template <>
struct std::is_error_code_enum<tern::replication::replication_errc> : std::true_type {};
