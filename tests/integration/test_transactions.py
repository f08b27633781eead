"""Transactions are not implemented: what the hub answers a transactional producer, on the raw
wire (tests/lib/kafka_raw.py). The answers are chosen so that real clients fail at once with a
non-retriable error (tests/compat/test_transactions_{kafkajs,rdkafka}.py):

- ApiVersions advertises none of the transaction APIs (AddPartitionsToTxn 24, AddOffsetsToTxn 25,
  EndTxn 26, WriteTxnMarkers 27, TxnOffsetCommit 28), but InitProducerId 22 (idempotence);
- FindCoordinator v1-2 with key type 1 (transaction) names this broker, error NONE;
- InitProducerId v0-1 with any transactional id (also "") is TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  (53) with producer id -1, epoch -1, and the hub logs that transactions are not implemented;
- Produce with a transactional id is refused the same way, and a batch marked transactional is
  INVALID_RECORD; neither appends anything;
- an idempotent producer (null transactional id) and group coordinator lookups are unchanged, on
  the same connection; an unknown key type is INVALID_REQUEST with a message.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "txn-raw"
ERR_INVALID_RECORD = 87
ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53
kr.ERROR_NAMES.update({ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
                       ERR_INVALID_RECORD: "INVALID_RECORD"})
E = kr.err_name
TXN_APIS = {24: "AddPartitionsToTxn", 25: "AddOffsetsToTxn", 26: "EndTxn", 27: "WriteTxnMarkers",
            28: "TxnOffsetCommit"}
ATTR_TRANSACTIONAL = 0x10


def produce_with_transactional_id(conn, transactional_id, topic, partition, blob):
    """Produce v3 whose request carries a transactional id. Returns (error, base_offset)."""
    body = (kr.string(transactional_id) + kr.i16(1) + kr.i32(10000) + kr.i32(1) + kr.string(topic)
            + kr.i32(1) + kr.i32(partition) + kr.nbytes(blob))
    r = conn.call(kr.API_PRODUCE, 3, body)
    assert r.i32() == 1 and r.string() == topic and r.i32() == 1
    part, err, base = r.i32(), r.i16(), r.i64()
    assert part == partition
    return err, base


class TransactionsRawTest(th.HubTestCase):
    hub_name = "transactions-raw"
    hub_args = ("--auto.create.topics.enable", "false")

    @classmethod
    def prepare_hub(cls):
        th.create_topic(cls.hub, TOPIC, 1)

    def hw(self, c):
        err, _, off = kr.list_offsets(c, TOPIC, 0, -1)
        self.assertEqual(err, 0)
        return off

    def test_transaction_apis_are_not_advertised(self):
        with self.hub.connect() as c:
            for v in (0, 3):
                err, apis = kr.api_versions(c, version=v)
                self.assertEqual(err, 0)
                self.assertIn(kr.API_INIT_PRODUCER_ID, apis, "v%d: idempotence needs it" % v)
                self.assertEqual({k: TXN_APIS[k] for k in TXN_APIS if k in apis}, {},
                                 "ApiVersions v%d advertises transaction APIs" % v)

    def test_transaction_coordinator_is_this_broker(self):
        with self.hub.connect() as c:
            md = kr.metadata(c, [], version=1)
            me = md["controller_id"]
            for v in (1, 2):
                f = kr.find_coordinator(c, "tx-app", version=v, key_type=1)
                self.assertEqual((E(f["error"]), f["error_message"], f["node_id"],
                                  (f["host"], f["port"])),
                                 (E(0), None, me, md["brokers"][me]),
                                 "FindCoordinator v%d for a transactional id: %r" % (v, f))
                g = kr.find_coordinator(c, "a-group", version=v, key_type=0)
                self.assertEqual((E(g["error"]), g["node_id"]), (E(0), me), "group: %r" % g)
            f = kr.find_coordinator(c, "tx-app", version=2, key_type=7)
            self.assertEqual((E(f["error"]), f["node_id"]), (E(kr.ERR_INVALID_REQUEST), -1), repr(f))
            self.assertIn("key type 7", f["error_message"] or "", repr(f))

    def test_init_producer_id_refuses_transactional_ids(self):
        with self.hub.connect() as c:
            for v in (0, 1):
                for tid in ("tx-app", ""):
                    got = kr.init_producer_id(c, transactional_id=tid, version=v)
                    self.assertEqual((E(got[0]), got[1], got[2]),
                                     (E(ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED), -1, -1),
                                     "InitProducerId v%d transactional id %r" % (v, tid))
                # The idempotent producer keeps working on the same connection.
                err, pid, epoch = kr.init_producer_id(c, version=v)
                self.assertEqual((E(err), epoch), (E(0), 0), "idempotent InitProducerId v%d" % v)
                self.assertGreaterEqual(pid, 0)
            log = self.hub.wait_log(r"transactional id 'tx-app'.*not implemented")
            self.assertRegex(log, r"transactional id 'tx-app'.*transactions are not implemented")

    def test_produce_refuses_transactions(self):
        with self.hub.connect() as c:
            err, pid, _ = kr.init_producer_id(c)
            self.assertEqual(err, 0)
            before = self.hw(c)
            plain = kr.encode_record_batch([kr.Record(b"k", b"v")])
            err, _ = produce_with_transactional_id(c, "tx-app", TOPIC, 0, plain)
            self.assertEqual(E(err), E(ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
                             "Produce with a transactional id")
            marked = kr.encode_record_batch([kr.Record(b"k", b"v")], producer_id=pid,
                                            producer_epoch=0, base_sequence=0,
                                            attributes=ATTR_TRANSACTIONAL)
            err, _ = kr.produce(c, TOPIC, 0, marked)
            self.assertEqual(E(err), E(ERR_INVALID_RECORD), "a batch marked transactional")
            self.assertEqual(self.hw(c), before, "nothing appended")
            # The same producer id, unmarked, still appends from sequence 0.
            ok = kr.encode_record_batch([kr.Record(b"k", b"v")], producer_id=pid, producer_epoch=0,
                                        base_sequence=0)
            self.assertEqual(kr.produce(c, TOPIC, 0, ok), (0, before))


if __name__ == "__main__":
    unittest.main(verbosity=2)
