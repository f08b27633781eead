"""librdkafka's mock cluster (rdkafka_mock.h: a third-party Kafka broker implementation with
idempotent-producer support) as a test fixture, driven through tests/firmware/
rdkafka_mock_cluster.c, whose path comes in the RDKAFKA_MOCK environment variable."""

import os
import subprocess
import threading

from tern_harness import die_with_parent


class MockCluster:
    def __init__(self, brokers=3):
        prog = os.environ.get("RDKAFKA_MOCK")
        if not prog or not os.access(prog, os.X_OK):
            raise AssertionError("RDKAFKA_MOCK=%r is not an executable (build target "
                                 "rdkafka_mock_cluster; needs librdkafka-dev)" % prog)
        self.proc = subprocess.Popen([prog, str(brokers)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     preexec_fn=die_with_parent)
        line = self.proc.stdout.readline()
        if not line.startswith("bootstrap "):
            raise AssertionError("mock cluster did not start: %r %s"
                                 % (line, self.proc.stderr.read()))
        self.bootstraps = line.split()[1]
        self.first = self.bootstraps.split(",")[0]
        self.lock = threading.Lock()

    def cmd(self, text):
        """One command (topic/leader/down/up, see rdkafka_mock_cluster.c); fails unless ok."""
        with self.lock:
            self.proc.stdin.write(text + "\n")
            self.proc.stdin.flush()
            answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise AssertionError("mock cluster: %s -> %s" % (text, answer))

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
