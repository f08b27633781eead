"""kcat (librdkafka 2.0) against the hub: metadata, a 10,000-record keyed round trip, compressed
batches, and offsets by timestamp."""

import json
import os
import re
import sys
import unittest
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

T0 = 1_600_000_000_000

LIBRDKAFKA_DOWNGRADE = (
    "librdkafka sent these codecs uncompressed ('Broker does not support compression type X: not "
    "compressing batch'). librdkafka < 2.11.1 enables gzip/snappy/lz4 only if the broker "
    "advertises a Produce version in [0, 0] (rd_kafka_broker_ApiVersion_supported(Produce, 0, 0) "
    "in rd_kafka_msgset_writer_select_MsgVersion); the hub advertises Produce 3-7, so every "
    "Debian/Ubuntu librdkafka client silently stops compressing. zstd is unaffected.")


class KcatTest(th.HubTestCase):
    hub_name = "kcat"

    def create(self, topic, partitions):
        """Topics are created with the tern CLI (kcat cannot create topics)."""
        th.tern_cli("topics", "--bootstrap-server", self.hub.bootstrap, "--create", "--topic",
                    topic, "--partitions", str(partitions), "--replication-factor", "1",
                    hub=self.hub)
        th.wait_for_topic(self.hub, topic, partitions)

    def test_metadata_list(self):
        self.create("kc-meta", 2)
        md = json.loads(th.kcat(self.hub, "-L", "-J").stdout)
        self.assertEqual(len(md["brokers"]), 1, md)
        broker = md["brokers"][0]
        self.assertEqual(broker["name"], self.hub.bootstrap, "advertised address")
        self.assertEqual(md["controllerid"], broker["id"], "controller must be a listed broker")
        topics = {t["topic"]: t for t in md["topics"]}
        self.assertIn("kc-meta", topics)
        parts = sorted(topics["kc-meta"]["partitions"], key=lambda p: p["partition"])
        self.assertEqual([p["partition"] for p in parts], [0, 1])
        for p in parts:
            self.assertEqual(p["leader"], broker["id"])
            self.assertEqual(p["replicas"], [{"id": broker["id"]}])
            self.assertEqual(p["isrs"], [{"id": broker["id"]}])
        text = th.kcat(self.hub, "-L").stdout.decode()
        self.assertIn("broker %d at %s (controller)" % (broker["id"], self.hub.bootstrap), text)
        self.assertIn('topic "kc-meta" with 2 partitions:', text)
        one = json.loads(th.kcat(self.hub, "-L", "-J", "-t", "kc-meta").stdout)
        self.assertEqual([t["topic"] for t in one["topics"]], ["kc-meta"])

    def test_10000_keyed_records_round_trip(self):
        topic = "kc-keyed"
        self.create(topic, 3)
        keys = ["key-%02d" % k for k in range(100)]
        lines = ["%s:val-%02d-%02d" % (keys[k], k, j) for j in range(100) for k in range(100)]
        th.kcat_produce(self.hub, topic, lines, "-K:", "-X", "partitioner=murmur2_random",
                        "-H", "src=kcat", "-H", "empty=")
        out = th.kcat_consume(self.hub, topic, fmt="%p\t%o\t%k\t%s\t%h\n")
        rows = [l.split("\t") for l in out.splitlines()]
        self.assertEqual(len(rows), 10000, "records read back")
        partitions_of = defaultdict(set)
        values_of = defaultdict(list)
        offsets = defaultdict(list)
        for p, o, k, v, h in rows:
            partitions_of[k].add(int(p))
            offsets[int(p)].append(int(o))
            values_of[k].append((int(p), int(o), v))
            self.assertEqual(h, "src=kcat,empty=", "headers of %s@%s" % (k, o))
        for p, offs in offsets.items():
            self.assertEqual(sorted(offs), list(range(len(offs))), "offsets of partition %d" % p)
        for k in keys:
            self.assertEqual(len(partitions_of[k]), 1, "%s spread over %s" % (k, partitions_of[k]))
            self.assertEqual(partitions_of[k], {th.java_partition(k, 3)}, "partition of %s" % k)
            ordered = [v for _, _, v in sorted(values_of[k])]
            self.assertEqual(ordered, ["val-%s-%02d" % (k[4:], j) for j in range(100)],
                             "values of %s in offset order" % k)

    def test_compressed_batches_round_trip(self):
        not_compressed = []
        for codec in ("gzip", "snappy", "lz4", "zstd"):
            topic = "kc-z-" + codec
            self.create(topic, 1)
            lines = ["c%d:%s-%05d-%s" % (i % 5, codec, i, "abc" * (i % 40)) for i in range(2000)]
            th.kcat_produce(self.hub, topic, lines, "-K:", "-X", "compression.codec=" + codec,
                            "-X", "linger.ms=20")
            got = th.parse_kcat_records(th.kcat_consume(self.hub, topic))
            self.assertEqual([(o, k + ":" + v) for _, o, k, v in got], list(enumerate(lines)),
                             "codec %s" % codec)
            # Stored batches pass through untouched: still compressed, CRCs intact.
            with self.hub.connect() as c:
                _, batches, hw = kr.fetch_all(c, topic, 0)
            self.assertEqual(hw, 2000)
            if not batches or any(b.compression == 0 for b in batches):
                not_compressed.append(codec)
        self.assertEqual(not_compressed, [], LIBRDKAFKA_DOWNGRADE)

    def test_query_offsets_by_timestamp(self):
        topic = "kc-ts"
        self.create(topic, 2)
        # partition 0: three batches, record i has timestamp T0 + 10*i (offsets 0..9)
        with self.hub.connect() as c:
            for lo, hi in ((0, 4), (4, 8), (8, 10)):
                recs = [kr.Record(b"t%d" % i, b"v%d" % i, [], T0 + 10 * i) for i in range(lo, hi)]
                err, base = kr.produce(c, topic, 0, kr.encode_record_batch(recs), acks=-1)
                self.assertEqual((err, base), (0, lo))
            recs = [kr.Record(b"u%d" % i, b"w%d" % i, [], T0 + 1000 + i) for i in range(5)]
            self.assertEqual(kr.produce(c, topic, 1, kr.encode_record_batch(recs), acks=-1), (0, 0))

        out = th.kcat_consume(self.hub, topic, "-p", "0", fmt="%o %T\n")
        self.assertEqual(out.split("\n")[:-1], ["%d %d" % (i, T0 + 10 * i) for i in range(10)],
                         "record timestamps (CreateTime) read back")

        cases = [(0, T0 - 5, 0), (0, T0, 0), (0, T0 + 10, 1), (0, T0 + 15, 2), (0, T0 + 30, 3),
                 (0, T0 + 35, 4), (0, T0 + 40, 4), (0, T0 + 45, 5), (0, T0 + 90, 9),
                 (0, T0 + 91, -1), (0, -1, 10), (0, -2, 0), (1, T0 + 1002, 2), (1, T0, 0),
                 (1, -1, 5)]
        for part, ts, want in cases:
            out = th.kcat(self.hub, "-Q", "-t", "%s:%d:%d" % (topic, part, ts)).stdout.decode()
            m = re.search(r"%s \[(\d+)\] offset (-?\d+)" % re.escape(topic), out)
            self.assertIsNotNone(m, "kcat -Q output: %r" % out)
            self.assertEqual((int(m.group(1)), int(m.group(2))), (part, want),
                             "kcat -Q %s:%d:%d" % (topic, part, ts))
            with self.hub.connect() as c:
                err, _, off = kr.list_offsets(c, topic, part, ts)
            self.assertEqual((err, off), (0, want), "raw ListOffsets v1 %d:%d" % (part, ts))


if __name__ == "__main__":
    unittest.main(verbosity=2)
