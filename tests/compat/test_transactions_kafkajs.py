"""kafkajs 2.2.4 transactional producer (tests/compat/kafkajs/transactions.js) against a fresh hub,
which does not implement transactions: producer.transaction() rejects within a few seconds (not
after kafkajs's retries) with the non-retriable TRANSACTIONAL_ID_AUTHORIZATION_FAILED, and an
idempotent producer on the same client still sends. See hub/kafka/handle_init_producer_id.cpp
for why that code.

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

TOPIC = "kjs-txn"


class KafkajsTransactionsTest(unittest.TestCase):

    def test_transaction_is_refused_at_once(self):
        with th.Hub(["--auto.create.topics.enable", "false"], name="kafkajs-txn") as hub:
            th.create_topic(hub, TOPIC, 1)
            seen = kafkajs_script.run(self, hub, "transactions.js", hub.bootstrap, TOPIC)
            t = seen["transaction"]
            self.assertEqual((t["name"], t["type"], t["code"], t["retriable"]),
                             ("KafkaJSProtocolError", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", 53,
                              False), "what producer.transaction() rejected with: %r" % t)
            self.assertIn("Transactional Id", t["message"])
            # Retriable answers kept kafkajs busy for its whole retry budget (tens of seconds).
            self.assertLess(t["elapsed_ms"], 5000, "refused at once: %r" % t)
            self.assertEqual((seen["idempotent"]["errorCode"], seen["idempotent"]["baseOffset"]),
                             (0, "0"), "idempotent send after the refusal: %r" % seen)
            self.assertRegex(hub.log_text(200), r"transactional id 'x'.*not implemented")
            with hub.connect() as c:
                recs, _, hw = kr.fetch_all(c, TOPIC, 0)
            self.assertEqual([r.value for r in recs], [b"after-txn"], "stored: only the idempotent send")
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
