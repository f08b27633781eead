"""Shared helpers for the firmware end-to-end tests: run boards/posix's example, regenerate its
readings independently, read a topic back with kcat and check every byte."""

import ctypes
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import tern_harness as th  # noqa: E402

_libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent():
    """preexec_fn: the child gets SIGKILL if the test process dies (PR_SET_PDEATHSIG)."""
    _libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)


def tail(b, n=3000):
    s = b.decode("utf-8", "replace") if isinstance(b, bytes) else (b or "")
    return s if len(s) <= n else "...(%d chars cut)...%s" % (len(s) - n, s[-n:])


TS_BASE = 1_700_000_000_000
SENSORS = 24

# kcat -f output with fields separated by a literal \x1f and records ended by \x1e: bytes that
# the JSON readings never contain (kcat copies other characters of the format through).
SEP = "\x1f"
END = "\x1e"
KCAT_FORMAT = SEP.join(["%p", "%o", "%K", "%k", "%S", "%s", "%h", "%T"]) + END


def example_bin():
    path = os.environ.get("TERN_POSIX_EXAMPLE")
    if not path or not os.access(path, os.X_OK):
        raise AssertionError("TERN_POSIX_EXAMPLE=%r is not an executable (build target "
                             "tern_posix_example)" % path)
    return path


def key_of(i, sensors=SENSORS):
    return "sensor-%02d" % (i % sensors)


def value_of(i, sensors=SENSORS):
    """Exactly what tern_posix_example.c's make_reading() formats."""
    return ('{"sensor":"%s","seq":%d,"temp_c":%d.%02d,"rh":%d.%d}'
            % (key_of(i, sensors), i, 18 + (i * 7) % 9, (i * 13) % 100, 30 + (i * 3) % 40, i % 10))


def headers_of(i):
    h = [("seq", str(i)), ("unit", "C")]
    if i % 10 == 0:
        h.append(("flag", None))
    return h


def example_cmd(bootstrap, topic, count, *extra):
    return [example_bin(), "--bootstrap", bootstrap, "--topic", topic, "--count", str(count),
            "--sensors", str(SENSORS), "--timestamp-base", str(TS_BASE)] + [str(e) for e in extra]


def parse_stats(stdout):
    for line in stdout.splitlines():
        if line.startswith("stats "):
            return dict(kv.split("=", 1) for kv in line.split()[1:])
    raise AssertionError("the example printed no stats line:\n%s" % stdout)


def run_example(bootstrap, topic, count, *extra, timeout=120, hub=None):
    p = th.run(example_cmd(bootstrap, topic, count, *extra), timeout=timeout, check=False, hub=hub)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        raise AssertionError("tern_posix_example exited with %d\nstdout: %s\nstderr: %s%s"
                             % (p.returncode, out, tail(err),
                                "\n" + hub.log_text(60) if hub else ""))
    return parse_stats(out), err


def kcat_read(bootstrap, topic, expected, timeout=120):
    """All records of `topic` via kcat (CRCs checked), as dicts, in per-partition offset order."""
    p = th.run(["kcat", "-b", bootstrap, "-C", "-e", "-q", "-X", "check.crcs=true", "-t", topic,
                "-f", KCAT_FORMAT], timeout=timeout)
    text = p.stdout.decode("utf-8", "replace")
    records = []
    for chunk in text.split(END):
        if not chunk.strip("\n"):
            continue
        f = chunk.split(SEP)
        if len(f) != 8:
            raise AssertionError("unparsable kcat record %r" % chunk)
        records.append({"partition": int(f[0]), "offset": int(f[1]), "key_len": int(f[2]),
                        "key": f[3], "value_len": int(f[4]), "value": f[5], "headers": f[6],
                        "timestamp": int(f[7])})
    if len(records) < expected:
        raise AssertionError("kcat read %d records from %s, expected %d" %
                             (len(records), topic, expected))
    return records


def kcat_headers(headers):
    """kcat's %h rendering: key=value pairs joined by ',', a null value printed as NULL."""
    return ",".join("%s=%s" % (k, "NULL" if v is None else v) for k, v in headers)


def check_records(testcase, records, count, partitions, exactly_once=True):
    """Every reading 0..count-1 is there, byte-exact, in the Java client's partition for its
    key, in order within its partition; exactly once unless exactly_once is False (then
    duplicates are allowed, but only as repeats of a contiguous earlier run)."""
    by_seq = {}
    per_partition = {}
    for r in records:
        seq = int(r["headers"].split(",")[0].split("=", 1)[1])
        testcase.assertLess(seq, count, r)
        key, value = key_of(seq), value_of(seq)
        testcase.assertEqual(r["key"], key, r)
        testcase.assertEqual(r["key_len"], len(key), r)
        testcase.assertEqual(r["value"], value, r)
        testcase.assertEqual(r["value_len"], len(value.encode()), r)
        testcase.assertEqual(r["headers"], kcat_headers(headers_of(seq)), r)
        testcase.assertEqual(r["timestamp"], TS_BASE + seq, r)
        testcase.assertEqual(r["partition"], th.java_partition(key, partitions),
                             "reading %d is in the wrong partition" % seq)
        by_seq.setdefault(seq, []).append(r)
        per_partition.setdefault(r["partition"], []).append((r["offset"], seq))
    missing = [i for i in range(count) if i not in by_seq]
    testcase.assertEqual(missing, [], "%d readings missing" % len(missing))
    dups = sum(len(v) - 1 for v in by_seq.values())
    if exactly_once:
        testcase.assertEqual(dups, 0, "duplicated readings: %s" %
                             sorted(s for s, v in by_seq.items() if len(v) > 1)[:20])
    for part, items in per_partition.items():
        items.sort()
        first_seen = []
        seen = set()
        for _, seq in items:
            if seq not in seen:
                seen.add(seq)
                first_seen.append(seq)
        testcase.assertEqual(first_seen, sorted(first_seen),
                             "partition %d is out of order" % part)
    return dups
