// DeleteRecords: an operator's deletion of a partition's prefix (log_store.h). Runs on the
// writer like retention, in slices of at most retention_deletes_per_txn_max batches, each slice
// one committed transaction that leaves a valid shorter log.
#include "storage/store_impl.h"
#include "tern/common/check.h"
#include "tern/common/record_batch.h"

namespace tern::storage {

void log_store::delete_records(log_id log, ids::offset offset,
                               std::function<void(std::error_code, ids::offset)> done) {
  auto* p = _impl.get();
  p->queue_task(
      [p, log, offset, done] {
        std::int64_t low_watermark = -1;
        auto ec = p->do_delete_records(log, offset.value(), low_watermark);
        if (done) done(ec, ids::offset{low_watermark});
      },
      [done](std::error_code ec) {
        if (done) done(ec, ids::no_offset);
      });
}

std::error_code log_store::impl::do_delete_records(log_id log, std::int64_t offset,
                                                   std::int64_t& low_watermark) {
  TERN_ASSERT(std::this_thread::get_id() == writer_id);
  if (sync_failed) return storage_errc::io_error;
  auto it = partitions.find(log);
  if (it == partitions.end()) return unknown_log_error(log);
  partition_state st = it->second.offsets;
  // What is committed (the high watermark in a cluster, the log end on one node): records above
  // it may still be replaced, so they cannot be deleted by offset.
  const std::int64_t committed = std::min(st.log_end, replication_limit(log, st));
  if (offset == -1) offset = committed;
  if (offset < 0 || offset > committed) return storage_errc::invalid_argument;
  for (;;) {
    txn_guard t;
    if (int rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) return map_mdb_error(rc);
    std::size_t budget = retention_deletes_per_txn_max;
    bool finished = true;
    // A batch that holds `offset` stays: only those wholly below it go.
    auto below = [offset](const record_batch::batch_header& h, std::int64_t base, std::uint64_t) {
      return base + h.last_offset_delta + 1 <= offset;
    };
    if (int rc = remove_front(t.txn, log, st, budget, finished, below)) return map_mdb_error(rc);
    if (budget != retention_deletes_per_txn_max) {
      std::size_t index_budget = retention_deletes_per_txn_max;
      if (int rc = trim_index(t.txn, log, st.log_start, index_budget)) return map_mdb_error(rc);
      if (int rc = write_partition_state(t.txn, log, st)) return map_mdb_error(rc);
      if (int rc = t.commit()) return map_mdb_error(rc);
      publish({{log, st}});
      unsynced_commits = true;
    }
    if (finished) break;
  }
  low_watermark = st.log_start;
  return {};
}

}  // namespace tern::storage
