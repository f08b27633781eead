"""Test harness: real `tern serve` processes on loopback, plus kcat and tern CLI helpers.

A Hub runs `$TERN_BIN serve` on port 0 with a temporary data dir (unless one is given), waits for
its "listening on PLAINTEXT://127.0.0.1:<port>" line, drains its output in threads (so the pipes
never block) and keeps the log for failure messages. Every hub started here is stopped when the
test finishes: by the context manager, by close(), at interpreter exit, on SIGTERM of the test
runner, and (PR_SET_PDEATHSIG) by the kernel if the test process dies abruptly.
"""

import atexit
import ctypes
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import kafka_raw  # noqa: F401  (re-exported for the tests)
from kafka_raw import KafkaConnection

READY_TIMEOUT_S = 20
LISTENING_RE = re.compile(r"listening on PLAINTEXT://127\.0\.0\.1:(\d+)")

_live_hubs = []
_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


class HubError(AssertionError):
    pass


def tern_bin():
    path = os.environ.get("TERN_BIN")
    if not path:
        raise HubError("TERN_BIN is not set: point it at the built `tern` binary")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise HubError("TERN_BIN=%s is not an executable file (build target `tern` first)" % path)
    return path


def die_with_parent():
    """preexec_fn: the child gets SIGKILL from the kernel if the test process dies."""
    _libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


class Hub:
    """One `tern serve` process. Use as a context manager or call close()."""

    def __init__(self, extra_args=(), data_dir=None, name="hub"):
        self.bin = tern_bin()
        self.name = name
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="tern-it-%s-" % name)
        self.extra_args = [str(a) for a in extra_args]
        self.proc = None
        self.port = None
        self.starts = 0
        self._log = []
        self._log_lock = threading.Lock()
        self._threads = []
        _live_hubs.append(self)

    # ---- lifecycle ---------------------------------------------------------------------------

    def command(self):
        return [self.bin, "serve", "--listeners", "PLAINTEXT://127.0.0.1:0",
                "--log.dirs", self.data_dir] + self.extra_args

    def start(self, timeout=READY_TIMEOUT_S):
        if self.alive():
            raise HubError("%s already running" % self.name)
        self.starts += 1
        self.port = None
        cmd = self.command()
        self._append("---- start #%d: %s" % (self.starts, " ".join(cmd)))
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, preexec_fn=die_with_parent)
        self._threads = [
            threading.Thread(target=self._drain, args=(self.proc.stdout, "out"), daemon=True),
            threading.Thread(target=self._drain, args=(self.proc.stderr, "err"), daemon=True),
        ]
        for t in self._threads:
            t.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            port = self._find_port()
            if port is not None:
                if port == 0:
                    raise HubError("%s reported port 0\n%s" % (self.name, self.log_text()))
                self.port = port
                self._wait_connectable(deadline)
                return self
            if self.proc.poll() is not None:
                self._join_drains()
                raise HubError("%s exited with code %s before listening\n%s"
                               % (self.name, self.proc.returncode, self.log_text()))
            time.sleep(0.02)
        self.kill()
        raise HubError("%s did not log 'listening on PLAINTEXT://127.0.0.1:<port>' within %ss\n%s"
                       % (self.name, timeout, self.log_text()))

    def _wait_connectable(self, deadline):
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
                return
            except OSError as e:
                if time.monotonic() > deadline:
                    raise HubError("%s logged port %d but refuses connections: %s\n%s"
                                   % (self.name, self.port, e, self.log_text()))
                time.sleep(0.05)

    def listener_port(self, name):
        """The port the running hub logged for listener `name` (e.g. "SSL", "PSK"), or None."""
        return self._find_port(re.compile(r"listening on %s://[^ ]*:(\d+)" % re.escape(name)))

    def _find_port(self, pattern=LISTENING_RE):
        marker = "---- start #%d:" % self.starts
        with self._log_lock:
            lines = list(self._log)
        for i in range(len(lines) - 1, -1, -1):
            if lines[i].startswith(marker):
                lines = lines[i:]
                break
        for line in lines:
            m = pattern.search(line)
            if m:
                return int(m.group(1))
        return None

    def _drain(self, stream, tag):
        for raw in iter(stream.readline, b""):
            self._append("[%s] %s" % (tag, raw.decode("utf-8", "replace").rstrip("\n")))
        stream.close()

    def _append(self, line):
        with self._log_lock:
            self._log.append(line)

    def _join_drains(self):
        for t in self._threads:
            t.join(timeout=5)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Send `sig` and wait for exit; returns the exit code (negative = killed by signal).

        If the hub does not exit within `timeout` it is SIGKILLed and HubError is raised.
        """
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._join_drains()
                raise HubError("%s did not exit within %ss of signal %d\n%s"
                               % (self.name, timeout, sig, self.log_text()))
        self._join_drains()
        rc = self.proc.returncode
        self._append("---- exited with code %s after signal %d" % (rc, sig))
        return rc

    def kill(self):
        return self.stop(signal.SIGKILL)

    def restart(self, sig=signal.SIGTERM):
        """Stop with `sig`, start again on the same data dir. Returns the stop exit code."""
        rc = self.stop(sig)
        self.start()
        return rc

    def close(self):
        try:
            if self.alive():
                self.kill()
        finally:
            if self._own_dir and os.path.isdir(self.data_dir):
                shutil.rmtree(self.data_dir, ignore_errors=True)
            if self in _live_hubs:
                _live_hubs.remove(self)

    def __enter__(self):
        if not self.alive():
            self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- access ------------------------------------------------------------------------------

    @property
    def bootstrap(self):
        if self.port is None:
            raise HubError("%s is not listening" % self.name)
        return "127.0.0.1:%d" % self.port

    def connect(self, timeout=10.0):
        return KafkaConnection("127.0.0.1", self.port, timeout=timeout)

    def log_text(self, last=200):
        with self._log_lock:
            lines = self._log[-last:]
        return "---- %s log (last %d lines) ----\n%s" % (self.name, len(lines), "\n".join(lines))

    def wait_log(self, pattern, timeout=10, last=5000):
        """The log as read so far, once a line matches regex `pattern` (or after `timeout`).
        Output is drained by threads, so a line may arrive a moment after what caused it:
        assert on the result instead of on log_text() right away."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.log_text(last)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.log_text(last)

    def assert_alive(self):
        if not self.alive():
            rc = self.proc.returncode if self.proc else None
            self._join_drains()
            raise HubError("%s is not running (exit code %s)\n%s"
                           % (self.name, rc, self.log_text()))


class HubTestCase(unittest.TestCase):
    """One hub per test class: started before the class's tests, then checked alive and stopped
    cleanly (exit code 0 after SIGTERM) after them. Subclasses set `hub_name` and `hub_args`, and
    may override prepare_hub() for set-up that needs the running hub."""

    hub_name = "hub"
    hub_args = ()
    hub = None

    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(list(cls.hub_args), name=cls.hub_name)
        try:
            cls.hub.start()
            cls.prepare_hub()
        except BaseException:
            cls.hub.close()
            raise

    @classmethod
    def prepare_hub(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        try:
            cls.hub.assert_alive()
            rc = cls.hub.stop()
            if rc != 0:
                raise AssertionError("exit code %s after SIGTERM\n%s" % (rc, cls.hub.log_text()))
        finally:
            cls.hub.close()


def _cleanup_all():
    for hub in list(_live_hubs):
        try:
            hub.close()
        except Exception as e:  # noqa: BLE001 - best effort at exit
            sys.stderr.write("cleanup of %s failed: %s\n" % (hub.name, e))


atexit.register(_cleanup_all)


def _on_sigterm(signum, frame):
    # ctest sends SIGTERM on timeout. unittest would catch a SystemExit raised here as a test
    # error and carry on, so stop the hubs and leave at once; children started through run() or
    # Popen(preexec_fn=die_with_parent) get SIGKILL from the kernel when this process is gone.
    sys.stderr.write("tern_harness: signal %d, stopping hubs\n" % signum)
    for hub in list(_live_hubs):
        if hub.alive():
            sys.stderr.write(hub.log_text(40) + "\n")
    _cleanup_all()
    sys.stderr.flush()
    os._exit(128 + signum)


if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGTERM, _on_sigterm)

# --------------------------------------------------------------------------------------------
# External programs.


class ToolError(AssertionError):
    pass


def run(cmd, input=None, timeout=60, check=True, env=None, hub=None):
    """Run a command (bytes in/out). On failure or timeout raise ToolError with its output."""
    if isinstance(input, str):
        input = input.encode()
    try:
        p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env, preexec_fn=die_with_parent)
    except subprocess.TimeoutExpired as e:
        raise ToolError("timed out after %ss: %s\nstdout: %s\nstderr: %s%s"
                        % (timeout, " ".join(cmd), _tail(e.stdout), _tail(e.stderr),
                           "\n" + hub.log_text(60) if hub else ""))
    if check and p.returncode != 0:
        raise ToolError("exit code %d: %s\nstdout: %s\nstderr: %s%s"
                        % (p.returncode, " ".join(cmd), _tail(p.stdout), _tail(p.stderr),
                           "\n" + hub.log_text(60) if hub else ""))
    return p


def _tail(b, n=3000):
    if b is None:
        return ""
    s = b.decode("utf-8", "replace") if isinstance(b, bytes) else b
    return s if len(s) <= n else "...(%d chars cut)...%s" % (len(s) - n, s[-n:])


def kcat(hub, *args, input=None, timeout=60, check=True):
    """kcat against `hub` (-b is added). Returns CompletedProcess with bytes output."""
    return run(["kcat", "-b", hub.bootstrap, "-m", "10"] + list(args), input=input,
               timeout=timeout, check=check, hub=hub)


def kcat_produce(hub, topic, lines, *args, timeout=120):
    """kcat -P with acks=all; `lines` is a list of str/bytes lines (no newline)."""
    data = b"".join((l.encode() if isinstance(l, str) else l) + b"\n" for l in lines)
    return kcat(hub, "-P", "-t", topic, "-X", "acks=all", *args, input=data, timeout=timeout)


KCAT_FMT = "%p\t%o\t%k\t%s\n"


def kcat_consume(hub, topic, *args, fmt=KCAT_FMT, timeout=120):
    """kcat -C -e -q with CRC checking; returns decoded stdout."""
    p = kcat(hub, "-C", "-e", "-q", "-X", "check.crcs=true", "-t", topic, "-f", fmt, *args,
             timeout=timeout)
    return p.stdout.decode("utf-8", "replace")


def parse_kcat_records(text):
    """Lines of KCAT_FMT -> list of (partition, offset, key, value)."""
    out = []
    for line in text.splitlines():
        p, o, k, v = line.split("\t", 3)
        out.append((int(p), int(o), k, v))
    return out


def tern_cli(*args, input=None, timeout=60, check=True, hub=None):
    """Run `$TERN_BIN <args>`; returns CompletedProcess with bytes output."""
    return run([tern_bin()] + list(args), input=input, timeout=timeout, check=check, hub=hub)


def tern_groups_describe(hub, group):
    """`tern groups --describe --group G` (kafka-consumer-groups style table) ->
    ({(topic, partition): {column: value}}, full stdout). Rows of members without partitions
    (PARTITION "-") are left out of the dict."""
    p = tern_cli("groups", "--bootstrap-server", hub.bootstrap, "--describe", "--group", group,
                 hub=hub)
    text = p.stdout.decode("utf-8", "replace")
    rows = {}
    header = None
    for line in text.splitlines():
        cols = line.split()
        if cols[:3] == ["GROUP", "TOPIC", "PARTITION"]:
            header = cols
        elif (header and len(cols) == len(header) and cols[0] == group
              and cols[header.index("PARTITION")].isdigit()):
            row = dict(zip(header, cols))
            rows[(row["TOPIC"], int(row["PARTITION"]))] = row
    return rows, text


def create_topic(hub, name, partitions, configs=None):
    """Create a topic through the raw CreateTopics v0 (independent of the tern CLI)."""
    with hub.connect() as c:
        err = kafka_raw.create_topic(c, name, partitions, 1, configs)
    if err != kafka_raw.ERR_NONE:
        raise HubError("CreateTopics %s (%d partitions) returned error %d\n%s"
                       % (name, partitions, err, hub.log_text(60)))
    wait_for_topic(hub, name, partitions)


def wait_for_topic(hub, name, partitions, timeout=10):
    deadline = time.monotonic() + timeout
    md = None
    while time.monotonic() < deadline:
        with hub.connect() as c:
            md = kafka_raw.metadata(c, [name], version=4)  # never auto-creates
        t = md["topics"].get(name)
        if t and t["error"] == 0 and len(t["partitions"]) == partitions and all(
                p["leader"] >= 0 for p in t["partitions"].values()):
            return md
        time.sleep(0.1)
    raise HubError("topic %s with %d partitions not visible in Metadata: %r"
                   % (name, partitions, md))


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """A loopback port nobody listens on, for a listener that must be named before it starts
    (e.g. controller.quorum.voters). Chosen at random BELOW the kernel's ephemeral range, which
    every port-0 bind and outgoing connection of the tests running in parallel draws from: a
    port taken from that range and released could be handed to one of them before our process
    binds it (seen in CI as "Address already in use")."""
    low, _ = _ephemeral_range()
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(max(1024, low - 12000), low)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    s = socket.socket()  # nothing free below the range: fall back to the kernel's choice
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --------------------------------------------------------------------------------------------
# Java-client murmur2 partitioner, written from the Java source's description.


def murmur2(data):
    """Kafka's Utils.murmur2 as an unsigned 32-bit value."""
    m = 0x5BD1E995
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = length & ~3
    rem = length % 4
    if rem == 3:
        h ^= data[tail + 2] << 16
    if rem >= 2:
        h ^= data[tail + 1] << 8
    if rem >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def java_partition(key, num_partitions):
    if isinstance(key, str):
        key = key.encode()
    return (murmur2(key) & 0x7FFFFFFF) % num_partitions


def _signed32(v):
    return v - (1 << 32) if v & 0x80000000 else v


# Vectors from Kafka's UtilsTest.testMurmur2.
for _k, _v in ((b"21", -973932308), (b"foobar", -790332482),
               (b"a-little-bit-long-string", -985981536),
               (b"a-little-bit-longer-string", -1486304829),
               (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
               (b"abc", 479470107)):
    assert _signed32(murmur2(_k)) == _v, "murmur2 self-check failed for %r" % _k


def vm_rss_kb(pid, field="VmRSS"):
    """VmRSS (or another /proc/<pid>/status field in kB, e.g. RssAnon: the heap, stacks and
    static buffers without the LMDB map's file pages) of a live process, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for pid %d" % (field, pid))
