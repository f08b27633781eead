#pragma once
// A real io_context driving a real coordinator with short timeouts, plus helpers that play the
// clients' side (join, sync, heartbeat) and record every callback.
#include <gtest/gtest.h>

#include <asio.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/log.h"
#include "groups/coordinator.h"

namespace tern::groups::testing {

using namespace std::chrono_literals;

inline bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }
inline std::string to_string(const bytes& b) { return std::string(b.begin(), b.end()); }

// Records a callback's answers. Held by shared_ptr so a callback that runs late (e.g. from the
// coordinator's destructor) never writes to a dead test local.
template <typename R>
struct capture {
  int calls = 0;
  std::optional<R> result;
  bool done() const { return calls > 0; }
  const R& get() const { return *result; }
};
using join_capture = capture<join_result>;
using sync_capture = capture<sync_result>;

// A member as the test sees it after a completed join.
struct joined {
  std::string id;
  std::int32_t generation = -1;
  bool leader = false;
};

class coordinator_test : public ::testing::Test {
 protected:
  coordinator_test() { log::set_level(log::level::warn); }
  ~coordinator_test() override { coord.reset(); }

  // Short timeouts for tests; each test may tweak before start().
  static coordinator_options test_options() {
    coordinator_options o;
    o.group_min_session_timeout_ms = 10;
    o.group_max_session_timeout_ms = 60000;
    o.group_initial_rebalance_delay_ms = 20;
    return o;
  }
  void start(coordinator_options o = test_options(), clock time = clock::system()) {
    coord = std::make_unique<coordinator>(io, o, time);
  }

  static join_params params(std::string group, std::string member_id, std::string client,
                            std::vector<protocol> protocols = {}, std::int32_t session_ms = 10000,
                            std::int32_t rebalance_ms = 5000) {
    join_params p;
    p.group_id = std::move(group);
    p.member_id = std::move(member_id);
    p.client_id = client;
    p.client_host = "/127.0.0.1";
    p.session_timeout_ms = session_ms;
    p.rebalance_timeout_ms = rebalance_ms;
    p.protocol_type = "consumer";
    p.protocols = protocols.empty() ? std::vector<protocol>{{"range", to_bytes("meta-" + client)}}
                                    : std::move(protocols);
    return p;
  }

  std::shared_ptr<join_capture> join(join_params p) {
    auto c = std::make_shared<join_capture>();
    coord->join(std::move(p), [c](const join_result& r) {
      ++c->calls;
      c->result = r;
    });
    return c;
  }

  std::shared_ptr<sync_capture> sync(std::string group, std::int32_t generation,
                                     std::string member_id,
                                     std::vector<member_assignment> assignments = {},
                                     std::optional<std::string> instance = std::nullopt) {
    sync_params p;
    p.group_id = std::move(group);
    p.generation_id = generation;
    p.member_id = std::move(member_id);
    p.group_instance_id = std::move(instance);
    p.assignments = std::move(assignments);
    auto c = std::make_shared<sync_capture>();
    coord->sync(std::move(p), [c](const sync_result& r) {
      ++c->calls;
      c->result = r;
    });
    return c;
  }

  // Runs the io_context until `pred` holds or `limit` passes; returns whether it held.
  template <typename Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io.restart();
      if (io.run_for(1ms) == 0) std::this_thread::sleep_for(1ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  static bool all_done(const std::vector<std::shared_ptr<join_capture>>& cs) {
    for (const auto& c : cs)
      if (!c->done()) return false;
    return true;
  }

  // Joins `n` new members (clients c0..c{n-1}) in one generation and syncs them to Stable; the
  // leader assigns "assignment-<client>". Returns the members in join order.
  std::vector<joined> stable_group(const std::string& group, int n, std::int32_t session_ms = 10000,
                                   std::int32_t rebalance_ms = 5000,
                                   std::vector<std::optional<std::string>> instances = {}) {
    std::vector<std::shared_ptr<join_capture>> joins;
    for (int i = 0; i < n; ++i) {
      auto p = params(group, "", "c" + std::to_string(i), {}, session_ms, rebalance_ms);
      if (static_cast<std::size_t>(i) < instances.size()) p.group_instance_id = instances[i];
      joins.push_back(join(std::move(p)));
    }
    EXPECT_TRUE(run_until([&] { return all_done(joins); }));
    return finish_rebalance(group, joins);
  }

  // Given completed joins of one generation, syncs everyone (leader last) to Stable.
  std::vector<joined> finish_rebalance(const std::string& group,
                                       const std::vector<std::shared_ptr<join_capture>>& joins) {
    std::vector<joined> out;
    std::vector<member_assignment> assignments;
    for (const auto& j : joins) {
      EXPECT_TRUE(j->done());
      if (!j->done()) return out;
      const auto& r = j->get();
      EXPECT_FALSE(r.error) << r.error.message();
      out.push_back({r.member_id, r.generation_id, r.leader_id == r.member_id});
    }
    const joined* leader = nullptr;
    for (const auto& m : out)
      if (m.leader) leader = &m;
    EXPECT_NE(leader, nullptr);
    if (!leader) return out;
    for (const auto& j : joins)
      if (j->get().member_id == leader->id)
        for (const auto& m : j->get().members)
          assignments.push_back({m.member_id, to_bytes("assignment-" + m.member_id)});
    std::vector<std::shared_ptr<sync_capture>> syncs;
    for (const auto& m : out)
      if (!m.leader) syncs.push_back(sync(group, m.generation, m.id));
    syncs.push_back(sync(group, leader->generation, leader->id, assignments));
    for (const auto& s : syncs) {
      EXPECT_TRUE(s->done());
      if (s->done()) {
        EXPECT_FALSE(s->get().error) << s->get().error.message();
      }
    }
    return out;
  }

  std::error_code heartbeat(const std::string& group, const joined& m,
                            std::optional<std::string> instance = std::nullopt) {
    return coord->heartbeat(group, m.generation, m.id, instance);
  }

  std::string state_of(const std::string& group) {
    auto d = coord->describe(group);
    return d ? d->state : "unknown";
  }

  asio::io_context io;
  std::unique_ptr<coordinator> coord;
};

}  // namespace tern::groups::testing
