"""Batch timestamps are the hub's (issue 15): Produce recomputes a batch's maxTimestamp from its
records (a producer may leave it at -1, as Go clients do), stamps LogAppendTime topics with the
broker's time, and refuses records outside message.timestamp.{before,after}.max.ms with
INVALID_TIMESTAMP. Retention, ListOffsets by time and consumers (kcat, librdkafka) see the result.

Batches are built with the raw wire client (tests/lib/kafka_raw.py) so that the header can lie;
what the hub stored is read back both raw (CRC verified) and through kcat.
"""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

ERR_INVALID_TIMESTAMP = 32
HOUR_MS = 3600 * 1000


def now_ms():
    return int(time.time() * 1000)


def records(timestamps, prefix="r"):
    return [kr.Record(b"k%d" % n, b"%s-%d" % (prefix.encode(), n), timestamp=ts)
            for n, ts in enumerate(timestamps)]


class TimestampsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # Retention runs every 200 ms so that a test can watch a batch expire.
        cls.hub = th.Hub(["--log.retention.check.interval.ms", "200",
                          "--auto.create.topics.enable", "false"], name="timestamps").start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def stored_batches(self, topic, start=0):
        with self.hub.connect() as c:
            _, batches, _ = kr.fetch_all(c, topic, 0, start)
        return batches

    def kcat_json(self, topic):
        """Every record through kcat -J (librdkafka checks the CRCs): one JSON object per line."""
        p = th.kcat(self.hub, "-C", "-e", "-q", "-J", "-X", "check.crcs=true", "-t", topic)
        return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]

    def test_max_timestamp_recomputed_from_the_records(self):
        topic = "ts-recompute"
        th.create_topic(self.hub, topic, 1)
        base = now_ms() - 10_000
        # Uncompressed and gzip batches whose header says -1 (Go clients), and one whose header
        # claims a time earlier than its records.
        sent = [
            (kr.encode_record_batch(records([base, base + 7, base + 3]), max_timestamp=-1), base + 7),
            (kr.encode_record_batch(records([base + 20, base + 50], "gz"), max_timestamp=-1,
                                    gzip_records=True), base + 50),
            (kr.encode_record_batch(records([base + 100, base + 90]), max_timestamp=base), base + 100),
        ]
        with self.hub.connect() as c:
            for blob, _ in sent:
                err, _ = kr.produce(c, topic, 0, blob)
                self.assertEqual(err, kr.ERR_NONE)
        batches = self.stored_batches(topic)  # decode_record_batches verifies each CRC32C
        self.assertEqual([b.max_timestamp for b in batches], [want for _, want in sent])
        self.assertEqual([b.attributes & 0x08 for b in batches], [0, 0, 0])  # still CreateTime
        # Records keep their own CreateTime.
        self.assertEqual([r.timestamp for r in batches[0].records], [base, base + 7, base + 3])
        # ListOffsets by timestamp uses the recomputed times (with -1 stored it found nothing).
        with self.hub.connect() as c:
            self.assertEqual(kr.list_offsets(c, topic, 0, base + 5)[0::2], (kr.ERR_NONE, 1))
            self.assertEqual(kr.list_offsets(c, topic, 0, base + 30)[0::2], (kr.ERR_NONE, 4))
            self.assertEqual(kr.list_offsets(c, topic, 0, base + 95)[0::2], (kr.ERR_NONE, 5))
        # librdkafka checks the CRCs of what the hub rewrote and reports CreateTime.
        msgs = self.kcat_json(topic)
        self.assertEqual(len(msgs), 7)
        self.assertTrue(all(m["tstype"] == "create" for m in msgs), msgs)
        self.assertEqual([m["ts"] for m in msgs][:3], [base, base + 7, base + 3])

    def test_time_retention_expires_a_batch_sent_without_max_timestamp(self):
        topic = "ts-retention"
        th.create_topic(self.hub, topic, 1, {"retention.ms": str(HOUR_MS)})
        old = now_ms() - 2 * HOUR_MS
        with self.hub.connect() as c:
            self.assertEqual(kr.produce(c, topic, 0, kr.encode_record_batch(
                records([old, old + 1]), max_timestamp=-1))[0], kr.ERR_NONE)
            self.assertEqual(kr.produce(c, topic, 0, kr.encode_record_batch(
                records([now_ms()]), max_timestamp=-1))[0], kr.ERR_NONE)
            deadline = time.monotonic() + 20
            start = None
            while time.monotonic() < deadline:
                start = kr.list_offsets(c, topic, 0, -2)[2]
                if start == 2:
                    break
                time.sleep(0.1)
        # The two-hour-old batch went; the fresh one stays.
        self.assertEqual(start, 2, self.hub.log_text(30))
        self.assertEqual([b.base_offset for b in self.stored_batches(topic, 2)], [2])

    def test_log_append_time_topic_stamps_the_brokers_time(self):
        topic = "ts-append-time"
        th.create_topic(self.hub, topic, 1, {"message.timestamp.type": "LogAppendTime"})
        before = now_ms()
        with self.hub.connect() as c:
            err, base, append_time = kr.produce_full(c, topic, 0, kr.encode_record_batch(
                records([1_500_000_000_000, 1_500_000_000_001])))
        after = now_ms()
        self.assertEqual(err, kr.ERR_NONE)
        self.assertEqual(base, 0)
        self.assertGreaterEqual(append_time, before)
        self.assertLessEqual(append_time, after)
        batch, = self.stored_batches(topic)
        self.assertEqual(batch.attributes & 0x08, 0x08)
        self.assertEqual(batch.max_timestamp, append_time)
        # A producer through librdkafka too; kcat then reports LogAppendTime for all three.
        th.kcat_produce(self.hub, topic, ["from-kcat"], "-p", "0")
        msgs = self.kcat_json(topic)
        self.assertEqual(len(msgs), 3)
        self.assertTrue(all(m["tstype"] == "logappend" for m in msgs), msgs)
        self.assertEqual([m["ts"] for m in msgs[:2]], [append_time, append_time])
        self.assertGreaterEqual(msgs[2]["ts"], append_time)

    def test_records_outside_the_allowed_difference_are_refused(self):
        topic = "ts-bounded"
        th.create_topic(self.hub, topic, 1, {"message.timestamp.before.max.ms": "60000",
                                             "message.timestamp.after.max.ms": "60000"})
        now = now_ms()
        with self.hub.connect() as c:
            # One stale record spoils the batch (whatever the header says), one from the future too.
            for ts in ([now, now - HOUR_MS], [now + HOUR_MS]):
                err, _ = kr.produce(c, topic, 0, kr.encode_record_batch(records(ts), max_timestamp=now))
                self.assertEqual(err, ERR_INVALID_TIMESTAMP, ts)
            err, base = kr.produce(c, topic, 0, kr.encode_record_batch(records([now - 1000, now])))
            self.assertEqual((err, base), (kr.ERR_NONE, 0))
            # Nothing of the refused batches was stored.
            self.assertEqual(kr.list_offsets(c, topic, 0, -1)[2], 2)
        self.assertIn("ms before the broker's time", self.hub.log_text(200))
        # A bad bound is refused at creation with the key named.
        with self.hub.connect() as c:
            self.assertEqual(kr.create_topic(c, "ts-bad", 1, configs={
                "message.timestamp.before.max.ms": "-5"}), kr.ERR_INVALID_CONFIG)


if __name__ == "__main__":
    unittest.main()
