"""A kafkajs consumer follows a 3-broker Tern cluster across four leader kills.

RF=3 topic with 2 partitions, min.insync.replicas=2, short broker timeouts (as in
test_cluster_failover.py). A kafkajs 2.2.4 consumer group member (tests/compat/kafkajs/
cluster_follow.js) subscribes fromBeginning and prints every message as a JSON line; an idempotent
librdkafka producer (rdkafka_steady_producer, acks=all) writes at a steady rate. The leader of a
partition is killed with SIGKILL 4 times (alternating partitions; each victim restarted on its data
dir and its Kafka port before the next kill; the group coordinator dies whenever it was on the
victim).

At the end the kafkajs consumer, never restarted, must have seen every acknowledged record at its
acknowledged offset. Duplicates are allowed (a group is at-least-once when its coordinator dies and
uncommitted offsets are re-read), but each (partition, offset) always carries the same value, and per
partition the offsets seen for the first time increase (no gap is filled in later, nothing is
delivered out of order).

Needs $RDKAFKA_STEADY_PRODUCER, kcat, node and tests/compat/kafkajs/node_modules (npm ci).
"""

import collections
import json
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

from tern_cluster import Cluster  # noqa: E402
from tern_harness import die_with_parent  # noqa: E402
from test_cluster_failover import (FAST, SteadyProducer, check_ack_order,  # noqa: E402
                                   check_acked_read_back, create_topic, partitions_of,
                                   producer_bin, read_back, start_cluster, wait_for,
                                   wait_healthy)

KJS_DIR = os.path.join(HERE, "..", "compat", "kafkajs")
KILLS = 4
RATE = 100


class KafkajsFollower:
    """node cluster_follow.js: stdout (JSON lines) and stderr (events) go to files."""

    def __init__(self, bootstrap, topic, group):
        self.dir = tempfile.mkdtemp(prefix="tern-kjs-follow-")
        self.out_path = os.path.join(self.dir, "out")
        self.err_path = os.path.join(self.dir, "err")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
        self.proc = subprocess.Popen(
            [os.environ.get("NODE", "node"), os.path.join(KJS_DIR, "cluster_follow.js"),
             bootstrap, topic, group],
            stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err, env=env,
            preexec_fn=die_with_parent)

    def lines(self):
        """[(partition, offset, value)] in the order printed (a torn last line is skipped)."""
        out = []
        with open(self.out_path, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                out.append((d["p"], d["o"], d["v"]))
        return out

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def events(self, what):
        return [line for line in self.stderr().splitlines()
                if line.startswith("EVENT ") and '"what":"%s"' % what in line]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def check_follower(tc, acked, lines, what):
    """Every acknowledged record seen at its offset; one value per (partition, offset); first-seen
    offsets increase per partition. Duplicates (re-deliveries) are allowed."""
    value_at = {}
    conflicts = []
    first_seen = collections.defaultdict(list)
    for p, o, v in lines:
        if (p, o) in value_at:
            if value_at[(p, o)] != v:
                conflicts.append((p, o, value_at[(p, o)], v))
            continue
        value_at[(p, o)] = v
        first_seen[p].append(o)
    tc.assertEqual(conflicts[:10], [], "%s: an offset delivered with two different values "
                   "(partition, offset, first, later)" % what)
    for p, offs in first_seen.items():
        bad = [(offs[i], offs[i + 1]) for i in range(len(offs) - 1) if offs[i + 1] <= offs[i]]
        tc.assertEqual(bad[:10], [], "%s: partition %d: offsets first seen out of order "
                       "(earlier, later)" % (what, p))
    missing = [(p, o, v) for p, o, v in acked if value_at.get((p, o)) != v]
    tc.assertEqual(missing[:10], [], "%s: %d of %d acknowledged records not seen at their offset "
                   "(seen there: %s)" % (what, len(missing), len(acked),
                                         [value_at.get((p, o)) for p, o, _ in missing[:10]]))
    return len(lines) - len(value_at)


def rewinds(lines):
    """[(partition, from_offset, to_offset)]: where the consumer went back (re-deliveries)."""
    last, out = {}, []
    for p, o, _ in lines:
        if p in last and o <= last[p]:
            out.append((p, last[p], o))
        last[p] = o
    return out


class ClusterKafkajsTest(unittest.TestCase):

    def setUp(self):
        producer_bin()
        node = os.environ.get("NODE", "node")
        self.assertTrue(shutil.which(node), "node (NODE=%r) is not an executable" % node)
        pkg = os.path.join(KJS_DIR, "node_modules", "kafkajs", "package.json")
        self.assertTrue(os.path.isfile(pkg),
                        "kafkajs is not installed: %s is missing. Run `npm ci` in %s (the setup "
                        "script does this; tests never download)." % (pkg, KJS_DIR))
        self.t0 = time.monotonic()

    def tearDown(self):
        sys.stderr.write("  [%s: %.1fs]\n" % (self._testMethodName, time.monotonic() - self.t0))

    def note(self, msg):
        sys.stderr.write("  %6.1fs %s\n" % (time.monotonic() - self.t0, msg))

    def test_kafkajs_consumer_follows_leader_kills(self):
        topic, parts, group = "kjs-failover", 2, "kjs-failover-group"
        cluster = Cluster(3, extra_args=FAST + ["--min.insync.replicas", "2"])
        producer = follower = None
        try:
            start_cluster(cluster)
            # Victims restart on their Kafka port, as real brokers do: the consumer's seed list
            # (all three brokers) stays valid, which kafkajs needs whenever it restarts itself
            # after a crash (it rebuilds its broker pool from the seeds).
            for n in cluster.brokers():
                n.pin_kafka_port()
            create_topic(cluster, topic, parts, 3)
            follower = KafkajsFollower(cluster.bootstrap(), topic, group)
            producer = SteadyProducer(cluster.bootstrap(), topic, parts, RATE, "j")
            wait_for("first acknowledgements", lambda: len(producer.acked()) >= 50, 30, cluster)
            wait_for("kafkajs consumes", lambda: len(follower.lines()) >= 20, 45, cluster)
            self.note("kafkajs consuming (%d lines)" % len(follower.lines()))
            victims = []
            for i in range(KILLS):
                p = i % parts
                self.assertIsNone(follower.proc.poll(), "kafkajs consumer exited before kill %d: "
                                  "%s" % (i + 1, follower.stderr()[-3000:]))
                leader = partitions_of(cluster, cluster.live_brokers()[0], topic)[p]["leader"]
                victim = cluster.node(leader)
                acks_before = len(producer.acked())
                seen_before = len(follower.lines())
                victim.kill()
                killed = time.monotonic()
                others = cluster.live_brokers()

                def new_leader():
                    got = partitions_of(cluster, others[0], topic)
                    return got and got[p]["leader"] not in (leader, -1)

                wait_for("kill %d: partition %d gets a new leader" % (i + 1, p), new_leader, 20,
                         cluster)
                elected = time.monotonic() - killed
                wait_for("kill %d: acknowledgements continue" % (i + 1),
                         lambda: len(producer.acked()) >= acks_before + 50, 30, cluster)
                try:
                    wait_for("kill %d: kafkajs consumes again" % (i + 1),
                             lambda: len(follower.lines()) >= seen_before + 50, 30, cluster)
                except Exception as e:
                    raise AssertionError("%s\n---- kafkajs stderr (tail) ----\n%s"
                                         % (e, follower.stderr()[-6000:]))
                victims.append(leader)
                self.note("kill %d: node %d (leader of %d); new leader after %.1fs, kafkajs "
                          "consuming again after %.1fs" % (i + 1, leader, p, elected,
                                                           time.monotonic() - killed))
                victim.start()
                wait_healthy(cluster, topic, parts, 3, timeout=30)
            time.sleep(1)
            rc, acked, failed, err = producer.stop()
            self.note("producer: %d acknowledged, %d failed" % (len(acked), len(failed)))
            self.assertEqual(rc, 0, "producer exit code %s\n%s" % (rc, err[-3000:]))
            self.assertNotIn("FATAL", err)
            self.assertGreaterEqual(len(acked), 50 * (KILLS + 1))
            check_ack_order(self, acked, "producer")
            # The log itself holds every acknowledged record (separates a storage loss from a
            # kafkajs one).
            check_acked_read_back(self, acked, read_back(cluster.live_brokers()[0], topic),
                                  "kcat read back")

            want = {(p, o): v for p, o, v in acked}

            def follower_done():
                got = {(p, o): v for p, o, v in follower.lines()}
                return all(got.get(k) == v for k, v in want.items())

            try:
                wait_for("the kafkajs consumer sees every acknowledged record", follower_done, 30,
                         cluster)
            finally:
                self.assertIsNone(follower.proc.poll(), "kafkajs consumer exited (rc %s): %s"
                                  % (follower.proc.returncode, follower.stderr()[-3000:]))
            lines = follower.lines()
            dups = check_follower(self, acked, lines, "kafkajs consumer")
            crashes = follower.events("crash")
            self.note("kafkajs: %d lines, %d re-deliveries, %d crash events (restarted), "
                      "victims %s; rewinds (partition, from, to): %s"
                      % (len(lines), dups, len(crashes), victims, rewinds(lines)))
            self.assertEqual(follower.stop(), 0, "kafkajs consumer did not stop cleanly: %s"
                             % follower.stderr()[-3000:])
            for n in cluster.nodes:
                n.assert_alive()
        finally:
            for c in (producer, follower):
                if c:
                    c.close()
            cluster.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
