"""librdkafka admin API (tests/compat/rdkafka_configs.c, built as $RDKAFKA_CONFIGS):
rd_kafka_DescribeConfigs and rd_kafka_AlterConfigs against a fresh hub; the result is
cross-checked with a raw DescribeConfigs (tests/lib/kafka_raw.py). Then rd_kafka_CreatePartitions
grows the topic to 4 partitions, which raw Metadata confirms."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "rdk-configs"


class RdkafkaConfigsTest(unittest.TestCase):

    def test_describe_and_alter_configs(self):
        prog = os.environ.get("RDKAFKA_CONFIGS")
        self.assertTrue(prog and os.access(prog, os.X_OK),
                        "RDKAFKA_CONFIGS=%r is not an executable (build target rdkafka_configs; "
                        "needs librdkafka-dev)" % prog)
        with th.Hub(name="rdkafka-configs") as hub:
            th.create_topic(hub, TOPIC, 2, {"retention.ms": "3600000"})
            p = th.run([prog, hub.bootstrap, TOPIC], timeout=120, check=False, hub=hub)
            out = p.stdout.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 0, "rdkafka_configs failed:\n%s\n%s\n%s"
                             % (out, th._tail(p.stderr), hub.log_text(60)))
            self.assertIn("ALL OK", out)
            with hub.connect() as c:
                cfg = kr.topic_configs(c, TOPIC, version=4)
            self.assertEqual(cfg["retention.ms"], ("60000", kr.SOURCE_TOPIC_CONFIG))
            self.assertEqual(cfg["cleanup.policy"], ("compact,delete", kr.SOURCE_TOPIC_CONFIG))
            self.assertEqual(cfg["segment.bytes"][1], kr.SOURCE_DEFAULT_CONFIG)
            self.assertIn("Topic currently has 4 partitions, which is higher than the requested 3.", out)
            with hub.connect() as c:
                md = kr.metadata(c, [TOPIC], version=4)
            self.assertEqual(sorted(md["topics"][TOPIC]["partitions"]), [0, 1, 2, 3])


if __name__ == "__main__":
    unittest.main(verbosity=2)
