#pragma once
// What a forwarding link has sent, as stored in its store checkpoint ("forward/<link>"):
// the upstream producer id and epoch, per local partition log the next offset to forward, per
// upstream partition the next sequence number, and the round in flight (its "intent").
//
// Exactly once rests on this record (see forwarder.h): a round's ranges are committed here
// before any of its bytes leave, and its batches are a pure function of (ranges, producer id,
// epoch, sequences, upstream partition counts) and the local log, so a round re-sent after a
// crash or a cut link is byte-for-byte the one the upstream may already hold, and the upstream's
// idempotence (same producer, same sequences) answers it as a duplicate.
//
// Errors: decode returns false on a damaged or foreign value (the caller starts over from the
// log start and says so). Values only; no threads.
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/log_store.h"

namespace tern::forward {

// Local offsets [from, to) of one partition log that a round forwards.
struct log_range {
  storage::log_id log{0};
  std::string topic;  // local topic (for the origin header and the upstream name)
  std::int32_t partition = 0;
  std::int64_t from = 0;
  std::int64_t to = 0;
};

using upstream_partition = std::pair<std::string, std::int32_t>;  // upstream topic, partition

struct round_intent {
  std::vector<log_range> ranges;  // in the order their records are batched
  // Partition count of each upstream topic when the round was planned (the key hash depends on it).
  std::map<std::string, std::int32_t> partition_counts;
  // Upstream partitions whose batches of this round were acknowledged (a producer reset in the
  // middle of a round must not send them again under the new producer id).
  std::vector<upstream_partition> acked;
  // After the upstream forgot our producer: what it was found to hold already, read from its
  // partitions' tails (the origin headers). Records of `log` through `offset` are left out of
  // the batch for `partition`, so the re-send under a new producer id stores nothing twice.
  struct upstream_mark {
    upstream_partition partition;
    storage::log_id log{0};
    std::int64_t offset = -1;
  };
  std::vector<upstream_mark> upstream_has;
};

// The replicated form of a state names each local log by (topic, partition): a log id is local to
// one broker's store, while topics, partitions and offsets are the same on every replica.
using log_namer = std::function<std::optional<std::pair<std::string, std::int32_t>>(storage::log_id)>;
using log_finder = std::function<std::optional<storage::log_id>(std::string_view topic, std::int32_t partition)>;

struct link_state {
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::map<storage::log_id, std::int64_t> positions;  // next local offset to forward
  std::map<upstream_partition, std::int32_t> sequences;  // next base sequence
  std::optional<round_intent> intent;
  // Totals (survive restarts): records sent and acknowledged, their bytes on the wire, records
  // lost before they were sent (the disk budget dropped them), producer resets by the upstream.
  std::uint64_t forwarded_records = 0;
  std::uint64_t forwarded_bytes = 0;
  std::uint64_t lost_records = 0;
  std::uint64_t producer_resets = 0;

  std::vector<std::uint8_t> encode() const;
  bool decode(std::span<const std::uint8_t> data);
  // The replicated form (cluster_links.h): logs `namer` cannot name (their topic is gone) are
  // left out, with their positions and marks. decode_portable resolves names with `finder`;
  // positions and marks of topics it does not find are left out and those topics listed in
  // `missing_topics` (a round in flight on such a topic keeps log id 0: the caller must wait for
  // the topic before resuming). false: damaged or not the replicated form.
  std::vector<std::uint8_t> encode_portable(const log_namer& namer) const;
  bool decode_portable(std::span<const std::uint8_t> data, const log_finder& finder,
                       std::vector<std::string>& missing_topics);
  // The retention holds that go with this state: per log its position (the intent's `from`
  // where a round is in flight, which is the same offset).
  std::vector<std::pair<storage::log_id, ids::offset>> holds() const;
};

// Kafka sequences wrap from INT32_MAX to 0.
inline std::int32_t advance_sequence(std::int32_t seq, std::int64_t count) {
  return static_cast<std::int32_t>((static_cast<std::int64_t>(seq) + count) % (std::int64_t{INT32_MAX} + 1));
}

}  // namespace tern::forward
