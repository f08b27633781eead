#pragma once
// Turns the local records of a forwarding round into the upstream batches (pure: no I/O).
//
// Deterministic by design: the same ranges, records, producer id/epoch, sequences and upstream
// partition counts give byte-identical batches. That is what makes a round re-sent after a crash
// or a cut link a duplicate the upstream recognises (forwarder.h explains the whole argument).
//
// Per record: the upstream partition comes from link_config::partitioner (murmur2 of the key as
// the Java producer computes it; a null key, or partitioner=same, keeps the local partition
// number modulo the upstream count, so keyless data keeps its per-partition order). Key, value,
// headers and timestamp are kept; a header `tern.origin` = "<cluster id>/<topic>/<partition>/
// <offset>" names where it came from. One batch per upstream partition and round, compressed
// with the link's codec, carrying the producer id, epoch and that partition's next sequence.
//
// Errors: finish() returns compression errors (a codec failing); add() never fails.
// Lifetimes: the builder keeps a reference to `config` (which must outlive it) and copies the
// rest; add() copies what it needs, so the records passed may go away after it returns.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "forward/link_config.h"
#include "forward/link_state.h"
#include "tern/common/record_batch.h"

namespace tern::forward {

inline constexpr std::string_view origin_header_key = "tern.origin";

// "<cluster id>/<topic>/<partition>/<offset>"
std::string origin_value(std::string_view cluster_id, std::string_view topic, std::int32_t partition,
                         std::int64_t offset);
// Parses an origin header value; false when it is not one.
bool parse_origin(std::string_view value, std::string& cluster_id, std::string& topic,
                  std::int32_t& partition, std::int64_t& offset);

struct upstream_batch {
  upstream_partition partition;
  std::vector<std::uint8_t> bytes;  // one RecordBatch v2
  std::int32_t record_count = 0;
  std::int32_t base_sequence = 0;
};

class round_builder {
 public:
  // `counts`: upstream partition count per upstream topic (every range's topic must be there).
  // `upstream_has`: records the upstream is known to hold already (round_intent::upstream_has),
  // left out of their batches.
  round_builder(const link_config& config, std::string cluster_id, std::int64_t producer_id,
                std::int16_t producer_epoch, const std::map<upstream_partition, std::int32_t>& sequences,
                const std::map<std::string, std::int32_t>& counts,
                std::vector<round_intent::upstream_mark> upstream_has = {});

  // The upstream partition a record of `range` goes to.
  std::int32_t partition_for(const log_range& range, const record_batch::record& r) const;
  // Adds the records of `range` (offsets within [from, to), ascending).
  void add(const log_range& range, std::span<const record_batch::record> records);
  // The finished batches, by upstream partition, leaving out those in `skip`.
  std::error_code finish(const std::vector<upstream_partition>& skip, std::vector<upstream_batch>& out);

 private:
  struct pending {
    record_batch::batch_builder builder;
    std::int32_t base_sequence = 0;
  };
  const link_config& _config;
  std::string _cluster_id;
  std::int64_t _producer_id;
  std::int16_t _producer_epoch;
  // Copies: a builder outlives no argument by accident (a round has few upstream partitions).
  const std::map<upstream_partition, std::int32_t> _sequences;
  const std::map<std::string, std::int32_t> _counts;
  std::map<upstream_partition, pending> _batches;
  std::vector<round_intent::upstream_mark> _upstream_has;
};

// Bytes a record of local topic `topic` takes in a round's budget: at least its encoded size in
// the upstream batch, origin header included.
std::size_t record_weight(const record_batch::record& r, std::string_view topic);

}  // namespace tern::forward
