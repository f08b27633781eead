#include "tern/kafka/api_key.h"

#include <array>

namespace tern::kafka {
namespace {
// Ranges from DESIGN.md §4; flexible thresholds from the Kafka message schemas.
constexpr std::array<api_version_range, 31> all{{
    // Produce from v0: librdkafka before 2.11.1 enables gzip/snappy/lz4 only when Produce v0 is
    // advertised. v0–2 requests (MessageSet v0/v1) are answered UNSUPPORTED_FOR_MESSAGE_FORMAT.
    // v8 adds record_errors/error_message, v9 is flexible; v10/v11 (KIP-951 leader hints,
    // KIP-890 transactions) are not implemented.
    {api_key::produce, 0, 9, 9},
    // v12 is flexible (and carries last_fetched_epoch); v13 names topics by id (@platformatic/kafka
    // needs it). v14+ (KIP-405 tiered storage, KIP-951 leader hints) are not implemented.
    {api_key::fetch, 4, 13, 12},
    {api_key::list_offsets, 0, 7, 6},
    // Metadata v7+ carries each partition's leader epoch (cluster mode; -1 on a single node);
    // v10+ topic ids, v12 lookups by topic id.
    {api_key::metadata, 0, 12, 9},
    {api_key::api_versions, 0, 3, 3},
    // CreateTopics v7 returns the topic id; DeleteTopics v6 deletes by topic id.
    {api_key::create_topics, 0, 7, 5},
    {api_key::delete_topics, 0, 6, 4},
    // kafkajs deleteTopicRecords, librdkafka DeleteRecords, `tern delete-records`.
    {api_key::delete_records, 0, 2, 2},
    // kafka-topics --alter --partitions, kafkajs createPartitions, `tern topics --alter`.
    {api_key::create_partitions, 0, 3, 2},
    // Consumer groups and the idempotent producer. FindCoordinator v0 being advertised is also
    // what makes librdkafka < 2.11.1 enable lz4.
    {api_key::offset_commit, 0, 8, 8},
    {api_key::offset_fetch, 0, 8, 6},
    {api_key::find_coordinator, 0, 4, 3},
    {api_key::join_group, 0, 9, 6},
    {api_key::heartbeat, 0, 4, 4},
    {api_key::leave_group, 0, 5, 4},
    {api_key::sync_group, 0, 5, 4},
    {api_key::describe_groups, 0, 5, 5},
    {api_key::list_groups, 0, 4, 3},
    {api_key::init_producer_id, 0, 4, 2},
    {api_key::delete_groups, 0, 2, 2},
    // librdkafka DeleteConsumerGroupOffsets, kafka-consumer-groups --delete-offsets.
    {api_key::offset_delete, 0, 0, INT16_MAX},
    // Topic configuration admin (kafkajs describeConfigs/alterConfigs, librdkafka admin API).
    {api_key::describe_configs, 0, 4, 4},
    {api_key::alter_configs, 0, 2, 2},
    {api_key::incremental_alter_configs, 0, 1, 1},
    // SASL (SASL_SSL/SASL_PLAINTEXT listeners). SaslHandshake v0 must be advertised (librdkafka
    // 2.0.2 enables SASL only if the range covers v0) but v0 requests are answered
    // UNSUPPORTED_VERSION: raw SASL tokens after it are not implemented. librdkafka (>= 1.0) and
    // the Java client send v1, then SaslAuthenticate.
    {api_key::sasl_handshake, 0, 1, INT16_MAX},
    {api_key::sasl_authenticate, 0, 2, 2},
    // Replication: followers find their divergence point; librdkafka validates positions after a
    // leader change (KIP-320). DescribeQuorum for `tern cluster status` / kafka-metadata-quorum.
    {api_key::offset_for_leader_epoch, 0, 4, 4},
    {api_key::describe_quorum, 0, 1, 0},
    // KIP-700: admin clients list brokers and find the controller with it.
    {api_key::describe_cluster, 0, 1, 0},
    // Disk use per partition (kafka-log-dirs, admin UIs).
    {api_key::describe_log_dirs, 0, 4, 2},
    // The idempotent producers a partition remembers (KIP-664; kafka-transactions, admin UIs).
    {api_key::describe_producers, 0, 0, 0},
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
