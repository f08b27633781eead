"""`tern` client commands over TLS (issue 6): --command-config with Kafka client keys against the
hub's SSL and PSK listeners: server verification with a CA file, mutual TLS with a client
certificate, a wrong CA, unknown keys, hostname checks. Certificates come from the openssl CLI
(test_tls.make_pki), never from our own `tern pki`.
"""

import os
import shutil
import signal
import socket
import ssl
import tempfile
import time
import unittest

import kafka_raw
from kafka_raw import KafkaConnection
from tern_harness import Hub, run, tern_cli
from test_tls import PSK_HEX, make_pki


class CliTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tern-cli-tls-")
        cls.dir = cls.tmp.name
        make_pki(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def start_hub(self, *extra):
        # SSL on "localhost": the advertised host is then a DNS name Mbed TLS can check.
        args = ["--listeners", "PLAINTEXT://127.0.0.1:0,SSL://localhost:0,PSK://127.0.0.1:0",
                "--ssl.certificate.location", self.path("server.pem"),
                "--ssl.key.location", self.path("server.key"),
                "--psk.identities.location", self.path("psk.txt")] + list(extra)
        hub = Hub(args, name="cli-tls-hub").start()
        self.addCleanup(hub.close)
        self.hub = hub
        self.ssl_port = hub.listener_port("SSL")
        self.psk_port = hub.listener_port("PSK")
        self.assertIsNotNone(self.ssl_port, hub.log_text())
        return hub

    def properties(self, name, **props):
        path = self.path(name + ".properties")
        with open(path, "w") as f:
            f.write("# written by test_cli_tls\n")
            for k, v in props.items():
                f.write("%s=%s\n" % (k.replace("_", "."), v))
        return path

    def ssl_config(self, name="ssl", cert=None, ca="ca.pem", **more):
        props = {"security_protocol": "SSL", "ssl_ca_location": self.path(ca)}
        if cert:
            props["ssl_certificate_location"] = self.path(cert + ".pem")
            props["ssl_key_location"] = self.path(cert + ".key")
        props.update(more)
        return self.properties(name, **props)

    def tern(self, command, config, *args, bootstrap=None, input=None, check=True):
        bootstrap = bootstrap or "localhost:%d" % self.ssl_port
        return tern_cli(command, "--bootstrap-server", bootstrap, "--command-config", config,
                        *args, input=input, check=check, timeout=60, hub=self.hub)

    def round_trip(self, config, topic, bootstrap=None):
        self.tern("topics", config, "--create", "--topic", topic, "--partitions", "2",
                  bootstrap=bootstrap)
        lines = ["reading-%03d" % i for i in range(50)]
        self.tern("produce", config, "--topic", topic, input="".join(l + "\n" for l in lines),
                  bootstrap=bootstrap)
        p = self.tern("consume", config, "--topic", topic, "--from-beginning", "--max-messages",
                      str(len(lines)), bootstrap=bootstrap)
        self.assertEqual(sorted(p.stdout.decode().split()), sorted(lines))
        p = self.tern("topics", config, "--list", bootstrap=bootstrap)
        self.assertIn(topic, p.stdout.decode())

    def test_ssl_with_ca_file(self):
        self.start_hub()
        self.round_trip(self.ssl_config(), "tls-cli")
        self.assertIn("SSL", self.hub.log_text())

    def test_mutual_tls(self):
        self.start_hub("--ssl.client.auth", "required", "--ssl.ca.location", self.path("ca.pem"))
        self.round_trip(self.ssl_config("mtls", cert="good"), "mtls-cli")
        p = self.tern("topics", self.ssl_config("nocert"), "--list", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"tern topics:", p.stderr)
        p = self.tern("topics", self.ssl_config("stranger", cert="stranger"), "--list", check=False)
        self.assertNotEqual(p.returncode, 0)

    def test_wrong_ca_names_the_verification_failure(self):
        self.start_hub()
        p = self.tern("topics", self.ssl_config("wrongca", ca="other_ca.pem"), "--list", check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        err = p.stderr.decode()
        self.assertIn("verification failed", err)
        self.assertIn("not correctly signed by the trusted CA", err)

    def test_hostname_checks(self):
        self.start_hub()
        ip = "127.0.0.1:%d" % self.ssl_port
        # Mbed TLS 2.28 cannot match IP SANs: a clear refusal, not a silent skip.
        p = self.tern("topics", self.ssl_config("ip"), "--list", bootstrap=ip, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"cannot check an IP address", p.stderr)
        none = self.ssl_config("ipnone", ssl_endpoint_identification_algorithm="none")
        self.tern("topics", none, "--list", bootstrap=ip)

    def test_psk(self):
        self.start_hub()
        config = self.properties("psk", security_protocol="SSL", ssl_psk_identity="dev1",
                                 ssl_psk_key=PSK_HEX)
        bootstrap = "127.0.0.1:%d" % self.psk_port
        self.tern("topics", config, "--list", bootstrap=bootstrap)
        bad = self.properties("badpsk", security_protocol="SSL", ssl_psk_identity="dev1",
                              ssl_psk_key="00" * 32)
        p = self.tern("topics", bad, "--list", bootstrap=bootstrap, check=False)
        self.assertEqual(p.returncode, 1)

    def test_bad_config_files(self):
        self.start_hub()
        p = self.tern("topics", self.properties("unknown", security_protocol="SSL",
                                                sasl_kerberos_service_name="kafka"),
                      "--list", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"unknown key 'sasl.kerberos.service.name'", p.stderr)
        p = self.tern("produce", self.properties("proto", security_protocol="TLS"), "--topic", "x",
                      input="a\n", check=False)
        self.assertIn(b"security.protocol 'TLS'", p.stderr)
        p = self.tern("topics", self.ssl_config("missing", ca="nope.pem"), "--list", check=False)
        self.assertIn(b"ssl.ca.location", p.stderr)


    def revoke_good_into(self, out):
        """A second CRL from the same CA that also revokes device-1 (good.pem)."""
        common = ["-config", self.path("crl.cnf"), "-keyfile", self.path("ca.key"),
                  "-cert", self.path("ca.pem")]
        run(["openssl", "ca"] + common + ["-revoke", self.path("good.pem")])
        run(["openssl", "ca"] + common + ["-gencrl", "-out", out])

    def wait_log(self, pattern, count=1, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.hub.log_text(2000).count(pattern) >= count:
                return
            time.sleep(0.05)
        self.fail("log has not %dx %r:\n%s" % (count, pattern, self.hub.log_text(60)))

    def test_sighup_reloads_crl_and_keeps_established_connections(self):
        live_crl = self.path("live-crl.pem")
        shutil.copy(self.path("crl.pem"), live_crl)
        self.start_hub("--ssl.client.auth", "required", "--ssl.ca.location", self.path("ca.pem"),
                       "--ssl.crl.location", live_crl)
        config = self.ssl_config("reload", cert="good")
        self.tern("topics", config, "--list")
        # An established mTLS connection (Python's ssl, a third-party client) with device-1.
        ctx = ssl.create_default_context(cafile=self.path("ca.pem"))
        ctx.load_cert_chain(self.path("good.pem"), self.path("good.key"))
        conn = KafkaConnection("127.0.0.1", self.ssl_port)
        conn.sock = ctx.wrap_socket(conn.sock, server_hostname="localhost")
        self.addCleanup(conn.close)
        self.assertEqual(kafka_raw.api_versions(conn, 3)[0], 0)

        # A broken CRL on reload: logged, the old config stays, device-1 still connects.
        with open(live_crl, "w") as f:
            f.write("-----BEGIN X509 CRL-----\ngarbage\n-----END X509 CRL-----\n")
        self.hub.proc.send_signal(signal.SIGHUP)
        self.wait_log("TLS reload failed, keeping the old configuration")
        self.tern("topics", config, "--list")

        # Revoke device-1: new connections with its certificate are refused ...
        self.revoke_good_into(live_crl)
        self.hub.proc.send_signal(signal.SIGHUP)
        self.wait_log("listener SSL: TLS 1.2", count=2)  # the start-up line + the reload
        p = self.tern("topics", config, "--list", check=False)
        self.assertEqual(p.returncode, 1, p.stdout)
        # ... while the established connection keeps working.
        self.assertEqual(kafka_raw.api_versions(conn, 3)[0], 0)
        self.assertEqual(kafka_raw.api_versions(conn, 3)[0], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
