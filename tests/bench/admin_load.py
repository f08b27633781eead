#!/usr/bin/env python3
"""Admin load vs a steady producer (issue 13): topic auto-creation and failing SASL logins.

Figures, no pass/fail thresholds on speed. One hub with a PLAINTEXT and a SASL_PLAINTEXT listener
(users u and w, PBKDF2 at `tern passwd`'s default iterations) and log.level=debug, so that every
io loop stall over 20 ms is logged with its time. A librdkafka producer (rdkafka_latency.c,
acks=1, linger.ms=0, RATE records/s, PLAINTEXT) runs BEFORE_S seconds alone (the first one left
out of the figures: warm-up, see WARMUP_S); then, at once:
  - TOPICS Metadata v4 requests with allow_auto_topic_creation, each for a new topic name
    (auto-<n>), over CONNECTIONS parallel connections (raw wire, tests/lib/kafka_raw.py);
  - LOGINS failing SASL/PLAIN logins over 20 parallel clients, each on a fresh connection:
    half as u with a wrong password, half as unknown users (ghost-<n>, hashed against a decoy);
  - with TERN_BENCH_BIG=N, N connections producing 1 MB batches back to back to another topic
    (acks=1), stopped when the creations and logins are done: the storage writer is then
    busy with large group commits, so an auto-creation waits for it (its round trip shows
    it) while the io loop, which must never wait for the writer, should not stall;
the "during" phase lasts until the creations and logins are done; then the producer runs alone until its
BEFORE_S + DURING_S + AFTER_S seconds are over ("after"). Prints the producer's p50/p99/max in
each phase (and while the topics were being created), how long the creations and logins took
and how they were answered, the hub's longest io loop stall (logged at shutdown) and the stalls
over 20 ms per phase. Checks, and says, that every auto-creation answered with the topic, that
all TOPICS topics are listed by kcat -L, that a valid login (w, from 127.0.0.2) succeeds after
the flood, and that kcat reads back every record the producer saw acknowledged.

Run (from the source tree, after `cmake --build build/release --target tern rdkafka_latency`):
  TERN_BIN=build/release/hub/tern RDKAFKA_LATENCY=build/release/tests/fault/rdkafka_latency \\
    PYTHONPATH=tests/lib python3 tests/bench/admin_load.py
(ctest bench.admin_load runs it with 200 topics: completes, loses nothing.)
Environment: TERN_BENCH_TOPICS (1000), TERN_BENCH_LOGINS (100), TERN_BENCH_RATE (500),
TERN_BENCH_CONNECTIONS (4), TERN_BENCH_BIG (0), TERN_BENCH_DURING_S (15: the producer's time budget for the load
phase; a load that outlasts it eats into "after"). Exit code 1 when a check failed.
"""

import os
import re
import sys
import tempfile
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "fault"))

import hostile_util as hu  # noqa: E402
import tern_harness as th  # noqa: E402

BEFORE_S, AFTER_S = 5.0, 5.0
# Records sent in the producer's first second are left out of "before": librdkafka 2.0 may send
# its first topic Metadata request before it knows the topic and then hold the topic's records
# until its 1 s timer asks again (seen in about one run in four: ~500 records at up to 1 s).
WARMUP_S = 1.0
LOGIN_THREADS = 20


def env_int(name, default):
    return int(os.environ.get(name, default))


def flood_credentials(i):
    return ("u", "wrong-%d" % i) if i % 2 == 0 else ("ghost-%d" % i, "wrong")


def listed_topics(hub, prefix):
    """Names starting with `prefix` that `kcat -L` lists."""
    out = th.kcat(hub, "-L", timeout=120).stdout.decode("utf-8", "replace")
    return {m for m in re.findall(r'topic "([^"]+)" with', out) if m.startswith(prefix)}


def main():
    topics_n = env_int("TERN_BENCH_TOPICS", 1000)
    logins_n = env_int("TERN_BENCH_LOGINS", 100)
    rate = env_int("TERN_BENCH_RATE", 500)
    connections = env_int("TERN_BENCH_CONNECTIONS", 4)
    during_s = float(env_int("TERN_BENCH_DURING_S", 15))
    big_n = env_int("TERN_BENCH_BIG", 0)
    latency_bin = os.environ["RDKAFKA_LATENCY"]
    failures = []

    def check(ok, what):
        print("check: %s: %s" % (what, "ok" if ok else "FAILED"))
        if not ok:
            failures.append(what)

    tmp = tempfile.TemporaryDirectory(prefix="tern-bench-admin-")
    users = os.path.join(tmp.name, "users.txt")
    th.tern_cli("passwd", "--file", users, "--user", "u", input="right-pw-u\n")
    th.tern_cli("passwd", "--file", users, "--user", "w", input="right-pw-w\n")
    hub = th.Hub(name="bench-admin", extra_args=[
        "--listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
        "--sasl.plain.users.location", users, "--log.level", "debug"]).start()
    try:
        sasl_port = hub.listener_port("SASL_PLAINTEXT")
        th.create_topic(hub, "steady", 1)
        th.create_topic(hub, "big", 1)
        time.sleep(1)
        producer = hu.LatencyProducer(latency_bin, hub.bootstrap, "steady", rate,
                                      BEFORE_S + during_s + AFTER_S).start()
        time.sleep(BEFORE_S)
        wall_during, t_during = time.time(), time.monotonic()
        big = hu.BigProducers("127.0.0.1", hub.port, "big", big_n).start() if big_n else None
        names = ["auto-%04d" % i for i in range(topics_n)]
        creator = hu.TopicAutoCreator("127.0.0.1", hub.port, names, connections).start()
        flood = hu.LoginFlood(sasl_port, logins_n, LOGIN_THREADS, flood_credentials).start()
        creator.join()
        flood.join()
        if big:
            big.stop()
        wall_after, t_after = time.time(), time.monotonic()
        rc = producer.wait(timeout=300)
        ok, failed = producer.reports()
        phases = {"warm-up": [], "before": [], "during": [], "after": []}
        t_start = min((sent for _, sent, _ in ok), default=0.0)
        for _, sent, lat in ok:
            phases["warm-up" if sent < t_start + WARMUP_S else "before" if sent < t_during
                   else "during" if sent < t_after else "after"].append(lat)

        print("load: %d topic auto-creations (Metadata v4, %d connections) + %d failing SASL/PLAIN "
              "logins (%d clients); producer %d records/s" % (topics_n, connections, logins_n,
                                                            LOGIN_THREADS, rate))
        print("auto-creations: %.2f s, round trip p50 %.2f ms p99 %.2f ms max %.2f ms"
              % (creator.elapsed_s, hu.percentile(creator.call_ms, 50),
                 hu.percentile(creator.call_ms, 99), max(creator.call_ms or [float("nan")])))
        answers = Counter(creator.answers.values())
        print("auto-creation answers (error, partitions): %s, errors: %s"
              % (dict(answers), creator.errors[:3]))
        print("failing logins: %.2f s, answers: %s, errors: %s"
              % (flood.elapsed_s, dict(Counter((e, m.rsplit(": ", 1)[-1]) for e, m in flood.results)),
                 flood.errors[:3]))
        print("librdkafka first %.0f s (left out) %s" % (WARMUP_S, hu.latency_summary(phases["warm-up"])))
        if big:
            print("1 MB batches acknowledged: %d (%d producers), errors: %d %s"
                  % (big.acked, big_n, len(big.errors), big.errors[:3]))
        for name in ("before", "during", "after"):
            print("librdkafka %-6s %s" % (name, hu.latency_summary(phases[name])))
        # The creations alone take a fraction of the phase (the logins wait for the hashes).
        creating = [lat for _, sent, lat in ok if t_during <= sent < t_during + creator.elapsed_s]
        print("librdkafka while the topics were being created: %s" % hu.latency_summary(creating))
        print("producer exit %d, failed reports %d; during phase %.2f s of a %.0f s budget"
              % (rc, len(failed), t_after - t_during, during_s))

        check(answers == Counter({(0, 1): topics_n}) and not creator.errors,
              "every auto-creation answered with its topic (1 partition)")
        check(len(flood.results) == logins_n and
              all(e == hu.SASL_AUTHENTICATION_FAILED for e, _ in flood.results),
              "every failing login answered SASL_AUTHENTICATION_FAILED")
        check(hu.sasl_plain_login(sasl_port, "w", "right-pw-w", source="127.0.0.2") == (0, None),
              "a valid login from another address succeeds after the flood")
        listed = listed_topics(hub, "auto-")
        check(listed == set(names), "kcat -L lists all %d topics (%d)" % (topics_n, len(listed)))
        out = th.kcat_consume(hub, "steady", "-o", "beginning", "-e", fmt="%s\n", timeout=300)
        values = set(out.split())
        missing = sum(1 for i, _, _ in ok if "lat-%d" % i not in values)
        check(rc == 0 and not failed, "the producer saw every record acknowledged")
        check(missing == 0, "kcat reads back every acknowledged record (%d missing of %d)"
              % (missing, len(ok)))
        hub.stop()
        text = hub.log_text(last=10 ** 7)
        print("hub: longest io loop stall: %s ms" % hu.longest_stall_ms(text))
        stalls = {"before": [], "during": [], "after": []}
        for at, ms in hu.loop_stalls(text):
            stalls["before" if at < wall_during else "during" if at < wall_after else "after"].append(ms)
        for name in ("before", "during", "after"):
            print("io loop stalls > 20 ms %-6s %s" % (name, sorted(stalls[name], reverse=True)[:10]))
        print("uptime:%s" % os.popen("uptime").read().split("up", 1)[-1].split(",", 2)[-1].rstrip())
    finally:
        hub.close()
        tmp.cleanup()
    if failures:
        print("FAILED: %s" % "; ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
