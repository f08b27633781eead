"""Topic configuration admin on the raw wire (tests/lib/kafka_raw.py, an encoder independent of
the hub's codec): IncrementalAlterConfigs SET/DELETE/APPEND/SUBTRACT, validate_only, AlterConfigs
replacing the whole override set, DescribeConfigs (filters, synonyms, broker resource), errors
per resource, garbage request bodies, persistence across a restart, the `tern topics --alter /
--describe` CLI, and per-topic max.message.bytes enforced on Produce (raw and kcat).
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

T = kr.RESOURCE_TOPIC


def overrides(conn, topic, version=2):
    """{key: value} of the topic's overrides (source TOPIC_CONFIG), via DescribeConfigs."""
    return {k: v for k, (v, src) in kr.topic_configs(conn, topic, version).items()
            if src == kr.SOURCE_TOPIC_CONFIG}


class ConfigsTest(th.HubTestCase):

    hub_name = "configs"

    def setUp(self):
        self.hub.assert_alive()

    def tearDown(self):
        self.hub.assert_alive()

    def ok(self, results, what):
        for err, msg, _, name in results:
            self.assertEqual(err, 0, "%s on %s: %s %s" % (what, name, kr.err_name(err), msg))

    # ---- IncrementalAlterConfigs ------------------------------------------------------------

    def test_incremental_set_delete_append_subtract(self):
        th.create_topic(self.hub, "cfg-inc", 1, {"retention.ms": "1000"})
        for version in (0, 1):
            with self.subTest(version=version), self.hub.connect() as c:
                self.ok(kr.incremental_alter_configs(c, [(T, "cfg-inc", [
                    ("retention.ms", kr.OP_SET, "1000"), ("cleanup.policy", kr.OP_DELETE, None)])],
                    version=version), "reset")
                self.assertEqual(overrides(c, "cfg-inc"), {"retention.ms": "1000"})
                self.ok(kr.incremental_alter_configs(c, [(T, "cfg-inc", [
                    ("retention.ms", kr.OP_DELETE, None), ("segment.bytes", kr.OP_SET, "1048576"),
                    ("max.message.bytes", kr.OP_SET, "2000")])], version=version), "set/delete")
                self.assertEqual(overrides(c, "cfg-inc"),
                                 {"segment.bytes": "1048576", "max.message.bytes": "2000"})
                # The deleted key is back to the broker default (log.retention.ms: 7 days).
                self.assertEqual(kr.topic_configs(c, "cfg-inc")["retention.ms"],
                                 ("604800000", kr.SOURCE_DEFAULT_CONFIG))
                # APPEND starts from the default (delete) when there is no override.
                self.ok(kr.incremental_alter_configs(c, [(T, "cfg-inc", [
                    ("cleanup.policy", kr.OP_APPEND, "compact")])], version=version), "append")
                self.assertEqual(overrides(c, "cfg-inc")["cleanup.policy"], "delete,compact")
                self.ok(kr.incremental_alter_configs(c, [(T, "cfg-inc", [
                    ("cleanup.policy", kr.OP_APPEND, "compact")])], version=version), "append again")
                self.assertEqual(overrides(c, "cfg-inc")["cleanup.policy"], "delete,compact",
                                 "APPEND of a present item changes nothing")
                self.ok(kr.incremental_alter_configs(c, [(T, "cfg-inc", [
                    ("cleanup.policy", kr.OP_SUBTRACT, "delete")])], version=version), "subtract")
                self.assertEqual(overrides(c, "cfg-inc")["cleanup.policy"], "compact")
                # SUBTRACT of the last item leaves no policy: refused, nothing changes.
                err, msg, _, _ = kr.incremental_alter_configs(c, [(T, "cfg-inc", [
                    ("cleanup.policy", kr.OP_SUBTRACT, "compact")])], version=version)[0]
                self.assertEqual(err, kr.ERR_INVALID_CONFIG, msg)
                self.assertIn("cleanup.policy", msg)
                self.assertEqual(overrides(c, "cfg-inc")["cleanup.policy"], "compact")
                self.ok(kr.incremental_alter_configs(c, [(T, "cfg-inc", [
                    ("cleanup.policy", kr.OP_DELETE, None), ("segment.bytes", kr.OP_DELETE, None),
                    ("max.message.bytes", kr.OP_DELETE, None),
                    ("retention.ms", kr.OP_SET, "1000")])], version=version), "clean up")

    def test_validate_only_changes_nothing(self):
        th.create_topic(self.hub, "cfg-validate", 1, {"retention.ms": "5000"})
        with self.hub.connect() as c:
            self.ok(kr.incremental_alter_configs(c, [(T, "cfg-validate", [
                ("retention.ms", kr.OP_SET, "9000")])], validate_only=True), "validate_only")
            self.assertEqual(overrides(c, "cfg-validate"), {"retention.ms": "5000"})
            err, msg, _, _ = kr.incremental_alter_configs(c, [(T, "cfg-validate", [
                ("retention.ms", kr.OP_SET, "-7")])], validate_only=True)[0]
            self.assertEqual(err, kr.ERR_INVALID_CONFIG, "validate_only still validates: %s" % msg)
            self.ok(kr.alter_configs(c, [(T, "cfg-validate", {})], validate_only=True), "validate")
            self.assertEqual(overrides(c, "cfg-validate"), {"retention.ms": "5000"})

    def test_errors_per_resource_and_all_or_nothing(self):
        th.create_topic(self.hub, "cfg-err", 1, {"retention.ms": "5000"})
        with self.hub.connect() as c:
            res = kr.incremental_alter_configs(c, [
                (T, "cfg-err", [("retention.ms", kr.OP_SET, "6000"),
                                ("segment.bytes", kr.OP_SET, "lots")]),     # bad value
                (T, "cfg-missing", [("retention.ms", kr.OP_SET, "1")]),     # unknown topic
                (T, "cfg-err2", [("no.such.key", kr.OP_SET, "1")]),         # (unknown topic too)
                (9, "whatever", [("a", kr.OP_SET, "1")]),                   # unknown type
                (kr.RESOURCE_BROKER, "1", [("log.retention.ms", kr.OP_SET, "1")]),
                (kr.RESOURCE_BROKER, "42", [("log.retention.ms", kr.OP_SET, "1")]),
            ])
            got = [(r[0], r[3]) for r in res]
            self.assertEqual(got, [
                (kr.ERR_INVALID_CONFIG, "cfg-err"),
                (kr.ERR_UNKNOWN_TOPIC_OR_PARTITION, "cfg-missing"),
                (kr.ERR_UNKNOWN_TOPIC_OR_PARTITION, "cfg-err2"),
                (kr.ERR_INVALID_REQUEST, "whatever"),
                (kr.ERR_INVALID_CONFIG, "1"),
                (kr.ERR_INVALID_REQUEST, "42"),
            ], res)
            self.assertIn("segment.bytes", res[0][1], "the message names the key")
            self.assertIn("lots", res[0][1], "the message names the value")
            self.assertEqual(overrides(c, "cfg-err"), {"retention.ms": "5000"},
                             "all or nothing: the good key of a refused resource is not stored")
            bad = [
                [("no.such.key", kr.OP_SET, "1")],
                [("retention.ms", kr.OP_APPEND, "1")],       # APPEND on a non-list key
                [("retention.ms", kr.OP_SET, "-2")],
                [("full.policy", kr.OP_SET, "sometimes")],
                [("max.message.bytes", kr.OP_SET, "-1")],
                [("compression.type", kr.OP_SET, "brotli")],
                [("cleanup.policy", kr.OP_SET, "forever")],
            ]
            for configs in bad:
                err, msg, _, _ = kr.incremental_alter_configs(c, [(T, "cfg-err", configs)])[0]
                self.assertEqual(err, kr.ERR_INVALID_CONFIG, "%r: %s %s" % (configs, kr.err_name(err), msg))
                self.assertIn(configs[0][0], msg)
            for configs in ([("retention.ms", 7, "1")],                                  # bad op
                            [("retention.ms", kr.OP_SET, None)],                         # null SET
                            [("retention.ms", kr.OP_SET, "1"), ("retention.ms", kr.OP_DELETE, None)]):
                err, msg, _, _ = kr.incremental_alter_configs(c, [(T, "cfg-err", configs)])[0]
                self.assertEqual(err, kr.ERR_INVALID_REQUEST, "%r: %s %s" % (configs, kr.err_name(err), msg))
            self.assertEqual(overrides(c, "cfg-err"), {"retention.ms": "5000"})
            # The same resource twice in one request.
            res = kr.incremental_alter_configs(c, [(T, "cfg-err", []), (T, "cfg-err", [])])
            self.assertEqual([r[0] for r in res], [kr.ERR_INVALID_REQUEST] * 2)
            # Tern's own full.policy and the kafka-layer keys are accepted.
            self.ok(kr.incremental_alter_configs(c, [(T, "cfg-err", [
                ("full.policy", kr.OP_SET, "drop-oldest"), ("min.insync.replicas", kr.OP_SET, "1"),
                ("compression.type", kr.OP_SET, "zstd")])]), "accepted keys")
            self.assertEqual(overrides(c, "cfg-err"), {
                "retention.ms": "5000", "full.policy": "drop-oldest",
                "min.insync.replicas": "1", "compression.type": "zstd"})

    # ---- AlterConfigs -------------------------------------------------------------------------

    def test_alter_configs_replaces_the_whole_set(self):
        th.create_topic(self.hub, "cfg-alter", 1, {"retention.ms": "5000", "cleanup.policy": "compact"})
        for version in (0, 1, 2):
            with self.subTest(version=version), self.hub.connect() as c:
                self.ok(kr.alter_configs(c, [(T, "cfg-alter", {"retention.bytes": "100000"})],
                                         version=version), "alter")
                self.assertEqual(overrides(c, "cfg-alter"), {"retention.bytes": "100000"},
                                 "keys not in AlterConfigs go back to their defaults")
                err, msg, _, _ = kr.alter_configs(c, [(T, "cfg-alter", {"retention.ms": "x"})],
                                                  version=version)[0]
                self.assertEqual(err, kr.ERR_INVALID_CONFIG, msg)
                self.assertEqual(overrides(c, "cfg-alter"), {"retention.bytes": "100000"})
                self.ok(kr.alter_configs(c, [(T, "cfg-alter", {"retention.ms": "5000",
                                                               "cleanup.policy": "compact"})],
                                         version=version), "restore")

    # ---- DescribeConfigs ----------------------------------------------------------------------

    def test_config_apis_advertised(self):
        with self.hub.connect() as c:
            for version in (0, 3):
                err, apis = kr.api_versions(c, version)
                self.assertEqual(err, 0)
                self.assertEqual({k: apis.get(k) for k in (32, 33, 44)},
                                 {32: (0, 4), 33: (0, 2), 44: (0, 1)}, "ApiVersions v%d" % version)

    def test_describe_configs_every_version(self):
        th.create_topic(self.hub, "cfg-desc", 1, {"retention.ms": "1234"})
        with self.hub.connect() as c:
            for version in range(5):
                with self.subTest(version=version):
                    res = kr.describe_configs(c, [(T, "cfg-desc", None),
                                                  (T, "cfg-desc", ["retention.ms", "nope"]),
                                                  (T, "cfg-none", None),
                                                  (kr.RESOURCE_BROKER, "1", ["message.max.bytes", "log.retention.ms"]),
                                                  (kr.RESOURCE_BROKER, "2", None),
                                                  (3, "a-group", None)],
                                              version=version, include_synonyms=True)
                    self.assertEqual([r["error"] for r in res],
                                     [0, 0, kr.ERR_UNKNOWN_TOPIC_OR_PARTITION, 0,
                                      kr.ERR_INVALID_REQUEST, kr.ERR_INVALID_REQUEST])
                    every = res[0]["configs"]
                    for key in ("cleanup.policy", "retention.ms", "retention.bytes", "segment.bytes",
                                "segment.ms", "delete.retention.ms", "min.compaction.lag.ms",
                                "full.policy", "max.message.bytes", "compression.type",
                                "message.timestamp.type", "min.insync.replicas"):
                        self.assertIn(key, every)
                        self.assertFalse(every[key]["read_only"], key)
                        self.assertFalse(every[key]["sensitive"], key)
                    self.assertEqual(every["retention.ms"]["value"], "1234")
                    self.assertEqual(every["cleanup.policy"]["value"], "delete")
                    self.assertEqual(every["max.message.bytes"]["value"], "1048588")
                    self.assertEqual(list(res[1]["configs"]), ["retention.ms"], "configuration_keys filter")
                    broker = res[3]["configs"]
                    self.assertEqual(sorted(broker), ["log.retention.ms", "message.max.bytes"])
                    self.assertTrue(all(b["read_only"] for b in broker.values()))
                    if version == 0:
                        self.assertFalse(every["retention.ms"]["is_default"])
                        self.assertTrue(every["cleanup.policy"]["is_default"])
                        continue
                    self.assertEqual(every["retention.ms"]["source"], kr.SOURCE_TOPIC_CONFIG)
                    self.assertEqual(every["cleanup.policy"]["source"], kr.SOURCE_DEFAULT_CONFIG)
                    self.assertEqual(every["retention.ms"]["synonyms"], [
                        ("retention.ms", "1234", kr.SOURCE_TOPIC_CONFIG),
                        ("log.retention.ms", "604800000", kr.SOURCE_DEFAULT_CONFIG)])
                    self.assertIn(broker["message.max.bytes"]["source"],
                                  (kr.SOURCE_DEFAULT_CONFIG, kr.SOURCE_STATIC_BROKER_CONFIG))
            # Without include_synonyms there are none.
            res = kr.describe_configs(c, [(T, "cfg-desc", ["retention.ms"])], version=2)
            self.assertEqual(res[0]["configs"]["retention.ms"]["synonyms"], [])

    def test_kafka_topic_keys_tern_does_not_act_on_are_accepted(self):
        """librdkafka's own test suite creates topics with message.format.version,
        min.cleanable.dirty.ratio and file.delete.delay.ms: accepted, stored, described (with a
        documentation string saying Tern does not act on them), validated like Kafka."""
        wanted = {"message.format.version": "0.10.0", "min.cleanable.dirty.ratio": "0.01",
                  "file.delete.delay.ms": "1000", "unclean.leader.election.enable": "true",
                  "segment.jitter.ms": "0", "leader.replication.throttled.replicas": "*"}
        with self.hub.connect() as c:
            self.assertEqual(kr.create_topic(c, "cfg-kafka-keys", 1, configs=wanted), 0)
            th.wait_for_topic(self.hub, "cfg-kafka-keys", 1)
            self.assertEqual(overrides(c, "cfg-kafka-keys"), wanted)
            every = kr.describe_configs(c, [(T, "cfg-kafka-keys", None)], version=3)[0]["configs"]
            self.assertEqual(every["preallocate"]["value"], "false")
            self.assertEqual(every["min.cleanable.dirty.ratio"]["value"], "0.01")
            for bad in ({"min.cleanable.dirty.ratio": "2"}, {"remote.storage.enable": "true"},
                        {"message.format.version": "newest"}, {"preallocate": "maybe"}):
                self.assertEqual(kr.create_topic(c, "cfg-kafka-bad", 1, configs=bad),
                                 kr.ERR_INVALID_CONFIG, bad)

    def test_operator_defaults_are_static_broker_configs(self):
        with th.Hub(name="configs-static", extra_args=["--log.retention.ms", "3600000",
                                                       "--message.max.bytes", "500000"]) as hub:
            th.create_topic(hub, "cfg-static", 1)
            with hub.connect() as c:
                cfg = kr.topic_configs(c, "cfg-static")
                self.assertEqual(cfg["retention.ms"], ("3600000", kr.SOURCE_STATIC_BROKER_CONFIG))
                self.assertEqual(cfg["max.message.bytes"], ("500000", kr.SOURCE_STATIC_BROKER_CONFIG))
                self.assertEqual(cfg["retention.bytes"], ("-1", kr.SOURCE_DEFAULT_CONFIG))

    def test_kafka_broker_keys_in_the_config_file_are_accepted(self):
        """A server.properties written for Kafka starts the hub: Kafka broker keys Tern has no
        mechanism for are accepted, named in one warning and described (static, read-only, with a
        documentation string saying they are not acted on); a key that is neither Tern's nor
        Kafka's is still refused with the file and line."""
        tmp = tempfile.mkdtemp(prefix="tern-it-kafka-props-")
        props = os.path.join(tmp, "server.properties")
        with open(props, "w") as f:
            f.write("# as shipped with Kafka\nnum.network.threads=3\nnum.io.threads=8\n"
                    "zookeeper.connect=localhost:2181\noffsets.topic.replication.factor=1\n"
                    "listener.name.internal.ssl.keystore.type=PKCS12\nlog.retention.hours=168\n")
        with th.Hub(name="configs-kafka-props", extra_args=["--config", props]) as hub:
            self.assertRegex(hub.log_text(200), r"5 Kafka broker setting\(s\) accepted but not acted "
                                                r"on[^\n]*num\.network\.threads")
            with hub.connect() as c:
                res = kr.describe_configs(c, [(kr.RESOURCE_BROKER, "1", None)], version=3,
                                          include_documentation=True)[0]
            cfg = res["configs"]
            self.assertEqual(res["error"], 0, res)
            self.assertEqual(cfg["num.io.threads"]["value"], "8")
            self.assertEqual(cfg["num.io.threads"]["source"], kr.SOURCE_STATIC_BROKER_CONFIG)
            self.assertTrue(cfg["num.io.threads"]["read_only"])
            self.assertIn("does not act on it", cfg["zookeeper.connect"]["doc"])
        with open(props, "a") as f:
            f.write("num.netwrok.threads=3\n")
        p = th.run([th.tern_bin(), "serve", "--config", props, "--log.dirs", os.path.join(tmp, "d"),
                    "--listeners", "PLAINTEXT://127.0.0.1:0"], check=False, timeout=20)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"server.properties:8: unknown configuration key 'num.netwrok.threads'", p.stderr)

    # ---- robustness and persistence -----------------------------------------------------------

    def test_garbage_bodies_keep_the_hub_up_and_data_intact(self):
        th.create_topic(self.hub, "cfg-garbage", 1, {"retention.ms": "-1"})
        with self.hub.connect() as c:
            err, _ = kr.produce(c, "cfg-garbage", 0, kr.encode_record_batch(
                [kr.Record(b"k%d" % i, b"v%d" % i) for i in range(10)]))
            self.assertEqual(err, 0)
        good = kr.incremental_alter_configs_body([(T, "cfg-garbage", [("retention.ms", kr.OP_SET, "1")])])
        good_flex = kr.incremental_alter_configs_body(
            [(T, "cfg-garbage", [("retention.ms", kr.OP_SET, "1")])], version=1)
        desc = kr.describe_configs_body([(T, "cfg-garbage", None)], version=4)
        cases = [
            (kr.API_INCREMENTAL_ALTER_CONFIGS, 0, 1, good[:-3]),                 # truncated
            (kr.API_INCREMENTAL_ALTER_CONFIGS, 0, 1, kr.i32(0x7fffffff) + b"\0" * 40),  # hostile count
            (kr.API_INCREMENTAL_ALTER_CONFIGS, 1, 2, good_flex[:7]),
            (kr.API_INCREMENTAL_ALTER_CONFIGS, 1, 2, b"\xff\xff\xff\xff\x0f" + b"\0" * 8),
            (kr.API_ALTER_CONFIGS, 0, 1, b"\x00\x00\x00\x01\x02\xff\xff"),       # null name
            (kr.API_DESCRIBE_CONFIGS, 4, 2, desc[:-2]),
            (kr.API_DESCRIBE_CONFIGS, 1, 1, b"\x00"),
            (kr.API_DESCRIBE_CONFIGS, 3, 1, os.urandom(64)),
        ]
        for api, version, header, body in cases:
            with self.subTest(api=api, version=version, body=body[:16]), self.hub.connect() as c:
                c.send_request(api, version, body, header_version=header)
                outcome, _ = c.wait_reply_or_close(timeout=10)
                self.assertIn(outcome, ("closed", "reply"), "hub neither answered nor closed")
                self.hub.assert_alive()
        with self.hub.connect() as c:
            self.assertEqual(overrides(c, "cfg-garbage"), {"retention.ms": "-1"},
                             "a malformed alter changed the configs")
            recs, _, hw = kr.fetch_all(c, "cfg-garbage", 0)
            self.assertEqual(hw, 10)
            self.assertEqual([r.value for r in recs], [b"v%d" % i for i in range(10)])

    def test_configs_survive_a_restart(self):
        with th.Hub(name="configs-restart") as hub:
            th.create_topic(hub, "cfg-persist", 1)
            with hub.connect() as c:
                self.ok(kr.incremental_alter_configs(c, [(T, "cfg-persist", [
                    ("retention.ms", kr.OP_SET, "86400000"), ("cleanup.policy", kr.OP_SET, "compact")])]),
                    "set")
            hub.restart()
            with hub.connect() as c:
                self.assertEqual(overrides(c, "cfg-persist"),
                                 {"retention.ms": "86400000", "cleanup.policy": "compact"})

    # ---- CLI ----------------------------------------------------------------------------------

    def topics(self, *args, check=True):
        return th.tern_cli("topics", "--bootstrap-server", self.hub.bootstrap, *args, check=check,
                           hub=self.hub)

    def test_cli_alter_and_describe(self):
        self.topics("--create", "--topic", "cfg-cli", "--partitions", "1", "--config", "retention.ms=1000")
        out = self.topics("--describe", "--topic", "cfg-cli").stdout.decode()
        header = out.splitlines()[0]
        self.assertIn("\tConfigs: retention.ms=1000", header, out)
        self.topics("--alter", "--topic", "cfg-cli", "--config", "cleanup.policy=compact",
                    "--config", "segment.bytes=1048576", "--delete-config", "retention.ms")
        header = self.topics("--describe", "--topic", "cfg-cli").stdout.decode().splitlines()[0]
        self.assertTrue(header.endswith("\tConfigs: cleanup.policy=compact,segment.bytes=1048576"), header)
        with self.hub.connect() as c:
            self.assertEqual(overrides(c, "cfg-cli"),
                             {"cleanup.policy": "compact", "segment.bytes": "1048576"})
        p = self.topics("--alter", "--topic", "cfg-cli", "--config", "retention.ms=soon", check=False)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 1, err)
        self.assertIn("INVALID_CONFIG", err)
        self.assertIn("retention.ms", err)
        self.assertIn("soon", err)
        p = self.topics("--alter", "--topic", "cfg-cli-missing", "--config", "retention.ms=1", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("does not exist", p.stderr.decode())
        every = self.topics("--describe", "--topic", "cfg-cli", "--all-configs").stdout.decode()
        self.assertIn("retention.ms=604800000", every)
        self.assertIn("max.message.bytes=1048588", every)

    # ---- per-topic max.message.bytes -----------------------------------------------------------

    def test_topic_max_message_bytes(self):
        th.create_topic(self.hub, "cfg-size", 1, {"max.message.bytes": "2000"})
        th.create_topic(self.hub, "cfg-size-default", 1)
        big = kr.encode_record_batch([kr.Record(b"k", b"x" * 3000)])
        small = kr.encode_record_batch([kr.Record(b"k", b"y" * 100)])
        with self.hub.connect() as c:
            self.assertEqual(kr.produce(c, "cfg-size", 0, big)[0], kr.ERR_MESSAGE_TOO_LARGE)
            self.assertEqual(kr.produce(c, "cfg-size", 0, small), (0, 0))
            self.assertEqual(kr.produce(c, "cfg-size-default", 0, big)[0], 0,
                             "the broker's message.max.bytes applies without an override")
        # kcat (librdkafka) gets MESSAGE_TOO_LARGE from the broker for the large message.
        p = th.kcat(self.hub, "-P", "-t", "cfg-size", "-p", "0", "-X", "acks=all",
                    "-X", "message.max.bytes=100000",
                    input=b"z" * 3000 + b"\n", check=False, timeout=60)
        text = (p.stdout + p.stderr).decode("utf-8", "replace")
        self.assertIn("Broker: Message size too large", text, "kcat output:\n" + text)
        th.kcat_produce(self.hub, "cfg-size", ["small-one"], "-p", "0")
        # Raised at run time: the large batch goes through now.
        with self.hub.connect() as c:
            self.ok(kr.incremental_alter_configs(c, [(T, "cfg-size", [
                ("max.message.bytes", kr.OP_SET, "10000")])]), "raise")
            self.assertEqual(kr.produce(c, "cfg-size", 0, big)[0], 0)
            recs, _, hw = kr.fetch_all(c, "cfg-size", 0)
        self.assertEqual(hw, 3, "small, small-one and the large one; the refused ones are not stored")
        self.assertEqual([len(r.value) for r in recs], [100, len("small-one"), 3000])


if __name__ == "__main__":
    unittest.main(verbosity=2)
