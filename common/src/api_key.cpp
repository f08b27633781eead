#include "tern/kafka/api_key.h"

#include <array>

namespace tern::kafka {
namespace {
// Ranges from DESIGN.md §4; flexible thresholds from the Kafka message schemas. Later issues
// (groups, idempotence) add rows here as their handlers land.
constexpr std::array<api_version_range, 7> all{{
    // Produce from v0: librdkafka before 2.11.1 enables gzip/snappy/lz4 only when Produce v0 is
    // advertised. v0–2 requests (MessageSet v0/v1) are answered UNSUPPORTED_FOR_MESSAGE_FORMAT.
    {api_key::produce, 0, 7, 9},
    {api_key::fetch, 4, 11, 12},
    {api_key::list_offsets, 0, 3, 6},
    {api_key::metadata, 0, 6, 9},
    {api_key::api_versions, 0, 3, 3},
    {api_key::create_topics, 0, 4, 5},
    {api_key::delete_topics, 0, 1, 4},
}};
}  // namespace

std::span<const api_version_range> supported_apis() { return all; }

std::optional<api_version_range> find_api(std::int16_t key) {
  for (auto r : all)
    if (static_cast<std::int16_t>(r.key) == key) return r;
  return std::nullopt;
}

bool is_flexible(api_key key, std::int16_t version) {
  auto r = find_api(static_cast<std::int16_t>(key));
  return r && version >= r->first_flexible_version;
}

std::int16_t request_header_version(api_key key, std::int16_t version) {
  return is_flexible(key, version) ? 2 : 1;
}

std::int16_t response_header_version(api_key key, std::int16_t version) {
  if (key == api_key::api_versions) return 0;
  return is_flexible(key, version) ? 1 : 0;
}
}  // namespace tern::kafka
