"""boards/posix's example node against librdkafka's mock cluster (rdkafka_mock.h: a third-party
Kafka broker implementation with idempotent-producer support), driven by rdkafka_mock_cluster.

A 3-broker cluster and a 6-partition topic whose leaders are spread over the brokers: the node
(one connection at a time) must follow leaders across brokers, get a producer id, survive leader
moves (NOT_LEADER_OR_FOLLOWER -> Metadata -> reconnect) and a full outage (every broker down,
then up), and every one of 1,000 readings must come back through kcat exactly once, in order per
partition, in the partition the Java client's murmur2 chooses."""

import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fw_e2e as fw  # noqa: E402
from rdkafka_mock import MockCluster  # noqa: E402
import tern_harness as th  # noqa: E402

COUNT = 1000
PARTITIONS = 6


class PosixExampleAgainstMockCluster(unittest.TestCase):

    def setUp(self):
        self.cluster = MockCluster(3)
        self.addCleanup(self.cluster.close)

    def test_idempotent_readings_through_leader_moves_and_an_outage(self):
        c = self.cluster
        c.cmd("topic fw-mock %d" % PARTITIONS)
        cmd = fw.example_cmd(c.first, "fw-mock", COUNT, "--interval-ms", "3", "--linger-ms", "20",
                             "--idempotence", "required", "--request-timeout-ms", "2000",
                             "--flush-timeout-ms", "90000")
        node = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(os.environ, TERN_LOG="2"), preexec_fn=fw.die_with_parent)
        try:
            time.sleep(0.7)
            for p in range(PARTITIONS):  # every leader moves to the next broker
                c.cmd("leader fw-mock %d %d" % (p, (p + 1) % 3 + 1))
            time.sleep(0.7)
            self.assertIsNone(node.poll(), "the node finished before the outage")
            c.cmd("down all")
            time.sleep(1.5)
            c.cmd("up all")
            out, err = node.communicate(timeout=150)
        finally:
            if node.poll() is None:
                node.kill()
                node.wait()
        out = out.decode("utf-8", "replace")
        err = err.decode("utf-8", "replace")
        self.assertEqual(node.returncode, 0, "stdout: %s\nstderr: %s" % (out, fw.tail(err)))
        stats = fw.parse_stats(out)
        self.assertEqual(stats["idempotent"], "1", stats)
        self.assertEqual(stats["delivered"], str(COUNT), stats)
        self.assertEqual(stats["failed"], "0", stats)
        self.assertGreaterEqual(int(stats["retries"]), 1, stats)
        records = fw.kcat_read(c.bootstraps, "fw-mock", COUNT)
        fw.check_records(self, records, COUNT, PARTITIONS, exactly_once=True)
        self.assertEqual(len(records), COUNT)
        sys.stderr.write("mock cluster: %s\n" % stats)

    def test_acks_zero_and_one_without_idempotence(self):
        c = self.cluster
        for acks in ("0", "1"):
            topic = "fw-mock-acks%s" % acks
            c.cmd("topic %s 3" % topic)
            stats, _ = fw.run_example(c.first, topic, 200, "--acks", acks)
            self.assertEqual(stats["delivered"], "200", stats)
            self.assertEqual(stats["idempotent"], "0", stats)
            fw.check_records(self, fw.kcat_read(c.bootstraps, topic, 200), 200, 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
