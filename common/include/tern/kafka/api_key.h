#pragma once
// Kafka API keys and the version ranges Tern advertises (DESIGN.md §4). The hub's ApiVersions
// answer and its dispatcher both read this one table.
#include <cstdint>
#include <optional>
#include <span>

namespace tern::kafka {

enum class api_key : std::int16_t {
  produce = 0,
  fetch = 1,
  list_offsets = 2,
  metadata = 3,
  offset_commit = 8,
  offset_fetch = 9,
  find_coordinator = 10,
  join_group = 11,
  heartbeat = 12,
  leave_group = 13,
  sync_group = 14,
  describe_groups = 15,
  list_groups = 16,
  sasl_handshake = 17,
  api_versions = 18,
  create_topics = 19,
  delete_topics = 20,
  delete_records = 21,
  init_producer_id = 22,
  offset_for_leader_epoch = 23,
  describe_log_dirs = 35,
  describe_configs = 32,
  alter_configs = 33,
  sasl_authenticate = 36,
  create_partitions = 37,
  delete_groups = 42,
  offset_delete = 47,
  incremental_alter_configs = 44,
  describe_quorum = 55,
  describe_cluster = 60,
  describe_producers = 61,
};

struct api_version_range {
  api_key key;
  std::int16_t min_version;
  std::int16_t max_version;
  // First version that uses flexible (compact + tagged field) encoding; INT16_MAX if none here.
  std::int16_t first_flexible_version;
};

// The APIs this build implements; the hub advertises exactly these.
std::span<const api_version_range> supported_apis();
std::optional<api_version_range> find_api(std::int16_t key);

// Request header version for (key, version): 1 for classic, 2 for flexible. Response header:
// 0 classic, 1 flexible — except ApiVersions, whose response header is always v0.
std::int16_t request_header_version(api_key key, std::int16_t version);
std::int16_t response_header_version(api_key key, std::int16_t version);
bool is_flexible(api_key key, std::int16_t version);

}  // namespace tern::kafka
