"""DescribeLogDirs (35) v0-4 and DescribeProducers (61) v0 (issue 15) on the raw wire against a real hub: the one log dir (an
absolute path), each partition's stored bytes growing with what was produced and with the same
figure in every version, offset lag 0 on a single node, the requested partitions only (unknown
topics and partitions left out), v4's total/usable bytes following log.dirs.max.bytes, and
CLUSTER_AUTHORIZATION_FAILED (v3+) without Describe on the cluster. DescribeProducers: two
idempotent producers' ids, epochs and last sequences on the partition they wrote, none on another,
UNKNOWN_TOPIC_OR_PARTITION for a missing partition, and the same after a restart (the producer
table is stored).
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

API_DESCRIBE_LOG_DIRS = 35
API_DESCRIBE_PRODUCERS = 61
ERR_CLUSTER_AUTHORIZATION_FAILED = 31


def describe_log_dirs(conn, version, topics=None):
    """topics: None (all) or [(name, [partitions])]. Returns dict(error, dirs=[dict(error,
    log_dir, topics={name: {partition: (size, lag, future)}}, total, usable)])."""
    flexible = version >= 2
    if flexible:
        def arr(items, enc):
            return kr.uvarint(0) if items is None else kr.uvarint(len(items) + 1) + b"".join(enc(x) for x in items)
        body = arr(topics, lambda t: kr.compact_string(t[0]) + arr(t[1], kr.i32) + b"\x00") + b"\x00"
    else:
        body = (kr.i32(-1) if topics is None else
                kr.array(topics, lambda t: kr.string(t[0]) + kr.array(t[1], kr.i32)))
    r = conn.call(API_DESCRIBE_LOG_DIRS, version, body, header_version=2 if flexible else 1,
                  flexible_response=flexible)

    def count():
        return r.uvarint() - 1 if flexible else r.i32()

    def text():
        return r._take(r.uvarint() - 1).decode() if flexible else r.string()

    def tags():
        if flexible:
            r.tagged_fields()

    r.i32()  # throttle
    out = {"error": r.i16() if version >= 3 else 0, "dirs": []}
    for _ in range(count()):
        d = {"error": r.i16(), "log_dir": text(), "topics": {}}
        for _ in range(count()):
            name = text()
            parts = {}
            for _ in range(count()):
                p, size, lag, future = r.i32(), r.i64(), r.i64(), r.boolean()
                tags()
                parts[p] = (size, lag, future)
            tags()
            d["topics"][name] = parts
        if version >= 4:
            d["total"], d["usable"] = r.i64(), r.i64()
        tags()
        out["dirs"].append(d)
    tags()
    assert r.remaining() == 0
    return out


def describe_producers(conn, topics):
    """topics: [(name, [partitions])]. Returns {(name, partition): (error, [(pid, epoch, last_seq,
    last_ts, coordinator_epoch, txn_start)])}."""
    def arr(items, enc):
        return kr.uvarint(len(items) + 1) + b"".join(enc(x) for x in items)
    body = arr(topics, lambda t: kr.compact_string(t[0]) + arr(t[1], kr.i32) + b"\x00") + b"\x00"
    r = conn.call(API_DESCRIBE_PRODUCERS, 0, body, header_version=2, flexible_response=True)
    r.i32()  # throttle
    out = {}
    for _ in range(r.uvarint() - 1):
        name = r._take(r.uvarint() - 1).decode()
        for _ in range(r.uvarint() - 1):
            p, err = r.i32(), r.i16()
            n = r.uvarint() - 1
            if n > 0:
                r._take(n)  # error message
            producers = []
            for _ in range(r.uvarint() - 1):
                producers.append((r.i64(), r.i32(), r.i32(), r.i64(), r.i32(), r.i64()))
                r.tagged_fields()
            r.tagged_fields()
            out[(name, p)] = (err, producers)
        r.tagged_fields()
    r.tagged_fields()
    assert r.remaining() == 0
    return out


class DescribeLogDirsTest(unittest.TestCase):

    def test_sizes_per_partition_every_version(self):
        budget = 64 << 20
        with th.Hub(["--log.dirs.max.bytes", str(budget)], name="log-dirs") as hub, hub.connect() as c:
            err, versions = kr.api_versions(c)
            self.assertEqual((err, versions[API_DESCRIBE_LOG_DIRS]), (0, (0, 4)))
            self.assertEqual(kr.create_topic(c, "disk", 3), 0)
            self.assertEqual(kr.create_topic(c, "other", 1), 0)
            blob = kr.encode_record_batch([kr.Record(b"k%d" % i, b"x" * 1000) for i in range(50)])
            for _ in range(4):
                self.assertEqual(kr.produce(c, "disk", 1, blob)[0], 0)
            self.assertEqual(kr.produce(c, "other", 0, blob)[0], 0)
            seen = {}
            for v in range(5):
                got = describe_log_dirs(c, v)
                self.assertEqual(got["error"], 0)
                self.assertEqual(len(got["dirs"]), 1, got)
                d = got["dirs"][0]
                self.assertEqual(d["error"], 0)
                self.assertTrue(os.path.isabs(d["log_dir"]), d["log_dir"])
                self.assertEqual(os.path.realpath(d["log_dir"]), os.path.realpath(hub.data_dir))
                disk = d["topics"]["disk"]
                self.assertEqual(sorted(disk), [0, 1, 2])
                self.assertEqual(disk[0], (0, 0, False))
                self.assertEqual(disk[1], (4 * len(blob), 0, False))
                self.assertEqual(d["topics"]["other"][0], (len(blob), 0, False))
                seen[v] = d["topics"]
                if v >= 4:
                    self.assertEqual(d["total"], budget)
                    self.assertEqual(d["usable"], budget - 5 * len(blob))
            self.assertTrue(all(t == seen[0] for t in seen.values()))
            # Only what was asked: one partition of one topic; unknown ones are left out.
            for v in (1, 4):
                got = describe_log_dirs(c, v, [("disk", [1, 7]), ("missing", [0])])
                self.assertEqual(got["dirs"][0]["topics"], {"disk": {1: (4 * len(blob), 0, False)}})

    def test_needs_describe_on_the_cluster(self):
        with tempfile.TemporaryDirectory() as tmp:
            acl = os.path.join(tmp, "hub.acl")
            th.tern_cli("acls", "--acl-file", acl, "--add", "--allow-principal", "User:ANONYMOUS",
                        "--operation", "Describe", "--topic", "*")
            with th.Hub(["--authorizer.acl.file", acl, "--allow.everyone.if.no.acl.found", "false"],
                        name="log-dirs-acl") as hub, hub.connect() as c:
                got = describe_log_dirs(c, 4)
                self.assertEqual((got["error"], got["dirs"]), (ERR_CLUSTER_AUTHORIZATION_FAILED, []))
                self.assertEqual(describe_log_dirs(c, 1), {"error": 0, "dirs": []})

class DescribeProducersTest(unittest.TestCase):

    def test_idempotent_producers_of_a_partition(self):
        with th.Hub(name="describe-producers") as hub:
            with hub.connect() as c:
                err, versions = kr.api_versions(c)
                self.assertEqual((err, versions[API_DESCRIBE_PRODUCERS]), (0, (0, 0)))
                self.assertEqual(kr.create_topic(c, "idem", 2), 0)
                pids = []
                for n_batches in (3, 1):
                    err, pid, epoch = kr.init_producer_id(c)
                    self.assertEqual(err, 0)
                    pids.append((pid, epoch))
                    seq = 0
                    for _ in range(n_batches):
                        blob = kr.encode_record_batch([kr.Record(b"k", b"v%d" % i) for i in range(4)],
                                                      producer_id=pid, producer_epoch=epoch,
                                                      base_sequence=seq)
                        self.assertEqual(kr.produce(c, "idem", 0, blob)[0], 0)
                        seq += 4
                expected = sorted([(pids[0][0], pids[0][1], 11, -1, -1, -1),
                                   (pids[1][0], pids[1][1], 3, -1, -1, -1)])
                got = describe_producers(c, [("idem", [0, 1, 5]), ("nope", [0])])
            self.assertEqual(got[("idem", 0)], (0, expected))
            self.assertEqual(got[("idem", 1)], (0, []))
            self.assertEqual(got[("idem", 5)][0], kr.ERR_UNKNOWN_TOPIC_OR_PARTITION)
            self.assertEqual(got[("nope", 0)][0], kr.ERR_UNKNOWN_TOPIC_OR_PARTITION)
            hub.restart()
            with hub.connect() as c:
                self.assertEqual(describe_producers(c, [("idem", [0])])[("idem", 0)], (0, expected))


if __name__ == "__main__":
    unittest.main()
