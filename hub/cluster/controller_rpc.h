#pragma once
// The messages brokers exchange with the controller (the quorum leader) over the quorum's
// application-message channel (quorum::send_message): Kafka's BrokerRegistration/BrokerHeartbeat,
// the admin requests a broker forwards (CreateTopics, DeleteTopics, config changes), and
// AlterPartition (a partition leader asking for an ISR change). Each is one envelope:
//
//   kind u8, correlation_id u64, then the kind's body (big-endian, classic Kafka strings).
//
// Responses carry the request's correlation id and a cluster_errc value (0 = success).
//
// Compatibility: the envelope has no version, so brokers and controllers must run the same
// build. A create_topics_response ends with the topic ids of its results (an array after the
// results, one id per result, added for CreateTopics v7): a build without it cannot read it.
//
// Errors: decode() returns false on anything malformed or truncated (and on counts over the
// limits below); it never throws or asserts. Decoded structs own their strings.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/metadata_records.h"

namespace tern::cluster::rpc {

using uuid = uuid16;

enum class kind : std::uint8_t {
  heartbeat_request = 1,
  heartbeat_response,
  create_topics_request,
  create_topics_response,
  delete_topics_request,
  delete_topics_response,
  alter_configs_request,
  alter_configs_response,
  alter_partition_request,
  alter_partition_response,
};

inline constexpr std::size_t topics_per_request_max = 1000;
inline constexpr std::size_t configs_per_topic_max = 256;
// endpoints_max and replicas_max are the metadata records' (metadata_records.h).

// A broker's registration and liveness in one message (sent every broker.heartbeat.interval.ms):
// the controller registers it (again) when the incarnation or data dir differs from what the
// metadata holds, and unfences it once registered.
struct heartbeat_request {
  std::int32_t node_id = 0;
  uuid incarnation_id{};
  uuid data_dir_id{};
  bool role_broker = true;
  std::vector<endpoint> endpoints;
  bool want_shutdown = false;  // controlled shutdown: move my leaderships away
};
struct heartbeat_response {
  std::int16_t error = 0;
  std::int64_t broker_epoch = -1;
  bool fenced = true;
  bool shutdown_ready = false;  // no partition is led by this broker any more
};

struct create_topic {
  std::string name;
  std::int32_t partitions = 1;
  std::int16_t replication_factor = 1;
  std::map<std::string, std::string> configs;
  // Explicit assignment (CreateTopics' assignments): replicas per partition; empty = placed.
  std::vector<std::vector<std::int32_t>> assignments;
};
struct create_topics_request {
  std::vector<create_topic> topics;
  bool validate_only = false;
};
struct topic_result {
  std::string name;
  std::int16_t error = 0;
  std::string message;
  uuid topic_id{};  // create_topics_response only: the created topic's id (zero on error)
};
struct create_topics_response {
  std::vector<topic_result> results;
};

struct delete_topics_request {
  std::vector<std::string> names;
};
struct delete_topics_response {
  std::vector<topic_result> results;
};

// Replaces a topic's config overrides (validated by the forwarding broker).
struct alter_configs_request {
  std::string name;
  std::map<std::string, std::string> configs;
};
struct alter_configs_response {
  std::int16_t error = 0;
  std::string message;
};

struct alter_partition_request {
  std::int32_t leader_id = 0;
  std::int64_t broker_epoch = 0;
  uuid topic_id{};
  std::int32_t partition = 0;
  std::int32_t leader_epoch = 0;
  std::int32_t partition_epoch = 0;
  std::vector<std::int32_t> new_isr;
};
struct alter_partition_response {
  std::int16_t error = 0;
};

// One decoded envelope. Exactly the member named by `type` is meaningful.
struct envelope {
  kind type = kind::heartbeat_request;
  std::uint64_t correlation_id = 0;
  heartbeat_request heartbeat_req;
  heartbeat_response heartbeat_resp;
  create_topics_request create_req;
  create_topics_response create_resp;
  delete_topics_request delete_req;
  delete_topics_response delete_resp;
  alter_configs_request alter_configs_req;
  alter_configs_response alter_configs_resp;
  alter_partition_request alter_partition_req;
  alter_partition_response alter_partition_resp;
};

std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const heartbeat_request& m);
std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const heartbeat_response& m);
std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const create_topics_request& m);
std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const create_topics_response& m);
std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const delete_topics_request& m);
std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const delete_topics_response& m);
std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const alter_configs_request& m);
std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const alter_configs_response& m);
std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const alter_partition_request& m);
std::vector<std::uint8_t> encode(std::uint64_t correlation_id, const alter_partition_response& m);

bool decode(std::span<const std::uint8_t> bytes, envelope& out);

}  // namespace tern::cluster::rpc
