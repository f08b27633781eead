"""Durability across restarts: SIGTERM (clean) and SIGKILL (crash).

Records are produced with kcat (acks=all, Java murmur2 partitioner), read back with kcat and with
the raw Fetch encoder (CRC32C of every stored batch checked), and compared exactly: same
partition, same offset, same key and value.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import unittest
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

PARTITIONS = 3
N = 5000


def make_lines(start, count):
    return ["k%03d:v%06d-%s" % (i % 101, i, "p" * (i % 13)) for i in range(start, start + count)]


def expected_layout(lines):
    """{partition: [(key, value), ...] in produce order} for the Java murmur2 partitioner."""
    out = defaultdict(list)
    for line in lines:
        k, v = line.split(":", 1)
        out[th.java_partition(k, PARTITIONS)].append((k, v))
    return out


def produce(hub, topic, lines):
    th.kcat_produce(hub, topic, lines, "-K:", "-X", "partitioner=murmur2_random")


class PersistenceTest(unittest.TestCase):

    def read_all(self, hub, topic):
        """{partition: [(key, value), ...] by offset}, from kcat and cross-checked by raw Fetch.

        Asserts offsets are contiguous from 0 and every stored batch has a correct CRC32C.
        """
        via_kcat = defaultdict(list)
        for p, o, k, v in th.parse_kcat_records(th.kcat_consume(hub, topic)):
            self.assertEqual(o, len(via_kcat[p]), "partition %d: offsets not contiguous at %d"
                             % (p, o))
            via_kcat[p].append((k, v))
        with hub.connect() as c:
            for p in range(PARTITIONS):
                try:
                    recs, _, hw = kr.fetch_all(c, topic, p)
                except ValueError as e:
                    self.fail("raw fetch of %s[%d]: %s\n%s" % (topic, p, e, hub.log_text(60)))
                self.assertEqual([r.offset for r in recs], list(range(hw)),
                                 "raw fetch %s[%d]: offsets" % (topic, p))
                raw = [(r.key.decode(), r.value.decode()) for r in recs]
                self.assertEqual(raw, via_kcat.get(p, []),
                                 "raw Fetch and kcat disagree on %s[%d]" % (topic, p))
                err, _, start = kr.list_offsets(c, topic, p, -2)
                self.assertEqual((err, start), (0, 0), "earliest offset of %s[%d]" % (topic, p))
                err, _, end = kr.list_offsets(c, topic, p, -1)
                self.assertEqual((err, end), (0, hw), "latest offset of %s[%d]" % (topic, p))
        return via_kcat

    def assert_layout(self, got, want, what):
        for p in range(PARTITIONS):
            g, w = got.get(p, []), want.get(p, [])
            if g != w:
                first = next((i for i, (a, b) in enumerate(zip(g, w)) if a != b),
                             min(len(g), len(w)))
                self.fail("%s: partition %d has %d records, want %d; first difference at offset %d:"
                          " got %r want %r" % (what, p, len(g), len(w), first,
                                               g[first] if first < len(g) else None,
                                               w[first] if first < len(w) else None))

    def new_hub(self, name):
        hub = th.Hub(name=name)
        self.addCleanup(hub.close)
        hub.start()
        th.create_topic(hub, "persist", PARTITIONS)
        return hub

    def test_sigterm_restart_keeps_records_and_offsets_continue(self):
        hub = self.new_hub("persist-sigterm")
        first = make_lines(0, N)
        produce(hub, "persist", first)
        want = expected_layout(first)
        self.assert_layout(self.read_all(hub, "persist"), want, "before restart")

        rc = hub.restart(signal.SIGTERM)
        self.assertEqual(rc, 0, "exit code after SIGTERM\n" + hub.log_text())
        self.assert_layout(self.read_all(hub, "persist"), want, "after SIGTERM restart")

        more = make_lines(N, 1000)
        produce(hub, "persist", more)
        for p, recs in expected_layout(more).items():
            want[p].extend(recs)  # new offsets continue from the old end
        self.assert_layout(self.read_all(hub, "persist"), want, "after producing more")

        rc = hub.restart(signal.SIGTERM)
        self.assertEqual(rc, 0, "exit code after second SIGTERM\n" + hub.log_text())
        self.assert_layout(self.read_all(hub, "persist"), want, "after second SIGTERM restart")
        self.assertEqual(hub.stop(), 0)

    def test_sigkill_keeps_every_acknowledged_record(self):
        hub = self.new_hub("persist-sigkill")
        want = defaultdict(list)
        for round_no, (start, count) in enumerate(((0, N), (N, 1000))):
            lines = make_lines(start, count)
            produce(hub, "persist", lines)  # kcat exits 0 only when every record was acked
            rc = hub.restart(signal.SIGKILL)  # immediately: no chance to flush anything
            self.assertEqual(rc, -signal.SIGKILL)
            for p, recs in expected_layout(lines).items():
                want[p].extend(recs)
            self.assert_layout(self.read_all(hub, "persist"), want,
                               "after kill -9 #%d" % (round_no + 1))
        self.assertEqual(hub.stop(), 0, "SIGTERM after crash recovery\n" + hub.log_text())

    def test_sigkill_during_produce_keeps_acknowledged_prefix(self):
        """kill -9 while kcat is producing: every record kcat got an ack for survives, and each
        partition holds an in-order prefix of what was sent (no gaps, no garbage)."""
        hub = self.new_hub("persist-midstream")
        lines = make_lines(0, 40000)
        acked = {}
        delivered = [0]
        lock = threading.Lock()
        cmd = ["kcat", "-b", hub.bootstrap, "-P", "-t", "persist", "-K:", "-X", "acks=all",
               "-X", "partitioner=murmur2_random", "-X", "retries=0",
               "-X", "message.timeout.ms=10000", "-X", "linger.ms=2", "-v", "-v"]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, preexec_fn=th.die_with_parent)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        dr = re.compile(rb"Message delivered to partition (\d+) \(offset (-?\d+)\)")

        def read_reports():
            for line in iter(proc.stderr.readline, b""):
                m = dr.search(line)
                if m:
                    p, o = int(m.group(1)), int(m.group(2))
                    with lock:
                        acked[p] = max(acked.get(p, -1), o)
                        delivered[0] += 1

        def write_input():
            try:
                for i in range(0, len(lines), 250):
                    proc.stdin.write("".join(l + "\n" for l in lines[i:i + 250]).encode())
                    proc.stdin.flush()
                    time.sleep(0.01)
                proc.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass

        reader = threading.Thread(target=read_reports, daemon=True)
        writer = threading.Thread(target=write_input, daemon=True)
        reader.start()
        writer.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with lock:
                if delivered[0] >= 5000:
                    break
            time.sleep(0.005)
        with lock:
            self.assertGreaterEqual(delivered[0], 1, "kcat got no acks at all\n" + hub.log_text())
        rc = hub.stop(signal.SIGKILL)
        self.assertEqual(rc, -signal.SIGKILL)
        time.sleep(1.0)  # let kcat print reports for acks that arrived before the kill
        proc.kill()
        proc.wait()
        reader.join(10)
        writer.join(10)
        for f in (proc.stdin, proc.stderr):
            try:
                f.close()
            except OSError:
                pass

        hub.start()
        got = self.read_all(hub, "persist")
        sent = expected_layout(lines)
        sys.stderr.write("kill -9 after %d acks (acked up to %r); survived per partition: %r\n"
                         % (delivered[0], acked, {p: len(v) for p, v in got.items()}))
        for p in range(PARTITIONS):
            g = got.get(p, [])
            must = acked.get(p, -1) + 1
            self.assertGreaterEqual(len(g), must, "partition %d: %d records survived, but kcat got "
                                    "acks up to offset %d" % (p, len(g), must - 1))
            self.assertEqual(g, sent[p][:len(g)],
                             "partition %d is not an in-order prefix of what was sent" % p)
        # And the log keeps going after recovery.
        more = make_lines(100000, 300)
        produce(hub, "persist", more)
        new = expected_layout(more)
        want = {p: got.get(p, []) + new.get(p, []) for p in range(PARTITIONS)}
        self.assert_layout(self.read_all(hub, "persist"), want, "producing after recovery")
        self.assertEqual(hub.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
