"""Cluster formation and admin (DESIGN.md section 6): real `tern serve` nodes on loopback.

ThreeNodes (3 data gateways, one cluster for the class, leader.imbalance.check.interval.seconds 2):
- kcat -L through EVERY broker lists the 3 brokers at their bound ports and, for every partition,
  the same leader / replicas / ISR; `tern topics --describe` through every broker shows the same;
  `tern cluster status` shows the quorum (3 voters, one Leader row, LeaderId among them), the
  3 brokers and the cluster id, which is the Metadata v4 cluster id of every broker;
- CreateTopics checks the replication factor against live brokers (RF 4 on 3 brokers: the CLI
  exits non-zero with INVALID_REPLICATION_FACTOR, nothing is created) and spreads leaders
  (6 partitions RF 3: each broker leads 2 and is first replica of 2);
- a deleted topic disappears from every broker's metadata;
- planned restart: SIGTERM of a broker while kcat produces with acks=all: it exits 0 with no
  partition led by it (kcat -L right after it exits), comes back and gets its preferred
  leaderships back; the producer loses nothing. Done twice: for a broker that is not the
  metadata quorum's leader, and for the one that is;
- lost disk: a broker SIGKILLed, its data dir wiped, restarted: it was out of the ISR, the
  leaders ask for it back into the ISR once it caught up, it leads its preferred partitions
  again and serves exactly the records written before (raw Fetch through it);
- offline, every stopped node's data dir (opened as a copy by a single-node hub): no deleted
  topic, and the same batches (offsets, keys, values, leader epochs) on all 3 replicas;
- a node whose metadata dir belongs to another cluster (other voters) refuses to start with a
  clear message.
GatewaysAndWitness: 2 gateways + 1 witness come up; both brokers list 2 brokers; cluster status
shows 3 voters, the witness without a broker; RF 2 works, RF 3 is refused; data flows.
SingleNode: without controller.quorum.voters a node is the single-node hub as before.
"""

import collections
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
from tern_cluster import (Cluster, ClusterNode, parse_cluster_status,  # noqa: E402
                          parse_topics_describe, read_data_dir, stored_topics)
from tern_harness import (Hub, HubError, die_with_parent, free_port, kcat,  # noqa: E402
                          kcat_consume, kcat_produce, parse_kcat_records, tern_bin, tern_cli)

FAST = ["--leader.imbalance.check.interval.seconds", "2"]
LEADER_NOT_AVAILABLE = 5  # Kafka error code (retriable)


def cli(node, *args, check=True):
    n = 2 if args[0] == "cluster" else 1
    return tern_cli(*args[:n], "--bootstrap-server", node.bootstrap, *args[n:], check=check,
                    hub=node)


def wait_until(what, fn, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        ok, last = fn()
        if ok:
            return last
        time.sleep(interval)
    raise AssertionError("%s: not within %ss (last: %s)" % (what, timeout, last))


def cluster_id_of(node):
    with node.connect() as c:
        return kr.metadata(c, [], version=4)["cluster_id"]


class ThreeNodes(unittest.TestCase):
    c = None

    @classmethod
    def setUpClass(cls):
        cls.c = Cluster(3, extra_args=FAST)
        cls.c.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def create(self, topic, partitions, rf):
        p = cli(self.c.node(1), "topics", "--create", "--topic", topic, "--partitions",
                str(partitions), "--replication-factor", str(rf))
        self.assertIn(b"Created topic", p.stdout)
        return self.c.wait_leaders(topic, partitions)

    def wait(self, what, fn, timeout, last_lines=150):
        try:
            return wait_until(what, fn, timeout)
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.c.logs(last_lines)))

    def full_isr(self, topic, partitions, via):
        def check():
            md = self.c.metadata(via, topic)["topics"].get(topic, {})
            ok = len(md) == partitions and all(
                sorted(p["isrs"]) == sorted(p["replicas"]) for p in md.values())
            return ok, md
        return self.wait("full ISR of %s" % topic, check, 30)

    def test_1_metadata_and_admin_views_agree_on_every_broker(self):
        c = self.c
        self.create("meta", 3, 3)
        for n in c.brokers():
            self.full_isr("meta", 3, n)
        views = []
        cids = set()
        ports = {n.node_id: "127.0.0.1:%d" % n.port for n in c.brokers()}
        for n in c.brokers():
            md = c.metadata(n, "meta")
            self.assertEqual(md["brokers"], ports, "brokers seen through node %d" % n.node_id)
            parts = md["topics"]["meta"]
            self.assertEqual(len(parts), 3)
            for i, p in parts.items():
                self.assertEqual(sorted(p["replicas"]), [1, 2, 3], "meta-%d %s" % (i, p))
                self.assertEqual(sorted(p["isrs"]), [1, 2, 3], "meta-%d %s" % (i, p))
                self.assertIn(p["leader"], p["replicas"])
            views.append(parts)
            desc = parse_topics_describe(
                cli(n, "topics", "--describe", "--topic", "meta").stdout.decode())
            self.assertEqual(desc.get("meta"), parts, "topics --describe through node %d"
                             % n.node_id)
            cids.add(cluster_id_of(n))
        for v in views[1:]:
            self.assertEqual(v, views[0], "kcat -L differs between brokers")
        self.assertEqual(len(cids), 1, "cluster ids %s" % cids)
        cid = cids.pop()
        self.assertTrue(cid)
        for n in c.brokers():
            st = parse_cluster_status(cli(n, "cluster", "status").stdout.decode())
            self.assertEqual(st["cluster_id"], cid, st["text"])
            self.assertEqual(st["voters"], [1, 2, 3], st["text"])
            self.assertIn(st["leader_id"], [1, 2, 3], st["text"])
            self.assertEqual(sorted(st["voter_rows"]), [1, 2, 3], st["text"])
            self.assertEqual([i for i, s in st["voter_rows"].items() if s == "Leader"],
                             [st["leader_id"]], st["text"])
            self.assertEqual(st["brokers"], ports, st["text"])
            with n.connect() as conn:
                self.assertEqual(kr.metadata(conn, [], version=4)["controller_id"],
                                 st["controller"], st["text"])

    def test_2_replication_factor_checked_and_leaders_spread(self):
        c = self.c
        p = cli(c.node(2), "topics", "--create", "--topic", "rf4", "--partitions", "1",
                "--replication-factor", "4", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"INVALID_REPLICATION_FACTOR", p.stderr)
        self.assertIn(b"rf4", p.stderr)
        with c.node(1).connect() as conn:
            self.assertEqual(kr.create_topic(conn, "rf4raw", 1, 4),
                             38)  # INVALID_REPLICATION_FACTOR on the raw wire too
        for n in c.brokers():
            topics = c.metadata(n)["topics"]
            self.assertNotIn("rf4", topics)
            self.assertNotIn("rf4raw", topics)

        md = self.create("six", 6, 3)["topics"]["six"]
        leaders = collections.Counter(p["leader"] for p in md.values())
        preferred = collections.Counter(p["replicas"][0] for p in md.values())
        self.assertEqual(leaders, {1: 2, 2: 2, 3: 2}, md)
        self.assertEqual(preferred, {1: 2, 2: 2, 3: 2}, md)
        for i, p in md.items():
            self.assertEqual(sorted(p["replicas"]), [1, 2, 3], "six-%d %s" % (i, p))

    def test_3_delete_applies_cluster_wide(self):
        c = self.c
        self.create("doomed", 2, 3)
        kcat_produce(c.node(1), "doomed", ["k%d:v%d" % (i, i) for i in range(20)], "-K:")
        for n in c.brokers():
            self.full_isr("doomed", 2, n)
        cli(c.node(3), "topics", "--delete", "--topic", "doomed")
        for n in c.brokers():
            self.wait("node %d drops topic doomed" % n.node_id,
                       lambda: ("doomed" not in c.metadata(n)["topics"], None), 15)
            out = cli(n, "topics", "--list").stdout.decode().split()
            self.assertNotIn("doomed", out)
        for n in c.brokers():  # every replica applied the deletion locally
            n.wait_log(r"replicas: deleted topic 'doomed'", timeout=10)
            self.assertRegex(n.log_text(5000), r"replicas: deleted topic 'doomed'")

    def quorum_leader(self):
        st = parse_cluster_status(cli(self.c.node(1), "cluster", "status").stdout.decode())
        self.assertIn(st["leader_id"], [1, 2, 3], st["text"])
        return st["leader_id"]

    def test_4_controlled_shutdown_of_a_broker(self):
        leader = self.quorum_leader()
        victim = next(i for i in (2, 3, 1) if i != leader)
        self.controlled_shutdown("cs", victim)

    def test_5_controlled_shutdown_of_the_quorum_leader(self):
        # The broker that also leads the metadata quorum: its leadership moves must reach the
        # other brokers before it exits too (known to fail: see the report).
        self.controlled_shutdown("csq", self.quorum_leader())

    def controlled_shutdown(self, topic, victim_id):
        c = self.c
        self.create(topic, 6, 3)
        for n in c.brokers():
            self.full_isr(topic, 6, n)
        victim = c.node(victim_id)
        other = next(n for n in c.brokers() if n is not victim)
        rest = [n.node_id for n in c.brokers() if n is not victim]
        prod = subprocess.Popen(["kcat", "-b", c.bootstrap(), "-P", "-t", topic, "-K:",
                                 "-X", "acks=all", "-X", "message.timeout.ms=60000"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=die_with_parent)
        sent = []
        stop = threading.Event()

        def feed():
            i = 0
            while not stop.is_set():
                line = "k%d:v%06d\n" % (i, i)
                prod.stdin.write(line.encode())
                prod.stdin.flush()
                sent.append("v%06d" % i)
                i += 1
                time.sleep(0.005)

        t = threading.Thread(target=feed, daemon=True)
        t.start()
        try:
            time.sleep(1.5)
            rc = victim.stop(signal.SIGTERM)
            self.assertEqual(rc, 0, victim.log_text())
            md = c.metadata(other, topic)["topics"][topic]
            led = {i: p["leader"] for i, p in md.items()}
            self.assertNotIn(victim_id, led.values(), "partitions still led by the stopped broker: %s\n%s"
                             % (md, c.logs(40)))
            self.assertTrue(all(v in rest for v in led.values()), md)
            time.sleep(1.0)
            victim.start()

            def preferred_back():
                for n in c.brokers():
                    parts = c.metadata(n, topic)["topics"][topic]
                    if any(p["leader"] != p["replicas"][0] for p in parts.values()):
                        return False, parts
                return True, parts
            parts = self.wait("preferred leaders restored", preferred_back, 40)
            self.assertEqual(sum(1 for p in parts.values() if p["leader"] == victim_id), 2, parts)
            time.sleep(1.0)
        finally:
            stop.set()
            t.join()
            if not victim.alive():
                victim.start()  # the later tests need 3 brokers
            try:
                out, err = prod.communicate(timeout=90)
            except subprocess.TimeoutExpired:
                prod.kill()
                out, err = prod.communicate()
        self.assertEqual(prod.returncode, 0, err.decode("utf-8", "replace")[-3000:])
        self.assertNotIn(b"Delivery failed", err)
        got = parse_kcat_records(kcat_consume(other, topic))
        values = collections.Counter(v for _, _, _, v in got)
        missing = [v for v in sent if values[v] == 0]
        self.assertEqual(missing, [], "%d of %d produced values lost" % (len(missing), len(sent)))
        self.assertGreater(len(sent), 200)

    def test_6_lost_disk_rejoins_outside_isr_and_catches_up(self):
        c = self.c
        self.create("dl", 3, 3)
        kcat_produce(c.node(1), "dl", ["k%d:%s" % (i, "x" * 200 + str(i)) for i in range(6000)],
                     "-K:")
        for n in c.brokers():
            self.full_isr("dl", 3, n)
        before = {}
        with c.node(1).connect() as conn:
            pass
        for p in range(3):
            leader = c.node(c.metadata(c.node(1), "dl")["topics"]["dl"][p]["leader"])
            with leader.connect() as conn:
                recs, _, hw = kr.fetch_all(conn, "dl", p)
            before[p] = [(r.offset, r.key, r.value) for r in recs]
        self.assertEqual(sum(len(v) for v in before.values()), 6000)

        victim = c.node(3)
        victim.kill()

        def isr_without_3():
            parts = c.metadata(c.node(1), "dl")["topics"]["dl"]
            return all(3 not in p["isrs"] and p["leader"] in (1, 2) for p in parts.values()), parts
        self.wait("node 3 out of the ISR", isr_without_3, 20)
        shutil.rmtree(victim.data_dir)
        os.mkdir(victim.data_dir)
        marks = {n.node_id: len(n._log) for n in (c.node(1), c.node(2))}
        victim.start()

        def isr_with_3():
            for n in c.brokers():
                parts = c.metadata(n, "dl")["topics"]["dl"]
                if any(sorted(p["isrs"]) != [1, 2, 3] for p in parts.values()):
                    return False, parts
            return True, parts
        self.wait("node 3 back in the ISR", isr_with_3, 60)
        expansions = 0
        for n in (c.node(1), c.node(2)):
            with n._log_lock:
                lines = n._log[marks[n.node_id]:]
            expansions += sum(1 for line in lines
                              if "replicas: dl-" in line and "(0 out, 1 in)" in line)
        self.assertGreaterEqual(expansions, 3, "the leaders of dl-0..2 did not add node 3 back "
                                "to the ISR\n" + c.logs(60))

        def leads_preferred():
            parts = c.metadata(c.node(3), "dl")["topics"]["dl"]
            return all(p["leader"] == p["replicas"][0] for p in parts.values()), parts
        parts = self.wait("node 3 leads its preferred partitions", leads_preferred, 30)
        mine = [i for i, p in parts.items() if p["leader"] == 3]
        self.assertTrue(mine, parts)
        with victim.connect() as conn:
            for p in mine:
                recs, _, _ = kr.fetch_all(conn, "dl", p)
                self.assertEqual([(r.offset, r.key, r.value) for r in recs], before[p],
                                 "dl-%d read from the rebuilt node 3 differs" % p)
        got = parse_kcat_records(kcat_consume(victim, "dl", "-p", str(mine[0])))
        self.assertEqual([(o, v.encode()) for _, o, _, v in got],
                         [(o, v) for o, _, v in before[mine[0]]])

    def test_9_offline_data_dirs_and_foreign_cluster(self):
        c = self.c
        for n in c.nodes:
            self.assertEqual(n.stop(signal.SIGTERM), 0, n.log_text())
        per_node = {}
        for n in c.nodes:
            names = stored_topics(n.data_dir)
            self.assertNotIn("doomed", names, "node %d still stores the deleted topic"
                             % n.node_id)
            self.assertIn("dl", names)
            per_node[n.node_id] = read_data_dir(n.data_dir, "dl", 3)
        for p in range(3):
            ref = [(b.base_offset, b.partition_leader_epoch,
                    [(r.offset, r.key, r.value) for r in b.records]) for b in per_node[1][p]]
            self.assertTrue(ref)
            for nid in (2, 3):
                got = [(b.base_offset, b.partition_leader_epoch,
                        [(r.offset, r.key, r.value) for r in b.records]) for b in per_node[nid][p]]
                self.assertEqual(got, ref, "dl-%d: node %d's log differs from node 1's" % (p, nid))

        # Node 1's metadata dir belongs to this cluster: other voters must not adopt it.
        ports = [free_port() for _ in range(3)]
        voters = ",".join("%d@127.0.0.1:%d" % (i + 1, ports[i]) for i in range(3))
        stranger = ClusterNode(1, "broker,controller", voters, ports[0], FAST,
                               name="stranger", data_dir=c.node(1).data_dir)
        try:
            with self.assertRaises(HubError) as ctx:
                stranger.start(timeout=10)
            self.assertRegex(str(ctx.exception), r"exited with code [1-9]")
            self.assertRegex(str(ctx.exception), r"belongs to another cluster")
        finally:
            stranger.close()


class GatewaysAndWitness(unittest.TestCase):
    def test_two_gateways_and_a_witness(self):
        with Cluster(2, 1) as c:
            ports = {n.node_id: "127.0.0.1:%d" % n.port for n in c.brokers()}
            self.assertEqual(sorted(ports), [1, 2])
            p = cli(c.node(1), "topics", "--create", "--topic", "gw", "--partitions", "2",
                    "--replication-factor", "2")
            self.assertIn(b"Created topic", p.stdout)
            p = cli(c.node(2), "topics", "--create", "--topic", "gw3", "--partitions", "1",
                    "--replication-factor", "3", check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(b"INVALID_REPLICATION_FACTOR", p.stderr)
            c.wait_leaders("gw", 2)

            def full():
                parts = c.metadata(c.node(2), "gw")["topics"]["gw"]
                return all(sorted(p["isrs"]) == [1, 2] for p in parts.values()), parts
            wait_until("gw full ISR", full, 30)
            views = [c.metadata(n, "gw") for n in c.brokers()]
            for v in views:
                self.assertEqual(v["brokers"], ports)
                self.assertNotIn("gw3", v["topics"])
                self.assertEqual(collections.Counter(p["leader"] for p in v["topics"]["gw"].values()),
                                 {1: 1, 2: 1}, v)
            self.assertEqual(views[0]["topics"], views[1]["topics"])
            st = parse_cluster_status(cli(c.node(2), "cluster", "status").stdout.decode())
            self.assertEqual(st["voters"], [1, 2, 3], st["text"])
            self.assertIn(st["leader_id"], [1, 2, 3], st["text"])
            self.assertEqual(st["brokers"], ports, st["text"])
            self.assertRegex(st["text"], r"Voters without a live broker[^\n]*3")
            self.assertEqual(st["cluster_id"], cluster_id_of(c.node(1)))
            self.assertEqual(cluster_id_of(c.node(1)), cluster_id_of(c.node(2)))
            kcat_produce(c.node(2), "gw", ["k%d:v%d" % (i, i) for i in range(100)], "-K:")
            got = parse_kcat_records(kcat_consume(c.node(1), "gw"))
            self.assertEqual(sorted(v for _, _, _, v in got), sorted("v%d" % i for i in range(100)))


class RestartedBrokerImage(unittest.TestCase):
    """A broker restarted without its quorum replays a metadata image that may lack topics that
    exist (its log's commit point is learnt from the quorum). Until it sees its own registration
    live, a topic missing from that image must be LEADER_NOT_AVAILABLE (clients ask again), never
    UNKNOWN_TOPIC_OR_PARTITION (librdkafka consumers then drop the partition for good). Once the
    quorum is back, the same broker describes the topic."""

    def test_unknown_topic_is_retriable_until_the_image_is_current(self):
        with Cluster(3) as c:
            p = cli(c.node(1), "topics", "--create", "--topic", "kept", "--partitions", "2",
                    "--replication-factor", "3")
            self.assertIn(b"Created topic", p.stdout)
            c.wait_leaders("kept", 2)
            kcat_produce(c.node(1), "kept", ["k%d:v%d" % (i, i) for i in range(20)], "-K:")
            for n in c.nodes:
                n.pin_kafka_port()
                n.stop()
            alone = c.node(2)
            alone.start()  # 1 voter of 3: no quorum, no commit point beyond its snapshot
            errors = collections.Counter()
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                with alone.connect() as conn:
                    md = kr.metadata(conn, ["kept"], version=4)
                t = md["topics"].get("kept")
                self.assertIsNotNone(t, md)
                errors[t["error"]] += 1
                time.sleep(0.05)
            print("Metadata answers of the lone broker:", dict(errors))
            self.assertNotIn(kr.ERR_UNKNOWN_TOPIC_OR_PARTITION, errors, errors)
            # Either the image already held the topic (0) or the answer was retriable (5).
            self.assertTrue(set(errors) <= {0, LEADER_NOT_AVAILABLE}, errors)
            for n in c.nodes:
                if n is not alone:
                    n.start()
            c.wait_brokers(3)
            c.wait_leaders("kept", 2)
            got = parse_kcat_records(kcat_consume(alone, "kept"))
            self.assertEqual(sorted(v for _, _, _, v in got), sorted("v%d" % i for i in range(20)))


class SingleNode(unittest.TestCase):
    def test_without_voters_is_the_single_node_hub(self):
        with Hub([], name="single") as h:
            p = tern_cli("cluster", "status", "--bootstrap-server", h.bootstrap, hub=h)
            self.assertIn(b"single node", p.stdout)
            md = kcat(h, "-L").stdout.decode()
            self.assertIn(" 1 brokers:", md)
            with h.connect() as conn:
                self.assertEqual(kr.create_topic(conn, "solo", 2, 1), 0)
            kcat_produce(h, "solo", ["k%d:v%d" % (i, i) for i in range(10)], "-K:")
            got = parse_kcat_records(kcat_consume(h, "solo"))
            self.assertEqual(len(got), 10)
            self.assertNotRegex(h.log_text(500), r"quorum|controller:")


if __name__ == "__main__":
    unittest.main(verbosity=2)
