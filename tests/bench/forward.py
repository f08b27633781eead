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
4. Producers on the gateway while it drains (with RDKAFKA_LATENCY set): a librdkafka producer
   (tests/fault/rdkafka_latency.c, acks=1, linger.ms=0) writes a local topic the link does not
   forward at --local-rate records/s from 3 s before the upstream comes back until 3 s after the
   drain; its produce latency before / during / after the drain says whether the uncapped link
   starves the gateway's own producers. The gateway's longest io loop stall comes from its log.

  TERN_BIN=build/release/hub/tern tests/bench/forward.py                # 1,000,000 records
  TERN_BIN=build/release/hub/tern tests/bench/forward.py --records 100000 --compression zstd
  TERN_BIN=build/release/hub/tern RDKAFKA_LATENCY=build/release/tests/fault/rdkafka_latency \
      tests/bench/forward.py

Exits non-zero if a run failed or the upstream does not end up with exactly N records.
"""

import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))

import hostile_util as hu  # noqa: E402
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
    ap.add_argument("--local-rate", type=int, default=2000,
                    help="records/s of the gateway-local producer (with RDKAFKA_LATENCY)")
    ap.add_argument("--local-seconds", type=int,
                    default=int(os.environ.get("TERN_BENCH_LOCAL_SECONDS", "20")),
                    help="how long the local producer runs (must cover 3 s + the drain + 3 s)")
    args = ap.parse_args()
    latency_bin = os.environ.get("RDKAFKA_LATENCY")
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
    th.create_topic(gw, "local", 1)
    out = th.tern_cli("bench", "--bootstrap-server", gw.bootstrap, "--topic", "fw", "--records",
                      str(n), "--record-size", "100", "--acks", "all", timeout=600).stdout.decode()
    print("gateway:", out.strip().splitlines()[0] if out.strip() else out)
    rss_down = idle_rss_kb(gw)
    local = None
    if latency_bin:
        local = hu.LatencyProducer(latency_bin, gw.bootstrap, "local", args.local_rate,
                                   args.local_seconds).start()
        time.sleep(3.0)
    up_started = time.monotonic()
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
    if local:
        local.wait(timeout=args.local_seconds + 120)
        ok, failed = local.reports()
        phases = {"before": [], "during": [], "after": []}
        for _, sent, lat in ok:
            phases["before" if sent < up_started else "during" if sent <= done_at else "after"].append(lat)
        print("gateway-local producer (%d records/s, topic not forwarded), produce latency:" % args.local_rate)
        for name in ("before", "during", "after"):
            print("  %-6s %s" % (name, hu.latency_summary(phases[name])))
        print("  failed reports: %d%s" % (len(failed), "" if done_at + 3 < up_started + args.local_seconds - 3
                                          else " (the producer stopped before 3 s after the drain: raise --local-seconds)"))
    rss_link = idle_rss_kb(gw)
    gw.stop()
    for line in gw.log_text(last=10 ** 7).splitlines():
        if "longest io loop stall" in line:
            print("gateway: " + line.split("] ", 1)[-1])
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
