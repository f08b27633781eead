"""Retention (time and size) seen by the raw wire and by librdkafka (kcat) auto.offset.reset.

Time: a topic with retention.ms=1000 on a hub checking every 200 ms. Five batches with
timestamps an hour old (offsets 0..19), then three with timestamps ten minutes ahead (20..31,
safe from the 1 s retention for the test's duration). Retention must delete exactly the old
ones: ListOffsets earliest 20, latest 32; a raw Fetch at 0 or 19 gets OFFSET_OUT_OF_RANGE; the
rest reads back byte for byte (CRC32C checked in Python). kcat asking for offset 0 with
auto.offset.reset=earliest gets offsets 20..31 exactly; with auto.offset.reset=latest it gets
nothing old, and exactly the records produced after it reached the end.

Size: a topic with retention.bytes = 10.5 batches, 30 equal batches of 10 records. Retention
deletes from the front while the partition without its oldest batch still holds retention.bytes
(Kafka's rule), so exactly the newest 11 batches (offsets 190..299) remain, unchanged; kcat
from offset 0 with auto.offset.reset=earliest starts at 190.
"""

import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import fault_util as fu  # noqa: E402
import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

FMT = "%o\t%k\t%s\n"


class RetentionTest(th.HubTestCase):

    hub_name = "retention"
    hub_args = ["--log.retention.check.interval.ms", "200"]

    @staticmethod
    def make_batch(topic, tag, b, records, ts, size):
        """Records of equal shape (so equal batch sizes): value `size` bytes, key 12 bytes."""
        values = [(b"%s-%s-b%03d-r%02d-" % (topic.encode(), tag.encode(), b, r)).ljust(size, b".")
                  for r in range(records)]
        return fu.make_records(values, key_of=lambda v: v[-12:], timestamp=ts)

    def produce_batches(self, topic, tag, batches, records, ts, size=24):
        """`batches` acks=all batches of `records` records; returns [(base, blob, [Record])]."""
        out = []
        with self.hub.connect() as c:
            for b in range(batches):
                recs = self.make_batch(topic, tag, b, records, ts, size)
                blob = kr.encode_record_batch(recs)
                err, base = kr.produce(c, topic, 0, blob, acks=-1)
                self.assertEqual(err, 0, "produce to %s: %s" % (topic, kr.err_name(err)))
                out.append((base, blob, recs))
        return out

    def wait_earliest(self, topic, want, timeout=10):
        def earliest():
            with self.hub.connect() as c:
                return kr.list_offsets(c, topic, 0, -2)[2]
        got = fu.wait_until(lambda: earliest() == want, timeout)
        if not got:
            self.fail("%s: earliest offset %d, want %d after %d s\n%s"
                      % (topic, earliest(), want, timeout, self.hub.log_text(30)))
        time.sleep(0.5)  # a few more retention passes must not delete anything else
        self.assertEqual(earliest(), want, "%s: retention went on deleting" % topic)

    def assert_log(self, topic, start, end, want_records):
        with self.hub.connect() as c:
            self.assertEqual(kr.list_offsets(c, topic, 0, -2)[::2], (0, start), "earliest")
            self.assertEqual(kr.list_offsets(c, topic, 0, -1)[::2], (0, end), "latest")
            for below in (0, start - 1):
                res = kr.fetch(c, topic, 0, below)
                self.assertEqual(res["error"], fu.ERR_OFFSET_OUT_OF_RANGE,
                                 "Fetch %s@%d below the log start %d" % (topic, below, start))
            recs, _, hw = kr.fetch_all(c, topic, 0, start)  # CRC32C checked
        self.assertEqual(hw, end)
        self.assertEqual([r.offset for r in recs], list(range(start, end)))
        self.assertEqual([(r.key, r.value, r.timestamp) for r in recs],
                         [(r.key, r.value, r.timestamp) for r in want_records])

    def kcat_from_zero(self, topic, reset):
        """kcat -o 0 -e with auto.offset.reset=`reset` -> [(offset, key, value)]."""
        out = th.kcat_consume(self.hub, topic, "-p", "0", "-o", "0",
                              "-X", "auto.offset.reset=%s" % reset, fmt=FMT, timeout=30)
        return [tuple(l.split("\t")) for l in out.splitlines()]

    @staticmethod
    def as_kcat(records):
        return [(str(r.offset), r.key.decode(), r.value.decode()) for r in records]

    def test_time_retention(self):
        topic = "ret-time"
        th.create_topic(self.hub, topic, 1, {"retention.ms": "1000"})
        now = fu.now_ms()
        old = self.produce_batches(topic, "old", 5, 4, now - 3600 * 1000)
        new = self.produce_batches(topic, "new", 3, 4, now + 600 * 1000)
        self.assertEqual([b for b, _, _ in old + new], list(range(0, 32, 4)))
        self.wait_earliest(topic, 20)
        kept = [r for _, _, rs in new for r in rs]
        for i, r in enumerate(kept):
            r.offset = 20 + i
        self.assert_log(topic, 20, 32, kept)

        self.assertEqual(self.kcat_from_zero(topic, "earliest"), self.as_kcat(kept))
        self.assertEqual(self.kcat_from_zero(topic, "latest"), [])

        # A consumer that reset to the end gets exactly what is produced afterwards.
        p = subprocess.Popen(["kcat", "-b", self.hub.bootstrap, "-C", "-t", topic, "-p", "0",
                              "-o", "0", "-X", "auto.offset.reset=latest", "-c", "4",
                              "-f", FMT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=th.die_with_parent)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        err_lines = []
        reached = threading.Event()

        def drain():
            for line in iter(p.stderr.readline, b""):
                err_lines.append(line.decode("utf-8", "replace"))
                if "Reached end" in err_lines[-1] and "offset 32" in err_lines[-1]:
                    reached.set()
        threading.Thread(target=drain, daemon=True).start()
        self.assertTrue(reached.wait(20), "kcat never reported the end at offset 32: %r"
                        % err_lines)
        more = self.produce_batches(topic, "more", 1, 4, now + 600 * 1000 + 1)
        out, _ = p.communicate(timeout=20)
        self.assertEqual(p.returncode, 0, err_lines)
        for i, r in enumerate(more[0][2]):
            r.offset = 32 + i
        self.assertEqual([tuple(l.split("\t")) for l in out.decode().splitlines()],
                         self.as_kcat(more[0][2]))

    def test_size_retention(self):
        topic = "ret-size"
        # Every batch has the same size: same record count, key/value sizes, timestamp deltas.
        now = fu.now_ms()
        size = len(kr.encode_record_batch(self.make_batch(topic, "s", 0, 10, now, 100)))
        th.create_topic(self.hub, topic, 1, {"retention.bytes": str(10 * size + size // 2)})
        batches = self.produce_batches(topic, "s", 30, 10, now, size=100)
        self.assertEqual({len(blob) for _, blob, _ in batches}, {size})
        self.wait_earliest(topic, 190)
        kept = [r for b, _, rs in batches if b >= 190 for r in rs]
        for i, r in enumerate(kept):
            r.offset = 190 + i
        self.assert_log(topic, 190, 300, kept)
        self.assertEqual(self.kcat_from_zero(topic, "earliest"), self.as_kcat(kept))


if __name__ == "__main__":
    unittest.main(verbosity=2)
