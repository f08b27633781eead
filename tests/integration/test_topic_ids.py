"""Topic ids and the flexible topic APIs (issue 15) on the raw wire, against real `tern serve`:

SingleNode:
- ApiVersions advertises Metadata 0-12, CreateTopics 0-7, DeleteTopics 0-6; an ApiVersions v4
  request (as @platformatic/kafka sends first) gets a v0 body with UNSUPPORTED_VERSION and the
  full api list, and the client's retry at v3 on the same connection works;
- CreateTopics v7 returns a non-zero topic id with the partition count, replication factor and
  configs (the override as DYNAMIC_TOPIC_CONFIG); validate_only returns the zero id;
- Metadata v12 by name and by that id report the same id; an unknown id is UNKNOWN_TOPIC_ID with a
  null name; the id survives a restart of the hub;
- `tern topics --describe` prints the id in Kafka's text form; the cluster id is one too;
- delete + recreate of the same name gives a different id; the old id is then unknown;
- DeleteTopics v6 by id deletes the topic (name and id in the answer); an unknown id is
  UNKNOWN_TOPIC_ID; a name and an id at once is INVALID_REQUEST.
Cluster: the cluster id is a Kafka Uuid's text form; CreateTopics v7 through one broker returns the
id every broker's Metadata v12 reports,
by name and by id; DeleteTopics v6 by id through another broker deletes it everywhere.
"""

import base64
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
from tern_cluster import Cluster  # noqa: E402
from tern_harness import Hub, tern_cli  # noqa: E402

ERR_INVALID_REQUEST = 42
SOURCE_DYNAMIC_TOPIC_CONFIG = 1


def uuid_text(raw):
    """Kafka's Uuid.toString: unpadded base64url."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def assert_uuid_text(test, text):
    """A Kafka Uuid's text form: 22 base64url characters that decode to 16 bytes and back."""
    test.assertEqual(len(text), 22, text)
    raw = base64.urlsafe_b64decode(text + "==")
    test.assertEqual(len(raw), 16, text)
    test.assertEqual(uuid_text(raw), text)


def only(topics):
    assert len(topics) == 1, topics
    return topics[0]


class SingleNode(unittest.TestCase):
    hub = None

    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(name="topic-ids")
        cls.hub.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.hub.__exit__(None, None, None)

    def create(self, c, name, partitions=2, configs=None):
        got = only(kr.create_topics_v7(c, [(name, partitions, -1, configs or {})]))
        self.assertEqual((got["name"], got["error"]), (name, 0), got)
        self.assertNotEqual(got["topic_id"], kr.ZERO_UUID, got)
        return got

    def test_advertised_versions_and_api_versions_v4(self):
        with self.hub.connect() as c:
            corr_ok, err, apis, left = kr.api_versions_v4(c)
            self.assertTrue(corr_ok, "correlation id")
            self.assertEqual(err, kr.ERR_UNSUPPORTED_VERSION)
            self.assertEqual(left, 0, "the answer to ApiVersions v4 is not a plain v0 body")
            self.assertEqual(apis[kr.API_API_VERSIONS], (0, 3))
            self.assertEqual(apis[kr.API_METADATA], (0, 12))
            self.assertEqual(apis[kr.API_CREATE_TOPICS], (0, 7))
            self.assertEqual(apis[kr.API_DELETE_TOPICS], (0, 6))
            # The client retries at v3 on the same connection.
            err, apis3 = kr.api_versions(c, 3)
            self.assertEqual(err, 0)
            self.assertEqual(apis3, apis)

    def test_create_returns_id_metadata_by_name_and_id(self):
        with self.hub.connect() as c:
            created = self.create(c, "ids-a", 3, {"retention.ms": "123456"})
            self.assertEqual((created["num_partitions"], created["replication_factor"]), (3, 1))
            self.assertIsNotNone(created["configs"], created)
            self.assertEqual(created["configs"]["retention.ms"], ("123456", SOURCE_DYNAMIC_TOPIC_CONFIG))
            self.assertIn("cleanup.policy", created["configs"])
            tid = created["topic_id"]

            by_name = only(kr.metadata_v12(c, ["ids-a"])["topics"])
            self.assertEqual((by_name["error"], by_name["name"], by_name["topic_id"]), (0, "ids-a", tid))
            self.assertEqual(sorted(by_name["partitions"]), [0, 1, 2])
            by_id = only(kr.metadata_v12(c, [tid])["topics"])
            self.assertEqual((by_id["error"], by_id["name"], by_id["topic_id"]), (0, "ids-a", tid))
            self.assertEqual(by_id["partitions"], by_name["partitions"])
            everything = {t["name"]: t["topic_id"] for t in kr.metadata_v12(c)["topics"]}
            self.assertEqual(everything.get("ids-a"), tid)
            assert_uuid_text(self, kr.metadata_v12(c)["cluster_id"])

            # tern topics --describe prints it as kafka-topics does, between name and count.
            out = tern_cli("topics", "--bootstrap-server", self.hub.bootstrap, "--describe",
                           "--topic", "ids-a").stdout.decode()
            self.assertIn("Topic: ids-a\tTopicId: %s\tPartitionCount: 3" % uuid_text(tid), out)

            unknown = bytes(range(1, 17))
            got = only(kr.metadata_v12(c, [unknown])["topics"])
            self.assertEqual((got["error"], got["name"], got["topic_id"]),
                             (kr.ERR_UNKNOWN_TOPIC_ID, None, unknown))
            # A topic that does not exist, asked for by name: no id.
            got = only(kr.metadata_v12(c, ["ids-missing"])["topics"])
            self.assertEqual((got["error"], got["topic_id"]),
                             (kr.ERR_UNKNOWN_TOPIC_OR_PARTITION, kr.ZERO_UUID))

            dry = only(kr.create_topics_v7(c, [("ids-dry", 1, -1, {})], validate_only=True))
            self.assertEqual((dry["error"], dry["topic_id"], dry["num_partitions"]), (0, kr.ZERO_UUID, 1))
            again = only(kr.create_topics_v7(c, [("ids-a", 1, -1, {})]))
            self.assertEqual((again["error"], again["topic_id"], again["configs"]),
                             (kr.ERR_TOPIC_ALREADY_EXISTS, kr.ZERO_UUID, None))

    def test_recreate_gives_a_new_id(self):
        with self.hub.connect() as c:
            first = self.create(c, "ids-b")["topic_id"]
            deleted = only(kr.delete_topics_v6(c, ["ids-b"]))
            self.assertEqual((deleted["error"], deleted["name"], deleted["topic_id"]), (0, "ids-b", first))
            second = self.create(c, "ids-b")["topic_id"]
            self.assertNotEqual(first, second)
            self.assertEqual(only(kr.metadata_v12(c, ["ids-b"])["topics"])["topic_id"], second)
            self.assertEqual(only(kr.metadata_v12(c, [first])["topics"])["error"], kr.ERR_UNKNOWN_TOPIC_ID)

    def test_delete_by_id(self):
        with self.hub.connect() as c:
            tid = self.create(c, "ids-c")["topic_id"]
            unknown = bytes(16 * [0x5a])
            got = kr.delete_topics_v6(c, [tid, unknown])
            self.assertEqual(len(got), 2, got)
            self.assertEqual((got[0]["error"], got[0]["name"], got[0]["topic_id"]), (0, "ids-c", tid))
            self.assertEqual((got[1]["error"], got[1]["name"], got[1]["topic_id"]),
                             (kr.ERR_UNKNOWN_TOPIC_ID, None, unknown))
            self.assertIsNotNone(got[1]["message"])
            self.assertEqual(only(kr.metadata_v12(c, ["ids-c"])["topics"])["error"],
                             kr.ERR_UNKNOWN_TOPIC_OR_PARTITION)
            self.assertEqual(only(kr.metadata_v12(c, [tid])["topics"])["error"], kr.ERR_UNKNOWN_TOPIC_ID)
            # A name and an id at once.
            tid2 = self.create(c, "ids-d")["topic_id"]
            body = kr.uvarint(2) + kr.compact_string("ids-d") + tid2 + kr.uvarint(0) + kr.i32(5000) + kr.uvarint(0)
            r = c.call(kr.API_DELETE_TOPICS, 6, body, header_version=2, flexible_response=True)
            r.i32()
            self.assertEqual(r.uvarint(), 2)
            self.assertEqual(kr._cstr_read(r), "ids-d")
            self.assertEqual(r._take(16), tid2)
            self.assertEqual(r.i16(), ERR_INVALID_REQUEST)
            self.assertEqual(only(kr.metadata_v12(c, ["ids-d"])["topics"])["error"], 0)

    def test_id_survives_restart(self):
        with Hub(name="topic-ids-restart") as hub:
            with hub.connect() as c:
                tid = self.create(c, "ids-kept")["topic_id"]
            hub.restart()
            with hub.connect() as c:
                got = only(kr.metadata_v12(c, [tid])["topics"])
                self.assertEqual((got["error"], got["name"], got["topic_id"]), (0, "ids-kept", tid))


class ClusterIds(unittest.TestCase):

    def test_every_broker_reports_the_same_id(self):
        with Cluster(3) as cluster:
            b1, b2, b3 = cluster.brokers()
            controller = None
            with b1.connect() as c:
                controller = kr.metadata_v12(c)["controller_id"]
            via = cluster.node(controller)
            with via.connect() as c:
                created = only(kr.create_topics_v7(c, [("cluster-ids", 2, 3, {})]))
            self.assertEqual(created["error"], 0, created)
            tid = created["topic_id"]
            self.assertNotEqual(tid, kr.ZERO_UUID)
            with via.connect() as c:
                assert_uuid_text(self, kr.metadata_v12(c)["cluster_id"])
            for node in (b1, b2, b3):
                deadline = time.monotonic() + 30
                while True:
                    with node.connect() as c:
                        by_name = only(kr.metadata_v12(c, ["cluster-ids"])["topics"])
                        by_id = only(kr.metadata_v12(c, [tid])["topics"])
                    if by_name["error"] == 0 and by_id["error"] == 0:
                        break
                    self.assertLess(time.monotonic(), deadline, (node.node_id, by_name, by_id))
                    time.sleep(0.2)
                self.assertEqual(by_name["topic_id"], tid, node.node_id)
                self.assertEqual(by_id["name"], "cluster-ids", node.node_id)
            # Delete by id through another broker: it is gone everywhere.
            other = next(n for n in (b1, b2, b3) if n.node_id != controller)
            with other.connect() as c:
                deleted = only(kr.delete_topics_v6(c, [tid]))
            self.assertEqual((deleted["error"], deleted["name"]), (0, "cluster-ids"), deleted)
            for node in (b1, b2, b3):
                deadline = time.monotonic() + 30
                while True:
                    with node.connect() as c:
                        got = only(kr.metadata_v12(c, [tid])["topics"])
                    if got["error"] == kr.ERR_UNKNOWN_TOPIC_ID:
                        break
                    self.assertLess(time.monotonic(), deadline, (node.node_id, got))
                    time.sleep(0.2)


if __name__ == "__main__":
    unittest.main()
