// `tern topics`: create, list, describe, alter (configs, partition count) and delete topics, with
// kafka-topics' flags and output. Config changes go through IncrementalAlterConfigs (SET / DELETE
// per key), partition counts through CreatePartitions.
#include <algorithm>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "tern/common/uuid.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/create_partitions.h"
#include "tern/kafka/messages/create_topics.h"
#include "tern/kafka/messages/delete_topics.h"
#include "tern/kafka/messages/config_resource.h"
#include "tern/kafka/messages/describe_configs.h"
#include "tern/kafka/messages/incremental_alter_configs.h"

namespace tern::cli {
namespace {
constexpr const char* cmd = "topics";

std::string error_name(std::int16_t code) {
  return std::string(kafka::to_string(static_cast<kafka::error_code>(code)));
}

std::string join(const std::vector<std::int32_t>& ids) {
  std::string s;
  for (auto id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

int create(client::cluster_client& client, const cxxopts::ParseResult& opts) {
  kafka::create_topics_request request;
  kafka::create_topics_request::topic topic;
  topic.name = opts["topic"].as<std::string>();
  topic.num_partitions = opts.count("partitions") ? opts["partitions"].as<std::int32_t>() : -1;
  topic.replication_factor =
      opts.count("replication-factor") ? static_cast<std::int16_t>(opts["replication-factor"].as<int>()) : -1;
  std::map<std::string, std::string> configs;
  std::string error;
  if (opts.count("config") && !parse_properties(opts["config"].as<std::vector<std::string>>(), configs, error))
    return fail(cmd, "--config " + error);
  for (auto& [k, v] : configs) topic.configs.push_back({k, v});
  request.topics.push_back(topic);
  request.timeout_ms = 30000;
  kafka::metadata_response md;
  if (auto ec = client.metadata(std::vector<std::string>{}, false, md)) return fail(cmd, client.describe(-1, ec));
  client::kafka_connection* conn = nullptr;
  if (auto ec = client.connection_to(client.controller_id(), conn))
    return fail(cmd, client.describe(client.controller_id(), ec));
  auto version = conn->version_for(kafka::api_key::create_topics);
  kafka::create_topics_response response;
  if (auto ec = conn->call(request, version, response)) return fail(cmd, client.describe(client.controller_id(), ec));
  for (const auto& t : response.topics) {
    if (t.error_code == kafka::wire(kafka::error_code::topic_already_exists) && opts.count("if-not-exists")) continue;
    if (t.error_code != 0)
      return fail(cmd, "cannot create topic '" + t.name + "': " + error_name(t.error_code) +
                           (t.error_message ? " (" + *t.error_message + ")" : ""));
  }
  std::cout << "Created topic " << topic.name << ".\n";
  return 0;
}

int list(client::cluster_client& client) {
  kafka::metadata_response md;
  if (auto ec = client.metadata(std::nullopt, false, md)) return fail(cmd, client.describe(-1, ec));
  std::vector<std::string> names;
  for (const auto& t : md.topics) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) std::cout << n << "\n";
  return 0;
}

// "k=v,k2=v2" of each topic's overrides (every effective value with `all`), by DescribeConfigs.
// Topics the broker could not describe get no entry; a broker without DescribeConfigs, none.
std::map<std::string, std::string> topic_configs(client::cluster_client& client,
                                                 const std::vector<std::string>& topics, bool all) {
  std::map<std::string, std::string> out;
  auto& conn = client.bootstrap_connection();
  auto version = conn.version_for(kafka::api_key::describe_configs);
  if (version < 0 || topics.empty()) return out;
  kafka::describe_configs_request request;
  for (const auto& t : topics)
    request.resources.push_back({kafka::wire(kafka::config_resource_type::topic), t, std::nullopt});
  kafka::describe_configs_response response;
  if (conn.call(request, version, response)) return out;
  for (const auto& r : response.results) {
    if (r.error_code != 0) continue;
    std::string text;
    for (const auto& c : r.configs) {
      bool overridden = version == 0 ? !c.is_default
                                     : c.config_source == kafka::wire(kafka::config_source::dynamic_topic_config);
      if (!all && !overridden) continue;
      text += (text.empty() ? "" : ",") + c.name + "=" + c.value.value_or("");
    }
    out[r.resource_name] = text;
  }
  return out;
}

// --alter --partitions N: CreatePartitions to the controller (where kafka-topics sends it too).
// Existing partitions keep their data; keys hashed over the count move, which kafka-topics warns
// about in the same words.
int add_partitions(client::cluster_client& client, const std::string& topic, std::int32_t count) {
  std::cout << "WARNING: If partitions are increased for a topic that has a key, the partition logic "
               "or ordering of the messages will be affected\n";
  kafka::create_partitions_request request;
  request.topics.push_back({topic, count, std::nullopt});
  request.timeout_ms = 30000;
  kafka::metadata_response md;
  if (auto ec = client.metadata(std::vector<std::string>{}, false, md)) return fail(cmd, client.describe(-1, ec));
  client::kafka_connection* conn = nullptr;
  if (auto ec = client.connection_to(client.controller_id(), conn))
    return fail(cmd, client.describe(client.controller_id(), ec));
  auto version = conn->version_for(kafka::api_key::create_partitions);
  if (version < 0) return fail(cmd, "the broker does not support CreatePartitions");
  kafka::create_partitions_response response;
  if (auto ec = conn->call(request, version, response)) return fail(cmd, client.describe(client.controller_id(), ec));
  for (const auto& r : response.results) {
    if (r.error_code == kafka::wire(kafka::error_code::unknown_topic_or_partition))
      return fail(cmd, "topic '" + r.name + "' does not exist");
    if (r.error_code != 0)
      return fail(cmd, "cannot change the partition count of topic '" + r.name + "': " + error_name(r.error_code) +
                           (r.error_message ? " (" + *r.error_message + ")" : ""));
  }
  std::cout << "Adding partitions succeeded!\n";
  return 0;
}

int alter(client::cluster_client& client, const cxxopts::ParseResult& opts) {
  const std::string topic = opts["topic"].as<std::string>();
  const bool partitions = opts.count("partitions") > 0;
  if (partitions && !opts.count("config") && !opts.count("delete-config"))
    return add_partitions(client, topic, opts["partitions"].as<std::int32_t>());
  kafka::incremental_alter_configs_request request;
  kafka::incremental_alter_configs_request::resource resource;
  resource.resource_type = kafka::wire(kafka::config_resource_type::topic);
  resource.resource_name = topic;
  std::map<std::string, std::string> configs;
  std::string error;
  if (opts.count("config") && !parse_properties(opts["config"].as<std::vector<std::string>>(), configs, error))
    return fail(cmd, "--config " + error);
  for (auto& [k, v] : configs)
    resource.configs.push_back({k, kafka::wire(kafka::config_operation::set), v});
  if (opts.count("delete-config"))
    for (const auto& k : opts["delete-config"].as<std::vector<std::string>>())
      resource.configs.push_back({k, kafka::wire(kafka::config_operation::delete_), std::nullopt});
  if (resource.configs.empty())
    return fail(cmd, "--alter needs --partitions N, --config k=v or --delete-config k"), 2;
  request.resources.push_back(resource);
  auto& conn = client.bootstrap_connection();
  auto version = conn.version_for(kafka::api_key::incremental_alter_configs);
  if (version < 0) return fail(cmd, "the broker does not support IncrementalAlterConfigs");
  kafka::incremental_alter_configs_response response;
  if (auto ec = conn.call(request, version, response)) return fail(cmd, client.describe(-1, ec));
  for (const auto& r : response.responses) {
    if (r.error_code == kafka::wire(kafka::error_code::unknown_topic_or_partition))
      return fail(cmd, "topic '" + r.resource_name + "' does not exist");
    if (r.error_code != 0)
      return fail(cmd, "cannot alter the configs of topic '" + r.resource_name + "': " + error_name(r.error_code) +
                           (r.error_message ? " (" + *r.error_message + ")" : ""));
  }
  std::cout << "Updated the configs of topic " << topic << ".\n";
  // Both at once: configs first, then the partition count, as kafka-topics does.
  if (partitions) return add_partitions(client, topic, opts["partitions"].as<std::int32_t>());
  return 0;
}

int describe(client::cluster_client& client, const cxxopts::ParseResult& opts) {
  std::optional<std::vector<std::string>> wanted;
  if (opts.count("topic")) wanted = std::vector<std::string>{opts["topic"].as<std::string>()};
  kafka::metadata_response md;
  if (auto ec = client.metadata(wanted, false, md)) return fail(cmd, client.describe(-1, ec));
  auto topics = md.topics;
  std::sort(topics.begin(), topics.end(), [](auto& a, auto& b) { return a.name < b.name; });
  std::vector<std::string> names;
  for (const auto& t : topics)
    if (t.error_code == 0) names.push_back(t.name);
  auto configs = topic_configs(client, names, opts.count("all-configs") > 0);
  for (const auto& t : topics) {
    if (t.error_code == kafka::wire(kafka::error_code::unknown_topic_or_partition))
      return fail(cmd, "topic '" + t.name + "' does not exist");
    if (t.error_code != 0) return fail(cmd, "cannot describe topic '" + t.name + "': " + error_name(t.error_code));
    std::size_t replication = t.partitions.empty() ? 0 : t.partitions.front().replica_nodes.size();
    // kafka-topics prints the id between the name and the count; a broker below Metadata v10
    // sends none (all zero), and then neither do we.
    std::cout << "Topic: " << t.name;
    if (std::any_of(t.topic_id.begin(), t.topic_id.end(), [](std::uint8_t b) { return b != 0; }))
      std::cout << "\tTopicId: " << uuid_text(t.topic_id);
    std::cout << "\tPartitionCount: " << t.partitions.size()
              << "\tReplicationFactor: " << replication;
    if (auto c = configs.find(t.name); c != configs.end()) std::cout << "\tConfigs: " << c->second;
    std::cout << "\n";
    auto parts = t.partitions;
    std::sort(parts.begin(), parts.end(), [](auto& a, auto& b) { return a.partition_index < b.partition_index; });
    for (const auto& p : parts) {
      std::cout << "\tTopic: " << t.name << "\tPartition: " << p.partition_index << "\tLeader: " << p.leader_id
                << "\tReplicas: " << join(p.replica_nodes) << "\tIsr: " << join(p.isr_nodes) << "\n";
    }
  }
  return 0;
}

int remove(client::cluster_client& client, const cxxopts::ParseResult& opts) {
  kafka::delete_topics_request request;
  // Both lists of the schema: the negotiated version writes topic_names (v0-5) or topics (v6).
  request.topic_names = {opts["topic"].as<std::string>()};
  request.topics = {{opts["topic"].as<std::string>(), {}}};
  request.timeout_ms = 30000;
  kafka::metadata_response md;
  if (auto ec = client.metadata(std::vector<std::string>{}, false, md)) return fail(cmd, client.describe(-1, ec));
  client::kafka_connection* conn = nullptr;
  if (auto ec = client.connection_to(client.controller_id(), conn))
    return fail(cmd, client.describe(client.controller_id(), ec));
  kafka::delete_topics_response response;
  if (auto ec = conn->call(request, conn->version_for(kafka::api_key::delete_topics), response))
    return fail(cmd, client.describe(client.controller_id(), ec));
  for (const auto& r : response.responses) {
    if (r.error_code == kafka::wire(kafka::error_code::unknown_topic_or_partition))
      return fail(cmd, "topic '" + r.name + "' does not exist");
    if (r.error_code != 0) return fail(cmd, "cannot delete topic '" + r.name + "': " + error_name(r.error_code));
  }
  return 0;
}
}  // namespace

int run_topics(int argc, char** argv) {
  cxxopts::Options options("tern topics", "Create, list, describe and delete topics (like kafka-topics)");
  options.add_options()
      ("bootstrap-server", "broker to connect to, host:port[,host:port]",
       cxxopts::value<std::string>()->default_value("127.0.0.1:9092"))
      ("create", "create a topic")("list", "list topics")("describe", "describe topics")
      ("delete", "delete a topic")
      ("alter", "change a topic's configs (--config / --delete-config) or partition count (--partitions)")
      ("topic", "topic name", cxxopts::value<std::string>())
      ("partitions", "partition count (create; alter: the new, higher total)", cxxopts::value<std::int32_t>())
      ("replication-factor", "replicas per partition (create)", cxxopts::value<int>())
      ("config", "topic config key=value (create, alter; repeatable)", cxxopts::value<std::vector<std::string>>())
      ("delete-config", "topic config to reset to its default (alter; repeatable)",
       cxxopts::value<std::vector<std::string>>())
      ("all-configs", "with --describe: every effective config, not only the overrides")
      ("if-not-exists", "with --create: succeed if the topic exists")
      ("h,help", "show this help");
  add_command_config(options);
  auto parsed = parse_options(options, argc, argv);
  if (!parsed) return argc > 1 && std::string(argv[1]) == "--help" ? 0 : 2;
  const auto& opts = *parsed;
  int actions = static_cast<int>(opts.count("create") + opts.count("list") + opts.count("describe") +
                                 opts.count("delete") + opts.count("alter"));
  if (actions != 1) return fail(cmd, "give exactly one of --create, --list, --describe, --alter, --delete"), 2;
  if ((opts.count("create") || opts.count("delete") || opts.count("alter")) && !opts.count("topic"))
    return fail(cmd, "--topic is required"), 2;
  client::cluster_client client;
  if (!connect(cmd, opts, client)) return 1;
  if (opts.count("create")) return create(client, opts);
  if (opts.count("list")) return list(client);
  if (opts.count("describe")) return describe(client, opts);
  if (opts.count("alter")) return alter(client, opts);
  return remove(client, opts);
}

}  // namespace tern::cli
