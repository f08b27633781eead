"""The firmware's Mbed TLS transport adapter (firmware/transport/mbedtls) end to end against
`openssl s_server -rev` (an independent TLS implementation that echoes lines reversed), driven by
tls_echo_check over the POSIX socket transport: PSK mode, certificate mode with server-name
verification, mutual TLS with a client certificate, and the failures that must be refused (wrong
PSK, wrong name, untrusted CA, missing client certificate). The hub's own TLS listener arrives
with the TLS issue; this covers the adapter until then."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fw_e2e as fw  # noqa: E402
import tern_harness as th  # noqa: E402

PSK = "0123456789abcdef0123456789abcdef"


def openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    if p.returncode != 0:
        raise AssertionError("openssl %s failed:\n%s" % (" ".join(args), p.stdout.decode()))


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", "2",
            "-subj", "/CN=" + name, cwd=d)


def make_leaf(d, name, ca, san):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name, cwd=d)
    with open(os.path.join(d, name + ".ext"), "w") as f:
        f.write("subjectAltName=%s\n" % san)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext",
            cwd=d)


class TlsAdapterAgainstOpenSSL(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if shutil.which("openssl") is None:
            raise AssertionError("openssl not found (Debian: openssl)")
        cls.tool = os.environ.get("TLS_ECHO_CHECK")
        if not cls.tool or not os.access(cls.tool, os.X_OK):
            raise AssertionError("TLS_ECHO_CHECK=%r is not an executable (build target "
                                 "tls_echo_check; needs libmbedtls-dev)" % cls.tool)
        cls.dir = tempfile.mkdtemp(prefix="tern-fw-tls-")
        make_ca(cls.dir, "ca")
        make_ca(cls.dir, "other-ca")
        make_leaf(cls.dir, "server", "ca", "DNS:hub.test,IP:127.0.0.1")
        make_leaf(cls.dir, "client", "ca", "DNS:node-7")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def echo(self, server_args, client_args, message="reading 42 from node-7"):
        """Runs one s_server connection and the adapter against it; returns (rc, output)."""
        port = th.free_port()
        server = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                                   "-rev", "-naccept", "1", "-tls1_2"] + server_args,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, preexec_fn=fw.die_with_parent)
        try:
            line = server.stdout.readline().decode()
            deadline = time.monotonic() + 10
            while "ACCEPT" not in line and time.monotonic() < deadline:
                if not line:
                    raise AssertionError("s_server did not start")
                line = server.stdout.readline().decode()
            p = subprocess.run([self.tool, "127.0.0.1", str(port), message] + client_args,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            return p.returncode, p.stdout.decode("utf-8", "replace")
        finally:
            server.kill()
            server.wait()
            server.stdout.close()

    def ok(self, server_args, client_args):
        rc, out = self.echo(server_args, client_args)
        self.assertEqual(rc, 0, out)
        self.assertIn("reply: 7-edon morf 24 gnidaer", out)

    def refused(self, server_args, client_args):
        rc, out = self.echo(server_args, client_args)
        self.assertEqual(rc, 3, "the handshake should have failed:\n" + out)
        self.assertIn("connect failed", out)

    def test_psk(self):
        server = ["-nocert", "-psk", PSK, "-psk_identity", "node-7", "-cipher", "PSK"]
        self.ok(server, ["--psk", PSK, "node-7"])
        self.refused(server, ["--psk", "ff" * 16, "node-7"])

    def test_certificates(self):
        server = ["-cert", self.path("server.pem"), "-key", self.path("server.key")]
        self.ok(server, ["--ca", self.path("ca.pem"), "--name", "hub.test"])
        self.refused(server, ["--ca", self.path("ca.pem"), "--name", "other.test"])
        self.refused(server, ["--ca", self.path("other-ca.pem"), "--name", "hub.test"])

    def test_mutual_tls(self):
        server = ["-cert", self.path("server.pem"), "-key", self.path("server.key"),
                  "-Verify", "1", "-CAfile", self.path("ca.pem")]
        self.ok(server, ["--ca", self.path("ca.pem"), "--name", "hub.test",
                         "--cert", self.path("client.pem"), "--key", self.path("client.key")])
        self.refused(server, ["--ca", self.path("ca.pem"), "--name", "hub.test"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
