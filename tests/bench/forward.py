#!/usr/bin/env python3
"""Forwarding upstream: throughput, catch-up of a backlog, and the gateway's memory per link.

1. Direct: `tern bench --acks all` of N records (100 B values) straight to the upstream hub.
2. Backlog: the same N records into a gateway hub whose forwarding link's upstream is down
   (the upstream is not running), then the upstream starts on its port and the link drains the
   backlog. Catch-up time = first record upstream to the last (upstream end offsets polled with
   kcat -Q every 50 ms); forwarding rate = N / catch-up time, reported as a ratio to direct.
3. RSS: the gateway idle after the drain with its link connected, against the same gateway
   restarted without any link (same data); RssAnon is what compares (VmRSS also counts the LMDB
   file pages the producing process touched).

  TERN_BIN=build/release/hub/tern tests/bench/forward.py                # 1,000,000 records
  TERN_BIN=build/release/hub/tern tests/bench/forward.py --records 100000 --compression zstd

Exits non-zero if a run failed or the upstream does not end up with exactly N records.
"""

import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import tern_harness as th  # noqa: E402

PARTITIONS = 4


def end_offsets(bootstrap, topic):
    args = ["kcat", "-b", bootstrap, "-Q"]
    for p in range(PARTITIONS):
        args += ["-t", "%s:%d:-1" % (topic, p)]
    p = subprocess.run(args, capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        return None
    return sum(int(m) for m in re.findall(r"offset (\d+)", p.stdout))


def idle_rss_kb(hub, settle_s=3.0):
    """(VmRSS, RssAnon) in KiB. VmRSS counts the LMDB pages this process touched, so only
    RssAnon compares a process that produced and forwarded with a fresh one."""
    time.sleep(settle_s)
    return th.vm_rss_kb(hub.proc.pid), th.vm_rss_kb(hub.proc.pid, "RssAnon")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=int(os.environ.get("TERN_BENCH_RECORDS", "1000000")))
    ap.add_argument("--compression", default="none")
    args = ap.parse_args()
    n = args.records
    up_port = th.free_port()
    up = th.Hub(["--listeners", "PLAINTEXT://127.0.0.1:%d" % up_port], name="upstream").start()
    for topic in ("direct", "fw"):
        th.create_topic(up, topic, PARTITIONS)
    out = th.tern_cli("bench", "--bootstrap-server", up.bootstrap, "--topic", "direct", "--records",
                      str(n), "--record-size", "100", "--acks", "all", timeout=600).stdout.decode()
    print(out.strip())
    m = re.search(r"([\d.]+) records/s", out)
    direct_rate = float(m.group(1)) if m else None
    up.stop()

    gw = th.Hub(["--forward.up.bootstrap.servers", "127.0.0.1:%d" % up_port,
                 "--forward.up.topics", "fw", "--forward.up.compression", args.compression,
                 "--forward.up.reconnect.backoff.max.ms", "200"], name="gateway").start()
    th.create_topic(gw, "fw", PARTITIONS)
    out = th.tern_cli("bench", "--bootstrap-server", gw.bootstrap, "--topic", "fw", "--records",
                      str(n), "--record-size", "100", "--acks", "all", timeout=600).stdout.decode()
    print("gateway:", out.strip().splitlines()[0] if out.strip() else out)
    rss_down = idle_rss_kb(gw)
    up.start()
    first_at = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        got = end_offsets(up.bootstrap, "fw")
        now = time.monotonic()
        if got and first_at is None:
            first_at = now
        if got == n:
            break
        time.sleep(0.05)
    done_at = time.monotonic()
    if got != n:
        print("FAILED: upstream holds %s of %d records\n%s" % (got, n, gw.log_text(30)))
        return 1
    catch_up = done_at - first_at
    rate = n / catch_up if catch_up > 0 else float("inf")
    rss_link = idle_rss_kb(gw)
    gw.stop()
    gw.extra_args = []  # the same data, no link
    gw.start()
    rss_none = idle_rss_kb(gw)
    print("forward: %d records of 100 B (compression %s): catch-up %.2f s, %.0f records/s%s"
          % (n, args.compression, catch_up, rate,
             (", %.2f x a direct producer (%.0f records/s)" % (rate / direct_rate, direct_rate))
             if direct_rate else ""))
    print("gateway idle VmRSS/RssAnon KiB: %d/%d with the link connected after the drain, %d/%d "
          "while its upstream was down, %d/%d restarted without links: %+d KiB anonymous per link"
          % (rss_link + rss_down + rss_none + (rss_link[1] - rss_none[1],)))
    gw.close()
    up.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
