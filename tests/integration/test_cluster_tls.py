"""A cluster whose nodes authenticate each other (issue 12, security): mutual TLS on the
controller listener and on the inter-broker listener, broker principals granted ClusterAction.

Three gateways, each with its own certificate from `tern pki issue-broker` (CN=node-N, server and
client auth), run with a Kafka listener named INTERNAL and CONTROLLER, both mapped to SSL by
listener.security.protocol.map (ssl.client.auth=required), inter.broker.listener.name=INTERNAL and
an ACL file that grants ClusterAction only to User:node-1..3.
- The cluster forms: kcat over SSL lists 3 brokers on every node, `tern cluster status` shows
  the quorum; an acks=all topic of RF 3 gets a full ISR (followers fetch over mutual TLS, as
  ClusterAction principals) and reads back every record.
- Nothing unauthenticated takes part: on a controller port, a plaintext peer sending a valid
  hello, a TLS peer with a certificate from another CA, and a TLS peer with a certificate from the
  cluster's CA whose principal lacks ClusterAction are all cut off before they are read as voters
  (each refusal logged with its reason), and the quorum stays whole.
- A gateway restarted with a CA-signed certificate but without ClusterAction cannot rejoin: the
  others refuse it, it is fenced (the others list 2 brokers) and the topic's partitions are led by
  the other two; restarted with its own certificate it is back (3 brokers, ISR 3).
"""

import os
import socket
import ssl
import struct
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from tern_cluster import Cluster, parse_cluster_status  # noqa: E402
from tern_harness import kcat, run, tern_bin, tern_cli  # noqa: E402

SESSION_MS = 3000
ARGS = ["--broker.session.timeout.ms", str(SESSION_MS), "--broker.heartbeat.interval.ms", "500",
        "--replica.lag.time.max.ms", "3000", "--leader.imbalance.check.interval.seconds", "300"]


def wait_until(what, fn, timeout, logs=None, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except AssertionError as e:
            last = str(e)[:300]
        time.sleep(interval)
    raise AssertionError("%s: not within %ss (last: %r)\n%s" % (what, timeout, last,
                                                                logs() if logs else ""))


class ClusterTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tern-cluster-tls-")
        d = cls.pki = cls.tmp.name

        def pki(*args):
            run([tern_bin(), "pki", "--dir", d] + list(args))

        pki("init")
        for n in (1, 2, 3):
            pki("issue-broker", "node-%d" % n, "--host", "127.0.0.1", "--host", "localhost")
        pki("issue-broker", "rogue", "--host", "127.0.0.1")  # from the CA, no ClusterAction
        pki("issue-device", "admin")
        pki("issue-device", "intruder")
        # A certificate from a CA the cluster does not trust.
        other = os.path.join(d, "other")
        os.makedirs(other)
        run([tern_bin(), "pki", "--dir", other, "init"])
        run([tern_bin(), "pki", "--dir", other, "issue-device", "stranger"])
        cls.acl = os.path.join(d, "acl.txt")
        with open(cls.acl, "w") as f:
            f.write("# brokers (and only they) replicate and vote\n")
            for n in (1, 2, 3):
                f.write("allow User:node-%d ClusterAction cluster\n" % n)
        cls.admin_config = os.path.join(d, "admin.properties")
        with open(cls.admin_config, "w") as f:
            f.write("security.protocol=SSL\nssl.ca.location=%s\nssl.certificate.location=%s\n"
                    "ssl.key.location=%s\n"
                    # Brokers advertise 127.0.0.1, which Mbed TLS 2.28 cannot match to a SAN.
                    "ssl.endpoint.identification.algorithm=none\n" % (cls.path("ca.pem"), cls.path("devices/admin.pem"),
                                               cls.path("devices/admin.key")))
        cls.kcat_args = ["-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + cls.path("ca.pem"),
                         "-X", "ssl.certificate.location=" + cls.path("devices/admin.pem"),
                         "-X", "ssl.key.location=" + cls.path("devices/admin.key")]
        per_node = {n: cls.node_args("node-%d" % n) for n in (1, 2, 3)}
        cls.cluster = Cluster(brokers=3, extra_args=ARGS, per_node_args=per_node,
                              kafka_listener="INTERNAL", kcat_args=cls.kcat_args)
        cls.cluster.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.pki, name)

    @classmethod
    def node_args(cls, cert):
        return ["--listener.security.protocol.map", "CONTROLLER:SSL,INTERNAL:SSL",
                "--inter.broker.listener.name", "INTERNAL",
                "--ssl.certificate.location", cls.path("brokers/%s.pem" % cert),
                "--ssl.key.location", cls.path("brokers/%s.key" % cert),
                "--ssl.ca.location", cls.path("ca.pem"), "--ssl.client.auth", "required",
                "--authorizer.acl.file", cls.acl, "--super.users", "User:admin"]

    def admin(self, command, *args, check=True, input=None):
        """`tern COMMAND [SUBCOMMAND] --bootstrap-server ... --command-config admin ARGS...`
        (`cluster` takes its subcommand first)."""
        words = [command] + ([args[0]] if command == "cluster" else [])
        rest = list(args[1:] if command == "cluster" else args)
        return tern_cli(*words, "--bootstrap-server", self.cluster.bootstrap(), "--command-config",
                        self.admin_config, *rest, check=check, input=input, timeout=60)

    def brokers_seen(self, via):
        return set(self.cluster.metadata(via, timeout=10)["brokers"])

    def quorum_id(self):
        with open(os.path.join(self.cluster.node(1).data_dir, "__cluster_metadata", "quorum.id")) as f:
            return f.read().strip()

    def hello(self, node_id):
        qid = self.quorum_id().encode()
        return b"TQH1" + struct.pack(">hih", 1, node_id, len(qid)) + qid

    def assert_cut_off(self, sock):
        """The peer is closed without being answered: EOF (or a reset) within 5 s."""
        sock.settimeout(5)
        try:
            data = sock.recv(4096)
        except (ConnectionResetError, ssl.SSLError):
            data = b""
        self.assertEqual(data, b"", "an unauthenticated peer got an answer")

    def wait_log(self, node, text, timeout=10):
        wait_until("'%s' in %s's log" % (text, node.name), lambda: text in node.log_text(2000),
                   timeout, logs=self.cluster.logs)

    def test_1_cluster_forms_and_replicates_over_mutual_tls(self):
        for n in self.cluster.brokers():
            self.assertEqual(self.brokers_seen(n), {1, 2, 3})
            log = n.log_text(2000)
            self.assertIn("quorum: mutual TLS between voters", log)
            self.assertIn("replication: followers fetch over TLS (INTERNAL is SSL)", log)
        status = parse_cluster_status(self.admin("cluster", "status").stdout.decode())
        self.assertEqual(status["voters"], [1, 2, 3])
        self.assertIn(status["leader_id"], (1, 2, 3))
        self.assertEqual(set(status["brokers"]), {1, 2, 3})

        self.admin("topics", "--create", "--topic", "secure", "--partitions", "3",
                   "--replication-factor", "3")

        def full_isr():
            # Through every broker: `tern produce` may ask any of them for metadata, and one whose
            # image lags still answers UNKNOWN_TOPIC_OR_PARTITION for the new topic.
            for node in self.cluster.brokers():
                parts = self.cluster.metadata(node, "secure", timeout=10)["topics"].get("secure", {})
                if len(parts) != 3 or any(sorted(p["isrs"]) != [1, 2, 3] for p in parts.values()):
                    return False
            return True

        # Followers in sync means they fetch from each leader over mutual TLS as ClusterAction
        # principals (and every leader has the topic in its store: until then a produce may get
        # UNKNOWN_TOPIC_OR_PARTITION, which `tern produce` does not retry).
        wait_until("ISR 1,2,3 on every partition", full_isr, 20, logs=self.cluster.logs)
        lines = ["secure-%04d" % i for i in range(300)]
        self.admin("produce", "--topic", "secure", "--acks", "all",
                   input="".join(l + "\n" for l in lines))
        wait_until("ISR 1,2,3 on every partition after the writes", full_isr, 20, logs=self.cluster.logs)
        out = kcat(self.cluster.node(2), *self.kcat_args, "-C", "-e", "-q", "-t", "secure",
                   "-f", "%s\\n").stdout.decode().split()
        self.assertEqual(sorted(out), lines)

    def test_2_unauthenticated_peers_cannot_join_the_quorum(self):
        target = self.cluster.node(1)
        port = target.controller_port
        # A plaintext peer with a perfectly valid hello for voter 2.
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(struct.pack(">I", len(self.hello(2))) + self.hello(2))
            self.assert_cut_off(s)
        self.wait_log(target, "TLS handshake failed")

        # TLS with a certificate from another CA: the handshake itself fails.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(self.path("ca.pem"))
        ctx.load_cert_chain(os.path.join(self.pki, "other", "devices", "stranger.pem"),
                            os.path.join(self.pki, "other", "devices", "stranger.key"))
        with socket.create_connection(("127.0.0.1", port)) as raw:
            try:
                with ctx.wrap_socket(raw) as s:
                    s.sendall(struct.pack(">I", len(self.hello(2))) + self.hello(2))
                    self.assert_cut_off(s)
            except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
                pass  # refused during the handshake
        self.wait_log(target, "Certificate verification failed")

        # TLS with a certificate from the cluster's CA whose principal lacks ClusterAction.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(self.path("ca.pem"))
        ctx.load_cert_chain(self.path("devices/intruder.pem"), self.path("devices/intruder.key"))
        with socket.create_connection(("127.0.0.1", port)) as raw:
            with ctx.wrap_socket(raw) as s:
                try:
                    s.sendall(struct.pack(">I", len(self.hello(2))) + self.hello(2))
                except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
                    pass
                self.assert_cut_off(s)
        self.wait_log(target, "User:intruder is not authorized (ClusterAction on the cluster)")

        # The quorum is whole.
        status = parse_cluster_status(self.admin("cluster", "status").stdout.decode())
        self.assertEqual(set(status["brokers"]), {1, 2, 3})
        for n in self.cluster.brokers():
            self.assertEqual(self.brokers_seen(n), {1, 2, 3})

    def test_3_a_node_without_cluster_action_cannot_rejoin(self):
        node3 = self.cluster.node(3)
        node3.pin_kafka_port()
        node3.stop()
        normal_args = node3.extra_args
        node3.extra_args = ARGS + self.node_args("rogue")
        node3.start()
        others = [self.cluster.node(1), self.cluster.node(2)]
        for n in others:
            self.wait_log(n, "User:rogue is not authorized (ClusterAction on the cluster)")
        # Fenced after its session timeout: the others no longer list it, and lead everything.
        wait_until("node 3 fenced", lambda: all(self.brokers_seen(n) == {1, 2} for n in others),
                   SESSION_MS / 1000 + 15, logs=self.cluster.logs)
        md = self.cluster.metadata(others[0], "secure", timeout=10)["topics"]["secure"]
        self.assertTrue(all(p["leader"] in (1, 2) for p in md.values()), md)
        self.assertTrue(all(3 not in p["isrs"] for p in md.values()), md)

        node3.stop()
        node3.extra_args = normal_args
        node3.start()
        wait_until("node 3 back", lambda: all(self.brokers_seen(n) == {1, 2, 3}
                                              for n in self.cluster.brokers()),
                   30, logs=self.cluster.logs)

        def full_isr():
            parts = self.cluster.metadata(others[0], "secure", timeout=10)["topics"].get("secure", {})
            return len(parts) == 3 and all(sorted(p["isrs"]) == [1, 2, 3] for p in parts.values())

        wait_until("node 3 back in every ISR", full_isr, 30, logs=self.cluster.logs)


if __name__ == "__main__":
    unittest.main()
