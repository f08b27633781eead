"""kafka-ts 1.5.0 (tests/compat/kafkats/cycle.js), a second pure-TypeScript client that negotiates
the newest version of every API it knows (so Tern's flexible versions: Metadata 12, CreateTopics 7,
Produce 9, Fetch 13, ListOffsets 7, FindCoordinator 4, JoinGroup 9, SyncGroup 5, OffsetCommit/
OffsetFetch 8, InitProducerId 4, DescribeConfigs 4, AlterConfigs 2, IncrementalAlterConfigs 1,
CreatePartitions 3), through issue 15's full cycle against a real hub (compat.platformatic is the
other npm client): CreateTopics and Metadata with its low-level API (the topic id CreateTopics
returns is Metadata's), AlterConfigs + IncrementalAlterConfigs read back with DescribeConfigs,
idempotent produce with keys and headers, a wave in each codec kafka-ts has on this Node.js (none,
gzip, snappy, lz4; zstd needs Node >= 22.15) with UTF-8 values of every sequence length, a
2-member group reading every record byte-exact and committing, ListOffsets by a timestamp between
the two waves, the group resuming after its commits with only the new records, and
CreatePartitions 2 -> 3 with a record on the new partition consumed by the group. The records are
then read back on the raw wire (CRCs, codecs as sent, value bytes).

node_modules is installed by the setup script (`npm ci` in tests/compat/kafkats); this test never
touches the network.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import kafkajs_script  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "kts-cycle"


CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def utf8_value(prefix, i):
    """cycle.js's utf8Value(prefix, i), as the bytes it must be on the wire."""
    return ("%s-v%d\x00\x01\x7f\u00e9\u00ff\u07ff\u0800\u20ac\uffee\U0001f600\U0010ffff" % (prefix, i)
            + "x" * i).encode("utf-8")


class KafkaTsCycleTest(unittest.TestCase):

    def test_cycle(self):
        with th.Hub(name="kafkats") as hub:
            seen = kafkajs_script.run(self, hub, "cycle.js", "127.0.0.1", hub.port, TOPIC,
                                      timeout=120, package="kafkats", module="kafka-ts")
            self.assertEqual(seen["partitions"], 2, seen)
            self.assertRegex(seen["created_topic_id"], r"^[0-9a-f]{32}$", seen)
            self.assertNotEqual(seen["created_topic_id"], "0" * 32, seen)
            self.assertEqual(seen["created_topic_id"], seen["metadata_topic_id"], seen)
            self.assertEqual(seen["configs"], {"retention.ms": "86400000", "cleanup.policy": "delete"}, seen)
            codecs = seen["codecs"]
            self.assertEqual(codecs[:4], ["none", "gzip", "snappy", "lz4"], seen)
            per_partition = 15 + 3 * len(codecs)  # wave 1: 15 a-records, then 3 per codec
            self.assertEqual(seen["consumed"], 2 * per_partition, seen)
            self.assertEqual(sorted(seen["members"]), [per_partition, per_partition], seen)
            self.assertEqual(seen["by_timestamp"], [15, 15], seen)
            self.assertEqual(seen["latest"], [per_partition, per_partition], seen)
            self.assertEqual(seen["future"], [-1, -1], seen)
            self.assertEqual(seen["resumed"], ["b-k%d" % i for i in range(6)], seen)
            self.assertEqual(seen["partitions_after"], 3, seen)
            self.assertEqual(seen["new_partition"],
                             [{"key": "p2-k0", "partition": 2, "offset": 0, "value_ok": True}], seen)
            self.assertEqual(bytes.fromhex(seen["none_value_hex"]), utf8_value("none", 1))
            with hub.connect() as c:
                recs, batches, hw = kr.fetch_all(c, TOPIC, 1)
                new_recs, _, new_hw = kr.fetch_all(c, TOPIC, 2)
            self.assertEqual(hw, per_partition + 3)
            self.assertEqual((recs[0].key, recs[0].value), (b"a-k1", b"a-v1-x"))
            # The codec wave: one batch per codec, stored with the codec it was sent in; the
            # records of those the raw decoder reads (none, gzip) are the UTF-8 bytes sent.
            wave = [b for b in batches if b.base_offset >= 15 and b.base_offset < per_partition]
            self.assertEqual([b.compression for b in wave], [CODEC_IDS[c] for c in codecs])
            self.assertEqual([b.base_offset for b in wave], [15 + 3 * n for n in range(len(codecs))])
            for codec, batch in zip(codecs[:2], wave):
                self.assertEqual([(r.key, r.value) for r in batch.records],
                                 [(("%s-k%d" % (codec, i)).encode(), utf8_value(codec, i))
                                  for i in (1, 3, 5)], codec)
            self.assertEqual(new_hw, 1)
            self.assertEqual((new_recs[0].key, new_recs[0].value), (b"p2-k0", utf8_value("p2", 0)))
            self.assertEqual(hub.stop(), 0, "exit code after SIGTERM\n" + hub.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
