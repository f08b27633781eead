"""@platformatic/kafka 1.35.0 (tests/compat/platformatic/cycle.mjs), a pure-JavaScript client that
speaks only the flexible versions of the core Kafka APIs, through the full cycle against a real
hub (issue 15's acceptance): admin create/describe, configs altered (AlterConfigs and
IncrementalAlterConfigs) and described, produce with keys, binary values and headers in none,
gzip, snappy and lz4 (zstd needs Node.js >= 22.15 in this client), idempotent produce, a
2-member group that reads every record byte-exact and commits, the group restarted resuming after
its commits, ListOffsets by timestamp, CreatePartitions and DescribeLogDirs. The test then checks
on the raw wire what the client saw: the topic id it was given is the one Metadata reports, and
the records it produced are stored as sent.

node_modules is installed by the setup script (`npm ci` in tests/compat/platformatic); this test
never touches the network.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import kafkajs_script  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "plt-cycle"


class PlatformaticCycleTest(unittest.TestCase):

    def test_full_cycle(self):
        with th.Hub(name="platformatic") as hub:
            seen = kafkajs_script.run(self, hub, "cycle.mjs", hub.bootstrap, TOPIC, timeout=180,
                                      package="platformatic", module="@platformatic/kafka")
            self.assertEqual(seen["sent"], 50, seen)
            self.assertEqual(seen["consumed"], 50, seen)
            self.assertEqual(seen["resumed"], 4, seen)
            self.assertEqual(len(seen["members"]), 2, seen)
            self.assertEqual(sum(seen["members"]), 50, seen)
            self.assertNotEqual(seen["topic_id"], "00000000-0000-0000-0000-000000000000", seen)
            self.assertEqual(seen["topic_id"], seen["metadata_topic_id"], seen)
            self.assertEqual(seen["by_timestamp"], [0, 0], seen)
            self.assertEqual(seen["latest"], [27, 27], seen)
            self.assertEqual(seen["partitions_after"], 3, seen)
            self.assertEqual(seen["log_dirs"], 1, seen)
            with hub.connect() as c:
                recs, _, hw = kr.fetch_all(c, TOPIC, 0)
            self.assertEqual(hw, 27)
            self.assertEqual(recs[0].key, b"none-k0")
            self.assertEqual(recs[0].value, bytes((b * 7) & 0xff for b in range(64)))
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
