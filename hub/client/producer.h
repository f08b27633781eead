#pragma once
// A batching producer on cluster_client: picks partitions like the Java client (murmur2 of the
// key; null keys stick to one partition per batch, then move on), builds RecordBatch v2 per
// partition, and sends one Produce request per leader, pipelined up to max_inflight requests.
//
// Errors: functions return false and set `error` to a sentence naming the topic/partition and
// the Kafka error or connection problem. After an error the producer should be discarded.
// Lifetimes: the cluster_client must outlive the producer. Not thread-safe.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/cluster_client.h"
#include "tern/common/record_batch.h"

namespace tern::client {

struct producer_options {
  std::int16_t acks = -1;             // 0, 1 or -1 (all)
  std::int32_t timeout_ms = 30000;
  std::size_t batch_max_records = 10000;
  std::size_t batch_max_bytes = 1 << 20;
  std::size_t max_inflight = 5;       // requests per broker awaiting a response
  // How long init() waits for a topic's partitions to get leaders (a topic just created, a
  // leader election under way), like the Java producer's max.block.ms.
  std::int32_t metadata_max_wait_ms = 10000;
};

class producer {
 public:
  producer(cluster_client& client, producer_options options) : _client(client), _options(options) {}

  // Looks the topic up (auto-creating it if the broker allows), waiting up to
  // metadata_max_wait_ms while it is LEADER_NOT_AVAILABLE or a partition has no leader. false +
  // error if it is missing or still leaderless.
  bool init(const std::string& topic, std::string& error);
  std::int32_t partition_count() const { return static_cast<std::int32_t>(_leaders.size()); }

  // Queues one record. partition < 0 = choose by key. May send full batches (and so fail).
  bool add(std::optional<record_batch::bytes_view> key, std::optional<record_batch::bytes_view> value,
           const std::vector<record_batch::header>& headers, std::int64_t timestamp_ms,
           std::int32_t partition, std::string& error);
  // Sends everything queued and waits for every response.
  bool flush(std::string& error);

  std::size_t records_acknowledged() const { return _acknowledged; }
  // Per-request round-trip times (send → response), microseconds; empty for acks=0.
  const std::vector<std::int64_t>& latencies_us() const { return _latencies_us; }

 private:
  struct inflight {
    std::chrono::steady_clock::time_point sent;
    std::size_t records;
  };
  struct broker_state {
    kafka_connection* conn = nullptr;
    std::deque<inflight> waiting;
  };
  std::int32_t choose_partition(std::optional<record_batch::bytes_view> key);
  bool send_partition(std::int32_t partition, std::string& error);
  bool receive_one(std::int32_t node, std::string& error);

  cluster_client& _client;
  producer_options _options;
  std::string _topic;
  std::vector<std::int32_t> _leaders;  // by partition
  std::map<std::int32_t, record_batch::batch_builder> _builders;
  std::map<std::int32_t, broker_state> _brokers;
  std::int32_t _sticky_partition = 0;
  std::size_t _acknowledged = 0;
  std::vector<std::int64_t> _latencies_us;
  std::vector<std::uint8_t> _scratch;
};

}  // namespace tern::client
