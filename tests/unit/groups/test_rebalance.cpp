// The group protocol's main flows: joining, syncing, rebalancing on join/leave/expiry, the
// MEMBER_ID_REQUIRED handshake and static membership.
#include "groups_test_util.h"

namespace tern::groups::testing {
namespace {

TEST_F(coordinator_test, TwoMembersShareAGenerationAndGetTheLeadersAssignment) {
  start();
  auto a = join(params("g", "", "client-a"));
  auto b = join(params("g", "", "client-b"));
  EXPECT_FALSE(a->done());  // the initial rebalance delay is still running
  ASSERT_TRUE(run_until([&] { return a->done() && b->done(); }));

  const auto& ra = a->get();
  const auto& rb = b->get();
  ASSERT_FALSE(ra.error);
  ASSERT_FALSE(rb.error);
  EXPECT_EQ(ra.generation_id, 1);
  EXPECT_EQ(rb.generation_id, 1);
  EXPECT_EQ(ra.protocol_type, "consumer");
  EXPECT_EQ(ra.protocol_name, "range");
  EXPECT_EQ(ra.leader_id, ra.member_id);  // the first joiner leads
  EXPECT_EQ(rb.leader_id, ra.member_id);
  EXPECT_EQ(ra.member_id.rfind("client-a-", 0), 0u) << ra.member_id;
  EXPECT_EQ(ra.member_id.size(), std::string("client-a-").size() + 36);
  ASSERT_EQ(ra.members.size(), 2u);
  EXPECT_EQ(ra.members[0].member_id, ra.member_id);
  EXPECT_EQ(to_string(ra.members[0].metadata), "meta-client-a");
  EXPECT_EQ(ra.members[1].member_id, rb.member_id);
  EXPECT_EQ(to_string(ra.members[1].metadata), "meta-client-b");
  EXPECT_TRUE(rb.members.empty());
  EXPECT_EQ(state_of("g"), "CompletingRebalance");

  // The follower's sync waits for the leader's.
  auto sb = sync("g", 1, rb.member_id);
  EXPECT_FALSE(sb->done());
  EXPECT_FALSE(coord->heartbeat("g", 1, rb.member_id));  // heartbeats are fine meanwhile
  auto sa = sync("g", 1, ra.member_id,
                 {{ra.member_id, to_bytes("partitions 0,1")}, {rb.member_id, to_bytes("2,3")}});
  ASSERT_TRUE(sa->done());
  ASSERT_TRUE(sb->done());
  EXPECT_FALSE(sa->get().error);
  EXPECT_EQ(to_string(sa->get().assignment), "partitions 0,1");
  EXPECT_EQ(to_string(sb->get().assignment), "2,3");
  EXPECT_EQ(sb->get().protocol_name, "range");
  EXPECT_EQ(sa->calls, 1);
  EXPECT_EQ(sb->calls, 1);

  auto d = coord->describe("g");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, "Stable");
  EXPECT_EQ(d->protocol_type, "consumer");
  EXPECT_EQ(d->protocol, "range");
  ASSERT_EQ(d->members.size(), 2u);
  EXPECT_EQ(d->members[0].client_id, "client-a");
  EXPECT_EQ(d->members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(to_string(d->members[0].metadata), "meta-client-a");
  EXPECT_EQ(to_string(d->members[1].assignment), "2,3");

  // A late sync in Stable returns the current assignment again.
  auto again = sync("g", 1, rb.member_id);
  ASSERT_TRUE(again->done());
  EXPECT_EQ(to_string(again->get().assignment), "2,3");
  EXPECT_FALSE(coord->heartbeat("g", 1, ra.member_id));

  auto groups = coord->list();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].group_id, "g");
  EXPECT_EQ(groups[0].state, "Stable");
  EXPECT_EQ(groups[0].protocol_type, "consumer");
}

TEST_F(coordinator_test, AThirdMemberRebalancesTheGroup) {
  start();
  auto m = stable_group("g", 2);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(state_of("g"), "Stable");

  auto c = join(params("g", "", "c2"));
  run_for(30ms);
  EXPECT_FALSE(c->done());  // waits for the known members to rejoin
  EXPECT_EQ(state_of("g"), "PreparingRebalance");
  EXPECT_EQ(heartbeat("g", m[0]), groups_errc::rebalance_in_progress);
  EXPECT_EQ(heartbeat("g", m[1]), groups_errc::rebalance_in_progress);
  // Commits stay allowed while preparing (the heartbeat tells the member to rejoin).
  EXPECT_FALSE(coord->validate_commit("g", 1, m[0].id));

  auto a = join(params("g", m[0].id, "c0"));
  EXPECT_FALSE(a->done());
  auto b = join(params("g", m[1].id, "c1"));
  // Everyone has joined: the rebalance completes at once.
  ASSERT_TRUE(a->done() && b->done() && c->done());
  for (const auto& j : {a, b, c}) {
    EXPECT_FALSE(j->get().error);
    EXPECT_EQ(j->get().generation_id, 2);
    EXPECT_EQ(j->get().leader_id, m[0].id);  // the old leader rejoined: it stays leader
  }
  EXPECT_EQ(a->get().members.size(), 3u);
  EXPECT_EQ(a->get().member_id, m[0].id);
  auto next = finish_rebalance("g", {a, b, c});
  EXPECT_EQ(state_of("g"), "Stable");
  // The old generation is gone.
  EXPECT_EQ(coord->heartbeat("g", 1, m[0].id), groups_errc::illegal_generation);
  EXPECT_FALSE(coord->heartbeat("g", 2, m[0].id));
}

TEST_F(coordinator_test, ASilentMemberIsRemovedAfterItsSessionTimeout) {
  start();
  auto m = stable_group("g", 2, /*session_ms=*/150);
  ASSERT_EQ(m.size(), 2u);
  auto t0 = std::chrono::steady_clock::now();
  // m[0] keeps heartbeating; m[1] has died.
  std::error_code hb;
  ASSERT_TRUE(run_until([&] {
    hb = heartbeat("g", m[0]);
    return hb == groups_errc::rebalance_in_progress;
  }));
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 100ms);
  EXPECT_EQ(heartbeat("g", m[1]), groups_errc::unknown_member_id);

  auto a = join(params("g", m[0].id, "c0", {}, 150));
  ASSERT_TRUE(a->done());
  EXPECT_FALSE(a->get().error);
  EXPECT_EQ(a->get().generation_id, 2);
  EXPECT_EQ(a->get().leader_id, m[0].id);
  ASSERT_EQ(a->get().members.size(), 1u);
  auto d = coord->describe("g");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->members.size(), 1u);
}

TEST_F(coordinator_test, TheLastMemberExpiringEmptiesAndForgetsTheGroup) {
  start();
  auto m = stable_group("g", 1, /*session_ms=*/50);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(run_until([&] { return coord->group_count() == 0; }));
  EXPECT_TRUE(coord->is_empty_or_unknown("g"));
  EXPECT_EQ(coord->state_bytes(), 0u);
}

TEST_F(coordinator_test, LeaveRebalancesTheRest) {
  start();
  auto m = stable_group("g", 3);
  ASSERT_EQ(m.size(), 3u);
  auto left = coord->leave("g", {{m[2].id, std::nullopt}});
  EXPECT_FALSE(left.error);
  ASSERT_EQ(left.members.size(), 1u);
  EXPECT_FALSE(left.members[0]);
  EXPECT_EQ(state_of("g"), "PreparingRebalance");
  EXPECT_EQ(heartbeat("g", m[0]), groups_errc::rebalance_in_progress);

  auto a = join(params("g", m[0].id, "c0"));
  auto b = join(params("g", m[1].id, "c1"));
  ASSERT_TRUE(a->done() && b->done());
  EXPECT_EQ(a->get().generation_id, 2);
  EXPECT_EQ(a->get().members.size(), 2u);

  // Leaving twice, or a member that never was, is an unknown member.
  auto again = coord->leave("g", {{m[2].id, std::nullopt}, {"nobody", std::nullopt}});
  EXPECT_FALSE(again.error);
  ASSERT_EQ(again.members.size(), 2u);
  EXPECT_EQ(again.members[0], groups_errc::unknown_member_id);
  EXPECT_EQ(again.members[1], groups_errc::unknown_member_id);
  auto unknown_group = coord->leave("nope", {{"x", std::nullopt}});
  EXPECT_FALSE(unknown_group.error);
  EXPECT_EQ(unknown_group.members.at(0), groups_errc::unknown_member_id);
}

TEST_F(coordinator_test, TheLeaderLeavingDuringCompletingRebalanceAnswersWaitingSyncs) {
  start();
  auto a = join(params("g", "", "c0"));
  auto b = join(params("g", "", "c1"));
  ASSERT_TRUE(run_until([&] { return a->done() && b->done(); }));
  ASSERT_EQ(a->get().leader_id, a->get().member_id);
  auto sb = sync("g", 1, b->get().member_id);
  EXPECT_FALSE(sb->done());
  coord->leave("g", {{a->get().member_id, std::nullopt}});
  ASSERT_TRUE(sb->done());
  EXPECT_EQ(sb->get().error, groups_errc::rebalance_in_progress);

  // The follower rejoins alone and becomes the leader.
  auto b2 = join(params("g", b->get().member_id, "c1"));
  ASSERT_TRUE(b2->done());
  EXPECT_EQ(b2->get().generation_id, 2);
  EXPECT_EQ(b2->get().leader_id, b->get().member_id);
  EXPECT_EQ(sb->calls, 1);
}

TEST_F(coordinator_test, MembersThatDoNotRejoinAreDroppedAtTheRebalanceTimeout) {
  start();
  auto m = stable_group("g", 2, 10000, /*rebalance_ms=*/150);
  auto c = join(params("g", "", "c2", {}, 10000, 150));
  auto a = join(params("g", m[0].id, "c0", {}, 10000, 150));
  run_for(20ms);
  EXPECT_FALSE(a->done());
  ASSERT_TRUE(run_until([&] { return a->done() && c->done(); }));
  EXPECT_EQ(a->get().generation_id, 2);
  EXPECT_EQ(a->get().members.size(), 2u);
  EXPECT_EQ(heartbeat("g", m[1]), groups_errc::unknown_member_id);
}

TEST_F(coordinator_test, ALeaderThatNeverSyncsIsDroppedAndFollowersRejoin) {
  start();
  auto a = join(params("g", "", "c0", {}, 10000, 150));
  auto b = join(params("g", "", "c1", {}, 10000, 150));
  ASSERT_TRUE(run_until([&] { return a->done() && b->done(); }));
  auto sb = sync("g", 1, b->get().member_id);
  ASSERT_TRUE(run_until([&] { return sb->done(); }));
  EXPECT_EQ(sb->get().error, groups_errc::rebalance_in_progress);
  EXPECT_EQ(coord->heartbeat("g", 1, a->get().member_id), groups_errc::unknown_member_id);
  auto b2 = join(params("g", b->get().member_id, "c1", {}, 10000, 150));
  ASSERT_TRUE(b2->done());
  EXPECT_EQ(b2->get().generation_id, 2);
  EXPECT_EQ(b2->get().leader_id, b->get().member_id);
}

TEST_F(coordinator_test, LeaderRejoinInStableRebalancesFollowerRejoinDoesNot) {
  start();
  auto m = stable_group("g", 2);
  // A follower rejoining with the same metadata just gets the current generation.
  auto f = join(params("g", m[1].id, "c1"));
  ASSERT_TRUE(f->done());
  EXPECT_FALSE(f->get().error);
  EXPECT_EQ(f->get().generation_id, 1);
  EXPECT_EQ(f->get().leader_id, m[0].id);
  EXPECT_EQ(state_of("g"), "Stable");
  // The leader rejoining forces a rebalance.
  auto l = join(params("g", m[0].id, "c0"));
  EXPECT_FALSE(l->done());
  EXPECT_EQ(state_of("g"), "PreparingRebalance");
  auto f2 = join(params("g", m[1].id, "c1"));
  ASSERT_TRUE(l->done() && f2->done());
  EXPECT_EQ(l->get().generation_id, 2);
}

TEST_F(coordinator_test, MemberIdRequiredHandshake) {
  start();
  auto p = params("g", "", "rdkafka");
  p.require_known_member_id = true;
  auto first = join(p);
  ASSERT_TRUE(first->done());  // answered at once
  EXPECT_EQ(first->get().error, groups_errc::member_id_required);
  std::string id = first->get().member_id;
  EXPECT_EQ(id.rfind("rdkafka-", 0), 0u) << id;
  EXPECT_EQ(state_of("g"), "Empty");
  EXPECT_TRUE(coord->is_empty_or_unknown("g"));

  p.member_id = id;
  auto second = join(p);
  ASSERT_TRUE(run_until([&] { return second->done(); }));
  EXPECT_FALSE(second->get().error);
  EXPECT_EQ(second->get().member_id, id);
  EXPECT_EQ(second->get().generation_id, 1);
  EXPECT_EQ(second->get().leader_id, id);
}

TEST_F(coordinator_test, AnUnclaimedMemberIdExpiresAndTheGroupIsForgotten) {
  start();
  auto p = params("g", "", "rdkafka", {}, /*session_ms=*/40);
  p.require_known_member_id = true;
  auto first = join(p);
  ASSERT_EQ(first->get().error, groups_errc::member_id_required);
  EXPECT_EQ(coord->group_count(), 1u);
  ASSERT_TRUE(run_until([&] { return coord->group_count() == 0; }));
  // Too late now: the id is unknown.
  p.member_id = first->get().member_id;
  auto late = join(p);
  ASSERT_TRUE(late->done());
  EXPECT_EQ(late->get().error, groups_errc::unknown_member_id);
}

TEST_F(coordinator_test, ARebalanceWaitsForAnOutstandingMemberIdRequired) {
  start();
  auto m = stable_group("g", 1);
  auto p = params("g", "", "newcomer");
  p.require_known_member_id = true;
  auto first = join(p);
  ASSERT_EQ(first->get().error, groups_errc::member_id_required);
  // The leader rejoins (a rebalance) but the newcomer's id is still outstanding.
  auto a = join(params("g", m[0].id, "c0"));
  run_for(20ms);
  EXPECT_FALSE(a->done());
  p.member_id = first->get().member_id;
  auto n = join(p);
  ASSERT_TRUE(a->done() && n->done());
  EXPECT_EQ(a->get().members.size(), 2u);
  EXPECT_EQ(n->get().generation_id, 2);
}

TEST_F(coordinator_test, TheInitialDelayIsExtendedWhileMembersArrive) {
  auto o = test_options();
  o.group_initial_rebalance_delay_ms = 200;
  start(o);
  auto t0 = std::chrono::steady_clock::now();
  auto a = join(params("g", "", "c0", {}, 10000, 2000));
  run_for(50ms);
  auto b = join(params("g", "", "c1", {}, 10000, 2000));
  ASSERT_TRUE(run_until([&] { return a->done() && b->done(); }));
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 390ms);  // 200 ms, then another 200 ms because b arrived
  EXPECT_EQ(a->get().generation_id, 1);
  EXPECT_EQ(b->get().generation_id, 1);
  EXPECT_EQ(a->get().members.size(), 2u);
}

TEST_F(coordinator_test, StaticMemberRestartKeepsTheGenerationAndFencesTheOldId) {
  start();
  auto m = stable_group("g", 2, 10000, 5000, {"instance-a", "instance-b"});
  ASSERT_EQ(m.size(), 2u);
  ASSERT_TRUE(m[0].leader);
  EXPECT_EQ(m[0].id.rfind("instance-a-", 0), 0u) << m[0].id;

  // instance-a restarts: it has lost its member id.
  auto p = params("g", "", "c0");
  p.group_instance_id = "instance-a";
  p.require_known_member_id = true;  // ignored for static members, as in Kafka
  auto r = join(p);
  ASSERT_TRUE(r->done());  // no rebalance: answered at once
  EXPECT_FALSE(r->get().error);
  EXPECT_EQ(r->get().generation_id, 1);
  std::string new_id = r->get().member_id;
  EXPECT_NE(new_id, m[0].id);
  // The previous leader id, so the newcomer does not run an assignment.
  EXPECT_EQ(r->get().leader_id, m[0].id);
  EXPECT_TRUE(r->get().members.empty());
  EXPECT_EQ(state_of("g"), "Stable");

  auto s = sync("g", 1, new_id, {}, "instance-a");
  ASSERT_TRUE(s->done());
  EXPECT_FALSE(s->get().error);
  EXPECT_EQ(to_string(s->get().assignment), "assignment-" + m[0].id);
  // Nobody else noticed.
  EXPECT_FALSE(heartbeat("g", m[1], "instance-b"));
  EXPECT_FALSE(coord->heartbeat("g", 1, new_id, "instance-a"));
  // The old id is fenced.
  EXPECT_EQ(heartbeat("g", m[0], "instance-a"), groups_errc::fenced_instance_id);
  EXPECT_EQ(heartbeat("g", m[0]), groups_errc::unknown_member_id);
  EXPECT_EQ(coord->validate_commit("g", 1, m[0].id, "instance-a"), groups_errc::fenced_instance_id);
  auto old_sync = sync("g", 1, m[0].id, {}, "instance-a");
  EXPECT_EQ(old_sync->get().error, groups_errc::fenced_instance_id);
  auto old_leave = coord->leave("g", {{m[0].id, "instance-a"}});
  EXPECT_EQ(old_leave.members.at(0), groups_errc::fenced_instance_id);
  EXPECT_FALSE(coord->validate_commit("g", 1, new_id, "instance-a"));

  auto d = coord->describe("g");
  ASSERT_TRUE(d);
  ASSERT_EQ(d->members.size(), 2u);
  EXPECT_EQ(d->members[0].member_id, new_id);
  EXPECT_EQ(d->members[0].group_instance_id, "instance-a");
}

TEST_F(coordinator_test, StaticMemberRejoinDuringCompletingRebalanceFencesAndRebalances) {
  start();
  auto pa = params("g", "", "c0");
  pa.group_instance_id = "ia";
  auto pb = params("g", "", "c1");
  pb.group_instance_id = "ib";
  auto a = join(pa);
  auto b = join(pb);
  ASSERT_TRUE(run_until([&] { return a->done() && b->done(); }));
  auto sb = sync("g", 1, b->get().member_id, {}, "ib");
  EXPECT_FALSE(sb->done());
  // ib restarts while its old incarnation waits in SyncGroup.
  auto b2 = join(pb);
  ASSERT_TRUE(sb->done());
  EXPECT_EQ(sb->get().error, groups_errc::fenced_instance_id);
  EXPECT_FALSE(b2->done());
  EXPECT_EQ(state_of("g"), "PreparingRebalance");
  auto a2 = join([&] {
    auto p = pa;
    p.member_id = a->get().member_id;
    return p;
  }());
  ASSERT_TRUE(a2->done() && b2->done());
  EXPECT_EQ(b2->get().generation_id, 2);
  EXPECT_EQ(a2->get().members.size(), 2u);
}

TEST_F(coordinator_test, AStaticMemberThatDoesNotRejoinIsKeptUntilItFailsToSync) {
  start();
  auto m = stable_group("g", 2, /*session_ms=*/300, /*rebalance_ms=*/100, {"ia", "ib"});
  // ia rejoins as leader (a rebalance); ib is down, but static: it is kept in generation 2.
  auto a = join([&] {
    auto p = params("g", m[0].id, "c0", {}, 300, 100);
    p.group_instance_id = "ia";
    return p;
  }());
  ASSERT_TRUE(run_until([&] { return a->done(); }));
  EXPECT_EQ(a->get().generation_id, 2);
  ASSERT_EQ(a->get().members.size(), 2u);
  auto s = sync("g", 2, m[0].id, {{m[0].id, to_bytes("x")}, {m[1].id, to_bytes("y")}}, "ia");
  ASSERT_TRUE(s->done());
  EXPECT_FALSE(s->get().error);
  // ib never syncs: it is removed at the sync deadline (the rebalance timeout) and the group
  // rebalances again.
  std::error_code hb;
  ASSERT_TRUE(run_until([&] {
    hb = coord->heartbeat("g", 2, m[0].id, "ia");
    return hb == groups_errc::rebalance_in_progress;
  }));
  EXPECT_EQ(heartbeat("g", m[1], "ib"), groups_errc::unknown_member_id);
}

TEST_F(coordinator_test, LeaveByInstanceIdRemovesTheStaticMember) {
  start();
  auto m = stable_group("g", 2, 10000, 5000, {"ia", "ib"});
  auto r = coord->leave("g", {{"", "ib"}, {"", "nobody"}, {"", std::nullopt}});
  ASSERT_EQ(r.members.size(), 3u);
  EXPECT_FALSE(r.members[0]);
  EXPECT_EQ(r.members[1], groups_errc::unknown_member_id);
  EXPECT_EQ(r.members[2], groups_errc::unknown_member_id);
  EXPECT_EQ(heartbeat("g", m[1], "ib"), groups_errc::unknown_member_id);
  EXPECT_EQ(state_of("g"), "PreparingRebalance");
}

TEST_F(coordinator_test, ProtocolSelectionPrefersWhatEveryMemberSupportsByVotes) {
  start();
  auto proto = [](std::vector<std::string> names, const std::string& tag) {
    std::vector<protocol> out;
    for (auto& n : names) out.push_back({n, to_bytes(n + "/" + tag)});
    return out;
  };
  // range is not supported by c: roundrobin is the only candidate.
  auto a = join(params("g1", "", "a", proto({"range", "roundrobin"}, "a")));
  auto b = join(params("g1", "", "b", proto({"roundrobin", "range"}, "b")));
  auto c = join(params("g1", "", "c", proto({"roundrobin"}, "c")));
  ASSERT_TRUE(run_until([&] { return a->done() && b->done() && c->done(); }));
  EXPECT_EQ(a->get().protocol_name, "roundrobin");
  ASSERT_EQ(a->get().members.size(), 3u);
  EXPECT_EQ(to_string(a->get().members[0].metadata), "roundrobin/a");  // the chosen protocol's

  // Both are candidates: range has two first-choice votes, roundrobin one.
  auto d = join(params("g2", "", "d", proto({"range", "roundrobin"}, "d")));
  auto e = join(params("g2", "", "e", proto({"roundrobin", "range"}, "e")));
  auto f = join(params("g2", "", "f", proto({"range", "roundrobin"}, "f")));
  ASSERT_TRUE(run_until([&] { return d->done() && e->done() && f->done(); }));
  EXPECT_EQ(d->get().protocol_name, "range");
  EXPECT_EQ(to_string(d->get().members[1].metadata), "range/e");

  // No protocol in common with the group, or another protocol type.
  auto g = join(params("g2", "", "g", proto({"sticky"}, "g")));
  ASSERT_TRUE(g->done());
  EXPECT_EQ(g->get().error, groups_errc::inconsistent_group_protocol);
  auto pt = params("g2", "", "h");
  pt.protocol_type = "connect";
  auto h = join(pt);
  EXPECT_EQ(h->get().error, groups_errc::inconsistent_group_protocol);
  // A new group needs a protocol type and at least one protocol.
  auto none = params("g3", "", "i");
  none.protocols.clear();
  none.protocol_type = "consumer";
  auto i = join(none);
  EXPECT_EQ(i->get().error, groups_errc::inconsistent_group_protocol);
  auto no_type = params("g3", "", "j");
  no_type.protocol_type = "";
  auto j = join(no_type);
  EXPECT_EQ(j->get().error, groups_errc::inconsistent_group_protocol);
  EXPECT_FALSE(coord->describe("g3"));  // not left behind
  // A member changing to a protocol nobody else offers is refused too.
  auto change = join(params("g2", d->get().member_id, "d", proto({"sticky"}, "d")));
  EXPECT_EQ(change->get().error, groups_errc::inconsistent_group_protocol);
}

TEST_F(coordinator_test, CallbacksMayCallBackIntoTheCoordinator) {
  start();
  std::shared_ptr<sync_capture> synced;
  auto p = params("g", "", "c0");
  coord->join(p, [&](const join_result& r) {
    // A client that syncs straight from its JoinGroup response.
    synced = sync("g", r.generation_id, r.member_id, {{r.member_id, to_bytes("all")}});
  });
  ASSERT_TRUE(run_until([&] { return synced && synced->done(); }));
  EXPECT_FALSE(synced->get().error);
  EXPECT_EQ(to_string(synced->get().assignment), "all");
  EXPECT_EQ(state_of("g"), "Stable");
}

}  // namespace
}  // namespace tern::groups::testing
