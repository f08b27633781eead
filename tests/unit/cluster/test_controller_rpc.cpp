// The broker ↔ controller messages: round trips, and no crash or acceptance on truncated or
// hostile input.
#include <gtest/gtest.h>

#include "cluster/controller_rpc.h"

namespace tern::cluster::rpc {
namespace {

std::vector<std::vector<std::uint8_t>> samples() {
  heartbeat_request hb;
  hb.node_id = 3;
  hb.incarnation_id[0] = 7;
  hb.data_dir_id[15] = 9;
  hb.want_shutdown = true;
  hb.endpoints = {{"PLAINTEXT", "127.0.0.1", 9092}, {"SSL", "gw3", 9093}};
  create_topics_request ct;
  ct.validate_only = true;
  ct.topics.push_back({"t", 6, 3, {{"retention.ms", "1000"}}, {}});
  ct.topics.push_back({"u", 2, 2, {}, {{1, 2}, {2, 3}}});
  alter_partition_request ap;
  ap.leader_id = 1;
  ap.topic_id[3] = 4;
  ap.partition = 5;
  ap.leader_epoch = 6;
  ap.partition_epoch = 7;
  ap.new_isr = {1, 3};
  return {encode(1, hb),
          encode(2, heartbeat_response{0, 42, false, true}),
          encode(3, ct),
          encode(4, create_topics_response{{{"t", 0, "", {0xab, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}},
                                              {"u", 5, "bad"}}}),
          encode(5, delete_topics_request{{"a", "b"}}),
          encode(6, delete_topics_response{{{"a", 0, ""}}}),
          encode(7, alter_configs_request{"t", {{"cleanup.policy", "compact"}}}),
          encode(8, alter_configs_response{3, "no"}),
          encode(9, ap),
          encode(10, alter_partition_response{14})};
}

TEST(ControllerRpc, RoundTrips) {
  auto all = samples();
  for (std::size_t i = 0; i < all.size(); ++i) {
    envelope e;
    ASSERT_TRUE(decode(all[i], e)) << i;
    EXPECT_EQ(e.correlation_id, i + 1);
    EXPECT_EQ(static_cast<std::size_t>(e.type), i + 1);
  }
  envelope e;
  ASSERT_TRUE(decode(all[0], e));
  EXPECT_EQ(e.heartbeat_req.node_id, 3);
  EXPECT_EQ(e.heartbeat_req.incarnation_id[0], 7);
  EXPECT_EQ(e.heartbeat_req.data_dir_id[15], 9);
  EXPECT_TRUE(e.heartbeat_req.want_shutdown);
  ASSERT_EQ(e.heartbeat_req.endpoints.size(), 2u);
  EXPECT_EQ(e.heartbeat_req.endpoints[1].host, "gw3");
  EXPECT_EQ(e.heartbeat_req.endpoints[1].port, 9093);
  ASSERT_TRUE(decode(all[2], e));
  ASSERT_EQ(e.create_req.topics.size(), 2u);
  EXPECT_TRUE(e.create_req.validate_only);
  EXPECT_EQ(e.create_req.topics[0].configs.at("retention.ms"), "1000");
  EXPECT_EQ(e.create_req.topics[1].assignments, (std::vector<std::vector<std::int32_t>>{{1, 2}, {2, 3}}));
  ASSERT_TRUE(decode(all[8], e));
  EXPECT_EQ(e.alter_partition_req.new_isr, (std::vector<std::int32_t>{1, 3}));
  EXPECT_EQ(e.alter_partition_req.partition_epoch, 7);
  ASSERT_TRUE(decode(all[3], e));
  EXPECT_EQ(e.create_resp.results[1].message, "bad");
  // The created topic's id travels back to the forwarding broker (CreateTopics v7).
  EXPECT_EQ(e.create_resp.results[0].topic_id[0], 0xab);
  EXPECT_EQ(e.create_resp.results[0].topic_id[15], 0x01);
  EXPECT_EQ(e.create_resp.results[1].topic_id, uuid{});
}

TEST(ControllerRpc, EveryTruncationAndTrailingByteIsRefused) {
  for (const auto& bytes : samples()) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      envelope e;
      EXPECT_FALSE(decode(std::span(bytes.data(), n), e)) << n;
    }
    auto longer = bytes;
    longer.push_back(0);
    envelope e;
    EXPECT_FALSE(decode(longer, e));
  }
}

TEST(ControllerRpc, UnknownKindAndHostileCountsAreRefused) {
  std::vector<std::uint8_t> unknown = {99, 0, 0, 0, 0, 0, 0, 0, 1};
  envelope e;
  EXPECT_FALSE(decode(unknown, e));
  // delete_topics_request with a count of 2^31-1 and nothing behind it.
  std::vector<std::uint8_t> hostile = {5, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff};
  EXPECT_FALSE(decode(hostile, e));
  // alter_partition_request whose ISR has more members than any partition can.
  alter_partition_request ap;
  ap.new_isr.assign(replicas_max + 1, 1);
  EXPECT_FALSE(decode(encode(1, ap), e));
}

}  // namespace
}  // namespace tern::cluster::rpc
