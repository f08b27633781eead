#pragma once
// Kafka's offset JSON file, as kafka-delete-records --offset-json-file reads it:
//   {"partitions": [{"topic": "t", "partition": 0, "offset": 10}, ...], "version": 1}
// `tern delete-records --offset-json-file FILE` takes the same file. There is no JSON library in
// the build (nlohmann-json is not a bookworm package we install), so this is a small strict JSON
// reader (RFC 8259: objects, arrays, strings with escapes, numbers, true/false/null) plus the
// format's checks, as Kafka's DeleteRecordsCommand makes them:
// - "version" is optional and must be 1; "partitions" is required and is an array (it may be
//   empty: then there is nothing to do);
// - each entry is an object with "topic" (a non-empty string), "partition" (an integer >= 0) and
//   "offset" (an integer >= -1; -1 = the high watermark); other keys are ignored, as Kafka does;
// - the same topic-partition twice is an error (Kafka: "duplicate topic partitions").
//
// Errors: the parse functions return false and fill `error` with the cause and where it is (line
// and column for malformed JSON, "partitions[2].offset" for a wrong field); `out` is then
// unspecified and must not be used. Nothing here does I/O except parse_offset_json_file, which
// also fails (with the path and errno's text) when the file cannot be read. Inputs larger than
// offset_json_bytes_max are refused before parsing, and nesting deeper than
// offset_json_depth_max is an error, so a hostile file costs bounded memory and stack.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::cli {

inline constexpr std::size_t offset_json_bytes_max = 16u << 20;
inline constexpr int offset_json_depth_max = 32;

struct partition_offset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;  // first offset to keep; -1 = the high watermark

  bool operator==(const partition_offset&) const = default;
};

// Parses the text of an offset JSON file into its entries, in file order.
bool parse_offset_json(std::string_view text, std::vector<partition_offset>& out,
                       std::string& error);

// Reads `path` and parses it; errors name the path.
bool parse_offset_json_file(const std::string& path, std::vector<partition_offset>& out,
                            std::string& error);

}  // namespace tern::cli
