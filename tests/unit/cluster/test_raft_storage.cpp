#include <gtest/gtest.h>

#include <lmdb.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "cluster/errors.h"
#include "cluster/raft_storage.h"
#include "quorum_test_util.h"

namespace tern::cluster {
namespace {

using test::temp_dir;

std::vector<raft_log_entry> entries(std::uint64_t term, int n, const std::string& tag) {
  std::vector<raft_log_entry> out;
  for (int i = 0; i < n; ++i) {
    std::string p = tag + std::to_string(i);
    out.push_back({term, TERN_RAFT_COMMAND, {p.begin(), p.end()}});
  }
  return out;
}

TEST(RaftStorage, TermVoteAndEntriesSurviveReopen) {
  temp_dir dir;
  {
    raft_storage s;
    ASSERT_FALSE(s.open(dir.sub("q")));
    bool pristine = false;
    ASSERT_FALSE(s.pristine(pristine));
    EXPECT_TRUE(pristine);
    ASSERT_FALSE(s.set_term(7));
    ASSERT_FALSE(s.set_vote(3));
    ASSERT_FALSE(s.append(1, entries(7, 5, "a")));
    ASSERT_FALSE(s.append(6, entries(7, 2, "b")));
  }
  raft_storage s;
  ASSERT_FALSE(s.open(dir.sub("q")));
  raft_persistent_state st;
  ASSERT_FALSE(s.load(st));
  EXPECT_EQ(st.term, 7u);
  EXPECT_EQ(st.voted_for, 3u);
  EXPECT_EQ(st.start_index, 1u);
  ASSERT_EQ(st.entries.size(), 7u);
  EXPECT_EQ(st.entries[0], entries(7, 1, "a")[0]);
  EXPECT_EQ(st.entries[6], entries(7, 2, "b")[1]);
  // A new term clears the vote in the same commit.
  ASSERT_FALSE(s.set_term(8));
  ASSERT_FALSE(s.load(st));
  EXPECT_EQ(st.term, 8u);
  EXPECT_EQ(st.voted_for, 0u);
}

TEST(RaftStorage, TruncateDropsTheTailAndAppendMustBeContiguous) {
  temp_dir dir;
  raft_storage s;
  ASSERT_FALSE(s.open(dir.sub("q")));
  ASSERT_FALSE(s.append(1, entries(1, 10, "x")));
  ASSERT_FALSE(s.truncate(6));
  std::uint64_t first = 0, last = 0;
  ASSERT_FALSE(s.log_bounds(first, last));
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(last, 5u);
  EXPECT_FALSE(s.truncate(100));  // past the end: nothing to do
  EXPECT_EQ(s.append(9, entries(2, 1, "gap")), make_error_code(cluster_errc::io_error));
  ASSERT_FALSE(s.append(6, entries(2, 2, "y")));
  raft_persistent_state st;
  ASSERT_FALSE(s.load(st));
  ASSERT_EQ(st.entries.size(), 7u);
  EXPECT_EQ(st.entries[5].term, 2u);
}

TEST(RaftStorage, OversizedEntryRefused) {
  temp_dir dir;
  raft_storage s;
  ASSERT_FALSE(s.open(dir.sub("q")));
  std::vector<raft_log_entry> big{{1, TERN_RAFT_COMMAND,
                                   std::vector<std::uint8_t>(raft_entry_size_max_bytes + 1)}};
  EXPECT_EQ(s.append(1, big), make_error_code(cluster_errc::entry_too_large));
  big[0].payload.resize(raft_entry_size_max_bytes);
  EXPECT_FALSE(s.append(1, big));
}

TEST(RaftStorage, SnapshotCompactsThePrefixKeepingATrailingWindow) {
  temp_dir dir;
  raft_snapshot_record snap;
  snap.index = 40;
  snap.term = 3;
  snap.configuration = {{1, "127.0.0.1:1", TERN_RAFT_VOTER}, {2, "127.0.0.1:2", TERN_RAFT_VOTER}};
  snap.configuration_index = 1;
  snap.data = {1, 2, 3};
  {
    raft_storage s;
    ASSERT_FALSE(s.open(dir.sub("q")));
    ASSERT_FALSE(s.append(1, entries(3, 50, "e")));
    ASSERT_FALSE(s.put_snapshot(snap, 10));
  }
  raft_storage s;
  ASSERT_FALSE(s.open(dir.sub("q")));
  raft_persistent_state st;
  ASSERT_FALSE(s.load(st));
  ASSERT_TRUE(st.snapshot);
  EXPECT_EQ(st.snapshot->index, 40u);
  EXPECT_EQ(st.snapshot->term, 3u);
  EXPECT_EQ(st.snapshot->configuration, snap.configuration);
  EXPECT_EQ(st.snapshot->data, snap.data);
  EXPECT_EQ(st.start_index, 31u);  // entries 31..50 stay: 10 trailing before the snapshot
  EXPECT_EQ(st.entries.size(), 20u);
  // An installed snapshot (trailing 0) replaces the whole log.
  snap.index = 60;
  ASSERT_FALSE(s.put_snapshot(snap, 0));
  ASSERT_FALSE(s.load(st));
  EXPECT_TRUE(st.entries.empty());
  EXPECT_EQ(st.start_index, 61u);
  std::optional<raft_snapshot_record> got;
  ASSERT_FALSE(s.get_snapshot(got));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->index, 60u);
}

TEST(RaftStorage, GarbageFileIsAClearErrorNotACrash) {
  temp_dir dir;
  std::filesystem::create_directories(dir.sub("q"));
  {
    std::ofstream f(dir.sub("q") + "/data.mdb", std::ios::binary);
    std::string junk(64 * 1024, 'z');
    f << junk;
  }
  raft_storage s;
  EXPECT_EQ(s.open(dir.sub("q")), make_error_code(cluster_errc::io_error));
  EXPECT_FALSE(s.is_open());
}

TEST(RaftStorage, AlienEnvironmentRefused) {
  temp_dir dir;
  std::filesystem::create_directories(dir.sub("q"));
  {
    // Another module's LMDB environment (e.g. the partition store) in the quorum's dir.
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    ASSERT_EQ(mdb_env_open(env, dir.sub("q").c_str(), 0, 0640), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi dbi = 0;
    ASSERT_EQ(mdb_dbi_open(txn, "topics", MDB_CREATE, &dbi), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  raft_storage s;
  EXPECT_EQ(s.open(dir.sub("q")), make_error_code(cluster_errc::io_error));
  EXPECT_FALSE(s.is_open());
}

TEST(RaftStorageWorker, RunsJobsInOrderAndCancelsTheRestOnStop) {
  raft_storage_worker w;
  w.start();
  std::mutex m;
  std::vector<int> ran;
  for (int i = 0; i < 50; ++i) {
    w.submit({[&, i] {
                std::lock_guard l(m);
                ran.push_back(i);
              },
              nullptr});
  }
  // Until the worker has run something (a fixed sleep flakes on a loaded machine), then stop
  // with whatever is still queued.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    {
      std::lock_guard l(m);
      if (!ran.empty() || std::chrono::steady_clock::now() > deadline) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  w.stop();
  std::lock_guard l(m);
  ASSERT_FALSE(ran.empty());
  for (std::size_t i = 0; i < ran.size(); ++i) EXPECT_EQ(ran[i], static_cast<int>(i));
  int cancelled = 0;
  w.submit({[] {}, [&] { ++cancelled; }});  // after stop: cancelled at once
  EXPECT_EQ(cancelled, 1);
}

}  // namespace
}  // namespace tern::cluster
