#pragma once
// The on-disk encoding of every key and value in the store (private to hub/storage).
//
// All integers are big-endian so that LMDB's default memcmp key order is numeric order:
//   log key       log id u32 ‖ base offset u64                 (12 bytes)
//   index_ts key  log id u32 ‖ timestamp u64 with sign bit flipped (12 bytes) → base offset u64
//   Schema 4 keeps each log's batches in a named database of its own, "log/" ‖ log id as 8 hex
//   digits, and its index_ts entries in "ts/" ‖ the same (keys unchanged: 4 redundant bytes per
//   entry buy unchanged range checks everywhere). Schemas 1-3 kept them in the shared databases
//   "log" and "index_ts"; open() moves them (migrate.cpp).
//   partitions    log id u32 → partition state (68 bytes: log start, log end, size, max timestamp,
//                 active tail base offset, tail bytes, tail start time, high watermark i64
//                 (-1 never set), latest leader epoch i32 (-1 none); schema 1 wrote the first
//                 32 bytes only, schema 2 the first 56, which still decode)
//   epochs        log id u32 ‖ leader epoch u64 → start offset u64 (the same 12-byte key layout
//                 as the log, so purges remove a deleted topic's entries with its batches)
//   topics        name → topic record (version u8, uuid[16], partition count i32, first log id
//                 u32, config count u32, then per config: key len u32, key, value len u32, value;
//                 version 2, for a topic that gained partitions after creation, then adds
//                 extent count u32, count × (first partition u32, first log id u32): the log ids
//                 of the added partitions, see topic_info; version 1 records have no extents)
//   producers     log id u32 ‖ producer id u64 → epoch i16, count u8, count × (first seq u32,
//                 last seq u32, base offset u64)
//   offsets       group len u16 ‖ group ‖ topic len u16 ‖ topic ‖ partition u32 → offset u64,
//                 leader epoch u32, commit time u64, metadata flag u8 (0 null), len u32, bytes
//   meta          ASCII keys (below) → small values; purge records are "purge/" ‖ first log id u32
//   The compaction cleaner (compaction.cpp) keeps three shared databases with the same 12-byte
//   keys (so purges remove a deleted topic's entries with its other keys):
//   cleaner_checkpoints  log id u32 ‖ 0 u64 → clean end offset u64 (missing: nothing is clean)
//   cleaner_keys         log id u32 ‖ key_hash u64 → offset u64, MDB_DUPSORT|MDB_DUPFIXED: one
//                        value per distinct key of that hash (a collision adds a value)
//   cleaner_tombstones   log id u32 ‖ batch max timestamp (sign-flipped, as index_ts) → offset
//                        u64, MDB_DUPSORT|MDB_DUPFIXED: clean tombstones waiting to expire
//   A schema-4 Tern without the cleaner opens such a dir and ignores them (their entries are
//   hints checked against the log before anything is removed; see compaction.cpp).
// Offsets are never negative, so storing them as u64 keeps their order. Flipping the sign bit of a
// two's-complement timestamp maps INT64_MIN..INT64_MAX onto 0..UINT64_MAX in order.
//
// Decoders read bytes that come from our own file, but a damaged or foreign file must still fail
// cleanly: every decoder bounds-checks and returns false instead of reading past the value.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/log_store.h"

namespace tern::storage {

// What the store keeps per partition, in memory and (encode_partition) on disk: the fields of
// partition_offsets as the plain integers they are stored as. The writer, retention, compaction
// and truncation do their arithmetic on these; log_store turns them into partition_offsets (the
// strong types of common/ids.h) where it reports them.
struct partition_state {
  std::int64_t log_start = 0;
  std::int64_t log_end = 0;
  std::uint64_t size_bytes = 0;
  std::int64_t max_timestamp = -1;
  std::int64_t segment_base = 0;
  std::uint64_t segment_bytes = 0;
  std::int64_t segment_start_ms = -1;
  std::int32_t last_epoch = -1;
  std::int64_t high_watermark = -1;
  bool high_watermark_set = false;

  partition_offsets reported() const {
    return {ids::offset{log_start}, ids::offset{log_end},          size_bytes,
            max_timestamp,          ids::offset{segment_base},     segment_bytes,
            segment_start_ms,       ids::leader_epoch{last_epoch}, ids::offset{high_watermark},
            high_watermark_set};
  }
};

}  // namespace tern::storage

namespace tern::storage::format {

// Bumped when the layout above changes incompatibly; a newer file is refused (schema_too_new).
// Schema 2 (active tail in the partition state) reads schema 1 files and marks them 2 on open.
// Schema 3 (high watermark and latest epoch in the partition state, the epochs database) reads
// schema 1 and 2 files as they are and marks them 3 on open; a schema-2 Tern then refuses the
// directory (schema_too_new) instead of failing on the longer partition states.
// Schema 4 (per-log databases) migrates schema 1-3 dirs on open: it marks the dir 4 with
// meta_migration = the old version first, so an older Tern refuses a half-moved dir, then moves
// the logs in bounded transactions (a crash resumes), then drops the shared databases.
// Topic records have a version byte of their own: version 2 (partitions added after creation) is
// written only for a topic that grew, without a schema bump, so a dir whose topics never grew
// stays readable by every schema-4 Tern; one that predates add_partitions refuses a dir holding
// a grown topic as damaged (io_error at open) rather than misreading its log ids.
constexpr std::uint32_t schema_version = 4;
constexpr std::string_view meta_migration = "migrating_from";  // u32: the schema being migrated

constexpr std::string_view meta_schema_version = "schema_version";  // u32
constexpr std::string_view meta_next_log_id = "next_log_id";        // u32
constexpr std::string_view meta_cluster_id = "cluster_id";          // 22 base64url characters
constexpr std::string_view meta_next_producer_id = "next_producer_id";  // u64
constexpr std::string_view meta_purge_prefix = "purge/";  // ‖ first log id u32 → count u32
// ‖ checkpoint name → hold count u32, count × (log id u32, offset u64), then the opaque value.
// (Schema 4 files written before checkpoints simply have none; an older Tern ignores the keys.)
constexpr std::string_view meta_checkpoint_prefix = "checkpoint/";

// Log ids start at 1 so that a default-constructed request (log 0) can never name a real log.
constexpr log_id first_log_id{1};
// The log id `n` after `log`: a topic's logs are consecutive, and passes walk logs in id order
// (unsigned: UINT32_MAX wraps to 0, which callers take as the end).
constexpr log_id log_after(log_id log, std::uint32_t n = 1) { return log_id{log.value() + n}; }

// Kafka's limits on topic names and our own limits on partitions and topic configs.
constexpr std::size_t topic_name_size_max = 249;
constexpr std::int32_t partition_count_max = 10000;
constexpr std::size_t config_count_max = 256;
constexpr std::size_t config_key_size_max = 255;
constexpr std::size_t config_value_size_max = 32 * 1024;

constexpr std::size_t key_size = 12;
constexpr std::size_t partition_state_size = 68;
constexpr std::size_t partition_state_size_v2 = 56;
constexpr std::size_t partition_state_size_v1 = 32;
using key_bytes = std::array<std::uint8_t, key_size>;

void put_u32(std::uint8_t* p, std::uint32_t v);
void put_u64(std::uint8_t* p, std::uint64_t v);
std::uint32_t get_u32(const std::uint8_t* p);
std::uint64_t get_u64(const std::uint8_t* p);

std::array<std::uint8_t, 4> log_id_key(log_id log);
// Key of the batch whose base offset is `offset` (offset >= 0).
key_bytes log_key(log_id log, std::int64_t offset);
// Key of the index_ts entry for running maximum timestamp `timestamp_ms`.
key_bytes ts_key(log_id log, std::int64_t timestamp_ms);
// Splits a 12-byte key; false when the size is wrong. `second` is the raw u64 part.
bool split_key(std::span<const std::uint8_t> key, log_id& log, std::uint64_t& second);
inline std::int64_t offset_of(std::uint64_t second) { return static_cast<std::int64_t>(second); }
inline std::int64_t timestamp_of(std::uint64_t second) {
  return static_cast<std::int64_t>(second ^ (1ull << 63));
}

// The partition state as stored: high_watermark is the raw checkpoint (-1: never set) and
// high_watermark_set is ignored; log_store turns it into the reported value.
std::array<std::uint8_t, partition_state_size> encode_partition(const partition_state& p);
bool decode_partition(std::span<const std::uint8_t> value, partition_state& out);

// Epoch table entries: key log_key(log, epoch) (epoch >= 0), value the start offset u64.
constexpr std::size_t epoch_value_size = 8;

std::vector<std::uint8_t> encode_topic(const topic_info& t);
// `name` is the key the record was stored under.
bool decode_topic(std::string_view name, std::span<const std::uint8_t> value, topic_info& out);

std::string purge_key(log_id first);

// Names of the cleaner's shared databases (see the table above).
constexpr const char* cleaner_checkpoints_db = "cleaner_checkpoints";
constexpr const char* cleaner_keys_db = "cleaner_keys";
constexpr const char* cleaner_tombstones_db = "cleaner_tombstones";
constexpr std::size_t cleaner_offset_size = 8;
// The record key hash stored in cleaner_keys: 64-bit FNV-1a with a final avalanche step. It is
// part of the file format: changing it makes every stored entry miss (harmless, see
// compaction.cpp, but the clean sections would no longer be compacted against new records).
std::uint64_t key_hash(std::span<const std::uint8_t> key);

// Names of the named databases holding one log's batches and index_ts entries (schema 4).
std::string log_db_name(log_id log);
std::string ts_db_name(log_id log);

// Kafka's rule: 1..249 characters of [a-zA-Z0-9._-], and not "." or "..".
bool valid_topic_name(std::string_view name);

}  // namespace tern::storage::format
