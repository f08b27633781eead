"""kafka-ts 1.5.0 (tests/compat/kafkats/cycle.js), a second pure-TypeScript client that negotiates
the newest version of every API it knows (so Tern's flexible versions: Metadata 12, CreateTopics 7,
Produce 9, Fetch 12, FindCoordinator 4, JoinGroup 9, SyncGroup 5, OffsetCommit/OffsetFetch 8,
InitProducerId 4), through a cycle against a real hub (issue 15's acceptance asks for two such
npm clients; compat.platformatic is the other): CreateTopics with its low-level API (the topic
id it returns is Metadata's), idempotent produce with keys and headers, a 2-member group reading
all 30 records with their partitions and headers and committing, and the group resuming after its
commits with only the 6 new records. The records are then read back on the raw wire.

node_modules is installed by the setup script (`npm ci` in tests/compat/kafkats); this test never
touches the network.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import kafkajs_script  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "kts-cycle"


class KafkaTsCycleTest(unittest.TestCase):

    def test_cycle(self):
        with th.Hub(name="kafkats") as hub:
            seen = kafkajs_script.run(self, hub, "cycle.js", "127.0.0.1", hub.port, TOPIC,
                                      timeout=180, package="kafkats", module="kafka-ts")
            self.assertEqual(seen["partitions"], 2, seen)
            self.assertEqual(seen["consumed"], 30, seen)
            self.assertEqual(sorted(seen["members"]), [15, 15], seen)
            self.assertEqual(seen["resumed"], ["b-k%d" % i for i in range(6)], seen)
            self.assertRegex(seen["created_topic_id"], r"^[0-9a-f]{32}$", seen)
            self.assertNotEqual(seen["created_topic_id"], "0" * 32, seen)
            self.assertEqual(seen["created_topic_id"], seen["metadata_topic_id"], seen)
            with hub.connect() as c:
                recs, _, hw = kr.fetch_all(c, TOPIC, 1)
            self.assertEqual(hw, 18)
            self.assertEqual((recs[0].key, recs[0].value), (b"a-k1", b"a-v1-x"))
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
