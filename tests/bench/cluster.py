#!/usr/bin/env python3
"""Cluster figures: leader failover time, replicated throughput, and the witness's footprint.

Figures, not pass/fail: exits non-zero only if a run failed outright (a trial whose partition never
took acks=all writes again within --trial-timeout, `tern bench` moving fewer records than asked, a
node that would not start), never because a figure is slow.

Failover. A 3-broker cluster (every broker also a controller voter; auto.leader.rebalance.enable
off, so that only our signal moves leaderships) with one topic of 1 partition, RF=3. A raw client
(tests/lib/kafka_raw.py) writes one record with acks=-1 (Produce v3, timeout 2000 ms) every
--interval-ms to whichever broker the last Metadata named leader; after any failure it asks a live
broker's Metadata again and retries --interval-ms later. Each trial waits for the full ISR and a
few successful writes, sends SIGKILL (crash) or SIGTERM (controlled shutdown) to the partition's
current leader at t0, and records:
  recovery = t0 -> the first acks=all write acknowledged by a broker other than the victim;
  gap      = the longest time without a successful write from the last success before t0 to that
             write (what a producer sees; for SIGTERM the old leader may still acknowledge writes
             while it hands over);
  exit     = (SIGTERM) t0 -> the victim's exit (its controlled shutdown);
  rejoin   = its restart -> back in the ISR;
then restarts the victim on its data dir and waits until it is back in the ISR. Rows: p50/p99/max
(nearest rank: below 100 trials p99 is the maximum) for each signal, with
broker.session.timeout.ms/broker.heartbeat.interval.ms = 3000/500 (the defaults) and 1500/250, and
the same figures split by whether the victim was also the metadata quorum leader (then a Raft
election, ~1-2 s, comes first; after a kill -9 the new controller also grants every broker a full
session before fencing anyone). Which node leads is up to the cluster, so that split may hold few
trials.

Throughput. `tern bench --acks all --record-size 100` (one connection, batches of 1000, 5 in
flight) on a fresh topic of 1 partition: RF=3 and RF=1 on a 3-broker cluster, and a single-node hub
(no cluster flags). (No acks=1 row: `tern bench` stops consuming once it has caught up with the high
watermark, which right after an acks=1 produce on RF=3 still lags behind, so it reports "consumed
only 0 of N".)

Witness. 2 brokers + 1 witness (process.roles=controller); an RF=2 topic gets some records; after
--idle-s seconds of idling, the RSS (ps) of the witness and of a broker, and the witness's data dir
size (du: allocated and apparent).

Full run (about 7 minutes on 2 cores):
  TERN_BIN=build/lead/hub/tern python3 tests/bench/cluster.py --trials 20 --records 1000000 \\
      --repeat 3 --idle-s 60
CTest runs a small workload (TERN_BENCH_TRIALS, TERN_BENCH_RECORDS, TERN_BENCH_IDLE_S). Progress
goes to stderr; TERN_BENCH_VERBOSE=1 adds every write attempt of every trial and the nodes' logs,
TERN_BENCH_STACKS=1 the nodes' thread stacks (gdb) when a part fails.
"""

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402
from tern_cluster import Cluster  # noqa: E402

SESSIONS = [(3000, 500), (1500, 250)]
TOPIC = "failover"

PRODUCE_RE = re.compile(r"produce: (\d+) records of (\d+) bytes in ([\d.]+) s: (\d+) records/s, "
                        r"([\d.]+) MB/s")
LATENCY_RE = re.compile(r"produce request latency: p50 ([\d.]+) ms, p99 ([\d.]+) ms, "
                        r"max ([\d.]+) ms")
CONSUME_RE = re.compile(r"consume: (\d+) records in ([\d.]+) s: (\d+) records/s")


def log(msg):
    sys.stderr.write("[%7.1f] %s\n" % (time.monotonic() - START, msg))
    sys.stderr.flush()


START = time.monotonic()
VERBOSE = bool(os.environ.get("TERN_BENCH_VERBOSE"))  # every write attempt of every trial


def percentile(values, q):
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = max(1, -(-int(round(q * 1000)) * len(v) // 1000))  # ceil(q * n)
    return v[min(len(v), k) - 1]


# --------------------------------------------------------------------------------------------
# A fast-retrying raw producer.


class RawWriter:
    """Writes one record at a time with acks=-1 to the partition leader Metadata names."""

    def __init__(self, cluster, topic, partition=0):
        self.cluster = cluster
        self.topic = topic
        self.partition = partition
        self.addrs = {}  # node id -> (host, port), from Metadata
        self.conns = {}
        self.leader = None
        self.controller = None
        self.isr = []
        self.seq = 0

    def close(self):
        for c in self.conns.values():
            c.close()
        self.conns.clear()

    def _conn(self, node_id, host, port):
        c = self.conns.get(node_id)
        if c is None:
            c = kr.KafkaConnection(host, port, timeout=5.0, client_id="tern-bench-failover")
            self.conns[node_id] = c
        return c

    def _drop(self, node_id):
        c = self.conns.pop(node_id, None)
        if c:
            c.close()

    def refresh(self):
        """Metadata from the first broker that answers (bootstrap = every broker of the cluster,
        as a client configured with all three would have). True if it named a leader."""
        for n in self.cluster.brokers():
            if n.port is None:
                continue
            try:
                md = kr.metadata(self._conn(n.node_id, "127.0.0.1", n.port), [self.topic])
            except (OSError, kr.Closed, ValueError):
                self._drop(n.node_id)
                continue
            self.addrs.update(md["brokers"])
            self.controller = md["controller_id"]
            t = md["topics"].get(self.topic)
            p = t and t["partitions"].get(self.partition)
            if not p or p["error"] or p["leader"] < 0:
                self.leader, self.isr = None, []
                return False
            self.leader, self.isr = p["leader"], p["isr"]
            return True
        self.leader = None
        return False

    def write(self):
        """One acks=-1 Produce of one record to the current leader. Returns (ok, leader, error)."""
        if self.leader is None and not self.refresh():
            return False, None, "no leader in metadata"
        leader = self.leader
        host, port = self.addrs.get(leader, (None, None))
        if host is None:
            self.leader = None
            return False, leader, "leader %s not among brokers" % leader
        self.seq += 1
        batch = kr.encode_record_batch([kr.Record(None, b"failover-%d" % self.seq,
                                                  timestamp=int(time.time() * 1000))])
        try:
            err, _ = kr.produce(self._conn(leader, host, port), self.topic, self.partition, batch,
                                acks=-1, timeout_ms=2000)
        except (OSError, kr.Closed, ValueError) as e:
            self._drop(leader)
            self.leader = None
            return False, leader, "%s: %s" % (type(e).__name__, e)
        if err != kr.ERR_NONE:
            self.leader = None  # NOT_LEADER, NOT_ENOUGH_REPLICAS, ...: look again
            return False, leader, "error %d" % err
        return True, leader, None


# --------------------------------------------------------------------------------------------
# Failover trials.


def wait_full_isr(writer, replicas, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if writer.refresh() and len(writer.isr) == replicas:
            return
        time.sleep(0.1)
    raise th.HubError("partition did not get its full ISR back within %ss (leader %s, isr %s)\n%s"
                      % (timeout, writer.leader, writer.isr, writer.cluster.logs(40)))


def warm_up(writer, interval, count=5, timeout=30):
    ok = 0
    last_ok = None
    deadline = time.monotonic() + timeout
    while ok < count:
        if time.monotonic() > deadline:
            raise th.HubError("no steady acks=all writes before the trial\n%s"
                              % writer.cluster.logs(40))
        good, _, _ = writer.write()
        if good:
            ok += 1
            last_ok = time.monotonic()
        time.sleep(interval)
    return last_ok


def one_trial(cluster, writer, sig, interval, trial_timeout):
    wait_full_isr(writer, 3)
    last_ok = warm_up(writer, interval)
    if not writer.refresh():
        raise th.HubError("lost the leader before the trial")
    victim_id = writer.leader
    was_controller = writer.controller == victim_id
    victim = cluster.node(victim_id)
    t0 = time.monotonic()
    wall0 = time.strftime("%H:%M:%S", time.gmtime()) + ".%03dZ" % (time.time() * 1000 % 1000)
    exited = {}

    def watch(pid=victim.proc.pid):  # the exit time, without reaping (the Hub does that)
        try:
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
            exited["t"] = time.monotonic()
        except ChildProcessError:
            pass
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    victim.proc.send_signal(sig)
    prev_ok = last_ok
    gap = 0.0
    errors = {}
    recovered = None
    new_leader = None
    trace = []
    while time.monotonic() - t0 < trial_timeout:
        t_send = time.monotonic()
        good, leader, err = writer.write()
        now = time.monotonic()
        trace.append("%+.3f %s leader %s %.0f ms%s" % (t_send - t0, "ok" if good else "FAIL", leader,
                                                     (now - t_send) * 1000, " " + err if err else ""))
        if good:
            gap = max(gap, now - prev_ok)
            prev_ok = now
            if leader != victim_id:
                recovered, new_leader = now - t0, leader
                break
        else:
            key = (err or "").split(":")[0]
            errors[key] = errors.get(key, 0) + 1
        time.sleep(max(0.0, interval - (time.monotonic() - t_send)))
    # Reap the victim (SIGTERM: its controlled shutdown and exit), then bring it back.
    if VERBOSE:
        log("trial %s, victim %d, t0 = %s wall:\n  %s" % (sig.name, victim_id, wall0, "\n  ".join(trace)))
    exit_s = None
    if sig == signal.SIGTERM:
        watcher.join(timeout=30)
        if "t" in exited:
            exit_s = exited["t"] - t0
        rc = victim.stop()
        if rc != 0:
            log("victim %d exited with %s after SIGTERM" % (victim_id, rc))
    else:
        victim.kill()
    victim.start()
    t_back = time.monotonic()
    wait_full_isr(writer, 3)
    rejoin = time.monotonic() - t_back
    return {"victim": victim_id, "controller": was_controller, "recovery": recovered,
            "gap": gap if recovered is not None else None, "new_leader": new_leader,
            "errors": errors, "exit": exit_s, "rejoin": rejoin}


def dump_stacks(cluster):
    """On a failure: every live node's threads (gdb), for the report."""
    for n in cluster.nodes:
        if n.alive():
            p = subprocess.run(["gdb", "-p", str(n.proc.pid), "-batch", "-ex", "thread apply all bt 12"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            log("stacks of %s (pid %d):\n%s" % (n.name, n.proc.pid, p.stdout.decode("utf-8", "replace")))


START_FAILURES = []  # cluster starts that failed (printed with the figures, never hidden)


def start_cluster(**kw):
    """A started Cluster. A start that fails (a broker never seen by all) is retried once with new
    nodes, and reported in the output."""
    for attempt in (1, 2):
        cluster = Cluster(**kw)
        try:
            return cluster.start()
        except th.HubError as e:
            START_FAILURES.append(str(e).split("\n")[0])
            log("cluster start failed (attempt %d): %s" % (attempt, e))
            if os.environ.get("TERN_BENCH_STACKS"):
                dump_stacks(cluster)
            cluster.close()
            if attempt == 2:
                raise


def failover(session_ms, heartbeat_ms, trials, interval, trial_timeout):
    args = ["--broker.session.timeout.ms", session_ms, "--broker.heartbeat.interval.ms", heartbeat_ms,
            "--auto.leader.rebalance.enable", "false"]
    results = {signal.SIGKILL: [], signal.SIGTERM: []}
    cluster = start_cluster(brokers=3, extra_args=args)
    try:
        with cluster.brokers()[0].connect() as c:
            err = kr.create_topic(c, TOPIC, 1, replication_factor=3)
        if err != kr.ERR_NONE:
            raise th.HubError("CreateTopics %s RF=3: %s\n%s" % (TOPIC, kr.err_name(err), cluster.logs()))
        writer = RawWriter(cluster, TOPIC)
        try:
            # Alternate the signals so that both see the same cluster history.
            for i in range(trials):
                for sig in (signal.SIGKILL, signal.SIGTERM):
                    r = one_trial(cluster, writer, sig, interval, trial_timeout)
                    results[sig].append(r)
                    log("session %d/%d %s #%d: victim %d%s -> %s, recovery %s, gap %s, exit %s, "
                        "rejoin %.2f s, errors %s"
                        % (session_ms, heartbeat_ms, sig.name, i + 1, r["victim"],
                           " (quorum leader)" if r["controller"] else "", r["new_leader"],
                           fmt_s(r["recovery"]), fmt_s(r["gap"]), fmt_s(r["exit"]), r["rejoin"],
                           r["errors"]))
                    if r["recovery"] is None:
                        log("no recovery within %ss; logs:\n%s" % (trial_timeout, cluster.logs(60)))
            for n in cluster.nodes:
                n.assert_alive()
            if VERBOSE:
                log(cluster.logs(1000))
        finally:
            writer.close()
    except th.HubError:
        if os.environ.get("TERN_BENCH_STACKS"):
            dump_stacks(cluster)
        raise
    finally:
        cluster.close()
    return results


def fmt_s(v):
    return "-" if v is None else "%.3f s" % v


def ms(v):
    return "-" if v is None or v != v else "%d" % round(v * 1000)


def stats(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return "-", "-", "-"
    return ms(percentile(vals, 0.5)), ms(percentile(vals, 0.99)), ms(max(vals))


# --------------------------------------------------------------------------------------------
# Throughput.


def bench(bootstrap, records, acks, topic=None, hub=None):
    cmd = ["bench", "--bootstrap-server", bootstrap, "--records", str(records), "--record-size",
           "100", "--acks", acks]
    if topic:
        cmd += ["--topic", topic]
    p = th.tern_cli(*cmd, timeout=1800, hub=hub)
    out = p.stdout.decode("utf-8", "replace")
    prod, lat, cons = PRODUCE_RE.search(out), LATENCY_RE.search(out), CONSUME_RE.search(out)
    if not (prod and lat and cons):
        raise th.ToolError("tern bench printed no figures:\n%s\n%s"
                           % (out, p.stderr.decode("utf-8", "replace")))
    if int(prod.group(1)) != records or int(cons.group(1)) != records:
        raise th.ToolError("tern bench moved %s/%s of %d records:\n%s"
                           % (prod.group(1), cons.group(1), records, out))
    return {"rps": int(prod.group(4)), "mbps": float(prod.group(5)), "p50": float(lat.group(1)),
            "p99": float(lat.group(2)), "consume_rps": int(cons.group(3))}


def create_replicated(cluster, topic, rf):
    th.run([th.tern_bin(), "topics", "--bootstrap-server", cluster.bootstrap(), "--create",
            "--topic", topic, "--partitions", "1", "--replication-factor", str(rf)], timeout=60)
    cluster.wait_leaders(topic, 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        md = cluster.metadata(cluster.brokers()[0], topic)
        if len(md["topics"][topic][0]["isrs"]) == rf:
            return
        time.sleep(0.2)
    raise th.HubError("topic %s never had %d replicas in its ISR\n%s" % (topic, rf, cluster.logs()))


def throughput(records, repeat):
    rows = []

    def median(fn):
        runs = sorted((fn(i) for i in range(repeat)), key=lambda r: r["rps"])
        return runs[len(runs) // 2]

    with contextlib.closing(start_cluster(brokers=3)) as cluster:
        for rf, acks in ((3, "all"), (1, "all")):
            def run(i, rf=rf, acks=acks):
                topic = "bench-rf%d-acks%s-%d" % (rf, acks, i)
                create_replicated(cluster, topic, rf)
                return bench(cluster.bootstrap(), records, acks, topic)
            try:
                rows.append(("3 brokers, RF=%d, acks=%s" % (rf, acks), median(run)))
            except th.ToolError as e:
                raise th.ToolError("%s\nnodes alive: %s\n%s" % (e, [n.alive() for n in cluster.nodes],
                                                               cluster.logs(60)))
            log("throughput: %s done" % rows[-1][0])
        for n in cluster.nodes:
            n.assert_alive()

    def single(i):
        with th.Hub(name="single") as hub:
            r = bench(hub.bootstrap, records, "all", hub=hub)
            hub.assert_alive()
            return r
    rows.append(("single-node hub, acks=all", median(single)))
    return rows


# --------------------------------------------------------------------------------------------
# Witness footprint.


rss_kb = th.vm_rss_kb


def du_kb(path, apparent=False):
    cmd = ["du", "-sk"] + (["--apparent-size"] if apparent else []) + [path]
    return int(subprocess.run(cmd, stdout=subprocess.PIPE, check=True).stdout.split()[0])


def witness(idle_s, records):
    with contextlib.closing(start_cluster(brokers=2, witnesses=1)) as cluster:
        create_replicated(cluster, "witnessed", 2)
        bench(cluster.bootstrap(), records, "all", "witnessed")
        w = cluster.node(3)
        assert not w.is_broker
        log("witness: idling %d s" % idle_s)
        time.sleep(idle_s)
        for n in cluster.nodes:
            n.assert_alive()
        return {"witness_rss": rss_kb(w.proc.pid), "broker_rss": rss_kb(cluster.node(1).proc.pid),
                "du": du_kb(w.data_dir), "du_apparent": du_kb(w.data_dir, apparent=True),
                "broker_du": du_kb(cluster.node(1).data_dir),
                "files": sorted(os.path.relpath(os.path.join(d, f), w.data_dir)
                                for d, _, fs in os.walk(w.data_dir) for f in fs)}


# --------------------------------------------------------------------------------------------


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=int(env("TERN_BENCH_TRIALS", 20)),
                    help="SIGKILL trials and SIGTERM trials per session setting")
    ap.add_argument("--interval-ms", type=int, default=50, help="client write/retry period")
    ap.add_argument("--trial-timeout", type=float, default=30.0)
    ap.add_argument("--records", type=int, default=int(env("TERN_BENCH_RECORDS", 1000000)),
                    help="records of 100 B per throughput run")
    ap.add_argument("--repeat", type=int, default=1,
                    help="throughput runs per row; the row shows the median")
    ap.add_argument("--idle-s", type=int, default=int(env("TERN_BENCH_IDLE_S", 60)),
                    help="witness idle time before measuring its RSS")
    ap.add_argument("--only", choices=("failover", "throughput", "witness"), action="append",
                    help="run only these parts (repeatable)")
    args = ap.parse_args()
    th.tern_bin()
    parts = args.only or ["failover", "throughput", "witness"]
    load = os.getloadavg()
    header = ("tern %s; %s, %d CPUs, load average %.2f %.2f %.2f at start"
              % (th.tern_bin(), os.uname().machine, os.cpu_count(), *load))
    failures = 0
    out = [header, ""]

    if "failover" in parts:
        out.append("Failover: 3 brokers (all voters), 1 partition RF=3, raw acks=-1 writer every %d ms;"
                   " %d trials per signal; times in ms, percentiles nearest rank"
                   % (args.interval_ms, args.trials))
        out.append("")
        out.append("| session/heartbeat ms | signal | victim | n | recovery p50 | p99 | max | "
                   "write gap p50 | p99 | max | exit after signal p50 | rejoin ISR p50 |")
        out.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for session_ms, hb_ms in SESSIONS:
            res = failover(session_ms, hb_ms, args.trials, args.interval_ms / 1000.0,
                           args.trial_timeout)
            for sig in (signal.SIGKILL, signal.SIGTERM):
                name = "kill -9" if sig == signal.SIGKILL else "SIGTERM"
                rs = res[sig]
                failures += sum(1 for r in rs if r["recovery"] is None)
                for label, sel in (("any", rs), ("quorum leader", [r for r in rs if r["controller"]]),
                                   ("not quorum leader", [r for r in rs if not r["controller"]])):
                    if not sel:
                        continue
                    rec = [r["recovery"] for r in sel]
                    out.append("| %d/%d | %s | %s | %d%s | %s | %s | %s | %s | %s | %s | %s | %s |"
                               % ((session_ms, hb_ms, name, label, len(sel),
                                   "" if all(v is not None for v in rec) else
                                   " (%d never recovered)" % sum(v is None for v in rec))
                                  + stats(rec) + stats([r["gap"] for r in sel])
                                  + (stats([r["exit"] for r in sel])[0] if sig == signal.SIGTERM
                                     else "-", stats([r["rejoin"] for r in sel])[0])))
        out.append("")

    if "throughput" in parts:
        rows = throughput(args.records, max(1, args.repeat))
        out.append("Throughput: tern bench, %d records of 100 B, 1 partition, one connection "
                   "(batch 1000, 5 in flight), median of %d" % (args.records, max(1, args.repeat)))
        out.append("")
        out.append("| setup | produce records/s | MB/s | request p50 ms | p99 ms | consume records/s |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for name, r in rows:
            out.append("| %s | %d | %.1f | %.2f | %.2f | %d |"
                       % (name, r["rps"], r["mbps"], r["p50"], r["p99"], r["consume_rps"]))
        out.append("")

    if "witness" in parts:
        w = witness(args.idle_s, min(args.records, 100000))
        out.append("Witness: 2 brokers + 1 witness, RF=2 topic with %d records, then %d s idle"
                   % (min(args.records, 100000), args.idle_s))
        out.append("")
        out.append("| process | RSS MiB | data dir (du) | data dir (apparent) |")
        out.append("|---|---:|---:|---:|")
        out.append("| witness (process.roles=controller) | %.1f | %d KiB | %d KiB |"
                   % (w["witness_rss"] / 1024.0, w["du"], w["du_apparent"]))
        out.append("| broker,controller (for comparison) | %.1f | %d KiB | - |"
                   % (w["broker_rss"] / 1024.0, w["broker_du"]))
        out.append("")
        out.append("witness data dir files: %s" % ", ".join(w["files"]))
        out.append("")

    if START_FAILURES:
        out.append("cluster starts that failed and were retried: %d (%s)"
                   % (len(START_FAILURES), "; ".join(START_FAILURES)))
    load = os.getloadavg()
    out.append("load average at end %.2f %.2f %.2f; total %.0f s"
               % (load[0], load[1], load[2], time.monotonic() - START))
    print("\n".join(out))
    if failures:
        print("FAILED: %d failover trials never recovered (see stderr)" % failures)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
