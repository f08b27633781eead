#include <gtest/gtest.h>

#include <fstream>

#include "cluster/errors.h"
#include "cluster/quorum.h"
#include "cluster/raft_storage.h"
#include "quorum_test_util.h"

namespace tern::cluster {
namespace {

using test::bytes_of;
using test::run_until;
using test::vector_machine;

// Three voters on loopback, one io_context.
struct cluster3 {
  asio::io_context io;
  test::temp_dir dir;
  std::vector<quorum_voter> voters;
  vector_machine machines[3];
  std::unique_ptr<quorum> nodes[3];
  std::uint32_t snapshot_threshold = 1024;
  std::uint32_t snapshot_trailing = 128;

  cluster3() {
    for (int i = 0; i < 3; ++i) voters.push_back({i, "127.0.0.1", test::free_port()});
  }
  ~cluster3() {
    for (auto& n : nodes) {
      if (n) n->stop();
    }
  }
  quorum_options options(int i) {
    quorum_options o;
    o.node_id = i;
    o.voters = voters;
    o.dir = dir.sub("node" + std::to_string(i));
    o.quorum_id = "test-quorum";
    o.election_timeout_ms = 500;
    o.heartbeat_interval_ms = 50;
    o.snapshot_threshold = snapshot_threshold;
    o.snapshot_trailing = snapshot_trailing;
    return o;
  }
  void start(int i) {
    machines[i] = vector_machine{};
    nodes[i] = std::make_unique<quorum>(io, options(i), machines[i]);
    ASSERT_FALSE(nodes[i]->start());
  }
  void stop(int i) {
    nodes[i]->stop();
    nodes[i].reset();
  }
  int leader() {
    for (int i = 0; i < 3; ++i) {
      if (nodes[i] && nodes[i]->is_leader()) return i;
    }
    return -1;
  }
  int wait_leader(std::int64_t ms = 8000) {
    run_until(io, [&] { return leader() >= 0; }, ms);
    return leader();
  }
  // Proposes and runs the loop until done ran; returns its error.
  std::error_code propose_sync(int i, const std::string& text) {
    std::optional<std::error_code> result;
    nodes[i]->propose(bytes_of(text), [&](std::error_code ec) { result = ec; });
    run_until(io, [&] { return result.has_value(); }, 8000);
    return result.value_or(make_error_code(std::errc::timed_out));
  }
  // Proposes through whichever node leads, retrying while leadership moves.
  void commit(const std::string& text) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      int l = wait_leader();
      ASSERT_GE(l, 0);
      if (!propose_sync(l, text)) return;
      test::run_for(io, 100);
    }
    FAIL() << "could not commit " << text;
  }
};

std::vector<std::vector<std::uint8_t>> as_entries(const std::vector<std::string>& texts) {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& t : texts) out.push_back(bytes_of(t));
  return out;
}

TEST(Quorum, ThreeVotersElectALeaderAndApplyInTheSameOrder) {
  cluster3 c;
  std::vector<std::pair<bool, std::int32_t>> changes;
  for (int i = 0; i < 3; ++i) c.start(i);
  c.nodes[0]->set_leader_listener([&](bool l, std::int32_t id) { changes.emplace_back(l, id); });
  int l = c.wait_leader();
  ASSERT_GE(l, 0);
  ASSERT_TRUE(run_until(c.io, [&] {
    for (auto& n : c.nodes) {
      if (n->leader_id() != l) return false;
    }
    return true;
  }, 5000));
  EXPECT_FALSE(changes.empty());
  EXPECT_EQ(changes.back().second, l);

  std::vector<std::string> texts;
  for (int k = 0; k < 20; ++k) texts.push_back("entry-" + std::to_string(k));
  int done = 0;
  for (const auto& t : texts) {
    c.nodes[l]->propose(bytes_of(t), [&](std::error_code ec) {
      EXPECT_FALSE(ec) << ec.message();
      ++done;
    });
  }
  ASSERT_TRUE(run_until(c.io, [&] { return done == 20; }, 8000));
  // Applied on the leader before done ran; the followers follow within a heartbeat or two.
  EXPECT_EQ(c.machines[l].entries, as_entries(texts));
  ASSERT_TRUE(run_until(c.io, [&] {
    return c.machines[0].entries.size() == 20 && c.machines[1].entries.size() == 20 &&
           c.machines[2].entries.size() == 20;
  }, 5000));
  for (auto& m : c.machines) EXPECT_EQ(m.entries, as_entries(texts));
  for (auto& n : c.nodes) EXPECT_EQ(n->last_applied(), c.nodes[l]->commit_index());

  // The leader learns the followers' match index from their next results.
  ASSERT_TRUE(run_until(c.io, [&] {
    for (const auto& s : c.nodes[l]->status()) {
      if (s.match_index < 20u) return false;
    }
    return true;
  }, 3000));
  auto st = c.nodes[l]->status();
  ASSERT_EQ(st.size(), 3u);
  for (const auto& s : st) {
    EXPECT_EQ(s.is_leader, s.node_id == l);
    EXPECT_TRUE(s.connected);
    EXPECT_GE(s.match_index, 20u) << "voter " << s.node_id << " leader " << l;
  }
  // A follower refuses proposals, naming the leader.
  int f = (l + 1) % 3;
  EXPECT_EQ(c.propose_sync(f, "x"), make_error_code(cluster_errc::not_leader));
  EXPECT_EQ(c.propose_sync(l, std::string(raft_entry_size_max_bytes + 1, 'x')),
            make_error_code(cluster_errc::entry_too_large));
}

TEST(Quorum, LeaderStopsNewLeaderCommitsWithTwoThenTheOldOneCatchesUp) {
  cluster3 c;
  for (int i = 0; i < 3; ++i) c.start(i);
  for (int k = 0; k < 5; ++k) c.commit("a" + std::to_string(k));
  int old = c.wait_leader();
  ASSERT_GE(old, 0);
  std::uint64_t term_before = c.nodes[old]->current_term();
  c.stop(old);

  auto t0 = std::chrono::steady_clock::now();
  int l = c.wait_leader(5000);
  ASSERT_GE(l, 0);
  ASSERT_NE(l, old);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  for (int k = 0; k < 5; ++k) c.commit("b" + std::to_string(k));

  // Its dir kept term, vote and log.
  {
    raft_storage s;
    ASSERT_FALSE(s.open(c.options(old).dir));
    raft_persistent_state st;
    ASSERT_FALSE(s.load(st));
    EXPECT_GE(st.term, term_before);
    EXPECT_NE(st.voted_for, 0u);  // it voted for itself when it won
    EXPECT_GE(st.entries.size(), 6u);  // the configuration + a0..a4 (at least)
  }
  c.start(old);
  EXPECT_GE(c.nodes[old]->current_term(), term_before);  // loaded before any message
  ASSERT_TRUE(run_until(c.io, [&] { return c.machines[old].entries.size() == 10; }, 8000));
  EXPECT_EQ(c.machines[old].entries, c.machines[l].entries);
}

TEST(Quorum, WipedNodeCatchesUpBySnapshot) {
  cluster3 c;
  c.snapshot_threshold = 8;
  c.snapshot_trailing = 2;
  for (int i = 0; i < 3; ++i) c.start(i);
  int l = c.wait_leader();
  ASSERT_GE(l, 0);
  int victim = (l + 1) % 3;
  c.stop(victim);
  std::filesystem::remove_all(c.options(victim).dir);
  std::vector<std::string> texts;
  for (int k = 0; k < 40; ++k) {
    texts.push_back("s" + std::to_string(k));
    c.commit(texts.back());
  }
  c.start(victim);  // pristine: bootstraps the same voter list, then gets a snapshot
  ASSERT_TRUE(run_until(c.io, [&] { return c.machines[victim].entries.size() == 40; }, 8000));
  EXPECT_EQ(c.machines[victim].entries, as_entries(texts));
  EXPECT_GE(c.machines[victim].restores, 1);
}

TEST(Quorum, OneOfThreeAloneNeverLeads) {
  cluster3 c;
  c.start(0);
  test::run_for(c.io, 3000);
  EXPECT_FALSE(c.nodes[0]->is_leader());
  EXPECT_EQ(c.nodes[0]->leader_id(), -1);
  auto ec = c.propose_sync(0, "alone");
  EXPECT_TRUE(ec == cluster_errc::no_quorum || ec == cluster_errc::not_leader) << ec.message();
  EXPECT_EQ(c.machines[0].entries.size(), 0u);
}

TEST(Quorum, LeaderCutOffFromTheMajorityStopsAcknowledging) {
  cluster3 c;
  for (int i = 0; i < 3; ++i) c.start(i);
  c.commit("before");
  int l = c.wait_leader();
  ASSERT_GE(l, 0);
  for (int i = 0; i < 3; ++i) {
    if (i != l) c.stop(i);
  }
  std::optional<std::error_code> result;
  c.nodes[l]->propose(bytes_of("lost"), [&](std::error_code ec) { result = ec; });
  ASSERT_TRUE(run_until(c.io, [&] { return result.has_value(); }, 5000));
  EXPECT_TRUE(*result) << "acknowledged without a majority";
  ASSERT_TRUE(run_until(c.io, [&] { return !c.nodes[l]->is_leader(); }, 5000));
  EXPECT_TRUE(c.propose_sync(l, "later"));
}

TEST(Quorum, ApplicationMessagesArrive) {
  cluster3 c;
  for (int i = 0; i < 3; ++i) c.start(i);
  std::vector<std::pair<std::int32_t, std::string>> got;
  c.nodes[2]->set_message_handler([&](std::int32_t from, std::span<const std::uint8_t> p) {
    got.emplace_back(from, std::string(p.begin(), p.end()));
  });
  ASSERT_TRUE(run_until(c.io, [&] {
    c.nodes[0]->send_message(2, bytes_of("heartbeat"));
    test::run_for(c.io, 50);
    return !got.empty();
  }, 5000));
  EXPECT_EQ(got[0].first, 0);
  EXPECT_EQ(got[0].second, "heartbeat");
}

TEST(Quorum, StartRefusesBadOptionsAndDamagedDirs) {
  asio::io_context io;
  test::temp_dir dir;
  vector_machine m;
  quorum_options o;
  o.node_id = 5;  // not a voter
  o.voters = {{0, "127.0.0.1", test::free_port()}};
  o.dir = dir.sub("q");
  quorum q(io, o, m);
  EXPECT_EQ(q.start(), std::make_error_code(std::errc::invalid_argument));

  std::filesystem::create_directories(dir.sub("bad"));
  {
    std::ofstream f(dir.sub("bad") + "/data.mdb", std::ios::binary);
    f << std::string(8192, 'x');
  }
  o.node_id = 0;
  o.dir = dir.sub("bad");
  quorum q2(io, o, m);
  EXPECT_EQ(q2.start(), make_error_code(cluster_errc::io_error));
}

}  // namespace
}  // namespace tern::cluster
