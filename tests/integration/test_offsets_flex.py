"""The flexible versions of OffsetCommit (v8), OffsetFetch (v6-8), ListOffsets (v4-7) and
InitProducerId (v2-4) (issue 15) on the raw wire, against `tern serve`:

- ApiVersions advertises exactly those maxima;
- OffsetCommit v8, then OffsetFetch v8 asking for two groups at once (the committed one and an
  unknown one, which gets its own answer: -1 for every partition, no error) and for all topics
  of a group (null topics), plus the single-group v6/v7 layouts; a group the principal may not
  describe gets GROUP_AUTHORIZATION_FAILED as its own error, next to one it may;
- ListOffsets v7 with -1 (latest), -2 (earliest), -3 (the record with the largest timestamp,
  which here is neither the last record nor in the last batch, and whose batch is compressed) and
  plain timestamps; -3 after DeleteRecords removed that record; -3 before v7 is INVALID_REQUEST;
  a single node ignores current_leader_epoch and answers leader_epoch -1; a cluster node checks
  it (older: FENCED_LEADER_EPOCH, newer: UNKNOWN_LEADER_EPOCH) and answers the epochs;
- InitProducerId v4 (KIP-360): a known producer's current epoch is bumped (same id), a retry of
  that bump gets the same answer, a wrong epoch is PRODUCER_FENCED (v4) or INVALID_PRODUCER_EPOCH
  (v3), an id without an epoch INVALID_REQUEST, an unknown id a fresh id; the old epoch is then
  fenced by Produce; a transactional id is still refused.
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402
from tern_cluster import Cluster  # noqa: E402

TOPIC = "flex-offsets"
E = kr.err_name
T0 = 1_700_000_000_000


def records(*deltas):
    return [kr.Record(b"k", b"v%d" % d, timestamp=T0 + d) for d in deltas]


class OffsetsFlexTest(unittest.TestCase):

    def setUp(self):
        self.hub = th.Hub(["--auto.create.topics.enable", "false"], name="offsets-flex").start()
        th.create_topic(self.hub, TOPIC, 2)

    def tearDown(self):
        self.hub.close()

    def test_advertised_versions(self):
        with self.hub.connect() as c:
            err, versions = kr.api_versions(c, 3)
            self.assertEqual(err, 0)
            self.assertEqual(versions[kr.API_OFFSET_COMMIT], (0, 8))
            self.assertEqual(versions[kr.API_OFFSET_FETCH], (0, 8))
            self.assertEqual(versions[kr.API_LIST_OFFSETS], (0, 7))
            self.assertEqual(versions[kr.API_INIT_PRODUCER_ID], (0, 4))

    def test_commit_v8_then_fetch_two_groups(self):
        with self.hub.connect() as c:
            got = kr.offset_commit_flex(c, "g1", {TOPIC: {0: (3, "meta", 4), 1: (7, None, -1)}})
            self.assertEqual(got, {(TOPIC, 0): 0, (TOPIC, 1): 0})
            # A partition that does not exist is refused per partition, as in v0-7.
            got = kr.offset_commit_flex(c, "g1", {TOPIC: {9: (1, "", -1)}})
            self.assertEqual(E(got[(TOPIC, 9)]), E(kr.ERR_UNKNOWN_TOPIC_OR_PARTITION))

            groups = kr.offset_fetch_groups(
                c, [("g1", {TOPIC: [0, 1]}), ("nobody", {TOPIC: [0]}), ("g1", None)],
                require_stable=True)
            self.assertEqual([g["group_id"] for g in groups], ["g1", "nobody", "g1"])
            g1, unknown, g1_all = groups
            self.assertEqual(E(g1["error"]), E(0))
            self.assertEqual(g1["offsets"], {(TOPIC, 0): (3, "meta", 0), (TOPIC, 1): (7, "", 0)})
            self.assertEqual(g1["leader_epochs"], {(TOPIC, 0): 4, (TOPIC, 1): -1})
            # The unknown group is answered on its own: nothing committed, no error.
            self.assertEqual(E(unknown["error"]), E(0))
            self.assertEqual(unknown["offsets"], {(TOPIC, 0): (-1, "", 0)})
            # Null topics: every partition the group committed.
            self.assertEqual(g1_all["offsets"], g1["offsets"])

            for version in (6, 7):
                got = kr.offset_fetch_flex(c, "g1", {TOPIC: [0]}, version=version)
                self.assertEqual((got["error"], got["offsets"]), (0, {(TOPIC, 0): (3, "meta", 0)}))
                self.assertEqual(got["leader_epochs"], {(TOPIC, 0): 4})
            got = kr.offset_fetch_flex(c, "g1", None, version=6)
            self.assertEqual(got["offsets"], g1["offsets"])
            # The classic versions still read what v8 committed.
            got = kr.offset_fetch(c, "g1", {TOPIC: [0]}, version=5)
            self.assertEqual(got["offsets"], {(TOPIC, 0): (3, "meta", 0)})

    def list_v7(self, c, timestamp, partition=0, version=7, epoch=-1):
        (got,) = kr.list_offsets_flex(c, TOPIC, [(partition, timestamp, epoch)], version=version)
        self.assertEqual(got[0], partition)
        return got[1:]  # error, timestamp, offset, leader_epoch

    def test_list_offsets_v7_max_timestamp(self):
        with self.hub.connect() as c:
            # Offsets 0-1 (timestamps +1000, +6000), 2 (+2000), a gzip batch 3-4 (+3000, +6000)
            # and 5 (+4000). The largest timestamp, +6000, is first reached at offset 1: neither
            # the last record nor in the last batch; offset 4 ties it but comes later.
            for blob in (kr.encode_record_batch(records(1000, 6000)),
                         kr.encode_record_batch(records(2000)),
                         kr.encode_record_batch(records(3000, 6000), gzip_records=True),
                         kr.encode_record_batch(records(4000))):
                err, _ = kr.produce(c, TOPIC, 0, blob, acks=-1)
                self.assertEqual(E(err), E(0))

            self.assertEqual(self.list_v7(c, -1), (0, -1, 6, -1))
            self.assertEqual(self.list_v7(c, -2), (0, -1, 0, -1))
            self.assertEqual(self.list_v7(c, kr.MAX_TIMESTAMP), (0, T0 + 6000, 1, -1))
            self.assertEqual(self.list_v7(c, T0 + 1000), (0, T0 + 1000, 0, -1))
            self.assertEqual(self.list_v7(c, T0 + 1001), (0, T0 + 6000, 1, -1))
            self.assertEqual(self.list_v7(c, T0 + 6001), (0, -1, -1, -1))
            # Versions 4-6 have the same answers for -1/-2; -3 is a v7 value.
            for version in (4, 5, 6):
                self.assertEqual(self.list_v7(c, -1, version=version), (0, -1, 6, -1))
                err = self.list_v7(c, kr.MAX_TIMESTAMP, version=version)[0]
                self.assertEqual(E(err), E(kr.ERR_INVALID_REQUEST), "v%d" % version)
            # A single node has no leader epochs: the client's is not checked.
            self.assertEqual(self.list_v7(c, -1, epoch=5), (0, -1, 6, -1))
            # An empty partition has no record with a timestamp.
            self.assertEqual(self.list_v7(c, kr.MAX_TIMESTAMP, partition=1), (0, -1, -1, -1))

            # DeleteRecords before offset 2 (a batch boundary) removes the maximum: -3 now names
            # the largest timestamp left, +6000 at offset 4 inside the compressed batch.
            got = kr.delete_records(c, {TOPIC: {0: 2}}, version=2)
            self.assertEqual(got[(TOPIC, 0)], (0, 2))
            self.assertEqual(self.list_v7(c, kr.MAX_TIMESTAMP), (0, T0 + 6000, 4, -1))
            self.assertEqual(self.list_v7(c, -2), (0, -1, 2, -1))
            # Before offset 5: only +4000 at offset 5 is left.
            got = kr.delete_records(c, {TOPIC: {0: 5}}, version=2)
            self.assertEqual(got[(TOPIC, 0)], (0, 5))
            self.assertEqual(self.list_v7(c, kr.MAX_TIMESTAMP), (0, T0 + 4000, 5, -1))

    def test_init_producer_id_v4_bump(self):
        with self.hub.connect() as c:
            err, pid, epoch = kr.init_producer_id_flex(c, version=4)
            self.assertEqual((E(err), epoch), (E(0), 0))
            self.assertGreaterEqual(pid, 0)
            blob = kr.encode_record_batch(records(1), producer_id=pid, producer_epoch=0,
                                          base_sequence=0)
            self.assertEqual(E(kr.produce(c, TOPIC, 0, blob, acks=-1)[0]), E(0))

            # KIP-360: the current epoch is bumped, the id kept; a retry gets the same answer.
            self.assertEqual(kr.init_producer_id_flex(c, 4, pid, 0), (0, pid, 1))
            self.assertEqual(kr.init_producer_id_flex(c, 4, pid, 0), (0, pid, 1))
            # Any other epoch is refused: PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before.
            err, got_pid, _ = kr.init_producer_id_flex(c, 4, pid, 5)
            self.assertEqual((E(err), got_pid), (E(kr.ERR_PRODUCER_FENCED), -1))
            err, _, _ = kr.init_producer_id_flex(c, 3, pid, 5)
            self.assertEqual(E(err), E(kr.ERR_INVALID_PRODUCER_EPOCH))
            # An id without an epoch (or the reverse) is malformed.
            err, _, _ = kr.init_producer_id_flex(c, 4, pid, -1)
            self.assertEqual(E(err), E(kr.ERR_INVALID_REQUEST))

            # The bumped epoch starts a new sequence; the old epoch is fenced by the partition.
            blob = kr.encode_record_batch(records(2), producer_id=pid, producer_epoch=1,
                                          base_sequence=0)
            self.assertEqual(E(kr.produce(c, TOPIC, 0, blob, acks=-1)[0]), E(0))
            blob = kr.encode_record_batch(records(3), producer_id=pid, producer_epoch=0,
                                          base_sequence=1)
            self.assertEqual(E(kr.produce(c, TOPIC, 0, blob, acks=-1)[0]),
                             E(kr.ERR_INVALID_PRODUCER_EPOCH))
            # v3 bumps too, from the epoch it now has.
            self.assertEqual(kr.init_producer_id_flex(c, 3, pid, 1), (0, pid, 2))

            # An id this hub never handed out gets a fresh one.
            err, fresh, epoch = kr.init_producer_id_flex(c, 4, 1 << 50, 3)
            self.assertEqual((E(err), epoch), (E(0), 0))
            self.assertNotIn(fresh, (pid, 1 << 50))
            # v2 has no id: always a fresh one.
            err, other, epoch = kr.init_producer_id_flex(c, 2)
            self.assertEqual((E(err), epoch), (E(0), 0))
            self.assertNotIn(other, (pid, fresh))
            # Transactions stay refused at every version.
            err, got_pid, got_epoch = kr.init_producer_id_flex(c, 4, transactional_id="tx")
            self.assertEqual((E(err), got_pid, got_epoch),
                             (E(kr.ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED), -1, -1))

        # A restart forgets the epochs: the producer gets a fresh id, never an old one.
        self.hub.restart()
        with self.hub.connect() as c:
            err, after, epoch = kr.init_producer_id_flex(c, 4, pid, 2)
            self.assertEqual((E(err), epoch), (E(0), 0))
            self.assertNotIn(after, (pid, fresh, other))


class ListOffsetsLeaderEpochTest(unittest.TestCase):
    """Two gateways and a witness: the partition has a leader epoch, which ListOffsets v4+
    checks on its leader; the other broker does not answer for it."""

    def test_current_leader_epoch_is_checked(self):
        with Cluster(2, witnesses=1) as cluster:
            with cluster.node(1).connect() as c:
                self.assertEqual(kr.create_topic(c, TOPIC, 1, 2), 0)
            md = cluster.wait_leaders(TOPIC, 1)
            leader = md["topics"][TOPIC][0]["leader"]
            with cluster.node(leader).connect() as c:
                err, _ = kr.produce(c, TOPIC, 0, kr.encode_record_batch(records(1000, 2000)),
                                    acks=-1)
                self.assertEqual(E(err), E(0))

                def ask(timestamp, epoch, version=7):
                    (got,) = kr.list_offsets_flex(c, TOPIC, [(0, timestamp, epoch)], version)
                    return got[1:]

                err, _, end, epoch = ask(-1, -1)
                self.assertEqual((E(err), end), (E(0), 2))
                self.assertGreaterEqual(epoch, 0)  # the current leader epoch
                self.assertEqual(ask(-1, epoch), (0, -1, 2, epoch))
                # The records were written in the current epoch: their answers carry it.
                self.assertEqual(ask(-2, epoch), (0, -1, 0, epoch))
                self.assertEqual(ask(kr.MAX_TIMESTAMP, epoch), (0, T0 + 2000, 1, epoch))
                self.assertEqual(ask(T0 + 1500, epoch, version=4), (0, T0 + 2000, 1, epoch))
                self.assertEqual(E(ask(-1, epoch + 1)[0]), E(kr.ERR_UNKNOWN_LEADER_EPOCH))

            # The leader stops: the other broker leads in a newer epoch, and the old one is
            # fenced. The records keep the epoch they were written in.
            cluster.node(leader).stop()
            other = 3 - leader
            cluster.wait_leaders(TOPIC, 1, via=cluster.node(other), exclude=(leader,))
            with cluster.node(other).connect() as c:
                def ask_new(timestamp, epoch):
                    (got,) = kr.list_offsets_flex(c, TOPIC, [(0, timestamp, epoch)], 7)
                    return got[1:]

                deadline = time.monotonic() + 30
                while True:
                    err, _, end, new_epoch = ask_new(-1, -1)
                    if (err, end) == (0, 2) or time.monotonic() > deadline:
                        break
                    # The new leader may still be taking over, and its high watermark catching
                    # up (Kafka answers OFFSET_NOT_AVAILABLE meanwhile; the hub answers the
                    # high watermark it has).
                    time.sleep(0.2)
                self.assertEqual((E(err), end), (E(0), 2))
                self.assertGreater(new_epoch, epoch)
                self.assertEqual(E(ask_new(-1, epoch)[0]), E(kr.ERR_FENCED_LEADER_EPOCH))
                self.assertEqual(ask_new(-2, new_epoch), (0, -1, 0, epoch))
                self.assertEqual(ask_new(kr.MAX_TIMESTAMP, new_epoch), (0, T0 + 2000, 1, epoch))


class OffsetFetchGroupAuthorizationTest(unittest.TestCase):

    def test_each_group_has_its_own_authorization(self):
        tmp = tempfile.mkdtemp(prefix="tern-it-offsets-flex-")
        try:
            acl_file = os.path.join(tmp, "hub.acl")
            th.tern_cli("acls", "--acl-file", acl_file, "--add", "--deny-principal", "User:*",
                        "--operation", "Describe", "--group", "secret")
            with th.Hub(["--authorizer.acl.file", acl_file,
                         "--allow.everyone.if.no.acl.found", "true"],
                        name="offsets-flex-acl") as hub, hub.connect() as c:
                th.create_topic(hub, TOPIC, 1)
                self.assertEqual(kr.offset_commit_flex(c, "open", {TOPIC: {0: (2, "", -1)}}),
                                 {(TOPIC, 0): 0})
                secret, open_ = kr.offset_fetch_groups(c, [("secret", {TOPIC: [0]}),
                                                           ("open", {TOPIC: [0]})])
                self.assertEqual((secret["group_id"], E(secret["error"]), secret["offsets"]),
                                 ("secret", E(kr.ERR_GROUP_AUTHORIZATION_FAILED), {}))
                self.assertEqual((open_["group_id"], E(open_["error"]), open_["offsets"]),
                                 ("open", E(0), {(TOPIC, 0): (2, "", 0)}))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
