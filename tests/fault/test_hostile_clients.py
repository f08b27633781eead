"""Request memory under hostile clients (issue 13): the hub's RSS stays bounded and a
well-behaved librdkafka producer and consumer keep working.

One hub with a 16 MiB request budget (queued.max.request.bytes) and two listeners:
- PLAINTEXT: 200 connections each send a 100 MiB length prefix and then trickle 4 KiB every
  50 ms, reconnecting when closed; 8 connections send maximum-size valid Produce requests (one
  ~1 MB record per batch) back to back; a librdkafka producer (rdkafka_latency.c, acks=1,
  linger.ms=0) sends 200 records/s before, during and after; kcat then consumes them all.
- SASL_PLAINTEXT: 100 unauthenticated connections each send a 100 MiB length prefix: each is
  closed at once (a frame before authentication may be at most 64 KiB).
And one 20 MiB Produce (larger than the whole budget) is served, not deadlocked.
Checks: VmRSS (sampled every 100 ms) stays under the idle RSS + 64 MiB; the hub closed trickling
connections for memory (the budget was what limited them); every librdkafka record is
acknowledged and consumed; the producer's p99 before/during is printed (figures, not limits:
tests/bench/hostile.py has the 1,000-connection run).
"""

import os
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import hostile_util as hu  # noqa: E402
import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

BUDGET = 16 << 20
RSS_MARGIN_KB = 64 << 10
RATE = 200
BEFORE_S, DURING_S, AFTER_S = 3.0, 10.0, 2.0


class HostileClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.latency_bin = os.environ.get("RDKAFKA_LATENCY", "")
        cls.tmp = tempfile.TemporaryDirectory(prefix="tern-hostile-")
        users = os.path.join(cls.tmp.name, "users.txt")
        th.tern_cli("passwd", "--file", users, "--user", "u", "--iterations", "1000", input="pw-u-1\n")
        cls.hub = th.Hub(name="hostile", extra_args=[
            "--listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
            "--sasl.plain.users.location", users,
            "--queued.max.request.bytes", str(BUDGET),
            "--max.connections", "600"]).start()
        cls.sasl_port = cls.hub.listener_port("SASL_PLAINTEXT")
        th.create_topic(cls.hub, "good", 1)
        th.create_topic(cls.hub, "big", 1)

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()
        cls.tmp.cleanup()

    def test_oversized_frame_is_served_once_it_has_the_budget(self):
        """A 20 MiB produce (budget 16 MiB) waits for the whole budget, then is read and stored."""
        th.create_topic(self.hub, "huge", 1, {"max.message.bytes": str(32 << 20)})
        blob = hu.max_size_batch(20 << 20)
        with kr.KafkaConnection("127.0.0.1", self.hub.port, timeout=60) as c:
            for _ in range(2):
                self.assertEqual(kr.produce(c, "huge", 0, blob, acks=1, timeout_ms=30000)[0], 0)
            self.assertEqual(kr.list_offsets(c, "huge", 0, -1)[2], 2)
        self.hub.assert_alive()

    def test_unauthenticated_100_mib_prefixes_are_closed_at_once(self):
        socks = []
        for _ in range(100):
            s = socket.create_connection(("127.0.0.1", self.sasl_port), timeout=5)
            s.sendall(hu.HUNDRED_MIB_PREFIX + bytes(1024))
            socks.append(s)
        for s in socks:
            self.assertEqual(s.recv(1), b"")  # closed by the hub, nothing answered
            s.close()
        self.hub.wait_log(r"frame of 104857600 bytes before authentication")
        self.hub.assert_alive()

    def test_memory_stays_bounded_and_librdkafka_keeps_working(self):
        self.assertTrue(os.path.exists(self.latency_bin),
                        "RDKAFKA_LATENCY=%r: librdkafka-dev missing at configure time?" % self.latency_bin)
        pid = self.hub.proc.pid
        idle_kb = hu.rss_kb(pid)
        sampler = hu.RssSampler(pid)
        sampler.start()
        total_s = BEFORE_S + DURING_S + AFTER_S
        producer = hu.LatencyProducer(self.latency_bin, self.hub.bootstrap, "good", RATE, total_s).start()
        time.sleep(BEFORE_S)
        during_from = time.monotonic()
        tricklers = hu.Tricklers("127.0.0.1", self.hub.port, 200, chunk=4096, interval_s=0.05)
        tricklers.start()
        big = hu.BigProducers("127.0.0.1", self.hub.port, "big", 8).start()
        time.sleep(DURING_S)
        during_to = time.monotonic()
        tricklers.stop()
        big.stop()
        rc = producer.wait(timeout=120)
        sampler.stop()
        self.hub.assert_alive()

        ok, failed = producer.reports()
        before = [lat for _, sent, lat in ok if sent < during_from]
        during = [lat for _, sent, lat in ok if during_from <= sent < during_to]
        print("idle RSS %d KiB, max RSS %d KiB (bound %d KiB)" % (idle_kb, sampler.max_kb, idle_kb + RSS_MARGIN_KB))
        print("librdkafka before: %s" % hu.latency_summary(before))
        print("librdkafka during: %s" % hu.latency_summary(during))
        print("tricklers: %d opened, %d closed by the hub, %d bytes sent; big produces acked %d, errors %s"
              % (tricklers.opened, tricklers.closed_by_hub, tricklers.bytes_sent, big.acked, big.errors[:5]))
        self.assertEqual(rc, 0, "librdkafka producer: %s\n%s" % (producer.err[-2000:], failed[:5]))
        self.assertLess(sampler.max_kb, idle_kb + RSS_MARGIN_KB)
        self.assertGreater(tricklers.closed_by_hub, 0, "the budget never filled: no pressure tested")
        self.assertRegex(self.hub.log_text(last=100000), r"request memory full \(queued\.max\.request\.bytes=16777216")
        self.assertGreater(len(during), DURING_S * RATE * 0.9)
        self.assertGreater(big.acked, 0, big.errors[:5])

        # A librdkafka consumer (kcat) reads back every acknowledged record.
        out = th.kcat_consume(self.hub, "good", "-o", "beginning", "-e", fmt="%s\n")
        values = set(out.split())
        missing = [i for i, _, _ in ok if "lat-%d" % i not in values]
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
