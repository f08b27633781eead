"""`tern consume` across a hub restart (issue 13): a consumer that is not restarted prints every
record exactly once while its hub is stopped (SIGTERM) and started again on the same port and data
dir, says on stderr when the hub is lost and when it is back; alone (--from-beginning) and in a
group (--group: it rejoins the restarted hub, whose coordinator forgot it, and resumes from the
committed offsets). Errors retrying cannot fix still end it at once with a clear message."""

import collections
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import tern_cluster as tc  # noqa: E402
import tern_harness as th  # noqa: E402

# No 3 s wait for more members at a group's first join: the test has one.
HUB_ARGS = ["--group.initial.rebalance.delay.ms", "0"]
LOST = "lost the connection to the hub"
# A producer retry must not write a record twice: the test counts what the consumer prints.
IDEMPOTENT = ("-X", "enable.idempotence=true")
BACK = "reconnected to the hub"


class FixedPortHub(th.Hub):
    """A hub that listens on the same port at every start, as a restarted gateway does."""

    def __init__(self, port, **kwargs):
        super().__init__(**kwargs)
        self.fixed_port = port

    def command(self):
        return [a.replace("PLAINTEXT://127.0.0.1:0", "PLAINTEXT://127.0.0.1:%d" % self.fixed_port)
                for a in super().command()]


class Consumer:
    """A running `tern consume`, its stdout lines and stderr collected by threads."""

    def __init__(self, args):
        self.proc = subprocess.Popen([th.tern_bin(), "consume"] + args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=th.die_with_parent)
        self.lines, self.err = [], []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._drain, args=(s, d), daemon=True)
                        for s, d in ((self.proc.stdout, self.lines), (self.proc.stderr, self.err))]
        for t in self.threads:
            t.start()

    def _drain(self, stream, into):
        for raw in iter(stream.readline, b""):
            with self.lock:
                into.append(raw.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    def stderr(self):
        with self.lock:
            return "\n".join(self.err)

    def printed(self):
        """The values printed so far (each line is "Partition:P<TAB>Offset:O<TAB>value")."""
        with self.lock:
            return [line.split("\t", 2)[-1] for line in self.lines]

    def printed_raw(self):
        with self.lock:
            return list(self.lines)

    def wait_for(self, pred, timeout, what, hub):
        deadline = time.monotonic() + timeout
        while not pred() and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not pred():
            raise AssertionError("%s: not within %ss (consumer exit code %s)\nprinted %d lines\n"
                                 "stderr:\n%s\n%s" % (what, timeout, self.proc.poll(),
                                                      len(self.printed()), self.stderr(),
                                                      hub.log_text(60)))

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for t in self.threads:
            t.join(timeout=5)


class ConsumeReconnectTest(unittest.TestCase):
    def setUp(self):
        self.hub = FixedPortHub(th.free_port(), extra_args=HUB_ARGS, name="consume-reconnect")
        self.addCleanup(self.hub.close)
        self.hub.start()

    def consumer(self, *args):
        c = Consumer(["--bootstrap-server", self.hub.bootstrap, "--property", "print.partition=true",
                      "--property", "print.offset=true"] + list(args))
        self.addCleanup(c.close)
        return c

    def restart_under(self, consumer, topic, before, after):
        """`before` records are printed; SIGTERM the hub, wait for the consumer to notice, start
        the hub again, produce `after` and wait for the consumer to print them and exit."""
        consumer.wait_for(lambda: len(consumer.printed()) >= len(before), 20,
                          "the first %d records" % len(before), self.hub)
        self.assertEqual(self.hub.stop(signal.SIGTERM), 0, self.hub.log_text())
        consumer.wait_for(lambda: LOST in consumer.stderr(), 10, "'%s' on stderr" % LOST, self.hub)
        self.assertIsNone(consumer.proc.poll(), "the consumer exited when the hub went away:\n"
                          + consumer.stderr())
        t_down = time.monotonic()
        time.sleep(0.5)  # a few failed attempts while the port is closed
        self.hub.start()
        th.kcat_produce(self.hub, topic, after, *IDEMPOTENT)
        consumer.wait_for(lambda: consumer.proc.poll() is not None, 30,
                          "exit after --max-messages", self.hub)
        self.assertIn(BACK, consumer.stderr())
        self.assertEqual(consumer.proc.returncode, 0, consumer.stderr())
        counts = collections.Counter(consumer.printed())
        self.assertEqual(sorted(counts), sorted(before + after),
                         "every record, across the restart\nstderr:\n%s\nprinted:\n%s\n%s"
                         % (consumer.stderr(), "\n".join(consumer.printed_raw()),
                            self.hub.log_text(30)))
        self.assertEqual([r for r, n in counts.items() if n > 1], [], "printed twice")
        return time.monotonic() - t_down

    def test_consume_from_beginning_survives_a_hub_restart(self):
        topic = "reconnect-plain"
        th.create_topic(self.hub, topic, 2)
        before = ["before-%d" % i for i in range(60)]
        after = ["after-%d" % i for i in range(60)]
        th.kcat_produce(self.hub, topic, before, *IDEMPOTENT)
        c = self.consumer("--topic", topic, "--from-beginning", "--max-messages", "120")
        self.restart_under(c, topic, before, after)
        self.assertIn("Processed a total of 120 messages", c.stderr())

    def test_consume_in_a_group_rejoins_the_restarted_hub(self):
        topic, group = "reconnect-group", "reconnect-g"
        th.create_topic(self.hub, topic, 3)
        before = ["before-%d" % i for i in range(60)]
        after = ["after-%d" % i for i in range(60)]
        th.kcat_produce(self.hub, topic, before, *IDEMPOTENT)
        c = self.consumer("--topic", topic, "--group", group, "--from-beginning",
                          "--max-messages", "120",
                          "--consumer-property", "session.timeout.ms=6000")
        self.restart_under(c, topic, before, after)
        # What it printed is committed: the group's lag is zero on every partition.
        rows, text = th.tern_groups_describe(self.hub, group)
        self.assertEqual(sorted(rows), [(topic, p) for p in range(3)], text)
        self.assertEqual(sum(int(r["CURRENT-OFFSET"]) for r in rows.values()), 120, text)
        self.assertTrue(all(r["LAG"] == "0" for r in rows.values()), text)

    def test_consume_follows_a_new_leader_in_a_cluster(self):
        """Three gateways, RF 3: the leader of the partition is stopped under a running consumer,
        which goes on reading from the new leader (no hub restart needed, nothing lost)."""
        self.hub.close()
        with tc.Cluster(brokers=3) as cluster:
            topic = "reconnect-cluster"
            th.run([th.tern_bin(), "topics", "--bootstrap-server", cluster.bootstrap(),
                    "--create", "--topic", topic, "--partitions", "1",
                    "--replication-factor", "3"], timeout=30)
            md = cluster.wait_leaders(topic, 1)
            before = ["before-%d" % i for i in range(40)]
            after = ["after-%d" % i for i in range(40)]
            th.kcat_produce(cluster.brokers()[0], topic, before, *IDEMPOTENT)
            c = Consumer(["--bootstrap-server", cluster.bootstrap(), "--topic", topic,
                          "--from-beginning", "--max-messages", "80"])
            self.addCleanup(c.close)
            some = cluster.brokers()[0]
            c.wait_for(lambda: len(c.printed()) >= len(before), 20, "the first records", some)
            leader = md["topics"][topic][0]["leader"]
            self.assertEqual(cluster.node(leader).stop(signal.SIGTERM), 0)
            cluster.wait_leaders(topic, 1, exclude=(leader,))
            th.kcat_produce(cluster.live_brokers()[0], topic, after, *IDEMPOTENT)
            c.wait_for(lambda: c.proc.poll() is not None, 30, "exit after --max-messages",
                       cluster.live_brokers()[0])
            self.assertEqual(c.proc.returncode, 0, c.stderr())
            counts = collections.Counter(c.printed())
            self.assertEqual(sorted(counts), sorted(before + after), c.stderr())
            self.assertEqual(max(counts.values()), 1, "printed twice")

    def test_errors_retrying_cannot_fix_still_end_the_consumer(self):
        for extra in ([], ["--group", "no-topic-g"]):
            t0 = time.monotonic()
            p = th.tern_cli("consume", "--bootstrap-server", self.hub.bootstrap, "--topic",
                            "no-such-topic", "--from-beginning", *extra, check=False, timeout=30,
                            hub=self.hub)
            out = p.stderr.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 1, "%s: %s" % (extra, out))
            self.assertIn("no-such-topic", out)
            self.assertIn("does not exist", out)
            self.assertNotIn(LOST, out)
            self.assertLess(time.monotonic() - t0, 10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
