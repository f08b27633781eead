"""A small hand-written Kafka wire encoder/decoder for the integration tests.

It is deliberately independent of common/ (the C++ codec under test): a bug shared by the hub
and its own codec would otherwise go unnoticed. Only what the bad-input and compat tests need is
here: request header v1/v2, ApiVersions 0/3, Metadata 1/4, Produce 3 with RecordBatch v2
(CRC32C computed here), Fetch 4, ListOffsets 1 and CreateTopics 0.
"""

import gzip
import itertools
import socket
import struct

# --------------------------------------------------------------------------------------------
# CRC32C (Castagnoli, reflected polynomial 0x82F63B78), table driven.


def _make_crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _make_crc32c_table()


def crc32c(data, crc=0):
    """CRC32C of `data`; `crc` continues a previous value."""
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283, "CRC32C self-check failed"

# --------------------------------------------------------------------------------------------
# Primitive encoders.

API_PRODUCE = 0
API_FETCH = 1
API_LIST_OFFSETS = 2
API_METADATA = 3
API_API_VERSIONS = 18
API_CREATE_TOPICS = 19
API_DELETE_TOPICS = 20

ERR_NONE = 0
ERR_OFFSET_OUT_OF_RANGE = 1
ERR_CORRUPT_MESSAGE = 2
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_MESSAGE_TOO_LARGE = 10
ERR_TOPIC_ALREADY_EXISTS = 36
ERR_UNSUPPORTED_VERSION = 35


def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def u32(v):
    return struct.pack(">I", v)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def nbytes(b):
    if b is None:
        return i32(-1)
    return i32(len(b)) + b


def array(items, enc):
    if items is None:
        return i32(-1)
    return i32(len(items)) + b"".join(enc(x) for x in items)


def uvarint(v):
    assert v >= 0
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def varint(v):
    """Zigzag varint (works for both Kafka varint and varlong)."""
    return uvarint((v << 1) ^ (v >> 63) if v < 0 else v << 1)


def compact_string(s):
    if s is None:
        return uvarint(0)
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


def frame(body):
    """A request/response frame: 4-byte big-endian length prefix + body."""
    return i32(len(body)) + body


def request_header(api_key, api_version, correlation_id, client_id="tern-test", version=1):
    """Request header v1 (v2 adds an empty tagged-field section)."""
    h = i16(api_key) + i16(api_version) + i32(correlation_id) + string(client_id)
    if version >= 2:
        h += uvarint(0)
    return h


# --------------------------------------------------------------------------------------------
# Reader for responses.


class Truncated(ValueError):
    pass


class Reader:
    def __init__(self, data, pos=0):
        self.data = data
        self.pos = pos

    def remaining(self):
        return len(self.data) - self.pos

    def _take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise Truncated("need %d bytes at %d, have %d" % (n, self.pos, len(self.data)))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def _unpack(self, fmt, n):
        return struct.unpack(fmt, self._take(n))[0]

    def i8(self):
        return self._unpack(">b", 1)

    def i16(self):
        return self._unpack(">h", 2)

    def i32(self):
        return self._unpack(">i", 4)

    def i64(self):
        return self._unpack(">q", 8)

    def u32(self):
        return self._unpack(">I", 4)

    def boolean(self):
        return self.i8() != 0

    def string(self):
        n = self.i16()
        return None if n < 0 else self._take(n).decode("utf-8", "replace")

    def nbytes(self):
        n = self.i32()
        return None if n < 0 else self._take(n)

    def array(self, fn):
        n = self.i32()
        if n < 0:
            return None
        return [fn(self) for _ in range(n)]

    def uvarint(self):
        shift = 0
        v = 0
        while True:
            b = self._take(1)[0]
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")

    def varint(self):
        u = self.uvarint()
        return (u >> 1) ^ -(u & 1)

    def compact_array(self, fn):
        n = self.uvarint()
        if n == 0:
            return None
        return [fn(self) for _ in range(n - 1)]

    def tagged_fields(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self._take(self.uvarint())


# --------------------------------------------------------------------------------------------
# RecordBatch v2.


class Record:
    """One record. `timestamp` is absolute (ms); `offset` is filled in by the decoder."""

    def __init__(self, key, value, headers=(), timestamp=None, offset=None):
        self.key = key
        self.value = value
        self.headers = list(headers)
        self.timestamp = timestamp
        self.offset = offset

    def __repr__(self):
        return "Record(offset=%r, ts=%r, key=%r, value=%r, headers=%r)" % (
            self.offset, self.timestamp, self.key, self.value[:40] if self.value else self.value,
            self.headers)

    def __eq__(self, other):
        return (self.key, self.value, self.headers, self.timestamp) == (
            other.key, other.value, other.headers, other.timestamp)


def _encode_record(rec, offset_delta, first_timestamp):
    body = i8(0)  # attributes
    body += varint(rec.timestamp - first_timestamp)
    body += varint(offset_delta)
    for field in (rec.key, rec.value):
        body += varint(-1) if field is None else varint(len(field)) + field
    body += varint(len(rec.headers))
    for hk, hv in rec.headers:
        hkb = hk.encode() if isinstance(hk, str) else hk
        body += varint(len(hkb)) + hkb
        body += varint(-1) if hv is None else varint(len(hv)) + hv
    return varint(len(body)) + body


def encode_record_batch(records, base_offset=0, producer_id=-1, producer_epoch=-1,
                        base_sequence=-1, attributes=0, partition_leader_epoch=-1,
                        corrupt_crc=False, max_timestamp=None, gzip_records=False):
    """A RecordBatch v2 with a correct CRC32C (or a wrong one when corrupt_crc is set).

    Records without a timestamp get 1_700_000_000_000 + index. max_timestamp overrides the
    header's maxTimestamp (e.g. -1, which Go clients send); gzip_records compresses the records
    and sets the gzip codec bit.
    """
    assert records
    for n, r in enumerate(records):
        if r.timestamp is None:
            r.timestamp = 1_700_000_000_000 + n
    first_ts = records[0].timestamp
    max_ts = max(r.timestamp for r in records) if max_timestamp is None else max_timestamp
    recs = b"".join(_encode_record(r, n, first_ts) for n, r in enumerate(records))
    if gzip_records:
        recs = gzip.compress(recs)
        attributes |= 1
    after_crc = (i16(attributes) + i32(len(records) - 1) + i64(first_ts) + i64(max_ts)
                 + i64(producer_id) + i16(producer_epoch) + i32(base_sequence)
                 + i32(len(records)) + recs)
    crc = crc32c(after_crc)
    if corrupt_crc:
        crc ^= 0x00010000
    after_length = i32(partition_leader_epoch) + i8(2) + u32(crc) + after_crc
    return i64(base_offset) + i32(len(after_length)) + after_length


class Batch:
    def __init__(self):
        self.records = []


def decode_record_batches(data, verify_crc=True):
    """Decode the batches in a Fetch `records` blob.

    A trailing partial batch (allowed by the protocol) is ignored. Raises ValueError on a CRC
    mismatch when verify_crc is set. Records of uncompressed and gzip batches are decoded; for
    other codecs batch.records is None.
    """
    batches = []
    pos = 0
    while len(data) - pos >= 12:
        base_offset, length = struct.unpack(">qi", data[pos:pos + 12])
        if length < 49 or pos + 12 + length > len(data):
            break  # partial trailing batch
        raw = data[pos:pos + 12 + length]
        r = Reader(raw, 12)
        b = Batch()
        b.base_offset = base_offset
        b.length = length
        b.partition_leader_epoch = r.i32()
        b.magic = r.i8()
        if b.magic != 2:
            raise ValueError("batch at offset %d has magic %d" % (base_offset, b.magic))
        b.crc = r.u32()
        b.crc_computed = crc32c(raw[21:])
        if verify_crc and b.crc != b.crc_computed:
            raise ValueError("CRC32C mismatch in batch at offset %d: stored %08x computed %08x"
                             % (base_offset, b.crc, b.crc_computed))
        b.attributes = r.i16()
        b.last_offset_delta = r.i32()
        b.first_timestamp = r.i64()
        b.max_timestamp = r.i64()
        b.producer_id = r.i64()
        b.producer_epoch = r.i16()
        b.base_sequence = r.i32()
        b.record_count = r.i32()
        b.compression = b.attributes & 0x7
        if b.compression in (0, 1):
            if b.compression == 1:  # gzip: the stdlib can check these too
                r = Reader(gzip.decompress(raw[r.pos:]))
            b.records = [_decode_record(r, b) for _ in range(b.record_count)]
            if r.remaining():
                raise ValueError("%d trailing bytes in batch at %d" % (r.remaining(), base_offset))
        else:
            b.records = None
        batches.append(b)
        pos += 12 + length
    return batches


def _decode_record(r, batch):
    length = r.varint()
    start = r.pos
    r.i8()  # attributes
    ts_delta = r.varint()
    off_delta = r.varint()
    kl = r.varint()
    key = None if kl < 0 else r._take(kl)
    vl = r.varint()
    value = None if vl < 0 else r._take(vl)
    headers = []
    for _ in range(r.varint()):
        hk = r._take(r.varint()).decode()
        hl = r.varint()
        headers.append((hk, None if hl < 0 else r._take(hl)))
    if r.pos - start != length:
        raise ValueError("record length %d but decoded %d bytes" % (length, r.pos - start))
    return Record(key, value, headers, batch.first_timestamp + ts_delta,
                  batch.base_offset + off_delta)


# --------------------------------------------------------------------------------------------
# Connection.


class Closed(Exception):
    """The peer closed the connection."""


class KafkaConnection:
    """One TCP connection speaking raw Kafka frames."""

    def __init__(self, host, port, timeout=10.0, client_id="tern-test", source=None):
        """`source`: a local address to connect from (e.g. another loopback address)."""
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client_id = client_id
        self._corr = itertools.count(1)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_request(self, api_key, api_version, body, header_version=1):
        corr = next(self._corr)
        hdr = request_header(api_key, api_version, corr, self.client_id, header_version)
        self.send_raw(frame(hdr + body))
        return corr

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed("connection closed after %d of %d bytes" % (len(buf), n))
            buf += chunk
        return bytes(buf)

    def recv_frame(self):
        (n,) = struct.unpack(">i", self._recv_exact(4))
        if n < 0 or n > 256 * 1024 * 1024:
            raise ValueError("absurd response frame length %d" % n)
        return self._recv_exact(n)

    def call(self, api_key, api_version, body, header_version=1, flexible_response=False):
        """Send a request and return a Reader positioned at the response body."""
        corr = self.send_request(api_key, api_version, body, header_version)
        data = self.recv_frame()
        r = Reader(data)
        got = r.i32()
        if got != corr:
            raise ValueError("correlation id %d, expected %d" % (got, corr))
        if flexible_response:
            r.tagged_fields()
        return r

    def wait_closed(self, timeout=10.0):
        """Wait until the peer closes. Returns (closed, bytes received meanwhile)."""
        self.sock.settimeout(timeout)
        got = bytearray()
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True, bytes(got)
                got += chunk
        except ConnectionResetError:
            return True, bytes(got)
        except socket.timeout:
            return False, bytes(got)

    def wait_reply_or_close(self, timeout=10.0):
        """For garbage input: 'closed', 'reply' (a full frame arrived) or 'timeout'."""
        self.sock.settimeout(timeout)
        got = bytearray()
        try:
            while True:
                if len(got) >= 4:
                    (n,) = struct.unpack(">i", got[:4])
                    if 0 <= n and len(got) >= 4 + n:
                        return "reply", bytes(got)
                chunk = self.sock.recv(65536)
                if not chunk:
                    return "closed", bytes(got)
                got += chunk
        except ConnectionResetError:
            return "closed", bytes(got)
        except socket.timeout:
            return "timeout", bytes(got)


# --------------------------------------------------------------------------------------------
# APIs.


def _api_version_entry(r, flexible=False):
    e = (r.i16(), r.i16(), r.i16())
    if flexible:
        r.tagged_fields()
    return e


def decode_api_versions_v0(r):
    """Returns (error_code, {api_key: (min, max)})."""
    err = r.i16()
    entries = r.array(_api_version_entry) or []
    return err, {k: (lo, hi) for k, lo, hi in entries}


def api_versions(conn, version=0):
    """ApiVersions v0 or v3 (header v2 request, header v0 response). Returns (err, {key: range})."""
    if version == 0:
        return decode_api_versions_v0(conn.call(API_API_VERSIONS, 0, b""))
    if version == 3:
        body = compact_string("tern-tests") + compact_string("1.0") + uvarint(0)
        r = conn.call(API_API_VERSIONS, 3, body, header_version=2)
        err = r.i16()
        entries = r.compact_array(lambda rr: _api_version_entry(rr, True)) or []
        r.i32()  # throttle
        r.tagged_fields()
        return err, {k: (lo, hi) for k, lo, hi in entries}
    raise ValueError("unsupported ApiVersions version in test encoder: %d" % version)


def metadata(conn, topics=None, version=1, allow_auto_topic_creation=False):
    """Metadata v1 or v4. Returns dict(brokers={id: (host, port)}, controller_id, topics={name:
    dict(error, partitions={id: dict(error, leader, replicas, isr)})})."""
    assert version in (1, 4)
    body = array(topics, string)
    if version >= 4:
        body += i8(1 if allow_auto_topic_creation else 0)
    r = conn.call(API_METADATA, version, body)
    out = {"brokers": {}, "topics": {}}
    if version >= 3:
        out["throttle_time_ms"] = r.i32()
    for _ in range(r.i32()):
        node, host, port = r.i32(), r.string(), r.i32()
        r.string()  # rack
        out["brokers"][node] = (host, port)
    if version >= 2:
        out["cluster_id"] = r.string()
    out["controller_id"] = r.i32()
    for _ in range(r.i32()):
        err, name, _internal = r.i16(), r.string(), r.boolean()
        parts = {}
        for _ in range(r.i32()):
            perr, pid, leader = r.i16(), r.i32(), r.i32()
            replicas = r.array(lambda rr: rr.i32())
            isr = r.array(lambda rr: rr.i32())
            parts[pid] = {"error": perr, "leader": leader, "replicas": replicas, "isr": isr}
        out["topics"][name] = {"error": err, "partitions": parts}
    return out


def produce_request_body(topic, partition, records_blob, acks=1, timeout_ms=10000):
    """Produce v3 body: one topic, one partition."""
    return (string(None) + i16(acks) + i32(timeout_ms) + i32(1) + string(topic) + i32(1)
            + i32(partition) + nbytes(records_blob))


def produce(conn, topic, partition, records_blob, acks=1, timeout_ms=10000):
    """Produce v3. Returns (error_code, base_offset), or None for acks=0 (no response)."""
    res = produce_full(conn, topic, partition, records_blob, acks, timeout_ms)
    return None if res is None else res[:2]


def produce_full(conn, topic, partition, records_blob, acks=1, timeout_ms=10000):
    """Produce v3. Returns (error_code, base_offset, log_append_time_ms), or None for acks=0."""
    body = produce_request_body(topic, partition, records_blob, acks, timeout_ms)
    if acks == 0:
        conn.send_request(API_PRODUCE, 3, body)
        return None
    r = conn.call(API_PRODUCE, 3, body)
    results = []
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p, err, base, append_time = r.i32(), r.i16(), r.i64(), r.i64()
            results.append((t, p, err, base, append_time))
    r.i32()  # throttle
    if len(results) != 1 or results[0][:2] != (topic, partition):
        raise ValueError("unexpected produce response %r" % (results,))
    return results[0][2], results[0][3], results[0][4]


def fetch(conn, topic, partition, offset, max_bytes=1 << 20, max_wait_ms=100, version=4):
    """Fetch v4 (or v10: sessions, current leader epoch, the first version that may carry zstd),
    one partition. Returns dict(error, high_watermark, last_stable_offset, records)."""
    assert version in (4, 10)
    if version == 4:
        body = (i32(-1) + i32(max_wait_ms) + i32(1) + i32(max_bytes) + i8(1) + i32(1) + string(topic)
                + i32(1) + i32(partition) + i64(offset) + i32(max_bytes))
    else:
        body = (i32(-1) + i32(max_wait_ms) + i32(1) + i32(max_bytes) + i8(1) + i32(0) + i32(-1)
                + i32(1) + string(topic) + i32(1) + i32(partition) + i32(-1) + i64(offset)
                + i64(-1) + i32(max_bytes) + i32(0))
    r = conn.call(API_FETCH, version, body)
    r.i32()  # throttle
    if version >= 7:
        r.i16()  # top-level error
        r.i32()  # session id
    out = None
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p, err, hw, lso = r.i32(), r.i16(), r.i64(), r.i64()
            if version >= 5:
                r.i64()  # log start offset
            r.array(lambda rr: (rr.i64(), rr.i64()))  # aborted transactions
            recs = r.nbytes()
            if (t, p) == (topic, partition):
                out = {"error": err, "high_watermark": hw, "last_stable_offset": lso,
                       "records": recs or b""}
    if out is None:
        raise ValueError("fetch response lacks %s[%d]" % (topic, partition))
    return out


def fetch_all(conn, topic, partition, start=0, limit_rounds=10000):
    """All records of a partition from `start` to the high watermark, CRCs verified.

    Returns (records, batches, high_watermark). Raises ValueError on errors, CRC mismatches, or
    offsets that go backwards.
    """
    records, batches = [], []
    offset = start
    hw = None
    for _ in range(limit_rounds):
        # v10: the first Fetch version allowed to carry zstd batches.
        res = fetch(conn, topic, partition, offset, version=10)
        if res["error"] != ERR_NONE:
            raise ValueError("fetch %s[%d]@%d: error %d" % (topic, partition, offset, res["error"]))
        hw = res["high_watermark"]
        if res["last_stable_offset"] != hw:
            raise ValueError("last_stable_offset %d != high watermark %d"
                             % (res["last_stable_offset"], hw))
        if offset >= hw:
            return records, batches, hw
        got = decode_record_batches(res["records"])
        if not got:
            raise ValueError("fetch %s[%d]@%d below hw %d returned no complete batch"
                             % (topic, partition, offset, hw))
        for b in got:
            last = b.base_offset + b.last_offset_delta
            if last < offset:
                continue  # a batch that starts before the requested offset
            batches.append(b)
            for rec in b.records or []:
                if rec.offset >= offset:
                    records.append(rec)
            offset = last + 1
    raise ValueError("fetch_all did not reach the high watermark")


def list_offsets(conn, topic, partition, timestamp):
    """ListOffsets v1. timestamp -1 = latest, -2 = earliest. Returns (error, timestamp, offset)."""
    body = i32(-1) + i32(1) + string(topic) + i32(1) + i32(partition) + i64(timestamp)
    r = conn.call(API_LIST_OFFSETS, 1, body)
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p, err, ts, off = r.i32(), r.i16(), r.i64(), r.i64()
            if (t, p) == (topic, partition):
                return err, ts, off
    raise ValueError("list_offsets response lacks %s[%d]" % (topic, partition))


def create_topic(conn, name, partitions, replication_factor=1, configs=None, timeout_ms=10000):
    """CreateTopics v0, one topic. Returns the error code."""
    cfg = list((configs or {}).items())
    body = (i32(1) + string(name) + i32(partitions) + i16(replication_factor) + i32(0)
            + array(cfg, lambda kv: string(kv[0]) + string(kv[1])) + i32(timeout_ms))
    r = conn.call(API_CREATE_TOPICS, 0, body)
    for _ in range(r.i32()):
        t, err = r.string(), r.i16()
        if t == name:
            return err
    raise ValueError("create_topics response lacks %s" % name)


# --------------------------------------------------------------------------------------------
# Consumer groups, committed offsets and producer ids (issue 3). All of these use the
# non-flexible versions the hub advertises (request header v1, response header v0). Each
# function encodes from Kafka's JSON message definitions (clients/src/main/resources/common/
# message/*.json), independently of the hub's codec.

API_OFFSET_COMMIT = 8
API_OFFSET_FETCH = 9
API_FIND_COORDINATOR = 10
API_JOIN_GROUP = 11
API_HEARTBEAT = 12
API_LEAVE_GROUP = 13
API_SYNC_GROUP = 14
API_DESCRIBE_GROUPS = 15
API_LIST_GROUPS = 16
API_DELETE_GROUPS = 42
API_INIT_PRODUCER_ID = 22

ERR_UNKNOWN = -1
ERR_INVALID_FETCH_SIZE = 4
ERR_OFFSET_METADATA_TOO_LARGE = 12
ERR_COORDINATOR_LOAD_IN_PROGRESS = 14
ERR_COORDINATOR_NOT_AVAILABLE = 15
ERR_NOT_COORDINATOR = 16
ERR_ILLEGAL_GENERATION = 22
ERR_INCONSISTENT_GROUP_PROTOCOL = 23
ERR_INVALID_GROUP_ID = 24
ERR_UNKNOWN_MEMBER_ID = 25
ERR_INVALID_SESSION_TIMEOUT = 26
ERR_REBALANCE_IN_PROGRESS = 27
ERR_INVALID_COMMIT_OFFSET_SIZE = 28
ERR_INVALID_REQUEST = 42
ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45
ERR_DUPLICATE_SEQUENCE_NUMBER = 46
ERR_INVALID_PRODUCER_EPOCH = 47
ERR_UNKNOWN_PRODUCER_ID = 59
ERR_NON_EMPTY_GROUP = 68
ERR_GROUP_ID_NOT_FOUND = 69
ERR_MEMBER_ID_REQUIRED = 79
ERR_FENCED_INSTANCE_ID = 82

ERROR_NAMES = {
    -1: "UNKNOWN_SERVER_ERROR", 0: "NONE", 2: "CORRUPT_MESSAGE", 3: "UNKNOWN_TOPIC_OR_PARTITION",
    10: "MESSAGE_TOO_LARGE", 12: "OFFSET_METADATA_TOO_LARGE", 14: "COORDINATOR_LOAD_IN_PROGRESS",
    15: "COORDINATOR_NOT_AVAILABLE", 16: "NOT_COORDINATOR", 22: "ILLEGAL_GENERATION",
    23: "INCONSISTENT_GROUP_PROTOCOL", 24: "INVALID_GROUP_ID", 25: "UNKNOWN_MEMBER_ID",
    26: "INVALID_SESSION_TIMEOUT", 27: "REBALANCE_IN_PROGRESS", 28: "INVALID_COMMIT_OFFSET_SIZE",
    35: "UNSUPPORTED_VERSION", 42: "INVALID_REQUEST", 45: "OUT_OF_ORDER_SEQUENCE_NUMBER",
    46: "DUPLICATE_SEQUENCE_NUMBER", 47: "INVALID_PRODUCER_EPOCH", 59: "UNKNOWN_PRODUCER_ID",
    68: "NON_EMPTY_GROUP", 69: "GROUP_ID_NOT_FOUND", 79: "MEMBER_ID_REQUIRED",
    82: "FENCED_INSTANCE_ID",
}


def err_name(code):
    """'NAME(code)' for messages."""
    return "%s(%d)" % (ERROR_NAMES.get(code, "?"), code)


def find_coordinator_body(key, version=2, key_type=0):
    body = string(key)
    if version >= 1:
        body += i8(key_type)
    return body


def find_coordinator(conn, key, version=2, key_type=0):
    """FindCoordinator v0-2. Returns dict(error, error_message, node_id, host, port)."""
    r = conn.call(API_FIND_COORDINATOR, version, find_coordinator_body(key, version, key_type))
    out = {}
    if version >= 1:
        out["throttle_time_ms"] = r.i32()
    out["error"] = r.i16()
    out["error_message"] = r.string() if version >= 1 else None
    out["node_id"], out["host"], out["port"] = r.i32(), r.string(), r.i32()
    return out


def join_group_body(group_id, member_id="", protocols=(("range", b""),), protocol_type="consumer",
                    session_timeout_ms=10000, rebalance_timeout_ms=10000, group_instance_id=None,
                    version=5):
    """JoinGroup v0-5 body. `protocols` is a list of (name, metadata bytes)."""
    body = string(group_id) + i32(session_timeout_ms)
    if version >= 1:
        body += i32(rebalance_timeout_ms)
    body += string(member_id)
    if version >= 5:
        body += string(group_instance_id)
    body += string(protocol_type)
    body += array(list(protocols), lambda p: string(p[0]) + nbytes(p[1]))
    return body


def decode_join_group(r, version=5):
    """JoinGroup response v0-5 -> dict(error, generation_id, protocol_name, leader, member_id,
    members=[(member_id, group_instance_id, metadata)])."""
    out = {}
    if version >= 2:
        out["throttle_time_ms"] = r.i32()
    out["error"] = r.i16()
    out["generation_id"] = r.i32()
    out["protocol_name"] = r.string()
    out["leader"] = r.string()
    out["member_id"] = r.string()
    members = []
    for _ in range(r.i32()):
        mid = r.string()
        inst = r.string() if version >= 5 else None
        members.append((mid, inst, r.nbytes()))
    out["members"] = members
    return out


def join_group(conn, group_id, version=5, **kw):
    """JoinGroup (blocks until the rebalance completes). See join_group_body for the arguments."""
    r = conn.call(API_JOIN_GROUP, version, join_group_body(group_id, version=version, **kw))
    return decode_join_group(r, version)


def sync_group_body(group_id, generation_id, member_id, assignments=(), group_instance_id=None,
                    version=3):
    """SyncGroup v0-3 body. `assignments` is a list of (member_id, assignment bytes)."""
    body = string(group_id) + i32(generation_id) + string(member_id)
    if version >= 3:
        body += string(group_instance_id)
    body += array(list(assignments), lambda a: string(a[0]) + nbytes(a[1]))
    return body


def decode_sync_group(r, version=3):
    """SyncGroup response v0-3 -> dict(error, assignment)."""
    out = {}
    if version >= 1:
        out["throttle_time_ms"] = r.i32()
    out["error"] = r.i16()
    out["assignment"] = r.nbytes()
    return out


def sync_group(conn, group_id, generation_id, member_id, assignments=(), version=3, **kw):
    r = conn.call(API_SYNC_GROUP, version,
                  sync_group_body(group_id, generation_id, member_id, assignments,
                                  version=version, **kw))
    return decode_sync_group(r, version)


def heartbeat(conn, group_id, generation_id, member_id, group_instance_id=None, version=3):
    """Heartbeat v0-3. Returns the error code."""
    body = string(group_id) + i32(generation_id) + string(member_id)
    if version >= 3:
        body += string(group_instance_id)
    r = conn.call(API_HEARTBEAT, version, body)
    if version >= 1:
        r.i32()  # throttle
    return r.i16()


def leave_group(conn, group_id, member_ids, version=3):
    """LeaveGroup v0-3. v0-2 take exactly one member id. Returns dict(error,
    members={member_id: error}) (members only for v3)."""
    if version >= 3:
        body = string(group_id) + array(list(member_ids), lambda m: string(m) + string(None))
    else:
        assert len(member_ids) == 1
        body = string(group_id) + string(member_ids[0])
    r = conn.call(API_LEAVE_GROUP, version, body)
    out = {"members": {}}
    if version >= 1:
        r.i32()  # throttle
    out["error"] = r.i16()
    if version >= 3:
        for _ in range(r.i32()):
            mid, _inst, err = r.string(), r.string(), r.i16()
            out["members"][mid] = err
    return out


def offset_commit_body(group_id, offsets, generation_id=-1, member_id="", version=2,
                       group_instance_id=None, retention_time_ms=-1, commit_timestamp=-1,
                       leader_epoch=-1):
    """OffsetCommit v0-7 body. `offsets` is {topic: {partition: (offset, metadata)}}; topics and
    partitions keep the dict's order."""
    body = string(group_id)
    if version >= 1:
        body += i32(generation_id) + string(member_id)
    if version >= 7:
        body += string(group_instance_id)
    if 2 <= version <= 4:
        body += i64(retention_time_ms)

    def part(item):
        p, (off, md) = item
        b = i32(p) + i64(off)
        if version >= 6:
            b += i32(leader_epoch)
        if version == 1:
            b += i64(commit_timestamp)
        return b + string(md)

    def topic(item):
        name, parts = item
        return string(name) + array(list(parts.items()), part)

    return body + array(list(offsets.items()), topic)


def offset_commit(conn, group_id, offsets, version=2, **kw):
    """OffsetCommit v0-7. Returns {(topic, partition): error}."""
    r = conn.call(API_OFFSET_COMMIT, version,
                  offset_commit_body(group_id, offsets, version=version, **kw))
    if version >= 3:
        r.i32()  # throttle
    out = {}
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p, err = r.i32(), r.i16()
            out[(t, p)] = err
    if r.remaining():
        raise ValueError("%d trailing bytes in OffsetCommit v%d response" % (r.remaining(),
                                                                           version))
    return out


def offset_fetch(conn, group_id, topics, version=5):
    """OffsetFetch v0-5. `topics` is {topic: [partitions]} or None (v2+: every committed one).
    Returns dict(error (v2+, else None), offsets={(topic, partition): (offset, metadata, error)},
    leader_epochs={(topic, partition): epoch} (v5+))."""
    if topics is None:
        body = string(group_id) + i32(-1)
    else:
        body = string(group_id) + array(
            list(topics.items()), lambda t: string(t[0]) + array(list(t[1]), i32))
    r = conn.call(API_OFFSET_FETCH, version, body)
    out = {"error": None, "offsets": {}, "leader_epochs": {}}
    if version >= 3:
        out["throttle_time_ms"] = r.i32()
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p, off = r.i32(), r.i64()
            if version >= 5:
                out["leader_epochs"][(t, p)] = r.i32()
            md, err = r.string(), r.i16()
            out["offsets"][(t, p)] = (off, md, err)
    if version >= 2:
        out["error"] = r.i16()
    if r.remaining():
        raise ValueError("%d trailing bytes in OffsetFetch v%d response" % (r.remaining(),
                                                                          version))
    return out


def list_groups(conn, version=2):
    """ListGroups v0-2. Returns (error, {group_id: protocol_type})."""
    r = conn.call(API_LIST_GROUPS, version, b"")
    if version >= 1:
        r.i32()  # throttle
    err = r.i16()
    groups = {}
    for _ in range(r.i32()):
        g, pt = r.string(), r.string()
        groups[g] = pt
    return err, groups


def describe_groups(conn, group_ids, version=4):
    """DescribeGroups v0-4. Returns {group_id: dict(error, state, protocol_type, protocol,
    members=[dict(member_id, group_instance_id, client_id, client_host, metadata,
    assignment)])}."""
    body = array(list(group_ids), string)
    if version >= 3:
        body += i8(0)  # include_authorized_operations
    r = conn.call(API_DESCRIBE_GROUPS, version, body)
    if version >= 1:
        r.i32()  # throttle
    out = {}
    for _ in range(r.i32()):
        g = {"error": r.i16()}
        gid = r.string()
        g["state"], g["protocol_type"], g["protocol"] = r.string(), r.string(), r.string()
        members = []
        for _ in range(r.i32()):
            m = {"member_id": r.string(), "group_instance_id": None}
            if version >= 4:
                m["group_instance_id"] = r.string()
            m["client_id"], m["client_host"] = r.string(), r.string()
            m["metadata"], m["assignment"] = r.nbytes(), r.nbytes()
            members.append(m)
        g["members"] = members
        if version >= 3:
            g["authorized_operations"] = r.i32()
        out[gid] = g
    return out


def delete_groups(conn, group_ids, version=1):
    """DeleteGroups v0-1. Returns {group_id: error}."""
    r = conn.call(API_DELETE_GROUPS, version, array(list(group_ids), string))
    r.i32()  # throttle
    out = {}
    for _ in range(r.i32()):
        g, err = r.string(), r.i16()
        out[g] = err
    return out


def init_producer_id(conn, transactional_id=None, transaction_timeout_ms=60000, version=1):
    """InitProducerId v0-1. Returns (error, producer_id, producer_epoch)."""
    body = string(transactional_id) + i32(transaction_timeout_ms)
    r = conn.call(API_INIT_PRODUCER_ID, version, body)
    r.i32()  # throttle
    return r.i16(), r.i64(), r.i16()


def delete_topics(conn, names, timeout_ms=10000):
    """DeleteTopics v0. Returns {topic: error}."""
    r = conn.call(API_DELETE_TOPICS, 0, array(list(names), string) + i32(timeout_ms))
    out = {}
    for _ in range(r.i32()):
        t, err = r.string(), r.i16()
        out[t] = err
    return out


# The "consumer" protocol's embedded formats (ConsumerProtocolSubscription/Assignment v0), so
# raw members can hand out assignments real clients would understand.


def consumer_subscription(topics, user_data=None):
    return i16(0) + array(list(topics), string) + nbytes(user_data)


def consumer_assignment(assignment, user_data=None):
    """`assignment` is {topic: [partitions]}."""
    return (i16(0) + array(list(assignment.items()),
                           lambda t: string(t[0]) + array(list(t[1]), i32)) + nbytes(user_data))


def decode_consumer_assignment(data):
    """ConsumerProtocolAssignment -> {topic: [partitions]} (user data ignored)."""
    if not data:
        return {}
    r = Reader(data)
    r.i16()  # version
    out = {}
    for _ in range(r.i32()):
        t = r.string()
        out[t] = r.array(lambda rr: rr.i32())
    return out


def read_response(conn, corr):
    """The response to an earlier conn.send_request() that returned `corr` (for pipelining, e.g.
    several group members whose JoinGroups wait for each other). Returns a Reader at the body."""
    r = Reader(conn.recv_frame())
    got = r.i32()
    if got != corr:
        raise ValueError("correlation id %d, expected %d" % (got, corr))
    return r


# --------------------------------------------------------------------------------------------
# Topic configuration admin: DescribeConfigs (32), AlterConfigs (33), IncrementalAlterConfigs
# (44). Encoded from Kafka's DescribeConfigs*/AlterConfigs*/IncrementalAlterConfigs*.json,
# independently of the hub's codec. Flexible versions (DescribeConfigs v4, AlterConfigs v2,
# IncrementalAlterConfigs v1) use request header v2 and response header v1.

API_DESCRIBE_CONFIGS = 32
API_ALTER_CONFIGS = 33
API_INCREMENTAL_ALTER_CONFIGS = 44

RESOURCE_TOPIC = 2
RESOURCE_BROKER = 4
OP_SET, OP_DELETE, OP_APPEND, OP_SUBTRACT = 0, 1, 2, 3
SOURCE_TOPIC_CONFIG = 1
SOURCE_STATIC_BROKER_CONFIG = 4
SOURCE_DEFAULT_CONFIG = 5

ERR_INVALID_TOPIC_EXCEPTION = 17
ERR_INVALID_CONFIG = 40
ERROR_NAMES.update({17: "INVALID_TOPIC_EXCEPTION", 40: "INVALID_CONFIG"})


def _str(s, flexible):
    if flexible:
        return compact_string(s)
    return i16(-1) if s is None else string(s)


def _count(n, flexible):
    if n is None:
        return uvarint(0) if flexible else i32(-1)
    return uvarint(n + 1) if flexible else i32(n)


def _tags(flexible):
    return uvarint(0) if flexible else b""


def _rstr(r, flexible):
    if not flexible:
        return r.string()
    n = r.uvarint()
    return None if n == 0 else r._take(n - 1).decode("utf-8", "replace")


def _rcount(r, flexible):
    if flexible:
        return r.uvarint() - 1
    return r.i32()


def describe_configs_body(resources, version=2, include_synonyms=False, include_documentation=False):
    """resources: [(type, name, keys or None)]."""
    flex = version >= 4
    body = _count(len(resources), flex)
    for rtype, name, keys in resources:
        body += i8(rtype) + _str(name, flex)
        body += _count(None if keys is None else len(keys), flex)
        for k in keys or []:
            body += _str(k, flex)
        body += _tags(flex)
    if version >= 1:
        body += i8(1 if include_synonyms else 0)
    if version >= 3:
        body += i8(1 if include_documentation else 0)
    return body + _tags(flex)


def describe_configs(conn, resources, version=2, include_synonyms=False, include_documentation=False):
    """Returns [{error, message, type, name, configs: {name: {value, read_only, source,
    is_default, sensitive, synonyms: [(name, value, source)]}}}]."""
    flex = version >= 4
    r = conn.call(API_DESCRIBE_CONFIGS, version,
                  describe_configs_body(resources, version, include_synonyms, include_documentation),
                  header_version=2 if flex else 1, flexible_response=flex)
    r.i32()  # throttle
    out = []
    for _ in range(_rcount(r, flex)):
        res = {"error": r.i16(), "message": _rstr(r, flex), "type": r.i8(),
               "name": _rstr(r, flex), "configs": {}}
        for _ in range(_rcount(r, flex)):
            c = {}
            name = _rstr(r, flex)
            c["value"] = _rstr(r, flex)
            c["read_only"] = r.boolean()
            if version == 0:
                c["is_default"] = r.boolean()
            else:
                c["source"] = r.i8()
            c["sensitive"] = r.boolean()
            c["synonyms"] = []
            if version >= 1:
                for _ in range(_rcount(r, flex)):
                    c["synonyms"].append((_rstr(r, flex), _rstr(r, flex), r.i8()))
                    r.tagged_fields() if flex else None
            if version >= 3:
                c["type"] = r.i8()
                c["doc"] = _rstr(r, flex)
            if flex:
                r.tagged_fields()
            res["configs"][name] = c
        if flex:
            r.tagged_fields()
        out.append(res)
    if flex:
        r.tagged_fields()
    if r.remaining():
        raise ValueError("%d bytes left after DescribeConfigs v%d" % (r.remaining(), version))
    return out


def _alter_results(r, flex):
    r.i32()  # throttle
    out = []
    for _ in range(_rcount(r, flex)):
        res = (r.i16(), _rstr(r, flex), r.i8(), _rstr(r, flex))
        if flex:
            r.tagged_fields()
        out.append(res)
    if flex:
        r.tagged_fields()
    if r.remaining():
        raise ValueError("%d bytes left after an alter-configs response" % r.remaining())
    return out


def incremental_alter_configs_body(resources, validate_only=False, version=0):
    """resources: [(type, name, [(key, op, value or None)])]."""
    flex = version >= 1
    body = _count(len(resources), flex)
    for rtype, name, configs in resources:
        body += i8(rtype) + _str(name, flex) + _count(len(configs), flex)
        for key, op, value in configs:
            body += _str(key, flex) + i8(op) + _str(value, flex) + _tags(flex)
        body += _tags(flex)
    return body + i8(1 if validate_only else 0) + _tags(flex)


def incremental_alter_configs(conn, resources, validate_only=False, version=0):
    """Returns [(error, message, type, name)] per resource."""
    flex = version >= 1
    r = conn.call(API_INCREMENTAL_ALTER_CONFIGS, version,
                  incremental_alter_configs_body(resources, validate_only, version),
                  header_version=2 if flex else 1, flexible_response=flex)
    return _alter_results(r, flex)


def alter_configs(conn, resources, validate_only=False, version=0):
    """AlterConfigs: resources [(type, name, {key: value})]. Returns [(error, message, type, name)]."""
    flex = version >= 2
    body = _count(len(resources), flex)
    for rtype, name, configs in resources:
        body += i8(rtype) + _str(name, flex) + _count(len(configs), flex)
        for key, value in configs.items():
            body += _str(key, flex) + _str(value, flex) + _tags(flex)
        body += _tags(flex)
    body += i8(1 if validate_only else 0) + _tags(flex)
    r = conn.call(API_ALTER_CONFIGS, version, body, header_version=2 if flex else 1,
                  flexible_response=flex)
    return _alter_results(r, flex)


def topic_configs(conn, topic, version=2):
    """{key: (value, source)} of a topic via DescribeConfigs; raises on a resource error."""
    res = describe_configs(conn, [(RESOURCE_TOPIC, topic, None)], version=version)[0]
    if res["error"]:
        raise ValueError("DescribeConfigs %s: %s %s" % (topic, err_name(res["error"]), res["message"]))
    return {k: (c["value"], c.get("source")) for k, c in res["configs"].items()}


# --------------------------------------------------------------------------------------------
# DeleteRecords (21) v0-2 (v2 flexible), from DeleteRecordsRequest/Response.json.

API_DELETE_RECORDS = 21
ERR_POLICY_VIOLATION = 44
ERR_TOPIC_AUTHORIZATION_FAILED = 29


def delete_records(conn, topics, version=1, timeout_ms=10000):
    """topics: {topic: {partition: offset}}. Returns {(topic, partition): (error, low_watermark)}."""
    flex = version >= 2
    cnt = (lambda n: uvarint(n + 1)) if flex else i32
    s = compact_string if flex else string
    tags = b"\x00" if flex else b""
    body = cnt(len(topics))
    for t, parts in topics.items():
        body += s(t) + cnt(len(parts))
        for p, off in parts.items():
            body += i32(p) + i64(off) + tags
        body += tags
    body += i32(timeout_ms) + tags
    r = conn.call(API_DELETE_RECORDS, version, body, header_version=2 if flex else 1,
                  flexible_response=flex)
    r.i32()  # throttle
    out = {}

    def count():
        return r.uvarint() - 1 if flex else r.i32()

    for _ in range(count()):
        if flex:
            n = r.uvarint() - 1
            t = r._take(n).decode()
        else:
            t = r.string()
        for _ in range(count()):
            p, low, err = r.i32(), r.i64(), r.i16()
            if flex:
                r.tagged_fields()
            out[(t, p)] = (err, low)
        if flex:
            r.tagged_fields()
    if flex:
        r.tagged_fields()
    return out


# --------------------------------------------------------------------------------------------
# OffsetDelete (47) v0, from OffsetDeleteRequest/Response.json.

API_OFFSET_DELETE = 47
ERR_GROUP_SUBSCRIBED_TO_TOPIC = 86


def offset_delete(conn, group_id, topics):
    """topics: {topic: [partitions]}. Returns (error, {(topic, partition): error})."""
    body = string(group_id) + array(list(topics.items()),
                                    lambda tp: string(tp[0]) + array(tp[1], i32))
    r = conn.call(API_OFFSET_DELETE, 0, body)
    err = r.i16()
    r.i32()  # throttle
    out = {}
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p, e = r.i32(), r.i16()
            out[(t, p)] = e
    return err, out


# --------------------------------------------------------------------------------------------
# DescribeCluster (60) v0-1, flexible from v0, from DescribeClusterRequest/Response.json.

API_DESCRIBE_CLUSTER = 60


def describe_cluster(conn, version=1, endpoint_type=1):
    """Returns dict(error, error_message, cluster_id, controller_id, brokers=[(id, host, port)])."""
    body = i8(0) + (i8(endpoint_type) if version >= 1 else b"") + b"\x00"
    r = conn.call(API_DESCRIBE_CLUSTER, version, body, header_version=2, flexible_response=True)
    r.i32()  # throttle

    def cstr():
        n = r.uvarint() - 1
        return None if n < 0 else r._take(n).decode()

    out = {"error": r.i16(), "error_message": cstr()}
    if version >= 1:
        out["endpoint_type"] = r.i8()
    out["cluster_id"] = cstr()
    out["controller_id"] = r.i32()
    brokers = []
    for _ in range(r.uvarint() - 1):
        b = (r.i32(), cstr(), r.i32())
        cstr()  # rack
        r.tagged_fields()
        brokers.append(b)
    out["brokers"] = brokers
    r.i32()  # cluster authorized operations
    r.tagged_fields()
    return out


# --------------------------------------------------------------------------------------------
# Consumer groups at their flexible versions (issue 15), from Kafka 3.7-3.9's
# <Name>Request/Response.json: FindCoordinator v4 (batched keys), JoinGroup v9, SyncGroup v5,
# Heartbeat v4, LeaveGroup v5, DescribeGroups v5, ListGroups v4, DeleteGroups v2. Every one uses
# request header v2 and response header v1; compact strings/bytes/arrays, and a tagged-field
# section after every structure. Independent of Tern's codecs (written from the schemas).

FLEX_GROUP_VERSIONS = {
    API_FIND_COORDINATOR: 4, API_JOIN_GROUP: 9, API_SYNC_GROUP: 5, API_HEARTBEAT: 4,
    API_LEAVE_GROUP: 5, API_DESCRIBE_GROUPS: 5, API_LIST_GROUPS: 4, API_DELETE_GROUPS: 2,
}
ERR_GROUP_AUTHORIZATION_FAILED = 30


def compact_bytes(b):
    if b is None:
        return uvarint(0)
    return uvarint(len(b) + 1) + b


def compact_array(items, enc):
    if items is None:
        return uvarint(0)
    return uvarint(len(items) + 1) + b"".join(enc(x) for x in items)


def _rcstr(r):
    """A compact (nullable) string: None for null."""
    n = r.uvarint()
    return None if n == 0 else r._take(n - 1).decode("utf-8", "replace")


def _rcbytes(r):
    n = r.uvarint()
    return None if n == 0 else r._take(n - 1)


def _flex_call(conn, api_key, body):
    """Calls `api_key` at its FLEX_GROUP_VERSIONS version; the Reader is past the response
    header's tagged fields."""
    return conn.call(api_key, FLEX_GROUP_VERSIONS[api_key], body + uvarint(0), header_version=2,
                     flexible_response=True)


def _expect_end(r, what):
    r.tagged_fields()
    if r.remaining():
        raise ValueError("%d trailing bytes in %s" % (r.remaining(), what))


def find_coordinators_v4(conn, keys, key_type=0):
    """FindCoordinator v4 (KIP-699). Returns [dict(key, node_id, host, port, error,
    error_message)] in the broker's order."""
    r = _flex_call(conn, API_FIND_COORDINATOR, i8(key_type) + compact_array(keys, compact_string))
    r.i32()  # throttle
    out = []
    for _ in range(r.uvarint() - 1):
        c = {"key": _rcstr(r), "node_id": r.i32(), "host": _rcstr(r), "port": r.i32(),
             "error": r.i16(), "error_message": _rcstr(r)}
        r.tagged_fields()
        out.append(c)
    _expect_end(r, "FindCoordinator v4")
    return out


def join_group_v9(conn, group_id, member_id="", protocols=(("range", b""),),
                  protocol_type="consumer", session_timeout_ms=10000, rebalance_timeout_ms=10000,
                  group_instance_id=None, reason=None):
    """JoinGroup v9 (blocks until the rebalance completes). Returns dict(error, generation_id,
    protocol_type, protocol_name, leader, skip_assignment, member_id,
    members=[(member_id, group_instance_id, metadata)])."""
    body = (compact_string(group_id) + i32(session_timeout_ms) + i32(rebalance_timeout_ms) +
            compact_string(member_id) + compact_string(group_instance_id) +
            compact_string(protocol_type) +
            compact_array(list(protocols),
                          lambda p: compact_string(p[0]) + compact_bytes(p[1]) + uvarint(0)) +
            compact_string(reason))
    r = _flex_call(conn, API_JOIN_GROUP, body)
    out = {"throttle_time_ms": r.i32(), "error": r.i16(), "generation_id": r.i32(),
           "protocol_type": _rcstr(r), "protocol_name": _rcstr(r), "leader": _rcstr(r),
           "skip_assignment": r.boolean(), "member_id": _rcstr(r)}
    members = []
    for _ in range(r.uvarint() - 1):
        members.append((_rcstr(r), _rcstr(r), _rcbytes(r)))
        r.tagged_fields()
    out["members"] = members
    _expect_end(r, "JoinGroup v9")
    return out


def sync_group_v5(conn, group_id, generation_id, member_id, assignments=(), protocol_type=None,
                  protocol_name=None, group_instance_id=None):
    """SyncGroup v5. Returns dict(error, protocol_type, protocol_name, assignment)."""
    body = (compact_string(group_id) + i32(generation_id) + compact_string(member_id) +
            compact_string(group_instance_id) + compact_string(protocol_type) +
            compact_string(protocol_name) +
            compact_array(list(assignments),
                          lambda a: compact_string(a[0]) + compact_bytes(a[1]) + uvarint(0)))
    r = _flex_call(conn, API_SYNC_GROUP, body)
    out = {"throttle_time_ms": r.i32(), "error": r.i16(), "protocol_type": _rcstr(r),
           "protocol_name": _rcstr(r), "assignment": _rcbytes(r)}
    _expect_end(r, "SyncGroup v5")
    return out


def heartbeat_v4(conn, group_id, generation_id, member_id, group_instance_id=None):
    """Heartbeat v4. Returns the error code."""
    r = _flex_call(conn, API_HEARTBEAT, compact_string(group_id) + i32(generation_id) +
                   compact_string(member_id) + compact_string(group_instance_id))
    r.i32()  # throttle
    err = r.i16()
    _expect_end(r, "Heartbeat v4")
    return err


def leave_group_v5(conn, group_id, members):
    """LeaveGroup v5. `members`: [(member_id, group_instance_id, reason)]. Returns dict(error,
    members={member_id: error})."""
    body = compact_string(group_id) + compact_array(
        list(members), lambda m: compact_string(m[0]) + compact_string(m[1]) +
        compact_string(m[2]) + uvarint(0))
    r = _flex_call(conn, API_LEAVE_GROUP, body)
    r.i32()  # throttle
    out = {"error": r.i16(), "members": {}}
    for _ in range(r.uvarint() - 1):
        mid, _inst, err = _rcstr(r), _rcstr(r), r.i16()
        r.tagged_fields()
        out["members"][mid] = err
    _expect_end(r, "LeaveGroup v5")
    return out


def list_groups_v4(conn, states_filter=()):
    """ListGroups v4 (KIP-518). Returns (error, {group_id: (protocol_type, group_state)})."""
    r = _flex_call(conn, API_LIST_GROUPS, compact_array(list(states_filter), compact_string))
    r.i32()  # throttle
    err = r.i16()
    groups = {}
    for _ in range(r.uvarint() - 1):
        gid, pt, state = _rcstr(r), _rcstr(r), _rcstr(r)
        r.tagged_fields()
        groups[gid] = (pt, state)
    _expect_end(r, "ListGroups v4")
    return err, groups


def describe_groups_v5(conn, group_ids, include_authorized_operations=True):
    """DescribeGroups v5. Returns {group_id: dict(error, state, protocol_type, protocol,
    members=[dict(member_id, group_instance_id, client_id, client_host, metadata, assignment)],
    authorized_operations)}."""
    body = compact_array(list(group_ids), compact_string) + i8(
        1 if include_authorized_operations else 0)
    r = _flex_call(conn, API_DESCRIBE_GROUPS, body)
    r.i32()  # throttle
    out = {}
    for _ in range(r.uvarint() - 1):
        g = {"error": r.i16()}
        gid = _rcstr(r)
        g["state"], g["protocol_type"], g["protocol"] = _rcstr(r), _rcstr(r), _rcstr(r)
        members = []
        for _ in range(r.uvarint() - 1):
            m = {"member_id": _rcstr(r), "group_instance_id": _rcstr(r), "client_id": _rcstr(r),
                 "client_host": _rcstr(r), "metadata": _rcbytes(r), "assignment": _rcbytes(r)}
            r.tagged_fields()
            members.append(m)
        g["members"] = members
        g["authorized_operations"] = r.i32()
        r.tagged_fields()
        out[gid] = g
    _expect_end(r, "DescribeGroups v5")
    return out


def delete_groups_v2(conn, group_ids):
    """DeleteGroups v2. Returns {group_id: error}."""
    r = _flex_call(conn, API_DELETE_GROUPS, compact_array(list(group_ids), compact_string))
    r.i32()  # throttle
    out = {}
    for _ in range(r.uvarint() - 1):
        g, err = _rcstr(r), r.i16()
        r.tagged_fields()
        out[g] = err
    _expect_end(r, "DeleteGroups v2")
    return out


# --------------------------------------------------------------------------------------------
# The data path's flexible versions (issue 15): Produce v8 (record_errors, error_message) and
# v9 (flexible), Fetch v12 (flexible), from Produce/FetchRequest/Response.json. Flexible
# requests use request header v2 and their responses header v1 (one tag byte after the
# correlation id). Written apart from the v3/v4 helpers above so that they stay as they were.

ERR_INVALID_TIMESTAMP = 32
ERR_INVALID_RECORD = 87
ERROR_NAMES.update({32: "INVALID_TIMESTAMP", 87: "INVALID_RECORD"})


def _rcompact_bytes(r):
    n = r.uvarint()
    return None if n == 0 else r._take(n - 1)


def produce_flex_body(topic, partition, records_blob, version=9, acks=1, timeout_ms=10000,
                      transactional_id=None):
    """Produce v8 (classic, the v3 layout) or v9 (compact) body: one topic, one partition."""
    if version < 9:
        return (string(transactional_id) + i16(acks) + i32(timeout_ms) + i32(1) + string(topic)
                + i32(1) + i32(partition) + nbytes(records_blob))
    return (compact_string(transactional_id) + i16(acks) + i32(timeout_ms)
            + uvarint(2) + compact_string(topic)           # topic_data: 1
            + uvarint(2) + i32(partition)                  # partition_data: 1
            + compact_bytes(records_blob) + uvarint(0)     # records, partition tags
            + uvarint(0) + uvarint(0))                     # topic tags, request tags


def decode_produce_flex(r, version):
    """A Produce v5-9 response body -> (throttle, [dict(topic, partition, error, base_offset,
    log_append_time_ms, log_start_offset, record_errors=[(index, message)], error_message)]).
    Raises if bytes are left over."""
    flex = version >= 9
    out = []
    for _ in range(_rcount(r, flex)):
        topic = _rstr(r, flex)
        for _ in range(_rcount(r, flex)):
            p = {"topic": topic, "partition": r.i32(), "error": r.i16(), "base_offset": r.i64(),
                 "log_append_time_ms": r.i64(), "log_start_offset": r.i64(),
                 "record_errors": [], "error_message": None}
            if version >= 8:
                for _ in range(_rcount(r, flex)):
                    index, message = r.i32(), _rstr(r, flex)
                    if flex:
                        r.tagged_fields()
                    p["record_errors"].append((index, message))
                p["error_message"] = _rstr(r, flex)
            if flex:
                r.tagged_fields()
            out.append(p)
        if flex:
            r.tagged_fields()
    throttle = r.i32()
    if flex:
        r.tagged_fields()
    if r.remaining():
        raise ValueError("%d bytes after the Produce v%d response" % (r.remaining(), version))
    return throttle, out


def produce_flex(conn, topic, partition, records_blob, version=9, acks=1, timeout_ms=10000):
    """Produce v8/v9, one partition: its result dict (see decode_produce_flex)."""
    body = produce_flex_body(topic, partition, records_blob, version, acks, timeout_ms)
    flex = version >= 9
    r = conn.call(API_PRODUCE, version, body, header_version=2 if flex else 1,
                  flexible_response=flex)
    _, parts = decode_produce_flex(r, version)
    if len(parts) != 1 or (parts[0]["topic"], parts[0]["partition"]) != (topic, partition):
        raise ValueError("unexpected produce response %r" % (parts,))
    return parts[0]


def fetch_v12_body(topic, partition, offset, max_bytes=1 << 20, max_wait_ms=100,
                   last_fetched_epoch=-1, cluster_id=None):
    """Fetch v12 body: one partition, read_committed, no session."""
    tags = uvarint(0)
    if cluster_id is not None:
        value = compact_string(cluster_id)
        tags = uvarint(1) + uvarint(0) + uvarint(len(value)) + value
    return (i32(-1) + i32(max_wait_ms) + i32(1) + i32(max_bytes) + i8(1)
            + i32(0) + i32(-1)                                      # session id, epoch
            + uvarint(2) + compact_string(topic)                    # topics: 1
            + uvarint(2) + i32(partition) + i32(-1) + i64(offset)   # partition, leader epoch
            + i32(last_fetched_epoch) + i64(-1) + i32(max_bytes)    # ..., log start, max
            + uvarint(0) + uvarint(0)                               # partition, topic tags
            + uvarint(1)                                            # forgotten: 0
            + compact_string("")                                    # rack_id
            + tags)


def decode_fetch_v12(r):
    """A Fetch v12 response body -> dict(throttle, error, session_id, partitions={(topic, p):
    dict(error, high_watermark, last_stable_offset, log_start_offset, aborted,
    preferred_read_replica, records, tags={tag: bytes})}). Raises if bytes are left over."""
    out = {"throttle": r.i32(), "error": r.i16(), "session_id": r.i32(), "partitions": {}}
    for _ in range(r.uvarint() - 1):
        topic = _rstr(r, True)
        for _ in range(r.uvarint() - 1):
            pid = r.i32()
            p = {"error": r.i16(), "high_watermark": r.i64(), "last_stable_offset": r.i64(),
                 "log_start_offset": r.i64()}

            def aborted(rr):
                a = (rr.i64(), rr.i64())
                rr.tagged_fields()
                return a
            p["aborted"] = r.compact_array(aborted)
            p["preferred_read_replica"] = r.i32()
            p["records"] = _rcompact_bytes(r)
            p["tags"] = {}
            for _ in range(r.uvarint()):
                tag = r.uvarint()
                p["tags"][tag] = r._take(r.uvarint())
            out["partitions"][(topic, pid)] = p
        r.tagged_fields()
    r.tagged_fields()
    if r.remaining():
        raise ValueError("%d bytes after the Fetch v12 response" % r.remaining())
    return out


def fetch_v12_raw(conn, topic, partition, offset, **kw):
    """Fetch v12, one partition: (correlation id, the whole response frame as received)."""
    corr = conn.send_request(API_FETCH, 12, fetch_v12_body(topic, partition, offset, **kw),
                             header_version=2)
    return corr, conn.recv_frame()


# --------------------------------------------------------------------------------------------
# Flexible versions of OffsetCommit (v8), OffsetFetch (v6-8), ListOffsets (v4-7) and
# InitProducerId (v2-4) (issue 15), from OffsetCommit/OffsetFetch/ListOffsets/InitProducerId
# Request/Response.json. Flexible versions use request header v2 and response header v1; their
# strings and arrays are compact and every structure ends with a tagged-field section.

MAX_TIMESTAMP = -3  # ListOffsets v7+: the record with the largest timestamp
ERR_NOT_LEADER_OR_FOLLOWER = 6
ERR_GROUP_AUTHORIZATION_FAILED = 30
ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53
ERR_FENCED_LEADER_EPOCH = 74
ERR_UNKNOWN_LEADER_EPOCH = 75
ERR_PRODUCER_FENCED = 90
ERROR_NAMES.update({6: "NOT_LEADER_OR_FOLLOWER", 30: "GROUP_AUTHORIZATION_FAILED",
                    53: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
                    74: "FENCED_LEADER_EPOCH", 75: "UNKNOWN_LEADER_EPOCH",
                    90: "PRODUCER_FENCED"})


class _Flex:
    """Encoders and readers for one version: classic or flexible."""

    def __init__(self, flexible):
        self.flexible = flexible
        self.tags = b"\x00" if flexible else b""

    def string(self, s):
        return compact_string(s) if self.flexible else string(s)

    def array(self, items, enc):
        if not self.flexible:
            return array(items, enc)
        if items is None:
            return uvarint(0)
        return uvarint(len(items) + 1) + b"".join(enc(x) for x in items)

    def read_string(self, r):
        if not self.flexible:
            return r.string()
        n = r.uvarint() - 1
        return None if n < 0 else r._take(n).decode()

    def read_count(self, r):
        return r.uvarint() - 1 if self.flexible else r.i32()

    def read_tags(self, r):
        if self.flexible:
            r.tagged_fields()

    def call(self, conn, api_key, version, body):
        return conn.call(api_key, version, body, header_version=2 if self.flexible else 1,
                         flexible_response=self.flexible)


def offset_commit_flex(conn, group_id, offsets, version=8, generation_id=-1, member_id="",
                       group_instance_id=None):
    """OffsetCommit v8 (v7 with flexible encoding). `offsets` is
    {topic: {partition: (offset, metadata, leader_epoch)}}. Returns {(topic, partition): error}."""
    assert version == 8
    f = _Flex(True)

    def part(item):
        p, (off, md, epoch) = item
        return i32(p) + i64(off) + i32(epoch) + f.string(md) + f.tags

    def topic(item):
        name, parts = item
        return f.string(name) + f.array(list(parts.items()), part) + f.tags

    body = (f.string(group_id) + i32(generation_id) + f.string(member_id)
            + f.string(group_instance_id) + f.array(list(offsets.items()), topic) + f.tags)
    r = f.call(conn, API_OFFSET_COMMIT, version, body)
    r.i32()  # throttle
    out = {}
    for _ in range(f.read_count(r)):
        t = f.read_string(r)
        for _ in range(f.read_count(r)):
            p, err = r.i32(), r.i16()
            f.read_tags(r)
            out[(t, p)] = err
        f.read_tags(r)
    f.read_tags(r)
    if r.remaining():
        raise ValueError("%d trailing bytes in OffsetCommit v8 response" % r.remaining())
    return out


def _offset_fetch_topics(f, r):
    offsets, epochs = {}, {}
    for _ in range(f.read_count(r)):
        t = f.read_string(r)
        for _ in range(f.read_count(r)):
            p, off, epoch = r.i32(), r.i64(), r.i32()
            md, err = f.read_string(r), r.i16()
            f.read_tags(r)
            offsets[(t, p)] = (off, md, err)
            epochs[(t, p)] = epoch
        f.read_tags(r)
    return offsets, epochs


def _offset_fetch_request_topics(f, topics):
    if topics is None:
        return f.array(None, None)
    return f.array(list(topics.items()),
                   lambda t: f.string(t[0]) + f.array(list(t[1]), i32) + f.tags)


def offset_fetch_flex(conn, group_id, topics, version=7, require_stable=False):
    """OffsetFetch v6-7, one group. `topics` is {topic: [partitions]} or None (all). Returns
    dict(error, offsets={(topic, partition): (offset, metadata, error)}, leader_epochs)."""
    assert 6 <= version <= 7
    f = _Flex(True)
    body = f.string(group_id) + _offset_fetch_request_topics(f, topics)
    if version >= 7:
        body += i8(1 if require_stable else 0)
    r = f.call(conn, API_OFFSET_FETCH, version, body + f.tags)
    r.i32()  # throttle
    offsets, epochs = _offset_fetch_topics(f, r)
    out = {"error": r.i16(), "offsets": offsets, "leader_epochs": epochs}
    f.read_tags(r)
    if r.remaining():
        raise ValueError("%d trailing bytes in OffsetFetch v%d response" % (r.remaining(),
                                                                          version))
    return out


def offset_fetch_groups(conn, groups, require_stable=False):
    """OffsetFetch v8: several groups in one request. `groups` is a list of (group_id, topics)
    with topics {topic: [partitions]} or None (all). Returns a list, in response order, of
    dict(group_id, error, offsets={(topic, partition): (offset, metadata, error)},
    leader_epochs)."""
    f = _Flex(True)
    body = f.array(groups, lambda g: f.string(g[0]) + _offset_fetch_request_topics(f, g[1])
                   + f.tags)
    body += i8(1 if require_stable else 0) + f.tags
    r = f.call(conn, API_OFFSET_FETCH, 8, body)
    r.i32()  # throttle
    out = []
    for _ in range(f.read_count(r)):
        gid = f.read_string(r)
        offsets, epochs = _offset_fetch_topics(f, r)
        out.append({"group_id": gid, "offsets": offsets, "leader_epochs": epochs,
                    "error": r.i16()})
        f.read_tags(r)
    f.read_tags(r)
    if r.remaining():
        raise ValueError("%d trailing bytes in OffsetFetch v8 response" % r.remaining())
    return out


def list_offsets_flex(conn, topic, partitions, version=7, isolation_level=0, replica_id=-1):
    """ListOffsets v4-7. `partitions` is a list of (partition, timestamp, current_leader_epoch).
    Returns a list, in response order, of (partition, error, timestamp, offset, leader_epoch)."""
    assert 4 <= version <= 7
    f = _Flex(version >= 6)
    body = (i32(replica_id) + i8(isolation_level)
            + f.array([topic], lambda t: f.string(t) + f.array(
                partitions, lambda p: i32(p[0]) + i32(p[2]) + i64(p[1]) + f.tags) + f.tags)
            + f.tags)
    r = f.call(conn, API_LIST_OFFSETS, version, body)
    r.i32()  # throttle
    out = []
    for _ in range(f.read_count(r)):
        f.read_string(r)
        for _ in range(f.read_count(r)):
            out.append((r.i32(), r.i16(), r.i64(), r.i64(), r.i32()))
            f.read_tags(r)
        f.read_tags(r)
    f.read_tags(r)
    if r.remaining():
        raise ValueError("%d trailing bytes in ListOffsets v%d response" % (r.remaining(),
                                                                          version))
    return out


def init_producer_id_flex(conn, version=4, producer_id=-1, producer_epoch=-1,
                          transactional_id=None, transaction_timeout_ms=60000):
    """InitProducerId v2-4 (v3+ carry the producer's id and epoch, KIP-360). Returns
    (error, producer_id, producer_epoch)."""
    assert 2 <= version <= 4
    f = _Flex(True)
    body = f.string(transactional_id) + i32(transaction_timeout_ms)
    if version >= 3:
        body += i64(producer_id) + i16(producer_epoch)
    r = f.call(conn, API_INIT_PRODUCER_ID, version, body + f.tags)
    r.i32()  # throttle
    out = (r.i16(), r.i64(), r.i16())
    f.read_tags(r)
    if r.remaining():
        raise ValueError("%d trailing bytes in InitProducerId v%d response" % (r.remaining(),
                                                                             version))
    return out


# --------------------------------------------------------------------------------------------
# Flexible topic APIs with topic ids, from Kafka's schemas: Metadata (3) v12, CreateTopics (19)
# v7, DeleteTopics (20) v6, and ApiVersions (18) at a version above the advertised one. Written
# independently of Tern's codecs (common/src/kafka), so a shared mistake cannot hide.

ERR_UNKNOWN_TOPIC_ID = 100
ERROR_NAMES.update({100: "UNKNOWN_TOPIC_ID"})
ZERO_UUID = bytes(16)


def _cstr_read(r):
    n = r.uvarint()
    return None if n == 0 else r._take(n - 1).decode("utf-8", "replace")


def metadata_v12(conn, topics=None, allow_auto_topic_creation=False):
    """Metadata v12. topics: None (all) or a list of names (str) and/or topic ids (16 bytes).
    Returns dict(brokers={id: (host, port)}, cluster_id, controller_id, topics=[dict(error, name,
    topic_id, partitions={id: dict(error, leader, leader_epoch, replicas, isr)})]) in answer order."""
    if topics is None:
        body = uvarint(0)
    else:
        body = uvarint(len(topics) + 1)
        for t in topics:
            if isinstance(t, (bytes, bytearray)):
                assert len(t) == 16
                body += bytes(t) + compact_string(None) + uvarint(0)
            else:
                body += ZERO_UUID + compact_string(t) + uvarint(0)
    body += i8(1 if allow_auto_topic_creation else 0) + i8(0) + uvarint(0)  # auto, topic ops, tags
    r = conn.call(API_METADATA, 12, body, header_version=2, flexible_response=True)
    out = {"throttle_time_ms": r.i32(), "brokers": {}, "topics": []}
    for _ in range(r.uvarint() - 1):
        node, host, port = r.i32(), _cstr_read(r), r.i32()
        _cstr_read(r)  # rack
        r.tagged_fields()
        out["brokers"][node] = (host, port)
    out["cluster_id"] = _cstr_read(r)
    out["controller_id"] = r.i32()
    for _ in range(r.uvarint() - 1):
        t = {"error": r.i16(), "name": _cstr_read(r), "topic_id": r._take(16)}
        r.boolean()  # is_internal
        parts = {}
        for _ in range(r.uvarint() - 1):
            perr, pid, leader, epoch = r.i16(), r.i32(), r.i32(), r.i32()
            replicas = [r.i32() for _ in range(r.uvarint() - 1)]
            isr = [r.i32() for _ in range(r.uvarint() - 1)]
            [r.i32() for _ in range(r.uvarint() - 1)]  # offline replicas
            r.tagged_fields()
            parts[pid] = {"error": perr, "leader": leader, "leader_epoch": epoch,
                          "replicas": replicas, "isr": isr}
        t["partitions"] = parts
        r.i32()  # topic authorized operations
        r.tagged_fields()
        out["topics"].append(t)
    r.tagged_fields()
    if r.remaining():
        raise ValueError("Metadata v12: %d bytes left over" % r.remaining())
    return out


def create_topics_v7(conn, topics, timeout_ms=10000, validate_only=False):
    """CreateTopics v7. topics: [(name, partitions, replication_factor, {config: value})].
    Returns [dict(name, topic_id, error, message, num_partitions, replication_factor,
    configs={name: (value, source)} or None, config_error)]."""
    body = uvarint(len(topics) + 1)
    for name, partitions, rf, configs in topics:
        body += compact_string(name) + i32(partitions) + i16(rf) + uvarint(1)  # no assignments
        body += uvarint(len(configs) + 1)
        for k, v in configs.items():
            body += compact_string(k) + compact_string(v) + uvarint(0)
        body += uvarint(0)
    body += i32(timeout_ms) + i8(1 if validate_only else 0) + uvarint(0)
    r = conn.call(API_CREATE_TOPICS, 7, body, header_version=2, flexible_response=True)
    r.i32()  # throttle
    out = []
    for _ in range(r.uvarint() - 1):
        t = {"name": _cstr_read(r), "topic_id": r._take(16), "error": r.i16(), "message": _cstr_read(r),
             "num_partitions": r.i32(), "replication_factor": r.i16(), "config_error": 0}
        n = r.uvarint()
        if n == 0:
            t["configs"] = None
        else:
            t["configs"] = {}
            for _ in range(n - 1):
                k, v, _ro, source, _sens = _cstr_read(r), _cstr_read(r), r.boolean(), r.i8(), r.boolean()
                r.tagged_fields()
                t["configs"][k] = (v, source)
        for _ in range(r.uvarint()):  # tagged fields: 0 = topic_config_error_code
            tag, size = r.uvarint(), r.uvarint()
            if tag == 0 and size == 2:
                t["config_error"] = r.i16()
            else:
                r._take(size)
        out.append(t)
    r.tagged_fields()
    return out


def delete_topics_v6(conn, topics, timeout_ms=10000):
    """DeleteTopics v6. topics: names (str) and/or topic ids (16 bytes).
    Returns [dict(name, topic_id, error, message)]."""
    body = uvarint(len(topics) + 1)
    for t in topics:
        if isinstance(t, (bytes, bytearray)):
            body += compact_string(None) + bytes(t) + uvarint(0)
        else:
            body += compact_string(t) + ZERO_UUID + uvarint(0)
    body += i32(timeout_ms) + uvarint(0)
    r = conn.call(API_DELETE_TOPICS, 6, body, header_version=2, flexible_response=True)
    r.i32()  # throttle
    out = []
    for _ in range(r.uvarint() - 1):
        out.append({"name": _cstr_read(r), "topic_id": r._take(16), "error": r.i16(),
                    "message": _cstr_read(r)})
        r.tagged_fields()
    r.tagged_fields()
    return out


def api_versions_v4(conn):
    """ApiVersions v4 as @platformatic/kafka sends it (header v2, compact body). A broker that
    advertises less answers in v0: returns (corr_ok, error, {key: (min, max)}, bytes left)."""
    body = compact_string("platformatic-kafka") + compact_string("1.0.0") + uvarint(0)
    corr = conn.send_request(API_API_VERSIONS, 4, body, header_version=2)
    r = Reader(conn.recv_frame())
    corr_ok = r.i32() == corr
    err, apis = decode_api_versions_v0(r)
    return corr_ok, err, apis, r.remaining()
