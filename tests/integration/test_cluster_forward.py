"""Forwarding links in a cluster (issue 14 on top of the cluster): exactly once across kill -9
of the broker that runs the link.

Three brokers (each also a controller voter) share one forward.* configuration; the link runs on
the controller only, its checkpoint replicated through the metadata log. A producer writes (acks=all)
into an RF=3 topic with headers while the controller is killed with SIGKILL again and again (and
restarted each time, so another node takes the link over from the replicated checkpoint). At the
end the upstream (a single-node Tern hub) holds every record the cluster stored exactly once, in
per-partition order, with key, value, headers and timestamp. The brokers that do not run the link
report it as standby, and mirror.* links are refused in a cluster with a message naming why.
"""

import json
import os
import random
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

from tern_cluster import Cluster, parse_cluster_status  # noqa: E402
from tern_harness import Hub, create_topic, kcat_produce, run, tern_bin, tern_cli  # noqa: E402
from test_forward import ForwardTestCase, consume_all, wait_until  # noqa: E402

FAST = ["--leader.imbalance.check.interval.seconds", "2"]
TOPIC = "events"
PARTITIONS = 3


def status_of(node, name="cloud"):
    try:
        with open(os.path.join(node.data_dir, "forward-status.json")) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    for link in doc["links"]:
        if link["name"] == name and link["direction"] == "forward":
            return link
    return None


class ClusterForward(ForwardTestCase):
    def wait(self, cluster, pred, timeout, what):
        try:
            return wait_until(pred, timeout, what, interval=0.2)
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, cluster.logs(150)))

    def controller_of(self, cluster):
        """The node id of the metadata quorum's leader (it runs the link), as a live broker says."""
        def ask():
            for n in cluster.live_brokers():
                p = tern_cli("cluster", "status", "--bootstrap-server", n.bootstrap, check=False, hub=n)
                if p.returncode == 0:
                    leader = parse_cluster_status(p.stdout.decode("utf-8", "replace"))["leader_id"]
                    if leader is not None and leader >= 1 and cluster.node(leader).alive():
                        return leader
            return None
        return wait_until(ask, 30, "a controller")

    def test_exactly_once_across_kill_9_of_the_controller(self):
        rng = random.Random(1414)
        up = self.start_upstream()
        create_topic(up, "site.events", 3)
        args = FAST + self.gateway_args(up.bootstrap, TOPIC, "--forward.cloud.topic.rename", "site.${topic}",
                                        "--forward.cloud.batch.max.bytes", "16384",
                                        # Slow enough that kills land while rounds are in flight.
                                        "--forward.cloud.max.bandwidth.bytes.per.sec", "400000")
        args = [a for a in args if a not in ("--auto.create.topics.enable", "false")]
        cluster = Cluster(3, extra_args=args)
        self.addCleanup(cluster.close)
        cluster.start()
        p = tern_cli("topics", "--create", "--topic", TOPIC, "--partitions", str(PARTITIONS),
                     "--replication-factor", "3", "--bootstrap-server", cluster.node(1).bootstrap,
                     hub=cluster.node(1))
        self.assertIn(b"Created topic", p.stdout)
        cluster.wait_leaders(TOPIC, PARTITIONS)

        # A producer (acks=all, headers) keeps writing through whichever brokers are up. A chunk
        # that fails part-way may or may not be stored: the local log is the truth compared below.
        stop = threading.Event()
        produced = {"chunks": 0, "failed": 0}

        def produce():
            i = 0
            while not stop.is_set():
                live = cluster.live_brokers()
                if not live:
                    time.sleep(0.1)
                    continue
                lines = ["k%d:v%d-%d-%s" % (rng.randrange(300), i, n, "x" * rng.randrange(60))
                         for n in range(1500)]
                data = b"".join(l.encode() + b"\n" for l in lines)
                r = run(["kcat", "-b", ",".join(n.bootstrap for n in live), "-m", "10", "-P", "-t", TOPIC,
                         "-X", "acks=all", "-X", "message.timeout.ms=20000", "-K:", "-H", "chunk=%d" % i,
                         "-z", ["none", "lz4", "zstd"][i % 3]],
                        input=data, timeout=60, check=False)
                produced["chunks"] += 1
                if r.returncode != 0:
                    produced["failed"] += 1
                i += 1
                time.sleep(0.2)

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        runners = set()
        kills = 6
        try:
            wait_until(lambda: produced["chunks"] >= 2, 60, "the first chunks")
            for k in range(kills):
                # The runner: the live broker whose link is connected (the others are standby).
                # Let it get going (claim, connect, a few rounds), then kill it mid-round.
                victim = self.wait(cluster, lambda: next((n for n in cluster.live_brokers()
                                                          if (status_of(n) or {}).get("state") == "connected"), None),
                                   60, "a broker to run the link (kill %d)" % (k + 1))
                victim_id = victim.node_id
                runners.add(victim_id)
                time.sleep(rng.uniform(0.3, 1.5))
                victim.kill()
                time.sleep(rng.uniform(0.5, 1.5))
                victim.start()
                cluster.wait_brokers(3, timeout=60)
        finally:
            stop.set()
            producer.join(timeout=90)
        cluster.wait_leaders(TOPIC, PARTITIONS)

        local = [(TOPIC, r) for r in consume_all(cluster.node(1), TOPIC)]
        self.assertGreater(len(local), 3000)

        def drained():
            runner = cluster.node(self.controller_of(cluster))
            s = status_of(runner)
            return (s if s and s["state"] == "connected" and s["backlog_records"] == 0
                    and s["records"] >= len(local) else None)
        final = self.wait(cluster, drained, 180, "the backlog to drain")
        upstream = consume_all(up, "site.events")
        self.check_exactly_once(local, upstream, upstream_partitions=3)
        self.assertEqual(final["lost_records"], 0)
        # Every record's headers made it (the chunk header and the origin).
        self.assertTrue(all("chunk" in r["headers"] and "tern.origin" in r["headers"] for r in upstream))

        # The link ran on more than one node, and takeovers resumed a committed round in flight.
        logs = [n.log_text(last=1000000) for n in cluster.nodes]
        took_over = [n.node_id for n, text in zip(cluster.nodes, logs)
                     if "runs on this broker (the controller)" in text]
        self.assertGreaterEqual(len(took_over), 2, "the link never moved: %s" % took_over)
        resumed = sum(text.count("(re-sending the round in flight)") for text in logs)

        # Brokers that do not run the link say where it runs, with the replicated totals.
        runner_id = self.controller_of(cluster)
        for n in cluster.brokers():
            if n.node_id == runner_id:
                continue
            s = wait_until(lambda: (lambda x: x if x and x["state"] == "standby" and x["records"] >= len(local)
                                    else None)(status_of(n)), 30, "node %d's standby status" % n.node_id)
            self.assertIn("node %d" % runner_id, s["broker"])
            # `tern forward status` on that broker's data dir says the same.
            out = tern_cli("forward", "status", "--log.dirs", n.data_dir, hub=n).stdout
            self.assertIn(b'"state": "standby"', out)
        out = tern_cli("forward", "status", "--log.dirs", cluster.node(runner_id).data_dir,
                       hub=cluster.node(runner_id)).stdout
        self.assertIn(b'"state": "connected"', out)
        print("cluster forward: %d local records (%d chunks, %d failed), %d kills, ran on nodes %s, "
              "%d takeovers resumed a round in flight"
              % (len(local), produced["chunks"], produced["failed"], kills, sorted(took_over), resumed))

    def test_mirror_links_are_refused_in_a_cluster(self):
        p = run([tern_bin(), "serve", "--node.id", "1", "--process.roles", "broker,controller",
                 "--controller.quorum.voters", "1@127.0.0.1:1", "--listeners",
                 "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:1", "--log.dirs", "/nonexistent",
                 "--forward.cloud.bootstrap.servers", "127.0.0.1:1", "--mirror.cloud.topics", "cmds"],
                timeout=30, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"mirror.cloud.* links run on a single-node hub only", p.stderr)


if __name__ == "__main__":
    unittest.main()
