"""Consumer groups survive the kill -9 of their coordinator in a 3-broker Tern cluster (issue 16).

In a cluster the controller (the metadata quorum's leader) coordinates every group and committed
offsets are replicated through the quorum: a commit is answered once a majority holds it. So when
the coordinator dies, the next controller has every acknowledged commit.

test_raw_commit_survives_coordinator_kill: OffsetCommit (raw wire) to the coordinator; every other
broker names the same coordinator and answers group requests with NOT_COORDINATOR (ListGroups:
none); the coordinator is killed; the new one (named by every survivor) answers OffsetFetch with
exactly the committed offsets and metadata, `tern groups --describe` through any survivor shows
them, OffsetDelete and DeleteGroups remove them, and the restarted victim is no coordinator.

test_client_groups_resume_after_coordinator_kill: a kafkajs group member (tests/compat/kafkajs/
cluster_follow.js) and a librdkafka one (kcat -G) each consume every record and commit; then the
coordinator is killed while both keep running. The committed offsets read back through a survivor
equal those acknowledged before the kill; more records are produced; both groups rejoin on the new
coordinator and consume exactly the new records: nothing below the last commit is delivered
again (nothing consumed twice), nothing is skipped.

Needs kcat, node and tests/compat/kafkajs/node_modules (npm ci).
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

import kafka_raw  # noqa: E402
from tern_cluster import Cluster  # noqa: E402
from tern_harness import die_with_parent, kcat_produce, tern_cli  # noqa: E402
from test_cluster_failover import FAST, create_topic, start_cluster, wait_for  # noqa: E402
from test_cluster_kafkajs import KJS_DIR, KafkajsFollower  # noqa: E402

TOPIC, PARTS = "cg", 2
NOT_COORDINATOR, LOAD_IN_PROGRESS = 16, 14


def coordinator_of(node, group):
    """FindCoordinator through `node`: the coordinator's node id, or None (error/unreachable)."""
    try:
        with node.connect(timeout=3) as c:
            r = kafka_raw.find_coordinator(c, group)
    except Exception:
        return None
    return r["node_id"] if r["error"] == 0 else None


def agreed_coordinator(cluster, group, exclude=()):
    """The coordinator every live broker names (None until they agree on a live one)."""
    live = [n for n in cluster.live_brokers() if n.node_id not in exclude]
    ids = {coordinator_of(n, group) for n in live}
    if len(ids) != 1:
        return None
    (cid,) = ids
    return cid if cid is not None and cid in {n.node_id for n in live} else None


def fetch_offsets(node, group, partitions=PARTS):
    """OffsetFetch v5 through `node`: (group error, {partition: (offset, metadata)})."""
    with node.connect(timeout=5) as c:
        r = kafka_raw.offset_fetch(c, group, {TOPIC: list(range(partitions))}, version=5)
    return r["error"], {p: (o, md) for (t, p), (o, md, _e) in r["offsets"].items()}


def produce(cluster, tag, start, count):
    for p in range(PARTS):
        kcat_produce(cluster.live_brokers()[0], TOPIC,
                     ["%s-%d-%d" % (tag, p, start + i) for i in range(count)], "-p", str(p))


LAST_DESCRIBE_ERROR = [""]


def describe_committed(node, group):
    """CURRENT-OFFSET per partition from `tern groups --describe` through `node` (any broker:
    the CLI follows FindCoordinator), or None if it failed."""
    p = tern_cli("groups", "--bootstrap-server", node.bootstrap, "--describe", "--group", group,
                 check=False, timeout=30)
    if p.returncode != 0:
        LAST_DESCRIBE_ERROR[0] = p.stderr.decode("utf-8", "replace")
        return None
    out = {}
    header = None
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        cols = line.split()
        if cols[:3] == ["GROUP", "TOPIC", "PARTITION"]:
            header = cols
        elif header and len(cols) >= 4 and cols[0] == group and cols[2].isdigit():
            row = dict(zip(header, cols))
            cur = row.get("CURRENT-OFFSET", "-")
            out[int(row["PARTITION"])] = int(cur) if cur.lstrip("-").isdigit() else None
    return out


class KcatGroupMember:
    """kcat -G (librdkafka's balanced consumer, auto commit every 500 ms); stdout to a file."""

    def __init__(self, bootstrap, group):
        self.dir = tempfile.mkdtemp(prefix="tern-kcat-group-")
        self.out_path = os.path.join(self.dir, "out")
        self.err_path = os.path.join(self.dir, "err")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(
            ["kcat", "-b", bootstrap, "-G", group, TOPIC, "-u", "-q", "-f", "%p\t%o\t%s\n",
             "-X", "auto.offset.reset=earliest", "-X", "enable.auto.commit=true",
             "-X", "auto.commit.interval.ms=500", "-X", "session.timeout.ms=10000",
             "-X", "heartbeat.interval.ms=500", "-X", "topic.metadata.refresh.interval.ms=2000"],
            stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err,
            preexec_fn=die_with_parent)

    def lines(self):
        out = []
        with open(self.out_path, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                parts = line.split("\t", 2)
                if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
                    out.append((int(parts[0]), int(parts[1]), parts[2]))
        return out

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class ClusterGroupsTest(unittest.TestCase):

    def setUp(self):
        self.t0 = time.monotonic()
        self.cluster = Cluster(3, extra_args=FAST + ["--min.insync.replicas", "2"])
        start_cluster(self.cluster)
        for n in self.cluster.brokers():
            n.pin_kafka_port()
        create_topic(self.cluster, TOPIC, PARTS, 3)

    def tearDown(self):
        self.cluster.close()
        sys.stderr.write("  [%s: %.1fs]\n" % (self._testMethodName, time.monotonic() - self.t0))

    def note(self, msg):
        sys.stderr.write("  %6.1fs %s\n" % (time.monotonic() - self.t0, msg))

    def kill_coordinator(self, group):
        cluster = self.cluster
        cid = wait_for("every broker names one coordinator",
                       lambda: agreed_coordinator(cluster, group), 20, cluster)
        victim = cluster.node(cid)
        victim.kill()
        killed = time.monotonic()
        new = wait_for("the survivors name a new coordinator",
                       lambda: agreed_coordinator(cluster, group, exclude=(cid,)), 30, cluster)
        self.assertNotEqual(new, cid)
        self.note("killed coordinator %d; survivors name %d after %.1fs"
                  % (cid, new, time.monotonic() - killed))
        return victim, cluster.node(new)

    def test_raw_commit_survives_coordinator_kill(self):
        cluster, group = self.cluster, "raw-group"
        produce(cluster, "r", 0, 100)
        cid = wait_for("every broker names one coordinator",
                       lambda: agreed_coordinator(cluster, group), 20, cluster)
        coord = cluster.node(cid)
        # Group requests to any other broker: NOT_COORDINATOR (clients find the coordinator).
        for n in cluster.brokers():
            if n.node_id != cid:
                err, _ = fetch_offsets(n, group)
                self.assertEqual(err, NOT_COORDINATOR, "OffsetFetch through node %d" % n.node_id)
                with n.connect() as c:
                    res = kafka_raw.offset_commit(c, group, {TOPIC: {0: (1, "")}})
                self.assertEqual(set(res.values()), {NOT_COORDINATOR})
        with coord.connect() as c:
            res = kafka_raw.offset_commit(c, group, {TOPIC: {0: (40, "first"), 1: (60, "")}})
        self.assertEqual(res, {(TOPIC, 0): 0, (TOPIC, 1): 0})
        acknowledged = {0: (40, "first"), 1: (60, "")}
        self.assertEqual(fetch_offsets(coord, group), (0, acknowledged))
        # ListGroups: the coordinator lists the group (Empty: offsets only), the others none;
        # DescribeGroups elsewhere is NOT_COORDINATOR; `tern groups --list` asks every broker.
        for n in cluster.brokers():
            with n.connect() as c:
                err, groups = kafka_raw.list_groups(c)
                described = kafka_raw.describe_groups(c, [group])[group]
            self.assertEqual(err, 0)
            if n.node_id == cid:
                self.assertEqual(groups, {group: "consumer"})
                self.assertEqual((described["error"], described["state"]), (0, "Empty"))
            else:
                self.assertEqual(groups, {}, "node %d lists groups it does not coordinate"
                                 % n.node_id)
                self.assertEqual(described["error"], NOT_COORDINATOR)
        listed = tern_cli("groups", "--bootstrap-server", cluster.bootstrap(), "--list")
        self.assertEqual(listed.stdout.decode().split(), [group])

        victim, new = self.kill_coordinator(group)

        def fetched():
            try:
                err, got = fetch_offsets(new, group)
            except Exception:
                return None
            return got if err == 0 else None

        self.assertEqual(wait_for("OffsetFetch on the new coordinator", fetched, 20, cluster),
                         acknowledged, "committed offsets lost with the coordinator")
        # (Until the victim is fenced it may still lead a partition, whose log end the CLI then
        # cannot read: retried.)
        for n in cluster.live_brokers():
            got = wait_for("tern groups --describe through node %d" % n.node_id,
                           lambda: describe_committed(n, group), 30, cluster, interval=0.5)
            self.assertEqual(got, {0: 40, 1: 60}, "tern groups --describe through node %d"
                             % n.node_id)
        # The victim comes back as a follower: not the coordinator, and it learns nothing wrong.
        victim.start()
        wait_for("the victim names the new coordinator",
                 lambda: coordinator_of(victim, group) == new.node_id, 30, cluster)
        err, _ = fetch_offsets(victim, group)
        self.assertEqual(err, NOT_COORDINATOR)
        # OffsetDelete on the new coordinator removes one partition's replicated offset.
        with new.connect() as c:
            self.assertEqual(kafka_raw.offset_delete(c, group, {TOPIC: [0]}),
                             (0, {(TOPIC, 0): 0}))
        self.assertEqual(fetch_offsets(new, group), (0, {0: (-1, ""), 1: (60, "")}))
        # DeleteGroups on the coordinator removes the replicated offsets.
        with new.connect() as c:
            self.assertEqual(kafka_raw.delete_groups(c, [group]), {group: 0})
        self.assertEqual(fetch_offsets(new, group), (0, {0: (-1, ""), 1: (-1, "")}))
        self.assertIsNone(describe_committed(victim, group),
                          "a deleted group must not be described")
        self.assertIn("does not exist", LAST_DESCRIBE_ERROR[0])
        for n in cluster.nodes:
            n.assert_alive()

    def test_client_groups_resume_after_coordinator_kill(self):
        cluster = self.cluster
        node = os.environ.get("NODE", "node")
        self.assertTrue(shutil.which(node), "node (NODE=%r) is not an executable" % node)
        pkg = os.path.join(KJS_DIR, "node_modules", "kafkajs", "package.json")
        self.assertTrue(os.path.isfile(pkg), "kafkajs is not installed: run `npm ci` in %s"
                        % KJS_DIR)
        first = 100
        produce(cluster, "a", 0, first)
        kjs = KafkajsFollower(cluster.bootstrap(), TOPIC, "kjs-group")
        rdk = KcatGroupMember(cluster.bootstrap(), "rdk-group")
        members = {"kjs-group": kjs, "rdk-group": rdk}
        try:
            full = {p: first for p in range(PARTS)}
            for g, m in members.items():
                wait_for("%s consumes the first %d records per partition" % (g, first),
                         lambda: len({(p, o) for p, o, _ in m.lines()}) >= PARTS * first, 60,
                         cluster)
                wait_for("%s commits them" % g,
                         lambda: describe_committed(cluster.live_brokers()[0], g) == full, 30,
                         cluster)
            acknowledged = {g: describe_committed(cluster.live_brokers()[0], g) for g in members}
            seen_before = {g: len(m.lines()) for g, m in members.items()}
            self.note("both groups committed %s; killing their coordinator" % full)

            victim, new = self.kill_coordinator("kjs-group")
            self.assertEqual(agreed_coordinator(cluster, "rdk-group", exclude=(victim.node_id,)),
                             new.node_id, "one coordinator for every group")
            for g in members:
                got = wait_for("%s: committed offsets through a survivor" % g,
                               lambda: describe_committed(cluster.live_brokers()[-1], g), 30,
                               cluster, interval=0.5)
                self.assertEqual(got, acknowledged[g], "%s: a committed offset was lost" % g)

            more = 50
            produce(cluster, "b", first, more)
            for g, m in members.items():
                try:
                    wait_for("%s consumes the new records after the failover" % g,
                             lambda: {(p, o) for p, o, _ in m.lines()} >=
                             {(p, o) for p in range(PARTS) for o in range(first + more)}, 60,
                             cluster)
                except Exception as e:
                    raise AssertionError("%s\n---- %s stderr (tail) ----\n%s"
                                         % (e, g, m.stderr()[-4000:]))
                after = m.lines()[seen_before[g]:]
                again = sorted({(p, o) for p, o, _ in after if o < acknowledged[g][p]})
                self.assertEqual(again[:10], [], "%s: records below the last commit delivered "
                                 "again after the failover (%d)" % (g, len(again)))
                want = {(p, o): "b-%d-%d" % (p, o) for p in range(PARTS)
                        for o in range(first, first + more)}
                got = {(p, o): v for p, o, v in after}
                self.assertEqual({k: got.get(k) for k in want}, want, "%s: new records" % g)
                self.note("%s: %d records after the failover, none below the commit" %
                          (g, len(after)))
            self.assertEqual(kjs.stop(), 0, "kafkajs consumer: %s" % kjs.stderr()[-3000:])
            for n in cluster.live_brokers():
                n.assert_alive()
        finally:
            kjs.close()
            rdk.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
