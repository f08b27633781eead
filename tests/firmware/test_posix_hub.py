"""boards/posix's example node against a real `tern serve`: 1,000 keyed readings with headers,
read back with kcat (CRCs checked) byte-exact, each in the partition the Java client's murmur2
chooses for its key; plus acks=1, acks=0 and null keys. Non-idempotent: the hub has no
InitProducerId yet (--idempotence preferred falls back, which is checked too)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fw_e2e as fw  # noqa: E402
import tern_harness as th  # noqa: E402


class PosixExampleAgainstHub(th.HubTestCase):
    hub_name = "fw-hub"

    def test_1000_readings_acks_all(self):
        th.create_topic(self.hub, "fw-readings", 3)
        stats, _ = fw.run_example(self.hub.bootstrap, "fw-readings", 1000, "--acks", "-1",
                                  "--idempotence", "off", hub=self.hub)
        self.assertEqual(stats["delivered"], "1000", stats)
        self.assertEqual(stats["failed"], "0", stats)
        self.assertEqual(stats["idempotent"], "0", stats)
        records = fw.kcat_read(self.hub.bootstrap, "fw-readings", 1000)
        self.assertEqual(len(records), 1000)
        fw.check_records(self, records, 1000, 3)
        self.assertEqual(len({r["partition"] for r in records}), 3)

    def test_batched_with_linger(self):
        # Readings every 2 ms with a 50 ms linger: batches of many readings per request.
        th.create_topic(self.hub, "fw-linger", 4)
        stats, _ = fw.run_example(self.hub.bootstrap, "fw-linger", 300, "--interval-ms", "2",
                                  "--linger-ms", "50", hub=self.hub)
        self.assertEqual(stats["delivered"], "300", stats)
        self.assertLess(int(stats["requests"]), 100, stats)
        fw.check_records(self, fw.kcat_read(self.hub.bootstrap, "fw-linger", 300), 300, 4)

    def test_acks_one_and_zero(self):
        for acks in ("1", "0"):
            topic = "fw-acks%s" % acks
            th.create_topic(self.hub, topic, 2)
            stats, _ = fw.run_example(self.hub.bootstrap, topic, 200, "--acks", acks,
                                      hub=self.hub)
            self.assertEqual(stats["delivered"], "200", stats)
            fw.check_records(self, fw.kcat_read(self.hub.bootstrap, topic, 200), 200, 2)

    def test_idempotence_preferred_falls_back_and_required_fails_clearly(self):
        th.create_topic(self.hub, "fw-idem", 2)
        stats, _ = fw.run_example(self.hub.bootstrap, "fw-idem", 50, "--idempotence",
                                  "preferred", hub=self.hub)
        self.assertEqual(stats["delivered"], "50", stats)
        # The hub advertises no InitProducerId yet; once it does, this run is idempotent.
        idempotent = stats["idempotent"] == "1"
        fw.check_records(self, fw.kcat_read(self.hub.bootstrap, "fw-idem", 50), 50, 2)
        if not idempotent:
            p = th.run(fw.example_cmd(self.hub.bootstrap, "fw-idem", 5, "--idempotence",
                                      "required", "--flush-timeout-ms", "1500"),
                       timeout=60, check=False, hub=self.hub)
            out = p.stdout.decode()
            self.assertEqual(p.returncode, 1, out)
            self.assertIn("status=TERN_UNSUPPORTED", out)
            self.assertEqual(fw.parse_stats(out)["delivered"], "0")

    def test_null_keys_spread_round_robin(self):
        th.create_topic(self.hub, "fw-nokeys", 3)
        stats, _ = fw.run_example(self.hub.bootstrap, "fw-nokeys", 90, "--no-keys",
                                  hub=self.hub)
        self.assertEqual(stats["delivered"], "90", stats)
        records = fw.kcat_read(self.hub.bootstrap, "fw-nokeys", 90)
        self.assertEqual(len(records), 90)
        self.assertTrue(all(r["key_len"] == -1 for r in records), records[:3])
        self.assertEqual(len({r["partition"] for r in records}), 3)
        seqs = sorted(int(r["headers"].split(",")[0].split("=")[1]) for r in records)
        self.assertEqual(seqs, list(range(90)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
