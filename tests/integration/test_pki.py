"""`tern pki`: the CA, server and device certificates and PSKs it writes, checked with the openssl
CLI (a third-party X.509/TLS stack): chains verify, extensions and keys are what we promise, files
are 0600, and an openssl s_server/s_client pair completes a mutual TLS handshake with them."""

import datetime
import os
import re
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import tern_harness as th  # noqa: E402

OPENSSL = shutil.which("openssl")
DEVICE = "sensor-1"
PSK_LINE_RE = re.compile(r"^[A-Za-z0-9._-]+:[0-9a-f]{64}$")


def out(p):
    return p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


def pki(d, *args, check=True):
    return th.tern_cli("pki", *args, "--dir", d, check=check)


def openssl(*args, check=True, timeout=30, input=None):
    return th.run([OPENSSL] + list(args), check=check, timeout=timeout, input=input)


def x509_text(path):
    return out(openssl("x509", "-noout", "-text", "-in", path))


def years_until(path):
    end = out(openssl("x509", "-noout", "-enddate", "-in", path)).strip().split("=", 1)[1]
    t = datetime.datetime.strptime(end, "%b %d %H:%M:%S %Y GMT").replace(tzinfo=datetime.timezone.utc)
    return (t - datetime.datetime.now(datetime.timezone.utc)).days / 365.25


def snapshot(d):
    """{relative path: (bytes, mtime_ns)} of every file under d."""
    snap = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                snap[os.path.relpath(p, d)] = (fh.read(), os.stat(p).st_mtime_ns)
    return snap


@unittest.skipIf(OPENSSL is None, "the openssl CLI is not installed")
class PkiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tern-pki-test-")
        cls.d = os.path.join(cls.tmp, "pki")
        cls.init_out = out(pki(cls.d, "init"))
        cls.server_out = out(pki(cls.d, "issue-server"))
        cls.device_out = out(pki(cls.d, "issue-device", DEVICE))
        cls.psk_out = out(pki(cls.d, "issue-psk", DEVICE))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.d, *parts)

    def assert_ec_p256(self, text):
        self.assertIn("Public Key Algorithm: id-ecPublicKey", text)
        self.assertIn("Public-Key: (256 bit)", text)
        self.assertIn("NIST CURVE: P-256", text)
        self.assertIn("Signature Algorithm: ecdsa-with-SHA256", text)

    def test_ca_certificate(self):
        text = x509_text(self.path("ca.pem"))
        self.assertRegex(text, r"Subject: CN\s*=\s*Tern CA [0-9a-f]{16}\n")
        self.assertRegex(text, r"Issuer: CN\s*=\s*Tern CA [0-9a-f]{16}\n")
        self.assertRegex(text, r"X509v3 Basic Constraints: critical\s*\n\s*CA:TRUE, pathlen:0")
        self.assertRegex(text, r"X509v3 Key Usage: critical\s*\n\s*Certificate Sign, CRL Sign\n")
        self.assertIn("X509v3 Subject Key Identifier", text)
        self.assertIn("X509v3 Authority Key Identifier", text)
        self.assert_ec_p256(text)
        serial = out(openssl("x509", "-noout", "-serial", "-in", self.path("ca.pem"))).strip()
        self.assertRegex(serial, r"^serial=[0-9A-F]{32}$")  # 128 bits, top byte 0x40..0x7f
        self.assertTrue(9.9 < years_until(self.path("ca.pem")) < 10.1)
        # Self-signed: it verifies against itself.
        self.assertIn("OK", out(openssl("verify", "-CAfile", self.path("ca.pem"), self.path("ca.pem"))))
        self.assertIn("Tern CA", self.init_out)

    def test_server_certificate(self):
        p = openssl("verify", "-purpose", "sslserver", "-CAfile", self.path("ca.pem"),
                    self.path("server.pem"), check=False)
        self.assertEqual(p.returncode, 0, out(p))
        self.assertIn("server.pem: OK", out(p))
        text = x509_text(self.path("server.pem"))
        self.assertRegex(text, r"Subject: CN\s*=\s*localhost\n")
        self.assertRegex(text, r"X509v3 Subject Alternative Name:\s*\n\s*DNS:localhost, IP Address:127.0.0.1\n")
        self.assertRegex(text, r"X509v3 Extended Key Usage:\s*\n\s*TLS Web Server Authentication\n")
        self.assertRegex(text, r"X509v3 Key Usage: critical\s*\n\s*Digital Signature\n")
        self.assertRegex(text, r"CA:FALSE")
        self.assert_ec_p256(text)
        self.assertTrue(1.9 < years_until(self.path("server.pem")) < 2.1)
        # server.pem = the server certificate followed by the CA's (the chain to send).
        with open(self.path("server.pem")) as f, open(self.path("ca.pem")) as ca:
            blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", f.read(), re.S)
            self.assertEqual(len(blocks), 2)
            self.assertEqual(blocks[1], ca.read())
        # The server key pairs with the certificate (same public key).
        pub_cert = out(openssl("x509", "-noout", "-pubkey", "-in", self.path("server.pem")))
        pub_key = out(openssl("pkey", "-pubout", "-in", self.path("server.key")))
        self.assertEqual(pub_cert, pub_key)

    def test_server_hosts(self):
        d = os.path.join(self.tmp, "hosts")
        pki(d, "init")
        pki(d, "issue-server", "--host", "hub.example.org", "--host", "10.0.0.5", "--host", "::1",
            "--host", "*.sensors.example.org")
        text = x509_text(os.path.join(d, "server.pem"))
        self.assertRegex(text, r"Subject: CN\s*=\s*hub.example.org\n")
        self.assertRegex(text, r"DNS:hub.example.org, IP Address:10.0.0.5, IP Address:0:0:0:0:0:0:0:1, "
                               r"DNS:\*.sensors.example.org\n")
        for host, ok in (("hub.example.org", True), ("a.sensors.example.org", True), ("other.org", False)):
            p = openssl("verify", "-CAfile", os.path.join(d, "ca.pem"), "-verify_hostname", host,
                        os.path.join(d, "server.pem"), check=False)
            self.assertEqual(p.returncode == 0, ok, host + ": " + out(p))
        p = openssl("verify", "-CAfile", os.path.join(d, "ca.pem"), "-verify_ip", "10.0.0.6",
                    os.path.join(d, "server.pem"), check=False)
        self.assertNotEqual(p.returncode, 0, out(p))
        # Another CA's certificates do not verify against ours.
        p = openssl("verify", "-CAfile", self.path("ca.pem"), os.path.join(d, "server.pem"), check=False)
        self.assertNotEqual(p.returncode, 0, out(p))
        p = pki(d, "issue-server", "--host", "bad host!", "--force", check=False)
        self.assertEqual(p.returncode, 2, out(p))
        self.assertIn("bad host!", out(p))

    def test_device_certificate(self):
        pem = self.path("devices", DEVICE + ".pem")
        p = openssl("verify", "-purpose", "sslclient", "-CAfile", self.path("ca.pem"), pem, check=False)
        self.assertEqual(p.returncode, 0, out(p))
        # clientAuth only: it is not a server certificate.
        p = openssl("verify", "-purpose", "sslserver", "-CAfile", self.path("ca.pem"), pem, check=False)
        self.assertNotEqual(p.returncode, 0, out(p))
        text = x509_text(pem)
        self.assertRegex(text, r"Subject: CN\s*=\s*%s\n" % DEVICE)
        self.assertRegex(text, r"X509v3 Extended Key Usage:\s*\n\s*TLS Web Client Authentication\n")
        self.assertNotIn("Subject Alternative Name", text)
        self.assert_ec_p256(text)

    def test_file_modes(self):
        for rel in ("ca.key", "ca.pem", "server.key", "server.pem", "psk.txt",
                    os.path.join("devices", DEVICE + ".key"), os.path.join("devices", DEVICE + ".pem")):
            mode = stat.S_IMODE(os.stat(self.path(rel)).st_mode)
            self.assertEqual(mode, 0o600, "%s has mode %o" % (rel, mode))
        for rel in ("", "devices"):
            mode = stat.S_IMODE(os.stat(self.path(rel)).st_mode)
            self.assertEqual(mode, 0o700, "directory %r has mode %o" % (rel, mode))
        with open(self.path("ca.key")) as f:
            self.assertIn("-----BEGIN EC PRIVATE KEY-----", f.read())

    def test_psk(self):
        with open(self.path("psk.txt")) as f:
            lines = f.read().splitlines()
        self.assertTrue(lines and all(PSK_LINE_RE.match(line) for line in lines), lines)
        self.assertIn(DEVICE, [line.split(":")[0] for line in lines])
        key = dict(line.split(":") for line in lines)[DEVICE]
        self.assertIn(DEVICE, self.psk_out)
        self.assertNotIn(key, self.psk_out)  # the key is printed only with --print
        p = pki(self.d, "issue-psk", "gateway.2", "--print")
        with open(self.path("psk.txt")) as f:
            new = f.read().splitlines()
        self.assertEqual(new[:len(lines)], lines)
        self.assertEqual(len(new), len(lines) + 1)
        self.assertTrue(PSK_LINE_RE.match(new[-1]) and new[-1].startswith("gateway.2:"), new[-1])
        self.assertIn(new[-1], out(p))
        self.assertNotEqual(new[-1].split(":")[1], key)

    def test_duplicate_psk_refused(self):
        before = snapshot(self.d)
        p = pki(self.d, "issue-psk", DEVICE, check=False)
        self.assertEqual(p.returncode, 1, out(p))
        self.assertIn("already exists", out(p))
        self.assertIn("psk.txt", out(p))
        for bad in ("../evil", "a:b", "", "-x"):
            p = pki(self.d, "issue-psk", bad, check=False)
            self.assertEqual(p.returncode, 2, bad + ": " + out(p))
        self.assertEqual(snapshot(self.d), before)

    def test_psk_file_with_wide_mode_refused(self):
        d = os.path.join(self.tmp, "widepsk")
        os.makedirs(d)
        with open(os.path.join(d, "psk.txt"), "w") as f:
            f.write("old:" + "0" * 64)
        os.chmod(os.path.join(d, "psk.txt"), 0o644)
        p = pki(d, "issue-psk", "new", check=False)
        self.assertEqual(p.returncode, 1, out(p))
        self.assertIn("0644", out(p))
        os.chmod(os.path.join(d, "psk.txt"), 0o600)
        pki(d, "issue-psk", "new")
        with open(os.path.join(d, "psk.txt")) as f:
            lines = f.read().splitlines()  # a line without its newline got one before ours
        self.assertEqual(len(lines), 2)
        self.assertTrue(all(PSK_LINE_RE.match(line) for line in lines), lines)

    def test_no_overwrite_without_force(self):
        before = snapshot(self.d)
        for args in (("init",), ("issue-server",), ("issue-device", DEVICE)):
            p = pki(self.d, *args, check=False)
            self.assertEqual(p.returncode, 1, out(p))
            self.assertIn("already exists", out(p))
            self.assertIn("--force", out(p))
        self.assertIn(self.path("ca.key"), out(pki(self.d, "init", check=False)))
        self.assertEqual(snapshot(self.d), before)

    def test_force_replaces(self):
        d = os.path.join(self.tmp, "force")
        pki(d, "init")
        with open(os.path.join(d, "ca.key"), "rb") as f:
            old = f.read()
        pki(d, "init", "--force")
        with open(os.path.join(d, "ca.key"), "rb") as f:
            self.assertNotEqual(f.read(), old)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(d, "ca.key")).st_mode), 0o600)
        self.assertEqual(sorted(os.listdir(d)), ["ca.key", "ca.pem"])  # no temporaries left

    def test_issue_without_ca(self):
        d = os.path.join(self.tmp, "empty")
        for args in (("issue-server",), ("issue-device", "x")):
            p = pki(d, *args, check=False)
            self.assertEqual(p.returncode, 1, out(p))
            self.assertIn("ca.key", out(p))
            self.assertIn("tern pki init", out(p))

    def test_usage(self):
        p = th.tern_cli("pki", "--help")
        for sub in ("init", "issue-server", "issue-device", "issue-psk", "revoke", "--dir", "--force",
                    "--host"):
            self.assertIn(sub, out(p))
        self.assertIn("pki", out(th.tern_cli("--help")))
        for args in ((), ("issue-device",), ("revoke",), ("init", "extra"), ("frobnicate",)):
            p = th.tern_cli("pki", *args, check=False)
            self.assertEqual(p.returncode, 2, "%s: %s" % (args, out(p)))

    def test_revoke(self):
        d = os.path.join(self.tmp, "revoke")
        pki(d, "init")
        for name in ("good", "bad"):
            pki(d, "issue-device", name)
        ca, crl = os.path.join(d, "ca.pem"), os.path.join(d, "crl.pem")
        dev = lambda name: os.path.join(d, "devices", name + ".pem")  # noqa: E731
        serial = lambda name: out(openssl("x509", "-noout", "-serial", "-in", dev(name))).strip()[7:]  # noqa: E731
        self.assertFalse(os.path.exists(crl))
        self.assertIn("bad", out(pki(d, "revoke", "bad")))
        self.assertEqual(stat.S_IMODE(os.stat(crl).st_mode), 0o600)
        p = openssl("crl", "-in", crl, "-CAfile", ca, "-noout", check=False)
        self.assertEqual(p.returncode, 0, out(p))
        self.assertIn("verify OK", out(p))  # signed by our CA
        text = out(openssl("crl", "-in", crl, "-noout", "-text"))
        self.assertIn("Serial Number: " + serial("bad"), text)
        self.assertNotIn(serial("good"), text)
        self.assertIn("X509v3 CRL Number", text)
        self.assertIn("X509v3 Authority Key Identifier", text)
        p = openssl("verify", "-crl_check", "-CRLfile", crl, "-CAfile", ca, dev("bad"), check=False)
        self.assertNotEqual(p.returncode, 0, out(p))
        self.assertIn("certificate revoked", out(p))
        p = openssl("verify", "-crl_check", "-CRLfile", crl, "-CAfile", ca, dev("good"), check=False)
        self.assertEqual(p.returncode, 0, out(p))
        # Revoking again keeps one entry; revoking another adds one and keeps the first.
        pki(d, "revoke", "bad")
        self.assertEqual(out(openssl("crl", "-in", crl, "-noout", "-text")).count("Serial Number:"), 1)
        pki(d, "revoke", "good")
        text = out(openssl("crl", "-in", crl, "-noout", "-text"))
        self.assertIn(serial("bad"), text)
        self.assertIn(serial("good"), text)
        p = pki(d, "revoke", "nobody", check=False)
        self.assertEqual(p.returncode, 1, out(p))
        self.assertIn(os.path.join("devices", "nobody.pem"), out(p))
        # A certificate of another CA is not ours to revoke.
        other = os.path.join(self.tmp, "revoke-other")
        pki(other, "init")
        pki(other, "issue-device", "stranger")
        for ext in (".pem", ".key"):
            shutil.copy(os.path.join(other, "devices", "stranger" + ext), os.path.join(d, "devices"))
        p = pki(d, "revoke", "stranger", check=False)
        self.assertEqual(p.returncode, 1, out(p))
        self.assertIn("not issued by this CA", out(p))

    def test_mutual_tls_handshake(self):
        port = th.free_port()
        server = subprocess.Popen(
            [OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", self.path("server.pem"),
             "-key", self.path("server.key"), "-CAfile", self.path("ca.pem"), "-Verify", "1",
             "-verify_return_error"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            preexec_fn=th.die_with_parent)
        log = b""
        try:
            deadline = time.time() + 15
            while b"ACCEPT" not in log and time.time() < deadline and server.poll() is None:
                ready, _, _ = select.select([server.stdout], [], [], 0.5)
                if ready:
                    log += os.read(server.stdout.fileno(), 65536)
            self.assertIn(b"ACCEPT", log, "s_server did not start")

            def client(*extra):
                return openssl("s_client", "-connect", "127.0.0.1:%d" % port, "-CAfile",
                               self.path("ca.pem"), "-verify_return_error", "-verify_ip", "127.0.0.1",
                               "-brief", *extra, input=b"", check=False, timeout=20)

            device = ("-cert", self.path("devices", DEVICE + ".pem"),
                      "-key", self.path("devices", DEVICE + ".key"))
            for version in ("-tls1_3", "-tls1_2"):
                p = client(version, *device)
                self.assertEqual(p.returncode, 0, out(p))
                self.assertIn("Verification: OK", out(p))
                self.assertRegex(out(p), r"Peer certificate: CN\s*=\s*localhost")
                self.assertIn("Signature type: ECDSA", out(p))
            # Without a client certificate the server (-Verify) refuses the handshake.
            p = client("-tls1_2")
            self.assertNotEqual(p.returncode, 0, out(p))
            self.assertIn("alert handshake failure", out(p))
            # A client that expects another CA refuses the server...
            other = os.path.join(self.tmp, "other")
            pki(other, "init")
            pki(other, "issue-device", "intruder")
            p = openssl("s_client", "-connect", "127.0.0.1:%d" % port, "-CAfile",
                        os.path.join(other, "ca.pem"), "-verify_return_error", "-brief", "-tls1_2",
                        *device, input=b"", check=False, timeout=20)
            self.assertNotEqual(p.returncode, 0, out(p))
            self.assertIn("certificate verify failed", out(p))
            # ...and the server refuses a device certificate from another CA.
            p = client("-tls1_2", "-cert", os.path.join(other, "devices", "intruder.pem"),
                       "-key", os.path.join(other, "devices", "intruder.key"))
            self.assertNotEqual(p.returncode, 0, out(p))
            self.assertIn("alert unknown ca", out(p))
            self.assertEqual(server.poll(), None, "s_server exited: " + log.decode())
        finally:
            server.kill()
            server.wait(10)
            log += server.stdout.read()
            server.stdout.close()
            server.stdin.close()
        text = log.decode("utf-8", "replace")
        self.assertRegex(text, r"subject=CN\s*=\s*%s\n" % DEVICE)  # the client certificate it saw
        self.assertIn("peer did not return a certificate", text)
        self.assertNotRegex(text, r"subject=CN\s*=\s*intruder")  # never accepted


if __name__ == "__main__":
    unittest.main(verbosity=2)
