"""TLS listeners (issue 6): SSL with certificates (kcat = librdkafka + OpenSSL), mutual TLS with a
CRL, PSK (openssl s_client), and bad input on a TLS port.

Every certificate is made here with the openssl CLI (a third-party PKI), in a temp dir.
"""

import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import kafka_raw
from kafka_raw import KafkaConnection
from tern_harness import Hub, create_topic, die_with_parent, run, tern_bin, vm_rss_kb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "firmware"))
import fw_e2e as fw  # noqa: E402  (the firmware's posix example node and its record checks)

PSK_HEX = "00112233445566778899aabbccddeeff0123456789abcdef0011223344556677"
HANDSHAKE_TIMEOUT_MS = 1000


def make_pki(d):
    """CA, server cert (SAN IP:127.0.0.1, DNS:localhost), client certs from the CA (good, revoked)
    and from another CA, a CRL revoking one. ECDSA P-256."""
    def p(name):
        return os.path.join(d, name)

    def key(name):
        run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", p(name)])

    def ca(name, cn):
        key(name + ".key")
        run(["openssl", "req", "-x509", "-new", "-key", p(name + ".key"), "-subj", "/CN=" + cn,
             "-days", "3650", "-sha256", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", p(name + ".pem")])

    def leaf(name, cn, issuer, ext):
        key(name + ".key")
        run(["openssl", "req", "-new", "-key", p(name + ".key"), "-subj", "/CN=" + cn,
             "-out", p(name + ".csr")])
        with open(p(name + ".ext"), "w") as f:
            f.write(ext + "\n")
        run(["openssl", "x509", "-req", "-in", p(name + ".csr"), "-CA", p(issuer + ".pem"),
             "-CAkey", p(issuer + ".key"), "-CAcreateserial", "-days", "3650", "-sha256",
             "-extfile", p(name + ".ext"), "-out", p(name + ".pem")])

    ca("ca", "Tern IT CA")
    ca("other_ca", "Other CA")
    leaf("server", "localhost", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    leaf("good", "device-1", "ca", "extendedKeyUsage=clientAuth")
    leaf("revoked", "device-2", "ca", "extendedKeyUsage=clientAuth")
    leaf("stranger", "device-3", "other_ca", "extendedKeyUsage=clientAuth")
    os.makedirs(p("crldb"))
    open(p("crldb/index.txt"), "w").close()
    with open(p("crldb/crlnumber"), "w") as f:
        f.write("01\n")
    with open(p("crl.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = d\n[d]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\n"
                "default_crl_days = 30\n" % (p("crldb/index.txt"), p("crldb/crlnumber")))
    common = ["-config", p("crl.cnf"), "-keyfile", p("ca.key"), "-cert", p("ca.pem")]
    run(["openssl", "ca"] + common + ["-revoke", p("revoked.pem")])
    run(["openssl", "ca"] + common + ["-gencrl", "-out", p("crl.pem")])
    with open(p("psk.txt"), "w") as f:
        f.write("# identity:hexkey\ndev1:%s\nother:0102030405060708\n" % PSK_HEX)


class TlsTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tern-tls-")
        cls.dir = cls.tmp.name
        make_pki(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def start_hub(self, *extra):
        args = ["--listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,PSK://127.0.0.1:0",
                "--ssl.certificate.location", self.path("server.pem"),
                "--ssl.key.location", self.path("server.key"),
                "--psk.identities.location", self.path("psk.txt")] + list(extra)
        hub = Hub(args, name="tls-hub").start()
        self.addCleanup(hub.close)
        self.ssl_port = hub.listener_port("SSL")
        self.psk_port = hub.listener_port("PSK")
        self.assertIsNotNone(self.ssl_port, hub.log_text())
        self.assertIsNotNone(self.psk_port, hub.log_text())
        return hub

    def kcat_ssl(self, hub, *args, cert=None, input=None, check=True, timeout=60):
        cmd = ["kcat", "-b", "127.0.0.1:%d" % self.ssl_port, "-m", "10",
               "-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + self.path("ca.pem")]
        if cert:
            cmd += ["-X", "ssl.certificate.location=" + self.path(cert + ".pem"),
                    "-X", "ssl.key.location=" + self.path(cert + ".key")]
        return run(cmd + list(args), input=input, check=check, timeout=timeout, hub=hub)

    def kcat_plain(self, hub, *args, input=None, timeout=60):
        return run(["kcat", "-b", hub.bootstrap, "-m", "10"] + list(args), input=input,
                   timeout=timeout, hub=hub)

    def roundtrip_plain(self, hub, topic, n):
        lines = ["%s-%d" % (topic, i) for i in range(n)]
        self.kcat_plain(hub, "-P", "-t", topic, "-X", "acks=all",
                        input="".join(l + "\n" for l in lines))
        out = self.kcat_plain(hub, "-C", "-t", topic, "-e", "-q", "-o", "beginning",
                              "-f", "%s\n").stdout.decode()
        self.assertEqual(out.splitlines(), lines)

    def wait_log(self, hub, pattern, count=1, timeout=5):
        """Waits until the hub's log (read by a thread) has `count` lines matching `pattern`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(re.findall(pattern, hub.log_text(5000))) >= count:
                return
            time.sleep(0.05)
        self.fail("fewer than %d log lines match %r\n%s" % (count, pattern, hub.log_text()))

    def ssl_context(self, cert=None):
        ctx = ssl.create_default_context(cafile=self.path("ca.pem"))
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if cert:
            ctx.load_cert_chain(self.path(cert + ".pem"), self.path(cert + ".key"))
        return ctx


class SslListenerTest(TlsTestBase):
    def test_kcat_produces_and_consumes_1000_records_over_ssl(self):
        hub = self.start_hub()
        lines = ["reading-%04d" % i for i in range(1000)]
        self.kcat_ssl(hub, "-P", "-t", "tls.readings", "-X", "acks=all",
                      input="".join(l + "\n" for l in lines))
        out = self.kcat_ssl(hub, "-C", "-t", "tls.readings", "-e", "-q", "-o", "beginning",
                            "-X", "check.crcs=true", "-f", "%o %s\n").stdout.decode()
        got = out.splitlines()
        self.assertEqual(len(got), 1000, out[-2000:])
        self.assertEqual(got, ["%d %s" % (i, l) for i, l in enumerate(lines)])
        # The SSL listener advertises itself: Metadata over SSL names the SSL port.
        meta = self.kcat_ssl(hub, "-L").stdout.decode()
        self.assertIn("127.0.0.1:%d" % self.ssl_port, meta)

    def test_raw_kafka_over_python_ssl_and_principal_anonymous(self):
        hub = self.start_hub("--log.level", "debug")
        conn = KafkaConnection("127.0.0.1", self.ssl_port)
        conn.sock = self.ssl_context().wrap_socket(conn.sock, server_hostname="localhost")
        with conn:
            err, apis = kafka_raw.api_versions(conn, 3)
            self.assertEqual(err, 0)
            self.assertIn(kafka_raw.API_API_VERSIONS, apis)
            self.assertIn(conn.sock.version(), ("TLSv1.2",))
        self.wait_log(hub, r"on SSL: TLS TLS-ECDHE-ECDSA-WITH-\S+, principal User:ANONYMOUS")


class MutualTlsTest(TlsTestBase):
    def test_client_certificates_required_with_crl(self):
        hub = self.start_hub("--ssl.client.auth", "required",
                             "--ssl.ca.location", self.path("ca.pem"),
                             "--ssl.crl.location", self.path("crl.pem"), "--log.level", "debug")
        for cert, why in ((None, "no client certificate"), ("stranger", "certificate of another CA"),
                          ("revoked", "revoked certificate")):
            with self.subTest(why):
                p = self.kcat_ssl(hub, "-L", "-m", "4", cert=cert, check=False, timeout=30)
                self.assertNotEqual(p.returncode, 0, "kcat with %s got metadata:\n%s"
                                    % (why, p.stdout.decode()))
                self.assertNotIn(b"1 brokers", p.stdout)
        self.wait_log(hub, r"TLS handshake failed: .*revoked")  # the one line says why
        self.wait_log(hub, r"TLS handshake failed", count=2)
        # A certificate from the CA that is not revoked works, and gives the CN as principal.
        lines = ["mtls-%d" % i for i in range(10)]
        self.kcat_ssl(hub, "-P", "-t", "mtls", input="".join(l + "\n" for l in lines), cert="good")
        out = self.kcat_ssl(hub, "-C", "-t", "mtls", "-e", "-q", "-f", "%s\n", cert="good")
        self.assertEqual(out.stdout.decode().splitlines(), lines)
        self.wait_log(hub, r"principal User:device-1")
        # Python's ssl (another client): without a certificate the handshake is refused.
        with socket.create_connection(("127.0.0.1", self.ssl_port), timeout=10) as raw:
            with self.assertRaises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
                s = self.ssl_context().wrap_socket(raw, server_hostname="localhost")
                # TLS 1.2: the client may finish first and see the alert on its first read.
                s.sendall(kafka_raw.frame(kafka_raw.request_header(18, 0, 1)))
                if not s.recv(1):
                    raise ConnectionResetError("closed")

    def test_bad_tls_files_stop_startup_naming_the_key(self):
        missing = self.path("missing.pem")
        cases = [
            (["--ssl.certificate.location", missing], "ssl.certificate.location"),
            (["--ssl.key.location", self.path("good.key")], "ssl.key.location"),
            (["--ssl.client.auth", "required", "--ssl.ca.location", missing], "ssl.ca.location"),
            (["--ssl.client.auth", "required", "--ssl.ca.location", self.path("ca.pem"),
              "--ssl.crl.location", self.path("ca.pem")], "ssl.crl.location"),
            (["--psk.identities.location", self.path("ca.pem")], "psk.identities.location"),
            (["--ssl.cipher.suites", "TLS-NOPE"], "ssl.cipher.suites"),
        ]
        for extra, key in cases:
            with self.subTest(key):
                hub = Hub(["--listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,PSK://127.0.0.1:0",
                           "--ssl.certificate.location", self.path("server.pem"),
                           "--ssl.key.location", self.path("server.key"),
                           "--psk.identities.location", self.path("psk.txt")] + extra,
                          name="bad-tls-hub")
                self.addCleanup(hub.close)
                with self.assertRaises(Exception) as caught:
                    hub.start(timeout=10)
                self.assertIn("exited with code 1", str(caught.exception))
                self.assertRegex(hub.log_text(), r"ERROR .*: %s: " % re.escape(key))


class PskListenerTest(TlsTestBase):
    def s_client(self, identity, key_hex, *extra):
        return run(["openssl", "s_client", "-psk_identity", identity, "-psk", key_hex,
                    "-connect", "127.0.0.1:%d" % self.psk_port, "-tls1_2"] + list(extra),
                   input=b"", check=False, timeout=30)

    def test_openssl_s_client_psk_handshake(self):
        hub = self.start_hub("--log.level", "debug")
        for cipher in ("ECDHE-PSK-CHACHA20-POLY1305", "PSK-AES128-GCM-SHA256", "PSK-CHACHA20-POLY1305"):
            with self.subTest(cipher):
                p = self.s_client("dev1", PSK_HEX, "-cipher", cipher)
                out = p.stdout.decode("utf-8", "replace")
                self.assertEqual(p.returncode, 0, out + p.stderr.decode())
                self.assertRegex(out, r"Cipher is %s" % re.escape(cipher), out + p.stderr.decode())
                self.assertIn("Protocol  : TLSv1.2", out)
                self.assertIn("Verify return code: 0 (ok)", out)
        self.wait_log(hub, r"on PSK: TLS TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256, principal User:dev1")
        # A wrong key or an unknown identity: the hub answers with an alert (s_client prints a
        # "Cipher is" summary even then, so its exit code and stderr are what tell).
        for identity, key in (("dev1", "0badc0de"), ("nobody", PSK_HEX)):
            with self.subTest(identity=identity, key=key):
                p = self.s_client(identity, key)
                self.assertNotEqual(p.returncode, 0, p.stdout.decode("utf-8", "replace"))
                self.assertIn(b"alert", p.stderr)
        self.wait_log(hub, r"on PSK: TLS handshake failed", count=2)
        self.assertNotIn("principal User:nobody", hub.log_text(5000))

    def test_kafka_api_versions_over_psk_through_openssl(self):
        self.start_hub()
        request = kafka_raw.frame(kafka_raw.request_header(18, 0, 7))
        proc = subprocess.Popen(["openssl", "s_client", "-quiet", "-psk_identity", "dev1", "-psk", PSK_HEX,
                                 "-connect", "127.0.0.1:%d" % self.psk_port, "-tls1_2"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                preexec_fn=die_with_parent)
        try:
            proc.stdin.write(request)
            proc.stdin.flush()
            head = proc.stdout.read(4)
            self.assertEqual(len(head), 4, "no response over PSK")
            body = proc.stdout.read(int.from_bytes(head, "big"))
            r = kafka_raw.Reader(body)
            self.assertEqual(r.i32(), 7)  # correlation id
            err, apis = kafka_raw.decode_api_versions_v0(r)
            self.assertEqual(err, 0)
            self.assertIn(0, apis)  # Produce
        finally:
            proc.kill()
            proc.wait()
            proc.stdin.close()
            proc.stdout.close()


class FirmwarePskTest(TlsTestBase):
    def test_firmware_mbedtls_transport_publishes_over_psk(self):
        """firmware/transport/mbedtls (through boards/posix's example node) against the PSK
        listener: readings produced over TLS-PSK are read back by kcat on PLAINTEXT."""
        hub = self.start_hub("--log.level", "debug")
        create_topic(hub, "fw.psk", 2)
        stats, _ = fw.run_example("127.0.0.1:%d" % self.psk_port, "fw.psk", 300, "--acks", "-1",
                                  "--idempotence", "off", "--psk", PSK_HEX, "--psk-identity", "dev1",
                                  hub=hub)
        self.assertEqual(stats["delivered"], "300", stats)
        self.assertEqual(stats["failed"], "0", stats)
        fw.check_records(self, fw.kcat_read(hub.bootstrap, "fw.psk", 300), 300, 2)
        self.wait_log(hub, r"on PSK: TLS \S+, principal User:dev1")
        # A wrong key: the device cannot connect, nothing is written.
        p = run(fw.example_cmd("127.0.0.1:%d" % self.psk_port, "fw.psk", 5, "--psk", "0badc0de",
                               "--psk-identity", "dev1", "--flush-timeout-ms", "3000"),
                check=False, timeout=60, hub=hub)
        self.assertNotIn(b"delivered=5 ", p.stdout, p.stdout)
        self.assertEqual(len(fw.kcat_read(hub.bootstrap, "fw.psk", 300)), 300)


class BadInputTest(TlsTestBase):
    def start_bad_input_hub(self):
        return self.start_hub("--ssl.handshake.timeout.ms", str(HANDSHAKE_TIMEOUT_MS),
                              "--max.connections", "5000")

    def wait_closed(self, sock, within_s):
        """Seconds until the hub closes `sock` (reading and dropping what it sends)."""
        start = time.monotonic()
        sock.settimeout(within_s)
        try:
            while sock.recv(65536):
                pass
        except (ConnectionResetError, BrokenPipeError):
            pass
        except socket.timeout:
            self.fail("connection still open after %.1fs" % within_s)
        return time.monotonic() - start

    def client_hello(self):
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = self.ssl_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
        with self.assertRaises(ssl.SSLWantReadError):
            obj.do_handshake()
        return outgoing.read()

    def test_plaintext_garbage_and_truncated_records_close_only_that_connection(self):
        hub = self.start_bad_input_hub()
        api_versions = kafka_raw.frame(kafka_raw.request_header(18, 0, 1))
        hello = self.client_hello()
        inputs = {
            "plaintext ApiVersions": api_versions,
            "random garbage": os.urandom(4096),
            "truncated ClientHello": hello[: len(hello) // 2],
            "record header only": b"\x16\x03\x03\x40\x00",
        }
        for name, data in inputs.items():
            with self.subTest(name):
                with socket.create_connection(("127.0.0.1", self.ssl_port), timeout=10) as s:
                    s.sendall(data)
                    took = self.wait_closed(s, HANDSHAKE_TIMEOUT_MS / 1000 + 4)
                    self.assertLess(took, HANDSHAKE_TIMEOUT_MS / 1000 + 3)
                hub.assert_alive()
        self.wait_log(hub, r"on SSL: TLS handshake failed", count=2)
        self.wait_log(hub, r"on SSL: TLS handshake failed: .*a plaintext client on a TLS port")
        self.wait_log(hub, r"on SSL: TLS handshake not done within", count=2)
        # A bad record after a good handshake: the session's MAC check fails, the hub closes.
        with socket.create_connection(("127.0.0.1", self.ssl_port), timeout=10) as raw:
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            obj = self.ssl_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
            while True:
                try:
                    obj.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    raw.sendall(outgoing.read())
                    incoming.write(raw.recv(65536))
            raw.sendall(outgoing.read())
            raw.sendall(b"\x17\x03\x03\x00\x30" + os.urandom(0x30))
            self.wait_closed(raw, 5)
        self.wait_log(hub, r"on SSL: bad TLS record")
        self.roundtrip_plain(hub, "after.bad.input", 10)

    def test_stalled_handshake_is_dropped_after_the_timeout(self):
        hub = self.start_bad_input_hub()
        with socket.create_connection(("127.0.0.1", self.ssl_port), timeout=10) as s:
            s.sendall(self.client_hello())
            took = self.wait_closed(s, 10)  # the server's flight arrives, then the close
        self.assertGreater(took, HANDSHAKE_TIMEOUT_MS / 1000 * 0.8)
        self.assertLess(took, HANDSHAKE_TIMEOUT_MS / 1000 + 2)
        self.wait_log(hub, r"TLS handshake not done within 1000 ms")

    def test_1000_silent_connections_are_dropped_memory_bounded_plaintext_unaffected(self):
        hub = self.start_bad_input_hub()
        self.roundtrip_plain(hub, "warmup", 10)
        rss_before = vm_rss_kb(hub.proc.pid)
        socks = []
        try:
            for _ in range(1000):
                socks.append(socket.create_connection(("127.0.0.1", self.ssl_port), timeout=10))
            # While they sit there, PLAINTEXT clients carry on.
            errors = []

            def plain_client():
                try:
                    self.roundtrip_plain(hub, "during.storm", 100)
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(e)

            t = threading.Thread(target=plain_client)
            t.start()
            deadline = time.monotonic() + HANDSHAKE_TIMEOUT_MS / 1000 + 5
            open_after = 0
            for s in socks:
                remaining = max(0.05, deadline - time.monotonic())
                s.settimeout(remaining)
                try:
                    if s.recv(1) != b"":
                        self.fail("the hub sent data to a connection that never sent a ClientHello")
                except (ConnectionResetError, BrokenPipeError):
                    pass
                except socket.timeout:
                    open_after += 1
            t.join(60)
            self.assertFalse(t.is_alive(), "PLAINTEXT client hung during the storm")
            self.assertEqual(errors, [])
            self.assertEqual(open_after, 0, "%d silent connections still open after the timeout"
                             % open_after)
            rss_after = vm_rss_kb(hub.proc.pid)
        finally:
            for s in socks:
                s.close()
        self.assertLess(rss_after - rss_before, 50 * 1024, "RSS grew from %d kB to %d kB"
                        % (rss_before, rss_after))
        self.wait_log(hub, r"max\.concurrent\.handshakes=100")  # most were refused at accept
        hub.assert_alive()
        # The handshake slots were all given back: an SSL client works afterwards.
        self.kcat_ssl(hub, "-P", "-t", "after.storm", input="x\n")
        out = self.kcat_ssl(hub, "-C", "-t", "after.storm", "-e", "-q", "-f", "%s\n").stdout
        self.assertEqual(out, b"x\n")
        self.roundtrip_plain(hub, "after.storm.plain", 10)


class CertificatePrincipalAclTest(TlsTestBase):
    """The CN of a client certificate (mutual TLS) is the principal that the ACL file names."""

    def test_certificate_principal_meets_acls(self):
        acl_file = self.path("device-1.acl")

        def acls(*args):
            run([tern_bin(), "acls", "--acl-file", acl_file, "--add"] + list(args))

        acls("--allow-principal", "User:device-1", "--operation", "Write", "--topic", "sensors.",
             "--resource-pattern-type", "prefixed")
        # ANONYMOUS (the PLAINTEXT listener) may read `other`, to see that nothing was written.
        acls("--allow-principal", "User:ANONYMOUS", "--operation", "Read", "--topic", "other")
        hub = self.start_hub("--ssl.client.auth", "required",
                             "--ssl.ca.location", self.path("ca.pem"))
        # The topics exist before the ACLs apply (nobody may create them under these ACLs).
        create_topic(hub, "sensors.temp", 1)
        create_topic(hub, "other", 1)
        hub.stop()
        hub.extra_args += ["--authorizer.acl.file", acl_file,
                           "--allow.everyone.if.no.acl.found", "false"]
        hub.start()
        self.ssl_port = hub.listener_port("SSL")
        self.assertIsNotNone(self.ssl_port, hub.log_text())

        lines = ["t-%d" % i for i in range(5)]
        self.kcat_ssl(hub, "-P", "-t", "sensors.temp", "-X", "acks=all",
                      input="".join(l + "\n" for l in lines), cert="good")
        p = self.kcat_ssl(hub, "-P", "-t", "other", "-X", "acks=all", input=b"x1\nx2\n",
                          cert="good", check=False, timeout=30)
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        self.assertNotEqual(p.returncode, 0, out)
        self.assertIn("Topic authorization failed", out)
        p = self.kcat_ssl(hub, "-C", "-e", "-t", "sensors.temp", cert="good", check=False,
                          timeout=30)
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        self.assertNotEqual(p.returncode, 0, out)
        self.assertIn("Topic authorization failed", out)
        for line in lines:
            self.assertNotIn(line, p.stdout.decode("utf-8", "replace"))
        # Nothing reached `other` (read as ANONYMOUS on PLAINTEXT, allowed Read by the ACLs).
        got = self.kcat_plain(hub, "-C", "-e", "-q", "-t", "other", "-o", "beginning",
                              "-f", "%o %s\n").stdout.decode()
        self.assertEqual(got, "")
        # kcat is refused at Metadata (Describe) before it can send a Produce.
        self.wait_log(hub, r"authorization denied: principal User:device-1 operation "
                           r"(Describe|Write) on Topic:other from \S+ \(SSL\)")
        self.wait_log(hub, r"authorization denied: principal User:device-1 operation Read "
                           r"on Topic:sensors\.temp")
        # Read back with ACLs off (same data dir): exactly what device-1 was allowed to write.
        hub.stop()
        hub.extra_args = [a for a in hub.extra_args if a not in (
            "--authorizer.acl.file", acl_file, "--allow.everyone.if.no.acl.found", "false")]
        hub.start()
        self.ssl_port = hub.listener_port("SSL")
        got = self.kcat_plain(hub, "-C", "-e", "-q", "-t", "sensors.temp", "-o", "beginning",
                              "-f", "%s\n").stdout.decode()
        self.assertEqual(got.splitlines(), lines)
        got = self.kcat_plain(hub, "-C", "-e", "-q", "-t", "other", "-o", "beginning",
                              "-f", "%s\n").stdout.decode()
        self.assertEqual(got, "")


class FirmwareCertificateTest(TlsTestBase):
    def test_firmware_mbedtls_certificate_mode_publishes_over_ssl(self):
        """The firmware's Mbed TLS transport in certificate mode (boards/posix example, --ca)
        against the SSL listener: it verifies the hub's certificate by DNS name (Mbed TLS 2.28
        cannot verify IP SANs, so the SSL listener is advertised as localhost) and its readings
        are read back exactly by kcat on PLAINTEXT. Server authentication only; the next test
        does mutual TLS."""
        ports = []
        for _ in range(2):  # free ports, so that they can be advertised (SSL as localhost)
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                ports.append(s.getsockname()[1])
        plain_port, port = ports
        hub = Hub(["--listeners", "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (plain_port, port),
                   "--advertised.listeners",
                   "PLAINTEXT://127.0.0.1:%d,SSL://localhost:%d" % (plain_port, port),
                   "--ssl.certificate.location", self.path("server.pem"),
                   "--ssl.key.location", self.path("server.key"), "--log.level", "debug"],
                  name="tls-fw-cert-hub").start()
        self.addCleanup(hub.close)
        self.assertEqual(hub.listener_port("SSL"), port, hub.log_text())
        create_topic(hub, "fw.cert", 2)
        stats, _ = fw.run_example("localhost:%d" % port, "fw.cert", 300, "--acks", "-1",
                                  "--idempotence", "off", "--ca", self.path("ca.pem"), hub=hub)
        self.assertEqual(stats["delivered"], "300", stats)
        self.assertEqual(stats["failed"], "0", stats)
        fw.check_records(self, fw.kcat_read(hub.bootstrap, "fw.cert", 300), 300, 2)
        self.wait_log(hub, r"on SSL: TLS TLS-ECDHE-ECDSA-\S+, principal User:ANONYMOUS")
        # Trusting another CA: the device refuses the hub's certificate, nothing is written.
        p = run(fw.example_cmd("localhost:%d" % port, "fw.cert", 5, "--ca",
                               self.path("other_ca.pem"), "--flush-timeout-ms", "3000"),
                check=False, timeout=60, hub=hub)
        self.assertNotIn(b"delivered=5 ", p.stdout, p.stdout)
        self.assertEqual(len(fw.kcat_read(hub.bootstrap, "fw.cert", 300)), 300)

    def test_firmware_mutual_tls_gives_the_device_principal(self):
        """Mutual TLS from the firmware (--cert/--key): with ssl.client.auth=required the device
        is User:device-1 and its readings arrive; without its certificate nothing does. The
        device verifies the hub by DNS name (--server-name localhost) while connecting to
        127.0.0.1, as an MCU with a fixed broker address would."""
        hub = Hub(["--listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
                   "--ssl.certificate.location", self.path("server.pem"),
                   "--ssl.key.location", self.path("server.key"),
                   "--ssl.ca.location", self.path("ca.pem"), "--ssl.client.auth", "required",
                   "--log.level", "debug"], name="tls-fw-mtls-hub").start()
        self.addCleanup(hub.close)
        port = hub.listener_port("SSL")
        create_topic(hub, "fw.mtls", 1)
        # Only the bootstrap connection is made: the SSL listener advertises 127.0.0.1, which
        # the device reaches with the same --server-name.
        stats, _ = fw.run_example("127.0.0.1:%d" % port, "fw.mtls", 100, "--acks", "-1",
                                  "--idempotence", "off", "--ca", self.path("ca.pem"),
                                  "--server-name", "localhost", "--cert", self.path("good.pem"),
                                  "--key", self.path("good.key"), hub=hub)
        self.assertEqual(stats["delivered"], "100", stats)
        fw.check_records(self, fw.kcat_read(hub.bootstrap, "fw.mtls", 100), 100, 1)
        self.wait_log(hub, r"on SSL: TLS TLS-ECDHE-ECDSA-\S+, principal User:device-1")
        p = run(fw.example_cmd("127.0.0.1:%d" % port, "fw.mtls", 5, "--ca", self.path("ca.pem"),
                               "--server-name", "localhost", "--flush-timeout-ms", "3000"),
                check=False, timeout=60, hub=hub)
        self.assertNotIn(b"delivered=5 ", p.stdout, p.stdout)
        self.assertEqual(len(fw.kcat_read(hub.bootstrap, "fw.mtls", 100)), 100)


if __name__ == "__main__":
    unittest.main(verbosity=2)
