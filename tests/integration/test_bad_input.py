"""Bad input against one running hub: every case on its own raw socket.

After each case the hub must still answer ApiVersions on a new connection, a connection opened
before all cases must still work (other clients unaffected), and the records stored before the
cases must read back byte-for-byte with kcat.
"""

import os
import random
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

REQUEST_MAX_BYTES = 1048576
MESSAGE_MAX_BYTES = 10000
INTACT = "intact"
CONTROL = "raw-control"
N_INTACT = 60
CLOSE_TIMEOUT_S = 10

# ApiVersions ranges the contract promises (key: (min, max)).
# Produce is advertised from v0 because librdkafka < 2.11.1 enables gzip/snappy/lz4 only then;
# v0-2 carry the old MessageSet format, which the hub refuses per partition (error 43).
REQUIRED_RANGES = {0: (0, 9), 1: (4, 13), 2: (0, 7), 3: (0, 12), 18: (0, 3), 19: (0, 7), 20: (0, 6),
                   23: (0, 4), 55: (0, 1)}


def intact_lines():
    return ["key-%03d:value-%03d|%s" % (i, i, "x" * (i % 17)) for i in range(N_INTACT)]


def intact_expected():
    out = []
    for i, line in enumerate(intact_lines()):
        k, v = line.split(":", 1)
        out.append("0\t%d\t%s\t%s\n" % (i, k, v))
    return "".join(out)


class BadInputTest(unittest.TestCase):
    hub = None

    @classmethod
    def setUpClass(cls):
        cls.hub = th.Hub(["--socket.request.max.bytes", REQUEST_MAX_BYTES,
                          "--message.max.bytes", MESSAGE_MAX_BYTES,
                          "--auto.create.topics.enable", "false",
                          "--num.partitions", "1"], name="bad-input")
        try:
            cls.hub.start()
            th.create_topic(cls.hub, INTACT, 1)
            th.create_topic(cls.hub, CONTROL, 1)
            th.kcat_produce(cls.hub, INTACT, intact_lines(), "-K:")
            got = th.kcat_consume(cls.hub, INTACT)
            if got != intact_expected():
                raise AssertionError("baseline read of %s differs from what was produced:\n%s"
                                     % (INTACT, got[:2000]))
            cls.bystander = cls.hub.connect()
        except BaseException:
            cls.hub.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if getattr(cls, "bystander", None):
                cls.bystander.close()
            cls.hub.assert_alive()
            rc = cls.hub.stop()
            if rc != 0:
                raise AssertionError("SIGTERM after the bad-input cases: exit code %s, want 0\n%s"
                                     % (rc, cls.hub.log_text()))
        finally:
            cls.hub.close()

    # ---- helpers ----------------------------------------------------------------------------

    def fail_with_log(self, msg):
        self.fail("%s\n%s" % (msg, self.hub.log_text(80)))

    def assert_healthy(self, case):
        """The checks run after every case."""
        hub = self.hub
        if not hub.alive():
            self.fail_with_log("hub died during case '%s' (exit code %s)"
                               % (case, hub.proc.returncode))
        try:
            with hub.connect() as c:
                err, apis = kr.api_versions(c, 0)
        except (OSError, kr.Closed, ValueError) as e:
            self.fail_with_log("after '%s': ApiVersions on a new connection failed: %r" % (case, e))
        self.assertEqual(err, 0, "after '%s': ApiVersions error %d" % (case, err))
        self.assertIn(18, apis, "after '%s': ApiVersions lacks ApiVersions itself" % case)
        try:
            err, _ = kr.api_versions(self.bystander, 0)
        except (OSError, kr.Closed, ValueError) as e:
            self.fail_with_log("after '%s': a connection opened before the cases broke: %r"
                               % (case, e))
        self.assertEqual(err, 0)
        got = th.kcat_consume(hub, INTACT)
        self.assertEqual(got, intact_expected(),
                         "after '%s': stored records of '%s' changed" % (case, INTACT))
        with hub.connect() as c:
            err, _, end = kr.list_offsets(c, INTACT, 0, -1)
        self.assertEqual((err, end), (0, N_INTACT),
                         "after '%s': log end offset of '%s' changed" % (case, INTACT))

    def assert_closed(self, conn, case):
        closed, data = conn.wait_closed(CLOSE_TIMEOUT_S)
        self.assertTrue(closed, "%s: hub kept the connection open for %ss"
                        % (case, CLOSE_TIMEOUT_S))
        self.assertEqual(data, b"", "%s: expected a disconnect without a reply, got %r"
                         % (case, data[:64]))

    def assert_reply_or_close(self, conn, case):
        outcome, data = conn.wait_reply_or_close(CLOSE_TIMEOUT_S)
        self.assertIn(outcome, ("reply", "closed"),
                      "%s: neither a reply nor a disconnect within %ss (got %r)"
                      % (case, CLOSE_TIMEOUT_S, data[:64]))
        return outcome, data

    # ---- control: the encoder itself is right ---------------------------------------------

    def test_control_valid_raw_produce_is_accepted(self):
        """Proves the hand-written encoder is right, so the negative cases mean something."""
        recs = [kr.Record(b"ck%d" % i, b"cv\x00\xff%d" % i, [("h", b"\x00x"), ("null", None)],
                          1_650_000_000_000 + i) for i in range(5)]
        with self.hub.connect() as c:
            err, base = kr.produce(c, CONTROL, 0, kr.encode_record_batch(recs), acks=-1)
            self.assertEqual(err, 0, "valid raw produce rejected with error %d" % err)
            # acks=0: no response at all; the next frame must answer the next request.
            self.assertIsNone(kr.produce(c, CONTROL, 0, kr.encode_record_batch(
                [kr.Record(b"ack0", b"fire-and-forget", [], 1_650_000_000_100)]), acks=0))
            err, _ = kr.api_versions(c, 0)
            self.assertEqual(err, 0)
            deadline = time.monotonic() + 10
            while True:
                got, _, hw = kr.fetch_all(c, CONTROL, 0)
                if hw >= base + 6 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        self.assertEqual(hw, base + 6)
        self.assertEqual([r.offset for r in got[-6:]], list(range(base, base + 6)))
        self.assertEqual(got[-6:-1], recs)
        self.assertEqual((got[-1].key, got[-1].value), (b"ack0", b"fire-and-forget"))
        self.assert_healthy("valid raw produce")

    # ---- framing --------------------------------------------------------------------------

    def test_frame_larger_than_limit_closes_connection(self):
        with self.hub.connect() as c:
            c.send_raw(struct.pack(">i", 100 * 1024 * 1024)
                       + kr.request_header(kr.API_API_VERSIONS, 0, 1) + b"\x00" * 64)
            self.assert_closed(c, "100 MB frame")
        self.assert_healthy("100 MB frame")
        with self.hub.connect() as c:
            c.send_raw(struct.pack(">i", REQUEST_MAX_BYTES + 1))
            self.assert_closed(c, "frame of socket.request.max.bytes + 1")
        self.assert_healthy("frame of socket.request.max.bytes + 1")

    def test_negative_frame_length_closes_connection(self):
        with self.hub.connect() as c:
            c.send_raw(b"\xff\xff\xff\xff" + b"\x00" * 16)
            self.assert_closed(c, "negative frame length")
        self.assert_healthy("negative frame length")

    def test_truncated_frame(self):
        with self.hub.connect() as c:
            c.send_raw(struct.pack(">i", 100) + b"\x00\x12\x00\x00\x00\x00\x00\x01\x00\x00")
        self.assert_healthy("truncated frame, then close")
        # A client that stalls mid-frame must not hold up anyone else.
        with self.hub.connect() as c:
            c.send_raw(struct.pack(">i", 100) + b"\x00\x03\x00\x01\x00\x00")
            self.assert_healthy("truncated frame, connection left open")

    def test_zero_length_frame(self):
        with self.hub.connect() as c:
            c.send_raw(struct.pack(">i", 0))
            self.assert_reply_or_close(c, "zero-length frame")
        self.assert_healthy("zero-length frame")

    # ---- garbage --------------------------------------------------------------------------

    def test_http_request_is_rejected(self):
        with self.hub.connect() as c:
            c.send_raw(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            self.assert_closed(c, "HTTP request (length prefix 'GET ' is ~1.2 GB)")
        self.assert_healthy("HTTP request")

    def test_random_garbage_frames(self):
        rng = random.Random(20240601)
        for n in range(24):
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
            with self.hub.connect() as c:
                c.send_raw(struct.pack(">i", len(body)) + body)
                self.assert_reply_or_close(c, "random garbage frame #%d (%s)" % (n, body[:8].hex()))
        self.assert_healthy("random garbage frames")

    def test_headers_with_lying_lengths(self):
        cases = {
            "header only, no body (Produce v3)": kr.request_header(kr.API_PRODUCE, 3, 7),
            "client_id length beyond the frame":
                kr.i16(kr.API_METADATA) + kr.i16(1) + kr.i32(7) + kr.i16(30000) + b"abc",
            "Metadata v1 with 2^31-1 topics":
                kr.request_header(kr.API_METADATA, 1, 7) + kr.i32(0x7FFFFFFF) + kr.string("x"),
            "Metadata v1 topic name length beyond the frame":
                kr.request_header(kr.API_METADATA, 1, 7) + kr.i32(1) + kr.i16(32000) + b"ab",
            "Produce v3 records length 1e9":
                kr.request_header(kr.API_PRODUCE, 3, 7) + kr.string(None) + kr.i16(1) + kr.i32(1000)
                + kr.i32(1) + kr.string(INTACT) + kr.i32(1) + kr.i32(0) + kr.i32(1_000_000_000)
                + b"\x00" * 32,
            "Produce v3 with 2^31-1 topics":
                kr.request_header(kr.API_PRODUCE, 3, 7) + kr.string(None) + kr.i16(1) + kr.i32(1000)
                + kr.i32(0x7FFFFFFF),
            "Fetch v4 with -5 partitions":
                kr.request_header(kr.API_FETCH, 4, 7) + kr.i32(-1) + kr.i32(100) + kr.i32(1)
                + kr.i32(1 << 20) + kr.i8(0) + kr.i32(1) + kr.string(INTACT) + kr.i32(-5),
            "ListOffsets v1 cut in the middle":
                kr.request_header(kr.API_LIST_OFFSETS, 1, 7) + kr.i32(-1) + kr.i32(1)
                + kr.string(INTACT) + kr.i32(1) + kr.i32(0) + b"\x00\x00",
        }
        for name, body in cases.items():
            with self.hub.connect() as c:
                c.send_raw(kr.frame(body))
                self.assert_reply_or_close(c, name)
            self.assert_healthy(name)

    def test_malformed_record_batch_in_produce(self):
        good = kr.encode_record_batch([kr.Record(b"k", b"v")])
        cases = {
            "batch cut short": good[:40],
            "batchLength larger than the data": good[:8] + kr.i32(5000) + good[12:],
            "magic 1": good[:16] + b"\x01" + good[17:],
        }
        for name, blob in cases.items():
            with self.hub.connect() as c:
                c.send_raw(kr.frame(kr.request_header(kr.API_PRODUCE, 3, 9)
                                    + kr.produce_request_body(INTACT, 0, blob, acks=1)))
                outcome, data = self.assert_reply_or_close(c, name)
                if outcome == "reply":
                    r = kr.Reader(data, 4)
                    self.assertEqual(r.i32(), 9)
                    r.i32(), r.string(), r.i32(), r.i32()
                    err = r.i16()
                    self.assertNotEqual(err, 0, "%s: produce accepted" % name)
            self.assert_healthy(name)

    # ---- API keys and versions ------------------------------------------------------------

    def test_unknown_api_key_disconnects(self):
        for key in (999, 32767, -1):
            with self.hub.connect() as c:
                c.send_raw(kr.frame(kr.request_header(key, 0, 5) + b"\x00" * 8))
                self.assert_closed(c, "unknown API key %d" % key)
            self.assert_healthy("unknown API key %d" % key)

    def test_unsupported_metadata_version_disconnects(self):
        with self.hub.connect() as c:
            c.send_raw(kr.frame(kr.request_header(kr.API_METADATA, 99, 5) + kr.i32(-1)))
            self.assert_closed(c, "Metadata v99")
        self.assert_healthy("Metadata v99")

    def test_produce_v2_message_set_is_refused_per_partition(self):
        # A MessageSet v1 message (offset, size, crc32, magic 1, attributes, timestamp, key, value)
        # sent with Produce v2: advertised, but the old format is refused, nothing is stored.
        import zlib
        body = (b"\x01" + b"\x00" + kr.i64(1700000000000) + kr.nbytes(b"k") + kr.nbytes(b"old-format"))
        message = kr.u32(zlib.crc32(body)) + body
        message_set = kr.i64(0) + kr.i32(len(message)) + message
        request = (kr.i16(1) + kr.i32(10000) + kr.i32(1) + kr.string(INTACT) + kr.i32(1) + kr.i32(0)
                   + kr.nbytes(message_set))
        with self.hub.connect() as c:
            r = c.call(kr.API_PRODUCE, 2, request)
            self.assertEqual(r.i32(), 1)
            self.assertEqual(r.string(), INTACT)
            self.assertEqual(r.i32(), 1)
            self.assertEqual(r.i32(), 0, "partition")
            self.assertEqual(r.i16(), 43, "Produce v2 MessageSet: UNSUPPORTED_FOR_MESSAGE_FORMAT")
        self.assert_healthy("Produce v2")

    def test_unsupported_produce_version_disconnects(self):
        with self.hub.connect() as c:
            c.send_raw(kr.frame(kr.request_header(kr.API_PRODUCE, 10, 5) + b"\x00" * 20))
            self.assert_closed(c, "Produce v10 (above the supported range)")
        self.assert_healthy("Produce v10")

    def test_unsupported_api_versions_version_gets_error_35(self):
        with self.hub.connect() as c:
            # A future ApiVersions (flexible header v2 + compact body), as new clients send it.
            body = kr.compact_string("future-client") + kr.compact_string("9.9") + kr.uvarint(0)
            corr = c.send_request(kr.API_API_VERSIONS, 99, body, header_version=2)
            try:
                data = c.recv_frame()
            except kr.Closed:
                self.fail_with_log("ApiVersions v99: hub disconnected instead of answering "
                                   "error 35 with a v0 body")
            r = kr.Reader(data)
            self.assertEqual(r.i32(), corr, "correlation id")
            err, apis = kr.decode_api_versions_v0(r)
            self.assertEqual(err, kr.ERR_UNSUPPORTED_VERSION, "error code")
            self.assertEqual(r.remaining(), 0, "ApiVersions v99 answer is not a plain v0 body")
            for key, rng in REQUIRED_RANGES.items():
                self.assertEqual(apis.get(key), rng, "advertised range of API key %d" % key)
            # Clients retry with a supported version on the same connection.
            err, apis = kr.api_versions(c, 3)
            self.assertEqual(err, 0)
            for key, rng in REQUIRED_RANGES.items():
                self.assertEqual(apis.get(key), rng, "ApiVersions v3: range of API key %d" % key)
        self.assert_healthy("ApiVersions v99")

    def test_invalid_requests_get_kafka_error_codes(self):
        batch = kr.encode_record_batch([kr.Record(b"k", b"v")])
        with self.hub.connect() as c:
            self.assertEqual(kr.fetch(c, INTACT, 0, N_INTACT + 100)["error"], 1,
                             "Fetch beyond the log end: OFFSET_OUT_OF_RANGE")
            self.assertEqual(kr.fetch(c, INTACT, 0, -5)["error"], 1, "Fetch at offset -5")
            self.assertEqual(kr.fetch(c, INTACT, 4, 0)["error"], 3, "Fetch of a missing partition")
            self.assertEqual(kr.list_offsets(c, INTACT, 4, -1)[0], 3,
                             "ListOffsets of a missing partition")
            self.assertEqual(kr.produce(c, INTACT, 0, batch, acks=2)[0], 21,
                             "acks=2: INVALID_REQUIRED_ACKS")
            self.assertEqual(kr.create_topic(c, INTACT, 1), kr.ERR_TOPIC_ALREADY_EXISTS)
            for name, parts, code in (("bad/name", 1, 17), ("", 1, 17), ("..", 1, 17),
                                      ("x" * 250, 1, 17), ("zero-partitions", 0, 37),
                                      ("negative-partitions", -3, 37)):
                self.assertEqual(kr.create_topic(c, name, parts), code,
                                 "CreateTopics %r with %d partitions" % (name[:20], parts))
            md = kr.metadata(c, None, version=1)
        self.assertEqual(sorted(md["topics"]), sorted([INTACT, CONTROL]),
                         "a rejected CreateTopics left a topic behind")
        self.assert_healthy("invalid requests")

    # ---- produce errors -------------------------------------------------------------------

    def produce_error(self, topic, blob):
        with self.hub.connect() as c:
            try:
                return kr.produce(c, topic, 0, blob, acks=1)
            except kr.Closed:
                self.fail_with_log("produce to %s: hub closed the connection instead of "
                                   "answering with an error code" % topic)

    def test_produce_with_wrong_crc_is_corrupt_message(self):
        blob = kr.encode_record_batch([kr.Record(b"bad", b"crc")], corrupt_crc=True)
        err, _ = self.produce_error(INTACT, blob)
        self.assertEqual(err, kr.ERR_CORRUPT_MESSAGE, "wrong CRC: error code")
        # A flipped byte in the records (CRC left as computed before) is also corrupt.
        good = bytearray(kr.encode_record_batch([kr.Record(b"bad", b"payload-byte")]))
        good[-3] ^= 0x20
        err, _ = self.produce_error(INTACT, bytes(good))
        self.assertEqual(err, kr.ERR_CORRUPT_MESSAGE, "flipped payload byte: error code")
        self.assert_healthy("wrong CRC")

    def test_batch_over_message_max_bytes_is_message_too_large(self):
        blob = kr.encode_record_batch([kr.Record(b"big", b"x" * 20000)])
        err, _ = self.produce_error(INTACT, blob)
        self.assertEqual(err, kr.ERR_MESSAGE_TOO_LARGE, "20 kB batch with message.max.bytes=10000")
        many = kr.encode_record_batch([kr.Record(b"m%d" % i, b"y" * 100) for i in range(120)])
        self.assertGreater(len(many), MESSAGE_MAX_BYTES)
        err, _ = self.produce_error(INTACT, many)
        self.assertEqual(err, kr.ERR_MESSAGE_TOO_LARGE, "120 small records totalling > 10000 bytes")
        self.assert_healthy("batch over message.max.bytes")
        # Just under the limit is fine (on the control topic).
        ok = kr.encode_record_batch([kr.Record(b"fits", b"z" * 9000)])
        self.assertLess(len(ok), MESSAGE_MAX_BYTES)
        err, _ = self.produce_error(CONTROL, ok)
        self.assertEqual(err, 0, "9 kB batch under message.max.bytes=10000 rejected")

    def test_produce_to_missing_topic_with_autocreate_off(self):
        blob = kr.encode_record_batch([kr.Record(b"k", b"nowhere")])
        err, _ = self.produce_error("no-such-topic", blob)
        self.assertEqual(err, kr.ERR_UNKNOWN_TOPIC_OR_PARTITION, "error code")
        with self.hub.connect() as c:
            md = kr.metadata(c, ["no-such-topic"], version=1)
        t = md["topics"].get("no-such-topic")
        self.assertTrue(t is None or t["error"] == kr.ERR_UNKNOWN_TOPIC_OR_PARTITION,
                        "topic was created despite auto.create.topics.enable=false: %r" % (t,))
        with self.hub.connect() as c:
            err, _ = kr.produce(c, INTACT, 7, kr.encode_record_batch([kr.Record(b"k", b"p7")]))
        self.assertEqual(err, kr.ERR_UNKNOWN_TOPIC_OR_PARTITION,
                         "partition 7 of a 1-partition topic")
        self.assert_healthy("produce to a missing topic / partition")


if __name__ == "__main__":
    unittest.main(verbosity=2)
