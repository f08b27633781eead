"""ACLs (issue 6, authorization): a PLAINTEXT hub with an ACL file where User:ANONYMOUS may only
Write topics with the prefix `sensors.` and allow.everyone.if.no.acl.found=false.

kcat (librdkafka, a third-party client) produces to sensors.temp, is refused on `other` with
"Topic authorization failed", cannot consume sensors.temp nor join a group; the raw wire
(tests/lib/kafka_raw.py) checks the codes of every guarded API, that Metadata lists only
permitted topics, that a refused produce wrote nothing, and SIGHUP reload of the file. Also:
`tern acls --add/--list/--remove` on a file, and a malformed file stopping `tern serve`.
"""

import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC_AUTH = 29
GROUP_AUTH = 30
CLUSTER_AUTH = 31
ANON = "User:ANONYMOUS"


def acls(*args, check=True):
    return th.tern_cli("acls", *args, check=check)


def kcat_failing(hub, args, input=None, timeout=30):
    """Runs kcat expecting it to fail; returns (exit code, stdout+stderr as text)."""
    p = th.kcat(hub, *args, input=input, timeout=timeout, check=False)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


class AclsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tern-it-acls-")
        cls.acl_file = os.path.join(cls.tmp, "hub.acl")
        acls("--acl-file", cls.acl_file, "--add", "--allow-principal", ANON, "--operation", "Write",
             "--topic", "sensors.", "--resource-pattern-type", "prefixed")
        # The topics exist before the ACLs apply (nobody may create them under these ACLs).
        cls.hub = th.Hub(name="acls")
        cls.hub.start()
        th.create_topic(cls.hub, "sensors.temp", 1)
        th.create_topic(cls.hub, "other", 1)
        cls.hub.stop()
        cls.hub.extra_args = ["--authorizer.acl.file", cls.acl_file,
                              "--allow.everyone.if.no.acl.found", "false"]
        cls.hub.start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def setUp(self):
        self.hub.assert_alive()

    def tearDown(self):
        self.hub.assert_alive()

    def raw(self):
        return self.hub.connect()

    # Numbered: the last test changes the ACLs.

    def test_1_kcat_produce_to_permitted_prefix(self):
        th.kcat_produce(self.hub, "sensors.temp", ["t1", "t2"])
        with self.raw() as c:
            err, base = kr.produce(c, "sensors.temp", 0, kr.encode_record_batch([kr.Record(None, b"t3")]))
        self.assertEqual(err, kr.ERR_NONE)
        self.assertEqual(base, 2)  # kcat's two records went in first

    def test_2_produce_elsewhere_is_refused_and_writes_nothing(self):
        rc, out = kcat_failing(self.hub, ["-P", "-t", "other", "-X", "acks=all"], input=b"x1\nx2\n")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("Broker: Topic authorization failed", out)
        with self.raw() as c:
            err, base = kr.produce(c, "other", 0, kr.encode_record_batch([kr.Record(None, b"x3")]))
            self.assertEqual(err, TOPIC_AUTH)
            self.assertEqual(base, -1)
            err, _ = kr.produce(c, "other", 0, kr.encode_record_batch([kr.Record(None, b"x4")]))
            self.assertEqual(err, TOPIC_AUTH)
            # Not even the offsets are visible (no Describe).
            self.assertEqual(kr.list_offsets(c, "other", 0, -1)[0], TOPIC_AUTH)
        # Logged with the principal, once a minute per (principal, operation, resource).
        line = "authorization denied: principal User:ANONYMOUS operation Write on Topic:other"
        log = self.hub.wait_log(re.escape(line), last=400)
        self.assertEqual(log.count(line), 1, log)

    def test_3_consume_is_refused(self):
        rc, out = kcat_failing(self.hub, ["-C", "-e", "-t", "sensors.temp"])
        self.assertNotEqual(rc, 0, out)
        self.assertIn("Topic authorization failed", out)
        with self.raw() as c:
            self.assertEqual(kr.fetch(c, "sensors.temp", 0, 0)["error"], TOPIC_AUTH)
            # Describe comes with Write: the offsets are visible.
            err, _, end = kr.list_offsets(c, "sensors.temp", 0, -1)
            self.assertEqual(err, kr.ERR_NONE)
            self.assertGreaterEqual(end, 3)
        self.assertIn("principal User:ANONYMOUS operation Read on Topic:sensors.temp",
                      self.hub.wait_log("operation Read on Topic:sensors.temp", last=400))

    def test_4_group_join_is_refused(self):
        rc, out = kcat_failing(self.hub, ["-G", "grp", "sensors.temp", "-e"])
        self.assertNotEqual(rc, 0, out)
        self.assertIn("Group authorization failed", out)
        with self.raw() as c:
            self.assertEqual(kr.find_coordinator(c, "grp")["error"], GROUP_AUTH)
            self.assertEqual(kr.join_group(c, "grp")["error"], GROUP_AUTH)
            self.assertEqual(kr.heartbeat(c, "grp", 1, "m"), GROUP_AUTH)
            commit = kr.offset_commit(c, "grp", {"sensors.temp": {0: (1, "")}})
            self.assertEqual(commit, {("sensors.temp", 0): GROUP_AUTH})
            self.assertEqual(kr.offset_fetch(c, "grp", {"sensors.temp": [0]})["error"], GROUP_AUTH)
            self.assertEqual(kr.describe_groups(c, ["grp"])["grp"]["error"], GROUP_AUTH)
            self.assertEqual(kr.delete_groups(c, ["grp"]), {"grp": GROUP_AUTH})
            self.assertEqual(kr.list_groups(c), (0, {}))

    def test_5_metadata_lists_only_permitted_topics(self):
        with self.raw() as c:
            md = kr.metadata(c, None)
            self.assertEqual(sorted(md["topics"]), ["sensors.temp"])
            md = kr.metadata(c, ["other", "sensors.temp"])
            self.assertEqual(md["topics"]["other"]["error"], TOPIC_AUTH)
            self.assertEqual(md["topics"]["other"]["partitions"], {})
            self.assertEqual(md["topics"]["sensors.temp"]["error"], kr.ERR_NONE)
            # Auto-creation needs Create: refused, and nothing is created.
            md = kr.metadata(c, ["sensors.new"], version=4, allow_auto_topic_creation=True)
            self.assertEqual(md["topics"]["sensors.new"]["error"], TOPIC_AUTH)
        self.hub.stop()
        self.hub.extra_args, saved = [], self.hub.extra_args
        try:
            self.hub.start()
            with self.raw() as c:
                self.assertEqual(sorted(kr.metadata(c, None)["topics"]), ["other", "sensors.temp"])
        finally:
            self.hub.stop()
            self.hub.extra_args = saved
            self.hub.start()

    def test_6_admin_apis_are_guarded(self):
        with self.raw() as c:
            self.assertEqual(kr.create_topic(c, "sensors.x", 1), TOPIC_AUTH)
            self.assertEqual(kr.delete_topics(c, ["sensors.temp"]), {"sensors.temp": TOPIC_AUTH})
            res = kr.describe_configs(c, [(kr.RESOURCE_TOPIC, "sensors.temp", None)])
            self.assertEqual(res[0]["error"], TOPIC_AUTH)
            # Write on some topic is enough for an idempotent producer id.
            err, pid, _ = kr.init_producer_id(c)
            self.assertEqual(err, kr.ERR_NONE)
            self.assertGreaterEqual(pid, 0)

    def test_9_sighup_reload_grants_read(self):
        acls("--acl-file", self.acl_file, "--add", "--allow-principal", ANON, "--operation", "Read",
             "--topic", "other", "--topic", "sensors.temp")
        self.hub.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "reloaded 3 ACL rules" not in self.hub.log_text(50):
            self.assertLess(time.monotonic(), deadline, self.hub.log_text(50))
            time.sleep(0.05)
        with self.raw() as c:
            records, _, hw = kr.fetch_all(c, "other", 0)
            self.assertEqual((records, hw), ([], 0))  # the refused produces wrote nothing
            records, _, _ = kr.fetch_all(c, "sensors.temp", 0)
            self.assertEqual([r.value for r in records], [b"t1", b"t2", b"t3"])
        # And a third-party consumer now reads it.
        text = th.kcat_consume(self.hub, "sensors.temp")
        self.assertEqual([r[3] for r in th.parse_kcat_records(text)], ["t1", "t2", "t3"])


class AclCliTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tern-it-aclcli-")
        self.path = os.path.join(self.tmp, "acl")

    def test_add_list_remove_round_trip(self):
        with open(self.path, "w") as f:
            f.write("# operator notes stay\n")
        os.chmod(self.path, 0o644)
        acls("--acl-file", self.path, "--add", "--allow-principal", "User:s1", "--operation",
             "Write", "--operation", "Describe", "--topic", "sensors.", "--resource-pattern-type",
             "prefixed")
        acls("--acl-file", self.path, "--add", "--deny-principal", "User:*", "--operation", "Read",
             "--group", "admin")
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
        listed = acls("--acl-file", self.path, "--list").stdout.decode().splitlines()
        self.assertEqual(listed, ["allow User:s1 Write topic:prefixed:sensors.",
                                  "allow User:s1 Describe topic:prefixed:sensors.",
                                  "deny User:* Read group:literal:admin"])
        # Adding again changes nothing; --list filters by resource.
        acls("--acl-file", self.path, "--add", "--deny-principal", "User:*", "--operation", "Read",
             "--group", "admin")
        self.assertEqual(
            acls("--acl-file", self.path, "--list", "--group", "admin").stdout.decode().splitlines(),
            ["deny User:* Read group:literal:admin"])
        acls("--acl-file", self.path, "--remove", "--allow-principal", "User:s1", "--operation",
             "Describe", "--topic", "sensors.", "--resource-pattern-type", "prefixed")
        with open(self.path) as f:
            text = f.read()
        self.assertEqual(text, "# operator notes stay\n"
                               "allow User:s1 Write topic:prefixed:sensors.\n"
                               "deny User:* Read group:literal:admin\n")
        self.assertEqual(os.listdir(self.tmp), ["acl"])  # no temporary file left behind

    def test_bad_arguments_and_broken_file_are_refused(self):
        p = acls("--acl-file", self.path, "--add", "--allow-principal", "User:x", "--operation",
                 "Write", "--group", "g", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"operation Write does not apply to a Group resource", p.stderr)
        p = acls("--acl-file", self.path, "--add", "--allow-principal", "bob", "--operation",
                 "Read", "--topic", "t", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertFalse(os.path.exists(self.path))
        with open(self.path, "w") as f:
            f.write("allow User:a Read topic:t\nallow User:a Raed topic:t\n")
        p = acls("--acl-file", self.path, "--add", "--allow-principal", "User:b", "--operation",
                 "Read", "--topic", "t", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(("%s:2: unknown operation 'Raed'" % self.path).encode(), p.stderr)

    def test_malformed_file_stops_serve(self):
        with open(self.path, "w") as f:
            f.write("# devices\nallow User:s1 Write topic:prefixed:sensors.\n"
                    "allow User:s2 Write topik:prefixed:x\n")
        data = os.path.join(self.tmp, "data")
        cmd = [th.tern_bin(), "serve", "--listeners", "PLAINTEXT://127.0.0.1:0", "--log.dirs", data,
               "--authorizer.acl.file", self.path]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                           preexec_fn=th.die_with_parent)
        out = (p.stdout + p.stderr).decode()
        self.assertEqual(p.returncode, 1, out)
        self.assertIn("%s:3: resource 'topik:prefixed:x' is not" % self.path, out)
        self.assertNotIn("listening on", out)
        p = subprocess.run(cmd[:-1] + [self.path + ".missing"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30, preexec_fn=th.die_with_parent)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"cannot read ACL file", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
