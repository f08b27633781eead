// replica_manager's local topics against a real cluster on one io_context (three voters, one of
// them the broker) and a real store: the io thread goes on running while the storage writer
// is busy, a partition is served only once its local topic exists with the cluster's id, a
// delete and a re-create of the same name run in order, configs follow the image, and a store
// call still in flight at stop() completes into nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include "../cluster/quorum_test_util.h"
#include "../storage/storage_test_util.h"
#include "cluster/cluster_node.h"
#include "replication/replica_manager.h"
#include "storage/log_store.h"

namespace tern::replication {
namespace {

using cluster::test::run_for;
using cluster::test::run_until;

using storage::test::writer_block;

// Three voters on one io_context: node 1 is the broker (with this test's store and replica
// manager), nodes 2 and 3 are controller-only witnesses.
struct one_broker_cluster {
  asio::io_context io;
  cluster::test::temp_dir dir;
  std::unique_ptr<storage::log_store> store;
  std::vector<std::unique_ptr<cluster::cluster_node>> witnesses;
  std::unique_ptr<cluster::cluster_node> node;
  std::unique_ptr<replica_manager> replicas;

  one_broker_cluster() {
    storage::store_options so;
    so.dir = dir.sub("data");
    so.map_size_bytes = 64ull << 20;
    so.retention_check_interval_ms = 0;
    so.compaction_interval_ms = 0;
    EXPECT_FALSE(storage::log_store::open(so, store));

    std::vector<cluster::quorum_voter> voters;
    for (int id = 1; id <= 3; ++id) voters.push_back({id, "127.0.0.1", cluster::test::free_port()});
    auto options = [&](int id) {
      cluster::cluster_node_options o;
      o.quorum.node_id = id;
      o.quorum.voters = voters;
      o.quorum.dir = dir.sub("metadata" + std::to_string(id));
      o.quorum.quorum_id = "replica-manager-test";
      o.quorum.election_timeout_ms = 300;
      o.quorum.heartbeat_interval_ms = 30;
      o.role_broker = id == 1;
      o.dir_id[0] = static_cast<std::uint8_t>(id);
      o.heartbeat_interval_ms = 50;
      o.session_timeout_ms = 3000;
      return o;
    };
    for (int id = 2; id <= 3; ++id) {
      witnesses.push_back(std::make_unique<cluster::cluster_node>(io, options(id)));
      EXPECT_FALSE(witnesses.back()->start());
    }
    node = std::make_unique<cluster::cluster_node>(io, options(1));
    node->set_endpoints({{"PLAINTEXT", "127.0.0.1", 9}});
    EXPECT_FALSE(node->start());

    replica_manager_options r;
    r.self = node_id{1};
    r.isr_check_interval_ms = 50;
    replicas = std::make_unique<replica_manager>(io, *store, *node, r);
    replicas->start();
    EXPECT_TRUE(run_until(io, [&] { return node->may_lead(); }, 15000));
  }
  ~one_broker_cluster() {
    if (replicas) replicas->stop();
    node->stop();
    for (auto& w : witnesses) w->stop();
  }

  template <typename Response, typename Call>
  Response ask(Call call) {
    bool done = false;
    Response out;
    call([&](std::error_code ec, const Response& r) {
      EXPECT_FALSE(ec) << ec.message();
      out = r;
      done = true;
    });
    EXPECT_TRUE(run_until(io, [&] { return done; }, 10000));
    return out;
  }
  void create(const std::string& name, std::map<std::string, std::string> configs = {}) {
    cluster::rpc::create_topics_request req;
    req.topics.push_back({name, 1, 1, std::move(configs), {}});
    auto r = ask<cluster::rpc::create_topics_response>(
        [&](auto done) { node->create_topics(req, std::move(done)); });
    ASSERT_EQ(r.results.size(), 1u);
    EXPECT_EQ(r.results[0].error, 0) << r.results[0].message;
  }
  void remove(const std::string& name) {
    cluster::rpc::delete_topics_request req;
    req.names = {name};
    auto r = ask<cluster::rpc::delete_topics_response>(
        [&](auto done) { node->delete_topics(req, std::move(done)); });
    ASSERT_EQ(r.results.size(), 1u);
    EXPECT_EQ(r.results[0].error, 0) << r.results[0].message;
  }
  void alter(const std::string& name, std::map<std::string, std::string> configs) {
    cluster::rpc::alter_configs_request req{name, std::move(configs)};
    auto r = ask<cluster::rpc::alter_configs_response>(
        [&](auto done) { node->alter_configs(req, std::move(done)); });
    EXPECT_EQ(r.error, 0) << r.message;
  }
  // The cluster's id of the topic, or nullopt while the image does not have it.
  std::optional<cluster::uuid16> image_id(const std::string& name) const {
    const auto* t = node->image().topic(name);
    return t ? std::optional(t->id) : std::nullopt;
  }
  bool leads(const std::string& name) const {
    auto v = replicas->find(name, ids::partition_index{0});
    return v && v->is_leader;
  }
  // Leads the partition, on a local topic with the cluster's id.
  bool serves(const std::string& name) const {
    auto local = store->find_topic(name);
    auto id = image_id(name);
    return leads(name) && local && id && local->uuid == *id &&
           replicas->find(name, ids::partition_index{0})->log ==
               local->partition_log(ids::partition_index{0});
  }
};

// Counts the gaps between the ticks of a 10 ms timer on the io loop.
struct ticker {
  asio::steady_timer timer;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  std::chrono::milliseconds longest_gap{0};
  int ticks = 0;
  explicit ticker(asio::io_context& io) : timer(io) { arm(); }
  void arm() {
    timer.expires_after(std::chrono::milliseconds(10));
    timer.async_wait([this](std::error_code ec) {
      if (ec) return;
      auto now = std::chrono::steady_clock::now();
      longest_gap = std::max(longest_gap,
                             std::chrono::duration_cast<std::chrono::milliseconds>(now - last));
      last = now;
      ++ticks;
      arm();
    });
  }
};

TEST(ReplicaManager, IoThreadRunsWhileTheWriterIsBusyAndThePartitionWaitsForItsTopic) {
  one_broker_cluster c;
  ticker tick(c.io);
  std::optional<cluster::uuid16> id;
  {
    writer_block busy(*c.store);
    // A synchronous create on the io thread would hang here until this safety net fires.
    std::promise<void> finished;
    std::thread safety([&busy, done = finished.get_future()] {
      done.wait_for(std::chrono::seconds(5));
      busy.release();
    });
    c.create("t");
    ASSERT_TRUE(run_until(c.io, [&] { return c.image_id("t").has_value(); }, 10000));
    id = c.image_id("t");
    run_for(c.io, 300);
    // The writer is still held: no local topic yet, so nothing is served, and the loop ran on.
    EXPECT_FALSE(c.store->find_topic("t"));
    EXPECT_FALSE(c.replicas->find("t", ids::partition_index{0}));
    // (A loop that waited for the writer would stall until the safety net, 5 s.)
    EXPECT_GE(tick.ticks, 10);
    EXPECT_LT(tick.longest_gap, std::chrono::milliseconds(1000));
    busy.release();
    finished.set_value();
    safety.join();
  }
  ASSERT_TRUE(run_until(c.io, [&] { return c.serves("t"); }, 10000));
  EXPECT_EQ(c.store->find_topic("t")->uuid, *id);
}

TEST(ReplicaManager, DeleteThenRecreateOfOneNameRunInOrder) {
  one_broker_cluster c;
  c.create("t", {{"retention.ms", "60000"}});
  ASSERT_TRUE(run_until(c.io, [&] { return c.serves("t"); }, 10000));
  auto first = *c.store->find_topic("t");
  {
    writer_block busy(*c.store);
    c.remove("t");
    ASSERT_TRUE(run_until(c.io, [&] { return !c.image_id("t"); }, 10000));
    // Deleted in the cluster: not served here any more, at once, though the local delete waits.
    EXPECT_FALSE(c.replicas->find("t", ids::partition_index{0}));
    c.create("t");
    ASSERT_TRUE(run_until(c.io, [&] { return c.image_id("t").has_value(); }, 10000));
    EXPECT_NE(*c.image_id("t"), first.uuid);
    run_for(c.io, 100);
    EXPECT_FALSE(
        c.replicas->find("t", ids::partition_index{0}));  // the old local topic is still there
    EXPECT_EQ(c.store->find_topic("t")->uuid, first.uuid);
  }
  ASSERT_TRUE(run_until(c.io, [&] { return c.serves("t"); }, 10000));
  auto second = *c.store->find_topic("t");
  EXPECT_EQ(second.uuid, *c.image_id("t"));
  EXPECT_NE(second.first_log_id, first.first_log_id);  // new logs: no old batch can show up
  EXPECT_TRUE(second.configs.empty());
  EXPECT_EQ(c.store->list_topics().size(), 1u);
}

TEST(ReplicaManager, ATopicDeletedWhileItsCreateIsQueuedIsDeletedLocallyToo) {
  one_broker_cluster c;
  {
    writer_block busy(*c.store);
    c.create("t");
    ASSERT_TRUE(run_until(c.io, [&] { return c.image_id("t").has_value(); }, 10000));
    c.remove("t");
    ASSERT_TRUE(run_until(c.io, [&] { return !c.image_id("t"); }, 10000));
  }
  // The queued create runs, then the manager sees the cluster no longer has the topic.
  ASSERT_TRUE(run_until(c.io, [&] { return c.store->list_topics().empty(); }, 10000));
  run_for(c.io, 200);
  EXPECT_TRUE(c.store->list_topics().empty());
  EXPECT_FALSE(c.replicas->find("t", ids::partition_index{0}));
}

TEST(ReplicaManager, ConfigChangesReachTheLocalTopicInTheirLastState) {
  one_broker_cluster c;
  c.create("t");
  ASSERT_TRUE(run_until(c.io, [&] { return c.serves("t"); }, 10000));
  {
    writer_block busy(*c.store);
    c.alter("t", {{"retention.ms", "1111"}});
    c.alter("t", {{"retention.ms", "2222"}});
    run_for(c.io, 100);
    EXPECT_TRUE(c.leads("t"));  // a reconfiguration does not stop the partition
  }
  ASSERT_TRUE(run_until(
      c.io, [&] { return c.store->topic_settings_of("t")->retention_ms == 2222; }, 10000));
  run_for(c.io, 200);
  EXPECT_EQ(c.store->topic_settings_of("t")->retention_ms, 2222);
  EXPECT_TRUE(c.serves("t"));
}

TEST(ReplicaManager, AStoreCallInFlightAtStopCompletesIntoNothing) {
  one_broker_cluster c;
  {
    writer_block busy(*c.store);
    c.create("t");
    ASSERT_TRUE(run_until(c.io, [&] { return c.image_id("t").has_value(); }, 10000));
    c.replicas->stop();
    c.replicas.reset();
  }
  // The create completes on the writer after the manager is gone; nothing may be posted.
  ASSERT_TRUE(run_until(c.io, [&] { return c.store->find_topic("t").has_value(); }, 10000));
  run_for(c.io, 100);
}

}  // namespace
}  // namespace tern::replication
