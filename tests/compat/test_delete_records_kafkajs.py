"""kafkajs 2.2.4 admin.deleteTopicRecords (tests/compat/kafkajs/delete_records.js) against a fresh
hub: the low watermark kafkajs then reads is the offset it asked for (a batch boundary), what is
left is read back raw, and an offset past the high watermark is rejected.

node_modules is installed by the setup script (`npm ci` in tests/compat/kafkajs); this test never
touches the network.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import kafkajs_script  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "kjs-delete-records"


class KafkajsDeleteRecordsTest(unittest.TestCase):

    def test_delete_topic_records(self):
        with th.Hub(["--auto.create.topics.enable", "false"], name="kafkajs-delete-records") as hub:
            th.create_topic(hub, TOPIC, 2)
            seen = kafkajs_script.run(self, hub, "delete_records.js", hub.bootstrap, TOPIC)
            self.assertEqual((seen["offsets"]["low"], seen["offsets"]["high"]), ("10", "30"))
            self.assertIn("OFFSET_OUT_OF_RANGE", json.dumps(seen["beyond"]), seen["beyond"])
            with hub.connect() as c:
                recs, _, hw = kr.fetch_all(c, TOPIC, 0, 10)
            self.assertEqual([r.value for r in recs], [b"v-%d" % i for i in range(10, 30)])
            self.assertIn("deleted records of %s-0 below 10" % TOPIC, hub.log_text(200))
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
