// Error paths, limits, offset-commit checks, deletion and shutdown: what a confused, stale or
// hostile client gets, and that the coordinator stays healthy.
#include "groups_test_util.h"

namespace tern::groups::testing {
namespace {

TEST_F(coordinator_test, StaleGenerationsAndUnknownMembers) {
  start();
  auto m = stable_group("g", 2);
  ASSERT_EQ(m.size(), 2u);
  // Heartbeat.
  EXPECT_EQ(coord->heartbeat("g", 2, m[0].id), groups_errc::illegal_generation);
  EXPECT_EQ(coord->heartbeat("g", 0, m[0].id), groups_errc::illegal_generation);
  EXPECT_EQ(coord->heartbeat("g", 1, "stranger"), groups_errc::unknown_member_id);
  EXPECT_EQ(coord->heartbeat("g", 1, ""), groups_errc::unknown_member_id);
  EXPECT_EQ(coord->heartbeat("nope", 1, m[0].id), groups_errc::unknown_member_id);
  EXPECT_EQ(coord->heartbeat("g", 1, m[0].id, "not-a-static-member"),
            groups_errc::unknown_member_id);
  // Sync: wrong generation, a non-member, an unknown group.
  auto s1 = sync("g", 7, m[1].id);
  EXPECT_EQ(s1->get().error, groups_errc::illegal_generation);
  auto s2 = sync("g", 1, "stranger", {{m[0].id, to_bytes("stolen")}});
  EXPECT_EQ(s2->get().error, groups_errc::unknown_member_id);
  auto s3 = sync("nope", 1, m[0].id);
  EXPECT_EQ(s3->get().error, groups_errc::unknown_member_id);
  // The non-member's "assignment" changed nothing.
  auto mine = sync("g", 1, m[0].id);
  EXPECT_EQ(to_string(mine->get().assignment), "assignment-" + m[0].id);
  // Join with an id the group does not know (or for a group that does not exist).
  auto j1 = join(params("g", "stranger", "x"));
  EXPECT_EQ(j1->get().error, groups_errc::unknown_member_id);
  auto j2 = join(params("nope", "stranger", "x"));
  EXPECT_EQ(j2->get().error, groups_errc::unknown_member_id);
  EXPECT_FALSE(coord->describe("nope"));
  // SyncGroup v5 protocol checks.
  sync_params sp;
  sp.group_id = "g";
  sp.generation_id = 1;
  sp.member_id = m[1].id;
  sp.protocol_name = "roundrobin";
  std::error_code got;
  coord->sync(sp, [&](const sync_result& r) { got = r.error; });
  EXPECT_EQ(got, groups_errc::inconsistent_group_protocol);
  // Everything still works for the real members.
  EXPECT_FALSE(heartbeat("g", m[0]));
  EXPECT_FALSE(heartbeat("g", m[1]));
  EXPECT_EQ(state_of("g"), "Stable");
}

TEST_F(coordinator_test, OffsetCommitChecks) {
  start();
  // Standalone consumers (generation -1, no member) may commit to unknown or empty groups.
  EXPECT_FALSE(coord->validate_commit("standalone", -1, ""));
  EXPECT_FALSE(coord->validate_commit("", -1, ""));  // Kafka allows the empty id for offsets
  EXPECT_EQ(coord->validate_commit("standalone", 3, ""), groups_errc::illegal_generation);
  EXPECT_EQ(coord->validate_commit("standalone", -1, "someone"), groups_errc::unknown_member_id);
  EXPECT_EQ(coord->validate_commit("standalone", -1, "", "inst"), groups_errc::unknown_member_id);

  auto a = join(params("g", "", "c0"));
  auto b = join(params("g", "", "c1"));
  ASSERT_TRUE(run_until([&] { return a->done() && b->done(); }));
  std::string ida = a->get().member_id, idb = b->get().member_id;
  // CompletingRebalance: a valid member must wait for its assignment.
  EXPECT_EQ(coord->validate_commit("g", 1, idb), groups_errc::rebalance_in_progress);
  finish_rebalance("g", {a, b});
  // Stable.
  EXPECT_FALSE(coord->validate_commit("g", 1, ida));
  EXPECT_FALSE(coord->validate_commit("g", 1, idb));
  EXPECT_EQ(coord->validate_commit("g", 0, ida), groups_errc::illegal_generation);
  EXPECT_EQ(coord->validate_commit("g", 1, "stranger"), groups_errc::unknown_member_id);
  // A simple commit to a group with members is refused.
  EXPECT_EQ(coord->validate_commit("g", -1, ""), groups_errc::unknown_member_id);
  // Once everyone has left, simple commits are fine again (the group is forgotten).
  auto left = coord->leave("g", {{ida, std::nullopt}, {idb, std::nullopt}});
  EXPECT_FALSE(left.members.at(0));
  EXPECT_FALSE(left.members.at(1));
  EXPECT_TRUE(coord->is_empty_or_unknown("g"));
  EXPECT_FALSE(coord->validate_commit("g", -1, ""));
  EXPECT_EQ(coord->validate_commit("g", 1, ida), groups_errc::illegal_generation);
}

TEST_F(coordinator_test, CommitsKeepAMemberAlive) {
  start();
  auto m = stable_group("g", 1, /*session_ms=*/300);
  for (int i = 0; i < 6; ++i) {
    run_for(50ms);
    ASSERT_FALSE(coord->validate_commit("g", 1, m[0].id)) << i;
  }
}

TEST_F(coordinator_test, InvalidSessionTimeoutsAreRefused) {
  auto o = test_options();
  o.group_min_session_timeout_ms = 100;
  o.group_max_session_timeout_ms = 1000;
  start(o);
  auto low = join(params("g", "", "c", {}, 99));
  ASSERT_TRUE(low->done());
  EXPECT_EQ(low->get().error, groups_errc::invalid_session_timeout);
  auto high = join(params("g", "", "c", {}, 1001));
  EXPECT_EQ(high->get().error, groups_errc::invalid_session_timeout);
  auto negative = join(params("g", "", "c", {}, -1));
  EXPECT_EQ(negative->get().error, groups_errc::invalid_session_timeout);
  EXPECT_EQ(coord->group_count(), 0u);
  auto ok = join(params("g", "", "c", {}, 100));
  ASSERT_TRUE(run_until([&] { return ok->done(); }));
  EXPECT_FALSE(ok->get().error);
}

TEST_F(coordinator_test, GarbageInput) {
  auto o = test_options();
  o.protocols_per_member_max = 4;
  o.member_bytes_max = 4096;
  o.group_id_bytes_max = 64;
  start(o);
  // Empty or over-long group ids.
  auto j = join(params("", "", "c"));
  ASSERT_TRUE(j->done());
  EXPECT_EQ(j->get().error, groups_errc::invalid_group_id);
  auto j2 = join(params(std::string(65, 'g'), "", "c"));
  EXPECT_EQ(j2->get().error, groups_errc::invalid_group_id);
  auto s = sync("", 1, "m");
  EXPECT_EQ(s->get().error, groups_errc::invalid_group_id);
  EXPECT_EQ(coord->heartbeat("", 1, "m"), groups_errc::invalid_group_id);
  EXPECT_EQ(coord->leave("", {{"m", std::nullopt}}).error, groups_errc::invalid_group_id);
  EXPECT_EQ(coord->validate_commit(std::string(65, 'g'), -1, ""), groups_errc::invalid_group_id);
  // Too many protocols, too much metadata.
  std::vector<protocol> many;
  for (int i = 0; i < 5; ++i) many.push_back({"p" + std::to_string(i), {}});
  EXPECT_EQ(join(params("g", "", "c", many))->get().error, groups_errc::invalid_request);
  std::vector<protocol> fat{{"range", bytes(5000, 0xff)}};
  EXPECT_EQ(join(params("g", "", "c", fat))->get().error, groups_errc::invalid_request);
  // Repeated protocol names keep the first entry.
  std::vector<protocol> dup{{"range", to_bytes("first")}, {"range", to_bytes("second")}};
  auto d = join(params("g", "", "c", dup));
  ASSERT_TRUE(run_until([&] { return d->done(); }));
  ASSERT_FALSE(d->get().error);
  ASSERT_EQ(d->get().members.size(), 1u);
  EXPECT_EQ(to_string(d->get().members[0].metadata), "first");
  // A leader's garbage assignment: unknown ids and repeats. Unknown ids are ignored, the last
  // repeat wins.
  std::string id = d->get().member_id;
  auto sy =
      sync("g", 1, id,
           {{"ghost", to_bytes("boo")}, {id, to_bytes("one")}, {id, to_bytes("two")}, {"", {}}});
  ASSERT_TRUE(sy->done());
  EXPECT_FALSE(sy->get().error);
  EXPECT_EQ(to_string(sy->get().assignment), "two");
  // Callbacks may be empty.
  coord->join(params("g2", "", "c"), nullptr);
  coord->sync(sync_params{}, nullptr);
  ASSERT_TRUE(run_until([&] { return state_of("g2") == "CompletingRebalance"; }));
  EXPECT_EQ(state_of("g"), "Stable");
}

TEST_F(coordinator_test, GroupMaxSize) {
  auto o = test_options();
  o.group_max_size = 2;
  start(o);
  auto m = stable_group("g", 2);
  auto third = join(params("g", "", "c2"));
  ASSERT_TRUE(third->done());
  EXPECT_EQ(third->get().error, groups_errc::group_max_size_reached);
  EXPECT_EQ(state_of("g"), "Stable");  // no rebalance for a refused member
  // Known members still rejoin.
  auto again = join(params("g", m[0].id, "c0"));
  EXPECT_FALSE(again->done());
  auto again_b = join(params("g", m[1].id, "c1"));
  ASSERT_TRUE(again->done() && again_b->done());
  EXPECT_EQ(again->get().members.size(), 2u);
}

TEST_F(coordinator_test, AFullGroupStillTakesBackARestartingStaticMember) {
  auto o = test_options();
  o.group_max_size = 2;
  start(o);
  auto m = stable_group("g", 2, 10000, 5000, {"ia", "ib"});
  auto p = params("g", "", "c1");
  p.group_instance_id = "ib";
  auto r = join(p);
  ASSERT_TRUE(r->done());
  EXPECT_FALSE(r->get().error);
  EXPECT_EQ(r->get().generation_id, 1);
  EXPECT_EQ(state_of("g"), "Stable");
  auto stranger = params("g", "", "c2");
  stranger.group_instance_id = "ic";
  EXPECT_EQ(join(stranger)->get().error, groups_errc::group_max_size_reached);
}

TEST_F(coordinator_test, CoordinatorWideLimits) {
  auto o = test_options();
  o.groups_max = 1;
  start(o);
  auto a = join(params("g1", "", "c"));
  auto b = join(params("g2", "", "c"));
  ASSERT_TRUE(b->done());
  EXPECT_EQ(b->get().error, groups_errc::coordinator_not_available);
  ASSERT_TRUE(run_until([&] { return a->done(); }));
  EXPECT_FALSE(a->get().error);
  EXPECT_EQ(coord->group_count(), 1u);

  coord.reset();
  o = test_options();
  o.state_bytes_max = 3000;  // room for about two small members
  start(o);
  auto first = join(params("g", "", "c0", {{"range", bytes(800, 1)}}));
  auto second = join(params("g", "", "c1", {{"range", bytes(800, 1)}}));
  auto third = join(params("g", "", "c2", {{"range", bytes(800, 1)}}));
  ASSERT_TRUE(third->done());
  EXPECT_EQ(third->get().error, groups_errc::coordinator_not_available);
  ASSERT_TRUE(run_until([&] { return first->done() && second->done(); }));
  EXPECT_FALSE(second->get().error);
  EXPECT_GT(coord->state_bytes(), 1600u);
  EXPECT_LE(coord->state_bytes(), 3000u);
  // An assignment that would overflow the budget fails the generation's syncs.
  auto f = sync("g", 1, second->get().member_id);
  auto l = sync("g", 1, first->get().member_id, {{second->get().member_id, bytes(5000, 2)}});
  ASSERT_TRUE(f->done() && l->done());
  EXPECT_EQ(f->get().error, groups_errc::coordinator_not_available);
  EXPECT_EQ(l->get().error, groups_errc::coordinator_not_available);
  EXPECT_EQ(state_of("g"), "PreparingRebalance");
  // Everyone leaves: every byte is given back.
  coord->leave("g",
               {{first->get().member_id, std::nullopt}, {second->get().member_id, std::nullopt}});
  EXPECT_EQ(coord->group_count(), 0u);
  EXPECT_EQ(coord->state_bytes(), 0u);
}

TEST_F(coordinator_test, ANewMemberStuckInItsFirstJoinIsDropped) {
  auto o = test_options();
  o.new_member_join_timeout_ms = 60;
  start(o);
  auto m = stable_group("g", 1);
  // The newcomer's join waits for m[0] to rejoin, which it never does within the timeout.
  auto c = join(params("g", "", "c1"));
  ASSERT_TRUE(run_until([&] { return c->done(); }));
  EXPECT_EQ(c->get().error, groups_errc::unknown_member_id);
  // m[0] rejoins: the rebalance completes without the ghost.
  auto a = join(params("g", m[0].id, "c0"));
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->get().members.size(), 1u);
}

TEST_F(coordinator_test, ASecondJoinOfTheSameMemberSupersedesTheFirst) {
  start();
  auto m = stable_group("g", 2);
  auto first = join(params("g", m[0].id, "c0"));
  auto second = join(params("g", m[0].id, "c0"));
  ASSERT_TRUE(first->done());
  EXPECT_EQ(first->get().error, groups_errc::rebalance_in_progress);
  EXPECT_FALSE(second->done());
  auto b = join(params("g", m[1].id, "c1"));
  ASSERT_TRUE(second->done() && b->done());
  EXPECT_EQ(second->get().generation_id, 2);
  EXPECT_EQ(first->calls, 1);
  EXPECT_EQ(second->calls, 1);
}

TEST_F(coordinator_test, ListDescribeDeleteAndEmptiness) {
  start();
  EXPECT_TRUE(coord->list().empty());
  EXPECT_TRUE(coord->is_empty_or_unknown("g"));
  EXPECT_EQ(coord->delete_group("g"), groups_errc::group_id_not_found);

  auto m = stable_group("busy", 1);
  EXPECT_FALSE(coord->is_empty_or_unknown("busy"));
  EXPECT_EQ(coord->delete_group("busy"), groups_errc::non_empty_group);

  // A group holding only an outstanding MEMBER_ID_REQUIRED id is Empty.
  auto p = params("idle", "", "c");
  p.require_known_member_id = true;
  auto pending = join(p);
  ASSERT_EQ(pending->get().error, groups_errc::member_id_required);
  auto groups = coord->list();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group_id, "busy");
  EXPECT_EQ(groups[1].group_id, "idle");
  EXPECT_EQ(groups[1].state, "Empty");
  EXPECT_TRUE(coord->is_empty_or_unknown("idle"));
  auto d = coord->describe("idle");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, "Empty");
  EXPECT_TRUE(d->members.empty());
  EXPECT_EQ(coord->delete_group("idle"), std::error_code());
  EXPECT_FALSE(coord->describe("idle"));
  // The deleted group's pending id is gone with it.
  p.member_id = pending->get().member_id;
  EXPECT_EQ(join(p)->get().error, groups_errc::unknown_member_id);

  // Describe outside Stable: no protocol, no metadata or assignments (as Kafka).
  auto j = join(params("busy", m[0].id, "c0"));  // the leader rejoins: PreparingRebalance ...
  ASSERT_TRUE(j->done());                        // ... and it is the only member: completes
  auto busy = coord->describe("busy");
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->state, "CompletingRebalance");
  EXPECT_EQ(busy->protocol, "");
  ASSERT_EQ(busy->members.size(), 1u);
  EXPECT_TRUE(busy->members[0].metadata.empty());
  EXPECT_TRUE(busy->members[0].assignment.empty());
}

TEST_F(coordinator_test, ShutdownAnswersEveryPendingCallbackOnce) {
  auto o = test_options();
  o.group_initial_rebalance_delay_ms = 10000;
  start(o);
  // Two groups, each waiting in its (long) initial rebalance delay.
  auto waiting_join = join(params("slow", "", "c"));
  auto a = join(params("g", "", "c0"));
  EXPECT_FALSE(waiting_join->done());
  EXPECT_FALSE(a->done());
  coord->shutdown();
  ASSERT_TRUE(waiting_join->done());
  EXPECT_EQ(waiting_join->get().error, groups_errc::coordinator_not_available);
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->get().error, groups_errc::coordinator_not_available);
  EXPECT_TRUE(coord->stopped());
  EXPECT_EQ(coord->group_count(), 0u);
  EXPECT_EQ(coord->state_bytes(), 0u);
  // No timer is left behind: the io_context runs dry at once.
  io.restart();
  auto t0 = std::chrono::steady_clock::now();
  io.run_for(2000ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  // Later calls are refused; callbacks are not run again.
  auto late = join(params("g", "", "c"));
  EXPECT_EQ(late->get().error, groups_errc::coordinator_not_available);
  EXPECT_EQ(coord->heartbeat("g", 1, "m"), groups_errc::coordinator_not_available);
  EXPECT_EQ(coord->validate_commit("g", -1, ""), groups_errc::coordinator_not_available);
  EXPECT_EQ(coord->leave("g", {}).error, groups_errc::coordinator_not_available);
  EXPECT_EQ(coord->delete_group("g"), groups_errc::coordinator_not_available);
  coord.reset();
  EXPECT_EQ(waiting_join->calls, 1);
  EXPECT_EQ(a->calls, 1);
}

TEST_F(coordinator_test, ShutdownAnswersWaitingSyncs) {
  start();
  auto a = join(params("g", "", "c0"));
  auto b = join(params("g", "", "c1"));
  ASSERT_TRUE(run_until([&] { return a->done() && b->done(); }));
  auto sb = sync("g", 1, b->get().member_id);
  EXPECT_FALSE(sb->done());
  coord.reset();  // the destructor shuts down too
  ASSERT_TRUE(sb->done());
  EXPECT_EQ(sb->get().error, groups_errc::coordinator_not_available);
  EXPECT_EQ(sb->calls, 1);
}

TEST_F(coordinator_test, ErrorCategoryNamesMatchKafka) {
  std::error_code ec = groups_errc::rebalance_in_progress;
  EXPECT_EQ(ec.category().name(), std::string("groups"));
  EXPECT_EQ(ec.message(), "rebalance in progress");
  EXPECT_EQ(std::error_code(groups_errc::invalid_request).message(), "invalid request");
  EXPECT_EQ(state_name(group_state::completing_rebalance), "CompletingRebalance");
  EXPECT_EQ(state_name(group_state::preparing_rebalance), "PreparingRebalance");
  EXPECT_EQ(state_name(group_state::dead), "Dead");
}

}  // namespace
}  // namespace tern::groups::testing
