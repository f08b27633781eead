#!/usr/bin/env python3
"""Produce-to-consume latency at a steady rate under each durability setting.

For each durability setting (the default periodic fsync, fsync every commit, fsync left to the OS)
and each rate, starts `tern serve` on a fresh temporary data dir, creates a one-partition topic and
runs rdkafka_e2e_latency (tests/bench/rdkafka_e2e_latency.c: a librdkafka producer with linger.ms=0 sending
records that carry their scheduled send time, and a librdkafka consumer in the same process that
notes when each arrives). Prints a table of p50/p99/p99.9/max over `--repeat` runs per cell, as
"best / worst" of the runs (the machine may be shared: one number would hide the noise). Exits
non-zero if a run lost records or printed no figures (figures, not pass/fail timing).

Redis Streams (AOF everysec) and NATS JetStream are compared only when their servers and clients
are installed; this script says so when they are not.

  TERN_BIN=build/release/hub/tern \\
  RDKAFKA_LATENCY=build/release/tests/bench/rdkafka_e2e_latency \\
      tests/bench/latency.py --rates 10000,50000 --seconds 20 --repeat 3
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import tern_harness as th  # noqa: E402

SETTINGS = [
    ("default (flush.ms=1000)", []),
    ("flush.messages=1", ["--flush.messages", "1"]),
    ("flush.ms=3600000 (OS only)", ["--flush.ms", "3600000"]),
]

RESULT_RE = re.compile(r"RESULT sent=(\d+) received=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+) "
                       r"p999_ms=([\d.]+) max_ms=([\d.]+) send_lag_max_ms=([\d.]+) "
                       r"ack_p50_ms=([\d.]+) ack_p99_ms=([\d.]+) librdkafka=(\S+)")


def latency_bin():
    path = os.environ.get("RDKAFKA_LATENCY")
    if not path or not os.access(path, os.X_OK):
        raise th.HubError("RDKAFKA_LATENCY=%r is not an executable (build target rdkafka_e2e_latency)"
                          % path)
    return path


def run_one(flags, rate, seconds, warmup, size):
    hub = th.Hub(extra_args=flags, name="latency")
    try:
        hub.start()
        th.create_topic(hub, "latency", 1)
        cmd = [latency_bin(), hub.bootstrap, "latency", str(rate), str(seconds), str(warmup),
               str(size)]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=seconds + warmup + 120, preexec_fn=th.die_with_parent)
        out = p.stdout.decode("utf-8", "replace")
        m = RESULT_RE.search(out)
        if p.returncode != 0 or not m:
            raise th.ToolError("rdkafka_e2e_latency failed (exit %d):\n%s\n%s\n%s"
                               % (p.returncode, out, p.stderr.decode("utf-8", "replace")[-3000:],
                                  hub.log_text(30)))
        hub.assert_alive()
        if hub.stop() != 0:
            raise th.ToolError("hub exit code != 0 after SIGTERM\n" + hub.log_text(20))
        return {"p50": float(m.group(3)), "p99": float(m.group(4)), "p999": float(m.group(5)),
                "max": float(m.group(6)), "lag": float(m.group(7)),
                "ack_p50": float(m.group(8)), "ack_p99": float(m.group(9)),
                "librdkafka": m.group(10)}
    finally:
        hub.close()


def span(runs, key):
    values = sorted(r[key] for r in runs)
    if len(values) == 1:
        return "%.2f" % values[0]
    return "%.2f / %.2f" % (values[0], values[-1])


def main():
    quick = os.environ.get("TERN_BENCH_QUICK")  # ctest: one short run per setting
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--rates", default="10000" if quick else "10000,50000",
                    help="records per second, comma-separated")
    ap.add_argument("--seconds", type=float, default=1 if quick else 20,
                    help="measured seconds per run")
    ap.add_argument("--warmup", type=float, default=0.5 if quick else 2,
                    help="seconds sent first and not measured")
    ap.add_argument("--size", type=int, default=100, help="record value bytes (>= 16)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per cell (best / worst shown)")
    ap.add_argument("--settings", default="",
                    help="comma-separated indexes into the settings (default: all)")
    args = ap.parse_args()
    th.tern_bin()
    latency_bin()  # fail early with a clear message
    rates = [int(r) for r in args.rates.split(",") if r]
    chosen = SETTINGS if not args.settings else [SETTINGS[int(i)]
                                                 for i in args.settings.split(",")]
    rows = []
    for name, flags in chosen:
        for rate in rates:
            runs = [run_one(flags, rate, args.seconds, args.warmup, args.size)
                    for _ in range(max(1, args.repeat))]
            rows.append((name, rate, runs))
            sys.stderr.write("done: %s at %d records/s: %r\n" % (name, rate, runs))
    version = rows[0][2][0]["librdkafka"] if rows else "?"
    print("produce-to-consume latency, librdkafka %s, linger.ms=0, %d B records, 1 partition, "
          "%g s measured after %g s warm-up; %s, %d CPUs; best / worst of %d runs"
          % (version, args.size, args.seconds, args.warmup, os.uname().machine, os.cpu_count(),
             max(1, args.repeat)))
    print("| setting | records/s | p50 ms | p99 ms | p99.9 ms | max ms "
          "| produce ack p50 / p99 ms (best run) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, rate, runs in rows:
        print("| %s | %d | %s | %s | %s | %s | %s |"
              % (name, rate, span(runs, "p50"), span(runs, "p99"), span(runs, "p999"),
                 span(runs, "max"), "%.2f / %.2f" % (min(r["ack_p50"] for r in runs),
                                                      min(r["ack_p99"] for r in runs))))
    for server in ("redis-server", "nats-server"):
        if not shutil.which(server):
            print("(%s is not installed: no comparison run)" % server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
