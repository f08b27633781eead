"""Log compaction end to end: librdkafka (kcat) produces 100,000 records over 1,000 keys with
tombstones, in four runs with gzip, snappy, lz4 and zstd; the hub compacts in the background;
kcat (librdkafka, CRC checks on) and `tern consume` (our decoder, CRC32C checked per batch) must
then see exactly the latest record per key at the offset it was first given, and the tombstones
must go once delete.retention.ms has passed (shortened at run time with `tern topics --alter`)."""

import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import tern_harness as th  # noqa: E402

TOPIC = "compacted"
PARTITIONS = 2
KEYS = 1000
RECORDS = 100_000
CODECS = ["gzip", "snappy", "lz4", "zstd"]
SEGMENT_MS = 1000


class CompactionTest(unittest.TestCase):
    def setUp(self):
        self.hub = th.Hub(["--log.cleaner.backoff.ms", "200"], name="compaction")
        self.hub.start()

    def tearDown(self):
        try:
            self.hub.assert_alive()
            self.assertEqual(self.hub.stop(), 0, self.hub.log_text())
        finally:
            self.hub.close()

    def kcat_records(self):
        """(partition, offset, key, value or None) of every record, via librdkafka."""
        text = th.kcat_consume(self.hub, TOPIC, "-Z", fmt="%p\t%o\t%k\t%S\t%s\n")
        out = []
        for line in text.splitlines():
            p, o, k, size, v = line.split("\t", 4)
            out.append((int(p), int(o), k, None if int(size) < 0 else v))
        return out

    def test_latest_value_per_key_with_offsets_and_tombstones(self):
        th.create_topic(self.hub, TOPIC, PARTITIONS, {
            "cleanup.policy": "compact", "segment.ms": str(SEGMENT_MS),
            "delete.retention.ms": "3600000"})
        rng = random.Random(7)
        # Expected state: per key its last record and the offset it got. With one idempotent
        # producer at a time and Java's murmur2 partitioner, a record's offset is its position
        # among the records sent to its partition.
        next_offset = [0] * PARTITIONS
        latest = {}
        per_run = RECORDS // len(CODECS)
        seq = 0
        for codec in CODECS:
            lines = []
            for _ in range(per_run):
                key = "key-%04d" % rng.randrange(KEYS)
                tombstone = rng.random() < 0.05
                value = None if tombstone else "%s-%d-%s" % (key, seq, codec)
                seq += 1
                p = th.java_partition(key.encode(), PARTITIONS)
                latest[key] = (p, next_offset[p], value)
                next_offset[p] += 1
                lines.append("%s:%s" % (key, value or ""))
            th.kcat_produce(self.hub, TOPIC, lines, "-K:", "-Z", "-z", codec,
                            "-X", "partitioner=murmur2_random", "-X", "enable.idempotence=true",
                            "-X", "linger.ms=20")
        # Roll every partition's active tail: one marker per partition after segment.ms.
        time.sleep(SEGMENT_MS / 1000 + 0.3)
        markers = []
        for p in range(PARTITIONS):
            key = next("marker-%d" % i for i in range(100)
                       if th.java_partition(("marker-%d" % i).encode(), PARTITIONS) == p)
            latest[key] = (p, next_offset[p], "end")
            next_offset[p] += 1
            markers.append("%s:end" % key)
        th.kcat_produce(self.hub, TOPIC, markers, "-K:", "-X", "partitioner=murmur2_random")
        self.assertEqual(th.wait_for_topic(self.hub, TOPIC, PARTITIONS)["topics"][TOPIC]["error"], 0)

        # Background compaction (every 200 ms) must bring the log to one record per key.
        records = self.wait_for(lambda rs: len(rs) == len(latest), "one record per key")
        self.check(records, latest, with_tombstones=True)
        tombstones = sum(1 for (_, _, v) in latest.values() if v is None)
        self.assertGreater(tombstones, 10)

        # Our own decoder (CRC32C of every batch, every codec) agrees.
        out = th.tern_cli("consume", "--bootstrap-server", self.hub.bootstrap, "--topic", TOPIC,
                          "--from-beginning", "--max-messages", str(len(latest)),
                          "--timeout-ms", "10000", "--property", "print.key=true",
                          "--property", "print.offset=true", "--property", "print.partition=true",
                          hub=self.hub).stdout.decode()
        self.assertEqual(len(out.splitlines()), len(latest), out[-2000:])

        # Tombstones go once their time has passed (shortened at run time).
        th.tern_cli("topics", "--bootstrap-server", self.hub.bootstrap, "--alter", "--topic",
                    TOPIC, "--config", "delete.retention.ms=1000", hub=self.hub)
        live = {k: v for k, v in latest.items() if v[2] is not None}
        records = self.wait_for(lambda rs: len(rs) == len(live), "tombstones removed", 60)
        self.check(records, live, with_tombstones=False)

        # A restart reports every partition's offsets and serves the same compacted log.
        self.hub.restart()
        ends = "".join(" %d:[0,%d)" % (p, next_offset[p]) for p in range(PARTITIONS))
        self.assertIn("topic '%s' %d partitions, offsets%s" % (TOPIC, PARTITIONS, ends),
                      self.hub.log_text())
        self.check(self.kcat_records(), live, with_tombstones=False)

    def wait_for(self, done, what, timeout=90):
        deadline = time.monotonic() + timeout
        records = []
        while time.monotonic() < deadline:
            records = self.kcat_records()
            if done(records):
                return records
            time.sleep(0.5)
        self.fail("%s not reached in %ds: %d records\n%s"
                  % (what, timeout, len(records), self.hub.log_text(40)))

    def check(self, records, expected, with_tombstones):
        seen = {}
        last_offset = [-1] * PARTITIONS
        for p, o, k, v in records:
            self.assertNotIn(k, seen, "key %s twice" % k)
            seen[k] = (p, o, v)
            self.assertGreater(o, last_offset[p], "offsets increase in partition %d" % p)
            last_offset[p] = o
            if not with_tombstones:
                self.assertIsNotNone(v, "tombstone of %s still there" % k)
        self.assertEqual(seen, expected)


if __name__ == "__main__":
    unittest.main()
