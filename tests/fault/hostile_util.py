"""Hostile clients for the request-memory tests (test_hostile_clients.py, tests/bench/hostile.py).

- Tricklers: connections that each send a 100 MiB length prefix and then a few bytes at a time,
  reconnecting whenever the hub closes them (so the pressure lasts).
- BigProducers: connections that send maximum-size valid Produce requests (one ~1 MB record
  per batch, under the default message.max.bytes) back to back, on the raw wire.
- rss_kb(): a process's VmRSS from /proc.
- LatencyProducer: tests/fault/rdkafka_latency.c (librdkafka) in the background, its delivery
  reports split into phases by their monotonic send time.
- sasl_plain_login() and LoginFlood: SASL/PLAIN logins on the raw wire (SaslHandshake v1 +
  SaslAuthenticate v2), one per connection, optionally from another loopback source address.
- TopicAutoCreator: Metadata v4 requests with allow_auto_topic_creation, one new topic each.
- loop_stalls(): the hub's "io loop stalled for N ms" debug lines with their wall-clock times.
"""

import calendar
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
from tern_harness import vm_rss_kb  # noqa: E402

HUNDRED_MIB_PREFIX = struct.pack(">i", 100 << 20)


rss_kb = vm_rss_kb  # the harness's, under the name this module's users know


class RssSampler(threading.Thread):
    """Samples a process's VmRSS every `interval_s`; .max_kb is the largest seen."""

    def __init__(self, pid, interval_s=0.1):
        super().__init__(daemon=True)
        self.pid, self.interval_s = pid, interval_s
        self.max_kb = rss_kb(pid)
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            try:
                self.max_kb = max(self.max_kb, rss_kb(self.pid))
            except (OSError, ValueError):
                return
            self._halt.wait(self.interval_s)

    def stop(self):
        self._halt.set()
        self.join()


class Tricklers(threading.Thread):
    """`count` connections to host:port, each: a 100 MiB length prefix, then `chunk` bytes of
    zeros every `interval_s`. A connection the hub closes is counted and opened again."""

    def __init__(self, host, port, count, chunk=1024, interval_s=0.05, reconnect=True):
        super().__init__(daemon=True)
        self.addr = (host, port)
        self.count, self.chunk, self.interval_s, self.reconnect = count, chunk, interval_s, reconnect
        self.socks = []
        self.closed_by_hub = 0
        self.bytes_sent = 0
        self.opened = 0
        self._halt = threading.Event()
        self.ready = threading.Event()

    def _open(self):
        s = socket.create_connection(self.addr, timeout=10)
        s.sendall(HUNDRED_MIB_PREFIX)
        s.setblocking(False)
        self.opened += 1
        return s

    def run(self):
        for _ in range(self.count):
            self.socks.append(self._open())
        self.ready.set()
        zeros = bytes(self.chunk)
        while not self._halt.is_set():
            for i, s in enumerate(self.socks):
                if s is None:
                    continue
                try:
                    self.bytes_sent += s.send(zeros)
                except BlockingIOError:
                    pass  # the hub stopped reading this one (waiting for request memory)
                except OSError:
                    self.closed_by_hub += 1
                    s.close()
                    self.socks[i] = None
                    if self.reconnect and not self._halt.is_set():
                        try:
                            self.socks[i] = self._open()
                        except OSError:
                            pass
            self._halt.wait(self.interval_s)

    def stop(self):
        self._halt.set()
        self.join()
        for s in self.socks:
            if s is not None:
                s.close()


def max_size_batch(value_bytes=1000000):
    """One record of `value_bytes` (a valid RecordBatch under message.max.bytes = 1048588)."""
    return kr.encode_record_batch([kr.Record(None, b"x" * value_bytes, timestamp=int(time.time() * 1000))])


class BigProducers:
    """`count` threads, each producing max-size batches (acks=1) back to back on its own
    connection until stop(); counts acknowledged batches and errors."""

    def __init__(self, host, port, topic, count):
        self.host, self.port, self.topic, self.count = host, port, topic, count
        self.acked = 0
        self.errors = []
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._blob = max_size_batch()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]

    def start(self):
        for t in self._threads:
            t.start()
        return self

    def _run(self):
        while not self._halt.is_set():
            try:
                with kr.KafkaConnection(self.host, self.port, timeout=60) as c:
                    while not self._halt.is_set():
                        err, _ = kr.produce(c, self.topic, 0, self._blob, acks=1, timeout_ms=30000)
                        with self._lock:
                            if err == 0:
                                self.acked += 1
                            else:
                                self.errors.append(err)
            except (OSError, kr.Closed, struct.error, ValueError) as e:
                with self._lock:
                    self.errors.append(repr(e))
                self._halt.wait(0.2)

    def stop(self):
        self._halt.set()
        for t in self._threads:
            t.join(timeout=90)


class LatencyProducer:
    """tests/fault/rdkafka_latency.c at `rate` records/s for `seconds`, in the background."""

    def __init__(self, binary, bootstrap, topic, rate, seconds, *settings):
        self.cmd = [binary, bootstrap, topic, str(rate), str(seconds)] + list(settings)
        self.proc = None
        self.out = self.err = ""

    def start(self):
        # Reports go to files, not pipes: a pipe nobody drains until the end fills after ~2,000
        # lines and then blocks the producer in fflush (a stall that would be counted as ours).
        self._out_file = tempfile.TemporaryFile(mode="w+")
        self._err_file = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(self.cmd, stdout=self._out_file, stderr=self._err_file, text=True)
        return self

    def wait(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        finally:
            for f, name in ((self._out_file, "out"), (self._err_file, "err")):
                f.seek(0)
                setattr(self, name, f.read())
                f.close()
        return self.proc.returncode

    def reports(self):
        """[(i, sent_monotonic_s, latency_ms)] of acknowledged records; failures as a list."""
        ok, failed = [], []
        for line in self.out.splitlines():
            parts = line.split()
            if parts and parts[0] == "D":
                ok.append((int(parts[1]), int(parts[2]) / 1e6, int(parts[3]) / 1000.0))
            elif parts and parts[0] == "F":
                failed.append(line)
        return ok, failed


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def latency_summary(latencies_ms):
    return "n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms" % (
        len(latencies_ms), percentile(latencies_ms, 50), percentile(latencies_ms, 99),
        max(latencies_ms) if latencies_ms else float("nan"))


SASL_HANDSHAKE, SASL_AUTHENTICATE = 17, 36
SASL_AUTHENTICATION_FAILED = 58


def sasl_plain_login(port, user, password, source=None, timeout=30):
    """(error_code, message) of one SASL/PLAIN login (SaslHandshake v1, SaslAuthenticate v2) on
    a fresh connection to 127.0.0.1:port; `source` binds the client to another loopback address
    (e.g. "127.0.0.2": the hub rate-limits failed logins per client address too)."""
    with kr.KafkaConnection("127.0.0.1", port, timeout=timeout, source=source) as c:
        r = c.call(SASL_HANDSHAKE, 1, kr.string("PLAIN"))
        error = r.i16()
        if error:
            return error, "SaslHandshake failed"
        token = b"\0" + user.encode() + b"\0" + password.encode()
        r = c.call(SASL_AUTHENTICATE, 2, kr.uvarint(len(token) + 1) + token + kr.uvarint(0),
                   header_version=2, flexible_response=True)
        error = r.i16()
        n = r.uvarint()
        return error, (r._take(n - 1).decode() if n else None)


class LoginFlood:
    """`attempts` failing SASL/PLAIN logins over `threads` parallel clients, each on a fresh
    connection: `credentials(i)` gives attempt i's (user, password). .results holds
    (error_code, message) per attempt, .errors what was raised instead of an answer."""

    def __init__(self, port, attempts, threads, credentials):
        self.port, self.attempts, self.credentials = port, attempts, credentials
        self.results, self.errors = [], []
        self._next = iter(range(attempts))
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        self.elapsed_s = None

    def start(self):
        self._t0 = time.monotonic()
        for t in self._threads:
            t.start()
        return self

    def _run(self):
        while True:
            with self._lock:
                i = next(self._next, None)
            if i is None:
                return
            user, password = self.credentials(i)
            try:
                res = sasl_plain_login(self.port, user, password)
            except (OSError, kr.Closed, struct.error, ValueError) as e:
                with self._lock:
                    self.errors.append(repr(e))
                continue
            with self._lock:
                self.results.append(res)

    def join(self, timeout=120):
        for t in self._threads:
            t.join(timeout=timeout)
        self.elapsed_s = time.monotonic() - self._t0
        return self


class TopicAutoCreator:
    """Auto-creates the topics `names` through Metadata v4 (allow_auto_topic_creation), one
    request per new topic, over `connections` parallel connections to host:port. After join():
    .answers maps each name to (error_code, partition count) from the answer to its request,
    .errors holds what was raised instead of an answer, .call_ms each request's round trip."""

    def __init__(self, host, port, names, connections=4):
        self.addr = (host, port)
        self.names = list(names)
        self.answers, self.errors, self.call_ms = {}, [], []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(self.names[k::connections],),
                                          daemon=True) for k in range(connections)]
        self.elapsed_s = None

    def start(self):
        self._t0 = time.monotonic()
        for t in self._threads:
            t.start()
        return self

    def _run(self, names):
        try:
            with kr.KafkaConnection(*self.addr, timeout=60) as c:
                for name in names:
                    t0 = time.monotonic()
                    md = kr.metadata(c, [name], version=4, allow_auto_topic_creation=True)
                    took_ms = (time.monotonic() - t0) * 1000
                    t = md["topics"].get(name)
                    with self._lock:
                        self.call_ms.append(took_ms)
                        self.answers[name] = (t["error"], len(t["partitions"])) if t else (-1, 0)
        except (OSError, kr.Closed, struct.error, ValueError) as e:
            with self._lock:
                self.errors.append(repr(e))

    def join(self, timeout=300):
        for t in self._threads:
            t.join(timeout=timeout)
        self.elapsed_s = time.monotonic() - self._t0
        return self


_STALL_RE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z \S+ io loop stalled for (\d+) ms")


def loop_stalls(log_text):
    """[(unix_time_s, stall_ms)] of the hub's "io loop stalled for N ms" lines (logged at
    log.level=debug when the loop probe fired more than 20 ms late)."""
    out = []
    for m in _STALL_RE.finditer(log_text):
        t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + int(m.group(2)) / 1000
        out.append((t, int(m.group(3))))
    return out


def longest_stall_ms(log_text):
    """The hub's "longest io loop stall: N ms" (logged when it stops), or None."""
    found = re.findall(r"longest io loop stall: (\d+) ms", log_text)
    return int(found[-1]) if found else None
