#pragma once
// Kafka RecordBatch v2 ("magic 2"): parse and validate batches as received, rewrite the base
// offset in place (the CRC does not cover it), decode records, and build batches.
//
// Layout (all big-endian): baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 |
// crc u32 (CRC32C of everything after it) | attributes i16 | lastOffsetDelta i32 |
// baseTimestamp i64 | maxTimestamp i64 | producerId i64 | producerEpoch i16 | baseSequence i32 |
// recordCount i32 | records...
//
// Errors are std::error_code values of record_batch_errc (plus compression_errc from the
// functions that (de)compress). Views returned here point into the caller's buffer and live as
// long as it does.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "tern/common/compression.h"

namespace tern::record_batch {

using bytes_view = std::span<const std::uint8_t>;

enum class record_batch_errc {
  truncated = 1,        // fewer bytes than the header or batchLength says
  unsupported_magic,    // not a v2 batch
  crc_mismatch,         // CRC32C over attributes..end differs from the stored one
  bad_length,           // batchLength too small or a record's length runs past the batch
  bad_record,           // a record's fields do not parse or do not fill its length
  count_mismatch,       // recordCount / lastOffsetDelta disagree with the records, or
                        // baseOffset + lastOffsetDelta is past the largest int64
  compressed,           // records are compressed; this decoder does not inflate them
};
const std::error_category& record_batch_category();
inline std::error_code make_error_code(record_batch_errc e) {
  return {static_cast<int>(e), record_batch_category()};
}

enum class compression : std::uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

constexpr std::size_t header_size = 61;
constexpr std::size_t length_prefix_size = 12;  // baseOffset + batchLength
constexpr std::size_t crc_offset = 17;
constexpr std::size_t attributes_offset = 21;

struct batch_header {
  std::int64_t base_offset = 0;
  std::int32_t batch_length = 0;
  std::int32_t partition_leader_epoch = -1;
  std::int8_t magic = 2;
  std::uint32_t crc = 0;
  std::int16_t attributes = 0;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp = 0;
  std::int64_t max_timestamp = 0;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  std::int32_t record_count = 0;

  compression codec() const { return static_cast<compression>(attributes & 0x07); }
  bool log_append_time() const { return attributes & 0x08; }
  bool transactional() const { return attributes & 0x10; }
  bool control() const { return attributes & 0x20; }
  std::size_t total_size() const { return length_prefix_size + static_cast<std::size_t>(batch_length); }
  std::int64_t last_offset() const { return base_offset + last_offset_delta; }
};

// Reads the fixed header. Fails with truncated/unsupported_magic/bad_length; does not check CRC.
std::error_code parse_header(bytes_view data, batch_header& out);

// Full validation of one batch occupying exactly `batch` (header, CRC, and for uncompressed
// batches every record's framing, count and offset deltas).
std::error_code validate(bytes_view batch, batch_header& out);

// Splits a Produce `records` blob into whole batches, validating each. A trailing partial batch
// is an error (truncated); an empty blob yields no batches.
std::error_code split(bytes_view records, std::vector<bytes_view>& batches);

// Rewrites baseOffset in place. The CRC does not cover it, so no recomputation is needed.
void set_base_offset(std::span<std::uint8_t> batch, std::int64_t base_offset);
// Rewrites partitionLeaderEpoch in place (also outside the CRC).
void set_partition_leader_epoch(std::span<std::uint8_t> batch, std::int32_t epoch);

// The CreateTime of a batch's records as they are, not as its header claims: the smallest and
// largest baseTimestamp + timestampDelta. A broker recomputes maxTimestamp from them (producers
// may leave it at -1, which is legal) so that retention, compaction lag and the time index use
// the records' real times. A batch without records has min = max = baseTimestamp.
struct timestamp_range {
  std::int64_t min = 0;
  std::int64_t max = 0;
};

// Reads the timestamps of every record of `batch` (whose header is `h`), inflating a compressed
// batch into `scratch` (cleared first; at most decompressed_size_max bytes). Walks only the
// records' framing and timestampDelta; no allocation for uncompressed batches.
// @return {} and `out`; record_batch_errc bad_length/bad_record/count_mismatch for records that
//         do not parse (a compressed batch's records are checked here for the first time);
//         compression_errc unsupported_codec, corrupt, too_large, internal.
std::error_code record_timestamps(bytes_view batch, const batch_header& h,
                                  std::vector<std::uint8_t>& scratch,
                                  std::size_t decompressed_size_max, timestamp_range& out);

// Rewrites maxTimestamp and the timestamp type bit of the attributes (LogAppendTime when
// `log_append_time`) in place and recomputes the CRC32C, which covers both. Precondition
// (asserted): `batch` holds one whole batch.
void set_max_timestamp(std::span<std::uint8_t> batch, std::int64_t max_timestamp, bool log_append_time);

struct header {
  std::string key;
  std::optional<bytes_view> value;
};

struct record {
  std::int64_t offset = 0;
  std::int64_t timestamp = 0;
  std::optional<bytes_view> key;
  std::optional<bytes_view> value;
  std::vector<header> headers;
};

// Decodes the records of an uncompressed batch (compressed → errc::compressed).
// For a LogAppendTime batch every record's timestamp is the batch's maxTimestamp (as Kafka
// reports it); otherwise baseTimestamp + the record's timestampDelta (saturating at the int64
// bounds, as record_timestamps() does).
std::error_code decode_records(bytes_view batch, std::vector<record>& out);

// Decodes the records of a batch, compressed or not, APPENDING them to `out`. The CRC is not
// checked (validate() does that); the records are checked as validate() checks uncompressed ones:
// framing, recordCount, offset deltas increasing and within lastOffsetDelta.
// @param[in]  batch    one whole batch (trailing bytes past batchLength are ignored)
// @param[out] out      receives the records
// @param[out] scratch  cleared, then holds the decompressed records of a compressed batch
// @param[in]  decompressed_size_max  limit on the decompressed size of the records
// Lifetime: record views point into `batch` (uncompressed) or `scratch` (compressed) and stay
// valid while both live and `scratch` is not modified — so decoding the next batch needs another
// scratch if the records of this one are still in use.
// @return {} on success; record_batch_errc truncated/unsupported_magic/bad_length/bad_record/
//         count_mismatch; compression_errc unsupported_codec (attribute codec 5-7),
//         corrupt, too_large (over decompressed_size_max), internal.
std::error_code decode_records(bytes_view batch, std::vector<record>& out,
                               std::vector<std::uint8_t>& scratch, std::size_t decompressed_size_max);

// Appends to `out` a new v2 batch holding `kept` (records decoded from the batch `original`
// describes, e.g. the ones compaction keeps). From `original` it keeps baseOffset,
// partitionLeaderEpoch, attributes (codec, timestamp type, transactional and control bits),
// lastOffsetDelta (the batch still spans the same offsets, as Kafka keeps it for idempotent
// producers), baseTimestamp, maxTimestamp, producerId/Epoch and baseSequence. Each record keeps
// its offset, timestamp, key, value and headers (deltas are taken against the original base
// offset and base timestamp); recordCount = kept.size(); the records are compressed with the
// original codec (`options` tunes it) and the CRC32C is computed anew. For a LogAppendTime
// batch decode reports maxTimestamp for every record whatever its delta, so decoding the result
// gives the same records again.
// Preconditions (asserted): kept is non-empty; offsets strictly increase and lie within
// [original.base_offset, original.last_offset()].
// @return {} on success (out grew by one batch); on error out is unchanged:
//         compression_errc unsupported_codec (original codec 5-7), too_large (records over
//         2 GiB), internal.
std::error_code rebuild(const batch_header& original, std::span<const record> kept,
                        std::vector<std::uint8_t>& out, const ::tern::compression::compress_options& options = {});

// Builds uncompressed v2 batches. Timestamps are CreateTime in milliseconds.
class batch_builder {
 public:
  struct options {
    std::int64_t base_offset = 0;
    std::int64_t producer_id = -1;
    std::int16_t producer_epoch = -1;
    std::int32_t base_sequence = -1;
    std::int32_t partition_leader_epoch = -1;
  };
  explicit batch_builder(options opts) : _opts(opts) {}
  batch_builder() : batch_builder(options{}) {}

  void add(std::int64_t timestamp_ms, std::optional<bytes_view> key, std::optional<bytes_view> value,
           const std::vector<header>& headers = {});
  std::size_t record_count() const { return _count; }
  // Encoded size of the batch if built now.
  std::size_t size_bytes() const { return header_size + _records.size(); }
  // Appends the finished batch to out and resets the builder for the next batch.
  void build(std::vector<std::uint8_t>& out);

 private:
  options _opts;
  std::vector<std::uint8_t> _records;
  std::int32_t _count = 0;
  std::int64_t _base_timestamp = 0;
  std::int64_t _max_timestamp = 0;
};

}  // namespace tern::record_batch

template <>
struct std::is_error_code_enum<tern::record_batch::record_batch_errc> : std::true_type {};
