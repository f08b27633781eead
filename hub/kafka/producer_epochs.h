#pragma once
// The current epoch of each idempotent producer id this broker handed out, for KIP-360
// re-initialisation (InitProducerId v3+ with the producer's id and epoch): the same id comes back
// with the epoch bumped, so the producer keeps its id and resets its sequences, and an instance
// still writing with the old epoch is fenced by the partitions' producer state.
//
// Design
// - In memory only, on the io thread (no locks). A restart forgets every entry: a producer that
//   re-initialises afterwards is "unknown" and gets a fresh id with epoch 0 — what Kafka does for
//   every non-transactional InitProducerId, and always safe because ids are never reused.
// - Bounded: at most entries_max ids. Past that the smallest id (on one node: the oldest handed
//   out) is forgotten, with the same consequence as a restart for that producer.
// - A bump remembers the epoch it replaced, so a retried bump (its answer was lost) gets the same
//   answer instead of a fencing error, as Kafka's transaction coordinator treats a retry.
#include <cstddef>
#include <cstdint>
#include <map>

namespace tern::kafka {

class producer_epochs {
 public:
  static constexpr std::size_t entries_max = 1024;

  enum class outcome {
    bumped,     // `epoch` is the new current epoch (also for a retried bump)
    unknown,    // no entry: hand out a fresh id
    exhausted,  // the epoch cannot be bumped further (Kafka: INT16_MAX - 1): a fresh id
    fenced,     // the epoch given is neither the current one nor the one a bump replaced
  };
  struct result {
    outcome what;
    std::int16_t epoch = -1;  // the producer's current epoch after the call (bumped only)
  };

  // Records a freshly allocated id with its epoch (0). `id` must be >= 0 and `epoch` >= 0.
  void record(std::int64_t id, std::int16_t epoch);
  // KIP-360: `epoch` (>= 0) must be the id's current epoch; it is bumped by one. unknown and
  // exhausted forget the id.
  result bump(std::int64_t id, std::int16_t epoch);
  std::size_t size() const { return _by_id.size(); }

 private:
  struct entry {
    std::int16_t current = 0;
    std::int16_t replaced = -1;  // the epoch the last bump replaced, -1 if none
  };
  std::map<std::int64_t, entry> _by_id;
};

}  // namespace tern::kafka
