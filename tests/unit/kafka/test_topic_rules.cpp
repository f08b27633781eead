#include <gtest/gtest.h>

#include "kafka/errors.h"
#include "kafka/topic_names.h"
#include "groups/errors.h"
#include "storage/log_store.h"

using namespace tern;

TEST(TopicRules, NamesFollowKafka) {
  EXPECT_TRUE(kafka::valid_topic_name("sensors.temp-1_a"));
  EXPECT_TRUE(kafka::valid_topic_name(std::string(249, 'a')));
  EXPECT_FALSE(kafka::valid_topic_name(std::string(250, 'a')));
  EXPECT_FALSE(kafka::valid_topic_name(""));
  EXPECT_FALSE(kafka::valid_topic_name("."));
  EXPECT_FALSE(kafka::valid_topic_name(".."));
  EXPECT_FALSE(kafka::valid_topic_name("a b"));
  EXPECT_FALSE(kafka::valid_topic_name("a/b"));
}

TEST(TopicRules, ConfigsAreValidated) {
  std::string message;
  EXPECT_TRUE(kafka::valid_topic_config("retention.ms", "-1", message));
  EXPECT_TRUE(kafka::valid_topic_config("cleanup.policy", "compact,delete", message));
  EXPECT_FALSE(kafka::valid_topic_config("retention.ms", "soon", message));
  EXPECT_NE(message.find("retention.ms"), std::string::npos);
  EXPECT_FALSE(kafka::valid_topic_config("retention.ms", "-2", message));
  EXPECT_FALSE(kafka::valid_topic_config("cleanup.policy", "forever", message));
  EXPECT_FALSE(kafka::valid_topic_config("no.such.config", "1", message));
  EXPECT_NE(message.find("no.such.config"), std::string::npos);
  EXPECT_FALSE(kafka::valid_topic_config("retention.ms", std::nullopt, message));
}

TEST(TopicRules, StorageErrorsMapToKafkaCodes) {
  using storage::storage_errc;
  EXPECT_EQ(kafka::to_kafka_error({}), kafka::error_code::none);
  EXPECT_EQ(kafka::to_kafka_error(storage_errc::unknown_topic), kafka::error_code::unknown_topic_or_partition);
  EXPECT_EQ(kafka::to_kafka_error(storage_errc::map_full), kafka::error_code::kafka_storage_error);
  EXPECT_EQ(kafka::to_kafka_error(storage_errc::offset_out_of_range), kafka::error_code::offset_out_of_range);
  EXPECT_EQ(kafka::to_kafka_error(std::make_error_code(std::errc::io_error)), kafka::error_code::kafka_storage_error);
  EXPECT_EQ(kafka::to_kafka_error(storage_errc::out_of_order_sequence), kafka::error_code::out_of_order_sequence_number);
  EXPECT_EQ(kafka::to_kafka_error(storage_errc::unknown_producer), kafka::error_code::unknown_producer_id);
}

TEST(ErrorMapping, GroupErrorsKeepTheirKafkaNames) {
  using groups::groups_errc;
  EXPECT_EQ(kafka::to_kafka_error(groups_errc::illegal_generation), kafka::error_code::illegal_generation);
  EXPECT_EQ(kafka::to_kafka_error(groups_errc::member_id_required), kafka::error_code::member_id_required);
  EXPECT_EQ(kafka::to_kafka_error(groups_errc::rebalance_in_progress), kafka::error_code::rebalance_in_progress);
  EXPECT_EQ(kafka::to_kafka_error(groups_errc::fenced_instance_id), kafka::error_code::fenced_instance_id);
}
