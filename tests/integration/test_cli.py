"""The `tern` CLI as a Kafka client: topics, produce, consume, error messages, and the Java
murmur2 partitioner (cross-checked against kcat's murmur2_random and a Python murmur2)."""

import os
import re
import sys
import time
import unittest
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

KAFKA_DESCRIBE_RE = re.compile(
    r"Partition:\s*(\d+)\s+Leader:\s*(-?\d+)\s+Replicas:\s*([\d,]*)\s+Isr:\s*([\d,]*)")


def text(p):
    return p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


def parse_describe(out):
    """{partition: (leader, [replicas], [isr])} from Kafka-style describe output
    ('Partition: 0  Leader: 1  Replicas: 1  Isr: 1'), or from a table whose header names the
    Partition, Leader, Replicas and Isr columns."""
    ids = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
    parts = {}
    for m in KAFKA_DESCRIBE_RE.finditer(out):
        parts[int(m.group(1))] = (int(m.group(2)), ids(m.group(3)), ids(m.group(4)))
    if parts:
        return parts
    lines = out.splitlines()
    for i, line in enumerate(lines):
        cols = [c.lower() for c in line.split()]
        if all(c in cols for c in ("partition", "leader", "replicas", "isr")):
            for row in lines[i + 1:]:
                f = row.split()
                if len(f) != len(cols):
                    continue
                d = dict(zip(cols, f))
                try:
                    parts[int(d["partition"])] = (int(d["leader"]), ids(d["replicas"]),
                                                  ids(d["isr"]))
                except ValueError:
                    continue
            break
    return parts


class CliTest(th.HubTestCase):
    hub_name = "cli"

    @classmethod
    def prepare_hub(cls):
        with cls.hub.connect() as c:
            cls.broker_ids = list(kr.metadata(c, [], version=1)["brokers"])

    def tern(self, *args, input=None, check=True, timeout=60):
        return th.tern_cli(*args, input=input, check=check, timeout=timeout, hub=self.hub)

    def topics(self, *args, check=True):
        return self.tern("topics", "--bootstrap-server", self.hub.bootstrap, *args, check=check)

    def create(self, topic, partitions, *extra):
        self.topics("--create", "--topic", topic, "--partitions", str(partitions),
                    "--replication-factor", "1", *extra)

    def listed(self):
        return set(self.topics("--list").stdout.decode().split())

    # ---- topics -----------------------------------------------------------------------------

    def test_topics_create_list_describe_delete(self):
        self.assertEqual(len(self.broker_ids), 1, "brokers in Metadata: %r" % self.broker_ids)
        broker = self.broker_ids[0]
        self.create("cli-a", 3)
        self.create("cli-b", 1, "--config", "retention.ms=3600000")
        self.assertTrue({"cli-a", "cli-b"} <= self.listed(), self.listed())

        out = self.topics("--describe", "--topic", "cli-a").stdout.decode()
        for col in ("Partition", "Leader", "Replicas", "Isr"):
            self.assertIn(col, out, "describe output lacks the %s column:\n%s" % (col, out))
        self.assertIn("cli-a", out)
        self.assertNotIn("cli-b", out, "describe --topic cli-a also described cli-b")
        parts = parse_describe(out)
        self.assertEqual(sorted(parts), [0, 1, 2], "partitions in:\n%s" % out)
        for p, (leader, replicas, isr) in parts.items():
            self.assertEqual((leader, replicas, isr), (broker, [broker], [broker]),
                             "partition %d in:\n%s" % (p, out))

        everything = self.topics("--describe").stdout.decode()
        self.assertIn("cli-a", everything)
        self.assertIn("cli-b", everything)

        # The topic is real: Metadata from the raw encoder agrees.
        th.wait_for_topic(self.hub, "cli-a", 3)

        self.topics("--delete", "--topic", "cli-b")
        deadline = time.monotonic() + 10
        while "cli-b" in self.listed() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertNotIn("cli-b", self.listed(), "cli-b still listed after --delete")
        self.assertIn("cli-a", self.listed(), "deleting cli-b removed cli-a")
        with self.hub.connect() as c:
            t = kr.metadata(c, ["cli-b"], version=4)["topics"].get("cli-b")  # v4: no auto-create
        self.assertTrue(t is None or t["error"] == kr.ERR_UNKNOWN_TOPIC_OR_PARTITION, t)

    # ---- produce / consume ------------------------------------------------------------------

    def test_produce_keyed_and_consume_with_keys(self):
        self.create("cli-kv", 3)
        lines = ["user%02d:event-%03d" % (i % 7, i) for i in range(150)]
        self.tern("produce", "--bootstrap-server", self.hub.bootstrap, "--topic", "cli-kv",
                  "--property", "parse.key=true", "--property", "key.separator=:",
                  input="".join(l + "\n" for l in lines))
        p = self.tern("consume", "--bootstrap-server", self.hub.bootstrap, "--topic", "cli-kv",
                      "--from-beginning", "--max-messages", str(len(lines)),
                      "--property", "print.key=true", timeout=60)
        got = [tuple(l.split("\t", 1)) for l in p.stdout.decode().splitlines() if l]
        self.assertEqual(len(got), len(lines), "consumed:\n%s" % p.stdout.decode()[:3000])
        want = [tuple(l.split(":", 1)) for l in lines]
        self.assertEqual(sorted(got), sorted(want))
        per_key = defaultdict(list)
        for k, v in got:
            per_key[k].append(v)
        for k, vs in per_key.items():
            self.assertEqual(vs, [v for kk, v in want if kk == k], "order of key %s" % k)
        # kcat sees the same records, in the partitions the Java partitioner picks.
        for part, _, k, v in th.parse_kcat_records(th.kcat_consume(self.hub, "cli-kv")):
            self.assertEqual(part, th.java_partition(k, 3), "partition of key %s" % k)

    def test_consume_partition_from_offset(self):
        self.create("cli-off", 2)
        self.tern("produce", "--bootstrap-server", self.hub.bootstrap, "--topic", "cli-off",
                  "--property", "parse.key=true", "--property", "key.separator=:",
                  input="".join("same:m%02d\n" % i for i in range(20)))
        part = th.java_partition("same", 2)
        p = self.tern("consume", "--bootstrap-server", self.hub.bootstrap, "--topic", "cli-off",
                      "--partition", str(part), "--offset", "15", "--max-messages", "5")
        self.assertEqual(p.stdout.decode().split(), ["m%02d" % i for i in range(15, 20)])

    def test_produce_acks_modes(self):
        self.create("cli-acks", 1)
        modes = ("1", "all", "0")  # acks=0 last: nothing confirms it before the next producer
        for acks in modes:
            self.tern("produce", "--bootstrap-server", self.hub.bootstrap, "--topic", "cli-acks",
                      "--acks", acks, input="".join("acks%s-%d\n" % (acks, i) for i in range(10)))
        deadline = time.monotonic() + 10
        while True:
            recs = th.parse_kcat_records(th.kcat_consume(self.hub, "cli-acks"))
            vals = [v for _, _, _, v in recs]
            if len(vals) >= 30 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(vals, ["acks%s-%d" % (a, i) for a in modes for i in range(10)])

    # ---- errors -----------------------------------------------------------------------------

    def test_describe_missing_topic_names_it(self):
        p = self.topics("--describe", "--topic", "no-such-topic-xyz", check=False)
        self.assertNotEqual(p.returncode, 0, "describe of a missing topic succeeded:\n" + text(p))
        self.assertIn("no-such-topic-xyz", text(p))

    def test_create_existing_topic_fails(self):
        self.create("cli-dup", 1)
        p = self.topics("--create", "--topic", "cli-dup", "--partitions", "1",
                        "--replication-factor", "1", check=False)
        self.assertNotEqual(p.returncode, 0, "creating an existing topic succeeded:\n" + text(p))
        self.assertIn("cli-dup", text(p))

    def test_closed_port_says_cannot_connect(self):
        port = th.free_port()
        for args in (["topics", "--bootstrap-server", "127.0.0.1:%d" % port, "--list"],
                     ["produce", "--bootstrap-server", "127.0.0.1:%d" % port, "--topic", "x"]):
            t0 = time.monotonic()
            p = th.tern_cli(*args, input="a\n", check=False, timeout=60)
            self.assertNotEqual(p.returncode, 0, "%s succeeded against a closed port" % args[0])
            self.assertIn("cannot connect", text(p).lower(), "%s:\n%s" % (args[0], text(p)))
            self.assertLess(time.monotonic() - t0, 45)

    # ---- partitioner ------------------------------------------------------------------------

    def test_keys_land_where_java_murmur2_puts_them(self):
        n = 5
        self.create("cli-m-tern", n)
        self.create("cli-m-kcat", n)
        keys = ["k"] + ["key-%d-%s" % (i, "z" * (i % 11)) for i in range(200)] + [
            "ключ-юникод", "a", "ab", "abc", "abcd", "0123456789abcdef0123456789abcdef"]
        data = "".join("%s:v%d\n" % (k, i) for i, k in enumerate(keys))
        self.tern("produce", "--bootstrap-server", self.hub.bootstrap, "--topic", "cli-m-tern",
                  "--property", "parse.key=true", "--property", "key.separator=:", input=data)
        th.kcat_produce(self.hub, "cli-m-kcat", data.splitlines(), "-K:",
                        "-X", "partitioner=murmur2_random")
        placed = {}
        for topic in ("cli-m-tern", "cli-m-kcat"):
            placed[topic] = {k: p for p, _, k, _ in
                             th.parse_kcat_records(th.kcat_consume(self.hub, topic))}
            self.assertEqual(sorted(placed[topic]), sorted(keys), topic)
        java = {k: th.java_partition(k, n) for k in keys}
        self.assertEqual(placed["cli-m-kcat"], java, "kcat murmur2_random vs Python murmur2")
        wrong = {k: (placed["cli-m-tern"][k], java[k]) for k in keys
                 if placed["cli-m-tern"][k] != java[k]}
        self.assertEqual(wrong, {}, "keys tern produce put elsewhere than the Java client "
                         "(key: (tern, java))")


if __name__ == "__main__":
    unittest.main(verbosity=2)
