// follower_fetcher against an in-process fake leader: a small Asio server answering ApiVersions,
// OffsetForLeaderEpoch, Fetch and ListOffsets from a second log_store. Covers catching up,
// truncating a divergent tail, fencing, OFFSET_OUT_OF_RANGE (reset to the leader's log start)
// and a prompt stop().
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include "../storage/storage_test_util.h"
#include "replication/follower_fetcher.h"
#include "storage/log_store.h"
#include "tern/common/record_batch.h"
#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"
#include "tern/kafka/messages/api_versions.h"
#include "tern/kafka/messages/fetch.h"
#include "tern/kafka/messages/header.h"
#include "tern/kafka/messages/list_offsets.h"
#include "tern/kafka/messages/offset_for_leader_epoch.h"

using namespace tern;
using namespace tern::replication;
using asio::ip::tcp;

namespace {

using bytes = std::vector<std::uint8_t>;

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = "/tmp/tern-replication-test-XXXXXX";
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    _path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(_path, ec);
  }
  const std::string& path() const { return _path; }

 private:
  std::string _path;
};

std::unique_ptr<storage::log_store> open_store(const std::string& dir) {
  storage::store_options o;
  o.dir = dir;
  o.map_size_bytes = 64ull << 20;
  o.retention_check_interval_ms = 0;
  o.compaction_interval_ms = 0;
  std::unique_ptr<storage::log_store> s;
  EXPECT_FALSE(storage::log_store::open(o, s));
  return s;
}

storage::log_id create_topic(storage::log_store& s, const std::string& name) {
  storage::topic_info info;
  EXPECT_FALSE(s.create_topic(name, 1, {}, info));
  return info.partition_log(ids::partition_index{0});
}

// Appends one batch of `records` records as a leader of `epoch`; returns its base offset.
std::int64_t append(storage::log_store& s, storage::log_id log, int records, std::int32_t epoch,
                    char tag = 'v') {
  record_batch::batch_builder b;
  for (int i = 0; i < records; ++i) {
    const std::uint8_t v[] = {static_cast<std::uint8_t>(tag), static_cast<std::uint8_t>(i)};
    b.add(1000 + i, std::nullopt, record_batch::bytes_view(v, 2));
  }
  auto data = std::make_shared<bytes>();
  b.build(*data);
  std::promise<storage::append_result> done;
  storage::append_request r;
  r.log = log;
  r.batches = {*data};
  r.keepalive = data;
  r.leader_epoch = ids::leader_epoch{epoch};
  r.done = [&](const storage::append_result& res) { done.set_value(res); };
  s.append(std::move(r));
  auto res = done.get_future().get();
  EXPECT_FALSE(res.error) << res.error.message();
  return res.base_offset.value();
}

// Every stored batch from the log start, as bytes.
std::vector<bytes> batches_of(storage::log_store& s, storage::log_id log) {
  std::unique_ptr<storage::read_txn> txn;
  EXPECT_FALSE(s.begin_read(txn));
  storage::partition_offsets off;
  EXPECT_FALSE(txn->offsets(log, off));
  std::vector<storage::bytes_view> spans;
  std::size_t n = 0;
  EXPECT_FALSE(txn->read(log, off.log_start, SIZE_MAX, off.log_end, spans, n));
  std::vector<bytes> out;
  for (auto v : spans) out.emplace_back(v.begin(), v.end());
  return out;
}

// The fake leader: answers one request at a time per connection from `store`/`log` as the leader
// of `epoch` (fencing current_leader_epoch as Kafka does).
class fake_leader {
 public:
  fake_leader(storage::log_store& store, storage::log_id log, std::string topic, std::int32_t epoch)
      : _store(store), _log(log), _topic(std::move(topic)), _epoch(epoch),
        _acceptor(_io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    accept();
    _thread = std::thread([this] { _io.run(); });
  }
  ~fake_leader() {
    _io.stop();
    _thread.join();
  }
  std::uint16_t port() const { return _acceptor.local_endpoint().port(); }
  std::atomic<int> fetches{0};
  std::atomic<int> epoch_requests{0};
  std::atomic<int> list_offsets_requests{0};

 private:
  struct session : std::enable_shared_from_this<session> {
    explicit session(tcp::socket s, fake_leader* l) : socket(std::move(s)), leader(l) {}
    tcp::socket socket;
    fake_leader* leader;
    std::uint8_t prefix[4];
    bytes frame, out;
    asio::steady_timer timer{socket.get_executor()};

    void read() {
      auto self = shared_from_this();
      asio::async_read(socket, asio::buffer(prefix), [self](std::error_code ec, std::size_t) {
        if (ec) return;
        std::uint32_t n = std::uint32_t(self->prefix[0]) << 24 | std::uint32_t(self->prefix[1]) << 16 |
                          std::uint32_t(self->prefix[2]) << 8 | self->prefix[3];
        self->frame.resize(n);
        asio::async_read(self->socket, asio::buffer(self->frame), [self](std::error_code e, std::size_t) {
          if (!e) self->handle();
        });
      });
    }
    void handle() {
      bool idle = false;
      out = leader->answer(frame, idle);
      auto self = shared_from_this();
      // An empty Fetch waits a little, as max_wait_ms would, so the fetcher does not spin.
      timer.expires_after(std::chrono::milliseconds(idle ? 20 : 0));
      timer.async_wait([self](std::error_code) {
        asio::async_write(self->socket, asio::buffer(self->out),
                          [self](std::error_code e, std::size_t) {
                            if (!e) self->read();
                          });
      });
    }
  };

  void accept() {
    _acceptor.async_accept([this](std::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<session>(std::move(s), this)->read();
      accept();
    });
  }

  std::int16_t fence(std::int32_t current) const {
    if (current < 0 || current == _epoch) return 0;
    return current < _epoch ? 74 : 75;
  }

  bytes answer(const bytes& frame, bool& idle) {
    wire::wire_reader peek(frame);
    auto key = static_cast<kafka::api_key>(peek.i16());
    std::int16_t version = peek.i16();
    wire::wire_reader r(frame);
    kafka::request_header h;
    EXPECT_TRUE(h.decode(r, kafka::request_header_version(key, version)));
    wire::wire_writer w;
    kafka::response_header rh;
    rh.correlation_id = h.correlation_id;
    rh.encode(w, kafka::response_header_version(key, version));
    std::unique_ptr<storage::read_txn> txn;  // alive until the response is copied out
    EXPECT_FALSE(_store.begin_read(txn));
    storage::partition_offsets off;
    EXPECT_FALSE(txn->offsets(_log, off));
    if (key == kafka::api_key::api_versions) {
      kafka::api_versions_response resp;
      resp.api_keys = {{1, 4, 11}, {2, 0, 3}, {18, 0, 3}, {23, 0, 4}};
      resp.encode(w, version);
    } else if (key == kafka::api_key::offset_for_leader_epoch) {
      ++epoch_requests;
      kafka::offset_for_leader_epoch_request req;
      EXPECT_TRUE(req.decode(r, version));
      EXPECT_EQ(req.replica_id, 2);
      kafka::offset_for_leader_epoch_response resp;
      for (const auto& t : req.topics) {
        auto& rt = resp.topics.emplace_back();
        rt.topic = t.topic;
        for (const auto& p : t.partitions) {
          auto& rp = rt.partitions.emplace_back();
          rp.partition = p.partition;
          rp.error_code = fence(p.current_leader_epoch);
          if (rp.error_code == 0) {
            ids::leader_epoch epoch = ids::no_leader_epoch;
            ids::offset end = ids::no_offset;
            EXPECT_FALSE(
                txn->end_offset_for_epoch(_log, ids::leader_epoch{p.leader_epoch}, epoch, end));
            rp.leader_epoch = epoch.value();
            rp.end_offset = end.value();
          }
        }
      }
      resp.encode(w, version);
    } else if (key == kafka::api_key::list_offsets) {
      ++list_offsets_requests;
      kafka::list_offsets_request req;
      EXPECT_TRUE(req.decode(r, version));
      kafka::list_offsets_response resp;
      for (const auto& t : req.topics)
        for (const auto& p : t.partitions)
          resp.topics.push_back({t.name,
                                 {{p.partition_index,
                                   0,
                                   {},
                                   -1,
                                   (p.timestamp == -2 ? off.log_start : off.log_end).value()}}});
      resp.encode(w, version);
    } else if (key == kafka::api_key::fetch) {
      ++fetches;
      kafka::fetch_request req;
      EXPECT_TRUE(req.decode(r, version));
      EXPECT_EQ(req.replica_id, 2);
      kafka::fetch_response resp;
      idle = true;
      for (const auto& t : req.topics) {
        auto& rt = resp.responses.emplace_back();
        rt.topic = t.topic;
        for (const auto& p : t.partitions) {
          auto& rp = rt.partitions.emplace_back();
          rp.partition_index = p.partition;
          rp.error_code = fence(p.current_leader_epoch);
          rp.high_watermark = off.log_end.value();
          rp.log_start_offset = off.log_start.value();
          if (rp.error_code != 0) continue;
          const ids::offset fetch_offset{p.fetch_offset};
          if (fetch_offset < off.log_start || fetch_offset > off.log_end) {
            rp.error_code = 1;
            continue;
          }
          std::size_t n = 0;
          EXPECT_FALSE(txn->read(_log, fetch_offset,
                                 static_cast<std::size_t>(p.partition_max_bytes), off.log_end,
                                 rp.record_batches, n));
          if (n) idle = false;
        }
      }
      resp.encode(w, version);
    }
    bytes body = w.contiguous();
    bytes framed;
    framed.reserve(4 + body.size());
    for (int shift : {24, 16, 8, 0}) framed.push_back(static_cast<std::uint8_t>(body.size() >> shift));
    framed.insert(framed.end(), body.begin(), body.end());
    return framed;
  }

  storage::log_store& _store;
  storage::log_id _log;
  std::string _topic;
  std::int32_t _epoch;
  asio::io_context _io;
  tcp::acceptor _acceptor;
  std::thread _thread;
};

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

struct fixture {
  temp_dir dir;
  std::unique_ptr<storage::log_store> leader_store = open_store(dir.path() + "/leader");
  std::unique_ptr<storage::log_store> follower_store = open_store(dir.path() + "/follower");
  storage::log_id leader_log = create_topic(*leader_store, "t");
  storage::log_id follower_log = create_topic(*follower_store, "t");
  std::mutex mutex;
  std::vector<std::error_code> errors;

  std::unique_ptr<follower_fetcher> make_fetcher(std::uint16_t port) {
    fetcher_options o;
    o.self = node_id{2};
    o.leader = node_id{1};
    o.host = "127.0.0.1";
    o.port = port;
    o.max_wait_ms = 100;
    return std::make_unique<follower_fetcher>(
        *follower_store, o, [this](const followed_partition&, std::error_code ec) {
          std::lock_guard lock(mutex);
          errors.push_back(ec);
        });
  }
  std::int64_t follower_end() { return follower_store->offsets(follower_log)->log_end.value(); }
  std::int64_t leader_end() { return leader_store->offsets(leader_log)->log_end.value(); }
};

}  // namespace

TEST(FollowerFetcher, CatchesUpAndFollowsNewAppends) {
  fixture f;
  for (int i = 0; i < 5; ++i) append(*f.leader_store, f.leader_log, 3, 1);
  fake_leader leader(*f.leader_store, f.leader_log, "t", 1);
  auto fetcher = f.make_fetcher(leader.port());
  ASSERT_FALSE(fetcher->add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{1}}}));
  fetcher->start();
  ASSERT_TRUE(eventually([&] { return f.follower_end() == 15; }));
  append(*f.leader_store, f.leader_log, 4, 1);
  ASSERT_TRUE(eventually([&] { return f.follower_end() == 19; }));
  EXPECT_EQ(batches_of(*f.follower_store, f.follower_log), batches_of(*f.leader_store, f.leader_log));
  ASSERT_TRUE(eventually([&] {
    return f.follower_store->offsets(f.follower_log)->high_watermark == ids::offset{19};
  }));
  EXPECT_EQ(f.follower_store->offsets(f.follower_log)->last_epoch, ids::leader_epoch{1});
  auto st = fetcher->status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].phase, fetch_phase::fetching);
  EXPECT_EQ(st[0].log_end, ids::offset{19});
  EXPECT_EQ(st[0].lag, 0);
  EXPECT_FALSE(st[0].last_error);
  fetcher->stop();
  std::lock_guard lock(f.mutex);
  EXPECT_TRUE(f.errors.empty());
}

TEST(FollowerFetcher, TruncatesADivergentTailBeforeFetching) {
  fixture f;
  // Both wrote offsets 0..5 in epoch 1. The follower, then leader of epoch 1, wrote 6..8 that
  // never replicated; the new leader (epoch 2) wrote its own 6..9.
  for (auto* s : {f.leader_store.get(), f.follower_store.get()}) {
    storage::log_id log = s == f.leader_store.get() ? f.leader_log : f.follower_log;
    append(*s, log, 3, 1);
    append(*s, log, 3, 1);
  }
  append(*f.follower_store, f.follower_log, 3, 1, 'x');
  append(*f.leader_store, f.leader_log, 4, 2, 'y');
  ASSERT_EQ(f.follower_end(), 9);
  fake_leader leader(*f.leader_store, f.leader_log, "t", 2);
  auto fetcher = f.make_fetcher(leader.port());
  ASSERT_FALSE(fetcher->add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{2}}}));
  fetcher->start();
  ASSERT_TRUE(eventually([&] {
    return batches_of(*f.follower_store, f.follower_log) == batches_of(*f.leader_store, f.leader_log);
  }));
  EXPECT_GE(leader.epoch_requests.load(), 1);
  EXPECT_EQ(f.follower_end(), 10);
  EXPECT_EQ(f.follower_store->offsets(f.follower_log)->last_epoch, ids::leader_epoch{2});
  fetcher->stop();
}

TEST(FollowerFetcher, FencedEpochPausesAndReports) {
  fixture f;
  append(*f.leader_store, f.leader_log, 2, 3);
  fake_leader leader(*f.leader_store, f.leader_log, "t", 3);
  auto fetcher = f.make_fetcher(leader.port());
  // Our metadata says epoch 2: the leader (epoch 3) fences us.
  ASSERT_FALSE(fetcher->add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{2}}}));
  fetcher->start();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(f.mutex);
    return !f.errors.empty();
  }));
  {
    std::lock_guard lock(f.mutex);
    EXPECT_EQ(f.errors[0], make_error_code(replication_errc::fenced_leader_epoch));
  }
  auto st = fetcher->status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].phase, fetch_phase::paused);
  EXPECT_EQ(st[0].last_leader_error, 74);
  EXPECT_EQ(f.follower_end(), 0);
  // The broker learns the new epoch and re-adds the partition: it catches up.
  ASSERT_FALSE(fetcher->add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{3}}}));
  ASSERT_TRUE(eventually([&] { return f.follower_end() == 2; }));
  fetcher->stop();
}

TEST(FollowerFetcher, OutOfRangeResetsToTheLeadersLogStart) {
  fixture f;
  std::promise<std::error_code> reset;
  f.leader_store->reset(f.leader_log, ids::offset{100},
                        [&](std::error_code ec) { reset.set_value(ec); });
  ASSERT_FALSE(reset.get_future().get());
  append(*f.leader_store, f.leader_log, 5, 1);
  fake_leader leader(*f.leader_store, f.leader_log, "t", 1);
  auto fetcher = f.make_fetcher(leader.port());
  ASSERT_FALSE(fetcher->add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{1}}}));
  fetcher->start();
  ASSERT_TRUE(eventually([&] { return f.follower_end() == 105; }));
  EXPECT_EQ(f.follower_store->offsets(f.follower_log)->log_start, ids::offset{100});
  EXPECT_GE(leader.list_offsets_requests.load(), 1);
  EXPECT_EQ(batches_of(*f.follower_store, f.follower_log), batches_of(*f.leader_store, f.leader_log));
  fetcher->stop();
}

TEST(FollowerFetcher, RemovedPartitionIsNoLongerWritten) {
  fixture f;
  append(*f.leader_store, f.leader_log, 2, 1);
  fake_leader leader(*f.leader_store, f.leader_log, "t", 1);
  auto fetcher = f.make_fetcher(leader.port());
  ASSERT_FALSE(fetcher->add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{1}}}));
  fetcher->start();
  ASSERT_TRUE(eventually([&] { return f.follower_end() == 2; }));
  fetcher->remove_partitions({{"t", ids::partition_index{0}}});
  EXPECT_EQ(fetcher->partition_count(), 0u);
  append(*f.leader_store, f.leader_log, 2, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(f.follower_end(), 2);
  fetcher->stop();
}

TEST(FollowerFetcher, StopsPromptlyAndSurvivesAnAbsentLeader) {
  fixture f;
  // No leader listens on this port: connection errors, backoff, no crash.
  std::uint16_t port;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = a.local_endpoint().port();
  }
  auto fetcher = f.make_fetcher(port);
  ASSERT_FALSE(fetcher->add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{1}}}));
  fetcher->start();
  ASSERT_TRUE(eventually([&] {
    auto st = fetcher->status();
    return !st.empty() && st[0].last_error;
  }));
  auto begin = std::chrono::steady_clock::now();
  fetcher->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(1500));
}

TEST(FollowerFetcher, PartitionLimit) {
  fixture f;
  fetcher_options o;
  o.partitions_max = 1;
  follower_fetcher fetcher(*f.follower_store, o, nullptr);
  ASSERT_FALSE(fetcher.add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{1}}}));
  EXPECT_FALSE(fetcher.add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{2}}}));  // a replacement
  EXPECT_EQ(fetcher.add_partitions(
                {{f.follower_log, "u", ids::partition_index{0}, ids::leader_epoch{1}}}),
            make_error_code(replication_errc::too_many_partitions));
  EXPECT_EQ(fetcher.partition_count(), 1u);
}

// The bound follower_fetcher.h and log_store::append() document: a fetcher waits for its
// append's callback before it applies more or sends the next Fetch, so the storage writer never
// holds more than one of its appends. While the follower's writer is held, no Fetch goes out.
TEST(FollowerFetcher, AtMostOneAppendQueuedPerFetcher) {
  fixture f;
  fake_leader leader(*f.leader_store, f.leader_log, "t", 1);
  auto fetcher = f.make_fetcher(leader.port());
  ASSERT_FALSE(fetcher->add_partitions(
      {{f.follower_log, "t", ids::partition_index{0}, ids::leader_epoch{1}}}));
  fetcher->start();
  ASSERT_TRUE(eventually([&] { return leader.fetches.load() >= 2; }));  // fetching, nothing yet
  {
    storage::test::writer_block busy(*f.follower_store);
    append(*f.leader_store, f.leader_log, 3, 1);
    // The next Fetch brings the batch; its append waits behind the held writer, and so does the
    // fetcher. (Free-running, it would send a Fetch every ~20 ms: the fake leader's idle wait.)
    int before = -1;
    ASSERT_TRUE(eventually([&] {
      int now = leader.fetches.load();
      bool quiet = now == before;
      before = now;
      if (!quiet) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return quiet;
    }));
    append(*f.leader_store, f.leader_log, 3, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(leader.fetches.load(), before);
    EXPECT_EQ(f.follower_end(), 0);
  }
  ASSERT_TRUE(eventually([&] { return f.follower_end() == 6; }));
  EXPECT_EQ(batches_of(*f.follower_store, f.follower_log), batches_of(*f.leader_store, f.leader_log));
  fetcher->stop();
}
