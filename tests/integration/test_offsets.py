"""Committed offsets and their metadata: exact round trip over every OffsetCommit (0-7) and
OffsetFetch (0-5) version, durability across kill -9 (the commit acknowledged just before the
kill included) and SIGTERM, offsets-only groups listed after a restart, and a deleted topic's
offsets gone. Raw wire only (tests/lib/kafka_raw.py), independent of the hub's codec.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

A, B, DOOMED = "off-a", "off-b", "off-doomed"
HUB_ARGS = ["--group.initial.rebalance.delay.ms", "0", "--group.min.session.timeout.ms", "1000",
            "--auto.create.topics.enable", "false"]

METADATA = {
    "ascii": "checkpoint=42;host=edge-7",
    "empty": "",
    "unicode": "caf\u00e9 \u2713 \u6771\u4eac \U0001F680",
    "binaryish": "\x00\x01\x7f tab\tnewline\n",
    "long": "L" * 4000,
}


class OffsetsTest(unittest.TestCase):

    def setUp(self):
        self.hub = th.Hub(HUB_ARGS, name="offsets").start()
        th.create_topic(self.hub, A, 3)
        th.create_topic(self.hub, B, 2)
        th.create_topic(self.hub, DOOMED, 1)
        self.expected = {}  # group -> {(topic, partition): (offset, metadata)}
        self.epochs = {}  # group -> {(topic, partition): committed leader epoch}

    def tearDown(self):
        self.hub.close()

    def commit(self, c, group, offsets, version, **kw):
        """offsets: {topic: {partition: (offset, metadata)}}; asserts every partition succeeded
        and records the expectation (null metadata is expected back as "" - Kafka's NoMetadata -
        or null)."""
        res = kr.offset_commit(c, group, offsets, version=version, **kw)
        want = {(t, p): 0 for t, parts in offsets.items() for p in parts}
        self.assertEqual(res, want, "OffsetCommit v%d for %s: %r" % (version, group,
                                                                     {k: kr.err_name(v) for k, v
                                                                      in res.items()}))
        exp = self.expected.setdefault(group, {})
        epochs = self.epochs.setdefault(group, {})
        for t, parts in offsets.items():
            for p, (off, md) in parts.items():
                exp[(t, p)] = (off, md)
                epochs[(t, p)] = kw.get("leader_epoch", -1) if version >= 6 else -1

    def check_all(self, where):
        with self.hub.connect() as c:
            for group, exp in self.expected.items():
                topics = {}
                for (t, p) in exp:
                    topics.setdefault(t, []).append(p)
                for version in (1, 3, 5):
                    got = kr.offset_fetch(c, group, topics, version=version)
                    self.assertIn(got["error"], (None, 0), "%s: %s v%d" % (where, group, version))
                    self.assertEqual(self.normalise(got["offsets"]), self.normalise_exp(exp),
                                     "%s: OffsetFetch v%d of %s" % (where, version, group))
                    if version >= 5:
                        self.assertEqual(got["leader_epochs"], self.epochs[group],
                                         "%s: committed leader epochs (OffsetCommit v6+, "
                                         "OffsetFetch v5) of %s" % (where, group))
                got = kr.offset_fetch(c, group, None, version=5)  # every committed partition
                self.assertEqual(self.normalise(got["offsets"]), self.normalise_exp(exp),
                                 "%s: OffsetFetch v5 (all topics) of %s" % (where, group))

    @staticmethod
    def normalise(offsets):
        return {k: (off, "" if md is None else md, err) for k, (off, md, err) in offsets.items()}

    @staticmethod
    def normalise_exp(exp):
        return {k: (off, "" if md is None else md, 0) for k, (off, md) in exp.items()}

    def join_member(self, c, group):
        j = kr.join_group(c, group, member_id="", session_timeout_ms=30000, version=3,
                          protocols=[("range", kr.consumer_subscription([A]))])
        self.assertEqual(j["error"], 0, "JoinGroup v3: %r" % j)
        s = kr.sync_group(c, group, j["generation_id"], j["member_id"],
                          [(j["member_id"], kr.consumer_assignment({A: [0, 1, 2]}))], version=2)
        self.assertEqual(s["error"], 0, "SyncGroup: %r" % s)
        return j["generation_id"], j["member_id"]

    def test_offsets_round_trip_and_survive_kill_and_restart(self):
        with self.hub.connect() as c:
            # Every OffsetCommit version, simple (standalone) commits: generation -1, no member.
            self.commit(c, "g-v0", {A: {0: (11, METADATA["ascii"])}}, version=0)
            self.commit(c, "g-v1", {A: {1: (12, METADATA["unicode"])}}, version=1,
                        commit_timestamp=1700000000000)
            self.commit(c, "g-simple", {A: {i: (100 + i, md) for i, md in
                                            enumerate([METADATA["ascii"], METADATA["empty"],
                                                       METADATA["unicode"]])},
                                        B: {0: (7, METADATA["binaryish"]),
                                            1: (0, METADATA["long"])}}, version=2)
            for v in (3, 4, 5, 6, 7):
                self.commit(c, "g-v%d" % v, {B: {v % 2: (1000 + v, "v%d" % v)},
                                             A: {2: (2000 + v, None)}}, version=v,
                            leader_epoch=10 * v)
            self.commit(c, "g-doomed", {DOOMED: {0: (5, "doomed")}, A: {0: (6, "kept")}},
                        version=2)
            self.commit(c, "", {A: {0: (77, "empty group id")}}, version=2)
            # offset.metadata.max.bytes (Kafka's default 4096): one byte more is refused per
            # partition with OFFSET_METADATA_TOO_LARGE and stores nothing.
            res = kr.offset_commit(c, "g-meta-limit", {A: {0: (1, "x" * 4096),
                                                           1: (2, "y" * 4097)}}, version=2)
            self.assertEqual({k: kr.err_name(e) for k, e in res.items()},
                             {(A, 0): kr.err_name(0),
                              (A, 1): kr.err_name(kr.ERR_OFFSET_METADATA_TOO_LARGE)},
                             "metadata of 4096 and 4097 bytes (OFFSET_METADATA_TOO_LARGE = 12)")
            self.expected["g-meta-limit"] = {(A, 0): (1, "x" * 4096)}
            self.epochs["g-meta-limit"] = {(A, 0): -1}
            # A group member's commit (generation and member id checked).
            gen, member = self.join_member(c, "g-member")
            self.commit(c, "g-member", {A: {0: (31, "member"), 1: (32, None)}}, version=7,
                        generation_id=gen, member_id=member)
            # A hot partition overwritten many times; the last acknowledged value must survive.
            for i in range(300):
                self.commit(c, "g-hot", {A: {0: (i, "hot-%d" % i)}, B: {1: (10 * i, "")}},
                            version=2 if i % 2 else 5)
            # Never-committed partitions and unknown groups read back as -1.
            got = kr.offset_fetch(c, "g-simple", {A: [0], B: [0]}, version=5)
            self.assertEqual(got["offsets"][(A, 0)][0], 100)
            got = kr.offset_fetch(c, "g-hot", {A: [1, 2]}, version=5)
            self.assertEqual({k: (o, e) for k, (o, _, e) in got["offsets"].items()},
                             {(A, 1): (-1, 0), (A, 2): (-1, 0)}, "never committed partitions")
            got = kr.offset_fetch(c, "no-such-group", {A: [0]}, version=3)
            self.assertEqual((got["error"], got["offsets"][(A, 0)][0], got["offsets"][(A, 0)][2]),
                             (0, -1, 0), "unknown group")
            # The last commit was acknowledged on this connection: kill at once.
        self.check_all("before the kill")

        self.assertEqual(self.hub.restart(sig=9), -9)
        self.check_all("after kill -9 and restart")

        with self.hub.connect() as c:
            # The member is gone with the restart (membership is not durable): its old
            # generation may no longer commit, and the refused commit changes nothing.
            res = kr.offset_commit(c, "g-member", {A: {0: (999, "stale")}}, version=7,
                                   generation_id=gen, member_id=member)
            self.assertIn(res[(A, 0)], (kr.ERR_ILLEGAL_GENERATION, kr.ERR_UNKNOWN_MEMBER_ID),
                          "commit of a pre-restart member: %s" % kr.err_name(res[(A, 0)]))
            err, groups = kr.list_groups(c)
            self.assertEqual(err, 0)
            for g in ("g-simple", "g-hot", "g-member", "g-v0", "g-v7"):
                self.assertIn(g, groups, "ListGroups after the restart lists offsets-only groups "
                              "(Kafka loads them as Empty): %r" % sorted(groups))
            d = kr.describe_groups(c, ["g-simple", "g-member"])
            for g in ("g-simple", "g-member"):
                self.assertEqual((d[g]["error"], d[g]["state"], d[g]["members"]),
                                 (0, "Empty", []), "DescribeGroups %s: %r" % (g, d[g]))

            # Deleting a topic removes its committed offsets, also after recreating it.
            self.assertEqual(kr.delete_topics(c, [DOOMED]), {DOOMED: 0})
        self.wait_topic_gone(DOOMED)
        with self.hub.connect() as c:
            got = kr.offset_fetch(c, "g-doomed", None, version=5)
            self.assertNotIn((DOOMED, 0), got["offsets"],
                             "offsets of a deleted topic still listed: %r" % got)
            self.assertEqual(got["offsets"].get((A, 0), (None,))[0], 6,
                             "the group's other offsets stay")
        th.create_topic(self.hub, DOOMED, 1)
        with self.hub.connect() as c:
            got = kr.offset_fetch(c, "g-doomed", {DOOMED: [0]}, version=5)
            self.assertEqual(got["offsets"][(DOOMED, 0)][0], -1,
                             "a recreated topic must not inherit the old topic's offsets")
        del self.expected["g-doomed"][(DOOMED, 0)]
        del self.epochs["g-doomed"][(DOOMED, 0)]

        self.assertEqual(self.hub.restart(), 0, "SIGTERM exit code\n" + self.hub.log_text())
        self.check_all("after SIGTERM and restart")
        self.assertEqual(self.hub.stop(), 0)

    def test_offsets_retention(self):
        """offsets.retention.ms=12000 (the minutes setting in milliseconds; this test takes about
        15 s — it took 70 s with offsets.retention.minutes=1, its minimum). Kafka's rules
        (GroupMetadata.removeExpiredOffsets, KIP-211):
        - a standalone group (simple commits, no members ever): an offset expires retention
          after its commit;
        - a consumer group with members keeps its offsets however old the commit;
        - a consumer group that became Empty keeps them for the retention counted from the
          moment it became Empty, not from its last commit (a consumer idle for longer than the
          retention that restarts must find its offsets)."""
        self.hub.close()
        retention_s = 12
        self.hub = th.Hub(HUB_ARGS + ["--offsets.retention.ms", str(retention_s * 1000),
                                      "--offsets.retention.check.interval.ms", "100"],
                          name="offsets-retention").start()
        th.create_topic(self.hub, A, 3)
        c = self.hub.connect()
        self.addCleanup(c.close)
        t0 = time.monotonic()
        self.commit(c, "exp-simple", {A: {0: (5, "simple")}}, version=2)
        members = {}
        for g in ("exp-active", "exp-leaver"):
            mc = self.hub.connect()
            self.addCleanup(mc.close)
            gen, member = self.join_member(mc, g)
            self.commit(mc, g, {A: {1: (7, g)}}, version=7, generation_id=gen, member_id=member)
            members[g] = (mc, gen, member)
        late_done = False
        while time.monotonic() - t0 < retention_s + 1.5:
            for g, (mc, gen, member) in members.items():
                self.assertEqual(kr.heartbeat(mc, g, gen, member), 0, "heartbeat of %s" % g)
            if not late_done and time.monotonic() - t0 > retention_s / 2:
                self.commit(c, "exp-late", {A: {0: (9, "late")}}, version=2)
                late_done = True
            time.sleep(0.5)

        def committed(group):
            return kr.offset_fetch(c, group, None, version=5)["offsets"]

        # The standalone group's commit is older than the retention: expired.
        deadline = time.monotonic() + 4
        while committed("exp-simple") and time.monotonic() < deadline:
            time.sleep(0.25)
        self.assertEqual(committed("exp-simple"), {},
                         "a standalone commit older than offsets.retention.minutes")
        self.assertNotIn("exp-simple", kr.list_groups(c)[1], "an expired group is forgotten")
        self.assertEqual(committed("exp-late"), {(A, 0): (9, "late", 0)}, "a recent commit stays")
        self.assertEqual(committed("exp-active"), {(A, 1): (7, "exp-active", 0)},
                         "a group with members keeps its offsets, however old the commit")

        # The leaver's last commit is older than the retention, but its group became Empty
        # just now: Kafka keeps the offsets for another retention period.
        mc, gen, member = members.pop("exp-leaver")
        self.assertEqual(kr.leave_group(mc, "exp-leaver", [member])["error"], 0)
        time.sleep(1)  # 10 expiry checks
        self.assertEqual(committed("exp-leaver"), {(A, 1): (7, "exp-leaver", 0)},
                         "offsets of a consumer group that became Empty 1 s ago, last commit "
                         "%.0f s ago, offsets retention %d s: Kafka (KIP-211) counts the "
                         "retention from when the group became Empty"
                         % (time.monotonic() - t0, retention_s))
        mc, gen, member = members["exp-active"]
        self.assertEqual(kr.heartbeat(mc, "exp-active", gen, member), 0)
        self.assertEqual(self.hub.stop(), 0)

    def wait_topic_gone(self, topic, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.hub.connect() as c:
                t = kr.metadata(c, [topic], version=4)["topics"].get(topic)
            if t is None or t["error"] == kr.ERR_UNKNOWN_TOPIC_OR_PARTITION:
                return
            time.sleep(0.1)
        self.fail("%s still in Metadata after DeleteTopics" % topic)


if __name__ == "__main__":
    unittest.main(verbosity=2)
