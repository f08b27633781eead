"""kafkajs 2.2.4 topic configuration admin (tests/compat/kafkajs/configs.js) against a fresh hub:
describeConfigs, alterConfigs, an invalid value rejected with INVALID_CONFIG. What kafkajs stored
is then cross-checked with a raw DescribeConfigs (tests/lib/kafka_raw.py) and the hub's log.

node_modules is installed by the setup script (`npm ci` in tests/compat/kafkajs); this test never
touches the network.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import kafkajs_script  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "kjs-configs"


class KafkajsConfigsTest(unittest.TestCase):

    def test_kafkajs_describe_and_alter_configs(self):
        with th.Hub(name="kafkajs-configs") as hub:
            seen = kafkajs_script.run(self, hub, "configs.js", hub.bootstrap, TOPIC, timeout=120)
            self.assertEqual(seen["seen"]["before"]["retention.ms"]["value"], "3600000")
            self.assertEqual(seen["seen"]["after"]["cleanup.policy"]["value"], "compact")
            with hub.connect() as c:
                cfg = kr.topic_configs(c, TOPIC)
            self.assertEqual(cfg["retention.ms"], ("120000", kr.SOURCE_TOPIC_CONFIG))
            self.assertEqual(cfg["cleanup.policy"], ("compact", kr.SOURCE_TOPIC_CONFIG))
            self.assertEqual(cfg["segment.bytes"][1], kr.SOURCE_DEFAULT_CONFIG)
            self.assertIn("overrides now {cleanup.policy=compact, retention.ms=120000}",
                          hub.log_text(200), "the hub logs the change")
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
