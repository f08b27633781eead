"""librdkafka's idempotent producer (rdkafka_groups produce-idem, passed in $RDKAFKA_GROUPS) sends
100,000 records through a proxy (tests/lib/tcp_proxy.py) that resets its connections mid-produce:
some requests are cut in half, others reach the hub but lose their response (alone, or with
the next few in-flight requests), so librdkafka retries batches the hub already appended. The
hub advertises the proxy, so every connection the client makes goes through it.

Afterwards, read straight from the hub with the raw Fetch decoder (CRC32C verified), every
partition must hold each record exactly once, in the order it was sent, at contiguous offsets;
stored batches carry the producer id with contiguous sequence numbers per producer epoch.
"""

import os
import sys
import unittest
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tcp_proxy  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "idem"
PARTITIONS = 3
N = 100_000
SEED = int(os.environ.get("TERN_PROXY_SEED", "20261122"))
PADDING = "abcdefghijklmnopqrstuvwxyz0123456789"


def expected_value(p, seq):
    i = seq * PARTITIONS + p
    return ("%d:%08d|%s" % (p, seq, PADDING[:i % 29])).encode()


class IdempotentProducerTest(unittest.TestCase):

    def test_exactly_once_in_order_through_connection_resets(self):
        prog = os.environ.get("RDKAFKA_GROUPS")
        self.assertTrue(prog and os.access(prog, os.X_OK),
                        "RDKAFKA_GROUPS=%r is not an executable (build target rdkafka_groups; "
                        "needs librdkafka-dev)" % prog)
        proxy = tcp_proxy.ResettingProxy(seed=SEED, reset_every_bytes=(64 << 10, 256 << 10),
                                         max_resets=24)
        with proxy, th.Hub(["--advertised.listeners", "PLAINTEXT://127.0.0.1:%d" % proxy.port,
                            "--auto.create.topics.enable", "false"], name="idempotence") as hub:
            proxy.start(hub.port)
            th.create_topic(hub, TOPIC, PARTITIONS)
            with hub.connect() as c:
                md = kr.metadata(c, [TOPIC], version=4)
            self.assertEqual(list(md["brokers"].values()), [("127.0.0.1", proxy.port)],
                             "the hub must advertise the proxy (advertised.listeners)")

            p = th.run([prog, "produce-idem", "127.0.0.1:%d" % proxy.port, TOPIC,
                        str(PARTITIONS), str(N)], timeout=240, check=False, hub=hub)
            out = p.stdout.decode("utf-8", "replace")
            err = p.stderr.decode("utf-8", "replace")
            stats = dict(proxy.stats)
            retried, doomed = proxy.retried_dropped_batches()
            print("proxy (seed %d): %r; dropped-response batches %d, of which retried %d"
                  % (SEED, stats, doomed, retried))
            print("producer: %s" % out.strip())
            self.assertEqual(p.returncode, 0, "idempotent producer failed:\n%s\n%s\n%s"
                             % (out, th._tail(err, 4000), hub.log_text(80)))
            self.assertIn("delivered=%d failed=0 out_of_order=0" % N, out)

            # The faults really happened, mid-produce, both kinds, and dropped batches were
            # sent again (so the hub had to recognise them as duplicates).
            self.assertGreaterEqual(stats["resets"], 12, "too few resets: %r" % stats)
            self.assertGreaterEqual(stats["cut"], 4, "too few cut requests: %r" % stats)
            self.assertGreaterEqual(stats["drop"], 4, "too few dropped responses: %r" % stats)
            self.assertGreaterEqual(stats["drop-many"], 3, "too few multi-request drops: %r"
                                    % stats)
            self.assertGreaterEqual(stats["connections"], stats["resets"], repr(stats))
            self.assertGreaterEqual(retried, 1, "no batch whose response was dropped was "
                                    "retried (doomed=%d): dedup not exercised" % doomed)

            self.check_log(hub)
            hub.assert_alive()
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())

    def check_log(self, hub):
        pids = Counter()
        with hub.connect() as c:
            for part in range(PARTITIONS):
                recs, batches, hw = kr.fetch_all(c, TOPIC, part)
                want = len(range(part, N, PARTITIONS))
                values = [r.value for r in recs]
                self.assertEqual([r.offset for r in recs], list(range(hw)),
                                 "partition %d offsets" % part)
                if values != [expected_value(part, s) for s in range(want)]:
                    seqs = [int(v.split(b":")[1].split(b"|")[0]) for v in values]
                    dup = [s for s, k in Counter(seqs).items() if k > 1]
                    missing = sorted(set(range(want)) - set(seqs))
                    disorder = next((i for i in range(1, len(seqs)) if seqs[i] < seqs[i - 1]),
                                    None)
                    self.fail("partition %d holds %d records (want %d): %d duplicated (first %r), "
                              "%d missing (first %r), first out-of-order index %r"
                              % (part, len(values), want, len(dup), dup[:5], len(missing),
                                 missing[:5], disorder))
                prev = None
                for b in batches:
                    self.assertGreaterEqual(b.producer_id, 0, "batch at %d lacks a producer id"
                                            % b.base_offset)
                    pids[(b.producer_id, b.producer_epoch)] += 1
                    if prev and (prev.producer_id, prev.producer_epoch) == (
                            b.producer_id, b.producer_epoch):
                        self.assertEqual(b.base_sequence, prev.base_sequence + prev.record_count,
                                         "partition %d: batch at offset %d has base sequence %d "
                                         "after %d+%d" % (part, b.base_offset, b.base_sequence,
                                                          prev.base_sequence, prev.record_count))
                    prev = b
        print("stored batches per (producer id, epoch): %r" % dict(pids))


if __name__ == "__main__":
    unittest.main(verbosity=2)
