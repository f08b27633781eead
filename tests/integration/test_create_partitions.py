"""CreatePartitions (37) v0-3 and `tern topics --alter --partitions N` (issue 15).

Against a real `tern serve`: the CLI grows a topic from 2 to 5 partitions (with kafka-topics'
warning that keys move); kcat -L sees 5; kcat writes to and reads from the new partition 4; a
keyed kcat producer with the Java partitioner (murmur2) spreads keys over 5 partitions, so a key
whose murmur2 partition differs for 2 and 5 partitions now lands elsewhere, while the records
written before stay where they were; a count not above the current one is INVALID_PARTITIONS
(the CLI exits non-zero with Kafka's message); validate_only changes nothing, a name given twice
is INVALID_REQUEST and assignments must name this broker (raw wire, every version); the count
survives a restart; kafkajs admin.createPartitions works too (tests/compat/kafkajs); Alter on
the topic is needed; a 3-node cluster refuses cleanly with POLICY_VIOLATION (not there yet).
"""

import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import kafkajs_script  # noqa: E402
import tern_cluster as tc  # noqa: E402
import tern_harness as th  # noqa: E402

API_CREATE_PARTITIONS = 37
ERR_POLICY_VIOLATION = 44
ERR_INVALID_PARTITIONS = 37
ERR_INVALID_REPLICA_ASSIGNMENT = 39
ERR_TOPIC_AUTHORIZATION_FAILED = 29

WARNING = ("WARNING: If partitions are increased for a topic that has a key, the partition logic "
           "or ordering of the messages will be affected")


def create_partitions(conn, topics, version, validate_only=False, timeout_ms=10000):
    """Raw CreatePartitions, written from CreatePartitionsRequest/Response.json (v2+ flexible).
    topics: [(name, count, assignments or None)]. Returns [(name, error, message)]."""
    flex = version >= 2
    cnt = (lambda n: kr.uvarint(n + 1)) if flex else kr.i32
    null_cnt = kr.uvarint(0) if flex else kr.i32(-1)
    s = kr.compact_string if flex else kr.string
    tags = b"\x00" if flex else b""
    body = cnt(len(topics))
    for name, count, assignments in topics:
        body += s(name) + kr.i32(count)
        if assignments is None:
            body += null_cnt
        else:
            body += cnt(len(assignments))
            for brokers in assignments:
                body += cnt(len(brokers)) + b"".join(kr.i32(b) for b in brokers) + tags
        body += tags
    body += kr.i32(timeout_ms) + kr.i8(1 if validate_only else 0) + tags
    r = conn.call(API_CREATE_PARTITIONS, version, body, header_version=2 if flex else 1,
                  flexible_response=flex)
    r.i32()  # throttle

    def string(nullable):
        if not flex:
            return r.string()
        n = r.uvarint()
        if n == 0:
            assert nullable
            return None
        return r._take(n - 1).decode()

    out = []
    n = r.uvarint() - 1 if flex else r.i32()
    for _ in range(n):
        name, err, msg = string(False), r.i16(), string(True)
        if flex:
            r.tagged_fields()
        out.append((name, err, msg))
    if flex:
        r.tagged_fields()
    assert r.remaining() == 0
    return out


class CreatePartitionsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.hub = th.Hub(["--auto.create.topics.enable", "false"], name="create-partitions").start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def partition_count(self, topic):
        with self.hub.connect() as c:
            md = kr.metadata(c, [topic], version=4)
        t = md["topics"][topic]
        self.assertEqual(t["error"], 0, md)
        return len(t["partitions"])

    def alter(self, topic, n, check=True):
        return th.tern_cli("topics", "--bootstrap-server", self.hub.bootstrap, "--alter", "--topic",
                           topic, "--partitions", str(n), check=check, hub=self.hub)

    def records(self, topic, *args):
        return th.parse_kcat_records(th.kcat_consume(self.hub, topic, "-o", "beginning", *args))

    def test_cli_grows_topic_and_keys_move(self):
        topic = "cp-main"
        th.create_topic(self.hub, topic, 2)
        keys = ["key-%d" % i for i in range(20)]
        # The Java client's partitioner, so the expected partition of each key is murmur2's.
        th.kcat_produce(self.hub, topic, ["%s:before-%s" % (k, k) for k in keys],
                        "-K", ":", "-X", "partitioner=murmur2_random")
        before = self.records(topic)
        self.assertEqual(sorted((k, p) for p, _, k, _ in before),
                         sorted((k, th.java_partition(k, 2)) for k in keys))

        out = self.alter(topic, 5).stdout.decode()
        self.assertIn(WARNING, out)
        self.assertIn("Adding partitions succeeded!", out)
        self.assertIn("now has 5 partitions", self.hub.log_text(50))

        listing = th.kcat(self.hub, "-L", "-t", topic).stdout.decode()
        self.assertRegex(listing, r'topic "%s" with 5 partitions' % re.escape(topic))
        for p in range(5):
            self.assertIn("partition %d, leader" % p, listing)

        # A new partition takes writes and gives them back.
        th.kcat_produce(self.hub, topic, ["in-four-%d" % i for i in range(3)], "-p", "4")
        got = self.records(topic, "-p", "4")
        self.assertEqual([(p, o, v) for p, o, _, v in got],
                         [(4, i, "in-four-%d" % i) for i in range(3)])

        # Keys now spread over 5 partitions; at least one key moved.
        moved = [k for k in keys if th.java_partition(k, 2) != th.java_partition(k, 5)]
        self.assertTrue(moved)
        self.assertTrue(any(th.java_partition(k, 5) >= 2 for k in keys))
        th.kcat_produce(self.hub, topic, ["%s:after-%s" % (k, k) for k in keys],
                        "-K", ":", "-X", "partitioner=murmur2_random")
        after = [(p, k) for p, _, k, v in self.records(topic) if v.startswith("after-")]
        self.assertEqual(sorted(after), sorted((th.java_partition(k, 5), k) for k in keys))
        # What was written before stays where it was.
        old = sorted((p, o, k, v) for p, o, k, v in self.records(topic) if v.startswith("before-"))
        self.assertEqual(old, sorted(before))

        # Not above the current count: refused with Kafka's message, and the CLI says so.
        bad = self.alter(topic, 3, check=False)
        self.assertNotEqual(bad.returncode, 0)
        err = bad.stderr.decode()
        self.assertIn("INVALID_PARTITIONS", err)
        self.assertIn("Topic currently has 5 partitions, which is higher than the requested 3.", err)
        same = self.alter(topic, 5, check=False)
        self.assertNotEqual(same.returncode, 0)
        self.assertIn("Topic already has 5 partitions.", same.stderr.decode())
        missing = self.alter("cp-no-such-topic", 4, check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("topic 'cp-no-such-topic' does not exist", missing.stderr.decode())
        self.assertEqual(self.partition_count(topic), 5)

        # A restart keeps the 5 partitions and every record.
        everything = sorted(self.records(topic))
        self.hub.stop()
        self.hub.start()
        self.assertEqual(self.partition_count(topic), 5)
        self.assertEqual(sorted(self.records(topic)), everything)
        th.kcat_produce(self.hub, topic, ["after-restart"], "-p", "3")
        self.assertEqual([v for _, _, _, v in self.records(topic, "-p", "3")][-1], "after-restart")

    def test_raw_wire_every_version(self):
        with self.hub.connect() as c:
            node = list(kr.metadata(c, [], version=4)["brokers"])[0]
        for version in range(4):
            topic = "cp-v%d" % version
            th.create_topic(self.hub, topic, 2)
            with self.hub.connect() as c:
                # validate_only: checked, answered as success, nothing changes.
                res = create_partitions(c, [(topic, 4, None)], version, validate_only=True)
                self.assertEqual(res, [(topic, 0, None)])
                res = create_partitions(c, [(topic, 2, None)], version, validate_only=True)
                self.assertEqual(res[0][1], ERR_INVALID_PARTITIONS)
                self.assertEqual(self.partition_count(topic), 2)
                # Lower, unknown, duplicate, wrong assignments.
                res = create_partitions(c, [(topic, 1, None), ("cp-none", 3, None)], version)
                self.assertEqual(res, [
                    (topic, ERR_INVALID_PARTITIONS,
                     "Topic currently has 2 partitions, which is higher than the requested 1."),
                    ("cp-none", kr.ERR_UNKNOWN_TOPIC_OR_PARTITION,
                     "The topic 'cp-none' does not exist.")])
                res = create_partitions(c, [(topic, 3, None), (topic, 4, None)], version)
                self.assertEqual(res, [(topic, kr.ERR_INVALID_REQUEST, "Duplicate topic in request.")])
                res = create_partitions(c, [(topic, 3, [[node + 1]])], version)
                self.assertEqual(res[0][1], ERR_INVALID_REPLICA_ASSIGNMENT, res)
                res = create_partitions(c, [(topic, 4, [[node]])], version)
                self.assertEqual(res[0][1], ERR_INVALID_REPLICA_ASSIGNMENT, res)  # 2 new, 1 given
                self.assertEqual(self.partition_count(topic), 2)
                # This broker named for each new partition, and no assignments at all: both grow.
                res = create_partitions(c, [(topic, 4, [[node], [node]])], version)
                self.assertEqual(res, [(topic, 0, None)])
                res = create_partitions(c, [(topic, 6, None)], version)
                self.assertEqual(res, [(topic, 0, None)])
            self.assertEqual(self.partition_count(topic), 6)
            with self.hub.connect() as c:
                err, _ = kr.produce(c, topic, 5, kr.encode_record_batch([kr.Record(b"k", b"v")]))
                self.assertEqual(err, kr.ERR_NONE)

    def test_kafkajs_create_partitions(self):
        topic = "cp-kafkajs"
        th.create_topic(self.hub, topic, 1)
        seen = kafkajs_script.run(self, self.hub, "create_partitions.js", self.hub.bootstrap, topic)
        self.assertEqual(seen["partitions"], 3)
        self.assertEqual(seen["validated"], 1)  # validateOnly left the count alone
        self.assertIn("INVALID_PARTITIONS", seen["lower"])
        self.assertEqual(seen["produced"], 2)
        self.assertEqual(self.partition_count(topic), 3)


class CreatePartitionsAclTest(unittest.TestCase):
    """Alter on the topic is needed: User:ANONYMOUS with Write only gets TOPIC_AUTHORIZATION_FAILED
    and the topic keeps its partitions; with Alter added, the same request grows it."""

    def test_needs_alter(self):
        tmp = tempfile.mkdtemp(prefix="tern-it-cp-acls-")
        acl_file = os.path.join(tmp, "hub.acl")
        acl = lambda *a: th.tern_cli("acls", "--acl-file", acl_file, *a)
        acl("--add", "--allow-principal", "User:ANONYMOUS", "--operation", "Write", "--topic", "cp-acl")
        hub = th.Hub(name="create-partitions-acl").start()
        try:
            th.create_topic(hub, "cp-acl", 1)
            hub.stop()
            hub.extra_args = ["--authorizer.acl.file", acl_file,
                              "--allow.everyone.if.no.acl.found", "false"]
            hub.start()
            with hub.connect() as c:
                res = create_partitions(c, [("cp-acl", 2, None)], 2)
            self.assertEqual(res[0][:2], ("cp-acl", ERR_TOPIC_AUTHORIZATION_FAILED), res)
            acl("--add", "--allow-principal", "User:ANONYMOUS", "--operation", "Alter",
                "--operation", "Describe", "--topic", "cp-acl")
            hub.stop()
            hub.start()
            with hub.connect() as c:
                res = create_partitions(c, [("cp-acl", 2, None)], 2)
            self.assertEqual(res, [("cp-acl", 0, None)])
        finally:
            hub.close()


class CreatePartitionsClusterTest(unittest.TestCase):
    """Not in a cluster yet: a clean POLICY_VIOLATION saying so (no disconnect), nothing changes,
    and the CLI exits non-zero with the message."""

    def test_refused_cleanly_in_a_cluster(self):
        with tc.Cluster(3) as c:
            node = c.node(1)
            th.tern_cli("topics", "--bootstrap-server", node.bootstrap, "--create", "--topic",
                        "cp-cluster", "--partitions", "2", "--replication-factor", "3")
            c.wait_leaders("cp-cluster", 2)
            with node.connect() as conn:
                res = create_partitions(conn, [("cp-cluster", 4, None)], 3)
            self.assertEqual(res[0][:2], ("cp-cluster", ERR_POLICY_VIOLATION), res)
            self.assertIn("not available in a Tern cluster yet", res[0][2])
            bad = th.tern_cli("topics", "--bootstrap-server", node.bootstrap, "--alter", "--topic",
                              "cp-cluster", "--partitions", "4", check=False)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn("POLICY_VIOLATION", bad.stderr.decode())
            self.assertEqual(len(c.metadata(node, "cp-cluster")["topics"]["cp-cluster"]), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
