"""Helpers shared by the fault tests: a pipelined raw producer and log checks.

Everything on the wire goes through tests/lib/kafka_raw.py (independent of the hub's codec).
"""

import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402

ERR_OFFSET_OUT_OF_RANGE = 1
ERR_KAFKA_STORAGE_ERROR = 56

# Errors a dying hub can surface on the producer's socket.
CONNECTION_ERRORS = (kr.Closed, OSError, struct.error)


def now_ms():
    return int(time.time() * 1000)


def make_records(values, key_of=lambda v: None, timestamp=None):
    """kafka_raw Records for byte-string values; every record gets `timestamp` (default now)."""
    ts = now_ms() if timestamp is None else timestamp
    return [kr.Record(key_of(v), v, timestamp=ts + i) for i, v in enumerate(values)]


def decode_produce_response(r):
    """Produce v3 response -> list of (topic, partition, error, base_offset)."""
    out = []
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p, err, base = r.i32(), r.i16(), r.i64()
            r.i64()  # log_append_time
            out.append((t, p, err, base))
    r.i32()  # throttle
    return out


class PipelinedProducer:
    """Keeps up to `window` Produce v3 requests in flight on one connection.

    send() queues a batch, recv_one() reads the oldest response (a Kafka broker answers a
    connection's requests in order). `pending` lists what was sent but not answered yet.
    """

    def __init__(self, conn, topic, acks=-1, window=16):
        self.conn = conn
        self.topic = topic
        self.acks = acks
        self.window = window
        self.pending = []  # [(corr, partition, records)]

    def send(self, partition, records):
        blob = kr.encode_record_batch(records)
        body = kr.produce_request_body(self.topic, partition, blob, self.acks)
        # Recorded before sending: a send cut short by a crash may still have reached the hub.
        self.pending.append([None, partition, records])
        self.pending[-1][0] = self.conn.send_request(kr.API_PRODUCE, 3, body)

    def recv_one(self):
        """(partition, records, error, base_offset) of the oldest pending request."""
        corr, partition, records = self.pending[0]
        r = kr.read_response(self.conn, corr)
        res = decode_produce_response(r)
        if len(res) != 1 or res[0][:2] != (self.topic, partition):
            raise AssertionError("unexpected produce response %r for %s[%d]"
                                 % (res, self.topic, partition))
        self.pending.pop(0)
        return partition, records, res[0][2], res[0][3]


def produce_one(conn, topic, partition, records, acks=-1):
    """One synchronous Produce v3 -> (error, base_offset)."""
    return kr.produce(conn, topic, partition, kr.encode_record_batch(records), acks=acks)


def log_lines_since_start(hub):
    """The hub's log lines since its latest start."""
    text = hub.log_text(last=100000).splitlines()
    marker = "---- start #%d:" % hub.starts
    for i in range(len(text) - 1, -1, -1):
        if text[i].startswith(marker):
            return text[i:]
    return text


BAD_LOG_RE = re.compile(r"\b(ERROR|WARN)\b")


def bad_log_lines(hub):
    """ERROR/WARN lines the hub logged since its latest start."""
    return [l for l in log_lines_since_start(hub) if BAD_LOG_RE.search(l)]


def split_batches(blob):
    """A Fetch `records` blob -> [(base_offset, last_offset_delta, raw batch bytes)]; a
    trailing partial batch (allowed by the protocol) is left out."""
    out = []
    pos = 0
    while len(blob) - pos >= 12:
        base, length = struct.unpack(">qi", blob[pos:pos + 12])
        if length < 49 or pos + 12 + length > len(blob):
            break
        raw = blob[pos:pos + 12 + length]
        (delta,) = struct.unpack(">i", raw[23:27])
        out.append((base, delta, raw))
        pos += 12 + length
    return out


def fetch_raw_batches(conn, topic, partition, start=0, max_bytes=4 << 20):
    """Every stored batch of a partition from `start` to the high watermark, undecoded.

    Returns ([(base_offset, raw bytes)], high_watermark). Raises ValueError on a Fetch error,
    LastStableOffset != high watermark, or no progress below the high watermark.
    """
    batches = []
    offset = start
    while True:
        res = kr.fetch(conn, topic, partition, offset, max_bytes=max_bytes)
        if res["error"] != kr.ERR_NONE:
            raise ValueError("fetch %s[%d]@%d: %s" % (topic, partition, offset,
                                                      kr.err_name(res["error"])))
        hw = res["high_watermark"]
        if res["last_stable_offset"] != hw:
            raise ValueError("last_stable_offset %d != high watermark %d"
                             % (res["last_stable_offset"], hw))
        if offset >= hw:
            return batches, hw
        got = split_batches(res["records"])
        if not got:
            raise ValueError("fetch %s[%d]@%d below hw %d returned no complete batch"
                             % (topic, partition, offset, hw))
        for base, delta, raw in got:
            if base + delta < offset:
                continue
            batches.append((base, raw))
            offset = base + delta + 1
        if offset >= hw:  # done: a Fetch at the high watermark would only long-poll
            return batches, hw


def wait_until(predicate, timeout, interval=0.1):
    """Polls predicate() until it returns a truthy value; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)
