#pragma once
// Where consumer groups' committed offsets live, for the group handlers (OffsetCommit,
// OffsetFetch, OffsetDelete, DeleteGroups, ListGroups, DescribeGroups) and offsets expiry.
//
// Design
// - A single-node hub keeps them in its local store (storage/log_store.h), as before.
// - In a cluster they are replicated through the metadata quorum (issue 16, the "through the
//   metadata quorum" design rather than Kafka's __consumer_offsets topic): the controller (the
//   quorum leader) coordinates every group; a commit is one group_offsets_record proposal,
//   answered once a majority of voters holds it; every image keeps every group's offsets (and
//   Raft snapshots carry them), so a new controller serves them at once. Other brokers answer
//   group requests with NOT_COORDINATOR, and the controller answers
//   COORDINATOR_LOAD_IN_PROGRESS until an entry of its own term has applied (its image then
//   holds everything an earlier controller acknowledged). Each commit costs one Raft round.
//
// Threads: the io thread only. Completions run on the io thread, never inside the call.
// Errors: as Kafka codes. coordinator_check(): not_coordinator, coordinator_load_in_progress.
// read()/list(): the store's (as to_kafka_error). The changes: the store's errors (single node);
// in a cluster not_coordinator (leadership lost), coordinator_not_available (no quorum, I/O
// failure), offset_metadata_too_large (the record is over the metadata log's bounds).
// Lifetimes: the broker must outlive every completion.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/log_store.h"
#include "tern/common/ids.h"
#include "tern/kafka/error_code.h"

namespace tern::kafka {

class broker;

namespace group_offsets {

using committed_offset = storage::log_store::committed_offset;
using done_fn = std::function<void(error_code)>;

// Whether this broker coordinates groups now (none on a single node).
error_code coordinator_check(broker& hub);

// Every committed offset of `group` (none is not an error).
error_code read(broker& hub, std::string_view group, std::vector<committed_offset>& out);
// The groups that have committed offsets, each with its newest commit time (wall ms).
error_code list(broker& hub, std::vector<std::pair<std::string, std::int64_t>>& out);

// Stores the offsets, all or nothing.
void commit(broker& hub, std::string group, std::vector<committed_offset> offsets, done_fn done);
// Deletes every committed offset of the group.
void delete_group(broker& hub, std::string group, done_fn done);
// Deletes the group's offsets of these partitions.
void delete_partitions(broker& hub, std::string group,
                       std::vector<std::pair<std::string, ids::partition_index>> partitions,
                       done_fn done);

}  // namespace group_offsets
}  // namespace tern::kafka
