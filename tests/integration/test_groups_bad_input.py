"""Bad input to the group coordinator, on raw sockets (tests/lib/kafka_raw.py).

Wrong generations, non-members, unknown groups and topics get Kafka's error codes; opaque
protocol metadata and assignments (garbage bytes) are passed through untouched and the group
keeps working; truncated and mutated group requests get an error reply or a closed connection,
never a hang or a crash. Offsets committed before all of this must be unchanged afterwards, and
the hub must still serve.

Expected codes follow Apache Kafka's GroupCoordinator (3.x): e.g. OffsetCommit with generation
>= 0 for a group the coordinator does not know -> ILLEGAL_GENERATION; with generation -1 but a
member id -> UNKNOWN_MEMBER_ID; Heartbeat/SyncGroup from a non-member -> UNKNOWN_MEMBER_ID.
"""

import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "gb-topic"
PRECIOUS = "gb-precious"
PRECIOUS_OFFSETS = {TOPIC: {0: (123, "precious-0"), 1: (456, "pr\u00e9cieux-1")}}
MIN_SESSION_MS = 1000
MAX_SESSION_MS = 1800000  # Kafka's group.max.session.timeout.ms default
HUB_ARGS = ["--group.initial.rebalance.delay.ms", "0",
            "--group.min.session.timeout.ms", str(MIN_SESSION_MS),
            "--auto.create.topics.enable", "false"]
E = kr.err_name


class Member:
    """A raw group member on its own connection (JoinGroup v5, SyncGroup v3, Heartbeat v3)."""

    def __init__(self, hub, group, protocols=(("range", b""),), protocol_type="consumer",
                 session_ms=10000, rebalance_ms=10000):
        self.conn = hub.connect(timeout=30)
        self.group = group
        self.protocols = list(protocols)
        self.protocol_type = protocol_type
        self.session_ms = session_ms
        self.rebalance_ms = rebalance_ms
        self.member_id = ""
        self.generation = -1
        self.last_join = None

    def close(self):
        self.conn.close()

    def send_join(self):
        body = kr.join_group_body(self.group, member_id=self.member_id, protocols=self.protocols,
                                  protocol_type=self.protocol_type,
                                  session_timeout_ms=self.session_ms,
                                  rebalance_timeout_ms=self.rebalance_ms, version=5)
        return self.conn.send_request(kr.API_JOIN_GROUP, 5, body)

    def recv_join(self, corr):
        j = kr.decode_join_group(kr.read_response(self.conn, corr), 5)
        self.last_join = j
        if j["error"] == 0:
            self.member_id, self.generation = j["member_id"], j["generation_id"]
        return j

    def get_member_id(self, test):
        """First JoinGroup v5 without a member id: MEMBER_ID_REQUIRED with the id to use."""
        j = self.recv_join(self.send_join())
        test.assertEqual(j["error"], kr.ERR_MEMBER_ID_REQUIRED,
                         "JoinGroup v5 without member id: %r" % j)
        test.assertTrue(j["member_id"], "MEMBER_ID_REQUIRED must carry the member id: %r" % j)
        self.member_id = j["member_id"]

    def join(self, test):
        if not self.member_id:
            self.get_member_id(test)
        j = self.recv_join(self.send_join())
        test.assertEqual(j["error"], 0, "JoinGroup of %s: %r" % (self.group, j))
        return j

    def send_sync(self, assignments=()):
        body = kr.sync_group_body(self.group, self.generation, self.member_id, assignments,
                                  version=3)
        return self.conn.send_request(kr.API_SYNC_GROUP, 3, body)

    def recv_sync(self, corr):
        return kr.decode_sync_group(kr.read_response(self.conn, corr), 3)

    def sync(self, assignments=()):
        return self.recv_sync(self.send_sync(assignments))

    def heartbeat(self, generation=None, member_id=None):
        return kr.heartbeat(self.conn, self.group,
                            self.generation if generation is None else generation,
                            self.member_id if member_id is None else member_id)


class GroupsBadInputTest(unittest.TestCase):
    hub = None

    @classmethod
    def setUpClass(cls):
        cls.hub = th.Hub(HUB_ARGS, name="groups-bad-input")
        try:
            cls.hub.start()
            th.create_topic(cls.hub, TOPIC, 2)
            with cls.hub.connect() as c:
                res = kr.offset_commit(c, PRECIOUS, PRECIOUS_OFFSETS, version=2)
                if set(res.values()) != {0}:
                    raise AssertionError("baseline commit to %s failed: %r" % (PRECIOUS, res))
            cls.bystander = cls.hub.connect()
        except BaseException:
            cls.hub.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.hub.assert_alive()
            # Nothing committed before the bad input was lost or changed, on a connection that
            # lived through every case and on a new one.
            for c in (cls.bystander, cls.hub.connect()):
                got = kr.offset_fetch(c, PRECIOUS, {TOPIC: [0, 1]}, version=5)
                want = {(TOPIC, p): (off, md, 0)
                        for p, (off, md) in PRECIOUS_OFFSETS[TOPIC].items()}
                if got["offsets"] != want:
                    raise AssertionError("offsets of %s changed by the bad input: %r, want %r"
                                         % (PRECIOUS, got["offsets"], want))
                c.close()
            # The hub still serves data.
            with cls.hub.connect() as c:
                err, base = kr.produce(c, TOPIC, 1, kr.encode_record_batch(
                    [kr.Record(b"k", b"after-bad-input")]))
                if err != 0:
                    raise AssertionError("produce after the bad input: %s" % E(err))
                recs, _, _ = kr.fetch_all(c, TOPIC, 1, start=base)
                if [r.value for r in recs] != [b"after-bad-input"]:
                    raise AssertionError("fetch after the bad input: %r" % recs)
            rc = cls.hub.stop()
            if rc != 0:
                raise AssertionError("SIGTERM after the bad-input cases: exit code %s\n%s"
                                     % (rc, cls.hub.log_text()))
        finally:
            cls.hub.close()

    def tearDown(self):
        self.assert_healthy()

    def assert_healthy(self):
        self.hub.assert_alive()
        with self.hub.connect() as c:
            err, versions = kr.api_versions(c)
        self.assertEqual(err, 0)
        self.assertIn(kr.API_JOIN_GROUP, versions)

    def member(self, group, **kw):
        m = Member(self.hub, group, **kw)
        self.addCleanup(m.close)
        return m

    def commit(self, c, group, offsets, version=2, **kw):
        return kr.offset_commit(c, group, offsets, version=version, **kw)

    def fetched(self, c, group, topics):
        got = kr.offset_fetch(c, group, topics, version=5)
        return {k: v[0] for k, v in got["offsets"].items()}

    # ---- OffsetCommit ------------------------------------------------------------------------

    def test_commit_unknown_topic_and_partition(self):
        with self.hub.connect() as c:
            for v in (2, 5, 7):
                group = "gb-unknown-topic-v%d" % v
                res = self.commit(c, group, {"gb-no-such-topic": {0: (5, "x"), 1: (6, "y")},
                                             TOPIC: {0: (7, "ok"), 99: (8, "bad-partition")}},
                                  version=v)
                self.assertEqual({k: E(e) for k, e in res.items()},
                                 {("gb-no-such-topic", 0): E(3), ("gb-no-such-topic", 1): E(3),
                                  (TOPIC, 0): E(0), (TOPIC, 99): E(3)},
                                 "OffsetCommit v%d with unknown topic/partition" % v)
                self.assertEqual(self.fetched(c, group, {TOPIC: [0, 99],
                                                         "gb-no-such-topic": [0]}),
                                 {(TOPIC, 0): 7, (TOPIC, 99): -1, ("gb-no-such-topic", 0): -1},
                                 "only the valid partition was committed (v%d)" % v)

    def test_commit_to_unknown_group_with_generation_or_member(self):
        with self.hub.connect() as c:
            cases = [
                # (version, generation, member id, instance id, expected)
                (2, 0, "", None, kr.ERR_ILLEGAL_GENERATION),
                (2, 5, "gb-ghost-member", None, kr.ERR_ILLEGAL_GENERATION),
                (7, 3, "gb-ghost-member", None, kr.ERR_ILLEGAL_GENERATION),
                (2, -1, "gb-ghost-member", None, kr.ERR_UNKNOWN_MEMBER_ID),
                (7, -1, "gb-ghost-member", None, kr.ERR_UNKNOWN_MEMBER_ID),
                (7, -1, "", "gb-ghost-instance", kr.ERR_UNKNOWN_MEMBER_ID),
            ]
            for n, (v, gen, member, inst, want) in enumerate(cases):
                group = "gb-never-seen-%d" % n
                res = self.commit(c, group, {TOPIC: {0: (42, "nope")}}, version=v,
                                  generation_id=gen, member_id=member, group_instance_id=inst)
                self.assertEqual(E(res[(TOPIC, 0)]), E(want),
                                 "OffsetCommit v%d generation %d member %r instance %r to an "
                                 "unknown group" % (v, gen, member, inst))
                self.assertEqual(self.fetched(c, group, {TOPIC: [0]}), {(TOPIC, 0): -1},
                                 "a refused commit must not store anything")

    def test_commit_to_offsets_only_group_as_a_member(self):
        # PRECIOUS has offsets but no members. Kafka knows such a group (state Empty) and answers
        # a member-style commit with UNKNOWN_MEMBER_ID; a coordinator that forgets empty groups
        # answers generation >= 0 with ILLEGAL_GENERATION. Either way nothing may change.
        with self.hub.connect() as c:
            for v, gen, member in ((2, 1, ""), (2, 1, "gb-ghost"), (7, -1, "gb-ghost")):
                res = self.commit(c, PRECIOUS, {TOPIC: {0: (9999, "overwritten!")}}, version=v,
                                  generation_id=gen, member_id=member)
                want = ((kr.ERR_UNKNOWN_MEMBER_ID,) if gen < 0 else
                        (kr.ERR_UNKNOWN_MEMBER_ID, kr.ERR_ILLEGAL_GENERATION))
                self.assertIn(res[(TOPIC, 0)], want, "v%d gen %d member %r: %s"
                              % (v, gen, member, E(res[(TOPIC, 0)])))
                if res[(TOPIC, 0)] != kr.ERR_UNKNOWN_MEMBER_ID:
                    print("note: OffsetCommit v%d generation %d member %r to an offsets-only group "
                          "-> %s (Kafka: UNKNOWN_MEMBER_ID)" % (v, gen, member,
                                                                E(res[(TOPIC, 0)])))
            self.assertEqual(self.fetched(c, PRECIOUS, {TOPIC: [0]})[(TOPIC, 0)], 123)

    def test_simple_commit_refused_while_group_has_members(self):
        m = self.member("gb-busy")
        m.join(self)
        self.assertEqual(m.sync([(m.member_id, b"")])["error"], 0)
        with self.hub.connect() as c:
            res = self.commit(c, "gb-busy", {TOPIC: {0: (5, "simple")}}, version=2)
            self.assertEqual(E(res[(TOPIC, 0)]), E(kr.ERR_UNKNOWN_MEMBER_ID),
                             "a generation -1 commit to a group with members (Kafka: "
                             "UNKNOWN_MEMBER_ID)")
            res = self.commit(c, "gb-busy", {TOPIC: {0: (6, "member")}}, version=7,
                              generation_id=m.generation, member_id=m.member_id)
            self.assertEqual(E(res[(TOPIC, 0)]), E(0), "the member's own commit")
            res = self.commit(c, "gb-busy", {TOPIC: {0: (7, "stale")}}, version=7,
                              generation_id=m.generation - 1, member_id=m.member_id)
            self.assertEqual(E(res[(TOPIC, 0)]), E(kr.ERR_ILLEGAL_GENERATION))
            res = self.commit(c, "gb-busy", {TOPIC: {0: (8, "intruder")}}, version=7,
                              generation_id=m.generation, member_id="gb-intruder")
            self.assertEqual(E(res[(TOPIC, 0)]), E(kr.ERR_UNKNOWN_MEMBER_ID))
            self.assertEqual(self.fetched(c, "gb-busy", {TOPIC: [0]}), {(TOPIC, 0): 6})

    # ---- JoinGroup ---------------------------------------------------------------------------

    def test_join_member_id_required_v4_plus(self):
        for v in (4, 5):
            with self.hub.connect() as c:
                group = "gb-mir-v%d" % v
                j = kr.join_group(c, group, version=v, member_id="", session_timeout_ms=5000)
                self.assertEqual(E(j["error"]), E(kr.ERR_MEMBER_ID_REQUIRED), "v%d: %r" % (v, j))
                self.assertTrue(j["member_id"], "v%d MEMBER_ID_REQUIRED without a member id" % v)
                self.assertEqual(j["generation_id"], -1)
                j2 = kr.join_group(c, group, version=v, member_id=j["member_id"],
                                   session_timeout_ms=5000)
                self.assertEqual((E(j2["error"]), j2["member_id"], j2["leader"]),
                                 (E(0), j["member_id"], j["member_id"]), "rejoin v%d: %r" % (v, j2))
                self.assertGreaterEqual(j2["generation_id"], 1)
                lv = kr.leave_group(c, group, [j["member_id"]], version=2)
                self.assertEqual(lv["error"], 0)
        # Before v4 a new member is admitted at once.
        with self.hub.connect() as c:
            j = kr.join_group(c, "gb-mir-v3", version=3, member_id="", session_timeout_ms=5000)
            self.assertEqual(E(j["error"]), E(0), "JoinGroup v3 without member id: %r" % j)
            self.assertTrue(j["member_id"])
            self.assertEqual(kr.leave_group(c, "gb-mir-v3", [j["member_id"]], version=0)["error"],
                             0)

    def test_join_invalid_requests(self):
        with self.hub.connect() as c:
            cases = [
                ("empty group id", dict(group_id=""), kr.ERR_INVALID_GROUP_ID),
                ("session timeout below group.min.session.timeout.ms",
                 dict(session_timeout_ms=MIN_SESSION_MS - 1), kr.ERR_INVALID_SESSION_TIMEOUT),
                ("session timeout above group.max.session.timeout.ms",
                 dict(session_timeout_ms=MAX_SESSION_MS + 1), kr.ERR_INVALID_SESSION_TIMEOUT),
                ("no protocols", dict(protocols=[]), kr.ERR_INCONSISTENT_GROUP_PROTOCOL),
                ("empty protocol type", dict(protocol_type=""),
                 kr.ERR_INCONSISTENT_GROUP_PROTOCOL),
                ("unknown member id, unknown group", dict(member_id="gb-made-up"),
                 kr.ERR_UNKNOWN_MEMBER_ID),
            ]
            for n, (what, kw, want) in enumerate(cases):
                args = dict(group_id="gb-invalid-%d" % n, member_id="", session_timeout_ms=5000,
                            rebalance_timeout_ms=5000)
                args.update(kw)
                for v in (0, 3, 5):
                    body = kr.join_group_body(version=v, **args)
                    j = kr.decode_join_group(c.call(kr.API_JOIN_GROUP, v, body), v)
                    self.assertEqual(E(j["error"]), E(want), "JoinGroup v%d, %s: %r"
                                     % (v, what, j))

    def test_join_protocol_type_mismatch(self):
        m = self.member("gb-mismatch")
        m.join(self)
        self.assertEqual(m.sync([(m.member_id, b"")])["error"], 0)
        with self.hub.connect() as c:
            for kw in (dict(protocol_type="connect"), dict(protocols=[("roundrobin", b"")])):
                j = kr.join_group(c, "gb-mismatch", version=3, member_id="",
                                  session_timeout_ms=5000, **kw)
                self.assertEqual(E(j["error"]), E(kr.ERR_INCONSISTENT_GROUP_PROTOCOL),
                                 "%r against a 'consumer'/'range' group: %r" % (kw, j))
        self.assertEqual(E(m.heartbeat()), E(0), "the group is undisturbed")

    # ---- Heartbeat ---------------------------------------------------------------------------

    def test_heartbeat_stale_generation_and_unknown_member(self):
        m = self.member("gb-hb")
        m.join(self)
        self.assertEqual(m.sync([(m.member_id, b"a1")])["assignment"], b"a1")
        self.assertEqual(E(m.heartbeat()), E(0))
        old = m.generation
        m.join(self)  # the leader rejoins: a new generation
        self.assertGreater(m.generation, old)
        self.assertEqual(m.sync([(m.member_id, b"a2")])["assignment"], b"a2")
        for v in (0, 1, 2, 3):
            self.assertEqual(E(kr.heartbeat(m.conn, "gb-hb", old, m.member_id, version=v)),
                             E(kr.ERR_ILLEGAL_GENERATION), "Heartbeat v%d, stale generation" % v)
            self.assertEqual(E(kr.heartbeat(m.conn, "gb-hb", m.generation + 7, m.member_id,
                                            version=v)),
                             E(kr.ERR_ILLEGAL_GENERATION), "Heartbeat v%d, future generation" % v)
            self.assertEqual(E(kr.heartbeat(m.conn, "gb-hb", m.generation, "gb-stranger",
                                            version=v)),
                             E(kr.ERR_UNKNOWN_MEMBER_ID), "Heartbeat v%d, unknown member" % v)
            self.assertEqual(E(kr.heartbeat(m.conn, "gb-hb-nonexistent", 1, m.member_id,
                                            version=v)),
                             E(kr.ERR_UNKNOWN_MEMBER_ID), "Heartbeat v%d, unknown group" % v)
            self.assertEqual(E(kr.heartbeat(m.conn, "gb-hb", m.generation, m.member_id,
                                            version=v)), E(0), "Heartbeat v%d, current" % v)
        with self.hub.connect() as c:
            res = self.commit(c, "gb-hb", {TOPIC: {1: (3, "x")}}, version=2, generation_id=old,
                              member_id=m.member_id)
            self.assertEqual(E(res[(TOPIC, 1)]), E(kr.ERR_ILLEGAL_GENERATION))
            self.assertEqual(self.fetched(c, "gb-hb", {TOPIC: [1]}), {(TOPIC, 1): -1})
        lv = kr.leave_group(m.conn, "gb-hb", [m.member_id, "gb-ghost"], version=3)
        self.assertEqual((lv["error"], {k: E(v) for k, v in lv["members"].items()}),
                         (0, {m.member_id: E(0), "gb-ghost": E(kr.ERR_UNKNOWN_MEMBER_ID)}),
                         "LeaveGroup v3 of a member and a ghost")
        self.assertEqual(E(m.heartbeat()), E(kr.ERR_UNKNOWN_MEMBER_ID), "heartbeat after leaving")
        self.assertEqual(E(kr.leave_group(m.conn, "gb-hb", [m.member_id], version=1)["error"]),
                         E(kr.ERR_UNKNOWN_MEMBER_ID), "LeaveGroup v1 of a member that left")

    # ---- SyncGroup ---------------------------------------------------------------------------

    def test_sync_from_non_member_and_wrong_generation(self):
        m = self.member("gb-sync")
        m.join(self)
        with self.hub.connect() as c:
            for v in (0, 3):
                s = kr.sync_group(c, "gb-sync", m.generation, "gb-intruder",
                                  [("gb-intruder", b"mine")], version=v)
                self.assertEqual(E(s["error"]), E(kr.ERR_UNKNOWN_MEMBER_ID),
                                 "SyncGroup v%d from a non-member: %r" % (v, s))
                s = kr.sync_group(c, "gb-sync-nonexistent", 1, "gb-intruder", [], version=v)
                self.assertEqual(E(s["error"]), E(kr.ERR_UNKNOWN_MEMBER_ID),
                                 "SyncGroup v%d to an unknown group: %r" % (v, s))
                s = kr.sync_group(c, "gb-sync", m.generation + 1, m.member_id,
                                  [(m.member_id, b"x")], version=v)
                self.assertEqual(E(s["error"]), E(kr.ERR_ILLEGAL_GENERATION),
                                 "SyncGroup v%d with a wrong generation: %r" % (v, s))
        s = m.sync([(m.member_id, b"the-real-assignment")])
        self.assertEqual((E(s["error"]), s["assignment"]), (E(0), b"the-real-assignment"),
                         "the member's sync after the intruders")
        d = kr.describe_groups(m.conn, ["gb-sync"])["gb-sync"]
        self.assertEqual([x["member_id"] for x in d["members"]], [m.member_id],
                         "the intruder did not become a member: %r" % d)

    # ---- opaque metadata and assignments ------------------------------------------------------

    def test_garbage_metadata_and_assignments_are_opaque(self):
        rng = random.Random(3)
        garbage = lambda n: bytes(rng.getrandbits(8) for _ in range(n))  # noqa: E731
        weird = "weird-\u00fcn\u00ef/assignor"
        meta_a = {weird: garbage(65536), "range": garbage(7)}
        meta_b = {weird: b"", "range": b"\x00"}
        a = self.member("gb-garbage", protocols=[(weird, meta_a[weird]),
                                                 ("range", meta_a["range"])])
        b = self.member("gb-garbage", protocols=[(weird, meta_b[weird]),
                                                 ("range", meta_b["range"])])
        ja = a.join(self)
        self.assertEqual((ja["leader"], ja["protocol_name"]), (a.member_id, weird))
        self.assertEqual(a.sync([(a.member_id, garbage(10))])["error"], 0)
        b.get_member_id(self)
        corr_b = b.send_join()
        # The leader learns of the rebalance through its heartbeat.
        deadline = time.monotonic() + 10
        while True:
            err = a.heartbeat()
            if err == kr.ERR_REBALANCE_IN_PROGRESS or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(E(err), E(kr.ERR_REBALANCE_IN_PROGRESS), "heartbeat while b joins")
        ja = a.recv_join(a.send_join())
        jb = b.recv_join(corr_b)
        self.assertEqual((E(ja["error"]), E(jb["error"])), (E(0), E(0)))
        self.assertEqual(ja["generation_id"], jb["generation_id"])
        self.assertEqual((ja["leader"], jb["leader"], ja["protocol_name"]),
                         (a.member_id, a.member_id, weird))
        self.assertEqual({mid: md for mid, _, md in ja["members"]},
                         {a.member_id: meta_a[weird], b.member_id: meta_b[weird]},
                         "the leader gets every member's metadata byte for byte")
        self.assertEqual(jb["members"], [], "a follower gets no member list")

        asg = {a.member_id: garbage(1000), b.member_id: garbage(70000)}
        corr_sb = b.send_sync()
        sa = a.sync(list(asg.items()) + [("gb-not-a-member", garbage(33))])
        sb = b.recv_sync(corr_sb)
        self.assertEqual((E(sa["error"]), sa["assignment"] == asg[a.member_id]), (E(0), True))
        self.assertEqual((E(sb["error"]), sb["assignment"] == asg[b.member_id]), (E(0), True),
                         "the follower gets the leader's bytes untouched")
        d = kr.describe_groups(a.conn, ["gb-garbage"])["gb-garbage"]
        self.assertEqual((d["error"], d["state"], d["protocol_type"], d["protocol"]),
                         (0, "Stable", "consumer", weird))
        self.assertEqual({m["member_id"]: (m["metadata"], m["assignment"]) for m in d["members"]},
                         {a.member_id: (meta_a[weird], asg[a.member_id]),
                          b.member_id: (meta_b[weird], asg[b.member_id])},
                         "DescribeGroups shows the opaque bytes")

        # The group still works: heartbeats, member commits, a leave and a rebalance.
        self.assertEqual((E(a.heartbeat()), E(b.heartbeat())), (E(0), E(0)))
        with self.hub.connect() as c:
            res = self.commit(c, "gb-garbage", {TOPIC: {0: (11, "after garbage")}}, version=7,
                              generation_id=b.generation, member_id=b.member_id)
            self.assertEqual(E(res[(TOPIC, 0)]), E(0))
        self.assertEqual(kr.leave_group(a.conn, "gb-garbage", [a.member_id])["error"], 0)
        deadline = time.monotonic() + 10
        while b.heartbeat() != kr.ERR_REBALANCE_IN_PROGRESS and time.monotonic() < deadline:
            time.sleep(0.05)
        jb = b.join(self)
        self.assertEqual((jb["leader"], [mid for mid, _, _ in jb["members"]]),
                         (b.member_id, [b.member_id]), "b leads alone after a left")
        # The leader omits itself from the assignments: it gets empty bytes.
        sb = b.sync([])
        self.assertEqual((E(sb["error"]), sb["assignment"] or b""), (E(0), b""))
        self.assertEqual(E(b.heartbeat()), E(0))
        with self.hub.connect() as c:
            self.assertEqual(self.fetched(c, "gb-garbage", {TOPIC: [0]}), {(TOPIC, 0): 11})

    # ---- ListGroups / DescribeGroups / FindCoordinator ---------------------------------------

    def test_list_describe_find(self):
        m = self.member("gb-listed")
        m.join(self)
        m.sync([(m.member_id, kr.consumer_assignment({TOPIC: [0, 1]}))])
        with self.hub.connect() as c:
            for v in (0, 1, 2):
                err, groups = kr.list_groups(c, version=v)
                self.assertEqual(err, 0)
                self.assertEqual(groups.get("gb-listed"), "consumer", "ListGroups v%d" % v)
                self.assertIn(PRECIOUS, groups, "offsets-only groups are listed (v%d)" % v)
            for v in (0, 1, 2, 3, 4):
                d = kr.describe_groups(c, ["gb-listed", "gb-nobody-here", ""], version=v)
                self.assertEqual(d["gb-listed"]["state"], "Stable", "v%d: %r" % (v, d))
                self.assertEqual(len(d["gb-listed"]["members"]), 1)
                self.assertEqual(kr.decode_consumer_assignment(
                    d["gb-listed"]["members"][0]["assignment"]), {TOPIC: [0, 1]})
                self.assertEqual((d["gb-nobody-here"]["error"], d["gb-nobody-here"]["state"]),
                                 (0, "Dead"), "unknown group (Kafka: Dead): v%d %r" % (v, d))
                self.assertIn(d[""]["error"], (0, kr.ERR_INVALID_GROUP_ID), "empty group id")
            md = kr.metadata(c, [], version=1)
            for v in (0, 1, 2):
                f = kr.find_coordinator(c, "gb-listed", version=v)
                self.assertEqual((f["error"], f["node_id"], (f["host"], f["port"])),
                                 (0, md["controller_id"], md["brokers"][md["controller_id"]]),
                                 "FindCoordinator v%d names this broker: %r" % (v, f))
            f = kr.find_coordinator(c, "gb-listed", version=2, key_type=7)
            self.assertNotEqual(f["error"], 0, "FindCoordinator with an unknown key type: %r" % f)

    # ---- timeouts and static members ---------------------------------------------------------

    def two_member_rebalance_without_a(self, group, a_kw, b_kw):
        """a joins and syncs; b joins (MEMBER_ID_REQUIRED first) and a never answers the
        rebalance. Returns (a, b, b's JoinGroup result, seconds b waited)."""
        a = self.member(group, **a_kw)
        a.join(self)
        self.assertEqual(a.sync([(a.member_id, b"a")])["error"], 0)
        b = self.member(group, **b_kw)
        b.get_member_id(self)
        t0 = time.monotonic()
        jb = b.recv_join(b.send_join())
        return a, b, jb, time.monotonic() - t0

    def test_commits_during_a_rebalance(self):
        """Kafka accepts a current member's commit while the group prepares a rebalance (that is
        how eager consumers commit when partitions are revoked) and refuses it with
        REBALANCE_IN_PROGRESS between the JoinGroup responses and the leader's SyncGroup."""
        group = "gb-commit-rebalance"
        a = self.member(group)
        a.join(self)
        self.assertEqual(a.sync([(a.member_id, b"")])["error"], 0)
        b = self.member(group)
        b.get_member_id(self)
        corr_b = b.send_join()
        deadline = time.monotonic() + 10
        while a.heartbeat() != kr.ERR_REBALANCE_IN_PROGRESS and time.monotonic() < deadline:
            time.sleep(0.05)
        with self.hub.connect() as c:
            res = self.commit(c, group, {TOPIC: {0: (10, "on revoke")}}, version=7,
                              generation_id=a.generation, member_id=a.member_id)
            self.assertEqual(E(res[(TOPIC, 0)]), E(0), "commit while PreparingRebalance")
            a.recv_join(a.send_join())
            b.recv_join(corr_b)
            self.assertEqual(a.generation, b.generation)
            res = self.commit(c, group, {TOPIC: {0: (11, "too early")}}, version=7,
                              generation_id=a.generation, member_id=a.member_id)
            self.assertEqual(E(res[(TOPIC, 0)]), E(kr.ERR_REBALANCE_IN_PROGRESS),
                             "commit while CompletingRebalance (before the leader's SyncGroup)")
            corr_sb = b.send_sync()
            self.assertEqual(a.sync([(a.member_id, b"1"), (b.member_id, b"2")])["error"], 0)
            self.assertEqual(b.recv_sync(corr_sb)["assignment"], b"2")
            res = self.commit(c, group, {TOPIC: {0: (12, "stable")}}, version=7,
                              generation_id=b.generation, member_id=b.member_id)
            self.assertEqual(E(res[(TOPIC, 0)]), E(0), "commit once Stable")
            self.assertEqual(self.fetched(c, group, {TOPIC: [0]}), {(TOPIC, 0): 12})

    def test_fleet_joins_in_one_generation(self):
        """group.initial.rebalance.delay.ms: members that join an empty group within the delay
        land in one generation, with one leader that assigns to all of them."""
        n = 20
        with th.Hub(HUB_ARGS[2:] + ["--group.initial.rebalance.delay.ms", "1500"],
                    name="groups-fleet") as hub:
            conns = [hub.connect(timeout=30) for _ in range(n)]
            try:
                corrs = []
                for i, c in enumerate(conns):
                    body = kr.join_group_body("gb-fleet", member_id="", version=3,
                                              protocols=[("range", b"m%d" % i)],
                                              session_timeout_ms=30000,
                                              rebalance_timeout_ms=20000)
                    corrs.append(c.send_request(kr.API_JOIN_GROUP, 3, body))
                    time.sleep(0.02)
                joins = [kr.decode_join_group(kr.read_response(c, corr), 3)
                         for c, corr in zip(conns, corrs)]
                self.assertEqual({j["error"] for j in joins}, {0}, repr(joins[:3]))
                self.assertEqual({j["generation_id"] for j in joins}, {1},
                                 "every member of the fleet in generation 1")
                leaders = {j["leader"] for j in joins}
                self.assertEqual(len(leaders), 1)
                leader = next(j for j in joins if j["member_id"] in leaders)
                self.assertEqual(sorted(md for _, _, md in leader["members"]),
                                 sorted(b"m%d" % i for i in range(n)))
                asg = [(j["member_id"], b"for-" + j["member_id"].encode()) for j in joins]
                sync_corrs = []
                for c, j in zip(conns, joins):
                    body = kr.sync_group_body("gb-fleet", 1, j["member_id"],
                                              asg if j is leader else [], version=2)
                    sync_corrs.append(c.send_request(kr.API_SYNC_GROUP, 2, body))
                for c, j, corr in zip(conns, joins, sync_corrs):
                    s = kr.decode_sync_group(kr.read_response(c, corr), 2)
                    self.assertEqual((s["error"], s["assignment"]),
                                     (0, b"for-" + j["member_id"].encode()))
            finally:
                for c in conns:
                    c.close()
            self.assertEqual(hub.stop(), 0)

    def test_session_expiry_removes_silent_member(self):
        a, b, jb, waited = self.two_member_rebalance_without_a(
            "gb-expire", dict(session_ms=MIN_SESSION_MS, rebalance_ms=30000),
            dict(session_ms=30000, rebalance_ms=30000))
        self.assertEqual(E(jb["error"]), E(0))
        self.assertEqual(([m for m, _, _ in jb["members"]], jb["leader"]), ([b.member_id],
                                                                          b.member_id),
                         "after a's session (%d ms) expired, b leads alone" % MIN_SESSION_MS)
        self.assertLess(waited, 10, "b's JoinGroup waited %.1fs for a member whose %d ms session "
                        "had expired" % (waited, MIN_SESSION_MS))
        self.assertEqual(E(a.heartbeat()), E(kr.ERR_UNKNOWN_MEMBER_ID), "the expired member")
        self.assertEqual(b.sync([(b.member_id, b"b")])["assignment"], b"b")
        print("session expiry: b's JoinGroup completed after %.2fs (a's session %d ms)"
              % (waited, MIN_SESSION_MS))

    def test_rebalance_timeout_removes_member_that_does_not_rejoin(self):
        rebalance_ms = 1500
        a, b, jb, waited = self.two_member_rebalance_without_a(
            "gb-rebalance-timeout", dict(session_ms=60000, rebalance_ms=rebalance_ms),
            dict(session_ms=60000, rebalance_ms=rebalance_ms))
        self.assertEqual(E(jb["error"]), E(0))
        self.assertEqual([m for m, _, _ in jb["members"]], [b.member_id],
                         "a did not rejoin within the rebalance timeout: removed")
        self.assertGreater(waited, rebalance_ms / 1000 - 0.3,
                           "the rebalance completed before the rebalance timeout")
        self.assertLess(waited, 10)
        self.assertEqual(E(a.heartbeat()), E(kr.ERR_UNKNOWN_MEMBER_ID))
        print("rebalance timeout: b's JoinGroup completed after %.2fs (rebalance timeout %d ms)"
              % (waited, rebalance_ms))

    def test_static_member_replacement_and_fencing(self):
        group = "gb-static"
        s = self.member(group)
        j = kr.decode_join_group(s.conn.call(kr.API_JOIN_GROUP, 5, kr.join_group_body(
            group, member_id="", group_instance_id="inst-1", session_timeout_ms=30000)), 5)
        self.assertEqual(E(j["error"]), E(0), "a static member needs no MEMBER_ID_REQUIRED round")
        s.member_id, s.generation = j["member_id"], j["generation_id"]
        self.assertEqual(s.sync([(s.member_id, b"A1")])["assignment"], b"A1")
        y = self.member(group)
        y.get_member_id(self)
        corr = y.send_join()
        deadline = time.monotonic() + 10
        while s.heartbeat() != kr.ERR_REBALANCE_IN_PROGRESS and time.monotonic() < deadline:
            time.sleep(0.05)
        j = kr.decode_join_group(s.conn.call(kr.API_JOIN_GROUP, 5, kr.join_group_body(
            group, member_id=s.member_id, group_instance_id="inst-1",
            session_timeout_ms=30000)), 5)
        self.assertEqual(E(j["error"]), E(0))
        s.generation = j["generation_id"]
        jy = y.recv_join(corr)
        self.assertEqual((jy["error"], jy["generation_id"]), (0, s.generation))
        corr = y.send_sync()
        body = kr.sync_group_body(group, s.generation, s.member_id,
                                  [(s.member_id, b"A2"), (y.member_id, b"Y2")],
                                  group_instance_id="inst-1", version=3)
        self.assertEqual(kr.decode_sync_group(s.conn.call(kr.API_SYNC_GROUP, 3, body), 3),
                         {"throttle_time_ms": 0, "error": 0, "assignment": b"A2"})
        self.assertEqual(y.recv_sync(corr)["assignment"], b"Y2")

        # The static member restarts: a new connection, the same instance id, no member id.
        s2 = self.member(group)
        j2 = kr.decode_join_group(s2.conn.call(kr.API_JOIN_GROUP, 5, kr.join_group_body(
            group, member_id="", group_instance_id="inst-1", session_timeout_ms=30000)), 5)
        self.assertEqual(E(j2["error"]), E(0))
        self.assertEqual(j2["generation_id"], s.generation, "no rebalance for a static rejoin")
        self.assertNotEqual(j2["member_id"], s.member_id, "a new member id")
        self.assertEqual(j2["members"], [], "the replacement is not asked to assign again")
        s2.member_id, s2.generation = j2["member_id"], j2["generation_id"]
        self.assertEqual(E(y.heartbeat()), E(0), "the other member sees no rebalance")
        body = kr.sync_group_body(group, s2.generation, s2.member_id, [],
                                  group_instance_id="inst-1", version=3)
        s2s = kr.decode_sync_group(s2.conn.call(kr.API_SYNC_GROUP, 3, body), 3)
        self.assertEqual((E(s2s["error"]), s2s["assignment"]), (E(0), b"A2"),
                         "the replacement gets the old assignment")

        # The old incarnation is fenced.
        self.assertEqual(E(kr.heartbeat(s.conn, group, s.generation, s.member_id,
                                        group_instance_id="inst-1")),
                         E(kr.ERR_FENCED_INSTANCE_ID), "heartbeat of the replaced member")
        with self.hub.connect() as c:
            res = self.commit(c, group, {TOPIC: {0: (1, "zombie")}}, version=7,
                              generation_id=s.generation, member_id=s.member_id,
                              group_instance_id="inst-1")
            self.assertEqual(E(res[(TOPIC, 0)]), E(kr.ERR_FENCED_INSTANCE_ID), "zombie commit")
            res = self.commit(c, group, {TOPIC: {0: (2, "live")}}, version=7,
                              generation_id=s2.generation, member_id=s2.member_id,
                              group_instance_id="inst-1")
            self.assertEqual(E(res[(TOPIC, 0)]), E(0))
            self.assertEqual(self.fetched(c, group, {TOPIC: [0]}), {(TOPIC, 0): 2})
            d = kr.describe_groups(c, [group])[group]
        self.assertEqual(sorted((m["member_id"], m["group_instance_id"]) for m in d["members"]),
                         sorted([(s2.member_id, "inst-1"), (y.member_id, None)]), repr(d))
        self.assertEqual(E(y.heartbeat()), E(0))

    # ---- DeleteGroups ------------------------------------------------------------------------

    def test_delete_groups(self):
        with self.hub.connect() as c:
            _, versions = kr.api_versions(c)
        self.assertEqual(versions.get(kr.API_DELETE_GROUPS), (0, 2),
                         "DeleteGroups (42) versions advertised in ApiVersions")
        m = self.member("gb-del-busy")
        m.join(self)
        self.assertEqual(m.sync([(m.member_id, b"")])["error"], 0)
        with self.hub.connect() as c:
            for v in (0, 1):
                gone = "gb-del-offsets-v%d" % v
                self.assertEqual(set(self.commit(c, gone, {TOPIC: {0: (5, "x")}}).values()), {0})
                res = kr.delete_groups(c, ["gb-del-busy", "gb-del-never-existed", gone],
                                       version=v)
                self.assertEqual({g: E(e) for g, e in res.items()},
                                 {"gb-del-busy": E(kr.ERR_NON_EMPTY_GROUP),
                                  "gb-del-never-existed": E(kr.ERR_GROUP_ID_NOT_FOUND),
                                  gone: E(0)}, "DeleteGroups v%d" % v)
                self.assertEqual(self.fetched(c, gone, {TOPIC: [0]}), {(TOPIC, 0): -1},
                                 "a deleted group's offsets are gone")
                self.assertNotIn(gone, kr.list_groups(c)[1])
                self.assertEqual(kr.describe_groups(c, [gone])[gone]["state"], "Dead")
                self.assertEqual(kr.delete_groups(c, [gone], version=v),
                                 {gone: kr.ERR_GROUP_ID_NOT_FOUND}, "deleting twice")
        self.assertEqual(E(m.heartbeat()), E(0), "the busy group was not touched")

    # ---- malformed group requests ------------------------------------------------------------

    def valid_bodies(self):
        """(api, version, body) of well-formed requests that do not block."""
        out = []
        for v in range(3):
            out.append((kr.API_FIND_COORDINATOR, v, kr.find_coordinator_body("gb-f", v)))
        for v in range(6):
            out.append((kr.API_JOIN_GROUP, v, kr.join_group_body(
                "gb-frames", member_id="gb-unknown", version=v,
                protocols=[("range", b"\x00\x01"), ("rr", b"")])))
        for v in range(4):
            out.append((kr.API_SYNC_GROUP, v, kr.sync_group_body(
                "gb-frames", 1, "gb-unknown", [("gb-unknown", b"abc")], version=v)))
            hb = kr.string("gb-frames") + kr.i32(1) + kr.string("gb-unknown")
            out.append((kr.API_HEARTBEAT, v, hb + (kr.string(None) if v >= 3 else b"")))
            lv = (kr.string("gb-frames") + kr.array(["gb-unknown"], lambda m: kr.string(m)
                                                    + kr.string(None))
                  if v >= 3 else kr.string("gb-frames") + kr.string("gb-unknown"))
            out.append((kr.API_LEAVE_GROUP, v, lv))
        for v in range(8):
            out.append((kr.API_OFFSET_COMMIT, v, kr.offset_commit_body(
                "gb-frames", {TOPIC: {0: (1, "m"), 1: (2, None)}}, version=v)))
        for v in range(6):
            out.append((kr.API_OFFSET_FETCH, v, kr.string("gb-frames") + kr.array(
                [TOPIC], lambda t: kr.string(t) + kr.array([0, 1], kr.i32))))
        for v in range(5):
            out.append((kr.API_DESCRIBE_GROUPS, v, kr.array(["gb-frames", PRECIOUS], kr.string)
                        + (kr.i8(1) if v >= 3 else b"")))
        for v in range(2):
            out.append((kr.API_INIT_PRODUCER_ID, v, kr.string(None) + kr.i32(60000)))
            out.append((kr.API_DELETE_GROUPS, v, kr.array(["gb-frames-none"], kr.string)))
        return out

    def send_and_expect_reply_or_close(self, api, version, body, what):
        with self.hub.connect() as c:
            c.send_raw(kr.frame(kr.request_header(api, version, 77) + body))
            outcome, _ = c.wait_reply_or_close(timeout=10)
        self.assertIn(outcome, ("reply", "closed"),
                      "%s: no reply and no close within 10 s\n%s" % (what, self.hub.log_text(30)))
        self.hub.assert_alive()
        return outcome

    def test_truncated_group_requests(self):
        outcomes = {}
        for api, v, body in self.valid_bodies():
            cuts = sorted({0, 1, 2, len(body) // 3, len(body) // 2, len(body) - 1})
            for cut in cuts:
                if cut >= len(body):
                    continue
                o = self.send_and_expect_reply_or_close(api, v, body[:cut],
                                                        "api %d v%d cut at %d/%d"
                                                        % (api, v, cut, len(body)))
                outcomes[o] = outcomes.get(o, 0) + 1
        print("truncated group requests: %r" % outcomes)
        self.assert_healthy()

    def test_huge_counts_and_lengths(self):
        """Array counts and byte lengths far beyond the frame: no allocation by the count."""
        big = kr.i32(0x7FFFFFF0)
        cases = [
            (kr.API_JOIN_GROUP, 5, kr.string("gb-huge") + kr.i32(5000) + kr.i32(5000)
             + kr.string("") + kr.string(None) + kr.string("consumer") + big),
            (kr.API_JOIN_GROUP, 5, kr.string("gb-huge") + kr.i32(5000) + kr.i32(5000)
             + kr.string("") + kr.string(None) + kr.string("consumer") + kr.i32(1)
             + kr.string("range") + big + b"xx"),
            (kr.API_SYNC_GROUP, 3, kr.string("gb-huge") + kr.i32(1) + kr.string("m")
             + kr.string(None) + kr.i32(1) + kr.string("m") + big),
            (kr.API_OFFSET_COMMIT, 2, kr.string("gb-huge") + kr.i32(-1) + kr.string("")
             + kr.i64(-1) + big),
            (kr.API_OFFSET_COMMIT, 2, kr.string("gb-huge") + kr.i32(-1) + kr.string("")
             + kr.i64(-1) + kr.i32(1) + kr.string(TOPIC) + big),
            (kr.API_OFFSET_FETCH, 5, kr.string("gb-huge") + big),
            (kr.API_DESCRIBE_GROUPS, 4, big),
            (kr.API_LEAVE_GROUP, 3, kr.string("gb-huge") + big),
            (kr.API_OFFSET_COMMIT, 2, kr.string("gb-huge") + kr.i32(-1) + kr.string("")
             + kr.i64(-1) + kr.i32(1) + kr.string(TOPIC) + kr.i32(1) + kr.i32(0) + kr.i64(5)
             + kr.i16(0x7FFF) + b"short"),
            (kr.API_JOIN_GROUP, 5, kr.i16(-5) + b"\x00" * 40),  # negative string length
        ]
        for n, (api, v, body) in enumerate(cases):
            self.send_and_expect_reply_or_close(api, v, body, "huge case %d" % n)
        with self.hub.connect() as c:
            self.assertEqual(self.fetched(c, "gb-huge", {TOPIC: [0]}), {(TOPIC, 0): -1})

    def test_mutated_group_requests(self):
        """Random byte flips in well-formed non-blocking requests (JoinGroup left out: a mutated
        join may be a valid one that waits for a rebalance)."""
        rng = random.Random(1234)
        bodies = [x for x in self.valid_bodies() if x[0] != kr.API_JOIN_GROUP]
        outcomes = {}
        for i in range(250):
            api, v, body = rng.choice(bodies)
            b = bytearray(body)
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.getrandbits(8)
            o = self.send_and_expect_reply_or_close(api, v, bytes(b), "mutation %d of api %d v%d"
                                                    % (i, api, v))
            outcomes[o] = outcomes.get(o, 0) + 1
        print("mutated group requests: %r" % outcomes)


if __name__ == "__main__":
    unittest.main(verbosity=2)
