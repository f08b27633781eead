#!/usr/bin/env python3
"""Hostile clients vs request memory (issue 13): figures, no pass/fail thresholds.

A hub (default request budget, queued.max.request.bytes = 64 MiB; max.connections raised to
1,300) gets, after BEFORE_S seconds of a well-behaved librdkafka producer (rdkafka_latency.c,
acks=1, linger.ms=0, RATE records/s):
  - TRICKLERS connections (default 1,000) each sending a 100 MiB length prefix, then 4 KiB of
    zeros every 50 ms, reconnecting when the hub closes them;
  - BIG connections (default 100) sending maximum-size valid Produce requests (one ~1 MB record
    per batch, acks=1) back to back;
for DURING_S seconds, then AFTER_S seconds of the producer alone. Prints the hub's idle and
maximum VmRSS, the producer's p50/p99/max latency before, during and after, how many trickling
connections the hub closed for memory, how many big batches were acknowledged, and checks with
kcat that every acknowledged record reads back.

Run (from the build tree, after `cmake --build build/release --target tern rdkafka_latency`):
  TERN_BIN=build/release/hub/tern RDKAFKA_LATENCY=build/release/tests/fault/rdkafka_latency \
    PYTHONPATH=tests/lib python3 tests/bench/hostile.py
Environment: TERN_BENCH_TRICKLERS, TERN_BENCH_BIG, TERN_BENCH_DURING_S, TERN_BENCH_RATE,
TERN_BENCH_BUDGET (bytes; 0 = do not pass the key, to compare with a hub that predates it — never
with tricklers: such a hub allocates each 100 MiB prefix at once).
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "fault"))

import hostile_util as hu  # noqa: E402
import tern_harness as th  # noqa: E402


def env_int(name, default):
    return int(os.environ.get(name, default))


def main():
    tricklers_n = env_int("TERN_BENCH_TRICKLERS", 1000)
    big_n = env_int("TERN_BENCH_BIG", 100)
    rate = env_int("TERN_BENCH_RATE", 500)
    budget = env_int("TERN_BENCH_BUDGET", 64 << 20)
    before_s, during_s, after_s = 5.0, float(env_int("TERN_BENCH_DURING_S", 30)), 5.0
    latency_bin = os.environ["RDKAFKA_LATENCY"]
    budget_args = ["--queued.max.request.bytes", str(budget)] if budget else []  # 0: a hub without the key
    hub = th.Hub(name="bench-hostile", extra_args=budget_args + [
        "--max.connections", str(tricklers_n + big_n + 200)]).start()
    try:
        th.create_topic(hub, "good", 1)
        th.create_topic(hub, "big", 1)
        pid = hub.proc.pid
        time.sleep(1)
        idle_kb = hu.rss_kb(pid)
        sampler = hu.RssSampler(pid)
        sampler.start()
        producer = hu.LatencyProducer(latency_bin, hub.bootstrap, "good", rate,
                                      before_s + during_s + after_s).start()
        time.sleep(before_s)
        t_during = time.monotonic()
        tricklers = hu.Tricklers("127.0.0.1", hub.port, tricklers_n, chunk=4096, interval_s=0.05)
        tricklers.start()
        tricklers.ready.wait(60)
        big = hu.BigProducers("127.0.0.1", hub.port, "big", big_n).start()
        time.sleep(max(0.0, during_s - (time.monotonic() - t_during)))
        t_after = time.monotonic()
        tricklers.stop()
        big.stop()
        rc = producer.wait(timeout=300)
        sampler.stop()
        ok, failed = producer.reports()
        phases = {"before": [], "during": [], "after": []}
        for _, sent, lat in ok:
            phases["before" if sent < t_during else "during" if sent < t_after else "after"].append(lat)
        closed = hub.log_text(last=10 ** 7).count("request memory full")
        print("budget (queued.max.request.bytes): %s" % ("%d MiB" % (budget >> 20) if budget else "not set"))
        print("tricklers: %d (100 MiB prefix, 4 KiB / 50 ms), big producers: %d (1 MB batches)"
              % (tricklers_n, big_n))
        print("hub RSS: idle %.1f MB, max during %.1f MB" % (idle_kb / 1024, sampler.max_kb / 1024))
        for name in ("before", "during", "after"):
            print("librdkafka %-6s %s" % (name, hu.latency_summary(phases[name])))
        print("producer exit %d, failed reports %d" % (rc, len(failed)))
        print("tricklers: opened %d, closed by the hub %d (%d pressure-relief passes), sent %.1f MB"
              % (tricklers.opened, tricklers.closed_by_hub, closed, tricklers.bytes_sent / 1e6))
        print("big batches acknowledged: %d (%.1f MB/s), errors: %d %s"
              % (big.acked, big.acked / during_s, len(big.errors), big.errors[:3]))
        out = th.kcat_consume(hub, "good", "-o", "beginning", "-e", fmt="%s\n", timeout=300)
        values = set(out.split())
        missing = sum(1 for i, _, _ in ok if "lat-%d" % i not in values)
        print("kcat read back %d values; acknowledged but missing: %d" % (len(values), missing))
        hub.stop()
        for line in hub.log_text(last=10 ** 7).splitlines():
            if "longest io loop stall" in line:
                print("hub: " + line.split("] ", 1)[-1])
    finally:
        hub.close()


if __name__ == "__main__":
    main()
