"""DeleteRecords (21) v0-2 and `tern delete-records`, and OffsetDelete (47) (issue 15).

DeleteRecords: a partition's records below an
offset go (whole batches: the batch holding the offset stays, and the low watermark is its base
offset), Fetch below the new start is OFFSET_OUT_OF_RANGE, offsets above the high watermark and
unknown partitions are refused, -1 deletes everything committed, and the deletion survives a
restart. `tern delete-records --offset-json-file` takes kafka-delete-records' JSON file (several
topics and partitions in one go); a bad file, or one naming a partition the topic does not have,
is refused with the cause and deletes nothing. Raw wire (tests/lib/kafka_raw.py) plus kcat reading what is left; kafkajs's
admin.deleteTopicRecords is exercised in tests/compat.

OffsetDelete: a group's committed offsets of chosen partitions go, the others stay; an unknown
group is GROUP_ID_NOT_FOUND; while a kcat consumer (librdkafka's group protocol) is a member
subscribed to the topic, its partitions answer GROUP_SUBSCRIBED_TO_TOPIC and keep their offsets.
"""

import subprocess
import time

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402


def produce_batches(hub, topic, partition, batches, per_batch):
    with hub.connect() as c:
        for b in range(batches):
            recs = [kr.Record(b"k", b"%s-%d-%d" % (topic.encode(), partition, b * per_batch + i))
                    for i in range(per_batch)]
            err, _ = kr.produce(c, topic, partition, kr.encode_record_batch(recs))
            assert err == kr.ERR_NONE, err


class DeleteRecordsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.hub = th.Hub(["--auto.create.topics.enable", "false"], name="delete-records").start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()

    def start_of(self, topic, partition):
        with self.hub.connect() as c:
            return kr.list_offsets(c, topic, partition, -2)[2]

    def test_every_version_deletes_whole_batches_below_the_offset(self):
        for version in (0, 1, 2):
            topic = "dr-v%d" % version
            th.create_topic(self.hub, topic, 2)
            produce_batches(self.hub, topic, 0, 3, 10)  # batches at 0, 10, 20
            produce_batches(self.hub, topic, 1, 1, 5)
            with self.hub.connect() as c:
                # A batch boundary is exact; a mid-batch offset keeps the batch that holds it.
                res = kr.delete_records(c, {topic: {0: 10, 1: 3}}, version=version)
                self.assertEqual(res, {(topic, 0): (0, 10), (topic, 1): (0, 0)}, version)
                res = kr.delete_records(c, {topic: {0: 15}}, version=version)
                self.assertEqual(res, {(topic, 0): (0, 10)})
                self.assertEqual(kr.fetch(c, topic, 0, 5)["error"], kr.ERR_OFFSET_OUT_OF_RANGE)
                _, batches, hw = kr.fetch_all(c, topic, 0, 10)
                self.assertEqual(([b.base_offset for b in batches], hw), ([10, 20], 30))
                # Beyond the high watermark, below -1, unknown partitions: refused, nothing moves.
                res = kr.delete_records(c, {topic: {0: 31, 1: -2, 7: 0}}, version=version)
                self.assertEqual(res, {(topic, 0): (kr.ERR_OFFSET_OUT_OF_RANGE, -1),
                                       (topic, 1): (kr.ERR_OFFSET_OUT_OF_RANGE, -1),
                                       (topic, 7): (kr.ERR_UNKNOWN_TOPIC_OR_PARTITION, -1)})
                res = kr.delete_records(c, {"dr-no-such-topic": {0: 1}}, version=version)
                self.assertEqual(res, {("dr-no-such-topic", 0): (kr.ERR_UNKNOWN_TOPIC_OR_PARTITION, -1)})
                self.assertEqual(self.start_of(topic, 0), 10)
                # -1: everything committed; the log end stays where it was.
                res = kr.delete_records(c, {topic: {0: -1}}, version=version)
                self.assertEqual(res, {(topic, 0): (0, 30)})
                self.assertEqual(kr.list_offsets(c, topic, 0, -1)[2], 30)
                self.assertEqual(kr.list_offsets(c, topic, 1, -2)[2], 0)  # partition 1 untouched

    def test_cli_deletes_and_it_survives_a_restart(self):
        topic = "dr-cli"
        th.create_topic(self.hub, topic, 2)
        for p in (0, 1):
            produce_batches(self.hub, topic, p, 4, 5)  # 0..19 in batches of 5
        out = th.tern_cli("delete-records", "--bootstrap-server", self.hub.bootstrap, "--topic", topic,
                          "--offset", "10", hub=self.hub).stdout.decode()
        self.assertEqual(sorted(out.splitlines()), ["partition: %s-0\tlow_watermark: 10" % topic,
                                                    "partition: %s-1\tlow_watermark: 10" % topic])
        out = th.tern_cli("delete-records", "--bootstrap-server", self.hub.bootstrap, "--topic", topic,
                          "--partition", "1", "--offset", "-1", hub=self.hub).stdout.decode()
        self.assertEqual(out.splitlines(), ["partition: %s-1\tlow_watermark: 20" % topic])
        bad = th.tern_cli("delete-records", "--bootstrap-server", self.hub.bootstrap, "--topic", topic,
                          "--offset", "99", check=False, hub=self.hub)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("OFFSET_OUT_OF_RANGE", bad.stderr.decode())
        # What is left, read by kcat, then again after a restart.
        def left():
            text = th.kcat_consume(self.hub, topic, "-o", "beginning")
            return sorted((p, o) for p, o, _, _ in th.parse_kcat_records(text))
        want = [(0, o) for o in range(10, 20)]
        self.assertEqual(left(), want)
        self.hub.stop()
        self.hub.start()
        self.assertEqual(left(), want)
        self.assertEqual(self.start_of(topic, 0), 10)
        self.assertEqual(self.start_of(topic, 1), 20)

    def test_cli_offset_json_file(self):
        th.create_topic(self.hub, "dr-json-a", 2)
        th.create_topic(self.hub, "dr-json-b", 1)
        for topic, p in (("dr-json-a", 0), ("dr-json-a", 1), ("dr-json-b", 0)):
            produce_batches(self.hub, topic, p, 4, 5)  # 0..19 in batches of 5
        starts = lambda: [self.start_of(t, p) for t, p in (("dr-json-a", 0), ("dr-json-a", 1), ("dr-json-b", 0))]
        tmp = tempfile.mkdtemp(prefix="dr-json-")

        def run(text, *extra):
            path = os.path.join(tmp, "offsets.json")
            with open(path, "w") as f:
                f.write(text)
            return th.tern_cli("delete-records", "--bootstrap-server", self.hub.bootstrap,
                               "--offset-json-file", path, *extra, check=False, hub=self.hub)

        def entry(topic, partition, offset):
            return {"topic": topic, "partition": partition, "offset": offset}

        good = [entry("dr-json-a", 0, 10), entry("dr-json-a", 1, -1), entry("dr-json-b", 0, 5)]
        # Bad files: the cause on stderr, a non-zero exit, and nothing deleted.
        bad_cases = [
            ('{"partitions": [\n  {"topic": "dr-json-a", "partition": 0, "offset": 10},\n]}', 2,
             "line 3, column 1: unexpected character ']'"),
            (json.dumps({"partitions": [entry("dr-json-a", 0, "10")], "version": 1}), 2,
             "partitions[0].offset: must be an integer >= -1"),
            (json.dumps({"partitions": good, "version": 2}), 2, "only version 1 is supported"),
            (json.dumps({"partitions": good + [entry("dr-json-a", 0, 3)]}), 2,
             "partitions[3]: dr-json-a-0 is listed twice"),
            (json.dumps({"partitions": []}), 2, "lists no partitions"),
            (json.dumps({"partitions": good + [entry("dr-json-a", 2, 1)]}), 1,
             "topic 'dr-json-a' has no partition 2 (nothing was deleted)"),
            (json.dumps({"partitions": good + [entry("dr-json-none", 0, 1)]}), 1,
             "topic 'dr-json-none': UNKNOWN_TOPIC_OR_PARTITION"),
        ]
        for text, rc, cause in bad_cases:
            res = run(text)
            self.assertEqual(res.returncode, rc, (text, res.stderr))
            self.assertIn(cause, res.stderr.decode(), text)
            self.assertEqual(res.stdout, b"", text)
            self.assertEqual(starts(), [0, 0, 0], text)
        res = run(json.dumps({"partitions": good}), "--topic", "dr-json-a")
        self.assertEqual(res.returncode, 2)
        self.assertIn("--offset-json-file replaces --topic", res.stderr.decode())
        missing = th.tern_cli("delete-records", "--bootstrap-server", self.hub.bootstrap, "--offset-json-file",
                              os.path.join(tmp, "absent.json"), check=False, hub=self.hub)
        self.assertEqual(missing.returncode, 2)
        self.assertIn("absent.json: No such file or directory", missing.stderr.decode())
        self.assertEqual(starts(), [0, 0, 0])
        # The good file: two topics, three partitions, one call.
        res = run(json.dumps({"partitions": good, "version": 1}))
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(sorted(res.stdout.decode().splitlines()),
                         ["partition: dr-json-a-0\tlow_watermark: 10",
                          "partition: dr-json-a-1\tlow_watermark: 20",
                          "partition: dr-json-b-0\tlow_watermark: 5"])
        self.assertEqual(starts(), [10, 20, 5])
        # An offset beyond the high watermark: the broker's answer, per partition.
        res = run(json.dumps({"partitions": [entry("dr-json-b", 0, 99), entry("dr-json-a", 0, 15)]}))
        self.assertEqual(res.returncode, 1)
        self.assertIn("dr-json-b-0: OFFSET_OUT_OF_RANGE", res.stderr.decode())
        self.assertEqual(res.stdout.decode().splitlines(), ["partition: dr-json-a-0\tlow_watermark: 15"])
        self.assertEqual(starts(), [15, 20, 5])

    def committed(self, group, topic, partitions):
        with self.hub.connect() as c:
            res = kr.offset_fetch(c, group, {topic: partitions})
        return {p: res["offsets"][(topic, p)][0] for p in partitions}

    def test_offset_delete(self):
        topic = "od-topic"
        th.create_topic(self.hub, topic, 3)
        for p in range(3):
            produce_batches(self.hub, topic, p, 1, 5)
        with self.hub.connect() as c:
            res = kr.offset_commit(c, "od-g", {topic: {p: (p + 1, "") for p in range(3)}})
            self.assertEqual(set(res.values()), {0})
            err, parts = kr.offset_delete(c, "od-g", {topic: [0, 2]})
            self.assertEqual((err, parts), (0, {(topic, 0): 0, (topic, 2): 0}))
            self.assertEqual(kr.offset_delete(c, "od-nobody", {topic: [0]})[0],
                             kr.ERR_GROUP_ID_NOT_FOUND)
        self.assertEqual(self.committed("od-g", topic, [0, 1, 2]), {0: -1, 1: 2, 2: -1})
        # A live member subscribed to the topic: its offsets are in use.
        kcat = subprocess.Popen(["kcat", "-b", self.hub.bootstrap, "-G", "od-live", topic,
                                 "-X", "auto.offset.reset=earliest", "-X", "enable.auto.commit=true",
                                 "-X", "auto.commit.interval.ms=100", "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            state = None
            while time.monotonic() < deadline:
                with self.hub.connect() as c:
                    state = kr.describe_groups(c, ["od-live"])["od-live"]["state"]
                    have = self.committed("od-live", topic, [0, 1, 2])
                if state == "Stable" and all(v == 5 for v in have.values()):
                    break
                time.sleep(0.2)
            self.assertEqual(state, "Stable")
            with self.hub.connect() as c:
                err, parts = kr.offset_delete(c, "od-live", {topic: [0, 1], "od-other": [0]})
            self.assertEqual(err, 0)
            self.assertEqual(parts, {(topic, 0): kr.ERR_GROUP_SUBSCRIBED_TO_TOPIC,
                                     (topic, 1): kr.ERR_GROUP_SUBSCRIBED_TO_TOPIC,
                                     ("od-other", 0): 0})
            self.assertEqual(self.committed("od-live", topic, [0, 1, 2]), {0: 5, 1: 5, 2: 5})
        finally:
            kcat.terminate()
            kcat.wait(timeout=30)


if __name__ == "__main__":
    unittest.main()
