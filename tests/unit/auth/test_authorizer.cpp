#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "auth/authorizer.h"

namespace tern::auth {
namespace {

std::vector<acl_rule> rules_of(std::string_view text) {
  std::vector<acl_rule> rules;
  std::string error;
  EXPECT_TRUE(parse_rules(text, "test", rules, error)) << error;
  return rules;
}

authorizer make(std::string_view text, bool allow_if_no_acl = false,
                std::vector<std::string> super_users = {}) {
  return authorizer(rules_of(text), {allow_if_no_acl, std::move(super_users)});
}

constexpr auto topic = resource_type::topic;
constexpr auto group = resource_type::group;
constexpr auto cluster = resource_type::cluster;

TEST(acl_parse, rule_round_trips_through_format) {
  auto rules = rules_of(
      "# devices\n"
      "allow User:sensor-1 Write topic:prefixed:sensors.   # trailing comment\n"
      "\n"
      "deny User:* read group:literal:admin\n"
      "allow User:ops All cluster\n"
      "allow User:dash describeconfigs topic:metrics\n");
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(format_rule(rules[0]), "allow User:sensor-1 Write topic:prefixed:sensors.");
  EXPECT_EQ(format_rule(rules[1]), "deny User:* Read group:literal:admin");
  EXPECT_EQ(format_rule(rules[2]), "allow User:ops All cluster");
  EXPECT_EQ(format_rule(rules[3]), "allow User:dash DescribeConfigs topic:literal:metrics");
  for (const auto& r : rules) {
    acl_rule again;
    std::string why;
    ASSERT_TRUE(parse_rule(format_rule(r), again, why)) << why;
    EXPECT_EQ(again, r);
  }
}

TEST(acl_parse, group_names_may_contain_colons) {
  auto rules = rules_of("allow User:a Read group:literal:app:v2\n");
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].name, "app:v2");
}

TEST(acl_parse, errors_name_the_line) {
  struct bad_case {
    const char* text;
    const char* expected;
  };
  const bad_case cases[] = {
      {"allow User:a Write topic:x\nallow User:a Wrte topic:x\n",
       "f.acl:2: unknown operation 'Wrte'"},
      {"\n\npermit User:a Write topic:x\n", "f.acl:3: 'permit' is neither allow nor deny"},
      {"allow sensor Write topic:x\n", "f.acl:1: principal 'sensor' is not User:<name>"},
      {"allow User: Write topic:x\n", "f.acl:1: principal 'User:'"},
      {"allow User:a Write\n",
       "f.acl:1: expected 'allow|deny PRINCIPAL OPERATION RESOURCE', got 3"},
      {"allow User:a Write table:x\n", "f.acl:1: resource 'table:x'"},
      {"allow User:a Write topic:prefixed:\n",
       "f.acl:1: resource 'topic:prefixed:' has an empty name"},
      {"allow User:a Write topic:prefixed:*\n", "f.acl:1: resource 'topic:prefixed:*': a prefix"},
      {"# ok\nallow User:a Write topic:x extra\n", "f.acl:2: expected"},
      {"allow User:a Write group:g\n",
       "f.acl:1: operation Write does not apply to a Group resource"},
      {"allow User:a Read cluster\n", "f.acl:1: operation Read does not apply to a Cluster"},
  };
  for (const auto& c : cases) {
    std::vector<acl_rule> rules;
    std::string error;
    EXPECT_FALSE(parse_rules(c.text, "f.acl", rules, error)) << c.text;
    EXPECT_EQ(error.rfind(c.expected, 0), 0u) << "got: " << error;
  }
}

TEST(authorizer, literal_match_only_names_that_resource) {
  auto a = make("allow User:a Write topic:literal:t\n");
  EXPECT_TRUE(a.authorize("User:a", operation::write, topic, "t"));
  EXPECT_FALSE(a.authorize("User:a", operation::write, topic, "t2"));
  EXPECT_FALSE(a.authorize("User:a", operation::read, topic, "t"));
  EXPECT_FALSE(a.authorize("User:b", operation::write, topic, "t"));
  EXPECT_FALSE(a.authorize("User:a", operation::write, group, "t"));  // type matters
}

TEST(authorizer, prefix_matches_names_starting_with_it) {
  auto a = make("allow User:sensor-1 Write topic:prefixed:sensors.\n");
  EXPECT_TRUE(a.authorize("User:sensor-1", operation::write, topic, "sensors.temp"));
  EXPECT_TRUE(a.authorize("User:sensor-1", operation::write, topic, "sensors."));
  EXPECT_FALSE(a.authorize("User:sensor-1", operation::write, topic, "sensors"));
  EXPECT_FALSE(a.authorize("User:sensor-1", operation::write, topic, "other.sensors.temp"));
}

TEST(authorizer, wildcards_for_principal_and_resource) {
  auto a = make("allow User:* Read topic:literal:public\nallow User:dash Read topic:literal:*\n");
  EXPECT_TRUE(a.authorize("User:anyone", operation::read, topic, "public"));
  EXPECT_FALSE(a.authorize("User:anyone", operation::read, topic, "private"));
  EXPECT_TRUE(a.authorize("User:dash", operation::read, topic, "private"));
  EXPECT_FALSE(a.authorize("User:dash", operation::read, group, "private"));
}

TEST(authorizer, deny_wins_over_allow) {
  auto b = make(
      "allow User:* Read group:literal:*\n"
      "deny User:* Read group:literal:admin\n"
      "allow User:root All group:literal:admin\n"
      "deny User:eve All topic:prefixed:s\n"
      "allow User:eve Write topic:literal:sensors\n");
  EXPECT_TRUE(b.authorize("User:x", operation::read, group, "app"));
  EXPECT_FALSE(b.authorize("User:x", operation::read, group, "admin"));
  EXPECT_FALSE(b.authorize("User:root", operation::read, group, "admin"));    // deny User:* wins
  EXPECT_TRUE(b.authorize("User:root", operation::delete_, group, "admin"));  // deny is Read only
  EXPECT_FALSE(b.authorize("User:eve", operation::write, topic, "sensors"));  // deny All
  EXPECT_FALSE(b.authorize("User:eve", operation::describe, topic, "sensors"));
}

TEST(authorizer, implied_operations) {
  auto a = make(
      "allow User:w Write topic:literal:t\n"
      "allow User:r Read topic:literal:t\n"
      "allow User:d Delete topic:literal:t\n"
      "allow User:al Alter topic:literal:t\n"
      "allow User:ac AlterConfigs topic:literal:t\n"
      "allow User:c Create topic:literal:t\n"
      "allow User:all All topic:literal:t\n");
  for (auto p : {"User:w", "User:r", "User:d", "User:al", "User:all"})
    EXPECT_TRUE(a.authorize(p, operation::describe, topic, "t")) << p;
  EXPECT_FALSE(a.authorize("User:c", operation::describe, topic, "t"));
  EXPECT_FALSE(a.authorize("User:ac", operation::describe, topic, "t"));
  EXPECT_TRUE(a.authorize("User:ac", operation::describe_configs, topic, "t"));
  EXPECT_FALSE(a.authorize("User:w", operation::describe_configs, topic, "t"));
  EXPECT_FALSE(a.authorize("User:w", operation::read, topic, "t"));  // Write does not imply Read
  EXPECT_TRUE(a.authorize("User:all", operation::alter_configs, topic, "t"));
  // A deny does not spread through implications: deny Read leaves Describe from Write.
  auto b = make("allow User:x Write topic:literal:t\ndeny User:x Read topic:literal:t\n");
  EXPECT_TRUE(b.authorize("User:x", operation::describe, topic, "t"));
}

TEST(authorizer, super_users_bypass_rules) {
  auto a = make("deny User:* All topic:literal:*\n", false, {"User:admin"});
  EXPECT_TRUE(a.authorize("User:admin", operation::write, topic, "t"));
  EXPECT_TRUE(a.authorize("User:admin", operation::create, cluster, std::string(cluster_name)));
  EXPECT_FALSE(a.authorize("User:other", operation::write, topic, "t"));
  std::vector<std::string> users;
  std::string error;
  ASSERT_TRUE(parse_super_users(" User:a ; User:b;", users, error)) << error;
  EXPECT_EQ(users, (std::vector<std::string>{"User:a", "User:b"}));
  EXPECT_FALSE(parse_super_users("User:a;admin", users, error));
  EXPECT_NE(error.find("'admin'"), std::string::npos) << error;
}

TEST(authorizer, no_acl_found_default) {
  const char* text = "allow User:a Write topic:literal:t\n";
  auto closed = make(text, false);
  auto open = make(text, true);
  // A resource with no rule at all: the setting decides.
  EXPECT_FALSE(closed.authorize("User:b", operation::write, topic, "free"));
  EXPECT_TRUE(open.authorize("User:b", operation::write, topic, "free"));
  EXPECT_TRUE(open.authorize("User:b", operation::read, group, "g"));
  // A resource with rules: only they decide, whoever they name.
  EXPECT_FALSE(open.authorize("User:b", operation::write, topic, "t"));
  EXPECT_FALSE(open.authorize("User:a", operation::read, topic, "t"));
}

TEST(authorizer, authorize_any) {
  auto a = make(
      "allow User:w Write topic:prefixed:sensors.\ndeny User:x Write topic:literal:*\n"
      "allow User:x Write topic:literal:t\n");
  EXPECT_TRUE(a.authorize_any("User:w", operation::write, topic));
  EXPECT_FALSE(a.authorize_any("User:r", operation::write, topic));
  EXPECT_FALSE(a.authorize_any("User:x", operation::write, topic));
  EXPECT_FALSE(a.authorize_any("User:w", operation::write, group));
  EXPECT_TRUE(make("", true).authorize_any("User:r", operation::write, topic));
}

TEST(authorizer, load_and_reload_keep_old_rules_on_error) {
  char dir[] = "/tmp/tern-auth-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/acls";
  std::string error;
  ASSERT_TRUE(write_file_atomically(path, "allow User:a Write topic:literal:t\n", error)) << error;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto a = authorizer::load(path, {}, error);
  ASSERT_TRUE(a) << error;
  EXPECT_TRUE(a->authorize("User:a", operation::write, topic, "t"));
  ASSERT_TRUE(write_file_atomically(path, "allow User:b Write topic:literal:t\n", error));
  ASSERT_TRUE(a->reload(error)) << error;
  EXPECT_FALSE(a->authorize("User:a", operation::write, topic, "t"));
  EXPECT_TRUE(a->authorize("User:b", operation::write, topic, "t"));
  ASSERT_TRUE(write_file_atomically(path, "allow User:c Writ topic:literal:t\n", error));
  EXPECT_FALSE(a->reload(error));
  EXPECT_EQ(error, path +
                       ":1: unknown operation 'Writ' (expected one of All, Read, Write, Create, "
                       "Delete, Alter, Describe, DescribeConfigs, AlterConfigs, IdempotentWrite, ClusterAction)");
  EXPECT_TRUE(a->authorize("User:b", operation::write, topic, "t"));
  EXPECT_FALSE(authorizer::load(std::string(dir) + "/missing", {}, error));
  EXPECT_NE(error.find("cannot read ACL file"), std::string::npos);
  std::remove(path.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace tern::auth

namespace tern::auth {
namespace {

// Followers fetch and ask OffsetForLeaderEpoch as brokers: ClusterAction on the cluster, which
// no topic or group rule can grant.
TEST(acl_parse, cluster_action_is_a_cluster_operation_only) {
  std::vector<acl_rule> rules;
  std::string error;
  ASSERT_TRUE(parse_rules("allow User:broker ClusterAction cluster\n", "test", rules, error)) << error;
  EXPECT_EQ(format_rule(rules[0]), "allow User:broker ClusterAction cluster");
  EXPECT_FALSE(parse_rules("allow User:broker ClusterAction topic:t\n", "test", rules, error));
  authorizer a(rules_of("allow User:broker ClusterAction cluster\n"), {false, {}});
  EXPECT_TRUE(a.authorize("User:broker", operation::cluster_action, cluster, cluster_name));
  EXPECT_FALSE(a.authorize("User:device", operation::cluster_action, cluster, cluster_name));
  EXPECT_FALSE(a.authorize("User:broker", operation::read, topic, "t"));
}

}  // namespace
}  // namespace tern::auth
