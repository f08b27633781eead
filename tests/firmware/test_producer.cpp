// The producer session against a fake cluster (fake_cluster.h): delivery, batching, partitioning,
// acks, idempotent retries, leader moves, the offline buffer, and every failure status.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fake_cluster.h"
#include "tern/common/murmur2.h"

extern "C" {
#include "tern_producer.h"
}

namespace {

using fwtest::fake_cluster;

std::string key_of(int i, int sensors) { return "sensor-" + std::to_string(i % sensors); }
std::string value_of(int i) { return "{\"seq\":" + std::to_string(i) + "}"; }
constexpr std::int64_t ts0 = 1700000000000;

std::int32_t java_partition(const std::string& key, int partitions) {
  return tern::partition_for_key(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()),
      partitions);
}

struct harness {
  fake_cluster cluster;
  std::vector<std::uint8_t> ring_mem;
  std::vector<std::uint8_t> net_mem;
  tern_ring_t ring{};
  tern_producer_t p{};
  tern_producer_config_t cfg{};
  std::vector<std::string> topic_names{"readings"};
  std::vector<const char*> topic_ptrs;
  std::vector<tern_delivery_t> deliveries;
  tern_transport_t transport{};
  tern_clock_t clock{};
  tern_buffer_t net{};
  int sensors = 10;

  explicit harness(std::size_t ring_bytes = 1 << 16, std::size_t net_bytes = 4096,
                   tern_ring_policy_t policy = TERN_RING_REJECT_NEW)
      : ring_mem(ring_bytes), net_mem(net_bytes) {
    tern_ring_init(&ring, ring_mem.data(), ring_mem.size(), policy, nullptr, nullptr);
    tern_producer_config_init(&cfg);
    cfg.bootstrap_host = "broker-1";
    cfg.bootstrap_port = 9001;
    cfg.client_id = "unit";
    cfg.request_timeout_ms = 1000;
    cfg.on_delivery = [](void* ctx, const tern_delivery_t* d) {
      static_cast<harness*>(ctx)->deliveries.push_back(*d);
    };
    cfg.on_delivery_ctx = this;
    cluster.create_topic("readings", 3);
  }

  tern_status_t init() {
    topic_ptrs.clear();
    for (auto& t : topic_names) topic_ptrs.push_back(t.c_str());
    cfg.topics = topic_ptrs.data();
    cfg.topic_count = topic_ptrs.size();
    transport = cluster.transport();
    clock = cluster.clock();
    net = {net_mem.data(), net_mem.size()};
    return tern_producer_init(&p, &cfg, &transport, &clock, &net, &ring);
  }

  // Reading i: key sensor-(i % sensors) (or null), value {"seq":i}, header seq=i.
  tern_status_t send(int i, bool with_key = true, std::size_t topic = 0,
                     std::int32_t partition = TERN_PARTITION_ANY) {
    std::string key = key_of(i, sensors);
    std::string value = value_of(i);
    std::string seq = std::to_string(i);
    tern_header_t h{};
    h.key = "seq";
    h.key_len = 3;
    h.value = reinterpret_cast<const std::uint8_t*>(seq.data());
    h.value_len = seq.size();
    tern_record_t r{};
    r.timestamp_ms = ts0 + i;
    if (with_key) {
      r.key = reinterpret_cast<const std::uint8_t*>(key.data());
      r.key_len = key.size();
    }
    r.value = reinterpret_cast<const std::uint8_t*>(value.data());
    r.value_len = value.size();
    r.headers = &h;
    r.header_count = 1;
    return tern_producer_send(&p, topic, partition, &r);
  }

  // Polls until the ring is empty or `max` polls happened; returns the polls made.
  int drain(int max = 500) {
    int n = 0;
    while (tern_producer_pending(&p) > 0 && n < max) {
      tern_producer_poll(&p);
      cluster.now += 200;  // let any backoff expire
      ++n;
    }
    return n;
  }

  std::vector<fwtest::stored_record>& log(int partition, const std::string& topic = "readings") {
    return cluster.topics[topic][static_cast<std::size_t>(partition)].log;
  }

  // Every reading 0..n-1 exactly once, in order, in the partition its key maps to.
  void expect_exactly_once(int n, const std::string& topic = "readings") {
    int partitions = static_cast<int>(cluster.topics[topic].size());
    std::vector<std::vector<int>> expected(static_cast<std::size_t>(partitions));
    for (int i = 0; i < n; ++i) {
      expected[static_cast<std::size_t>(java_partition(key_of(i, sensors), partitions))].push_back(
          i);
    }
    for (int part = 0; part < partitions; ++part) {
      auto& got = log(part, topic);
      ASSERT_EQ(got.size(), expected[static_cast<std::size_t>(part)].size())
          << "partition " << part;
      for (std::size_t k = 0; k < got.size(); ++k) {
        int i = expected[static_cast<std::size_t>(part)][k];
        EXPECT_EQ(got[k].key, key_of(i, sensors));
        EXPECT_EQ(got[k].value, value_of(i));
        EXPECT_EQ(got[k].timestamp, ts0 + i);
        ASSERT_EQ(got[k].headers.size(), 1u);
        EXPECT_EQ(got[k].headers[0].first, "seq");
        EXPECT_EQ(got[k].headers[0].second, std::to_string(i));
      }
    }
  }
};

TEST(ProducerSession, DeliversKeyedReadingsToTheJavaPartition) {
  harness h;
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 60; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_pending(&h.p), 60u);
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  h.expect_exactly_once(60);
  const tern_producer_stats_t* s = tern_producer_get_stats(&h.p);
  EXPECT_EQ(s->enqueued, 60u);
  EXPECT_EQ(s->delivered, 60u);
  EXPECT_EQ(s->failed, 0u);
  EXPECT_EQ(s->connects, 1u);
  EXPECT_EQ(h.cluster.requests[18], 1);  // ApiVersions
  EXPECT_EQ(h.cluster.requests[3], 1);   // Metadata
  EXPECT_EQ(h.cluster.requests[22], 0);  // no InitProducerId without idempotence
  EXPECT_EQ(tern_producer_pending(&h.p), 0u);
  EXPECT_EQ(h.ring.count, 0u);
}

TEST(ProducerSession, BatchesQueuedReadingsIntoOneRequest) {
  harness h;
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 30; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  ASSERT_EQ(tern_producer_poll(&h.p), TERN_OK);
  // One Produce request, one RecordBatch per partition, holding all 30 readings.
  ASSERT_EQ(h.cluster.produce_log.size(), 1u);
  std::size_t total = 0;
  for (auto& [topic, part, n] : h.cluster.produce_log[0]) total += n;
  EXPECT_EQ(total, 30u);
  EXPECT_EQ(h.cluster.produce_log[0].size(), 3u);
  EXPECT_EQ(tern_producer_pending(&h.p), 0u);
  // The delivery reports cover each batch with its base offset.
  std::size_t reported = 0;
  for (auto& d : h.deliveries) {
    EXPECT_EQ(d.error_code, 0);
    EXPECT_EQ(d.base_offset, 0);
    reported += d.record_count;
  }
  EXPECT_EQ(reported, 30u);
  h.expect_exactly_once(30);
}

TEST(ProducerSession, SplitsWhatDoesNotFitTheNetworkBuffer) {
  harness h(1 << 16, 512);
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  EXPECT_GT(h.cluster.produce_log.size(), 5u);
  h.expect_exactly_once(100);
}

TEST(ProducerSession, AcksZeroAndOne) {
  for (int acks : {0, 1}) {
    harness h;
    h.cfg.acks = static_cast<std::int16_t>(acks);
    ASSERT_EQ(h.init(), TERN_OK);
    for (int i = 0; i < 20; ++i) ASSERT_EQ(h.send(i), TERN_OK);
    EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
    h.expect_exactly_once(20);
    ASSERT_FALSE(h.cluster.produce_acks.empty());
    for (auto a : h.cluster.produce_acks) EXPECT_EQ(a, acks);
    EXPECT_EQ(tern_producer_get_stats(&h.p)->delivered, 20u);
    for (auto& d : h.deliveries) EXPECT_EQ(d.base_offset, acks == 0 ? -1 : 0);
  }
}

TEST(ProducerSession, NullKeysStickToOnePartitionPerRequest) {
  harness h;
  ASSERT_EQ(h.init(), TERN_OK);
  std::set<int> used;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) ASSERT_EQ(h.send(round * 5 + i, false), TERN_OK);
    ASSERT_EQ(tern_producer_poll(&h.p), TERN_OK);
    auto& req = h.cluster.produce_log.back();
    ASSERT_EQ(req.size(), 1u);  // all five in one partition
    EXPECT_EQ(std::get<2>(req[0]), 5u);
    used.insert(std::get<1>(req[0]));
  }
  EXPECT_EQ(used.size(), 3u);  // round-robin over the partitions
  EXPECT_FALSE(h.log(*used.begin())[0].key.has_value());
}

TEST(ProducerSession, ExplicitPartitionAndBadPartitions) {
  harness h;
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(1, true, 0, 2), TERN_OK);
  EXPECT_EQ(h.send(2, true, 0, -2), TERN_BAD_PARAMETER);
  EXPECT_EQ(h.send(2, true, 0, TERN_PARTITIONS_MAX), TERN_BAD_PARAMETER);
  EXPECT_EQ(h.send(2, true, 1), TERN_BAD_PARAMETER);  // topic index out of range
  ASSERT_EQ(tern_producer_flush(&h.p, 5000), TERN_OK);
  ASSERT_EQ(h.log(2).size(), 1u);
  EXPECT_EQ(h.log(2)[0].value, value_of(1));
  // Now the partition count is known: an explicit partition beyond it is refused at once.
  EXPECT_EQ(h.send(3, true, 0, 3), TERN_BAD_PARAMETER);
  // Queued before the count was known, a partition the topic lacks fails with error 3.
  harness g;
  ASSERT_EQ(g.init(), TERN_OK);
  ASSERT_EQ(g.send(1, true, 0, 7), TERN_OK);
  ASSERT_EQ(g.send(2), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&g.p, 5000), TERN_OK);
  EXPECT_EQ(tern_producer_get_stats(&g.p)->failed, 1u);
  EXPECT_EQ(tern_producer_get_stats(&g.p)->delivered, 1u);
  ASSERT_FALSE(g.deliveries.empty());
  EXPECT_EQ(g.deliveries[0].error_code, 3);
  EXPECT_EQ(g.deliveries[0].partition, 7);
}

TEST(ProducerSession, IdempotentRetryAfterLostResponseNeverDuplicates) {
  for (bool dup_as_error : {true, false}) {
    harness h;
    h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
    h.cluster.duplicate_as_error = dup_as_error;
    ASSERT_EQ(h.init(), TERN_OK);
    for (int i = 0; i < 40; ++i) ASSERT_EQ(h.send(i), TERN_OK);
    h.cluster.drop_produce_responses = 1;  // written, but the answer is lost
    EXPECT_EQ(tern_producer_poll(&h.p), TERN_TIMEOUT);
    EXPECT_EQ(tern_producer_pending(&h.p), 40u);
    EXPECT_TRUE(tern_producer_is_idempotent(&h.p));
    // Readings queued meanwhile must not join the retried batches.
    for (int i = 40; i < 50; ++i) ASSERT_EQ(h.send(i), TERN_OK);
    h.cluster.now += 10000;
    EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
    h.expect_exactly_once(50);
    EXPECT_EQ(h.cluster.requests[22], 1);  // one producer id for the whole session
    EXPECT_EQ(tern_producer_get_stats(&h.p)->delivered, 50u);
    EXPECT_GE(tern_producer_get_stats(&h.p)->retries, 1u);
  }
}

TEST(ProducerSession, IdempotentRetryAfterClosedConnection) {
  harness h;
  h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 25; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  h.cluster.close_after_produce = 1;
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_RECV_FAILED);
  h.cluster.close_before_produce = 1;
  h.cluster.now += 10000;
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_RECV_FAILED);
  h.cluster.now += 10000;
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  h.expect_exactly_once(25);
}

TEST(ProducerSession, WithoutIdempotenceALostResponseDuplicates) {
  // The documented at-least-once behaviour, shown for contrast with the test above.
  harness h;
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  h.cluster.drop_produce_responses = 1;
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_TIMEOUT);
  h.cluster.now += 10000;
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  EXPECT_EQ(h.log(java_partition(key_of(0, h.sensors), 3)).size(), 2u);
}

TEST(ProducerSession, FollowsALeaderMove) {
  harness h;
  h.cluster.create_topic("readings", 4, 1);
  h.cluster.topics["readings"][1].leader = 2;
  h.cluster.topics["readings"][3].leader = 3;
  h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  h.expect_exactly_once(40);
  // Every partition moves to broker 3 without telling the client: NOT_LEADER, refresh, reconnect.
  for (auto& part : h.cluster.topics["readings"]) part.leader = 3;
  for (int i = 40; i < 80; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  h.expect_exactly_once(80);
  EXPECT_EQ(tern_producer_last_error(&h.p), 6);
  EXPECT_GE(h.cluster.requests[3], 2);
}

TEST(ProducerSession, OfflineBufferSurvivesAnOutageInOrder) {
  harness h;
  h.cfg.idempotence = TERN_IDEMPOTENCE_PREFERRED;
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  ASSERT_EQ(tern_producer_flush(&h.p, 5000), TERN_OK);
  h.cluster.set_all_brokers(false);
  for (int i = 10; i < 200; ++i) {
    ASSERT_EQ(h.send(i), TERN_OK);
    tern_status_t st = tern_producer_poll(&h.p);
    EXPECT_TRUE(st == TERN_CONNECT_FAILED || st == TERN_BACKOFF || st == TERN_SEND_FAILED ||
                st == TERN_RECV_FAILED)
        << tern_status_str(st);
    h.cluster.now += 50;
  }
  EXPECT_EQ(tern_producer_pending(&h.p), 190u);
  h.cluster.set_all_brokers(true);
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  h.expect_exactly_once(200);
  EXPECT_GE(tern_producer_get_stats(&h.p)->connects, 2u);
}

TEST(ProducerSession, ReconnectBackoffGrowsAndResets) {
  harness h;
  h.cfg.reconnect_backoff_ms = 100;
  h.cfg.reconnect_backoff_max_ms = 1000;
  h.cluster.set_all_brokers(false);
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_CONNECT_FAILED);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_BACKOFF);
  std::uint32_t waits[6];
  for (auto& w : waits) {
    std::uint32_t start = h.cluster.now;
    while (tern_producer_poll(&h.p) == TERN_BACKOFF) h.cluster.now += 10;
    w = h.cluster.now - start;
  }
  EXPECT_GE(waits[0], 100u);
  EXPECT_GE(waits[1], 200u);
  EXPECT_GE(waits[2], 400u);
  EXPECT_LE(waits[5], 1010u);
  EXPECT_GE(waits[5], 1000u);
  h.cluster.set_all_brokers(true);
  h.cluster.now += 2000;
  EXPECT_EQ(tern_producer_flush(&h.p, 5000), TERN_OK);
}

TEST(ProducerSession, DropOldestPolicyCountsDrops) {
  harness h(1024, 4096, TERN_RING_DROP_OLDEST);
  ASSERT_EQ(h.init(), TERN_OK);
  h.cluster.set_all_brokers(false);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_GT(h.ring.dropped, 0u);
  std::uint32_t kept = tern_producer_pending(&h.p);
  EXPECT_EQ(kept + h.ring.dropped, 200u);
  h.cluster.set_all_brokers(true);
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  // The newest readings survived, each once and in order.
  std::size_t total = 0;
  for (int part = 0; part < 3; ++part) {
    int last = -1;
    for (auto& r : h.log(part)) {
      int seq = std::stoi(*r.headers[0].second);
      EXPECT_GT(seq, last);
      EXPECT_GE(seq, static_cast<int>(h.ring.dropped));
      last = seq;
    }
    total += h.log(part).size();
  }
  EXPECT_EQ(total, kept);
}

TEST(ProducerSession, DropOldestDuringAnUnansweredRequestStartsANewProducerId) {
  harness h(1024, 4096, TERN_RING_DROP_OLDEST);
  h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  h.cluster.drop_produce_responses = 1;
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_TIMEOUT);
  h.cluster.set_all_brokers(false);
  for (int i = 10; i < 100; ++i) ASSERT_EQ(h.send(i), TERN_OK);  // pushes the in-flight ones out
  EXPECT_GT(h.ring.dropped, 10u);
  h.cluster.set_all_brokers(true);
  h.cluster.now += 20000;
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  EXPECT_EQ(h.cluster.requests[22], 2);  // sequences restarted under a new producer id
  EXPECT_EQ(tern_producer_get_stats(&h.p)->failed, 0u);
}

TEST(ProducerSession, RejectNewPolicyReportsRingFull) {
  harness h(512, 4096, TERN_RING_REJECT_NEW);
  ASSERT_EQ(h.init(), TERN_OK);
  int accepted = 0;
  tern_status_t st = TERN_OK;
  for (int i = 0; i < 100 && st == TERN_OK; ++i) {
    st = h.send(i);
    if (st == TERN_OK) accepted++;
  }
  EXPECT_EQ(st, TERN_RING_FULL);
  EXPECT_GT(accepted, 5);
  EXPECT_EQ(h.ring.dropped, 0u);
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  EXPECT_EQ(tern_producer_get_stats(&h.p)->delivered, static_cast<std::uint32_t>(accepted));
}

TEST(ProducerSession, IdempotencePreferredFallsBackWhenTheBrokerLacksInitProducerId) {
  harness h;
  h.cluster.advertise_init_producer_id = false;
  h.cfg.idempotence = TERN_IDEMPOTENCE_PREFERRED;
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&h.p, 5000), TERN_OK);
  EXPECT_FALSE(tern_producer_is_idempotent(&h.p));
  EXPECT_EQ(h.cluster.requests[22], 0);
  h.expect_exactly_once(10);
}

TEST(ProducerSession, IdempotenceRequiredFailsClearlyWhenTheBrokerLacksInitProducerId) {
  harness h;
  h.cluster.advertise_init_producer_id = false;
  h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_UNSUPPORTED);
  EXPECT_EQ(tern_producer_flush(&h.p, 5000), TERN_UNSUPPORTED);
  EXPECT_EQ(h.cluster.requests[0], 0);  // nothing was produced non-idempotently
  EXPECT_EQ(tern_producer_pending(&h.p), 1u);
}

TEST(ProducerSession, ProducerIdErrorsGetANewProducerId) {
  for (std::int16_t err : {45, 47, 59, 90}) {
    harness h;
    h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
    ASSERT_EQ(h.init(), TERN_OK);
    ASSERT_EQ(h.send(0), TERN_OK);
    std::int32_t part = java_partition(key_of(0, h.sensors), 3);
    h.cluster.produce_errors[{"readings", part}] = {err};
    EXPECT_EQ(tern_producer_poll(&h.p), TERN_BROKER_ERROR);
    EXPECT_EQ(tern_producer_last_error(&h.p), err);
    EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
    EXPECT_EQ(h.cluster.requests[22], 2) << "error " << err;
    h.expect_exactly_once(1);
  }
}

TEST(ProducerSession, InitProducerIdErrorsAreRetried) {
  harness h;
  h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
  h.cluster.init_producer_id_errors = {15, 15};  // COORDINATOR_NOT_AVAILABLE
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_BROKER_ERROR);
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  EXPECT_EQ(h.cluster.requests[22], 3);
}

TEST(ProducerSession, RetriableErrorsRetryTheSameBatch) {
  for (std::int16_t err : {5, 6, 7, 19, 56}) {
    harness h;
    h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
    ASSERT_EQ(h.init(), TERN_OK);
    for (int i = 0; i < 10; ++i) ASSERT_EQ(h.send(i), TERN_OK);
    h.cluster.produce_errors[{"readings", 0}] = {err, err};
    EXPECT_EQ(tern_producer_poll(&h.p), TERN_BROKER_ERROR);
    EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
    h.expect_exactly_once(10);
    EXPECT_EQ(tern_producer_get_stats(&h.p)->failed, 0u);
  }
}

TEST(ProducerSession, NonRetriableErrorsFailTheBatchAndMoveOn) {
  harness h;
  ASSERT_EQ(h.init(), TERN_OK);
  std::int32_t part = java_partition(key_of(0, h.sensors), 3);
  h.cluster.produce_errors[{"readings", part}] = {10};  // MESSAGE_TOO_LARGE
  int in_part = 0;
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(h.send(i), TERN_OK);
    if (java_partition(key_of(i, h.sensors), 3) == part) in_part++;
  }
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_BROKER_ERROR);
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  EXPECT_EQ(tern_producer_get_stats(&h.p)->failed, static_cast<std::uint32_t>(in_part));
  EXPECT_EQ(tern_producer_get_stats(&h.p)->delivered, static_cast<std::uint32_t>(30 - in_part));
  bool reported = false;
  for (auto& d : h.deliveries) {
    if (d.error_code == 10) {
      reported = true;
      EXPECT_EQ(d.partition, part);
      EXPECT_EQ(d.record_count, static_cast<std::uint32_t>(in_part));
    }
  }
  EXPECT_TRUE(reported);
  EXPECT_TRUE(h.log(part).empty());
}

TEST(ProducerSession, MalformedResponsesDropTheConnectionAndRetry) {
  struct mangle_case {
    std::int16_t api;
    std::function<void(fwtest::bytes&)> edit;
    tern_status_t expect;
  };
  std::vector<mangle_case> cases = {
      {0,
       [](fwtest::bytes& f) {
         f.resize(f.size() - 3);
         f[3] = static_cast<std::uint8_t>(f[3] - 3);
       },
       TERN_MALFORMED},
      {0, [](fwtest::bytes& f) { f[7] ^= 0x55; }, TERN_MALFORMED},        // correlation id
      {0, [](fwtest::bytes& f) { f[0] = 0x80; }, TERN_MALFORMED},         // negative size
      {0, [](fwtest::bytes& f) { f[0] = 0x7f; }, TERN_BUFFER_TOO_SMALL},  // huge frame
      {3,
       [](fwtest::bytes& f) {
         f.push_back(0);
         f[3]++;
       },
       TERN_MALFORMED},                                                // trailing byte
      {18, [](fwtest::bytes& f) { f[10] = 0x7f; }, TERN_MALFORMED},    // api count
      {18, [](fwtest::bytes& f) { f[9] = 0x2a; }, TERN_BROKER_ERROR},  // error 42
  };
  for (auto& c : cases) {
    harness h;
    ASSERT_EQ(h.init(), TERN_OK);
    ASSERT_EQ(h.send(0), TERN_OK);
    int remaining = 1;
    h.cluster.mangle = [&](std::int16_t api, fwtest::bytes& f) {
      if (api == c.api && remaining > 0) {
        remaining--;
        c.edit(f);
      }
    };
    EXPECT_EQ(tern_producer_poll(&h.p), c.expect) << "api " << c.api;
    h.cluster.now += 1000;
    EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
    EXPECT_GE(h.cluster.connects, 2);
  }
}

TEST(ProducerSession, TopicWithTooManyPartitionsIsALimit) {
  harness h;
  h.cluster.create_topic("readings", TERN_PARTITIONS_MAX + 1);
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_LIMIT);
  EXPECT_EQ(tern_producer_flush(&h.p, 1000), TERN_LIMIT);
}

TEST(ProducerSession, UnknownTopicWaitsUntilItExists) {
  harness h;
  h.topic_names = {"later"};
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_BROKER_ERROR);
  EXPECT_EQ(tern_producer_last_error(&h.p), 3);
  EXPECT_EQ(tern_producer_pending(&h.p), 5u);
  h.cluster.create_topic("later", 2);
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  h.expect_exactly_once(5, "later");
}

TEST(ProducerSession, SeveralTopicsInOneRequest) {
  harness h;
  h.cluster.create_topic("events", 2, 1);
  h.topic_names = {"readings", "events"};
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(h.send(i, true, 0), TERN_OK);
    ASSERT_EQ(h.send(i, true, 1), TERN_OK);
  }
  ASSERT_EQ(tern_producer_poll(&h.p), TERN_OK);
  ASSERT_EQ(h.cluster.produce_log.size(), 1u);
  std::set<std::string> topics;
  for (auto& [t, part, n] : h.cluster.produce_log[0]) topics.insert(t);
  EXPECT_EQ(topics, (std::set<std::string>{"readings", "events"}));
  h.expect_exactly_once(10, "readings");
  h.expect_exactly_once(10, "events");
}

TEST(ProducerSession, LingerWaitsForMoreReadings) {
  harness h;
  h.cfg.linger_ms = 100;
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_OK);  // connects, but does not send yet
  EXPECT_EQ(h.cluster.requests[0], 0);
  ASSERT_EQ(h.send(1), TERN_OK);
  h.cluster.now += 100;
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_OK);
  EXPECT_EQ(h.cluster.requests[0], 1);
  EXPECT_EQ(tern_producer_pending(&h.p), 0u);
}

TEST(ProducerSession, ThrottleTimeDelaysTheNextRequest) {
  harness h;
  h.cluster.throttle_ms = 300;
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_OK);
  ASSERT_EQ(h.send(1), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_BACKOFF);
  h.cluster.now += 300;
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_OK);
  EXPECT_EQ(tern_producer_pending(&h.p), 0u);
}

TEST(ProducerSession, RestoredRingIsSentFirst) {
  harness first;
  first.cluster.set_all_brokers(false);
  ASSERT_EQ(first.init(), TERN_OK);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(first.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&first.p), TERN_CONNECT_FAILED);
  // "Reboot": a new session over the same storage, restored from head/tail.
  harness second;
  second.ring_mem = first.ring_mem;
  ASSERT_EQ(tern_ring_restore(&second.ring, second.ring_mem.data(), second.ring_mem.size(),
                              first.ring.head, first.ring.tail, TERN_ENTRY_INFLIGHT,
                              TERN_RING_REJECT_NEW, nullptr, nullptr),
            TERN_OK);
  ASSERT_EQ(second.init(), TERN_OK);
  EXPECT_EQ(tern_producer_pending(&second.p), 20u);
  for (int i = 20; i < 30; ++i) ASSERT_EQ(second.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&second.p, 10000), TERN_OK);
  second.expect_exactly_once(30);
}

TEST(ProducerSession, CorruptRestoredEntriesAreCountedNotSent) {
  harness h;
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  ASSERT_EQ(h.send(1), TERN_OK);
  // Damage the first entry's payload: a topic index this session does not have.
  h.ring_mem[h.ring.head + TERN_RING_ENTRY_HEADER] = 9;
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  EXPECT_EQ(tern_producer_get_stats(&h.p)->failed, 1u);
  EXPECT_EQ(tern_producer_get_stats(&h.p)->delivered, 1u);
}

TEST(ProducerSession, OversizedReadingsAreRefusedAtSend) {
  harness h(1 << 16, 256);
  ASSERT_EQ(h.init(), TERN_OK);
  std::string big(300, 'x');
  tern_record_t r{};
  r.value = reinterpret_cast<const std::uint8_t*>(big.data());
  r.value_len = big.size();
  EXPECT_EQ(tern_producer_send(&h.p, 0, TERN_PARTITION_ANY, &r), TERN_BUFFER_TOO_SMALL);
  r.value_len = 100;
  EXPECT_EQ(tern_producer_send(&h.p, 0, TERN_PARTITION_ANY, &r), TERN_OK);
  r.value = nullptr;  // null pointer with a length
  EXPECT_EQ(tern_producer_send(&h.p, 0, TERN_PARTITION_ANY, &r), TERN_BAD_PARAMETER);
}

TEST(ProducerSession, InitValidatesItsArguments) {
  harness h;
  EXPECT_EQ(h.init(), TERN_OK);
  auto expect_bad = [](const std::function<void(harness&)>& edit) {
    harness g;
    edit(g);
    EXPECT_EQ(g.init(), TERN_BAD_PARAMETER);
  };
  expect_bad([](harness& g) { g.cfg.acks = 2; });
  expect_bad([](harness& g) {
    g.cfg.acks = 1;
    g.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
  });
  expect_bad([](harness& g) { g.cfg.bootstrap_host = nullptr; });
  expect_bad([](harness& g) { g.cfg.bootstrap_host = ""; });
  expect_bad([](harness& g) { g.topic_names.clear(); });
  expect_bad([](harness& g) { g.topic_names = {""}; });
  expect_bad([](harness& g) { g.topic_names.assign(TERN_TOPICS_MAX + 1, "t"); });
  expect_bad([](harness& g) { g.net_mem.resize(100); });
  // The bootstrap list: bounded, every host present, non-empty and short enough.
  static const tern_bootstrap_address_t two[] = {{"broker-1", 9001}, {"broker-2", 9002}};
  static const tern_bootstrap_address_t no_host[] = {{"broker-1", 9001}, {nullptr, 9002}};
  static const tern_bootstrap_address_t empty_host[] = {{"", 9001}};
  static const std::string long_name(TERN_HOST_LEN_MAX, 'h');
  static const tern_bootstrap_address_t long_host[] = {{long_name.c_str(), 9001}};
  static std::vector<tern_bootstrap_address_t> too_many(TERN_BOOTSTRAP_MAX + 1, two[0]);
  expect_bad([](harness& g) { g.cfg.bootstrap_count = 1; });  // NULL list
  expect_bad([](harness& g) {
    g.cfg.bootstrap = no_host;
    g.cfg.bootstrap_count = 2;
  });
  expect_bad([](harness& g) {
    g.cfg.bootstrap = empty_host;
    g.cfg.bootstrap_count = 1;
  });
  expect_bad([](harness& g) {
    g.cfg.bootstrap = long_host;
    g.cfg.bootstrap_count = 1;
  });
  expect_bad([](harness& g) {
    g.cfg.bootstrap = too_many.data();
    g.cfg.bootstrap_count = too_many.size();
  });
  {
    harness g;  // a list replaces the single host, which may then be absent
    g.cfg.bootstrap_host = nullptr;
    g.cfg.bootstrap = two;
    g.cfg.bootstrap_count = 2;
    EXPECT_EQ(g.init(), TERN_OK);
  }
  EXPECT_EQ(tern_producer_init(nullptr, &h.cfg, &h.transport, &h.clock, &h.net, &h.ring),
            TERN_BAD_PARAMETER);
  tern_transport_t no_connect = h.transport;
  no_connect.connect = nullptr;
  EXPECT_EQ(tern_producer_init(&h.p, &h.cfg, &no_connect, &h.clock, &h.net, &h.ring),
            TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_producer_poll(nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_producer_flush(nullptr, 1), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_producer_close(nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_producer_send(nullptr, 0, -1, nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_producer_pending(nullptr), 0u);
  EXPECT_EQ(tern_producer_get_stats(nullptr), nullptr);
  EXPECT_FALSE(tern_producer_is_idempotent(nullptr));
}

TEST(ProducerSession, BootstrapAddressThatIsNotAdvertisedReconnectsToTheLeader) {
  harness h;
  h.cluster.brokers.push_back({9, "bootstrap.example", 9092});  // an alias, not in Metadata
  h.cfg.bootstrap_host = "bootstrap.example";
  h.cfg.bootstrap_port = 9092;
  ASSERT_EQ(h.init(), TERN_OK);
  // The alias is not a real broker: make its Metadata answer list brokers 1-3 only.
  h.cluster.brokers.back().id = 9;
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  EXPECT_EQ(h.cluster.connects, 2);
  h.expect_exactly_once(1);
}

TEST(ProducerSession, CloseKeepsQueuedReadings) {
  harness h;
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_close(&h.p), TERN_OK);
  EXPECT_EQ(tern_producer_pending(&h.p), 1u);
  EXPECT_EQ(tern_producer_flush(&h.p, 5000), TERN_OK);
  h.expect_exactly_once(1);
}

// ---- bootstrap list and failover ---------------------------------------------------------------

const tern_bootstrap_address_t all_three[] = {
    {"broker-1", 9001}, {"broker-2", 9002}, {"broker-3", 9003}};

TEST(ProducerSession, BootstrapListSkipsAFirstHostThatRefuses) {
  harness h;
  h.cluster.create_topic("readings", 3, 2);
  h.cluster.broker(1)->up = false;  // the first address refuses connections
  h.cfg.bootstrap_host = nullptr;
  h.cfg.bootstrap = all_three;
  h.cfg.bootstrap_count = 3;
  h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 30; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  // One poll: broker-1 refuses, broker-2 answers, is the leader, and takes the readings.
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  h.expect_exactly_once(30);
  EXPECT_EQ(h.cluster.connects, 1);  // broker-2 only: no reconnect to the same broker
  EXPECT_EQ(tern_producer_get_stats(&h.p)->connects, 1u);
}

TEST(ProducerSession, BootstrapListAllDownBacksOffThenRecovers) {
  harness h;
  h.cluster.set_all_brokers(false);
  h.cfg.bootstrap_host = nullptr;
  h.cfg.bootstrap = all_three;
  h.cfg.bootstrap_count = 3;
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_CONNECT_FAILED);  // every address tried once
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_BACKOFF);
  h.cluster.broker(3)->up = true;  // only the last one comes back
  h.cluster.topics["readings"][0].leader = 3;
  h.cluster.topics["readings"][1].leader = 3;
  h.cluster.topics["readings"][2].leader = 3;
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  h.expect_exactly_once(1);
}

TEST(ProducerSession, EmptyListUsesTheSingleBootstrapHost) {
  harness h;  // bootstrap_host "broker-1", no list: the pre-list behaviour
  h.cfg.bootstrap = all_three;
  h.cfg.bootstrap_count = 0;  // a pointer with count 0 is ignored
  h.cluster.broker(1)->up = false;
  ASSERT_EQ(h.init(), TERN_OK);
  ASSERT_EQ(h.send(0), TERN_OK);
  EXPECT_EQ(tern_producer_poll(&h.p), TERN_CONNECT_FAILED);  // it never tried broker-2/3
  EXPECT_EQ(h.cluster.connects, 0);
  h.cluster.broker(1)->up = true;
  h.cluster.now += 1000;
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  h.expect_exactly_once(1);
}

// The leader (also the first bootstrap address) dies after writing a batch whose response is
// lost, and leadership moves to broker 2: the session falls back through the list, refreshes
// Metadata, and resends the SAME batch (same producer id, epoch and sequence) to the new leader,
// which recognises it (its producer state is replicated): nothing lost, nothing duplicated.
TEST(ProducerSession, LeaderDiesMidRequestAndTheSameBatchIsRetriedOnTheNewLeader) {
  for (bool dup_as_error : {true, false}) {
    harness h;
    h.cluster.duplicate_as_error = dup_as_error;
    h.cfg.bootstrap_host = nullptr;
    h.cfg.bootstrap = all_three;
    h.cfg.bootstrap_count = 3;
    h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
    ASSERT_EQ(h.init(), TERN_OK);
    for (int i = 0; i < 20; ++i) ASSERT_EQ(h.send(i), TERN_OK);
    EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
    for (int i = 20; i < 45; ++i) ASSERT_EQ(h.send(i), TERN_OK);
    h.cluster.close_after_produce = 1;  // written on broker 1, then the connection drops
    EXPECT_EQ(tern_producer_poll(&h.p), TERN_RECV_FAILED);
    std::size_t written = h.cluster.produce_log.size();
    h.cluster.broker(1)->up = false;
    for (auto& part : h.cluster.topics["readings"]) part.leader = 2;
    for (int i = 45; i < 60; ++i) ASSERT_EQ(h.send(i), TERN_OK);  // must not join the retry
    EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
    h.expect_exactly_once(60);
    EXPECT_EQ(h.cluster.requests[22], 1);  // one producer id for the whole session
    // The first request after the failover is the lost one, partition by partition the same
    // batch (its records were appended once, before the failure).
    ASSERT_GT(h.cluster.produce_log.size(), written);
    auto& before = h.cluster.produce_log[written - 1];
    auto& retry = h.cluster.produce_log[written];
    ASSERT_EQ(retry.size(), before.size());
    for (std::size_t k = 0; k < retry.size(); ++k) {
      EXPECT_EQ(std::get<1>(retry[k]), std::get<1>(before[k]));
      if (dup_as_error) {  // (otherwise the fake logs the size of the batch it already holds)
        EXPECT_EQ(std::get<2>(retry[k]), 0u) << "the retry must be deduplicated, not appended";
      }
    }
    EXPECT_EQ(tern_producer_get_stats(&h.p)->delivered, 60u);
    EXPECT_EQ(tern_producer_get_stats(&h.p)->failed, 0u);
  }
}

// Only one bootstrap address, and it dies: the session falls back to the brokers it learnt from
// Metadata (non-leaders included), finds the new leader and goes on.
TEST(ProducerSession, FallsBackToBrokersLearntFromMetadata) {
  harness h;
  h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
  ASSERT_EQ(h.init(), TERN_OK);  // bootstrap_host broker-1 only; every leader on broker 1
  for (int i = 0; i < 10; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  h.cluster.broker(1)->up = false;
  for (auto& part : h.cluster.topics["readings"]) part.leader = 3;
  for (int i = 10; i < 40; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  h.expect_exactly_once(40);
  EXPECT_EQ(h.cluster.requests[22], 1);
  EXPECT_GE(h.cluster.requests[3], 2);  // Metadata refreshed after the connection loss
}

// NOT_LEADER_OR_FOLLOWER and LEADER_NOT_AVAILABLE from a live broker refresh Metadata; while the
// election runs (no leader) readings wait; then they go to the new leader exactly once.
TEST(ProducerSession, LeaderErrorsRefreshMetadataAndWaitForTheElection) {
  harness h;
  h.cfg.bootstrap_host = nullptr;
  h.cfg.bootstrap = all_three;
  h.cfg.bootstrap_count = 3;
  h.cfg.idempotence = TERN_IDEMPOTENCE_REQUIRED;
  ASSERT_EQ(h.init(), TERN_OK);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  EXPECT_EQ(tern_producer_flush(&h.p, 10000), TERN_OK);
  int metadata_before = h.cluster.requests[3];
  for (int part = 0; part < 3; ++part) {
    h.cluster.produce_errors[{"readings", part}] = {5};  // LEADER_NOT_AVAILABLE once
    h.cluster.topics["readings"][static_cast<std::size_t>(part)].leader = -1;  // electing
  }
  for (int i = 10; i < 30; ++i) ASSERT_EQ(h.send(i), TERN_OK);
  for (int k = 0; k < 5; ++k) {
    tern_producer_poll(&h.p);
    h.cluster.now += 200;
  }
  EXPECT_GT(h.cluster.requests[3], metadata_before + 1);  // Metadata polled during the election
  EXPECT_EQ(tern_producer_pending(&h.p), 20u);
  for (auto& part : h.cluster.topics["readings"]) part.leader = 2;
  EXPECT_EQ(tern_producer_flush(&h.p, 60000), TERN_OK);
  h.expect_exactly_once(30);
  EXPECT_EQ(h.cluster.requests[22], 1);
}

}  // namespace
