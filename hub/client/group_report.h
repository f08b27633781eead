#pragma once
// The pure parts of `tern groups`: the rows of --describe, the plan of --reset-offsets, the
// --topic T[:p,p] argument, and kafka-consumer-groups' column layout. No I/O: group_admin.h
// gathers the inputs from the cluster, the CLI prints the outputs.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "client/topic_partition.h"

namespace tern::client {

// ---- Text tables ---------------------------------------------------------------------------

struct table_column {
  std::string header;
  std::size_t min_width = 0;
};

// One line per row after a header line: each column left-aligned and padded to the widest of its
// min_width, header and cells, columns separated by one space; the last column is not padded.
// Rows shorter than the header get empty cells. Every line ends with '\n'.
std::string format_table(const std::vector<table_column>& columns,
                         const std::vector<std::vector<std::string>>& rows);

// ---- --describe ----------------------------------------------------------------------------

// A member as DescribeGroups reports it, with its assignment decoded.
struct group_member_view {
  std::string member_id;
  std::string client_id;
  std::string client_host;
  std::vector<topic_partition> partitions;
};

// kafka-consumer-groups --describe's columns:
// GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID.
std::vector<table_column> describe_columns();

// The rows of --describe: one per partition that is assigned or has a committed offset, sorted by
// topic and partition, then one per member without partitions (topic/partition/offsets "-").
// CURRENT-OFFSET is the committed offset or "-"; LOG-END-OFFSET "-" when unknown; LAG is
// end - current, "-" unless both are known (never negative). A partition nobody owns shows "-"
// as CONSUMER-ID, HOST and CLIENT-ID.
std::vector<std::vector<std::string>> describe_rows(
    const std::string& group, const std::vector<group_member_view>& members,
    const std::map<topic_partition, std::int64_t>& committed,
    const std::map<topic_partition, std::int64_t>& log_end);

// ---- --reset-offsets -----------------------------------------------------------------------

enum class reset_kind { to_earliest, to_latest, to_offset, shift_by };

struct reset_spec {
  reset_kind kind = reset_kind::to_latest;
  std::int64_t value = 0;  // the offset (to_offset) or the delta (shift_by)
};

struct offset_bounds {
  std::int64_t earliest = 0;  // log start offset
  std::int64_t latest = 0;    // log end offset (the next offset to be written)
};

struct planned_offset {
  topic_partition partition;
  std::int64_t new_offset = 0;
};

// Plans a reset as kafka-consumer-groups does: to_offset and shift_by (current committed + delta)
// are clamped into [earliest, latest], each clamp adding a warning sentence. Fails (false + a
// sentence) when a partition has no bounds, or for shift_by when it has no committed offset.
// `plan` follows the order of `partitions`.
bool plan_offset_reset(const std::vector<topic_partition>& partitions, const reset_spec& spec,
                       const std::map<topic_partition, std::int64_t>& committed,
                       const std::map<topic_partition, offset_bounds>& bounds,
                       std::vector<planned_offset>& plan, std::vector<std::string>& warnings,
                       std::string& error);

// GROUP TOPIC PARTITION NEW-OFFSET, as kafka-consumer-groups prints a reset.
std::vector<table_column> reset_columns();
std::vector<std::vector<std::string>> reset_rows(const std::string& group,
                                                 const std::vector<planned_offset>& plan);

// Parses --topic's "T" (every partition: `partitions` left empty) or "T:0,2" (those partitions,
// sorted, duplicates removed). false + a sentence if malformed.
bool parse_topic_argument(const std::string& text, std::string& topic,
                          std::vector<std::int32_t>& partitions, std::string& error);

}  // namespace tern::client
