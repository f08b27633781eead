// Compiled by tests/compile_fail/CMakeLists.txt once without a case (the control: it must
// compile, so the test setup itself is sound) and once per TERN_CASE_* (each must be rejected).
// Every case swaps one argument or operand of a line that the control compiles as written.
#include <cstdint>

#include "tern/common/ids.h"

namespace ids = tern::ids;

// Shapes of the storage and replication calls the types protect.
static std::int64_t read_at(ids::log_id, ids::offset position) { return position.value(); }
static std::int32_t record_leader(ids::partition_index p, ids::node_id, ids::leader_epoch) {
  return p.value();
}

int main() {
  ids::log_id log{3};
  ids::offset position{100};
  ids::partition_index partition{2};
  ids::node_id node{1};
  ids::leader_epoch epoch{7};
  std::int64_t sum = 0;

#if defined(TERN_CASE_PARTITION_AS_OFFSET)
  sum += read_at(log, partition);
#elif defined(TERN_CASE_OFFSET_AS_LOG)
  sum += read_at(position, position);
#elif defined(TERN_CASE_EPOCH_AS_NODE)
  sum += record_leader(partition, epoch, epoch);
#elif defined(TERN_CASE_NODE_AS_PARTITION)
  sum += record_leader(node, node, epoch);
#elif defined(TERN_CASE_RAW_INTEGER_AS_OFFSET)
  sum += read_at(log, 100);
#elif defined(TERN_CASE_OFFSET_AS_RAW_INTEGER)
  std::int64_t raw = position;
  sum += raw;
#elif defined(TERN_CASE_COMPARE_OFFSET_WITH_PARTITION)
  sum += position < partition;
#elif defined(TERN_CASE_ADD_TWO_OFFSETS)
  sum += (position + position).value();
#elif defined(TERN_CASE_PARTITION_ARITHMETIC)
  sum += (partition + 1).value();
#else
  sum += read_at(log, position);
  sum += record_leader(partition, node, epoch);
  std::int64_t raw = position.value();
  sum += raw;
  sum += position < ids::offset{partition.value()};
  sum += (position + 1).value() + (position - position);
  sum += ids::partition_index{partition.value() + 1}.value();
#endif
  return sum == 0;
}
