#pragma once
// Fetch (api key 1), versions 4–13: request and response bodies (the frame after the header).
// v13 names every topic by its topic id (uuid) instead of its name, in requests, forgotten
// topics and responses alike; `topic` is then empty and `topic_id` set (and the other way round
// below v13).
//
//   request:  replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32,
//             isolation_level int8, session_id int32 (v7+), session_epoch int32 (v7+),
//             topics [topic string,
//                     partitions [partition int32, current_leader_epoch int32 (v9+),
//                                 fetch_offset int64, last_fetched_epoch int32 (v12+),
//                                 log_start_offset int64 (v5+), partition_max_bytes int32]],
//             forgotten_topics_data (v7+) [topic string, partitions [int32]],
//             rack_id string (v11+); tagged (v12+): cluster_id nullable string (tag 0)
//   response: throttle_time_ms int32, error_code int16 (v7+), session_id int32 (v7+),
//             responses [topic string,
//                        partitions [partition_index int32, error_code int16,
//                                    high_watermark int64, last_stable_offset int64,
//                                    log_start_offset int64 (v5+),
//                                    aborted_transactions nullable [producer_id int64,
//                                                                   first_offset int64],
//                                    preferred_read_replica int32 (v11+),
//                                    records nullable bytes;
//                                    tagged (v12+): diverging_epoch (tag 0) [epoch int32,
//                                    end_offset int64], current_leader (tag 1) [leader_id int32,
//                                    leader_epoch int32], snapshot_id (tag 2) [end_offset int64,
//                                    epoch int32]]]
//
// max_bytes (v3+), isolation_level, last_stable_offset and aborted_transactions (v4+) exist in
// every covered version. v4–11 are classic (int16/int32 lengths, no tags). v12 is the first
// flexible version: compact strings, arrays and records bytes (uvarint length+1) and a
// tagged-field section closing every structure (the tagged structs have their own). Tags are
// written only when set (std::optional); decode fills the ones above and skips unknown tags.
// v13+ (topic ids instead of names) is not covered.
//
// Zero-copy records. On encode, fetch_response::partition::record_batches is a list of spans —
// typically whole RecordBatches living in LMDB's memory map, not contiguous with each other. The
// encoder writes their total length (int32, or in v12 the uvarint total+1, both computed from
// the spans' sizes before any is written) and then hands each span to wire_writer::external():
// nothing is copied, and the caller must keep every span alive (the LMDB read transaction open)
// until the frame has been sent. records_null = true writes a null instead (length -1, or the
// uvarint 0; record_batches must then be empty); the default is a non-null, possibly empty, blob.
//
// On decode, the partition's records blob comes back as ONE view into the frame, stored as the
// single element of record_batches (no element at all when the blob is empty or null;
// records_null tells the two apart). That element is not split: it may hold several batches, and
// a broker may legally end it with a truncated batch (max_bytes cut it), so use
// record_batch::parse_header/validate per batch and stop at a short tail. Re-encoding a decoded
// response therefore gives the same bytes.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false — never throws or asserts — on malformed or truncated input
// (including an array count or records length that cannot fit in the bytes left, a null
// non-nullable array, a tagged field longer than the bytes left, and a known tagged struct whose
// size does not match its fields) and on a version outside the range; the struct is then only
// partly filled. decode() does not require the reader to be exhausted.
//
// Lifetimes: after decode(), fetch_response::partition::record_batches points INTO the reader's
// buffer and must not outlive that frame. After encode(), the writer references the
// record_batches spans (see above). Strings are owned copies.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"

namespace tern::kafka {

struct fetch_request {
  static constexpr api_key key = api_key::fetch;
  static constexpr std::int16_t min_version = 4;
  static constexpr std::int16_t max_version = 13;
  static constexpr std::int16_t first_flexible_version = 12;

  struct partition {
    std::int32_t partition = 0;
    std::int32_t current_leader_epoch = -1;  // v9+
    std::int64_t fetch_offset = 0;
    std::int64_t log_start_offset = -1;  // v5+; only followers set it
    std::int32_t partition_max_bytes = 0;
    // v12+: the epoch of the last batch the fetcher has (-1: unknown). Last here so that
    // positional initializers of the older fields keep their meaning.
    std::int32_t last_fetched_epoch = -1;
  };
  struct topic {
    std::string topic;  // v4–12
    std::vector<partition> partitions;
    std::array<std::uint8_t, 16> topic_id{};  // v13+
  };
  struct forgotten_topic {
    std::string topic;  // v4–12
    std::vector<std::int32_t> partitions;
    std::array<std::uint8_t, 16> topic_id{};  // v13+
  };

  std::int32_t replica_id = -1;  // -1 for consumers, the broker id for followers
  std::int32_t max_wait_ms = 0;
  std::int32_t min_bytes = 0;
  std::int32_t max_bytes = 0x7fffffff;
  std::int8_t isolation_level = 0;  // 0 read_uncommitted, 1 read_committed
  std::int32_t session_id = 0;      // v7+
  std::int32_t session_epoch = -1;  // v7+
  std::vector<topic> topics;
  std::vector<forgotten_topic> forgotten_topics_data;  // v7+
  std::string rack_id;                                 // v11+
  std::optional<std::string> cluster_id;               // v12+, tag 0; null is not written

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

struct fetch_response {
  static constexpr api_key key = api_key::fetch;
  static constexpr std::int16_t min_version = 4;
  static constexpr std::int16_t max_version = 13;
  static constexpr std::int16_t first_flexible_version = 12;

  struct aborted_transaction {
    std::int64_t producer_id = 0;
    std::int64_t first_offset = 0;
  };
  // The tagged structs of a v12+ partition (FetchResponse.json's EpochEndOffset,
  // LeaderIdAndEpoch and SnapshotId).
  struct epoch_end_offset {
    std::int32_t epoch = -1;
    std::int64_t end_offset = -1;
  };
  struct leader_id_and_epoch {
    std::int32_t leader_id = -1;
    std::int32_t leader_epoch = -1;
  };
  struct snapshot_ref {
    std::int64_t end_offset = -1;
    std::int32_t epoch = -1;
  };
  struct partition {
    std::int32_t partition_index = 0;
    std::int16_t error_code = 0;
    std::int64_t high_watermark = 0;
    std::int64_t last_stable_offset = -1;
    std::int64_t log_start_offset = -1;  // v5+
    // Nullable on the wire; defaults to present and empty.
    std::optional<std::vector<aborted_transaction>> aborted_transactions{std::in_place};
    std::int32_t preferred_read_replica = -1;  // v11+
    // Encode: spans written in order without copying. Decode: at most one view of the whole blob.
    std::vector<wire::bytes_view> record_batches;
    bool records_null = false;  // written and read as length -1 (v12: the uvarint 0)
    // v12+ tagged fields, written only when set. diverging_epoch (tag 0): the fetcher's log
    // diverges from the leader's at this epoch's end; current_leader (tag 1); snapshot_id
    // (tag 2, KRaft). Older versions neither write nor read them.
    std::optional<epoch_end_offset> diverging_epoch;
    std::optional<leader_id_and_epoch> current_leader;
    std::optional<snapshot_ref> snapshot_id;

    // Total bytes of record_batches: the records length on the wire.
    std::size_t records_size() const;
  };
  struct topic {
    std::string topic;  // v4–12
    std::vector<partition> partitions;
    std::array<std::uint8_t, 16> topic_id{};  // v13+
  };

  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = 0;  // v7+
  std::int32_t session_id = 0;  // v7+
  std::vector<topic> responses;

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r, std::int16_t version);
};

}  // namespace tern::kafka
