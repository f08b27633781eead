"""SASL/PLAIN (issue 6; SCRAM is in test_sasl_scram.py): SASL_SSL with kcat (librdkafka 2.0.2: SaslHandshake v1 + SaslAuthenticate
v0 over OpenSSL), SASL_PLAINTEXT on the raw wire (SaslAuthenticate v2, flexible), and the
authenticated principal feeding the ACLs.

Users are made with `tern passwd`; the CA and server certificate with the openssl CLI. The ACL file
lets User:u Write and Read topic `t`; User:v is a valid user with no rights there.
"""

import os
import re
import stat
import tempfile
import unittest

import kafka_raw as kr
from kafka_raw import KafkaConnection
from tern_harness import Hub, create_topic, run, tern_cli

PASSWORDS = {"u": "u-secret-Pw1", "v": "v-secret-Pw2"}
WRONG = "not-the-Password-9"
TOPIC = "t"
SASL_HANDSHAKE, SASL_AUTHENTICATE, METADATA, API_VERSIONS = 17, 36, 3, 18


def make_ca_and_server(d):
    def p(name):
        return os.path.join(d, name)

    for name in ("ca", "server"):
        run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", p(name + ".key")])
    run(["openssl", "req", "-x509", "-new", "-key", p("ca.key"), "-subj", "/CN=Tern SASL CA",
         "-days", "3650", "-sha256", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", p("ca.pem")])
    run(["openssl", "req", "-new", "-key", p("server.key"), "-subj", "/CN=localhost",
         "-out", p("server.csr")])
    with open(p("server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run(["openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey",
         p("ca.key"), "-CAcreateserial", "-days", "3650", "-sha256", "-extfile", p("server.ext"),
         "-out", p("server.pem")])


def make_sasl_dir(prefix, passwords):
    """A temporary directory with ca.pem, server.pem/.key and users.txt holding `passwords`
    ({user: password}, written by `tern passwd` with its default mechanisms). Returns the
    TemporaryDirectory and the users file's path."""
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    make_ca_and_server(tmp.name)
    users = os.path.join(tmp.name, "users.txt")
    for user, password in passwords.items():
        tern_cli("passwd", "--file", users, "--user", user, input=password + "\n")
    return tmp, users


def assert_cli_refused(test, port, config, expected, secret):
    """`tern topics --list` with --command-config `config` exits 1 saying the SASL login failed
    and `expected`, without showing `secret`. Returns its stderr."""
    p = tern_cli("topics", "--bootstrap-server", "127.0.0.1:%d" % port, "--list",
                 "--command-config", config, check=False)
    test.assertEqual(p.returncode, 1, p)
    err = p.stderr.decode()
    test.assertIn("SASL authentication failed", err)
    test.assertIn(expected, err)
    test.assertNotIn(secret, err)
    return err


class SaslHubCase(unittest.TestCase):
    """A hub (cls.hub) and a temporary directory (cls.tmp) for the whole class, set up by the
    subclass; every test must leave the hub alive."""

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()
        cls.tmp.cleanup()

    def tearDown(self):
        self.hub.assert_alive()


class SaslTest(SaslHubCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.users = make_sasl_dir("tern-sasl-", PASSWORDS)
        d = cls.dir = cls.tmp.name
        cls.acl = os.path.join(d, "hub.acl")
        for op in ("Write", "Read"):
            tern_cli("acls", "--acl-file", cls.acl, "--add", "--allow-principal", "User:u",
                     "--operation", op, "--topic", TOPIC)
        # The topic exists before the ACLs apply (nobody may create it under them).
        cls.hub = Hub(name="sasl").start()
        create_topic(cls.hub, TOPIC, 1)
        cls.hub.stop()
        cls.hub.extra_args = [
            "--listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
            "--ssl.certificate.location", os.path.join(d, "server.pem"),
            "--ssl.key.location", os.path.join(d, "server.key"),
            "--sasl.plain.users.location", cls.users,
            "--authorizer.acl.file", cls.acl]
        cls.hub.start()
        cls.ssl_port = cls.hub.listener_port("SASL_SSL")
        cls.plain_port = cls.hub.listener_port("SASL_PLAINTEXT")
        assert cls.ssl_port and cls.plain_port, cls.hub.log_text()


    def kcat(self, user, password, *args, input=None, check=True):
        cmd = ["kcat", "-b", "127.0.0.1:%d" % self.ssl_port, "-m", "8",
               "-X", "security.protocol=sasl_ssl", "-X", "sasl.mechanisms=PLAIN",
               "-X", "sasl.username=" + user, "-X", "sasl.password=" + password,
               "-X", "ssl.ca.location=" + os.path.join(self.dir, "ca.pem")]
        return run(cmd + list(args), input=input, check=check, timeout=60, hub=self.hub)

    def consume_as_u(self):
        out = self.kcat("u", PASSWORDS["u"], "-C", "-t", TOPIC, "-e", "-q", "-o", "beginning",
                        "-f", "%s\n").stdout.decode()
        return out.splitlines()

    # ---- the password file ---------------------------------------------------------------------

    def test_password_file_has_hashes_only(self):
        mode = stat.S_IMODE(os.stat(self.users).st_mode)
        self.assertEqual(mode, 0o600)
        text = open(self.users).read()
        for password in PASSWORDS.values():
            self.assertNotIn(password, text)
        lines = [l for l in text.splitlines() if l and not l.startswith("#")]
        self.assertEqual(len(lines), 6)  # PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 lines per user
        plain = sorted(l for l in lines if ":pbkdf2-sha256:" in l)
        for user, line in zip(sorted(PASSWORDS), plain):
            self.assertRegex(line, r"^%s:pbkdf2-sha256:\d+:[0-9a-f]{32}:[0-9a-f]{64}$" % user)

    def test_bad_password_file_stops_startup(self):
        bad = os.path.join(self.dir, "bad-users.txt")
        with open(bad, "w") as f:
            f.write("# users\nu:pbkdf2-sha256:100000:00:zz\n")
        p = run([self.hub.bin, "serve", "--listeners", "SASL_PLAINTEXT://127.0.0.1:0",
                 "--log.dirs", os.path.join(self.dir, "bad-data"),
                 "--sasl.plain.users.location", bad], check=False, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        err = (p.stdout + p.stderr).decode()
        self.assertIn("sasl.plain.users.location", err)
        self.assertIn("bad-users.txt:2", err)

    # ---- the tern CLI as a SASL client (--command-config) -------------------------------------

    def command_config(self, name, protocol, user, password):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("security.protocol=%s\nsasl.mechanism=PLAIN\nsasl.username=%s\n"
                    "sasl.password=%s\nssl.ca.location=%s\n"
                    # The brokers are advertised as 127.0.0.1: Mbed TLS 2.28 cannot check IP SANs.
                    "ssl.endpoint.identification.algorithm=none\n"
                    % (protocol, user, password, os.path.join(self.dir, "ca.pem")))
        return path

    def test_3_cli_produces_and_consumes_over_sasl(self):
        ssl_config = self.command_config("u-ssl.properties", "SASL_SSL", "u", PASSWORDS["u"])
        plain_config = self.command_config("u-plain.properties", "SASL_PLAINTEXT", "u",
                                           PASSWORDS["u"])
        before = self.consume_as_u()
        tern_cli("produce", "--bootstrap-server", "127.0.0.1:%d" % self.ssl_port, "--topic", TOPIC,
                 "--command-config", ssl_config, input="cli-1\ncli-2\n")
        out = tern_cli("consume", "--bootstrap-server", "127.0.0.1:%d" % self.plain_port,
                       "--topic", TOPIC, "--from-beginning", "--max-messages", str(len(before) + 2),
                       "--timeout-ms", "10000", "--command-config", plain_config).stdout.decode()
        self.assertEqual(out.splitlines(), before + ["cli-1", "cli-2"])
        self.assertEqual(self.consume_as_u(), before + ["cli-1", "cli-2"])

    def test_cli_with_a_wrong_password_is_refused(self):
        config = self.command_config("u-wrong.properties", "SASL_SSL", "u", WRONG)
        assert_cli_refused(self, self.ssl_port, config, "Authentication failed", secret=WRONG)

    # ---- kcat over SASL_SSL --------------------------------------------------------------------

    def test_1_produce_and_consume(self):
        before = self.consume_as_u()
        lines = ["sasl-%d" % i for i in range(5)]
        self.kcat("u", PASSWORDS["u"], "-P", "-t", TOPIC, "-X", "acks=all",
                  input="".join(l + "\n" for l in lines))
        self.assertEqual(self.consume_as_u(), before + lines)
        self.assertRegex(self.hub.wait_log(r"SASL/PLAIN authenticated as User:u"),
                         r"SASL/PLAIN authenticated as User:u")

    def check_refused(self, user, password):
        p = self.kcat(user, password, "-L", check=False)
        err = p.stderr.decode()
        self.assertNotEqual(p.returncode, 0, err)
        self.assertIn("SASL authentication error", err)
        self.assertIn("Authentication failed", err)
        refused = r"SASL_AUTHENTICATION_FAILED for user '%s'" % re.escape(user)
        log = self.hub.wait_log(refused)
        self.assertRegex(log, refused)
        self.assertNotIn(password, log)

    def test_wrong_password_fails(self):
        self.check_refused("u", WRONG)

    def test_unknown_user_fails(self):
        self.check_refused("nobody", PASSWORDS["u"])

    # ---- ACLs see the SASL principal -----------------------------------------------------------

    def test_2_principal_feeds_acls(self):
        before = self.consume_as_u()
        p = self.kcat("v", PASSWORDS["v"], "-P", "-t", TOPIC, "-X", "acks=all",
                      "-X", "message.timeout.ms=5000", input="from-v\n", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Topic authorization failed", p.stderr.decode())
        # librdkafka stops at Metadata (Describe, implied by Write for u, absent for v).
        denied = r"authorization denied: principal User:v operation (Describe|Write) on Topic:t"
        self.assertRegex(self.hub.wait_log(denied), denied)
        self.assertEqual(self.consume_as_u(), before)  # nothing was written

    # ---- the raw wire on SASL_PLAINTEXT --------------------------------------------------------

    def raw(self):
        c = KafkaConnection("127.0.0.1", self.plain_port)
        self.addCleanup(c.close)
        return c

    def metadata(self, c):
        r = c.call(METADATA, 1, kr.array([TOPIC], kr.string))
        return r.remaining()

    def assert_closed(self, c):
        closed, got = c.wait_closed(timeout=5)
        self.assertTrue(closed)
        self.assertEqual(got, b"")

    def handshake(self, c, mechanism):
        r = c.call(SASL_HANDSHAKE, 1, kr.string(mechanism))
        return r.i16(), r.array(lambda rr: rr.string())

    def authenticate_v2(self, c, user, password):
        token = b"\0" + user.encode() + b"\0" + password.encode()
        r = c.call(SASL_AUTHENTICATE, 2, kr.uvarint(len(token) + 1) + token + kr.uvarint(0),
                   header_version=2, flexible_response=True)
        error = r.i16()
        n = r.uvarint()
        message = r._take(n - 1).decode() if n else None
        return error, message

    def test_metadata_before_authentication_closes(self):
        c = self.raw()
        self.assertEqual(c.call(API_VERSIONS, 0, b"").i16(), 0)  # allowed before authentication
        c.send_request(METADATA, 1, kr.array([TOPIC], kr.string))
        self.assert_closed(c)

    def test_unsupported_mechanism(self):
        c = self.raw()
        error, mechanisms = self.handshake(c, "GSSAPI")
        self.assertEqual((error, mechanisms), (33, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]))

    def test_handshake_v0_refused(self):
        c = self.raw()
        r = c.call(SASL_HANDSHAKE, 0, kr.string("PLAIN"))
        self.assertEqual(r.i16(), 35)  # UNSUPPORTED_VERSION: no raw-token framing

    def test_raw_authenticate_v2(self):
        c = self.raw()
        self.assertEqual(self.handshake(c, "PLAIN"), (0, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]))
        self.assertEqual(self.authenticate_v2(c, "u", PASSWORDS["u"]), (0, None))
        self.assertGreater(self.metadata(c), 0)

    def test_raw_wrong_password_v2_then_closed(self):
        c = self.raw()
        self.assertEqual(self.handshake(c, "PLAIN")[0], 0)
        error, message = self.authenticate_v2(c, "v", WRONG)
        self.assertEqual(error, 58)
        self.assertIn("Authentication failed", message)
        self.assert_closed(c)


if __name__ == "__main__":
    unittest.main(verbosity=2)
