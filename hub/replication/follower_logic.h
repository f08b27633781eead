#pragma once
// The follower's decisions that need no I/O, kept apart so they are tested on their own and the
// fetch loop (follower_fetcher) stays a sequence of calls:
// - decide_truncation(): where a follower's log must be cut after the leader answered
//   OffsetForLeaderEpoch (Kafka's AbstractFetcherThread.getOffsetTruncationState);
// - take_fetched_batches(): which whole batches of a fetched records blob can be appended at the
//   local log end, each validated (header and CRC32C) with common's record_batch helpers.
//
// Threads: free functions over values, callable from any thread. Errors are replication_errc
// values as listed per function. Lifetimes: the views take_fetched_batches() hands out point
// into `records` and live as long as it does.
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "replication/errors.h"
#include "tern/common/ids.h"

namespace tern::replication {

using bytes_view = std::span<const std::uint8_t>;

// An (epoch, end offset) answer: the largest epoch <= the one asked for and where it ends.
// (-1, -1) = undefined, Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET.
struct epoch_end_offset {
  ids::leader_epoch epoch = ids::no_leader_epoch;
  ids::offset end_offset = ids::no_offset;
};

struct truncation_decision {
  ids::offset truncate_to{0};  // cut the local log here (== local log end: nothing to cut)
  // False when the follower does not know the epoch the leader answered with: after cutting at
  // truncate_to, ask again with the (new) local last epoch.
  bool complete = true;
};

// @param[in] leader  the leader's answer for the epoch we asked about
// @param[in] local   our own end offset for leader.epoch (read_txn::end_offset_for_epoch); ignored
//                    when the leader's answer is undefined
// @param[in] local_log_end, local_high_watermark  our log end and HW
// The result never exceeds local_log_end and is never negative.
truncation_decision decide_truncation(epoch_end_offset leader, epoch_end_offset local,
                                      ids::offset local_log_end, ids::offset local_high_watermark);

struct fetched_batches {
  std::vector<bytes_view> batches;  // whole, validated, contiguous from the local log end
  ids::offset next_offset{0};       // the local log end after appending them
  std::size_t size_bytes = 0;
  // A batch starts past the offset expected (a compacted leader log): append with
  // append_request::allow_offset_gaps.
  bool has_gaps = false;
};

// Takes the batches of a fetched records blob that continue the local log at `log_end`. A
// truncated batch at the end (a leader may cut the blob at max_bytes) ends the list without error;
// batches wholly below log_end are skipped (already held); a batch starting past the expected
// offset is taken and flagged (has_gaps).
// @return {} and `out` filled (possibly empty); or corrupt_batch (bad header, magic or CRC) /
//         offset_overlap (a batch that starts below the expected offset but ends at or past it)
//         — `out` then holds the valid batches before the bad one, which may still be appended.
std::error_code take_fetched_batches(bytes_view records, ids::offset log_end, fetched_batches& out);

}  // namespace tern::replication
