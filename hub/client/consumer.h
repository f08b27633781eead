#pragma once
// A consumer on cluster_client: resolves start offsets with ListOffsets, fetches from each
// partition's leader and hands every record to a callback in offset order per partition.
// Group-less use (like kafka-console-consumer with --partition/--offset) calls init(); a group
// member (group_member.h) calls assign() after every rebalance with its partitions and their
// committed offsets, and commits positions().
//
// Errors: functions return a call_status (call_status.h) and set `error` to a sentence
// (topic/partition + Kafka error, or connection problem). Retriable: no broker answers (a hub
// restarting), a connection broke; the consumer keeps its positions, so calling poll() again
// later resumes exactly where it stopped. Fatal: the topic or a partition does not exist, a
// Kafka error other than a leader change (e.g. TOPIC_AUTHORIZATION_FAILED), TLS/SASL refused, a
// batch that does not parse or decompress. Compressed batches (gzip, snappy, lz4, zstd) are decompressed, each up
// to consumer_options::decompressed_batch_bytes_max; a batch that fails to decompress or exceeds
// it is an error naming the batch, its codec and the cause.
// Lifetimes: record views passed to the callback are valid only during the call.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/call_status.h"
#include "client/cluster_client.h"
#include "tern/common/record_batch.h"

namespace tern::client {

struct consumer_options {
  std::int32_t max_wait_ms = 500;
  std::int32_t min_bytes = 1;
  std::int32_t max_bytes = 50 << 20;
  std::int32_t partition_max_bytes = 8 << 20;
  bool verify_crc = true;  // check every batch's CRC32C (clients usually do not; we do)
  // Limit on one batch's decompressed records: a compressed batch is at most partition_max_bytes
  // on the wire, but a few KiB can claim gigabytes (decompression bomb).
  std::size_t decompressed_batch_bytes_max = 64 << 20;
};

class consumer {
 public:
  enum class start { earliest, latest, offset };

  consumer(cluster_client& client, consumer_options options) : _client(client), _options(options) {}

  // partition < 0 = all partitions. `offset` is used with start::offset.
  call_status init(const std::string& topic, std::int32_t partition, start from, std::int64_t offset,
                   std::string& error);

  // Group mode: from now on reads exactly `partitions` of `topic` (replacing whatever was read
  // before; may be empty). Each starts at its offset in `committed`, or without one at `reset`
  // (earliest or latest: Kafka's auto.offset.reset), which also applies when a fetch finds the
  // position out of range (e.g. retention deleted it).
  call_status assign(const std::string& topic, const std::vector<std::int32_t>& partitions,
                     const std::map<std::int32_t, std::int64_t>& committed, start reset,
                     std::string& error);
  // The next offset to read, per partition read.
  std::map<std::int32_t, std::int64_t> positions() const;
  bool has_partitions() const { return !_partitions.empty(); }

  using record_fn = std::function<bool(std::int32_t partition, const record_batch::record&)>;  // false = stop
  // One fetch round to every leader; calls fn for each new record. `stopped` is set when fn
  // asked to stop. A partition whose leader's connection broke is looked up again (a leader
  // change in a cluster); retriable when no broker answers that lookup.
  call_status poll(const record_fn& fn, bool& stopped, std::string& error);

  std::size_t bytes_fetched() const { return _bytes; }
  // Partitions still to be read (position < high watermark at the last fetch).
  bool caught_up() const;

 private:
  static bool is_leader_change(std::int16_t code);
  call_status refresh_leaders(const std::vector<std::int32_t>& partitions, std::string& error);
  struct partition_state {
    std::int64_t position = 0;
    std::int64_t high_watermark = -1;
    std::int32_t leader = -1;
  };
  // Leaders of `topic`'s partitions (all when `only` is empty); fatal if one is missing.
  call_status find_leaders(const std::string& topic, const std::vector<std::int32_t>& only,
                           std::map<std::int32_t, std::int32_t>& leaders, std::string& error);
  // Sets the position of each of `partitions` to the earliest or latest offset (ListOffsets).
  call_status resolve(start from, const std::vector<std::int32_t>& partitions, std::string& error);

  cluster_client& _client;
  consumer_options _options;
  std::optional<start> _auto_reset;  // group mode: where an out-of-range position restarts
  std::string _topic;
  std::map<std::int32_t, partition_state> _partitions;
  std::size_t _bytes = 0;
};

}  // namespace tern::client
