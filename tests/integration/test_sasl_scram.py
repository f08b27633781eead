"""SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802/7677, Kafka's rules) on SASL_PLAINTEXT and
SASL_SSL listeners, driven by clients that do not share our SCRAM code:
- kcat (librdkafka + OpenSSL) produces and consumes with each mechanism on each listener;
- kafkajs 2.2.4 (tests/compat/kafkajs/node_modules) produces and consumes in a group;
- an independent Python SCRAM client (hashlib/hmac) on the raw wire checks the server's
  signature, Kafka's refusals (tokenauth, channel binding, malformed messages), that an unknown
  user is answered like a wrong password, and that the failed-login limiter counts SCRAM failures;
- the tern CLI (--command-config sasl.mechanism=...) produces and consumes, and refuses a broker
  whose server signature is wrong (a relay alters server-final).

Users come from `tern passwd` (one line per mechanism); `legacy` has only a pbkdf2-sha256 line
(as written before SCRAM existed) and logs in with SCRAM-SHA-256 from it.
"""

import base64
import hashlib
import hmac
import json
import os
import socket
import tempfile
import threading
import unittest

import kafka_raw as kr
from kafka_raw import KafkaConnection
from tern_harness import Hub, create_topic, run, tern_bin, tern_cli
from test_sasl import SaslHubCase, assert_cli_refused, make_sasl_dir

# u logs in, x is refused (wrong passwords), w meets the failed-login limit.
PASSWORDS = {"u": "u-scram-Pw1", "legacy": "legacy-Pw2", "w": "w-limited-Pw3", "x": "x-refused-Pw4"}
WRONG = "not-the-Password-9"
SASL_HANDSHAKE, SASL_AUTHENTICATE, METADATA = 17, 36, 3
ERR_UNSUPPORTED_MECHANISM, ERR_ILLEGAL_STATE, ERR_AUTH_FAILED = 33, 34, 58
MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")
HASHES = {"SCRAM-SHA-256": hashlib.sha256, "SCRAM-SHA-512": hashlib.sha512}
KAFKAJS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat", "kafkajs")

KAFKAJS_SCRIPT = r"""
const { Kafka, logLevel } = require('kafkajs');
const fs = require('fs');
const [broker, mechanism, username, password, ca, topic, count] = process.argv.slice(1);
const n = parseInt(count, 10);
async function main() {
  const kafka = new Kafka({
    clientId: 'scram-test', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    ssl: ca ? { ca: [fs.readFileSync(ca, 'utf-8')] } : false,
    sasl: { mechanism, username, password } });
  const producer = kafka.producer();
  if (n === 0) {  // only log in: report how it went
    try { await producer.connect(); console.log(JSON.stringify({ ok: true })); }
    catch (e) { console.log(JSON.stringify({ ok: false, type: e.name, message: e.message })); }
    await producer.disconnect();
    return;
  }
  await producer.connect();
  const values = Array.from({ length: n }, (_, i) => `kjs-${mechanism}-${i}`);
  await producer.send({ topic, acks: -1, messages: values.map(v => ({ value: v })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'g-' + topic });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('consumed only ' + got.length)), 60000);
    consumer.run({ eachMessage: async ({ message }) => {
      got.push(message.value.toString());
      if (got.length >= n) { clearTimeout(timer); resolve(); }
    } });
  });
  await consumer.disconnect();
  console.log(JSON.stringify({ produced: values, consumed: got }));
}
main().catch(e => { console.error(String((e && e.stack) || e)); process.exit(1); });
"""


def b64(b):
    return base64.b64encode(b).decode()


class RawScram:
    """An independent SCRAM client over SaslAuthenticate v0 (hashlib + hmac, not our C++)."""

    def __init__(self, port, mechanism):
        self.c = KafkaConnection("127.0.0.1", port)
        self.mechanism = mechanism
        self.h = HASHES[mechanism]

    def close(self):
        self.c.close()

    def handshake(self, mechanism=None):
        r = self.c.call(SASL_HANDSHAKE, 1, kr.string(mechanism or self.mechanism))
        return r.i16(), r.array(lambda rr: rr.string())

    def authenticate(self, token):
        """(error, message, server token) of one SaslAuthenticate v0."""
        r = self.c.call(SASL_AUTHENTICATE, 0, kr.nbytes(token))
        return r.i16(), r.string(), r.nbytes()

    def first(self, user, client_first=None):
        self.nonce = b64(os.urandom(18))
        self.bare = "n=%s,r=%s" % (user, self.nonce)
        return self.authenticate((client_first or ("n,," + self.bare)).encode())

    def final(self, server_first, password, proof_tweak=0):
        attrs = dict(a.split("=", 1) for a in server_first.split(","))
        self.salted = hashlib.pbkdf2_hmac(self.h().name, password.encode(), base64.b64decode(attrs["s"]),
                                          int(attrs["i"]))
        client_key = hmac.new(self.salted, b"Client Key", self.h).digest()
        without_proof = "c=biws,r=" + attrs["r"]
        self.auth_message = ",".join([self.bare, server_first, without_proof]).encode()
        signature = hmac.new(self.h(client_key).digest(), self.auth_message, self.h).digest()
        proof = bytearray(a ^ b for a, b in zip(client_key, signature))
        proof[0] ^= proof_tweak
        return self.authenticate((without_proof + ",p=" + b64(bytes(proof))).encode())

    def expected_server_final(self):
        server_key = hmac.new(self.salted, b"Server Key", self.h).digest()
        return "v=" + b64(hmac.new(server_key, self.auth_message, self.h).digest())

    def login(self, user, password):
        """(error, message) of a whole login; on success the server signature is checked."""
        error, _ = self.handshake()
        if error:
            return error, None
        error, message, server_first = self.first(user)
        if error:
            return error, message
        error, message, server_final = self.final(server_first.decode(), password)
        if error:
            return error, message
        assert server_final.decode() == self.expected_server_final(), server_final
        return 0, None


class TamperingRelay:
    """127.0.0.1 relay to `port` that flips one character of the first SCRAM server-final (the
    server->client chunk after one carrying server-first): a server without the user's keys."""

    def __init__(self, port):
        self.upstream = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.tampered = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, src, dst, from_server):
        seen_first = False
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                at = data.find(b"v=")
                if from_server and seen_first and not self.tampered and at >= 0:
                    flipped = b"A" if data[at + 2:at + 3] != b"A" else b"B"
                    data = data[:at + 2] + flipped + data[at + 3:]
                    self.tampered = True
                if from_server and b",s=" in data and b",i=" in data:
                    seen_first = True
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()


class SaslScramTest(SaslHubCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.users = make_sasl_dir("tern-scram-", {u: PASSWORDS[u] for u in ("u", "w", "x")})
        d = cls.dir = cls.tmp.name
        cls.ca = os.path.join(d, "ca.pem")
        tern_cli("passwd", "--file", cls.users, "--user", "legacy", "--mechanisms", "PLAIN",
                 "--iterations", "5000", input=PASSWORDS["legacy"] + "\n")
        cls.hub = Hub(name="scram", extra_args=[
            "--listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
            "--ssl.certificate.location", os.path.join(d, "server.pem"),
            "--ssl.key.location", os.path.join(d, "server.key"),
            "--sasl.plain.users.location", cls.users,
            "--group.initial.rebalance.delay.ms", "0"]).start()
        cls.ports = {"SASL_SSL": cls.hub.listener_port("SASL_SSL"),
                     "SASL_PLAINTEXT": cls.hub.listener_port("SASL_PLAINTEXT")}
        assert all(cls.ports.values()), cls.hub.log_text()
        cls.topics = 0


    def new_topic(self):
        SaslScramTest.topics += 1
        name = "scram-%d" % SaslScramTest.topics
        create_topic(self.hub, name, 1)
        return name

    def kcat(self, protocol, mechanism, user, password, *args, input=None, check=True):
        cmd = ["kcat", "-b", "127.0.0.1:%d" % self.ports[protocol], "-m", "10",
               "-X", "security.protocol=" + protocol.lower(), "-X", "sasl.mechanisms=" + mechanism,
               "-X", "sasl.username=" + user, "-X", "sasl.password=" + password]
        if protocol == "SASL_SSL":
            cmd += ["-X", "ssl.ca.location=" + self.ca]
        return run(cmd + list(args), input=input, check=check, timeout=60, hub=self.hub)

    def raw(self, mechanism, protocol="SASL_PLAINTEXT"):
        c = RawScram(self.ports[protocol], mechanism)
        self.addCleanup(c.close)
        return c

    # ---- the password file ---------------------------------------------------------------------

    def test_password_file_has_one_line_per_mechanism(self):
        lines = [l for l in open(self.users).read().splitlines() if l and not l.startswith("#")]
        kinds = sorted(tuple(l.split(":")[:2]) for l in lines)
        self.assertEqual(kinds, [("legacy", "pbkdf2-sha256"),
                                 ("u", "pbkdf2-sha256"), ("u", "scram-sha-256"), ("u", "scram-sha-512"),
                                 ("w", "pbkdf2-sha256"), ("w", "scram-sha-256"), ("w", "scram-sha-512"),
                                 ("x", "pbkdf2-sha256"), ("x", "scram-sha-256"), ("x", "scram-sha-512")])
        for line in lines:
            self.assertRegex(line, r"^\w+:(pbkdf2-sha256:\d+:[0-9a-f]{32}:[0-9a-f]{64}|"
                                   r"scram-sha-256:\d+:[0-9a-f]{32}:[0-9a-f]{64}:[0-9a-f]{64}|"
                                   r"scram-sha-512:\d+:[0-9a-f]{32}:[0-9a-f]{128}:[0-9a-f]{128})$")
        self.assertRegex(self.hub.wait_log(r"SASL \(PLAIN,SCRAM-SHA-256,SCRAM-SHA-512\): 4 users"),
                         "4 users")

    # ---- kcat (librdkafka) ---------------------------------------------------------------------

    def kcat_round_trip(self, protocol, mechanism):
        topic = self.new_topic()
        lines = ["%s-%s-%d" % (protocol, mechanism, i) for i in range(5)]
        self.kcat(protocol, mechanism, "u", PASSWORDS["u"], "-P", "-t", topic, "-X", "acks=all",
                  input="".join(l + "\n" for l in lines))
        out = self.kcat(protocol, mechanism, "u", PASSWORDS["u"], "-C", "-t", topic, "-e", "-q",
                        "-o", "beginning", "-f", "%s\n").stdout.decode()
        self.assertEqual(out.splitlines(), lines)
        self.hub.wait_log(r"SASL/%s authenticated as User:u" % mechanism)

    def test_kcat_sha256_plaintext(self):
        self.kcat_round_trip("SASL_PLAINTEXT", "SCRAM-SHA-256")

    def test_kcat_sha512_plaintext(self):
        self.kcat_round_trip("SASL_PLAINTEXT", "SCRAM-SHA-512")

    def test_kcat_sha256_ssl(self):
        self.kcat_round_trip("SASL_SSL", "SCRAM-SHA-256")

    def test_kcat_sha512_ssl(self):
        self.kcat_round_trip("SASL_SSL", "SCRAM-SHA-512")

    def test_kcat_legacy_pbkdf2_line_serves_sha256(self):
        p = self.kcat("SASL_PLAINTEXT", "SCRAM-SHA-256", "legacy", PASSWORDS["legacy"], "-L")
        self.assertIn("broker", p.stdout.decode())
        # No scram-sha-512 line: refused like a wrong password.
        p = self.kcat("SASL_PLAINTEXT", "SCRAM-SHA-512", "legacy", PASSWORDS["legacy"], "-L", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Authentication failed", p.stderr.decode())

    def test_kcat_wrong_password_and_unknown_user_fail(self):
        for user, password in (("x", WRONG), ("nobody", PASSWORDS["x"])):
            p = self.kcat("SASL_SSL", "SCRAM-SHA-512", user, password, "-L", check=False)
            err = p.stderr.decode()
            self.assertNotEqual(p.returncode, 0, err)
            self.assertIn("Authentication failed", err)
            self.assertNotIn(password, err)
            self.hub.wait_log(r"SASL_AUTHENTICATION_FAILED for user '%s'" % user)
        self.assertNotIn(WRONG, self.hub.log_text(5000))

    # ---- kafkajs -------------------------------------------------------------------------------

    def kafkajs(self, protocol, mechanism, user, password, topic="", count=0):
        self.assertTrue(os.path.isdir(os.path.join(KAFKAJS_DIR, "node_modules", "kafkajs")),
                        "kafkajs is not installed: run `npm ci` in %s" % KAFKAJS_DIR)
        env = dict(os.environ, NODE_PATH=os.path.join(KAFKAJS_DIR, "node_modules"),
                   KAFKAJS_NO_PARTITIONER_WARNING="1")
        ca = self.ca if protocol == "SASL_SSL" else ""
        p = run([os.environ.get("NODE", "node"), "-e", KAFKAJS_SCRIPT, "127.0.0.1:%d" % self.ports[protocol],
                 mechanism.lower(), user, password, ca, topic, str(count)],
                timeout=120, check=False, env=env, hub=self.hub)
        self.assertEqual(p.returncode, 0, p.stderr.decode() + self.hub.log_text(40))
        return json.loads(p.stdout.decode().strip().splitlines()[-1])

    def test_kafkajs_produce_and_consume(self):
        for protocol, mechanism in (("SASL_PLAINTEXT", "SCRAM-SHA-256"), ("SASL_SSL", "SCRAM-SHA-512"),
                                    ("SASL_SSL", "SCRAM-SHA-256"), ("SASL_PLAINTEXT", "SCRAM-SHA-512")):
            with self.subTest(protocol=protocol, mechanism=mechanism):
                topic = self.new_topic()
                seen = self.kafkajs(protocol, mechanism, "u", PASSWORDS["u"], topic, 20)
                self.assertEqual(seen["consumed"], seen["produced"])
                self.assertEqual(len(seen["produced"]), 20)

    def test_kafkajs_wrong_password_fails(self):
        seen = self.kafkajs("SASL_PLAINTEXT", "SCRAM-SHA-256", "x", WRONG)
        self.assertFalse(seen["ok"])
        self.assertEqual(seen["type"], "KafkaJSSASLAuthenticationError", seen)
        self.assertIn("Authentication failed", seen["message"])

    # ---- the tern CLI --------------------------------------------------------------------------

    def command_config(self, name, protocol, mechanism, password, user="u"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("security.protocol=%s\nsasl.mechanism=%s\nsasl.username=%s\nsasl.password=%s\n"
                    "ssl.ca.location=%s\nssl.endpoint.identification.algorithm=none\n"
                    % (protocol, mechanism, user, password, self.ca))
        return path

    def test_cli_produces_and_consumes_over_scram(self):
        topic = self.new_topic()
        produce = self.command_config("p.properties", "SASL_SSL", "SCRAM-SHA-256", PASSWORDS["u"])
        consume = self.command_config("c.properties", "SASL_PLAINTEXT", "SCRAM-SHA-512", PASSWORDS["u"])
        tern_cli("produce", "--bootstrap-server", "127.0.0.1:%d" % self.ports["SASL_SSL"], "--topic", topic,
                 "--command-config", produce, input="cli-1\ncli-2\ncli-3\n", hub=self.hub)
        out = tern_cli("consume", "--bootstrap-server", "127.0.0.1:%d" % self.ports["SASL_PLAINTEXT"],
                       "--topic", topic, "--from-beginning", "--max-messages", "3", "--timeout-ms", "10000",
                       "--command-config", consume, hub=self.hub).stdout.decode()
        self.assertEqual(out.splitlines(), ["cli-1", "cli-2", "cli-3"])
        # What the CLI wrote, read back by librdkafka.
        got = self.kcat("SASL_PLAINTEXT", "SCRAM-SHA-512", "u", PASSWORDS["u"], "-C", "-t", topic, "-e",
                        "-q", "-o", "beginning", "-f", "%s\n").stdout.decode()
        self.assertEqual(got.splitlines(), ["cli-1", "cli-2", "cli-3"])

    def test_cli_wrong_password_is_refused(self):
        config = self.command_config("wrong.properties", "SASL_PLAINTEXT", "SCRAM-SHA-512", WRONG, user="x")
        assert_cli_refused(self, self.ports["SASL_PLAINTEXT"], config,
                           "invalid credentials with SASL mechanism SCRAM-SHA-512", secret=WRONG)

    def test_cli_refuses_a_wrong_server_signature(self):
        relay = TamperingRelay(self.ports["SASL_PLAINTEXT"])
        self.addCleanup(relay.close)
        config = self.command_config("relay.properties", "SASL_PLAINTEXT", "SCRAM-SHA-256", PASSWORDS["u"])
        assert_cli_refused(self, relay.port, config, "server's signature is wrong", secret=PASSWORDS["u"])
        self.assertTrue(relay.tampered)

    # ---- the raw wire --------------------------------------------------------------------------

    def test_raw_logins_check_the_server_signature(self):
        for mechanism in MECHANISMS:
            c = self.raw(mechanism)
            self.assertEqual(c.login("u", PASSWORDS["u"]), (0, None))  # server-final checked
            r = c.c.call(METADATA, 1, kr.array([], kr.string))
            self.assertGreater(r.remaining(), 0)  # authenticated: Metadata is answered

    def test_handshake_lists_enabled_mechanisms(self):
        c = self.raw("SCRAM-SHA-256")
        self.assertEqual(c.handshake("GSSAPI"),
                         (ERR_UNSUPPORTED_MECHANISM, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]))
        self.assertEqual(c.handshake("SCRAM-SHA-512")[0], 0)

    def test_authenticate_before_handshake_is_illegal(self):
        c = self.raw("SCRAM-SHA-256")
        error, message, _ = c.first("u")
        self.assertEqual(error, ERR_ILLEGAL_STATE)
        self.assertIn("SaslHandshake", message)

    def assert_refused(self, c, error, message, expected):
        self.assertEqual(error, ERR_AUTH_FAILED)
        self.assertIn(expected, message)
        closed, _ = c.c.wait_closed(timeout=5)
        self.assertTrue(closed)

    def test_malformed_and_unsupported_client_first(self):
        cases = [
            ("n,,n=u,r=abc,tokenauth=true", "delegation token authentication (tokenauth) is not supported"),
            ("p=tls-unique,,n=u,r=abc", "channel binding is not supported"),
            ("y,,n=u,r=abc", "channel binding is not supported"),
            ("n,a=w,n=u,r=abc", "authorization id (a=) must be the user name itself"),
            ("n,,n=u", "r= (the client nonce) is missing"),
            ("\0\xff garbage", "malformed SCRAM client-first message"),
            ("", "malformed SCRAM client-first message"),
        ]
        for message, expected in cases:
            with self.subTest(message=message):
                c = self.raw("SCRAM-SHA-256")
                self.assertEqual(c.handshake()[0], 0)
                error, text, _ = c.authenticate(message.encode("latin-1"))
                self.assert_refused(c, error, text, expected)

    def test_malformed_client_final(self):
        c = self.raw("SCRAM-SHA-512")
        self.assertEqual(c.handshake()[0], 0)
        error, _, server_first = c.first("u")
        self.assertEqual(error, 0)
        error, text, _ = c.authenticate(b"c=biws,r=" + server_first.split(b",")[0][2:] + b",p=@@@@")
        self.assert_refused(c, error, text, "malformed SCRAM client-final message")
        self.hub.wait_log(r"malformed SCRAM client-final")

    def test_unknown_user_looks_like_a_wrong_password(self):
        salts = {}
        messages = set()
        for user, password in (("x", WRONG), ("ghost", WRONG), ("ghost", WRONG)):
            c = self.raw("SCRAM-SHA-256")
            self.assertEqual(c.handshake()[0], 0)
            error, _, server_first = c.first(user)
            self.assertEqual(error, 0, "an unknown user gets a server-first too")
            attrs = dict(a.split("=", 1) for a in server_first.decode().split(","))
            self.assertTrue(attrs["r"].startswith(c.nonce) and len(attrs["r"]) > len(c.nonce))
            salts.setdefault(user, set()).add(attrs["s"])
            self.assertEqual(attrs["i"], "100000")  # as the real users'
            self.assertEqual(len(base64.b64decode(attrs["s"])), 16)
            error, text, _ = c.final(server_first.decode(), password)
            self.assertEqual(error, ERR_AUTH_FAILED)
            messages.add(text)
        self.assertEqual(len(salts["ghost"]), 1, "the decoy salt is stable per user name")
        self.assertNotEqual(salts["ghost"], salts["x"])
        self.assertEqual(messages, {"Authentication failed during authentication due to invalid credentials "
                                    "with SASL mechanism SCRAM-SHA-256"})

    def test_z_login_limiter_counts_scram_failures(self):
        # w: 10 wrong proofs (the per-user limit), then even the right password is refused at
        # client-first, without a check; PLAIN for w is refused too (one limiter).
        for i in range(10):
            c = self.raw(MECHANISMS[i % 2])
            self.assertEqual(c.handshake()[0], 0)
            error, _, server_first = c.first("w")
            self.assertEqual(error, 0, i)
            error, text, _ = c.final(server_first.decode(), WRONG)
            self.assertEqual(error, ERR_AUTH_FAILED)
            self.assertIn("invalid credentials", text)
        c = self.raw("SCRAM-SHA-512")
        error, text = c.login("w", PASSWORDS["w"])
        self.assertEqual(error, ERR_AUTH_FAILED)
        self.assertIn("too many failed attempts", text)
        self.hub.wait_log(r"too many failed logins for user 'w'")
        # librdkafka is refused too; it retries, and once the score has decayed below the limit
        # (about 4.6 s) its right password gets through: the limit slows guessing, it never
        # locks a user out for longer.
        p = self.kcat("SASL_PLAINTEXT", "SCRAM-SHA-256", "w", PASSWORDS["w"], "-L", check=False)
        self.assertIn("too many failed attempts", p.stderr.decode())
        # Another user from the same address still logs in.
        self.assertEqual(self.raw("SCRAM-SHA-256").login("u", PASSWORDS["u"]), (0, None))


class EnabledMechanismsTest(unittest.TestCase):
    """sasl.enabled.mechanisms limits what SaslHandshake accepts and lists."""

    def test_only_scram_sha_512(self):
        with tempfile.TemporaryDirectory(prefix="tern-scram-mech-") as d:
            users = os.path.join(d, "users.txt")
            tern_cli("passwd", "--file", users, "--user", "u", "--iterations", "4096",
                     input=PASSWORDS["u"] + "\n")
            with Hub(name="scram-mech", extra_args=[
                    "--listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
                    "--sasl.plain.users.location", users,
                    "--sasl.enabled.mechanisms", "SCRAM-SHA-512"]) as hub:
                port = hub.listener_port("SASL_PLAINTEXT")
                for mechanism in ("PLAIN", "SCRAM-SHA-256"):
                    c = RawScram(port, "SCRAM-SHA-512")
                    self.assertEqual(c.handshake(mechanism), (ERR_UNSUPPORTED_MECHANISM, ["SCRAM-SHA-512"]))
                    c.close()
                c = RawScram(port, "SCRAM-SHA-512")
                self.assertEqual(c.login("u", PASSWORDS["u"]), (0, None))
                c.close()
            p = run([tern_bin(), "serve", "--listeners", "SASL_PLAINTEXT://127.0.0.1:0",
                     "--log.dirs", os.path.join(d, "bad"), "--sasl.plain.users.location", users,
                     "--sasl.enabled.mechanisms", "PLAIN,GSSAPI"], check=False, timeout=30)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("sasl.enabled.mechanisms", (p.stdout + p.stderr).decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
