"""A Kafka-aware TCP proxy on 127.0.0.1 that resets connections mid-stream, for fault tests.

Clients connect to the proxy; it connects to the upstream port and forwards whole Kafka frames
both ways (4-byte big-endian length + body). Start the hub with
`--advertised.listeners PLAINTEXT://127.0.0.1:<proxy.port>` so a client that follows Metadata stays
behind the proxy.

Faults: after a random number of client->hub bytes (uniform in reset_every_bytes, counted across
all connections since the last reset), the next request of an armed API (Produce by default) is
sabotaged, alternating between two modes, until max_resets resets have happened:
- "cut":  only the first half of the request frame reaches the hub, then both sides get a RST.
          The hub sees a truncated frame; the client never gets an answer.
- "drop": the whole request reaches the hub (so it is applied), the hub's response to it is
          swallowed and both sides get a RST. The client must retry a request the hub already
          applied: the idempotent producer's dedup case.
- "drop-many": like "drop", but up to DROP_MANY_FRAMES further requests are still forwarded for
          DROP_MANY_S and every response from the doomed one on is swallowed before the RST:
          several in-flight batches applied but unacknowledged, retried together.
Each Produce request forwarded in full is recorded (batch producer id, epoch, base sequence,
record count) so a test can prove that dropped batches were retried.
"""

import random
import select
import socket
import struct
import threading
import time

API_PRODUCE = 0
DROP_MANY_FRAMES = 4
DROP_MANY_S = 0.3


def _rst_close(sock):
    """Close with an RST (SO_LINGER 0) rather than a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class _Str:
    def __init__(self, data, pos):
        self.d, self.p = data, pos

    def i16(self):
        v = struct.unpack_from(">h", self.d, self.p)[0]
        self.p += 2
        return v

    def i32(self):
        v = struct.unpack_from(">i", self.d, self.p)[0]
        self.p += 4
        return v

    def string(self):
        n = self.i16()
        if n < 0:
            return None
        s = self.d[self.p:self.p + n].decode("utf-8", "replace")
        self.p += n
        return s

    def nbytes(self):
        n = self.i32()
        if n < 0:
            return None
        b = self.d[self.p:self.p + n]
        self.p += n
        return b


def parse_produce_batches(body):
    """Produce v3+ request body (after the length prefix) -> [(topic, partition, producer_id,
    epoch, base_sequence, record_count)] for every RecordBatch v2 header found."""
    out = []
    try:
        r = _Str(body, 0)
        api_key, api_version = r.i16(), r.i16()
        r.i32()  # correlation id
        r.string()  # client id
        if api_key != API_PRODUCE or api_version < 3:
            return out
        r.string()  # transactional id
        r.i16()  # acks
        r.i32()  # timeout
        for _ in range(r.i32()):
            topic = r.string()
            for _ in range(r.i32()):
                part = r.i32()
                recs = r.nbytes() or b""
                pos = 0
                while len(recs) - pos >= 61:
                    length = struct.unpack_from(">i", recs, pos + 8)[0]
                    pid, epoch, seq, count = struct.unpack_from(">qhii", recs, pos + 43)
                    out.append((topic, part, pid, epoch, seq, count))
                    pos += 12 + length
    except (struct.error, IndexError):
        pass
    return out


class ResettingProxy:
    def __init__(self, upstream_port=None, seed=1, reset_every_bytes=(64 << 10, 256 << 10),
                 max_resets=20, modes=("drop", "cut", "drop-many"),
                 armed_apis=(API_PRODUCE,)):
        self.upstream_port = upstream_port
        self.rng = random.Random(seed)
        self.reset_every_bytes = reset_every_bytes
        self.max_resets = max_resets
        self.modes = list(modes)
        self.armed_apis = set(armed_apis)
        self.lock = threading.Lock()
        self.stats = {"connections": 0, "resets": 0, "cut": 0, "drop": 0, "drop-many": 0,
                      "bytes_c2s": 0, "bytes_s2c": 0, "produce_requests": 0,
                      "responses_swallowed": 0}
        self.sent_batches = []  # (seq_no, topic, partition, pid, epoch, base_seq, count, doomed)
        self.events = []  # (time, mode, api_key, conn_no)
        self._bytes_since_reset = 0
        self._threshold = self._next_threshold()
        self._frame_seq = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._stopping = False
        self._threads = []
        self._socks = set()
        self._accept_thread = None
        self.down = False  # set_down(True): an outage (connections reset, new ones refused)
        self.last_frame_at = None  # time.monotonic() of the last client frame forwarded

    def _next_threshold(self):
        lo, hi = self.reset_every_bytes
        return self.rng.randint(lo, hi)

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self, upstream_port=None):
        if upstream_port is not None:
            self.upstream_port = upstream_port
        assert self.upstream_port, "upstream port not set"
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept_thread.start()
        return self

    def close(self):
        self._stopping = True
        try:
            self._listener.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self._socks)
        for s in socks:
            try:
                s.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def disarm(self):
        with self.lock:
            self.max_resets = self.stats["resets"]

    def set_down(self, down):
        """An uplink outage: True resets every connection and resets new ones at once; False
        lets connections through again."""
        with self.lock:
            self.down = down
            socks = list(self._socks) if down else []
        for s in socks:
            _rst_close(s)

    # ---- forwarding --------------------------------------------------------------------------

    def _accept_loop(self):
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self.lock:
                self.stats["connections"] += 1
                conn_no = self.stats["connections"]
            t = threading.Thread(target=self._serve, args=(client, conn_no), daemon=True)
            self._threads.append(t)
            t.start()

    def _decide(self, frame_body):
        """Called for every complete client frame: returns None or a fault mode."""
        api_key = struct.unpack_from(">h", frame_body, 0)[0] if len(frame_body) >= 2 else -1
        with self.lock:
            self.last_frame_at = time.monotonic()
            self.stats["bytes_c2s"] += len(frame_body) + 4
            self._bytes_since_reset += len(frame_body) + 4
            if (api_key in self.armed_apis and self.stats["resets"] < self.max_resets
                    and self._bytes_since_reset >= self._threshold):
                mode = self.modes[self.stats["resets"] % len(self.modes)]
                self.stats["resets"] += 1
                self.stats[mode] += 1
                self._bytes_since_reset = 0
                self._threshold = self._next_threshold()
                return mode, api_key
        return None, api_key

    def _record_produce(self, body, doomed):
        batches = parse_produce_batches(body)
        with self.lock:
            self.stats["produce_requests"] += 1
            self._frame_seq += 1
            for b in batches:
                self.sent_batches.append((self._frame_seq,) + b + (doomed,))

    def _serve(self, client, conn_no):
        if self.down:
            _rst_close(client)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
        except OSError:
            _rst_close(client)
            return
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.settimeout(None)
        with self.lock:
            self._socks.update((client, upstream))
        c2s = bytearray()
        s2c = bytearray()
        doomed_corr = None  # responses from this correlation id on are swallowed
        swallowing = False
        forward_more = 0  # requests still forwarded after the doomed one ("drop-many")
        reset_at = None  # monotonic time of the RST once doomed
        try:
            while not self._stopping and not self.down:
                now = time.monotonic()
                if reset_at is not None and now >= reset_at:
                    return
                try:
                    readable, _, _ = select.select([client, upstream], [], [], 0.05)
                except (OSError, ValueError):
                    return
                if client in readable and (doomed_corr is None or forward_more > 0):
                    data = client.recv(1 << 16)
                    if not data:
                        return
                    c2s += data
                    while len(c2s) >= 4:
                        n = struct.unpack_from(">i", c2s, 0)[0]
                        if n < 0 or len(c2s) < 4 + n:
                            break
                        frame = bytes(c2s[:4 + n])
                        del c2s[:4 + n]
                        body = frame[4:]
                        if doomed_corr is not None:
                            if forward_more <= 0:
                                break
                            forward_more -= 1
                            upstream.sendall(frame)
                            if len(body) >= 2 and struct.unpack_from(">h", body, 0)[0] == 0:
                                self._record_produce(body, True)
                            continue
                        mode, api_key = self._decide(body)
                        if mode == "cut":
                            upstream.sendall(frame[:4 + n // 2])
                            time.sleep(0.01)
                            self._note(mode, api_key, conn_no)
                            return
                        upstream.sendall(frame)
                        if api_key == API_PRODUCE:
                            self._record_produce(body, mode is not None)
                        if mode in ("drop", "drop-many"):
                            doomed_corr = struct.unpack_from(">i", body, 4)[0]
                            self._note(mode, api_key, conn_no)
                            if mode == "drop-many":
                                forward_more = DROP_MANY_FRAMES
                                reset_at = time.monotonic() + DROP_MANY_S
                            else:
                                reset_at = time.monotonic() + 10  # at the latest
                elif client in readable:
                    time.sleep(0.001)  # leave the client's bytes unread: it is about to be reset
                if upstream in readable:
                    data = upstream.recv(1 << 16)
                    if not data:
                        return
                    with self.lock:
                        self.stats["bytes_s2c"] += len(data)
                    s2c += data
                    while len(s2c) >= 8:
                        n = struct.unpack_from(">i", s2c, 0)[0]
                        if len(s2c) < 4 + n:
                            break
                        corr = struct.unpack_from(">i", s2c, 4)[0]
                        frame = bytes(s2c[:4 + n])
                        del s2c[:4 + n]
                        if doomed_corr is not None and (swallowing or corr == doomed_corr):
                            swallowing = True
                            with self.lock:
                                self.stats["responses_swallowed"] += 1
                            if forward_more <= 0 and reset_at - time.monotonic() > DROP_MANY_S:
                                return  # "drop": reset as soon as the response is gone
                            continue
                        client.sendall(frame)
        except OSError:
            return
        finally:
            _rst_close(client)
            _rst_close(upstream)
            with self.lock:
                self._socks.discard(client)
                self._socks.discard(upstream)

    def _note(self, mode, api_key, conn_no):
        with self.lock:
            self.events.append((time.time(), mode, api_key, conn_no))

    # ---- analysis ----------------------------------------------------------------------------

    def retried_dropped_batches(self):
        """Batches whose response was dropped and that were later sent again (same topic,
        partition, producer id, epoch and base sequence) -> count, and the doomed total."""
        with self.lock:
            batches = list(self.sent_batches)
        doomed = [b for b in batches if b[-1]]
        retried = 0
        for d in doomed:
            key = d[1:6]
            if any(b[0] > d[0] and b[1:6] == key for b in batches):
                retried += 1
        return retried, len(doomed)
