"""Network partitions of a Tern cluster (DESIGN.md section 6), with real isolation.

Every node runs in its own network namespace behind a bridge (tests/lib/tern_netns.py, needs
root: skipped otherwise); a cut is a pair of blackhole routes, so packets vanish silently while
the test's client (in the bridge's namespace) still reaches every node.

IsolatedLeader (3 gateways, topic RF 3, 1 partition, min.insync.replicas 2):
- a raw producer writes one record per request to the partition's leader L: acks=all and acks=1
  alternately, unique values, recording every acknowledgement and who gave it;
- L is cut off from both other nodes (the client still reaches it). L stops acknowledging
  anything within the session timeout (+1 s of slack); the others elect a new leader, which
  takes acks=all writes;
- the cut heals; L rejoins, truncating the acks=1 tail it took while isolated (the divergent
  follower), and the ISR is full again;
- offline, every node's data dir (read with the raw client's Fetch from a copy): the 3 logs are
  identical record by record (offsets, values, partitionLeaderEpoch of each batch), offsets are
  contiguous and unique, every acks=all acknowledgement is present exactly once at its acked
  offset, leader epochs only grow along the log, and the acknowledgements of any one epoch
  came from one broker only (no two brokers acknowledged in overlapping epochs); the values
  L took with acks=1 after the cut that the new leader overwrote are gone from every replica.
GatewaysWitness (2 gateways + witness, topic RF 2, 2 partitions): only the link between the two
gateways is cut (both still reach the witness). After the session timeout, for every partition
exactly one broker accepts writes, and the brokers' metadata agree on that leader.
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
from tern_cluster import read_data_dir  # noqa: E402
from tern_harness import tern_cli  # noqa: E402
import tern_netns  # noqa: E402

SESSION_MS = 3000
ARGS = ["--broker.session.timeout.ms", str(SESSION_MS), "--broker.heartbeat.interval.ms", "500",
        "--replica.lag.time.max.ms", "2000", "--min.insync.replicas", "2",
        "--leader.imbalance.check.interval.seconds", "300"]

_ok, _why = tern_netns.netns_available()


def wait_until(what, fn, timeout, interval=0.2, logs=None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            ok, last = fn()
        except AssertionError as e:  # kcat failed (a node busy or cut): try again
            ok, last = False, str(e)[:300]
        if ok:
            return last
        time.sleep(interval)
    raise AssertionError("%s: not within %ss (last: %s)\n%s"
                         % (what, timeout, last, logs() if logs else ""))


class Producer(threading.Thread):
    """One record per Produce request to broker `node`, partition 0; acks alternate all/1
    (or acks=1 only)."""

    def __init__(self, node, topic, tag, only_acks1=False):
        super().__init__(daemon=True)
        self.only_acks1 = only_acks1
        self.node, self.topic, self.tag = node, topic, tag
        self.stop = threading.Event()
        self.acks = []  # (monotonic time, acks, value, offset, broker id)
        self.errors = []
        self.n = 0

    def run(self):
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = self.node.connect(timeout=6)
                acks = -1 if self.n % 2 == 0 and not self.only_acks1 else 1
                value = b"%s-%06d-%s" % (self.tag, self.n, b"all" if acks == -1 else b"one")
                self.n += 1
                blob = kr.encode_record_batch([kr.Record(None, value)])
                err, off = kr.produce(conn, self.topic, 0, blob, acks=acks, timeout_ms=2000)
                if err == 0:
                    self.acks.append((time.monotonic(), acks, value, off, self.node.node_id))
                else:
                    self.errors.append((time.monotonic(), err))
                    time.sleep(0.05)
            except Exception as e:  # noqa: BLE001 - a cut or stepped-down leader
                self.errors.append((time.monotonic(), repr(e)))
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.1)
            time.sleep(0.01)
        if conn is not None:
            conn.close()


@unittest.skipUnless(_ok, "network namespaces unavailable: %s" % _why)
class IsolatedLeader(unittest.TestCase):
    def test_isolated_leader_and_divergent_follower(self):
        lab = tern_netns.NetLab(3)
        try:
            with tern_netns.NsCluster(lab, 3, extra_args=ARGS) as c:
                self.run_scenario(lab, c)
        finally:
            lab.close()

    def run_scenario(self, lab, c):
        tern_cli("topics", "--bootstrap-server", c.node(1).bootstrap, "--create", "--topic",
                 "iso", "--partitions", "1", "--replication-factor", "3")
        md = c.wait_leaders("iso", 1)
        wait_until("full ISR", lambda: (sorted(c.metadata(c.node(1), "iso")["topics"]["iso"][0]
                                               ["isrs"]) == [1, 2, 3], None), 30, logs=c.logs)
        lid = md["topics"]["iso"][0]["leader"]
        L = c.node(lid)
        others = [n for n in c.brokers() if n.node_id != lid]
        p1 = Producer(L, "iso", b"old")
        p1b = Producer(L, "iso", b"tail", only_acks1=True)
        p1.start()
        p1b.start()
        time.sleep(2.0)
        self.assertGreater(len(p1.acks), 20, "no writes acknowledged before the cut: %s"
                           % p1.errors[-5:])
        t_cut = time.monotonic()
        lab.isolate(lid)
        md = wait_until("a new leader among the others",
                        lambda: (lambda m: (m["topics"]["iso"][0]["leader"] in
                                            [n.node_id for n in others], m))(
                            c.metadata(others[0], "iso")), 20, logs=c.logs)
        new_leader = c.node(md["topics"]["iso"][0]["leader"])
        p2 = Producer(new_leader, "iso", b"new")
        p2.start()
        time.sleep(max(0.0, t_cut + SESSION_MS / 1000 + 5 - time.monotonic()))
        for p in (p1, p1b):
            p.stop.set()
            p.join(15)
        after_cut = [a for a in p1.acks + p1b.acks if a[0] > t_cut]
        last_ack = max((a[0] for a in after_cut), default=t_cut)
        self.assertLessEqual(last_ack - t_cut, SESSION_MS / 1000 + 1.0,
                             "the isolated leader kept acknowledging %.2fs after the cut (%d acks)"
                             % (last_ack - t_cut, len(after_cut)))
        divergent = [a for a in after_cut if a[1] == 1]
        lab.heal_all()
        time.sleep(2.0)
        p2.stop.set()
        p2.join(15)
        self.assertGreater(len([a for a in p2.acks if a[1] == -1]), 5, p2.errors[-5:])
        wait_until("full ISR after healing",
                   lambda: (all(sorted(c.metadata(n, "iso")["topics"]["iso"][0]["isrs"])
                                == [1, 2, 3] for n in c.brokers()), None), 40, logs=c.logs)
        time.sleep(1.0)
        for n in c.nodes:
            self.assertEqual(n.stop(), 0, n.log_text())
        logs = {n.node_id: read_data_dir(n.data_dir, "iso", 1)[0] for n in c.nodes}
        self.check_logs(logs, p1.acks + p1b.acks + p2.acks, divergent, lid)

    def check_logs(self, logs, acks, divergent, old_leader):
        def flat(batches):
            return [(r.offset, r.value, b.partition_leader_epoch)
                    for b in batches for r in b.records]
        ref = flat(logs[1])
        for nid in (2, 3):
            self.assertEqual(flat(logs[nid]), ref, "node %d's log differs from node 1's" % nid)
        offsets = [o for o, _, _ in ref]
        self.assertEqual(offsets, list(range(len(ref))), "offsets not contiguous from 0")
        epochs = [e for _, _, e in ref]
        self.assertEqual(epochs, sorted(epochs), "leader epochs go backwards along the log")
        at = {o: (v, e) for o, v, e in ref}
        counts = {}
        for _, v, _ in ref:
            counts[v] = counts.get(v, 0) + 1
        self.assertEqual([v for v, k in counts.items() if k > 1], [], "values stored twice")
        acked_by_epoch = {}
        for t, acks, value, off, broker in acks:
            if acks != -1:
                continue
            self.assertIn(off, at, "acks=all offset %d (%r by %d) lost" % (off, value, broker))
            self.assertEqual(at[off][0], value, "acks=all offset %d holds another value" % off)
            acked_by_epoch.setdefault(at[off][1], set()).add(broker)
        for epoch, brokers in acked_by_epoch.items():
            self.assertEqual(len(brokers), 1, "epoch %d acknowledged by %s" % (epoch, brokers))
        stored = set(counts)
        lost_divergent = [a for a in divergent if a[2] not in stored]
        # The isolated leader's acks=1 tail after the cut: either replicated before the cut took
        # hold (then present) or truncated away on every replica (the divergent follower case).
        for a in divergent:
            if a[2] in stored:
                self.assertEqual(at.get(a[3], (None,))[0], a[2])
        self.assertGreater(len(lost_divergent), 0, "no divergent tail was crafted/truncated: "
                           "%d acks=1 writes after the cut, all replicated" % len(divergent))
        print("isolated leader %d: %d acks=1 writes after the cut, %d truncated away; log of %d "
              "records, epochs %s" % (old_leader, len(divergent), len(lost_divergent), len(ref),
                                      sorted(set(epochs))))


@unittest.skipUnless(_ok, "network namespaces unavailable: %s" % _why)
class GatewaysWitness(unittest.TestCase):
    def test_cut_between_gateways_leaves_one_leader_per_partition(self):
        lab = tern_netns.NetLab(3)
        try:
            with tern_netns.NsCluster(lab, 2, 1, extra_args=ARGS[:6]) as c:
                tern_cli("topics", "--bootstrap-server", c.node(1).bootstrap, "--create",
                         "--topic", "gw", "--partitions", "2", "--replication-factor", "2")
                c.wait_leaders("gw", 2)
                lab.cut(1, 2)
                time.sleep(SESSION_MS / 1000 + 4)
                for p in (0, 1):
                    accepting = []
                    for n in c.brokers():
                        try:
                            with n.connect(timeout=6) as conn:
                                blob = kr.encode_record_batch([kr.Record(None, b"probe")])
                                err, _ = kr.produce(conn, "gw", p, blob, acks=1, timeout_ms=2000)
                        except Exception as e:  # noqa: BLE001
                            err = repr(e)
                        if err == 0:
                            accepting.append(n.node_id)
                    self.assertEqual(len(accepting), 1, "gw-%d: brokers accepting writes: %s\n%s"
                                     % (p, accepting, c.logs(40)))
                    views = {n.node_id: c.metadata(n, "gw")["topics"]["gw"][p]["leader"]
                             for n in c.brokers()}
                    self.assertEqual(views[accepting[0]], accepting[0], views)
                lab.heal_all()
        finally:
            lab.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
