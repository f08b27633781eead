#pragma once
// Topic configs: the one list of keys the hub accepts (CreateTopics, AlterConfigs,
// IncrementalAlterConfigs) and what DescribeConfigs says about them, plus the broker configs
// DescribeConfigs shows for this node.
//
// The keys storage acts on (retention, compaction, segments, full.policy) come from
// storage::topic_setting_keys() and are validated by storage::apply_topic_setting, so their
// rules live in one place. The keys only this layer knows (max.message.bytes, enforced by
// Produce, as are message.timestamp.*; compression.type, min.insync.replicas, flush.*,
// max.compaction.lag.ms, accepted for Kafka tools and kept in the topic's map) are listed and
// validated here. Nothing here keeps references to its arguments.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"
#include "storage/topic_settings.h"
#include "tern/kafka/messages/config_resource.h"

namespace tern::kafka {

struct topic_config_key {
  std::string_view name;
  std::string_view broker_key;  // the broker config that supplies its default
  config_type type;
  bool storage;  // acted on (and validated) by storage
  std::string_view doc;
};

// Every topic config key the hub accepts: storage's first, then this layer's own.
const std::vector<topic_config_key>& topic_config_keys();
const topic_config_key* find_topic_config_key(std::string_view name);

// Checks one key=value. False (and `message` names the key and why) for an unknown key, a
// null value or a value out of range.
bool valid_topic_config(std::string_view key, const std::optional<std::string>& value,
                        std::string& message);
// Checks a whole override map: every key as valid_topic_config, then the settings storage
// would resolve from it over `defaults`.
bool valid_topic_configs(const std::map<std::string, std::string>& configs,
                         const storage::topic_settings& defaults, std::string& message);

// The default of a topic key on this hub (its broker setting), and whether that broker setting
// differs from the built-in default (STATIC_BROKER_CONFIG) or not (DEFAULT_CONFIG).
struct topic_config_default {
  std::string value;
  config_source source = config_source::default_config;
};
topic_config_default topic_config_default_of(const topic_config_key& key,
                                             const storage::topic_settings& store_defaults,
                                             const app::server_config& config);

// Broker configs of this node as DescribeConfigs shows them (read-only, static).
struct broker_config_entry {
  std::string name;
  std::string value;
  config_source source = config_source::default_config;
  config_type type = config_type::string;
  // Set for Kafka broker settings Tern accepts from its configuration but does not act on.
  std::optional<std::string> documentation;
};
// Tern's broker configs, then the Kafka settings of the configuration it does not act on.
std::vector<broker_config_entry> broker_config_entries(const app::server_config& config);

}  // namespace tern::kafka
