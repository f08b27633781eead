"""Offline buffering against a real hub: the example node samples every few milliseconds while
the test stops `tern serve` (SIGTERM), keeps it down, and starts it again on the same port and
data dir. Every reading must arrive, in order per partition. In idempotent mode (when the hub
advertises InitProducerId) each arrives exactly once; until then the node falls back to
at-least-once and the test reports how many readings a lost response duplicated."""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fw_e2e as fw  # noqa: E402
import tern_harness as th  # noqa: E402

COUNT = 800


class FixedPortHub(th.Hub):
    """A hub that listens on the same port across restarts (a node only knows its bootstrap)."""

    def __init__(self, port, **kw):
        super().__init__(**kw)
        self.fixed_port = port

    def command(self):
        cmd = super().command()
        cmd[cmd.index("PLAINTEXT://127.0.0.1:0")] = "PLAINTEXT://127.0.0.1:%d" % self.fixed_port
        return cmd


class OfflineAgainstHub(unittest.TestCase):

    def test_readings_survive_a_hub_outage(self):
        port = th.free_port()
        with FixedPortHub(port, name="fw-offline") as hub:
            th.create_topic(hub, "fw-offline", 3)
            bootstrap = hub.bootstrap
            cmd = fw.example_cmd(bootstrap, "fw-offline", COUNT, "--interval-ms", "4",
                                 "--idempotence", "preferred", "--request-timeout-ms", "2000",
                                 "--flush-timeout-ms", "60000")
            node = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=dict(os.environ, TERN_LOG="2"),
                                    preexec_fn=fw.die_with_parent)
            try:
                time.sleep(0.8)
                self.assertIsNone(node.poll(), "the node finished before the outage")
                self.assertEqual(hub.stop(), 0, hub.log_text())
                time.sleep(1.5)  # the node keeps sampling into its offline buffer
                self.assertIsNone(node.poll(), "the node gave up while the hub was down")
                hub.start()
                out, err = node.communicate(timeout=120)
            finally:
                if node.poll() is None:
                    node.kill()
                    node.wait()
            out = out.decode("utf-8", "replace")
            err = err.decode("utf-8", "replace")
            self.assertEqual(node.returncode, 0, "stdout: %s\nstderr: %s\n%s"
                             % (out, fw.tail(err), hub.log_text(60)))
            stats = fw.parse_stats(out)
            self.assertEqual(stats["delivered"], str(COUNT), stats)
            self.assertGreaterEqual(int(stats["connects"]), 2, stats)
            self.assertIn("connection failed", err, "the node never noticed the outage")
            idempotent = stats["idempotent"] == "1"
            records = fw.kcat_read(bootstrap, "fw-offline", COUNT)
            dups = fw.check_records(self, records, COUNT, 3, exactly_once=idempotent)
            sys.stderr.write("offline test: %s, %d duplicate(s) from retried requests, stats %s\n"
                             % ("idempotent" if idempotent else "at-least-once (hub lacks "
                                "InitProducerId)", dups, stats))


if __name__ == "__main__":
    unittest.main(verbosity=2)
