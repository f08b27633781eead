// The cluster keys (KRaft's names) and the cross-key checks that `tern serve` runs at start-up.
#include <gtest/gtest.h>

#include "app/config.h"

using namespace tern::app;

namespace {
server_config with(std::initializer_list<std::pair<const char*, const char*>> settings) {
  server_config c;
  std::string error;
  for (auto [k, v] : settings) EXPECT_TRUE(apply_setting(c, k, v, "", error)) << k << ": " << error;
  return c;
}
}  // namespace

TEST(ClusterConfig, NoVotersIsTheSingleNodeHub) {
  server_config c;
  std::string error;
  EXPECT_FALSE(c.clustered());
  EXPECT_TRUE(validate(c, error)) << error;
  EXPECT_TRUE(c.role_broker);
  EXPECT_FALSE(c.role_controller);
}

TEST(ClusterConfig, ThreeGatewaysFromTheIssueExample) {
  auto c = with({{"process.roles", "broker,controller"},
                 {"node.id", "2"},
                 {"controller.quorum.voters", "1@gw1:9093,2@gw2:9093,3@[::1]:9093"},
                 {"listeners", "PLAINTEXT://gw2:9092,CONTROLLER://gw2:9093"},
                 {"inter.broker.listener.name", "PLAINTEXT"},
                 {"default.replication.factor", "3"},
                 {"min.insync.replicas", "2"}});
  std::string error;
  ASSERT_TRUE(validate(c, error)) << error;
  ASSERT_EQ(c.controller_quorum_voters.size(), 3u);
  EXPECT_EQ(c.controller_quorum_voters[1].node_id, 2);
  EXPECT_EQ(c.controller_quorum_voters[1].host, "gw2");
  EXPECT_EQ(c.controller_quorum_voters[2].host, "::1");
  EXPECT_EQ(c.controller_quorum_voters[2].port, 9093);
  EXPECT_TRUE(c.role_broker && c.role_controller);
  EXPECT_TRUE(is_controller_listener(c, "CONTROLLER"));
  EXPECT_FALSE(is_controller_listener(c, "PLAINTEXT"));
  EXPECT_EQ(c.min_insync_replicas, 2);
  EXPECT_EQ(c.effective_metadata_log_dir(), "./tern-data/__cluster_metadata");
}

TEST(ClusterConfig, WitnessNeedsNoKafkaListener) {
  auto c = with({{"process.roles", "controller"},
                 {"node.id", "3"},
                 {"controller.quorum.voters", "1@a:9093,2@b:9093,3@c:9094"},
                 {"listeners", "CONTROLLER://c:9094"}});
  std::string error;
  EXPECT_TRUE(validate(c, error)) << error;
  EXPECT_FALSE(c.role_broker);
}

TEST(ClusterConfig, InconsistentSettingsNameTheKeys) {
  struct bad_case {
    std::vector<std::pair<const char*, const char*>> settings;
    const char* expected;
  };
  std::vector<bad_case> cases = {
      {{{"process.roles", "broker,controller"}, {"listeners", "PLAINTEXT://a:1"}},
       "controller.quorum.voters"},
      {{{"controller.quorum.voters", "1@a:9093"}, {"process.roles", "broker"},
        {"listeners", "PLAINTEXT://a:1"}},
       "process.roles=broker without controller"},
      {{{"controller.quorum.voters", "2@a:9093"}, {"process.roles", "broker,controller"},
        {"listeners", "PLAINTEXT://a:1,CONTROLLER://a:9093"}},
       "node.id 1 is not in controller.quorum.voters"},
      {{{"controller.quorum.voters", "1@a:9093"}, {"process.roles", "broker,controller"},
        {"listeners", "PLAINTEXT://a:1"}},
       "CONTROLLER://host:port"},
      {{{"controller.quorum.voters", "1@a:9093"}, {"process.roles", "broker,controller"},
        {"listeners", "PLAINTEXT://a:1,CONTROLLER://a:9094"}},
       "differs from this node's entry"},
      {{{"controller.quorum.voters", "1@a:9093"}, {"process.roles", "broker,controller"},
        {"listeners", "CONTROLLER://a:9093"}},
       "no Kafka listener"},
      {{{"controller.quorum.voters", "1@a:9093"}, {"process.roles", "broker,controller"},
        {"listeners", "PLAINTEXT://a:1,CONTROLLER://a:9093"}, {"inter.broker.listener.name", "SSL"}},
       "inter.broker.listener.name"},
      {{{"controller.quorum.voters", "1@a:9093"}, {"process.roles", "broker,controller"},
        {"listeners", "PLAINTEXT://a:1,CONTROLLER://a:9093"}, {"broker.heartbeat.interval.ms", "2000"}},
       "twice broker.heartbeat.interval.ms"},
      {{{"listeners", "PLAINTEXT://a:1,CONTROLLER://a:9093"}}, "controller.quorum.voters is not set"},
  };
  for (const auto& bad : cases) {
    server_config c;
    std::string error;
    for (auto [k, v] : bad.settings) ASSERT_TRUE(apply_setting(c, k, v, "", error)) << error;
    EXPECT_FALSE(validate(c, error)) << bad.expected;
    EXPECT_NE(error.find(bad.expected), std::string::npos) << error;
  }
}

TEST(ClusterConfig, MalformedVotersAndRolesAreRefused) {
  for (const char* voters : {"1@a", "a@b:1", "1@b:0", "1@b:70000", "1@:9093x", "1@a:1,1@b:2", "@a:1"}) {
    server_config c;
    std::string error;
    EXPECT_FALSE(apply_setting(c, "controller.quorum.voters", voters, "f:1", error)) << voters;
    EXPECT_NE(error.find("controller.quorum.voters"), std::string::npos);
  }
  for (const char* roles : {"", "witness", "broker,", "broker,gateway"}) {
    server_config c;
    std::string error;
    EXPECT_FALSE(apply_setting(c, "process.roles", roles, "", error)) << roles;
  }
}

TEST(ClusterConfig, SecurityProtocolMapForTheControllerAndInterBrokerListeners) {
  auto base = [] {
    return with({{"process.roles", "broker,controller"},
                 {"node.id", "1"},
                 {"controller.quorum.voters", "1@gw1:9093,2@gw2:9093,3@gw3:9093"},
                 {"listeners", "INTERNAL://gw1:9094,SSL://gw1:9092,CONTROLLER://gw1:9093"},
                 {"ssl.certificate.location", "/etc/tern/node-1.pem"},
                 {"ssl.key.location", "/etc/tern/node-1.key"},
                 {"ssl.ca.location", "/etc/tern/ca.pem"}});
  };
  std::string error;
  // Unmapped, INTERNAL is no protocol; the controller listener is PLAINTEXT by default.
  auto c = base();
  EXPECT_EQ(security_protocol_of(c, "CONTROLLER"), "PLAINTEXT");
  EXPECT_EQ(security_protocol_of(c, "SSL"), "SSL");
  EXPECT_FALSE(validate(c, error));
  EXPECT_NE(error.find("INTERNAL"), std::string::npos) << error;
  EXPECT_NE(error.find("listener.security.protocol.map"), std::string::npos) << error;

  c = base();
  ASSERT_TRUE(apply_setting(c, "listener.security.protocol.map",
                            "INTERNAL:SSL, SSL:SSL, CONTROLLER:SSL", "", error)) << error;
  ASSERT_TRUE(apply_setting(c, "inter.broker.listener.name", "INTERNAL", "", error)) << error;
  EXPECT_TRUE(validate(c, error)) << error;
  EXPECT_EQ(security_protocol_of(c, "INTERNAL"), "SSL");
  EXPECT_EQ(security_protocol_of(c, "CONTROLLER"), "SSL");
  EXPECT_FALSE(c.effective_allow_everyone_if_no_acl_found());

  // Mutual TLS between voters needs the node's certificate and the CA.
  c = base();
  ASSERT_TRUE(apply_setting(c, "listener.security.protocol.map", "INTERNAL:PLAINTEXT,CONTROLLER:SSL", "", error));
  c.ssl_ca_location.clear();
  EXPECT_FALSE(validate(c, error));
  EXPECT_NE(error.find("ssl.ca.location"), std::string::npos) << error;

  // The quorum speaks PLAINTEXT or SSL only; brokers replicate over PLAINTEXT or SSL only.
  c = base();
  ASSERT_TRUE(apply_setting(c, "listener.security.protocol.map", "INTERNAL:PLAINTEXT,CONTROLLER:PSK", "", error));
  EXPECT_FALSE(validate(c, error));
  EXPECT_NE(error.find("must be PLAINTEXT or SSL"), std::string::npos) << error;
  c = base();
  ASSERT_TRUE(apply_setting(c, "listeners", "SASL_SSL://gw1:9094,SSL://gw1:9092,CONTROLLER://gw1:9093", "", error));
  ASSERT_TRUE(apply_setting(c, "inter.broker.listener.name", "SASL_SSL", "", error));
  c.sasl_plain_users_location = "/etc/tern/users";
  EXPECT_FALSE(validate(c, error));
  EXPECT_NE(error.find("replicate over PLAINTEXT or SSL"), std::string::npos) << error;

  // SASL listeners keep their protocol's name.
  c = base();
  ASSERT_TRUE(apply_setting(c, "listener.security.protocol.map", "INTERNAL:SASL_PLAINTEXT", "", error));
  EXPECT_FALSE(validate(c, error));
  EXPECT_NE(error.find("named as its protocol"), std::string::npos) << error;

  // Malformed maps are refused by the key itself.
  for (const char* bad : {"INTERNAL", "INTERNAL:TLS", ":SSL", "A:SSL,B"})
    EXPECT_FALSE(apply_setting(c, "listener.security.protocol.map", bad, "", error)) << bad;
}
