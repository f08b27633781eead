#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "app/config.h"

using namespace tern::app;

namespace {
std::string write_temp(const std::string& text) {
  char name[] = "/tmp/tern-config-XXXXXX";
  int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(name) << text;
  return name;
}
}  // namespace

TEST(Config, DefaultsAreTheEmbeddedSingleNode) {
  server_config c;
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].port, 9092);
  EXPECT_EQ(c.log_dirs, "./tern-data");
  EXPECT_EQ(c.node_id, 1);
}

TEST(Config, PropertiesFileWithCommentsContinuationsAndSeparators) {
  auto path = write_temp(
      "# a comment\n"
      "! another\n"
      "node.id=7\n"
      "listeners = PLAINTEXT://0.0.0.0:19092,\\\n"
      "   PLAINTEXT://127.0.0.1:19093\n"
      "log.dirs: /var/lib/tern\n"
      "num.partitions 4\n"
      "log.retention.hours=2\n"
      "auto.create.topics.enable=false\n");
  server_config c;
  std::string error;
  ASSERT_TRUE(load_properties_file(c, path, error)) << error;
  EXPECT_EQ(c.node_id, 7);
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[1].port, 19093);
  EXPECT_EQ(c.log_dirs, "/var/lib/tern");
  EXPECT_EQ(c.num_partitions, 4);
  EXPECT_EQ(c.log_retention_ms, 2 * 3600 * 1000LL);
  EXPECT_FALSE(c.auto_create_topics_enable);
  std::remove(path.c_str());
}

TEST(Config, UnknownKeyNamesKeyAndLine) {
  auto path = write_temp("node.id=1\n\nlog.dirz=/tmp/x\n");
  server_config c;
  std::string error;
  EXPECT_FALSE(load_properties_file(c, path, error));
  EXPECT_NE(error.find("log.dirz"), std::string::npos) << error;
  EXPECT_NE(error.find(":3"), std::string::npos) << error;
  std::remove(path.c_str());
}

// The stream form (what the file form reads through; the config fuzz target feeds it text).
TEST(Config, PropertiesFromAStreamNameWhereInErrors) {
  server_config c;
  std::string error;
  std::istringstream good("node.id = 9\nlisteners=PLAINTEXT://127.0.0.1:1\\\n  9\n");
  ASSERT_TRUE(load_properties(c, good, "inline", error)) << error;
  EXPECT_EQ(c.node_id, 9);
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].port, 19);
  std::istringstream bad("# c\nnode.id=x\n");
  EXPECT_FALSE(load_properties(c, bad, "inline", error));
  EXPECT_NE(error.find("inline:2"), std::string::npos) << error;
}

TEST(Config, MalformedValuesAreRefusedWithTheExpectation) {
  server_config c;
  std::string error;
  EXPECT_FALSE(apply_setting(c, "num.partitions", "many", "--num.partitions", error));
  EXPECT_NE(error.find("num.partitions"), std::string::npos);
  EXPECT_NE(error.find("many"), std::string::npos);
  EXPECT_FALSE(apply_setting(c, "num.partitions", "0", "", error));
  EXPECT_FALSE(apply_setting(c, "message.max.bytes", "12abc", "", error));
  EXPECT_FALSE(apply_setting(c, "auto.create.topics.enable", "yes", "", error));
  EXPECT_FALSE(apply_setting(c, "listeners", "127.0.0.1:9092", "", error));
  EXPECT_FALSE(apply_setting(c, "listeners", "PLAINTEXT://127.0.0.1:99999", "", error));
  EXPECT_FALSE(apply_setting(c, "log.retention.hours", "99999999999999999", "", error));
  EXPECT_EQ(c.num_partitions, 1);  // untouched by the failures
}

TEST(Config, FlagsStyleSettings) {
  server_config c;
  std::string error;
  ASSERT_TRUE(apply_setting(c, "listeners", "PLAINTEXT://127.0.0.1:0", "", error)) << error;
  EXPECT_EQ(c.listeners[0].port, 0);
  ASSERT_TRUE(apply_setting(c, "flush.messages", "1", "", error));
  EXPECT_EQ(c.flush_messages, 1);
  ASSERT_TRUE(apply_setting(c, "lmdb.map.size", "1073741824", "", error));
  EXPECT_EQ(c.lmdb_map_size, 1073741824u);
  ASSERT_TRUE(apply_setting(c, "listeners", "PLAINTEXT://[::1]:9092", "", error));
  EXPECT_EQ(c.listeners[0].host, "::1");
}

TEST(Config, AuthorizerKeys) {
  server_config c;
  std::string error;
  EXPECT_TRUE(c.authorizer_acl_file.empty());  // no file: no authorizer
  EXPECT_TRUE(c.effective_allow_everyone_if_no_acl_found());  // PLAINTEXT only
  ASSERT_TRUE(apply_setting(c, "listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0", "", error));
  EXPECT_FALSE(c.effective_allow_everyone_if_no_acl_found());  // an authenticated listener
  ASSERT_TRUE(apply_setting(c, "allow.everyone.if.no.acl.found", "true", "", error)) << error;
  EXPECT_TRUE(c.effective_allow_everyone_if_no_acl_found());
  ASSERT_TRUE(apply_setting(c, "listeners", "PLAINTEXT://127.0.0.1:0", "", error));
  ASSERT_TRUE(apply_setting(c, "allow.everyone.if.no.acl.found", "false", "", error));
  EXPECT_FALSE(c.effective_allow_everyone_if_no_acl_found());
  EXPECT_FALSE(apply_setting(c, "allow.everyone.if.no.acl.found", "maybe", "", error));
  ASSERT_TRUE(apply_setting(c, "authorizer.acl.file", "/etc/tern/acls", "", error));
  EXPECT_EQ(c.authorizer_acl_file, "/etc/tern/acls");
  ASSERT_TRUE(apply_setting(c, "super.users", "User:admin; User:ops", "", error)) << error;
  EXPECT_EQ(c.super_users, "User:admin; User:ops");
  EXPECT_FALSE(apply_setting(c, "super.users", "User:admin;root", "--super.users", error));
  EXPECT_NE(error.find("User:<name>"), std::string::npos) << error;
}

TEST(Config, OffsetsRetentionInMinutesOrMilliseconds) {
  server_config c;
  EXPECT_EQ(c.offsets_retention_ms, 7LL * 24 * 3600 * 1000) << "Kafka's default: 7 days";
  std::string error;
  ASSERT_TRUE(apply_setting(c, "offsets.retention.minutes", "2", "", error)) << error;
  EXPECT_EQ(c.offsets_retention_ms, 120000);
  ASSERT_TRUE(apply_setting(c, "offsets.retention.ms", "12000", "", error)) << error;
  EXPECT_EQ(c.offsets_retention_ms, 12000);
  EXPECT_FALSE(apply_setting(c, "offsets.retention.ms", "999", "", error)) << "below one second";
  EXPECT_FALSE(apply_setting(c, "offsets.retention.minutes", "0", "", error));
  EXPECT_EQ(c.offsets_retention_ms, 12000);  // untouched by the failures
}

TEST(Config, QueuedMaxRequestBytesIsTheRequestMemoryBudget) {
  server_config c;
  std::string error;
  EXPECT_EQ(c.queued_max_request_bytes, 64 << 20);  // fits a 1 GB Pi
  ASSERT_TRUE(apply_setting(c, "queued.max.request.bytes", "16777216", "", error)) << error;
  EXPECT_EQ(c.queued_max_request_bytes, 16 << 20);
  EXPECT_FALSE(apply_setting(c, "queued.max.request.bytes", "1000", "", error));  // below 1 MiB
  EXPECT_NE(error.find("1048576"), std::string::npos) << error;
  EXPECT_FALSE(apply_setting(c, "queued.max.request.bytes", "-1", "", error));  // Kafka's "unbounded"
  EXPECT_EQ(c.queued_max_request_bytes, 16 << 20);
}

TEST(Config, LmdbMaxPartitionsBoundsTheStore) {
  server_config c;
  std::string error;
  EXPECT_EQ(c.lmdb_max_partitions, 4096u);
  ASSERT_TRUE(apply_setting(c, "lmdb.max.partitions", "20000", "", error)) << error;
  EXPECT_EQ(c.lmdb_max_partitions, 20000u);
  EXPECT_FALSE(apply_setting(c, "lmdb.max.partitions", "8", "", error));
  EXPECT_NE(error.find("16..100000"), std::string::npos) << error;
  EXPECT_FALSE(apply_setting(c, "lmdb.max.partitions", "many", "", error));
  EXPECT_EQ(c.lmdb_max_partitions, 20000u);
}
