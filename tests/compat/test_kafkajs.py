"""kafkajs 2.2.4 (tests/compat/kafkajs/test.js) against a fresh hub, then the data it wrote is
checked with kcat and with the raw Fetch decoder (CRC32C, gzip batches, headers byte-exact).

node_modules is installed by the setup script (`npm ci` in tests/compat/kafkajs); this test never
touches the network.
"""

import json
import os
import sys
import unittest
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KJS_DIR = os.path.join(HERE, "kafkajs")
TOPIC = "kjs-main"
DOOMED = "kjs-doomed"
N = 1000
TS0 = 1700000000000


class KafkajsTest(unittest.TestCase):

    def test_kafkajs_admin_and_producer(self):
        pkg = os.path.join(KJS_DIR, "node_modules", "kafkajs", "package.json")
        self.assertTrue(os.path.isfile(pkg),
                        "kafkajs is not installed: %s is missing. Run `npm ci` in %s (the setup "
                        "script does this; tests never download)." % (pkg, KJS_DIR))
        with open(pkg) as f:
            self.assertEqual(json.load(f)["version"], "2.2.4", "installed kafkajs version")

        with th.Hub(name="kafkajs") as hub:
            env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
            node = os.environ.get("NODE", "node")
            p = th.run([node, os.path.join(KJS_DIR, "test.js"), hub.bootstrap, TOPIC, DOOMED],
                       timeout=150, check=False, env=env, hub=hub)
            out = p.stdout.decode("utf-8", "replace")
            err = p.stderr.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 0, "test.js failed:\n%s\n%s\n%s"
                             % (th._tail(out), th._tail(err), hub.log_text(80)))
            seen = json.loads(out.strip().splitlines()[-1])
            self.check_stored_data(hub, seen)
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())

    def check_stored_data(self, hub, seen):
        by_index = {}
        hw = {}
        codecs = set()
        with hub.connect() as c:
            for part in range(3):
                recs, batches, hw[part] = kr.fetch_all(c, TOPIC, part)
                codecs |= {b.compression for b in batches}
                self.assertEqual([r.offset for r in recs], list(range(hw[part])))
                for r in recs:
                    i = int(r.value.decode().split("-")[1])
                    self.assertNotIn(i, by_index, "value-%d stored twice" % i)
                    by_index[i] = (part, r)
            md = kr.metadata(c, [DOOMED], version=4)["topics"].get(DOOMED)  # v4: no auto-create
        self.assertTrue(md is None or md["error"] == kr.ERR_UNKNOWN_TOPIC_OR_PARTITION,
                        "deleted topic still in Metadata: %r" % (md,))
        self.assertEqual(sorted(by_index), list(range(N)), "records stored")
        self.assertEqual(codecs, {0, 1}, "batch codecs stored (none and gzip, untouched)")

        last_offset = defaultdict(lambda: -1)
        first_in_batch = {}
        for i in range(N):
            part, r = by_index[i]
            key = "key-%d" % (i % 37)
            self.assertEqual(r.key, key.encode())
            self.assertEqual(r.value, b"value-%d" % i)
            self.assertEqual(r.headers, [("idx", str(i).encode()),
                                         ("bin", bytes([0, 1, 255, i & 255]))],
                             "headers of value-%d" % i)
            self.assertEqual(r.timestamp, TS0 + i, "timestamp of value-%d" % i)
            self.assertEqual(part, th.java_partition(key, 3),
                             "kafkajs' default partitioner is Java murmur2: %s" % key)
            self.assertGreater(r.offset, last_offset[part], "order in partition %d" % part)
            last_offset[part] = r.offset
            first_in_batch.setdefault((i // 100, part), r.offset)

        for rec in seen["produced"]:
            self.assertEqual(rec["baseOffset"], first_in_batch[(rec["batch"], rec["partition"])],
                             "baseOffset kafkajs got for batch %d partition %d"
                             % (rec["batch"], rec["partition"]))
        self.assertEqual(len(seen["produced"]), len(first_in_batch))
        self.assertEqual({o["partition"]: (o["low"], o["high"]) for o in seen["offsets"]},
                         {p: (0, hw[p]) for p in hw}, "fetchTopicOffsets")
        want_ts = {}
        for p in hw:
            cands = [r.offset for pp, r in by_index.values()
                     if pp == p and r.timestamp >= TS0 + 500]
            want_ts[p] = min(cands) if cands else hw[p]
        self.assertEqual({o["partition"]: o["offset"] for o in seen["byTimestamp"]}, want_ts,
                         "fetchTopicOffsetsByTimestamp(%d)" % (TS0 + 500))

        via_kcat = th.parse_kcat_records(th.kcat_consume(hub, TOPIC))
        self.assertEqual(sorted(v for _, _, _, v in via_kcat),
                         sorted("value-%d" % i for i in range(N)), "kcat reads every record")


if __name__ == "__main__":
    unittest.main(verbosity=2)
