// The one list of topic config keys (kafka/topic_configs.h): storage's keys validated by
// storage, the kafka layer's own keys here, defaults and their sources for DescribeConfigs.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "kafka/errors.h"
#include "kafka/topic_configs.h"
#include "storage/log_store.h"

using namespace tern;

TEST(TopicConfigs, EveryStorageKeyIsAcceptedAndDescribed) {
  for (auto key : storage::topic_setting_keys()) {
    const kafka::topic_config_key* k = kafka::find_topic_config_key(key);
    ASSERT_NE(k, nullptr) << key;
    EXPECT_TRUE(k->storage) << key;
    EXPECT_FALSE(k->broker_key.empty()) << key << " has no broker synonym";
  }
  for (std::string_view key :
       {"max.message.bytes", "compression.type", "message.timestamp.type", "min.insync.replicas",
        "flush.messages", "flush.ms", "max.compaction.lag.ms"}) {
    const kafka::topic_config_key* k = kafka::find_topic_config_key(key);
    ASSERT_NE(k, nullptr) << key;
    EXPECT_FALSE(k->storage) << key;
  }
  EXPECT_EQ(kafka::find_topic_config_key("cleanup.policy")->type, kafka::config_type::list);
  // No key twice.
  const auto& keys = kafka::topic_config_keys();
  for (std::size_t i = 0; i < keys.size(); ++i)
    for (std::size_t j = i + 1; j < keys.size(); ++j) EXPECT_NE(keys[i].name, keys[j].name);
}

TEST(TopicConfigs, ValuesAreValidatedWithTheirKey) {
  std::string message;
  EXPECT_TRUE(kafka::valid_topic_config("full.policy", "drop-oldest", message));
  EXPECT_TRUE(kafka::valid_topic_config("full.policy", "reject", message));
  EXPECT_FALSE(kafka::valid_topic_config("full.policy", "maybe", message));
  EXPECT_NE(message.find("full.policy"), std::string::npos) << message;
  EXPECT_TRUE(kafka::valid_topic_config("max.message.bytes", "0", message));
  EXPECT_FALSE(kafka::valid_topic_config("max.message.bytes", "-1", message));
  EXPECT_FALSE(kafka::valid_topic_config("max.message.bytes", "4294967296", message));
  EXPECT_FALSE(kafka::valid_topic_config("max.message.bytes", "", message));
  EXPECT_TRUE(kafka::valid_topic_config("compression.type", "zstd", message));
  EXPECT_FALSE(kafka::valid_topic_config("compression.type", "brotli", message));
  EXPECT_NE(message.find("brotli"), std::string::npos) << message;
  EXPECT_TRUE(kafka::valid_topic_config("message.timestamp.type", "LogAppendTime", message));
  EXPECT_FALSE(kafka::valid_topic_config("min.insync.replicas", "0", message));
  EXPECT_FALSE(kafka::valid_topic_config("segment.bytes", "13", message));
  EXPECT_FALSE(kafka::valid_topic_config("no.such.config", "true", message));
  EXPECT_NE(message.find("unknown"), std::string::npos) << message;
  // Kafka's other topic keys are accepted (not acted on), with Kafka's validation.
  EXPECT_TRUE(kafka::valid_topic_config("unclean.leader.election.enable", "true", message));
  EXPECT_FALSE(kafka::valid_topic_config("unclean.leader.election.enable", "yes", message));
  EXPECT_TRUE(kafka::valid_topic_config("message.format.version", "0.10.0", message));
  EXPECT_TRUE(kafka::valid_topic_config("message.format.version", "3.0-IV1", message));
  EXPECT_FALSE(kafka::valid_topic_config("message.format.version", "latest", message));
  EXPECT_TRUE(kafka::valid_topic_config("min.cleanable.dirty.ratio", "0.01", message));
  EXPECT_FALSE(kafka::valid_topic_config("min.cleanable.dirty.ratio", "1.5", message));
  EXPECT_FALSE(kafka::valid_topic_config("min.cleanable.dirty.ratio", "half", message));
  EXPECT_TRUE(kafka::valid_topic_config("file.delete.delay.ms", "1000", message));
  EXPECT_FALSE(kafka::valid_topic_config("file.delete.delay.ms", "-1", message));
  EXPECT_TRUE(kafka::valid_topic_config("leader.replication.throttled.replicas", "0:1,1:2", message));
  EXPECT_TRUE(kafka::valid_topic_config("leader.replication.throttled.replicas", "*", message));
  EXPECT_FALSE(kafka::valid_topic_config("leader.replication.throttled.replicas", "0:", message));
  EXPECT_TRUE(kafka::valid_topic_config("remote.storage.enable", "false", message));
  EXPECT_FALSE(kafka::valid_topic_config("remote.storage.enable", "true", message));
  EXPECT_NE(message.find("tiered"), std::string::npos) << message;

  storage::topic_settings defaults;
  EXPECT_TRUE(kafka::valid_topic_configs({{"retention.ms", "1000"}, {"cleanup.policy", "compact"}},
                                         defaults, message));
  EXPECT_FALSE(kafka::valid_topic_configs({{"retention.ms", "1000"}, {"flush.ms", "-5"}}, defaults,
                                          message));
  EXPECT_NE(message.find("flush.ms"), std::string::npos) << message;
}

TEST(TopicConfigs, DefaultsComeFromStorageAndTheBrokerConfig) {
  app::server_config config;
  storage::topic_settings store_defaults;
  store_defaults.retention_ms = 5000;  // what storage acts on wins for storage keys
  auto d = kafka::topic_config_default_of(*kafka::find_topic_config_key("retention.ms"),
                                          store_defaults, config);
  EXPECT_EQ(d.value, "5000");
  EXPECT_EQ(d.source, kafka::config_source::default_config);  // log.retention.ms not set
  config.log_retention_ms = 5000;
  d = kafka::topic_config_default_of(*kafka::find_topic_config_key("retention.ms"), store_defaults,
                                     config);
  EXPECT_EQ(d.source, kafka::config_source::static_broker_config);
  config.message_max_bytes = 1234;
  d = kafka::topic_config_default_of(*kafka::find_topic_config_key("max.message.bytes"),
                                     store_defaults, config);
  EXPECT_EQ(d.value, "1234");
  EXPECT_EQ(d.source, kafka::config_source::static_broker_config);

  auto broker = kafka::broker_config_entries(config);
  auto it = std::find_if(broker.begin(), broker.end(),
                         [](const auto& e) { return e.name == "message.max.bytes"; });
  ASSERT_NE(it, broker.end());
  EXPECT_EQ(it->value, "1234");
  EXPECT_EQ(it->source, kafka::config_source::static_broker_config);
}

TEST(TopicConfigs, StorageRefusalIsInvalidConfigWhenAltering) {
  auto ec = make_error_code(storage::storage_errc::invalid_argument);
  EXPECT_EQ(kafka::to_kafka_config_error(ec), kafka::error_code::invalid_config);
  EXPECT_EQ(kafka::to_kafka_error(ec), kafka::error_code::invalid_request);
  EXPECT_EQ(kafka::to_kafka_config_error(make_error_code(storage::storage_errc::unknown_topic)),
            kafka::error_code::unknown_topic_or_partition);
}
