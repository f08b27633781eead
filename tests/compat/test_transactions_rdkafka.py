"""librdkafka's transactional producer (tests/compat/rdkafka_txn.c, built as $RDKAFKA_TXN) against a
fresh hub, which does not implement transactions: rd_kafka_init_transactions() with a 60 s timeout
returns within seconds a fatal, non-retriable TRANSACTIONAL_ID_AUTHORIZATION_FAILED, and the
producer's fatal error says the same. See hub/kafka/handle_init_producer_id.cpp for why that code
(librdkafka retries every other InitProducerId error until the timeout)."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import tern_harness as th  # noqa: E402


class RdkafkaTransactionsTest(unittest.TestCase):

    def test_init_transactions_fails_at_once(self):
        prog = os.environ.get("RDKAFKA_TXN")
        self.assertTrue(prog and os.access(prog, os.X_OK),
                        "RDKAFKA_TXN=%r is not an executable (build target rdkafka_txn; needs "
                        "librdkafka-dev)" % prog)
        with th.Hub(name="rdkafka-txn") as hub:
            p = th.run([prog, hub.bootstrap, "tern-txn", "60000"], timeout=90, check=False, hub=hub)
            out = p.stdout.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 0, "rdkafka_txn failed:\n%s\n%s\n%s"
                             % (out, th._tail(p.stderr), hub.log_text(60)))
            m = re.search(r"^INIT error=(\S+) fatal=(\d) retriable=(\d) abortable=(\d) "
                          r"elapsed_ms=(\d+) message=(.*)$", out, re.M)
            self.assertTrue(m, "init_transactions() did not fail:\n" + out)
            name, fatal, retriable, abortable, elapsed_ms, message = m.groups()
            self.assertEqual((name, fatal, retriable, abortable),
                             ("TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "1", "0", "0"), out)
            self.assertIn("Transactional Id authorization failed", message)
            # Loose: a retriable answer made it wait for the whole 60 s.
            self.assertLess(int(elapsed_ms), 20000, out)
            self.assertRegex(out, r"(?m)^FATAL error=TRANSACTIONAL_ID_AUTHORIZATION_FAILED ")
            self.assertRegex(hub.log_text(200), r"transactional id 'tern-txn'.*not implemented")
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
