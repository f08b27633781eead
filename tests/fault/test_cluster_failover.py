"""Cluster failover under faults: real 3-voter Tern clusters on loopback.

- Leader kill loop: an idempotent librdkafka producer (acks=all) writes at a steady rate into an
  RF=3 topic (min.insync.replicas=2) while the leader of one of its partitions is killed with
  SIGKILL 10 times in a row (each victim restarted on its data dir before the next kill). Every
  acknowledged record is read back exactly once at its acknowledged offset, in order per
  partition, and a kcat consumer started before the kills follows the new leaders and sees them all.
- Pause: the leader is SIGSTOPped past broker.session.timeout.ms: it is fenced (gone from the
  unfenced brokers), another broker leads, acks=all writes succeed there; after SIGCONT it does
  not acknowledge writes as the old leader, rejoins the ISR in bounded time, nothing is lost.
- Quorum loss: with 2 of 3 voters killed the survivor's metadata does not change (no leader
  change, no ISR shrink to itself) and acks=all writes fail even with min.insync.replicas=1;
  when the voters return, leaders and full ISRs come back and writes succeed.
- Two gateways + witness: kill either gateway and the other leads every partition and takes
  acks=all writes; kill the witness and nothing changes.

Needs $RDKAFKA_STEADY_PRODUCER (tests/fault/rdkafka_steady_producer.c) and kcat.
"""

import collections
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
from tern_cluster import Cluster, parse_kcat_metadata  # noqa: E402
from tern_harness import HubError, die_with_parent, kcat, run, tern_bin  # noqa: E402

SESSION_MS = 2000
FAST = ["--broker.session.timeout.ms", str(SESSION_MS), "--broker.heartbeat.interval.ms", "200",
        "--replica.lag.time.max.ms", "3000"]
KILLS = 10


def producer_bin():
    path = os.environ.get("RDKAFKA_STEADY_PRODUCER", "")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise HubError("RDKAFKA_STEADY_PRODUCER=%r is not an executable (build target "
                       "rdkafka_steady_producer; librdkafka-dev must be installed)" % path)
    return path


# ---------------------------------------------------------------------------------------------
# Cluster helpers (short kcat metadata waits: a broker that is not registered yet answers with no
# brokers and kcat -m 10 would then sit out its whole timeout).


def md_of(node, topic=None, wait_s=3):
    """Parsed kcat -L through `node`, or None if kcat failed."""
    args = ["-L", "-m", str(wait_s)]
    if topic:
        args += ["-t", topic]
    try:
        out = kcat(node, *args, timeout=wait_s + 10).stdout.decode("utf-8", "replace")
    except AssertionError:
        return None
    return parse_kcat_metadata(out)


def wait_for(what, predicate, timeout, cluster, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise HubError("%s: not reached within %ss\n%s" % (what, timeout, cluster.logs(60)))


def start_cluster(cluster):
    for n in cluster.nodes:
        n.start()
    count = len(cluster.brokers())

    def all_see():
        mds = [md_of(n) for n in cluster.live_brokers()]
        return all(m and len(m["brokers"]) == count for m in mds)

    wait_for("every broker sees %d brokers" % count, all_see, 30, cluster)


def partitions_of(cluster, via, topic):
    md = md_of(via, topic)
    return md["topics"].get(topic) if md else None


def wait_healthy(cluster, topic, partitions, rf, timeout=30, via=None):
    """Every partition led by a live broker with a full ISR, as seen from `via` (default: every
    live broker). Returns {partition: {...}}."""
    seen = {}

    def ok():
        live = {n.node_id for n in cluster.live_brokers()}
        res = None
        for v in ([via] if via else cluster.live_brokers()):
            parts = partitions_of(cluster, v, topic)
            seen[v.name] = parts
            if not parts or len(parts) != partitions:
                return None
            for p in parts.values():
                if p["leader"] not in live or len(p["isrs"]) != rf:
                    return None
            res = parts
        return res

    try:
        return wait_for("topic %s: live leaders and ISR of %d" % (topic, rf), ok, timeout, cluster)
    except HubError as e:
        raise HubError("last metadata seen: %r\n%s" % (seen, e))


def create_topic(cluster, topic, partitions, rf):
    run([tern_bin(), "topics", "--bootstrap-server", cluster.bootstrap(), "--create", "--topic",
         topic, "--partitions", str(partitions), "--replication-factor", str(rf)], timeout=30)
    return wait_healthy(cluster, topic, partitions, rf)


def unfenced_brokers(via):
    """Broker ids `tern cluster status` (through `via`) lists as registered and unfenced."""
    p = run([tern_bin(), "cluster", "status", "--bootstrap-server", via.bootstrap], timeout=20,
            check=False)
    if p.returncode != 0:
        return None
    ids, on = set(), False
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("Brokers (registered and unfenced)"):
            on = True
        elif on and line.strip() and line.strip().split()[0].isdigit():
            ids.add(int(line.strip().split()[0]))
        elif on and line.strip():
            on = False
    return ids


# ---------------------------------------------------------------------------------------------
# Clients.


def parse_reports(text):
    """Producer stdout -> (acked [(partition, offset, value)], failed [(partition, err, value)])."""
    acked, failed = [], []
    for line in text.splitlines():
        f = line.split(" ", 3)
        if f[0] == "D" and len(f) == 4:
            acked.append((int(f[1]), int(f[2]), f[3]))
        elif f[0] == "F" and len(f) == 4:
            failed.append((int(f[1]), f[2], f[3]))
    return acked, failed


class SteadyProducer:
    """rdkafka_steady_producer steady ...: stdout/stderr go to files read while it runs."""

    def __init__(self, bootstrap, topic, partitions, rate, prefix, *conf):
        self.dir = tempfile.mkdtemp(prefix="tern-steady-")
        self.out_path = os.path.join(self.dir, "out")
        self.err_path = os.path.join(self.dir, "err")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(
            [producer_bin(), "steady", bootstrap, topic, str(partitions), str(rate), prefix]
            + list(conf), stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err,
            preexec_fn=die_with_parent)

    def acked(self):
        with open(self.out_path, "rb") as f:
            return parse_reports(f.read().decode("utf-8", "replace"))[0]

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=45)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        self.err.close()
        with open(self.out_path, "rb") as f:
            acked, failed = parse_reports(f.read().decode("utf-8", "replace"))
        return self.proc.returncode, acked, failed, self.stderr()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()


def batch_produce(bootstrap, topic, partition, count, prefix, *conf, timeout=60):
    """rdkafka_steady_producer batch: (exit code, acked, failed, stderr)."""
    p = run([producer_bin(), "batch", bootstrap, topic, str(partition), str(count), prefix]
            + list(conf), timeout=timeout, check=False)
    acked, failed = parse_reports(p.stdout.decode("utf-8", "replace"))
    return p.returncode, acked, failed, p.stderr.decode("utf-8", "replace")


FMT = "%p %o %s\n"


def parse_consumed(text):
    out = []
    for line in text.splitlines():
        f = line.split(" ", 2)
        if len(f) == 3 and f[0].isdigit():
            out.append((int(f[0]), int(f[1]), f[2]))
    return out


def read_back(node, topic):
    """Every record of `topic` through `node` with kcat -e (CRCs checked)."""
    p = kcat(node, "-C", "-e", "-q", "-X", "check.crcs=true", "-t", topic, "-o", "beginning",
             "-f", FMT, timeout=120)
    return parse_consumed(p.stdout.decode("utf-8", "replace"))


class KcatFollower:
    """A kcat consumer that runs (no -e) from the start of the test to its end."""

    def __init__(self, bootstrap, topic):
        self.dir = tempfile.mkdtemp(prefix="tern-follow-")
        self.out_path = os.path.join(self.dir, "out")
        self.out = open(self.out_path, "wb")
        self.err = open(os.path.join(self.dir, "err"), "wb")
        self.proc = subprocess.Popen(
            ["kcat", "-b", bootstrap, "-C", "-u", "-q", "-t", topic, "-o", "beginning", "-f", FMT,
             "-X", "check.crcs=true", "-X", "topic.metadata.refresh.interval.ms=1000",
             "-X", "reconnect.backoff.max.ms=500"],
            stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err, preexec_fn=die_with_parent)

    def records(self):
        with open(self.out_path, "rb") as f:
            return parse_consumed(f.read().decode("utf-8", "replace"))

    def stderr(self):
        with open(os.path.join(self.dir, "err"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()


# ---------------------------------------------------------------------------------------------
# Checks.


def check_acked_read_back(tc, acked, records, what):
    """Every acknowledged (partition, offset, value) is in `records` exactly once, at that offset;
    offsets are unique and increasing per partition; the log holds no value twice."""
    tc.assertEqual(len(set((p, o) for p, o, _ in acked)), len(acked),
                   "%s: two acknowledgements for one offset" % what)
    tc.assertEqual(len(set(v for _, _, v in acked)), len(acked),
                   "%s: a value acknowledged twice" % what)
    at = {}
    last = collections.defaultdict(lambda: -1)
    seen_values = collections.Counter()
    for p, o, v in records:
        tc.assertGreater(o, last[p], "%s: partition %d offsets not increasing at %d" % (what, p, o))
        last[p] = o
        at[(p, o)] = v
        seen_values[v] += 1
    dups = [v for v, c in seen_values.items() if c > 1]
    tc.assertEqual(dups[:10], [], "%s: values stored more than once" % what)
    missing = [(p, o, v) for p, o, v in acked if at.get((p, o)) != v]
    tc.assertEqual(missing[:10], [],
                   "%s: %d of %d acknowledged records not at their offset (found there: %s)"
                   % (what, len(missing), len(acked),
                      [at.get((p, o)) for p, o, _ in missing[:10]]))


def check_ack_order(tc, acked, what):
    """Per partition, records sent later (higher sequence in '<prefix>-<i>') were acknowledged
    at higher offsets."""
    by_part = collections.defaultdict(list)
    for p, o, v in acked:
        by_part[p].append((int(v.rsplit("-", 1)[1]), o))
    for p, pairs in by_part.items():
        pairs.sort()
        offs = [o for _, o in pairs]
        bad = [(pairs[i], pairs[i + 1]) for i in range(len(offs) - 1) if offs[i + 1] <= offs[i]]
        tc.assertEqual(bad[:5], [], "%s: partition %d acknowledged out of send order" % (what, p))


# ---------------------------------------------------------------------------------------------


class ClusterFailoverTest(unittest.TestCase):

    def setUp(self):
        producer_bin()
        self.t0 = time.monotonic()

    def tearDown(self):
        sys.stderr.write("  [%s: %.1fs]\n" % (self._testMethodName, time.monotonic() - self.t0))

    def note(self, msg):
        sys.stderr.write("  %6.1fs %s\n" % (time.monotonic() - self.t0, msg))

    # ---- kill -9 the leader, ten times --------------------------------------------------------

    def test_leader_kill_loop(self):
        topic, parts = "failover", 2
        cluster = Cluster(3, extra_args=FAST + ["--min.insync.replicas", "2"])
        producer = follower = None
        try:
            start_cluster(cluster)
            # Restarted brokers come back on their port, as real ones do on their configured
            # listener: the clients' seed lists stay valid (with a new port per restart, all
            # three seeds are stale after three kills and kcat gives up: ALL_BROKERS_DOWN).
            for n in cluster.brokers():
                n.pin_kafka_port()
            create_topic(cluster, topic, parts, 3)
            follower = KcatFollower(cluster.bootstrap(), topic)
            producer = SteadyProducer(cluster.bootstrap(), topic, parts, 100, "k")
            wait_for("first acknowledgements", lambda: len(producer.acked()) >= 50, 30, cluster)
            failovers = []
            for i in range(KILLS):
                p = i % parts
                via = cluster.live_brokers()[0]
                leader = partitions_of(cluster, via, topic)[p]["leader"]
                victim = cluster.node(leader)
                acks_before = len(producer.acked())
                victim.kill()
                killed = time.monotonic()
                others = [n for n in cluster.live_brokers()]

                def new_leader():
                    got = partitions_of(cluster, others[0], topic)
                    return got and got[p]["leader"] not in (leader, -1)

                wait_for("kill %d: partition %d gets a new leader" % (i + 1, p), new_leader, 20,
                         cluster)
                elected = time.monotonic() - killed
                wait_for("kill %d: acknowledgements continue" % (i + 1),
                         lambda: len(producer.acked()) >= acks_before + 100, 30, cluster)
                resumed = time.monotonic() - killed
                failovers.append((leader, p, elected, resumed))
                self.note("kill %d: node %d (leader of %d); new leader after %.1fs, 100 more acks "
                          "after %.1fs" % (i + 1, leader, p, elected, resumed))
                victim.start()
                wait_healthy(cluster, topic, parts, 3, timeout=30)
            time.sleep(1)
            rc, acked, failed, err = producer.stop()
            self.note("producer: %d acknowledged, %d failed" % (len(acked), len(failed)))
            self.assertEqual(rc, 0, "producer exit code %s\n%s" % (rc, err[-3000:]))
            self.assertNotIn("FATAL", err)
            self.assertGreaterEqual(len(acked), 100 * (KILLS + 1))
            self.assertEqual(len({v for v, _, _, _ in failovers}) > 1, True,
                             "the kills should hit more than one node: %r" % failovers)
            check_ack_order(self, acked, "producer")

            records = read_back(cluster.live_brokers()[0], topic)
            check_acked_read_back(self, acked, records, "read back")

            want = {(p, o): v for p, o, v in acked}
            def follower_done():
                got = {(p, o): v for p, o, v in follower.records()}
                return all(got.get(k) == v for k, v in want.items())
            try:
                wait_for("the kcat consumer sees every acknowledged record", follower_done, 30,
                         cluster)
            finally:
                self.assertIsNone(follower.proc.poll(),
                                  "kcat consumer exited: %s" % follower.stderr()[-2000:])
            check_acked_read_back(self, acked, follower.records(), "kcat consumer")
            for n in cluster.nodes:
                n.assert_alive()
        finally:
            for c in (producer, follower):
                if c:
                    c.close()
            cluster.close()

    # ---- SIGSTOP the leader past the session timeout ------------------------------------------

    def test_leader_pause(self):
        topic = "pause"
        cluster = Cluster(3, extra_args=FAST + ["--min.insync.replicas", "2"])
        producer = None
        try:
            start_cluster(cluster)
            create_topic(cluster, topic, 1, 3)
            producer = SteadyProducer(cluster.bootstrap(), topic, 1, 50, "s")
            wait_for("first acknowledgements", lambda: len(producer.acked()) >= 30, 30, cluster)
            leader = partitions_of(cluster, cluster.live_brokers()[0], topic)[0]["leader"]
            paused = cluster.node(leader)
            others = [n for n in cluster.brokers() if n is not paused]
            self.assertEqual(unfenced_brokers(others[0]), {1, 2, 3})

            os.kill(paused.proc.pid, signal.SIGSTOP)
            stopped = time.monotonic()
            try:
                def moved():
                    got = partitions_of(cluster, others[0], topic)
                    return got and got[0]["leader"] in (others[0].node_id, others[1].node_id)

                wait_for("another broker leads while %s is stopped" % paused.name, moved, 20,
                         cluster)
                self.note("node %d stopped; partition led by another after %.1fs"
                          % (leader, time.monotonic() - stopped))
                self.assertGreaterEqual(time.monotonic() - stopped, SESSION_MS / 1000 * 0.9,
                                        "leader moved before the session timeout")
                wait_for("the stopped node is fenced",
                         lambda: unfenced_brokers(others[0]) == {o.node_id for o in others}, 10,
                         cluster)
                boot = ",".join(o.bootstrap for o in others)
                rc, acked, failed, err = batch_produce(boot, topic, 0, 20, "during-pause",
                                                       "message.timeout.ms=15000")
                self.assertEqual((rc, len(acked)), (0, 20),
                                 "acks=all writes during the pause: %s %s" % (failed, err[-2000:]))
                n_before = len(producer.acked())
                wait_for("steady producer acknowledged again",
                         lambda: len(producer.acked()) >= n_before + 50, 20, cluster)
                # Past the session timeout for sure before waking it.
                time.sleep(max(0.0, stopped + 2 * SESSION_MS / 1000 - time.monotonic()))
            finally:
                os.kill(paused.proc.pid, signal.SIGCONT)
            resumed = time.monotonic()

            # The woken node is no longer leader: an acks=all write sent straight to it is not
            # acknowledged.
            with paused.connect(timeout=15) as conn:
                blob = kr.encode_record_batch([kr.Record(None, b"to-the-old-leader")])
                err, base = kr.produce(conn, topic, 0, blob, acks=-1, timeout_ms=5000)
            self.assertNotEqual(err, kr.ERR_NONE,
                                "the old leader acknowledged an acks=all write at %d after "
                                "SIGCONT" % base)

            def back_in_isr():
                got = partitions_of(cluster, others[0], topic)
                return got and sorted(got[0]["isrs"]) == [1, 2, 3]

            wait_for("%s back in the ISR" % paused.name, back_in_isr, 20, cluster)
            self.note("node %d back in the ISR %.1fs after SIGCONT"
                      % (leader, time.monotonic() - resumed))
            wait_for("%s unfenced again" % paused.name,
                     lambda: unfenced_brokers(others[0]) == {1, 2, 3}, 10, cluster)

            rc, acked_s, failed_s, err_s = producer.stop()
            self.assertEqual(rc, 0, "producer exit code %s\n%s" % (rc, err_s[-3000:]))
            check_ack_order(self, acked_s, "steady producer")
            records = read_back(others[0], topic)
            check_acked_read_back(self, acked_s + acked, records, "read back")
            self.assertNotIn("to-the-old-leader", {v for _, _, v in records})
            for n in cluster.nodes:
                n.assert_alive()
        finally:
            if producer:
                producer.close()
            cluster.close()

    # ---- two of three voters down ------------------------------------------------------------

    def test_quorum_loss(self):
        topic, parts = "quorum", 3
        # min.insync.replicas=1: only the ISR (which must not shrink without a quorum) stands
        # between a lone survivor and an acknowledged write.
        cluster = Cluster(3, extra_args=FAST + ["--min.insync.replicas", "1"])
        try:
            start_cluster(cluster)
            create_topic(cluster, topic, parts, 3)
            acked_all = []
            for p in range(parts):
                rc, acked, failed, err = batch_produce(cluster.bootstrap(), topic, p, 10,
                                                       "before-%d" % p)
                self.assertEqual(rc, 0, "%s %s" % (failed, err[-2000:]))
                acked_all += acked
            md0 = wait_healthy(cluster, topic, parts, 3)
            led = collections.Counter(p["leader"] for p in md0.values())
            survivor = cluster.node(led.most_common(1)[0][0])
            mine = [p for p, v in md0.items() if v["leader"] == survivor.node_id]
            for n in cluster.nodes:
                if n is not survivor:
                    n.kill()
            lost = time.monotonic()
            self.note("killed 2 of 3 voters; node %d survives leading %s" % (survivor.node_id,
                                                                          mine))

            rc, acked, failed, err = batch_produce(survivor.bootstrap, topic, mine[0], 5,
                                                   "lonely", "message.timeout.ms=5000")
            self.assertEqual(acked, [], "acks=all writes succeeded on a lone replica "
                             "without a quorum\n%s" % cluster.logs(40))
            self.assertNotEqual(rc, 0)
            samples = 0
            while time.monotonic() < lost + 3 * SESSION_MS / 1000 + 1 or samples < 5:
                md = partitions_of(cluster, survivor, topic)
                self.assertEqual(md, md0, "metadata changed without a quorum\n%s"
                                 % survivor.log_text(40))
                samples += 1
                time.sleep(0.3)
            self.note("metadata unchanged over %.1fs (%d samples)" % (time.monotonic() - lost,
                                                                      samples))
            for n in cluster.nodes:
                if not n.alive():
                    n.start()
            back = time.monotonic()
            wait_healthy(cluster, topic, parts, 3, timeout=40)
            self.note("recovered (leaders, full ISR) %.1fs after restart"
                      % (time.monotonic() - back))
            for p in range(parts):
                rc, acked, failed, err = batch_produce(cluster.bootstrap(), topic, p, 10,
                                                       "after-%d" % p,
                                                       "message.timeout.ms=20000")
                self.assertEqual(rc, 0, "partition %d after recovery: %s %s"
                                 % (p, failed, err[-2000:]))
                acked_all += acked
            check_acked_read_back(self, acked_all, read_back(survivor, topic), "read back")
            for n in cluster.nodes:
                n.assert_alive()
        finally:
            cluster.close()

    # ---- two gateways and a witness ----------------------------------------------------------

    def test_two_gateways_and_witness(self):
        topic, parts = "witness", 2
        cluster = Cluster(2, witnesses=1, extra_args=FAST + ["--min.insync.replicas", "1"])
        try:
            start_cluster(cluster)
            create_topic(cluster, topic, parts, 2)
            acked_all = []
            g1, g2, witness = cluster.nodes

            def writes_ok(via, tag):
                for p in range(parts):
                    rc, acked, failed, err = batch_produce(via.bootstrap, topic, p, 10,
                                                           "%s-%d" % (tag, p),
                                                           "message.timeout.ms=15000")
                    self.assertEqual((rc, len(acked)), (0, 10),
                                     "%s: acks=all to partition %d via %s: %s %s"
                                     % (tag, p, via.name, failed, err[-2000:]))
                    acked_all.extend(acked)

            writes_ok(g1, "start")
            for down, up in ((g1, g2), (g2, g1)):
                down.kill()
                t = time.monotonic()

                def all_led():
                    got = partitions_of(cluster, up, topic)
                    return got and all(v["leader"] == up.node_id for v in got.values())

                wait_for("%s leads every partition" % up.name, all_led, 20, cluster)
                self.note("%s killed: %s leads all after %.1fs" % (down.name, up.name,
                                                                  time.monotonic() - t))
                writes_ok(up, "without-%s" % down.name)
                down.start()
                wait_healthy(cluster, topic, parts, 2, timeout=30)

            md0 = wait_healthy(cluster, topic, parts, 2)
            witness.kill()
            t = time.monotonic()
            while time.monotonic() < t + 3 * SESSION_MS / 1000 + 1:
                for g in (g1, g2):
                    md = partitions_of(cluster, g, topic)
                    self.assertEqual(md, md0, "metadata via %s changed after the witness died"
                                     % g.name)
                time.sleep(0.3)
            writes_ok(g1, "without-witness")
            for g in (g1, g2):
                self.assertEqual(partitions_of(cluster, g, topic), md0)
            check_acked_read_back(self, acked_all, read_back(g2, topic), "read back")
            for n in (g1, g2):
                n.assert_alive()
        finally:
            cluster.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
