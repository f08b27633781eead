#!/usr/bin/env python3
"""Produce throughput and latency of `tern bench` under each durability setting.

For each setting (fsync every commit, periodic fsync every second = the default, no fsync beyond
the OS) and each record size, starts `tern serve` on a fresh temporary data dir, runs
`tern bench --acks all` against it, and prints one table row: produce records/s, MB/s, produce
request latency p50/p99, consume records/s. Exits non-zero if a run failed or printed no figures
(no timing thresholds: figures, not pass/fail).

  TERN_BIN=build/release/hub/tern tests/bench/durability.py --records-100 1000000 \\
      --records-1000 200000 --repeat 3
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import tern_harness as th  # noqa: E402

SETTINGS = [
    ("fsync every commit (flush.messages=1)", ["--flush.messages", "1"]),
    ("periodic fsync (flush.ms=1000, default)", ["--flush.ms", "1000"]),
    ("OS only (flush.ms=1000000000)", ["--flush.ms", "1000000000"]),
]

PRODUCE_RE = re.compile(r"produce: (\d+) records of (\d+) bytes in ([\d.]+) s: (\d+) records/s, "
                        r"([\d.]+) MB/s")
LATENCY_RE = re.compile(r"produce request latency: p50 ([\d.]+) ms, p99 ([\d.]+) ms, "
                        r"max ([\d.]+) ms")
CONSUME_RE = re.compile(r"consume: (\d+) records in ([\d.]+) s: (\d+) records/s")


def run_one(flags, records, size, acks):
    hub = th.Hub(extra_args=flags, name="bench")
    try:
        hub.start()
        p = th.tern_cli("bench", "--bootstrap-server", hub.bootstrap, "--records", str(records),
                        "--record-size", str(size), "--acks", acks, timeout=1800, hub=hub)
        out = p.stdout.decode("utf-8", "replace")
        prod, lat, cons = PRODUCE_RE.search(out), LATENCY_RE.search(out), CONSUME_RE.search(out)
        if not (prod and lat and cons):
            raise th.ToolError("tern bench printed no figures:\n%s\n%s"
                               % (out, p.stderr.decode("utf-8", "replace")))
        if int(prod.group(1)) != records or int(cons.group(1)) != records:
            raise th.ToolError("tern bench moved %s/%s of %d records:\n%s"
                               % (prod.group(1), cons.group(1), records, out))
        hub.assert_alive()
        if hub.stop() != 0:
            raise th.ToolError("hub exit code != 0 after SIGTERM\n" + hub.log_text(20))
        return {"rps": int(prod.group(4)), "mbps": float(prod.group(5)),
                "p50": float(lat.group(1)), "p99": float(lat.group(2)),
                "consume_rps": int(cons.group(3))}
    finally:
        hub.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    small = os.environ.get("TERN_BENCH_RECORDS")  # ctest: a quick run of every setting
    ap.add_argument("--records-100", type=int, default=int(small or 1000000),
                    help="records of 100 bytes")
    ap.add_argument("--records-1000", type=int, default=int(small or 200000),
                    help="records of 1000 bytes")
    ap.add_argument("--acks", default="all")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per cell; the row shows the run with the median produce rate")
    args = ap.parse_args()
    th.tern_bin()  # fail early with a clear message
    rows = []
    for name, flags in SETTINGS:
        for size, records in ((100, args.records_100), (1000, args.records_1000)):
            runs = sorted((run_one(flags, records, size, args.acks)
                           for _ in range(max(1, args.repeat))), key=lambda r: r["rps"])
            rows.append((name, size, records, runs[len(runs) // 2]))
            sys.stderr.write("done: %s, %d x %d B\n" % (name, records, size))
    print("tern bench --acks %s, one hub per run on a fresh data dir (%s, %d CPUs), median of %d"
          % (args.acks, os.uname().machine, os.cpu_count(), max(1, args.repeat)))
    print("| setting | record size | records | produce records/s | produce MB/s | p50 ms | p99 ms"
          " | consume records/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, size, records, r in rows:
        print("| %s | %d B | %d | %d | %.1f | %.2f | %.2f | %d |"
              % (name, size, records, r["rps"], r["mbps"], r["p50"], r["p99"], r["consume_rps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
