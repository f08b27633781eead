"""Forwarding upstream and mirroring down (issue 14), against real hubs and kcat.

A gateway hub forwards local topics to an upstream hub through a proxy that cuts the link in
the middle of requests (half a request, or the whole request applied and its answer swallowed)
and takes it down for whole seconds, while the gateway itself is killed with SIGKILL again and
again. Every record must reach the upstream exactly once, in per-partition order, with its key,
value, headers and timestamp, plus a tern.origin header naming where it came from.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from rdkafka_mock import MockCluster  # noqa: E402
from tcp_proxy import ResettingProxy  # noqa: E402
from tern_harness import (Hub, create_topic, java_partition, kcat, kcat_produce, run,  # noqa: E402
                          tern_bin, tern_cli, wait_for_topic)

HDR_FMT = "%p\t%o\t%k\t%s\t%T\t%h\n"
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def wait_until(pred, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


def link_status(gateway, name="cloud", direction="forward"):
    path = os.path.join(gateway.data_dir, "forward-status.json")
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    for link in doc["links"]:
        if link["name"] == name and link["direction"] == direction:
            return link
    return None


def consume_all(hub, topic, expect_count=None, timeout=60):
    """Every record of `topic` as dicts (partition, offset, key, value, timestamp, headers)."""
    args = ["-C", "-e", "-q", "-X", "check.crcs=true", "-t", topic, "-f", HDR_FMT]
    if isinstance(hub, str):  # a bootstrap list (an upstream that is not one of our hubs)
        text = run(["kcat", "-b", hub, "-m", "10"] + args, timeout=timeout).stdout
    else:
        text = kcat(hub, *args, timeout=timeout).stdout
    text = text.decode("utf-8", "replace")
    out = []
    for line in text.splitlines():
        if not line:
            continue
        p, o, k, v, ts, h = line.split("\t")
        headers = {}
        for pair in h.split(",") if h else []:
            hk, _, hv = pair.partition("=")
            headers.setdefault(hk, []).append(hv)
        out.append({"partition": int(p), "offset": int(o), "key": k, "value": v,
                    "timestamp": int(ts), "headers": headers})
    if expect_count is not None and len(out) != expect_count:
        raise AssertionError("%s: %d records, expected %d" % (topic, len(out), expect_count))
    return out


def origin_of(record):
    (value,) = record["headers"]["tern.origin"]
    cluster, topic, partition, offset = value.rsplit("/", 3)
    return cluster, topic, int(partition), int(offset)


class ForwardTestCase(unittest.TestCase):
    def start_upstream(self, *extra, proxy=None):
        args = list(extra)
        if proxy is not None:
            # Clients that follow Metadata stay behind the proxy.
            args += ["--advertised.listeners", "PLAINTEXT://127.0.0.1:%d" % proxy.port]
        up = Hub(args, name="upstream").start()
        self.addCleanup(up.close)
        if proxy is not None:
            proxy.start(up.port)
        return up

    def gateway_args(self, bootstrap, topics, *extra, link="cloud"):
        return ["--auto.create.topics.enable", "false",
                "--forward.%s.bootstrap.servers" % link, bootstrap,
                "--forward.%s.topics" % link, topics,
                "--forward.%s.retry.backoff.ms" % link, "50",
                "--forward.%s.reconnect.backoff.max.ms" % link, "500",
                "--forward.%s.request.timeout.ms" % link, "5000"] + list(extra)

    def wait_drained(self, gateway, timeout=120, name="cloud", records=0):
        """The link's status once its backlog is empty (the file is rewritten every second: pass
        `records`, the total the link must have sent, when it may still show an older state)."""
        def drained():
            s = link_status(gateway, name)
            return (s if s and s["backlog_records"] == 0 and s["state"] == "connected"
                    and s["records"] >= records else None)
        return wait_until(drained, timeout, "the forwarding backlog to drain\n" + gateway.log_text(40))

    def check_exactly_once(self, local_records, upstream_records, upstream_partitions=None):
        """Each local record exactly once upstream, unchanged, in per-partition order."""
        by_origin = {}
        for r in upstream_records:
            o = origin_of(r)
            self.assertNotIn(o[1:], by_origin, "duplicate upstream record for %s" % (o,))
            by_origin[o[1:]] = r
        self.assertEqual(len(upstream_records), len(local_records))
        for topic, l in local_records:
            u = by_origin.get((topic, l["partition"], l["offset"]))
            self.assertIsNotNone(u, "missing upstream: %s-%d@%d" % (topic, l["partition"], l["offset"]))
            self.assertEqual((u["key"], u["value"], u["timestamp"]), (l["key"], l["value"], l["timestamp"]))
            for k, v in l["headers"].items():
                self.assertEqual(u["headers"].get(k), v)
            if upstream_partitions and l["key"]:
                self.assertEqual(u["partition"], java_partition(l["key"].encode(), upstream_partitions))
        # Per (upstream partition, local partition): local offsets ascend with upstream offsets.
        last = {}
        for r in sorted(upstream_records, key=lambda x: (x["partition"], x["offset"])):
            _, topic, p, o = origin_of(r)
            k = (r["partition"], topic, p)
            self.assertLess(last.get(k, -1), o, "out of order upstream in %s" % (k,))
            last[k] = o


class ForwardToTern(ForwardTestCase):
    def test_exactly_once_through_link_cuts_outages_restarts_and_kill_9(self):
        rng = random.Random(14)
        proxy = ResettingProxy(seed=14, reset_every_bytes=(32 << 10, 192 << 10), max_resets=40,
                               modes=("drop", "cut", "drop-many"))
        self.addCleanup(proxy.close)
        up = self.start_upstream(proxy=proxy)
        create_topic(up, "site1.sensors", 3)
        gw = Hub(self.gateway_args("127.0.0.1:%d" % proxy.port, "sensors",
                                   "--forward.cloud.topic.rename", "site1.${topic}",
                                   "--forward.cloud.batch.max.bytes", "65536",
                                   # Slow enough that most kills land while records are in flight.
                                   "--forward.cloud.max.bandwidth.bytes.per.sec", "3000000"),
                 name="gateway")
        self.addCleanup(gw.close)
        gw.start()
        create_topic(gw, "sensors", 4)
        total = 0
        rounds = 20
        for i in range(rounds):
            if not gw.alive():
                gw.start()
            codec = CODECS[i % len(CODECS)]
            lines = ["k%d:v%d-%d-%s" % (rng.randrange(500), i, n, "x" * rng.randrange(80))
                     for n in range(10000)]
            kcat_produce(gw, "sensors", lines, "-K:", "-z", codec, "-H", "round=%d" % i)
            total += len(lines)
            if i % 5 == 2:
                proxy.set_down(True)  # an outage of a second or so
                time.sleep(rng.uniform(0.5, 1.5))
                proxy.set_down(False)
            if i == 10:  # the upstream restarts (and comes back on another port)
                up.stop()
                up.start()
                proxy.upstream_port = up.port
            time.sleep(rng.uniform(0.0, 0.4))
            gw.kill()
        gw.start()
        self.wait_drained(gw, records=total)
        proxy.disarm()
        local = [("sensors", r) for r in consume_all(gw, "sensors", expect_count=total)]
        upstream = consume_all(up, "site1.sensors")
        self.check_exactly_once(local, upstream, upstream_partitions=3)
        s = link_status(gw)
        self.assertEqual(s["lost_records"], 0)
        self.assertEqual(s["producer_resets"], 0)
        # The faults happened: kills while records were still unsent, cut and dropped requests
        # (a dropped request was applied upstream, its answer lost, and was sent again).
        # A restart that finds a round committed but unanswered says so: those kills landed
        # while records were in flight.
        kills_with_backlog = gw.log_text(last=1000000).count("re-sending the round in flight")
        self.assertGreaterEqual(kills_with_backlog, 5, "kill -9 rarely hit a round in flight")
        self.assertGreater(proxy.stats["drop"] + proxy.stats["drop-many"], 0, proxy.stats)
        self.assertGreater(proxy.stats["cut"], 0, proxy.stats)
        print("forward: %d records, %d kills (%d with a round in flight), proxy %s"
              % (total, rounds, kills_with_backlog, proxy.stats))

    def test_missing_upstream_topic_waits_then_delivers(self):
        up = self.start_upstream()
        gw = Hub(self.gateway_args(up.bootstrap, "alarms", "--forward.cloud.topic.rename", "site2.${topic}"),
                 name="gateway")
        self.addCleanup(gw.close)
        gw.start()
        create_topic(gw, "alarms", 1)
        kcat_produce(gw, "alarms", ["a%d" % i for i in range(100)])

        def topic_error():
            s = link_status(gw)
            if not s:
                return None
            errs = [t["error"] for t in s["topics"] if t["error"]]
            return errs[0] if errs else None
        err = wait_until(topic_error, 20, "the missing upstream topic to show in the status")
        self.assertIn("site2.alarms", err)
        self.assertIn("UNKNOWN_TOPIC_OR_PARTITION", err)
        self.assertEqual(link_status(gw)["backlog_records"], 100)
        out = tern_cli("forward", "status", "--log.dirs", gw.data_dir).stdout.decode()
        self.assertIn("site2.alarms", out)
        create_topic(up, "site2.alarms", 1)
        self.wait_drained(gw, timeout=30, records=100)
        upstream = consume_all(up, "site2.alarms", expect_count=100)
        self.assertEqual([r["value"] for r in upstream], ["a%d" % i for i in range(100)])

    def test_retention_keeps_unforwarded_records_and_disk_budget_drops_are_counted(self):
        proxy = ResettingProxy(max_resets=0)
        self.addCleanup(proxy.close)
        up = self.start_upstream(proxy=proxy)
        create_topic(up, "kept", 1)
        create_topic(up, "full", 1)
        proxy.set_down(True)
        budget = 600000
        gw = Hub(self.gateway_args("127.0.0.1:%d" % proxy.port, "kept,full",
                                   "--log.retention.check.interval.ms", "200",
                                   "--log.dirs.max.bytes", str(budget)), name="gateway")
        self.addCleanup(gw.close)
        gw.start()
        # Time retention of 1 ms: everything is expired at once, but nothing was forwarded.
        create_topic(gw, "kept", 1, {"retention.ms": "1"})
        create_topic(gw, "full", 1, {"full.policy": "drop-oldest"})
        kcat_produce(gw, "kept", ["keep%d" % i for i in range(50)])
        for chunk in range(10):  # ~1 MB into a 600 kB budget
            kcat_produce(gw, "full", ["%d-%d-%s" % (chunk, i, "y" * 900) for i in range(100)])
        time.sleep(1.0)  # several retention passes
        local_kept = consume_all(gw, "kept", expect_count=50)
        local_full = consume_all(gw, "full")
        self.assertLess(len(local_full), 1000)  # the budget dropped the oldest
        dropped = 1000 - len(local_full)
        proxy.set_down(False)
        s = self.wait_drained(gw, records=50 + len(local_full))
        self.assertEqual(s["lost_records"], dropped)
        self.assertTrue(gw.wait_log(r"lost for the upstream", timeout=5))
        self.check_exactly_once([("kept", r) for r in local_kept] + [("full", r) for r in local_full],
                                consume_all(up, "kept") + consume_all(up, "full"))


class ForwardSecure(ForwardTestCase):
    """SASL_SSL with SCRAM-SHA-512 to the upstream; a wrong password in the password file is a
    clear error that loses nothing and heals when the file is fixed; SIGHUP applies a changed
    topic list."""

    def test_scram_sha_512_over_tls_wrong_password_then_fixed(self):
        from test_sasl import make_sasl_dir
        tmp, users = make_sasl_dir("tern-fwd-sasl-", {"site-42": "right-Pw-42"})
        self.addCleanup(tmp.cleanup)
        d = tmp.name
        up = Hub(["--listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
                  "--advertised.listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://localhost:0",
                  "--ssl.certificate.location", os.path.join(d, "server.pem"),
                  "--ssl.key.location", os.path.join(d, "server.key"),
                  "--sasl.plain.users.location", users], name="upstream").start()
        self.addCleanup(up.close)
        create_topic(up, "secure", 2)
        secret = os.path.join(d, "cloud.secret")
        with open(secret, "w") as f:
            f.write("wrong-Pw\n")
        config = os.path.join(d, "gateway.properties")
        settings = {
            "forward.cloud.bootstrap.servers": "localhost:%d" % up.listener_port("SASL_SSL"),
            "forward.cloud.security.protocol": "SASL_SSL",
            "forward.cloud.sasl.mechanism": "SCRAM-SHA-512",
            "forward.cloud.sasl.username": "site-42",
            "forward.cloud.sasl.password.file": secret,
            "forward.cloud.ssl.ca.location": os.path.join(d, "ca.pem"),
            "forward.cloud.topics": "secure",
            "forward.cloud.compression": "zstd",
            "forward.cloud.reconnect.backoff.max.ms": "500",
        }

        def write_config():
            with open(config, "w") as f:
                f.write("".join("%s=%s\n" % kv for kv in settings.items()))
        write_config()
        gw = Hub(["--config", config], name="gateway")
        self.addCleanup(gw.close)
        gw.start()
        create_topic(gw, "secure", 2)
        create_topic(gw, "later", 1)
        kcat_produce(gw, "secure", ["s%d:%d" % (i % 5, i) for i in range(300)], "-K:")
        kcat_produce(gw, "later", ["l%d" % i for i in range(10)])

        def refused():
            s = link_status(gw)
            return s if s and s["state"] == "error" and "SASL" in s["last_error"] else None
        s = wait_until(refused, 30, "the wrong password to show in the status")
        self.assertNotIn("wrong-Pw", s["last_error"])
        self.assertEqual(s["backlog_records"], 300)
        with open(secret, "w") as f:  # rotated: read again at the next attempt
            f.write("right-Pw-42\n")
        self.wait_drained(gw, timeout=30, records=300)
        local = [("secure", r) for r in consume_all(gw, "secure", expect_count=300)]
        self.check_exactly_once(local, consume_all(up, "secure"), upstream_partitions=2)
        # SIGHUP: a topic added to the link's list starts forwarding without a restart.
        create_topic(up, "later", 1)
        settings["forward.cloud.topics"] = "secure,later"
        write_config()
        gw.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: len(consume_all(up, "later")) == 10, 30, "the SIGHUP'd topic to arrive")
        gw.assert_alive()


class ForwardToMockCluster(ForwardTestCase):
    """librdkafka's mock cluster (an independent broker implementation) as the upstream, with
    partition leaders moving between its three brokers while the gateway forwards."""

    def test_exactly_once_through_upstream_leader_moves(self):
        cluster = MockCluster(3)
        self.addCleanup(cluster.close)
        cluster.cmd("topic up.events 6")
        gw = Hub(self.gateway_args(cluster.bootstraps, "events", "--forward.cloud.topic.rename", "up.${topic}",
                                   "--forward.cloud.compression", "lz4",
                                   "--forward.cloud.batch.max.bytes", "16384"), name="gateway")
        self.addCleanup(gw.close)
        gw.start()
        create_topic(gw, "events", 3)
        total = 0
        for i in range(6):
            kcat_produce(gw, "events", ["key%d:e%d-%d" % (n % 97, i, n) for n in range(2000)], "-K:")
            total += 2000
            for p in range(6):
                cluster.cmd("leader up.events %d %d" % (p, 1 + (p + i) % 3))
            time.sleep(0.2)
        self.wait_drained(gw, timeout=60, records=total)
        local = [("events", r) for r in consume_all(gw, "events", expect_count=total)]
        upstream = consume_all(cluster.bootstraps, "up.events")
        self.check_exactly_once(local, upstream, upstream_partitions=6)

    def test_upstream_forgetting_the_producer_loses_and_duplicates_nothing(self):
        cluster = MockCluster(1)
        self.addCleanup(cluster.close)
        cluster.cmd("topic reset.events 2")
        gw = Hub(self.gateway_args(cluster.bootstraps, "reset.events",
                                   "--forward.cloud.batch.max.bytes", "8192"), name="gateway")
        self.addCleanup(gw.close)
        gw.start()
        create_topic(gw, "reset.events", 2)
        kcat_produce(gw, "reset.events", ["k%d:a%d" % (n % 13, n) for n in range(3000)], "-K:")
        self.wait_drained(gw, timeout=60)
        # The next Produce requests are answered UNKNOWN_PRODUCER_ID (59), as by an upstream whose
        # producer state expired: the link reads the upstream tails, takes a new producer id and
        # goes on without losing or repeating a record.
        cluster.cmd("errors 0 59 3")
        kcat_produce(gw, "reset.events", ["k%d:b%d" % (n % 13, n) for n in range(3000)], "-K:")
        s = self.wait_drained(gw, timeout=60, records=6000)
        self.assertGreaterEqual(s["producer_resets"], 1, s)
        self.assertTrue(gw.wait_log(r"lost this link's producer state", timeout=5))
        local = [("reset.events", r) for r in consume_all(gw, "reset.events", expect_count=6000)]
        self.check_exactly_once(local, consume_all(cluster.bootstraps, "reset.events"), upstream_partitions=2)


class ForwardOutage(ForwardTestCase):
    """An outage compressed in time: the backlog built while the link is down drains at the
    bandwidth cap, and the higher-priority topic arrives first."""

    def test_backlog_drains_at_the_cap_priority_first(self):
        cap = 400000
        proxy = ResettingProxy(max_resets=0)
        self.addCleanup(proxy.close)
        up = self.start_upstream(proxy=proxy)
        create_topic(up, "alarms", 1)
        create_topic(up, "sensors", 2)
        proxy.set_down(True)
        gw = Hub(self.gateway_args("127.0.0.1:%d" % proxy.port, "alarms,sensors",
                                   "--forward.cloud.max.bandwidth.bytes.per.sec", str(cap),
                                   "--forward.cloud.priority", "alarms:10,sensors:1"), name="gateway")
        self.addCleanup(gw.close)
        gw.start()
        create_topic(gw, "alarms", 1)
        create_topic(gw, "sensors", 2)
        for chunk in range(8):
            kcat_produce(gw, "sensors", ["%d-%d-%s" % (chunk, i, "s" * 300) for i in range(1000)])
        kcat_produce(gw, "alarms", ["alarm%d-%s" % (i, "a" * 300) for i in range(600)])
        sensors_total = 8000
        before = wait_until(lambda: (lambda s: s if s and s["backlog_records"] == sensors_total + 600 else None)(
            link_status(gw)), 20, "the whole backlog in the status")
        proxy.set_down(False)
        start = time.monotonic()
        bytes_at_start = proxy.stats["bytes_c2s"]
        alarms_done_at = None
        sensors_left_then = None
        while True:
            s = link_status(gw)
            topics = {t["topic"]: t for t in s["topics"]} if s else {}
            if alarms_done_at is None and topics.get("alarms", {}).get("backlog_records") == 0:
                alarms_done_at = time.monotonic() - start
                sensors_left_then = topics["sensors"]["backlog_records"]
            if s and s["backlog_records"] == 0:
                break
            self.assertLess(time.monotonic() - start, 120, "backlog did not drain: %s" % s)
            time.sleep(0.05)
        # The status file is rewritten once a second: the drain ended with the last frame sent.
        elapsed = proxy.last_frame_at - start
        rate = (proxy.stats["bytes_c2s"] - bytes_at_start) / elapsed
        print("outage: backlog %d records / %d bytes drained in %.1f s at %.0f B/s (cap %d); "
              "alarms done after %.2f s with %d of %d sensor records still queued"
              % (before["backlog_records"], before["backlog_bytes"], elapsed, rate, cap,
                 alarms_done_at, sensors_left_then, sensors_total))
        self.assertGreater(elapsed, 5.0)  # the cap held the link back
        self.assertLess(abs(rate - cap) / cap, 0.10, "drain rate %.0f B/s vs cap %d" % (rate, cap))
        self.assertGreater(sensors_left_then, sensors_total * 0.8)
        self.assertEqual(len(consume_all(up, "alarms")), 600)
        self.assertEqual(len(consume_all(up, "sensors")), sensors_total)


class MirrorDown(ForwardTestCase):
    def test_mirror_exactly_once_across_kill_9(self):
        up = self.start_upstream()
        create_topic(up, "commands.site1", 2)
        gw = Hub(["--mirror.cloud.topics", "commands\\.site1",
                  "--forward.cloud.bootstrap.servers", up.bootstrap,
                  "--forward.cloud.reconnect.backoff.max.ms", "500"], name="gateway")
        self.addCleanup(gw.close)
        gw.start()
        total = 0
        for i in range(10):
            if not gw.alive():
                gw.start()
            kcat_produce(up, "commands.site1", ["cmd%d:%d" % (n % 7, i * 1000 + n) for n in range(1000)],
                         "-K:", "-z", CODECS[i % len(CODECS)])
            total += 1000
            time.sleep(random.uniform(0.0, 0.3))
            gw.kill()
        gw.start()
        wait_for_topic(gw, "commands.site1", 2)

        def mirrored():
            s = link_status(gw, direction="mirror")
            return s if s and s["state"] == "connected" and s["backlog_records"] == 0 else None
        wait_until(mirrored, 60, "the mirror to catch up\n" + gw.log_text(40))
        upstream = consume_all(up, "commands.site1", expect_count=total)
        local = consume_all(gw, "commands.site1", expect_count=total)
        key = lambda r: (r["partition"], r["offset"])  # noqa: E731
        self.assertEqual([(key(r), r["key"], r["value"], r["timestamp"]) for r in sorted(upstream, key=key)],
                         [(key(r), r["key"], r["value"], r["timestamp"]) for r in sorted(local, key=key)])


class ForwardBadConfig(unittest.TestCase):
    def test_bad_link_settings_stop_start_up_with_the_key_named(self):
        bin_ = tern_bin()
        p = subprocess.run([bin_, "serve", "--log.dirs", "/tmp/tern-nonexistent-forward",
                            "--forward.x.topics", "a(", "--forward.x.bootstrap.servers", "h:1"],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"forward.x.topics", p.stderr)


if __name__ == "__main__":
    unittest.main()
