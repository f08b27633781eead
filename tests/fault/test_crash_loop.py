"""kill -9 in a loop while producing with acks=all and an fsync per commit.

One data dir, ITERATIONS rounds. Each round starts `tern serve --flush.messages 1` on it, a raw
producer (tests/lib/kafka_raw.py, up to 8 Produce requests in flight on one connection, batches
of 1..10 keyed records with unique sequential values, alternating between 2 partitions) writes as
fast as it can and records every acknowledged (partition, base offset, records); after a random
50..400 ms the hub gets SIGKILL. After each restart:

- the hub comes up and logs no ERROR/WARN line; the topic is still there with 2 partitions;
- a Fetch from offset 0 returns every batch with a correct CRC32C (checked in Python), offsets
  contiguous from 0 to the high watermark (no hole, no duplicate), ListOffsets earliest 0 and
  latest = high watermark;
- every acknowledged record is at exactly its acknowledged offset with its key, value and
  timestamp; every record seen after an earlier restart is still there, unchanged;
- every stored batch is exactly one batch that was sent (same records, same count): a batch
  sent but not acknowledged is either whole or absent; no value is stored twice.

TERN_CRASH_SEED picks the random delays (printed, for reproduction); TERN_CRASH_ITERATIONS
overrides the number of rounds.
"""

import os
import random
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import fault_util as fu  # noqa: E402
import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "crash"
PARTITIONS = 2
ITERATIONS = int(os.environ.get("TERN_CRASH_ITERATIONS", "50"))
SEED = int(os.environ.get("TERN_CRASH_SEED", str(int(time.time()))))


class Ledger:
    """What the test knows about each partition across all rounds."""

    def __init__(self):
        self.next_value = 0
        # value -> (partition, [Record...]) for every batch ever sent, keyed by its first value
        self.sent = {}
        # partition -> {offset: (key, value, timestamp)}: acknowledged or seen after a restart
        self.known = {p: {} for p in range(PARTITIONS)}
        self.acked_batches = 0
        # (partition, base offset, raw bytes) -> records of a batch already decoded and checked
        self.verified = {}
        self.acked_records = 0

    def new_batch(self, rng, partition):
        n = rng.randint(1, 10)
        values = []
        for _ in range(n):
            values.append(b"p%d-v%09d" % (partition, self.next_value))
            self.next_value += 1
        recs = fu.make_records(values, key_of=lambda v: b"k%d" % (int(v[-9:]) % 7))
        self.sent[values[0]] = (partition, recs)
        return recs

    def acked(self, partition, base, records):
        self.acked_batches += 1
        self.acked_records += len(records)
        for i, r in enumerate(records):
            self.remember(partition, base + i, (r.key, r.value, r.timestamp), "acknowledged")

    def remember(self, partition, offset, rec, what):
        old = self.known[partition].setdefault(offset, rec)
        if old != rec:
            raise AssertionError("%s[%d]@%d: %s record %r but %r was acknowledged or seen there"
                                 " before" % (TOPIC, partition, offset, what, rec, old))


def produce_until_killed(hub, ledger, rng, stats):
    """Producer thread body: pipelined acks=all produce until the connection dies."""
    try:
        conn = hub.connect(timeout=5)
    except OSError:
        return
    prod = fu.PipelinedProducer(conn, TOPIC, acks=-1, window=8)
    partition = 0
    try:
        while True:
            while len(prod.pending) < prod.window:
                prod.send(partition, ledger.new_batch(rng, partition))
                partition = (partition + 1) % PARTITIONS
            p, recs, err, base = prod.recv_one()
            if err != 0:
                stats["errors"].append((p, kr.err_name(err)))
                return
            ledger.acked(p, base, recs)
            stats["acked"] += 1
    except fu.CONNECTION_ERRORS:
        stats["unacked"] = len(prod.pending)
    finally:
        conn.close()


class CrashLoopTest(unittest.TestCase):

    def verify(self, hub, ledger, round_no):
        what = "round %d (seed %d)" % (round_no, SEED)
        bad = fu.bad_log_lines(hub)
        self.assertEqual(bad, [], "%s: the hub logged errors after restart\n%s"
                         % (what, hub.log_text(60)))
        th.wait_for_topic(hub, TOPIC, PARTITIONS)
        with hub.connect() as c:
            for p in range(PARTITIONS):
                try:
                    batches, hw = fu.fetch_raw_batches(c, TOPIC, p)
                except ValueError as e:
                    self.fail("%s: fetch %s[%d]: %s\n%s" % (what, TOPIC, p, e, hub.log_text(40)))
                self.assertEqual(kr.list_offsets(c, TOPIC, p, -2)[::2], (0, 0),
                                 "%s: ListOffsets earliest of %s[%d]" % (what, TOPIC, p))
                self.assertEqual(kr.list_offsets(c, TOPIC, p, -1)[::2], (0, hw),
                                 "%s: ListOffsets latest of %s[%d]" % (what, TOPIC, p))
                stored = {}
                next_offset = 0
                for base, raw in batches:
                    where = "%s: %s[%d]@%d" % (what, TOPIC, p, base)
                    self.assertEqual(base, next_offset, "%s: offsets not contiguous (hole or"
                                     " overlap after %d)" % (where, next_offset))
                    recs = ledger.verified.get((p, base, raw))
                    if recs is None:  # not seen byte for byte before: decode, check CRC32C
                        recs = self.check_new_batch(ledger, p, base, raw, where)
                        ledger.verified[(p, base, raw)] = recs
                    for off, rec in enumerate(recs, base):
                        stored[off] = rec
                    next_offset = base + len(recs)
                self.assertEqual(next_offset, hw, "%s: %s[%d] batches end at %d, high watermark"
                                 " %d" % (what, TOPIC, p, next_offset, hw))
                known = ledger.known[p]
                wrong = sorted(off for off, rec in known.items() if stored.get(off) != rec)
                if wrong:
                    off = wrong[0]
                    self.fail("%s: %s[%d]: %d acknowledged/seen records missing or changed (high"
                              " watermark %d); first at offset %d: stored %r, want %r"
                              % (what, TOPIC, p, len(wrong), hw, off, stored.get(off), known[off]))
                values = [rec[1] for rec in stored.values()]
                self.assertEqual(len(set(values)), len(values),
                                 "%s: %s[%d] stores a value twice" % (what, TOPIC, p))
                for off, rec in stored.items():  # from now on, what was seen must stay
                    ledger.remember(p, off, rec, "stored")

    def check_new_batch(self, ledger, p, base, raw, where):
        """Decodes one stored batch (CRC32C checked) and matches it against the batch sent."""
        try:
            (b,) = kr.decode_record_batches(raw)
        except ValueError as e:
            self.fail("%s: %s" % (where, e))
        self.assertEqual([r.offset for r in b.records], list(range(base, base + b.record_count)),
                         "%s: record offsets" % where)
        first = b.records[0].value if b.records else None
        sent = ledger.sent.get(first)
        self.assertIsNotNone(sent, "%s holds a batch never sent: %r" % (where, b.records[:2]))
        sp, srecs = sent
        self.assertEqual(sp, p, "%s: batch sent to partition %d" % (where, sp))
        self.assertEqual((b.record_count, b.last_offset_delta), (len(srecs), len(srecs) - 1),
                         "%s: partial batch" % where)
        got = [(r.key, r.value, r.timestamp) for r in b.records]
        self.assertEqual(got, [(r.key, r.value, r.timestamp) for r in srecs],
                         "%s: batch content" % where)
        return got

    def test_kill9_loop_keeps_every_acknowledged_record(self):
        sys.stderr.write("crash loop: seed %d, %d rounds\n" % (SEED, ITERATIONS))
        rng = random.Random(SEED)
        hub = th.Hub(extra_args=["--flush.messages", "1"], name="crash-loop")
        self.addCleanup(hub.close)
        hub.start()
        th.create_topic(hub, TOPIC, PARTITIONS)
        ledger = Ledger()
        unacked_total = 0
        started = time.monotonic()
        for round_no in range(1, ITERATIONS + 1):
            stats = {"acked": 0, "unacked": 0, "errors": []}
            t = threading.Thread(target=produce_until_killed, args=(hub, ledger, rng, stats),
                                 daemon=True)
            t.start()
            time.sleep(rng.uniform(0.05, 0.4))
            self.assertTrue(hub.alive(), "round %d: hub died on its own\n%s"
                            % (round_no, hub.log_text(60)))
            rc = hub.kill()
            self.assertEqual(rc, -signal.SIGKILL)
            t.join(timeout=15)
            self.assertFalse(t.is_alive(), "round %d: producer did not notice the kill" % round_no)
            self.assertEqual(stats["errors"], [], "round %d: produce errors\n%s"
                             % (round_no, hub.log_text(40)))
            unacked_total += stats["unacked"]
            hub.start()
            self.verify(hub, ledger, round_no)
        hub.stop()
        sys.stderr.write("crash loop: %d rounds in %.1f s, %d batches / %d records acknowledged,"
                         " %d requests cut off by kills\n"
                         % (ITERATIONS, time.monotonic() - started, ledger.acked_batches,
                            ledger.acked_records, unacked_total))
        # The test proves nothing unless the producer actually raced the kills.
        self.assertGreater(ledger.acked_batches, ITERATIONS)
        self.assertGreater(unacked_total, 0, "no request was ever in flight at a kill")


if __name__ == "__main__":
    unittest.main(verbosity=2)
