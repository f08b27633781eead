"""`tern consume` reads compressed batches written by a third-party producer: kcat (librdkafka)
produces 2,000 keyed records per codec (gzip, snappy, lz4, zstd) with linger so batches hold many
records; the stored batches are checked to really be compressed with that codec; `tern consume`
must print every record exactly, in offset order per partition. A batch whose payload does not
decompress makes `tern consume` fail with the codec and the cause."""

import os
import sys
import unittest
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

CODECS = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
RECORDS = 2000
PARTITIONS = 3
ERR_UNSUPPORTED_COMPRESSION_TYPE = 76


class CodecsTest(th.HubTestCase):
    hub_name = "codecs"

    def create(self, topic, partitions, configs=None):
        th.tern_cli("topics", "--bootstrap-server", self.hub.bootstrap, "--create", "--topic",
                    topic, "--partitions", str(partitions), "--replication-factor", "1",
                    *[a for k, v in (configs or {}).items() for a in ("--config", "%s=%s" % (k, v))],
                    hub=self.hub)
        th.wait_for_topic(self.hub, topic, partitions)

    def consume(self, topic, max_messages, check=True):
        return th.tern_cli("consume", "--bootstrap-server", self.hub.bootstrap, "--topic", topic,
                           "--from-beginning", "--max-messages", str(max_messages),
                           "--timeout-ms", "20000", "--property", "print.key=true",
                           "--property", "print.partition=true", "--property",
                           "print.offset=true", timeout=90, check=check, hub=self.hub)

    def stored_batches(self, topic, partition):
        """The partition's batches as stored, read with the test suite's own Fetch client."""
        with self.hub.connect() as c:
            batches = []
            offset = 0
            while True:
                res = kr.fetch(c, topic, partition, offset, max_bytes=8 << 20, version=10)
                self.assertEqual(res["error"], 0, "fetch %s-%d" % (topic, partition))
                if offset >= res["high_watermark"]:
                    return batches, res["high_watermark"]
                got = kr.decode_record_batches(res["records"], verify_crc=True)
                self.assertTrue(got, "no complete batch at %s-%d@%d" % (topic, partition, offset))
                for b in got:
                    if b.base_offset + b.last_offset_delta >= offset:
                        batches.append(b)
                        offset = b.base_offset + b.last_offset_delta + 1

    def check_codec(self, codec):
        topic = "codec-" + codec
        self.create(topic, PARTITIONS)
        # Compressible values of varying length; 50 keys so every partition gets several.
        lines = ["k%02d:%s-%05d-%s" % (i % 50, codec, i, "tern" * (i % 37)) for i in range(RECORDS)]
        th.kcat_produce(self.hub, topic, lines, "-K:", "-z", codec, "-X", "linger.ms=50",
                        "-X", "batch.num.messages=10000")

        # The batches really are compressed with this codec (librdkafka may silently send them
        # uncompressed), and linger made them big.
        total_batches = 0
        for p in range(PARTITIONS):
            batches, _ = self.stored_batches(topic, p)
            total_batches += len(batches)
            codecs = {b.compression for b in batches}
            self.assertEqual(codecs, {CODECS[codec]} if batches else set(),
                             "partition %d batch codecs" % p)
        self.assertLessEqual(total_batches, RECORDS // 20, "batches too small for the test")

        out = self.consume(topic, RECORDS).stdout.decode()
        by_partition = defaultdict(list)
        for line in out.splitlines():
            part, off, key, value = line.split("\t", 3)
            self.assertTrue(part.startswith("Partition:") and off.startswith("Offset:"), line)
            by_partition[int(part[len("Partition:"):])].append(
                (int(off[len("Offset:"):]), key + ":" + value))
        self.assertEqual(sum(len(v) for v in by_partition.values()), RECORDS, out[-2000:])
        partition_of_key = {}
        for p, recs in by_partition.items():
            self.assertEqual([o for o, _ in recs], list(range(len(recs))),
                             "%s partition %d: offsets in order, none missing" % (codec, p))
            for _, line in recs:
                key = line.split(":", 1)[0]
                self.assertEqual(partition_of_key.setdefault(key, p), p, "key %s" % key)
        for p, recs in by_partition.items():
            want = [l for l in lines if partition_of_key[l.split(":", 1)[0]] == p]
            self.assertEqual([l for _, l in recs], want, "%s partition %d content" % (codec, p))

    def test_gzip(self):
        self.check_codec("gzip")

    def test_snappy(self):
        self.check_codec("snappy")

    def test_lz4(self):
        self.check_codec("lz4")

    def test_zstd(self):
        self.check_codec("zstd")
        # As in Kafka, zstd needs Produce v7 and Fetch v10: older requests are refused with
        # UNSUPPORTED_COMPRESSION_TYPE (an older client could not have read the batches).
        with self.hub.connect() as c:
            p = next(p for p in range(PARTITIONS) if self.stored_batches("codec-zstd", p)[0])
            self.assertEqual(kr.fetch(c, "codec-zstd", p, 0)["error"], ERR_UNSUPPORTED_COMPRESSION_TYPE)
            blob = kr.encode_record_batch([kr.Record(b"k", b"v")], attributes=4)
            self.assertEqual(kr.produce(c, "codec-zstd", 0, blob), (ERR_UNSUPPORTED_COMPRESSION_TYPE, -1))

    def test_corrupt_payload_is_reported(self):
        """A batch labelled gzip whose records are not gzip, with a correct CRC: Produce inflates
        a CreateTime topic's batches to recompute their maxTimestamp and refuses it with
        CORRUPT_MESSAGE. A LogAppendTime topic's batches are stamped without being inflated, so
        there the hub stores it, and tern consume fails, naming the codec and the cause."""
        blob = kr.encode_record_batch([kr.Record(b"k", b"not gzip at all")], attributes=1)
        refused = "codec-corrupt-refused"
        self.create(refused, 1)
        with self.hub.connect() as c:
            self.assertEqual(kr.produce(c, refused, 0, blob, acks=-1), (kr.ERR_CORRUPT_MESSAGE, -1))
            self.assertEqual(kr.list_offsets(c, refused, 0, -1)[2], 0)  # nothing stored
        topic = "codec-corrupt"
        self.create(topic, 1, {"message.timestamp.type": "LogAppendTime"})
        with self.hub.connect() as c:
            self.assertEqual(kr.produce(c, topic, 0, blob, acks=-1), (0, 0))
        p = self.consume(topic, 1, check=False)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        err = p.stderr.decode()
        self.assertIn("gzip", err)
        self.assertIn("corrupt", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
