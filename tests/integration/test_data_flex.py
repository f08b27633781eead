"""The data path's flexible versions (issue 15) against a real `tern serve`, on the raw wire
(tests/lib/kafka_raw.py, independent of the hub's codec) and through kcat:

- ApiVersions advertises Produce 0-9 and Fetch 4-12;
- a Produce v9 (compact records) answer, then a Fetch v12 answer, byte for byte: the records come
  back exactly as stored, after a compact length, with the v12 tag sections;
- Produce v8 and v9 refusals carry record_errors (the offending records' indexes) and an
  error_message; v7 answers with the error code alone;
- malformed v9/v12 frames (a records length or a tagged field past the frame) close the
  connection and nothing else;
- kcat (librdkafka) reads what Produce v9 wrote; the test reports which Fetch version it chose.
"""

import os
import re
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

HOUR_MS = 3600 * 1000


def now_ms():
    return int(time.time() * 1000)


def records(timestamps, prefix="r"):
    return [kr.Record(b"k%d" % n, b"%s-%d" % (prefix.encode(), n), timestamp=ts)
            for n, ts in enumerate(timestamps)]


def with_base_offset(batch, base_offset):
    """The batch as the hub stores it at `base_offset` (the CRC does not cover that field)."""
    return kr.i64(base_offset) + batch[8:]


class DataFlexTest(th.HubTestCase):
    hub_name = "data-flex"
    hub_args = ("--auto.create.topics.enable", "false")

    def test_api_versions_advertise_the_flexible_versions(self):
        with self.hub.connect() as c:
            err, versions = kr.api_versions(c, 3)
        self.assertEqual(err, 0)
        self.assertEqual(versions[kr.API_PRODUCE], (0, 9))
        self.assertEqual(versions[kr.API_FETCH], (4, 13))

    def test_produce_v9_then_fetch_v12_byte_exact(self):
        topic = "flex-exact"
        th.create_topic(self.hub, topic, 1)
        now = now_ms()
        first = kr.encode_record_batch(records([now - 10, now - 5, now], "v9"))
        second = kr.encode_record_batch(records([now + 1, now + 2], "v8"), gzip_records=True)
        with self.hub.connect() as c:
            # Produce v9, checked byte for byte: header v1 (correlation id, empty tag section),
            # then the compact body.
            corr = c.send_request(kr.API_PRODUCE, 9, kr.produce_flex_body(topic, 0, first),
                                  header_version=2)
            got = c.recv_frame()
            want = (kr.i32(corr) + kr.uvarint(0)                     # response header v1
                    + kr.uvarint(2) + kr.compact_string(topic)       # responses: 1
                    + kr.uvarint(2) + kr.i32(0) + kr.i16(0)          # partition 0, no error
                    + kr.i64(0) + kr.i64(-1) + kr.i64(0)             # base, append time, start
                    + kr.uvarint(1) + kr.uvarint(0)                  # record_errors [], null msg
                    + kr.uvarint(0) + kr.uvarint(0)                  # partition, topic tags
                    + kr.i32(0) + kr.uvarint(0))                     # throttle, tags
            self.assertEqual(got.hex(), want.hex())
            # Produce v8 (classic layout, the v8 response fields) for the second batch.
            res = kr.produce_flex(c, topic, 0, second, version=8)
            self.assertEqual((res["error"], res["base_offset"], res["record_errors"],
                              res["error_message"]), (kr.ERR_NONE, 3, [], None), res)

            # Fetch v12 from 0, with a cluster_id tag (ignored): both batches as stored, after
            # one compact length, then the empty partition tag section.
            corr, got = kr.fetch_v12_raw(c, topic, 0, 0, cluster_id="some-cluster")
            stored = first + with_base_offset(second, 3)
            want = (kr.i32(corr) + kr.uvarint(0)                     # response header v1
                    + kr.i32(0) + kr.i16(0) + kr.i32(0)              # throttle, error, session
                    + kr.uvarint(2) + kr.compact_string(topic)       # responses: 1
                    + kr.uvarint(2) + kr.i32(0) + kr.i16(0)          # partition 0, no error
                    + kr.i64(5) + kr.i64(5) + kr.i64(0)              # hw, lso, log start
                    + kr.uvarint(1)                                  # aborted: [] (not null)
                    + kr.i32(-1)                                     # preferred_read_replica
                    + kr.compact_bytes(stored)                       # records
                    + kr.uvarint(0)                                  # partition tags: none
                    + kr.uvarint(0) + kr.uvarint(0))                 # topic tags, tags
            self.assertEqual(len(got), len(want))
            self.assertEqual(got.hex(), want.hex())
            # The records blob is whole batches with valid CRCs and the records we sent.
            r = kr.Reader(got, 5)
            res = kr.decode_fetch_v12(r)
            batches = kr.decode_record_batches(res["partitions"][(topic, 0)]["records"])
            self.assertEqual([b.base_offset for b in batches], [0, 3])
            self.assertEqual([rec.value for b in batches for rec in b.records],
                             [b"v9-0", b"v9-1", b"v9-2", b"v8-0", b"v8-1"])

            # From the middle of the second batch, and at the high watermark (empty, not null).
            _, got = kr.fetch_v12_raw(c, topic, 0, 4)
            res = kr.decode_fetch_v12(kr.Reader(got, 5))
            self.assertEqual(res["partitions"][(topic, 0)]["records"], with_base_offset(second, 3))
            _, got = kr.fetch_v12_raw(c, topic, 0, 5, max_wait_ms=0)
            res = kr.decode_fetch_v12(kr.Reader(got, 5))
            part = res["partitions"][(topic, 0)]
            self.assertEqual((part["error"], part["records"], part["tags"]), (0, b"", {}))
            # An unknown partition: the error, null records, still a well-formed v12 answer.
            _, got = kr.fetch_v12_raw(c, topic, 9, 0, max_wait_ms=0)
            part = kr.decode_fetch_v12(kr.Reader(got, 5))["partitions"][(topic, 9)]
            self.assertEqual(part["error"], kr.ERR_UNKNOWN_TOPIC_OR_PARTITION)

    def test_refusals_carry_record_errors_and_a_message(self):
        topic = "flex-refused"
        th.create_topic(self.hub, topic, 1, {"message.timestamp.before.max.ms": "60000",
                                             "message.timestamp.after.max.ms": "60000"})
        now = now_ms()
        # Records 1 and 3 are an hour off (one stale, one from the future); 0 and 2 are fine.
        bad = kr.encode_record_batch(records([now, now - HOUR_MS, now, now + HOUR_MS]),
                                     max_timestamp=now)
        with self.hub.connect() as c:
            for version in (8, 9):
                res = kr.produce_flex(c, topic, 0, bad, version=version)
                self.assertEqual(res["error"], kr.ERR_INVALID_TIMESTAMP, res)
                self.assertEqual([i for i, _ in res["record_errors"]], [1, 3], res)
                self.assertIn(str(now - HOUR_MS), res["record_errors"][0][1])
                self.assertIn(str(now + HOUR_MS), res["record_errors"][1][1])
                self.assertIn("ms before the broker's time", res["error_message"])
                self.assertIn("message.timestamp.before.max.ms", res["error_message"])
            # Two batches in one records blob: indexes count over both (1 record, then 2).
            blob = (kr.encode_record_batch(records([now])) +
                    kr.encode_record_batch(records([now, now - HOUR_MS]), base_offset=1))
            res = kr.produce_flex(c, topic, 0, blob, version=9)
            self.assertEqual((res["error"], [i for i, _ in res["record_errors"]]),
                             (kr.ERR_INVALID_TIMESTAMP, [2]), res)
            # v7 has neither field: the classic answer ends right after log_start_offset.
            r = c.call(kr.API_PRODUCE, 7, kr.produce_flex_body(topic, 0, bad, version=8))
            _, parts = kr.decode_produce_flex(r, 7)
            self.assertEqual(parts[0]["error"], kr.ERR_INVALID_TIMESTAMP)
            # A refusal not tied to a record: a message, no record errors.
            corrupt = kr.encode_record_batch(records([now]), corrupt_crc=True)
            res = kr.produce_flex(c, topic, 0, corrupt, version=9)
            self.assertEqual(res["error"], kr.ERR_CORRUPT_MESSAGE, res)
            self.assertEqual(res["record_errors"], [])
            self.assertTrue(res["error_message"], res)
            # Nothing of the refused batches was stored.
            self.assertEqual(kr.list_offsets(c, topic, 0, -1)[2], 0)

    def assert_closed_and_healthy(self, request, what):
        with self.hub.connect() as c:
            c.send_raw(request)
            closed, _ = c.wait_closed()
            self.assertTrue(closed, "%s: the hub kept the connection open" % what)
        self.hub.assert_alive()
        with self.hub.connect() as c:
            self.assertEqual(kr.api_versions(c)[0], 0, what)

    def test_malformed_flexible_frames_close_the_connection(self):
        topic = "flex-bad"
        th.create_topic(self.hub, topic, 1)
        batch = kr.encode_record_batch(records([now_ms()]))
        # Produce v9 whose records length (uvarint 2^28 + 1) runs past the frame.
        body = kr.produce_flex_body(topic, 0, batch)
        good_len = kr.uvarint(len(batch) + 1)
        at = body.index(good_len + batch)
        bad = body[:at] + kr.uvarint((1 << 28) + 1) + body[at + len(good_len):]
        self.assert_closed_and_healthy(
            kr.frame(kr.request_header(kr.API_PRODUCE, 9, 7, version=2) + bad),
            "Produce v9 records length past the frame")
        # Fetch v12 whose request tag section announces a 2^32-byte field.
        body = kr.fetch_v12_body(topic, 0, 0)[:-1] + kr.uvarint(1) + kr.uvarint(0) + \
            kr.uvarint((1 << 32) - 1) + b"\x00"
        self.assert_closed_and_healthy(
            kr.frame(kr.request_header(kr.API_FETCH, 12, 7, version=2) + body),
            "Fetch v12 tagged field past the frame")
        # Nothing was written by the refused Produce.
        with self.hub.connect() as c:
            self.assertEqual(kr.list_offsets(c, topic, 0, -1)[2], 0)

    def test_kcat_reads_what_produce_v9_wrote(self):
        topic = "flex-kcat"
        th.create_topic(self.hub, topic, 1)
        now = now_ms()
        with self.hub.connect() as c:
            for n in range(3):
                batch = kr.encode_record_batch(records([now, now + 1], "b%d" % n),
                                               gzip_records=n == 1)
                res = kr.produce_flex(c, topic, 0, batch, version=9)
                self.assertEqual((res["error"], res["base_offset"]), (kr.ERR_NONE, 2 * n), res)
        p = th.kcat(self.hub, "-C", "-e", "-q", "-X", "check.crcs=true", "-t", topic,
                    "-f", th.KCAT_FMT, "-d", "protocol")
        got = th.parse_kcat_records(p.stdout.decode())
        self.assertEqual(got, [(0, 2 * n + i, "k%d" % i, "b%d-%d" % (n, i))
                               for n in range(3) for i in range(2)])
        # Which Fetch version librdkafka chose: whatever it is, within the advertised range.
        versions = {int(v) for v in re.findall(rb"Sent FetchRequest \(v(\d+)", p.stderr)}
        self.assertTrue(versions, p.stderr.decode(errors="replace")[-2000:])
        self.assertTrue(all(4 <= v <= 12 for v in versions), versions)
        sys.stderr.write("kcat (librdkafka) fetched with Fetch v%s\n" % sorted(versions))


if __name__ == "__main__":
    unittest.main()
