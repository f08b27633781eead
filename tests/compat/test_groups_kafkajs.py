"""kafkajs 2.2.4 consumer group (tests/compat/kafkajs/groups.js) against a fresh hub: two members
consume a topic end to end and commit; admin.fetchOffsets equals the log end; a later member
continues from the committed offsets. The committed offsets are then cross-checked with a raw
OffsetFetch and the group with a raw DescribeGroups.

node_modules is installed by the setup script (`npm ci` in tests/compat/kafkajs); this test never
touches the network.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KJS_DIR = os.path.join(HERE, "kafkajs")
TOPIC = "kjs-group-topic"
GROUP = "kjs-group"
PARTITIONS = 4
N = 2000
MORE = 200


class KafkajsGroupsTest(unittest.TestCase):

    def test_two_member_group_consumes_and_commits(self):
        pkg = os.path.join(KJS_DIR, "node_modules", "kafkajs", "package.json")
        self.assertTrue(os.path.isfile(pkg),
                        "kafkajs is not installed: %s is missing. Run `npm ci` in %s (the setup "
                        "script does this; tests never download)." % (pkg, KJS_DIR))
        with th.Hub(["--group.initial.rebalance.delay.ms", "0"], name="kafkajs-groups") as hub:
            env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
            node = os.environ.get("NODE", "node")
            p = th.run([node, os.path.join(KJS_DIR, "groups.js"), hub.bootstrap, TOPIC, GROUP],
                       timeout=200, check=False, env=env, hub=hub)
            out = p.stdout.decode("utf-8", "replace")
            err = p.stderr.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 0, "groups.js failed:\n%s\n%s\n%s"
                             % (th._tail(out), th._tail(err), hub.log_text(80)))
            seen = json.loads(out.strip().splitlines()[-1])
            print("kafkajs group: %s" % json.dumps(seen))
            self.assertEqual(sorted(seen["settled"]["a"] + seen["settled"]["b"]),
                             list(range(PARTITIONS)))
            self.assertTrue(seen["settled"]["a"] and seen["settled"]["b"], "both members own "
                            "partitions: %r" % seen["settled"])
            self.assertGreater(seen["perMember"]["a"], 0)
            self.assertGreater(seen["perMember"]["b"], 0)
            self.assertEqual(sum(int(v) for v in seen["hw"].values()), N)

            with hub.connect() as c:
                got = kr.offset_fetch(c, GROUP, {TOPIC: list(range(PARTITIONS))}, version=5)
                ends = {q: kr.list_offsets(c, TOPIC, q, -1)[2] for q in range(PARTITIONS)}
                d = kr.describe_groups(c, [GROUP])[GROUP]
            self.assertEqual(sum(ends.values()), N + MORE)
            self.assertEqual({q: got["offsets"][(TOPIC, q)][:3:2] for q in range(PARTITIONS)},
                             {q: (ends[q], 0) for q in range(PARTITIONS)},
                             "raw OffsetFetch after the last member left: committed == log end")
            self.assertEqual({int(k): v for k, v in seen["committed2"].items()}, ends,
                             "admin.fetchOffsets at the end")
            self.assertEqual((d["error"], d["state"], d["protocol_type"], d["members"]),
                             (0, "Empty", "consumer", []), repr(d))
            rows, text = th.tern_groups_describe(hub, GROUP)
            self.assertEqual({k: (r["CURRENT-OFFSET"], r["LOG-END-OFFSET"], r["LAG"])
                              for k, r in rows.items()},
                             {(TOPIC, q): (str(ends[q]), str(ends[q]), "0")
                              for q in range(PARTITIONS)},
                             "tern groups --describe after kafkajs read everything:\n" + text)
            hub.assert_alive()
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
