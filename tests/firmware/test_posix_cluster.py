"""boards/posix's example node against a 3-broker Tern cluster while partition leaders die.

The example produces keyed readings (acks=-1, idempotence required) at a steady interval over a
bootstrap LIST whose first entry is the broker that will be killed first, into a topic with
replication factor 3 (min.insync.replicas=2). The test kill -9's the leader of partition 0 three
times (each victim restarted on its data dir, new Kafka port, before the next kill, once the
partitions have a full ISR again), then stops the example (SIGTERM: it flushes what it sampled).

Checks: the example delivered every reading it took (no failures, one producer session), the
deliveries it printed add up, and kcat (CRCs checked) finds every reading exactly once, byte-exact,
in its key's partition, in order, and every batch at the base offset the broker acknowledged.
Readings that were in flight when a leader died were retried as the same batch (same producer
id/epoch/sequence): a duplicate or a gap would show here.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fw_e2e as fw  # noqa: E402
import tern_harness as th  # noqa: E402
from tern_cluster import Cluster, parse_kcat_metadata  # noqa: E402

TOPIC = "fw-failover"
PARTITIONS = 3
RF = 3
KILLS = 3
INTERVAL_MS = 10
CLUSTER_ARGS = ["--default.replication.factor", "3", "--min.insync.replicas", "2",
                "--broker.session.timeout.ms", "2000", "--broker.heartbeat.interval.ms", "200",
                "--replica.lag.time.max.ms", "3000"]


def md_of(node, topic, wait_s=3):
    """kcat -L through `node`, parsed (tern_cluster's format), or None if kcat failed."""
    try:
        out = th.kcat(node, "-L", "-m", str(wait_s), "-t", topic, timeout=wait_s + 10).stdout
    except AssertionError:
        return None
    return parse_kcat_metadata(out.decode("utf-8", "replace"))


def wait_for(what, predicate, timeout, cluster):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(0.2)
    raise th.HubError("%s: not reached within %ss\n%s" % (what, timeout, cluster.logs(60)))


def quorum_leader(cluster):
    """The node id `tern cluster status` reports as the metadata quorum's leader, or None."""
    for n in cluster.live_brokers():
        p = th.run([th.tern_bin(), "cluster", "status", "--bootstrap-server", n.bootstrap],
                   timeout=20, check=False)
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            if line.startswith("LeaderId:") and int(line.split(":", 1)[1]) >= 0:
                return int(line.split(":", 1)[1])
    return None


def healthy(cluster, exclude=()):
    """{partition: {...}} once every live broker shows each partition led by a live broker (not
    in `exclude`) with an ISR of RF (or RF - 1 when a broker is down); else None."""
    live = {n.node_id for n in cluster.live_brokers()} - set(exclude)
    want_isr = RF if len(cluster.live_brokers()) == RF else RF - 1
    parts = None
    for n in cluster.live_brokers():
        md = md_of(n, TOPIC)
        parts = md and md["topics"].get(TOPIC)
        if not parts or len(parts) != PARTITIONS:
            return None
        for p in parts.values():
            if p["leader"] not in live or len(p["isrs"]) < want_isr:
                return None
    return parts


class Example:
    """tern_posix_example running in the background; stdout/stderr go to files."""

    def __init__(self, bootstrap):
        self.dir = tempfile.mkdtemp(prefix="tern-fw-cluster-")
        self.out_path = os.path.join(self.dir, "out")
        self.err_path = os.path.join(self.dir, "err")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        cmd = fw.example_cmd(bootstrap, TOPIC, 1_000_000, "--interval-ms", INTERVAL_MS,
                             "--acks", "-1", "--idempotence", "required", "--print-deliveries",
                             "--request-timeout-ms", "3000", "--flush-timeout-ms", "60000")
        env = dict(os.environ, TERN_LOG="2")  # warnings: connection failures, leader errors
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=self.err, env=env, preexec_fn=fw.die_with_parent)

    def text(self, path=None):
        with open(path or self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def deliveries(self):
        """[(partition, base_offset, count, error)] in the order the session reported them."""
        out = []
        for line in self.text().splitlines():
            if line.startswith("delivery "):
                kv = dict(f.split("=", 1) for f in line.split()[1:])
                out.append((int(kv["partition"]), int(kv["base_offset"]), int(kv["count"]),
                            int(kv["error"])))
        return out

    def delivered(self):
        return sum(d[2] for d in self.deliveries() if d[3] == 0)

    def stop(self, timeout=90):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("the example did not flush and exit within %ss\n%s"
                                     % (timeout, fw.tail(self.text(self.err_path))))
        self.out.close()
        self.err.close()
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()


class PosixExampleSurvivesLeaderFailover(unittest.TestCase):

    def wait_progress(self, ex, cluster, more, what, timeout=30):
        start = ex.delivered()
        wait_for("%s (%d more readings delivered; example running: %s)"
                 % (what, more, ex.proc.poll() is None),
                 lambda: ex.proc.poll() is None and ex.delivered() >= start + more, timeout,
                 cluster)

    def failover(self, kills, pick):
        """Runs the example while `kills` times the broker pick(partitions, quorum leader)
        chooses is killed and restarted; checks everything the example reports."""
        t0 = time.monotonic()
        with Cluster(brokers=3, extra_args=CLUSTER_ARGS) as cluster:
            th.run([th.tern_bin(), "topics", "--bootstrap-server", cluster.bootstrap(),
                    "--create", "--topic", TOPIC, "--partitions", str(PARTITIONS),
                    "--replication-factor", str(RF)], timeout=30)
            parts = wait_for("topic with full ISRs", lambda: healthy(cluster), 30, cluster)
            # The device bootstraps from the broker that dies first.
            first = pick(parts, quorum_leader(cluster))
            order = [first] + [n.node_id for n in cluster.brokers() if n.node_id != first]
            bootstrap = ",".join(cluster.node(i).bootstrap for i in order)
            ex = Example(bootstrap)
            try:
                self.wait_progress(ex, cluster, 50, "first deliveries")
                killed = []
                for round_ in range(kills):
                    parts = wait_for("round %d: full ISRs" % round_, lambda: healthy(cluster),
                                     45, cluster)
                    victim = cluster.node(pick(parts, quorum_leader(cluster)))
                    led = sorted(p for p, v in parts.items() if v["leader"] == victim.node_id)
                    victim.kill()
                    killed.append((victim.node_id, led))
                    wait_for("round %d: partitions led without node %d"
                             % (round_, victim.node_id),
                             lambda: healthy(cluster, exclude=[victim.node_id]), 30, cluster)
                    # The example keeps delivering through the new leader(s)...
                    self.wait_progress(ex, cluster, 50, "round %d: after killing node %d"
                                       % (round_, victim.node_id))
                    victim.start()  # same data dir; a new Kafka port
                # ... and after the last restart.
                wait_for("full ISRs at the end", lambda: healthy(cluster), 45, cluster)
                self.wait_progress(ex, cluster, 50, "after the last restart")
                t_stop = time.monotonic()
                rc = ex.stop()
                out, err = ex.text(), ex.text(ex.err_path)
                deliveries = ex.deliveries()
            finally:
                ex.close()

            stats = fw.parse_stats(out)
            info = "stats %s\nexample stderr:\n%s" % (stats, fw.tail(err))
            self.assertEqual(rc, 0, info)
            enqueued = int(stats["enqueued"])
            self.assertEqual(stats["delivered"], stats["enqueued"], info)
            self.assertEqual(stats["failed"], "0", info)
            self.assertEqual(stats["dropped"], "0", info)
            self.assertEqual(stats["pending"], "0", info)
            self.assertEqual(stats["idempotent"], "1", info)
            # The kills hit the session: it lost or failed connections (TERN_LOG=2 warnings).
            self.assertGreaterEqual(err.count("connection failed"), kills, info)
            self.assertEqual([d for d in deliveries if d[3] != 0], [], info)
            self.assertEqual(sum(d[2] for d in deliveries), enqueued, info)
            # Each kill cost the session its connection at least once.
            self.assertGreaterEqual(int(stats["connects"]), 1 + kills, info)

            records = fw.kcat_read(cluster.bootstrap(), TOPIC, enqueued)
            self.assertEqual(len(records), enqueued, "extra records in the topic")
            fw.check_records(self, records, enqueued, PARTITIONS)

            # Each reported batch sits at its acknowledged base offset, holding the next
            # readings of its partition in the order they were taken.
            by_offset = {(r["partition"], r["offset"]): r for r in records}
            expected = {p: [i for i in range(enqueued)
                            if th.java_partition(fw.key_of(i), PARTITIONS) == p]
                        for p in range(PARTITIONS)}
            pos = {p: 0 for p in range(PARTITIONS)}
            known = 0
            for part, base, count, _ in deliveries:
                seqs = expected[part][pos[part]:pos[part] + count]
                self.assertEqual(len(seqs), count, "partition %d: more delivered than taken"
                                 % part)
                pos[part] += count
                if base < 0:
                    continue  # a deduplicated retry: the broker did not say where
                known += 1
                for j, seq in enumerate(seqs):
                    r = by_offset.get((part, base + j))
                    self.assertIsNotNone(r, "acknowledged offset %d/%d missing" % (part, base + j))
                    self.assertEqual(r["headers"].split(",")[0], "seq=%d" % seq,
                                     "partition %d offset %d" % (part, base + j))
            self.assertEqual(pos, {p: len(expected[p]) for p in range(PARTITIONS)})
            self.assertGreater(known, 0)
            sys.stderr.write("\nfirmware cluster failover: killed (node, partitions led) %s, "
                             "%d readings, %d batches, %s retries, %s connects; producing took "
                             "%.1fs, whole test %.1fs\n"
                             % (killed, enqueued, len(deliveries), stats["retries"],
                                stats["connects"], t_stop - t0, time.monotonic() - t0))

    def test_1_three_partition_leader_kills(self):
        """Three times: kill -9 the leader of a partition that is not the metadata quorum's
        leader (the data path's failover; losing the controller too is the next test)."""
        def pick(parts, controller):
            for p in sorted(parts):
                if parts[p]["leader"] != controller:
                    return parts[p]["leader"]
            raise AssertionError("every partition is led by the controller %s: %s"
                                 % (controller, parts))
        self.failover(KILLS, pick)

    def test_2_partition_leader_that_also_leads_the_quorum(self):
        """Once: kill -9 the broker that leads the metadata quorum and a partition (and is the
        device's first bootstrap address)."""
        def pick(parts, controller):
            self.assertIn(controller, [v["leader"] for v in parts.values()],
                          "the controller leads no partition of %s" % TOPIC)
            return controller
        self.failover(1, pick)


if __name__ == "__main__":
    unittest.main(verbosity=2)
