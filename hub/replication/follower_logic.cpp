#include "replication/follower_logic.h"

#include <algorithm>

#include "tern/common/record_batch.h"

namespace tern::replication {

// Kafka's rules (AbstractFetcherThread.getOffsetTruncationState), in order:
// - the leader knows no such epoch (end offset undefined): keep what the HW vouches for;
// - the leader answered without an epoch: cut at its end offset;
// - we do not know the leader's epoch at all: its end offset is the best bound we have;
// - we know a different (smaller) epoch ending there: cut at our end of it, then ask again;
// - same epoch: the logs agree up to the smaller of the two end offsets.
truncation_decision decide_truncation(epoch_end_offset leader, epoch_end_offset local,
                                      ids::offset local_log_end, ids::offset local_high_watermark) {
  const ids::offset zero{0};
  auto bound = [&](ids::offset offset) {
    return std::clamp(offset, zero, std::max(local_log_end, zero));
  };
  if (leader.end_offset < zero) return {bound(local_high_watermark), true};
  if (leader.epoch < ids::leader_epoch{0}) return {bound(leader.end_offset), true};
  if (local.epoch < ids::leader_epoch{0} || local.end_offset < zero)
    return {bound(leader.end_offset), true};
  if (local.epoch != leader.epoch) return {bound(local.end_offset), false};
  return {bound(std::min(local.end_offset, leader.end_offset)), true};
}

std::error_code take_fetched_batches(bytes_view records, ids::offset log_end,
                                     fetched_batches& out) {
  out = fetched_batches{};
  out.next_offset = log_end;
  while (!records.empty()) {
    record_batch::batch_header h;
    auto ec = record_batch::parse_header(records, h);
    if (ec == record_batch::record_batch_errc::truncated) break;
    if (ec) return replication_errc::corrupt_batch;
    if (h.total_size() > records.size()) break;  // the tail max_bytes cut off
    bytes_view one = records.first(h.total_size());
    records = records.subspan(one.size());
    if (record_batch::validate(one, h)) return replication_errc::corrupt_batch;
    const ids::offset base{h.base_offset}, last{h.last_offset()};
    if (last < out.next_offset) continue;  // already held
    if (base < out.next_offset) return replication_errc::offset_overlap;
    if (base > out.next_offset) out.has_gaps = true;
    out.batches.push_back(one);
    out.size_bytes += one.size();
    out.next_offset = last + 1;
  }
  return {};
}

}  // namespace tern::replication
