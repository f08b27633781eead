"""librdkafka high-level consumers in one group against a hub (rdkafka_groups, built by CMake and
passed in $RDKAFKA_GROUPS).

A raw producer writes to a 4-partition topic throughout. Consumer processes (each one group
member, logging every assignment, record and commit to its own file) come and go:
  two members          -> each owns two distinct partitions
  a third joins        -> rebalance; the four partitions owned exactly once
  the third leaves     -> clean leave (SIGTERM: commit, LeaveGroup); rebalance time measured
  it is restarted      -> continues from the committed offsets
  one is SIGKILLed     -> no LeaveGroup; after its session timeout its partitions move (measured)
  it is restarted      -> continues from the committed offsets
Then everything is read and every member stops cleanly. The logs must show: every produced
record consumed at least once with the produced value, no gaps inside an assignment, every
assignment starting exactly at the committed offset (so re-delivery is limited to the killed
member's uncommitted tail and nothing is skipped), no partition owned by two live members at
once, no failed commit, and the group's final committed offsets at the log end.

Two more scenarios on their own hubs: static members (group.instance.id) - one is SIGKILLed and
restarted within its session timeout and gets its partitions back with no rebalance of the
others; and the hub itself SIGKILLed and restarted under a consuming group (the clients reach it
through a pass-through proxy): the members rejoin and continue from the committed offsets. And
a librdkafka member sharing a group with a `tern consume --group` member.
`tern groups --describe` is checked against the members' own view and shows LAG 0 at the end.

The measured rebalance times are printed as lines starting with "REBALANCE".
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import kafka_raw as kr  # noqa: E402
import tcp_proxy  # noqa: E402
import tern_harness as th  # noqa: E402

TOPIC = "grp-events"
GROUP = "grp-rdkafka"
PARTITIONS = 4
ALL = frozenset(range(PARTITIONS))
SESSION_MS = 4000
HEARTBEAT_MS = 500
SETTLE_TIMEOUT_S = 30
PRODUCE_EVERY_S = 0.05
RECORDS_PER_BATCH = 4

HUB_ARGS = ["--group.initial.rebalance.delay.ms", "0", "--group.min.session.timeout.ms", "1000",
            "--auto.create.topics.enable", "false"]
CONSUMER_SETTINGS = ["session.timeout.ms=%d" % SESSION_MS,
                     "heartbeat.interval.ms=%d" % HEARTBEAT_MS,
                     "max.poll.interval.ms=20000"]


def log(msg):
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


class Member:
    """One rdkafka_groups consumer process and its event log."""

    def __init__(self, prog, hub, name, workdir, topic=TOPIC, group=GROUP, extra=(),
                 bootstrap=None):
        self.name = name
        self.path = os.path.join(workdir, name + ".log")
        self.err_path = os.path.join(workdir, name + ".stderr")
        self.started_at = time.time()
        self.killed_at = None
        self.terminated = False
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                [prog, "consume", bootstrap or hub.bootstrap, group, topic, self.path]
                + CONSUMER_SETTINGS
                + list(extra),
                stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT,
                preexec_fn=th.die_with_parent)

    def alive(self):
        return self.proc.poll() is None

    def events(self):
        """[(tag, ts_seconds, fields...)]; a torn last line (SIGKILL mid-write) is skipped."""
        out = []
        try:
            with open(self.path, "rb") as f:
                data = f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return out
        for line in data.split("\n")[:-1]:
            parts = line.split(" ", 2)
            if len(parts) < 2:
                continue
            rest = parts[2] if len(parts) > 2 else ""
            out.append((parts[0], int(parts[1]) / 1e6, rest))
        return out

    def assignment(self):
        """(current partitions, time of that ASSIGN, member id); empty set while revoked."""
        cur, ts, member = frozenset(), None, None
        for tag, t, rest in self.events():
            if tag == "ASSIGN":
                member, parts = rest.split(" ", 1)
                cur = frozenset() if parts == "-" else frozenset(int(p) for p in parts.split(","))
                ts = t
            elif tag in ("REVOKE", "EXIT"):
                cur, ts = frozenset(), t
        return cur, ts, member

    def stderr_tail(self):
        try:
            with open(self.err_path, "rb") as f:
                return th._tail(f.read(), 2500)
        except FileNotFoundError:
            return ""

    def terminate(self, timeout=30):
        self.terminated = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("%s did not exit within %ss of SIGTERM\n%s"
                                 % (self.name, timeout, self.stderr_tail()))

    def kill(self):
        self.killed_at = time.time()
        self.proc.kill()
        self.proc.wait()


class Producer(threading.Thread):
    """Raw Produce v3 (acks=1) of small batches to every partition until stopped; remembers the
    value stored at every offset."""

    def __init__(self, hub, topic=TOPIC, expected=None):
        super().__init__(daemon=True)
        self.hub = hub
        self.topic = topic
        self.expected = expected or {p: [] for p in range(PARTITIONS)}
        self.error = None
        self._stop_ev = threading.Event()

    def run(self):
        try:
            with self.hub.connect() as c:
                while not self._stop_ev.is_set():
                    for p in range(PARTITIONS):
                        n = len(self.expected[p])
                        values = [b"p%d-%07d" % (p, n + i) for i in range(RECORDS_PER_BATCH)]
                        blob = kr.encode_record_batch([kr.Record(None, v) for v in values])
                        err, base = kr.produce(c, self.topic, p, blob, acks=1)
                        if err != kr.ERR_NONE or base != n:
                            raise AssertionError("produce to %s[%d]: error %d, base offset %d "
                                                 "(want 0, %d)" % (self.topic, p, err, base, n))
                        self.expected[p].extend(values)
                    time.sleep(PRODUCE_EVERY_S)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def stop(self):
        self._stop_ev.set()
        self.join(timeout=30)


class RdkafkaGroupsTest(unittest.TestCase):

    def setUp(self):
        self.prog = os.environ.get("RDKAFKA_GROUPS")
        self.assertTrue(self.prog and os.access(self.prog, os.X_OK),
                        "RDKAFKA_GROUPS=%r is not an executable (build target rdkafka_groups; "
                        "needs librdkafka-dev)" % self.prog)
        self.workdir = tempfile.mkdtemp(prefix="tern-groups-rdkafka-")
        self.members = []
        self.hub = None
        self.passed = False

    def tearDown(self):
        for m in self.members:
            if m.alive():
                m.proc.kill()
                m.proc.wait()
        if self.hub:
            self.hub.close()
        if self.passed:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            sys.stderr.write("consumer logs kept in %s\n" % self.workdir)

    # ---- helpers ----------------------------------------------------------------------------

    def start_member(self, name, topic=TOPIC, group=GROUP, extra=(), bootstrap=None):
        m = Member(self.prog, self.hub, name, self.workdir, topic, group, extra, bootstrap)
        self.members.append(m)
        return m

    def diagnostics(self, members=None):
        out = []
        for m in members or self.members:
            ev = m.events()
            interesting = [e for e in ev if e[0] != "M" and e[0] not in ("A", "C")][-12:]
            out.append("-- %s (alive=%s, %d events, assignment=%r): %r\n   stderr: %s"
                       % (m.name, m.alive(), len(ev), sorted(m.assignment()[0]), interesting,
                          m.stderr_tail()[-800:]))
        return "\n".join(out) + "\n" + self.hub.log_text(60)

    def wait_settled(self, members, after=None, timeout=SETTLE_TIMEOUT_S):
        """Wait until the live `members` own every partition exactly once, each at least one,
        each through an assignment received after `after`. Returns ({name: partitions},
        latest ASSIGN time)."""
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            self.hub.assert_alive()
            for m in members:
                self.assertTrue(m.alive(), "%s exited (code %s)\n%s"
                                % (m.name, m.proc.returncode, self.diagnostics()))
            state = {m.name: m.assignment() for m in members}
            sets = [s for s, _, _ in state.values()]
            fresh = after is None or all(ts is not None and ts > after
                                         for _, ts, _ in state.values())
            if (fresh and all(sets) and sum(len(s) for s in sets) == PARTITIONS
                    and frozenset().union(*sets) == ALL):
                return ({n: s for n, (s, _, _) in state.items()},
                        max(ts for _, ts, _ in state.values()))
            time.sleep(0.05)
        self.fail("group did not settle within %ss (after=%r): %r\n%s"
                  % (timeout, after, {n: (sorted(s), ts) for n, (s, ts, _) in state.items()},
                     self.diagnostics()))

    # ---- the scenario -----------------------------------------------------------------------

    def test_group_membership_rebalances_and_commits(self):
        self.hub = th.Hub(HUB_ARGS, name="groups-rdkafka").start()
        th.create_topic(self.hub, TOPIC, PARTITIONS)
        producer = Producer(self.hub)
        producer.start()
        times = {}

        m1, m2 = self.start_member("m1"), self.start_member("m2")
        t = time.time()
        owned, done = self.wait_settled([m1, m2])
        log("two members: %r (%.2fs)" % (owned, done - t))
        self.assertEqual(sorted(len(s) for s in owned.values()), [2, 2],
                         "two members of a 4-partition topic: %r" % owned)

        t_join = time.time()
        m3 = self.start_member("m3")
        owned, done = self.wait_settled([m1, m2, m3], after=t_join)
        times["join 2->3"] = done - t_join
        log("three members: %r" % owned)
        self.assertEqual(sorted(len(s) for s in owned.values()), [1, 1, 2], repr(owned))
        time.sleep(1.5)

        # Clean leave of one of three members.
        t_leave = time.time()
        rc = m3.terminate()
        self.assertEqual(rc, 0, "m3 exit code after SIGTERM\n" + m3.stderr_tail())
        owned, done = self.wait_settled([m1, m2], after=t_leave)
        times["clean leave 3->2"] = done - t_leave
        log("after m3 left: %r" % owned)
        self.assertEqual(m3.events()[-1][0], "EXIT", "m3 closed cleanly")

        # The same member comes back (a new process of the same group).
        t_back = time.time()
        m3b = self.start_member("m3-restarted")
        owned, _ = self.wait_settled([m1, m2, m3b], after=t_back)
        log("m3 back: %r" % owned)
        time.sleep(1.5)

        # SIGKILL: no LeaveGroup, no final commit.
        killed_owned = m1.assignment()[0]
        t_kill = time.time()
        m1.kill()
        owned, done = self.wait_settled([m2, m3b], after=t_kill,
                                        timeout=SESSION_MS / 1000 + SETTLE_TIMEOUT_S)
        times["kill 3->2"] = done - t_kill
        log("after m1 was killed (owned %r): %r" % (sorted(killed_owned), owned))
        self.assertEqual(frozenset().union(*owned.values()), ALL)

        t_back = time.time()
        m1b = self.start_member("m1-restarted")
        owned, _ = self.wait_settled([m2, m3b, m1b], after=t_back)
        log("m1 back: %r" % owned)
        self.check_describe([m2, m3b, m1b])
        self.check_cli_owners([m2, m3b, m1b])
        time.sleep(1.5)

        producer.stop()
        self.assertIsNone(producer.error, "producer: %r" % producer.error)
        hw = {p: len(v) for p, v in producer.expected.items()}
        self.wait_caught_up(hw)
        for m in (m2, m3b, m1b):
            self.assertEqual(m.terminate(), 0, "%s exit code\n%s" % (m.name, m.stderr_tail()))

        for what, secs in times.items():
            print("REBALANCE %-17s %6.3f s  (session.timeout.ms=%d, heartbeat.interval.ms=%d, "
                  "group.initial.rebalance.delay.ms=0)" % (what, secs, SESSION_MS, HEARTBEAT_MS))
        sys.stdout.flush()

        self.check_logs(producer.expected, killed={"m1": (m1.killed_at, killed_owned)})
        self.check_restarted_continue([m3b, m1b])
        self.check_final_offsets(hw)
        self.check_cli_lag_zero(hw)
        self.assertLess(times["kill 3->2"], SESSION_MS / 1000 + 10, "kill rebalance too slow")
        self.assertEqual(self.hub.stop(), 0, "hub exit code after SIGTERM\n" + self.hub.log_text())
        self.passed = True

    def test_static_member_restart_without_rebalance(self):
        """group.instance.id: a member SIGKILLed and restarted within its session timeout gets
        its partitions back without a rebalance of the others, and resumes from the committed
        offsets; its old session does not expire into a rebalance later either."""
        topic, group = "grp-static", "grp-static-rdkafka"
        session_ms = 6000
        self.hub = th.Hub(HUB_ARGS, name="groups-static").start()
        th.create_topic(self.hub, topic, PARTITIONS)
        producer = Producer(self.hub, topic)
        producer.start()

        def settings(n):
            return ["group.instance.id=static-%d" % n, "session.timeout.ms=%d" % session_ms]

        s1, s2, s3 = (self.start_member("s%d" % n, topic, group, settings(n)) for n in (1, 2, 3))
        owned, _ = self.wait_settled([s1, s2, s3])
        log("static members: %r" % owned)
        self.check_describe([s1, s2, s3], topic, group,
                            instances={"s%d" % n: "static-%d" % n for n in (1, 2, 3)})
        time.sleep(1.5)

        old = s2.assignment()[0]
        t_kill = time.time()
        s2.kill()
        s2b = self.start_member("s2-restarted", topic, group, settings(2))
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while not s2b.assignment()[0] and time.monotonic() < deadline:
            self.assertTrue(s2b.alive(), s2b.stderr_tail())
            time.sleep(0.05)
        back = s2b.assignment()
        self.assertEqual(back[0], old, "the restarted static member gets its old partitions\n"
                         + self.diagnostics())
        print("REBALANCE static restart       %6.3f s  from SIGKILL to the restarted static "
              "member's assignment (others untouched)" % (back[1] - t_kill))
        # Past the old session's deadline: still no rebalance for anyone.
        time.sleep(session_ms / 1000 + 1.5)
        for m in (s1, s3, s2b):
            moved = [(tag, rest) for tag, ts, rest in m.events()
                     if tag in ("ASSIGN", "REVOKE") and ts > t_kill and
                     not (m is s2b and tag == "ASSIGN" and ts == back[1])]
            self.assertEqual(moved, [], "%s saw a rebalance after the static restart\n%s"
                             % (m.name, self.diagnostics()))
        self.check_describe([s1, s2b, s3], topic, group,
                            instances={"s1": "static-1", "s2-restarted": "static-2",
                                       "s3": "static-3"})

        producer.stop()
        self.assertIsNone(producer.error, "producer: %r" % producer.error)
        hw = {p: len(v) for p, v in producer.expected.items()}
        self.wait_caught_up(hw)
        for m in (s1, s3, s2b):
            self.assertEqual(m.terminate(), 0, "%s exit code\n%s" % (m.name, m.stderr_tail()))
        self.check_logs(producer.expected, killed={"s2": (s2.killed_at, old)})
        self.check_restarted_continue([s2b])
        self.check_final_offsets(hw, topic, group, empty=False)
        self.assertEqual(self.hub.stop(), 0, "hub exit code after SIGTERM\n" + self.hub.log_text())
        self.passed = True

    def test_hub_kill_and_restart_under_consumers(self):
        """The hub is SIGKILLed under a consuming group and restarted on the same data dir.
        Membership is not durable, so the members are told UNKNOWN_MEMBER_ID and rejoin; the
        committed offsets are, so they continue from them: nothing skipped, re-delivery only of
        the tail that was not committed at the crash. The clients reach the hub through a
        pass-through proxy (the advertised listener), re-pointed at the restarted hub's port."""
        topic, group = "grp-crash", "grp-crash-rdkafka"
        proxy = tcp_proxy.ResettingProxy(max_resets=0)
        self.addCleanup(proxy.close)
        self.hub = th.Hub(HUB_ARGS + ["--advertised.listeners",
                                      "PLAINTEXT://127.0.0.1:%d" % proxy.port],
                          name="groups-crash").start()
        proxy.start(self.hub.port)
        th.create_topic(self.hub, topic, PARTITIONS)
        producer = Producer(self.hub, topic)
        producer.start()
        bootstrap = "127.0.0.1:%d" % proxy.port
        c1, c2 = (self.start_member(n, topic, group, bootstrap=bootstrap) for n in ("c1", "c2"))
        owned, _ = self.wait_settled([c1, c2])
        log("before the crash: %r" % owned)
        time.sleep(2.5)

        producer.stop()
        self.assertIsNone(producer.error, "producer: %r" % producer.error)
        t_kill = time.time()
        self.assertEqual(self.hub.kill(), -9)
        self.hub.start()
        proxy.upstream_port = self.hub.port
        producer = Producer(self.hub, topic, producer.expected)
        producer.start()
        owned, done = self.wait_settled([c1, c2], after=t_kill, timeout=60)
        print("REBALANCE hub kill -9+restart %6.3f s  from SIGKILL of the hub to both members "
              "assigned again (restart included)" % (done - t_kill))
        log("after the crash: %r" % owned)
        time.sleep(2.5)

        producer.stop()
        self.assertIsNone(producer.error, "producer: %r" % producer.error)
        hw = {p: len(v) for p, v in producer.expected.items()}
        self.wait_caught_up(hw)
        for m in (c1, c2):
            self.assertEqual(m.terminate(), 0, "%s exit code\n%s" % (m.name, m.stderr_tail()))
        self.check_logs(producer.expected, outage=(t_kill, done + 2))
        self.check_final_offsets(hw, topic, group)
        self.assertEqual(self.hub.stop(), 0, "hub exit code after SIGTERM\n" + self.hub.log_text())
        self.passed = True

    def test_librdkafka_and_tern_cli_members_share_a_group(self):
        """A librdkafka member and a `tern consume --group` member in one group: the partitions
        are split between them (each understands the other's subscription and assignment), each
        record is read once, and when the CLI exits the librdkafka member takes its partitions
        over from the CLI's committed offsets."""
        topic, group, n = "grp-mixed", "grp-mixed", 100
        self.hub = th.Hub(HUB_ARGS, name="groups-mixed").start()
        th.create_topic(self.hub, topic, PARTITIONS)
        m = self.start_member("rdkafka", topic, group)
        self.wait_settled([m])
        t_cli = time.time()
        cli = subprocess.Popen(
            [th.tern_bin(), "consume", "--bootstrap-server", self.hub.bootstrap, "--topic", topic,
             "--group", group, "--timeout-ms", "8000",
             "--consumer-property", "session.timeout.ms=%d" % SESSION_MS,
             "--consumer-property", "heartbeat.interval.ms=%d" % HEARTBEAT_MS],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=th.die_with_parent)
        self.addCleanup(lambda: cli.poll() is None and cli.kill())
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        rows = {}
        while time.monotonic() < deadline:
            mine, ts, _ = m.assignment()
            rows, text = th.tern_groups_describe(self.hub, group)
            cli_parts = {p for (_, p), r in rows.items() if r["CLIENT-ID"] == "tern-cli"}
            if ts and ts > t_cli and mine and cli_parts and mine | cli_parts == ALL \
                    and not mine & cli_parts:
                break
            time.sleep(0.1)
        else:
            self.fail("librdkafka and tern CLI members did not share the partitions: %r\n%s\n%s"
                      % (sorted(m.assignment()[0]), text, self.diagnostics()))
        log("mixed group: librdkafka %r, tern cli %r" % (sorted(mine), sorted(cli_parts)))
        with self.hub.connect() as c:
            for p in range(PARTITIONS):
                blob = kr.encode_record_batch([kr.Record(None, b"p%d-%07d" % (p, i))
                                               for i in range(n)])
                self.assertEqual(kr.produce(c, topic, p, blob), (0, 0))
        out, err = cli.communicate(timeout=60)
        self.assertEqual(cli.returncode, 0, err.decode("utf-8", "replace"))
        by_cli = [v for v in out.decode().split("\n") if v]
        want_cli = sorted("p%d-%07d" % (p, i) for p in cli_parts for i in range(n))
        self.assertEqual(sorted(by_cli), want_cli, "records printed by tern consume --group")

        # The CLI left: the librdkafka member takes every partition, from the CLI's commits.
        t_left = time.time()
        self.wait_settled([m], after=t_left - 1)
        self.assertEqual(m.assignment()[0], ALL)
        expected = {p: [b"p%d-%07d" % (p, i) for i in range(n + 10)] for p in range(PARTITIONS)}
        with self.hub.connect() as c:
            for p in range(PARTITIONS):
                blob = kr.encode_record_batch([kr.Record(None, v) for v in expected[p][n:]])
                self.assertEqual(kr.produce(c, topic, p, blob), (0, n))
        self.wait_caught_up({p: n + 10 for p in range(PARTITIONS)})
        self.assertEqual(m.terminate(), 0)
        firsts = {}
        for tag, ts, rest in m.events():
            if tag == "M" and ts > t_left:
                p, off, _ = rest.split(" ", 2)
                firsts.setdefault(int(p), int(off))
        self.assertEqual({p: firsts.get(p) for p in cli_parts}, {p: n for p in cli_parts},
                         "the librdkafka member resumed the CLI's partitions at its commits")
        # librdkafka's own records: everything not printed by the CLI, each once.
        got = sorted(rest.split(" ", 2)[2] for tag, _, rest in m.events() if tag == "M")
        want = sorted(v.decode() for p in range(PARTITIONS) for v in expected[p]
                      if p not in cli_parts or v >= b"p%d-%07d" % (p, n))
        self.assertEqual(got, want, "records read by the librdkafka member")
        rows, text = th.tern_groups_describe(self.hub, group)
        self.assertEqual({p: r["LAG"] for (_, p), r in rows.items()},
                         {p: "0" for p in range(PARTITIONS)}, text)
        self.assertEqual(self.hub.stop(), 0)
        self.passed = True

    def wait_caught_up(self, hw, timeout=60):
        deadline = time.monotonic() + timeout
        seen = {}
        while time.monotonic() < deadline:
            seen = defaultdict(lambda: -1)
            for m in self.members:
                for tag, _, rest in m.events():
                    if tag == "M":
                        p, off, _ = rest.split(" ", 2)
                        seen[int(p)] = max(seen[int(p)], int(off))
            if all(seen[p] >= hw[p] - 1 for p in hw):
                return
            time.sleep(0.2)
        self.fail("consumers did not reach the log end %r within %ss: max consumed %r\n%s"
                  % (hw, timeout, dict(seen), self.diagnostics()))

    def check_describe(self, members, topic=TOPIC, group=GROUP, instances=None):
        """DescribeGroups agrees with what the members logged."""
        with self.hub.connect() as c:
            d = kr.describe_groups(c, [group])[group]
            err, groups = kr.list_groups(c)
        self.assertEqual(err, 0)
        self.assertEqual(groups.get(group), "consumer", "ListGroups: %r" % groups)
        self.assertEqual((d["error"], d["state"], d["protocol_type"], d["protocol"]),
                         (0, "Stable", "consumer", "range"), repr(d))
        by_id = {m["member_id"]: m for m in d["members"]}
        logged = {m.assignment()[2]: (m.name, m.assignment()[0]) for m in members}
        self.assertEqual(sorted(by_id), sorted(logged), "member ids: describe vs logs")
        for mid, (name, parts) in logged.items():
            a = kr.decode_consumer_assignment(by_id[mid]["assignment"])
            self.assertEqual(frozenset(a.get(topic, [])), parts,
                             "DescribeGroups assignment of %s" % name)
            if instances is not None:
                self.assertEqual(by_id[mid]["group_instance_id"], instances[name],
                                 "group.instance.id of %s in DescribeGroups v4" % name)
            self.assertTrue(by_id[mid]["client_id"].startswith("rdkafka-groups-"),
                            repr(by_id[mid]))

    def check_logs(self, expected, killed=None, outage=None):
        """Coverage, values, per-assignment contiguity, starts at the committed offset,
        no overlapping ownership, no failed commits.

        killed: {member name: (kill time, partitions it owned)}: records of those partitions
        at or after the committed offset at the kill may be consumed again.
        outage: (from, to) times of a hub crash: consumer errors and failed commits in that
        window are expected, ownership may overlap across it (a member learns only through
        its next heartbeat that the new coordinator does not know it), and records at or after
        the committed offset at the crash may be consumed again."""
        killed = killed or {}
        consumed = defaultdict(list)  # (p, off) -> [(member, ts)]
        commits = defaultdict(list)  # p -> [(ts, offset, confirmed)]
        episodes = []  # (member, p, start_ts, end_ts, [offsets])
        problems = []
        for m in self.members:
            open_eps = {}
            ev = m.events()
            end_of_log = m.killed_at or (ev[-1][1] if ev else 0)
            for tag, ts, rest in ev:
                if tag == "ASSIGN":
                    for p in _parts(rest.split(" ", 1)[1]):
                        open_eps[p] = [m.name, p, ts, None, []]
                elif tag in ("REVOKE", "EXIT"):
                    for e in open_eps.values():
                        e[3] = ts
                        episodes.append(e)
                    open_eps = {}
                elif tag == "M":
                    p, off, value = rest.split(" ", 2)
                    p, off = int(p), int(off)
                    consumed[(p, off)].append((m.name, ts))
                    if p not in open_eps:
                        problems.append("%s consumed %d@%d without owning it" % (m.name, p, off))
                        continue
                    open_eps[p][4].append(off)
                    if off >= len(expected[p]) or expected[p][off] != value.encode():
                        problems.append("%s read %r at %d@%d, produced %r" % (
                            m.name, value, p, off,
                            expected[p][off] if off < len(expected[p]) else None))
                elif tag in ("A", "C"):
                    p, off = (int(x) for x in rest.split(" "))
                    commits[p].append((ts, off, tag == "C"))
                elif tag == "STOP" and not m.terminated:
                    problems.append("%s stopped, but not by the test: %s" % (m.name, rest))
                elif tag in ("CE", "E"):
                    if not (outage and outage[0] <= ts <= outage[1]):
                        problems.append("%s logged %s %s at %.3f" % (m.name, tag, rest, ts))
            for e in open_eps.values():
                e[3] = end_of_log
                episodes.append(e)

        for p, recs in expected.items():
            missing = [o for o in range(len(recs)) if (p, o) not in consumed]
            if missing:
                problems.append("partition %d: %d records never consumed, first %r"
                                % (p, len(missing), missing[:10]))
        for name, p, start, end, offs in episodes:
            if not offs:
                continue
            gaps = [(a, b) for a, b in zip(offs, offs[1:]) if b != a + 1]
            if gaps:
                problems.append("%s partition %d: non-contiguous offsets %r" % (name, p, gaps[:5]))
            confirmed = max([o for ts, o, ok in commits[p] if ok and ts < start], default=0)
            attempted = max([o for ts, o, _ in commits[p] if ts < start], default=0)
            if not confirmed <= offs[0] <= max(confirmed, attempted):
                problems.append("%s partition %d assigned at %.3f started at offset %d; committed "
                                "offset then was %d (last attempted %d)"
                                % (name, p, start, offs[0], confirmed, attempted))
        by_part = defaultdict(list)
        for e in episodes:
            by_part[e[1]].append(e)
        for p, eps in by_part.items():
            eps.sort(key=lambda e: e[2])
            for a, b in zip(eps, eps[1:]):
                if outage and a[3] >= outage[0] and b[2] <= outage[1]:
                    continue
                if b[2] < a[3]:
                    problems.append("partition %d owned by %s (%.3f-%.3f) and %s (from %.3f) at "
                                    "once" % (p, a[0], a[2], a[3], b[0], b[2]))
        # Re-delivery only of what was consumed beyond the committed offset when a member was
        # killed (its partitions) or the hub crashed (any partition).
        def committed_at(p, t):
            return max([o for ts, o, ok in commits[p] if ok and ts < t], default=0)

        windows = [(t, parts) for t, parts in killed.values()]
        if outage:
            windows.append((outage[0], ALL))
        dups = {k: v for k, v in consumed.items() if len(v) > 1}
        for (p, off), who in sorted(dups.items()):
            later = sorted(ts for _, ts in who)[1:]
            ok = any(p in parts and off >= committed_at(p, t) and all(ts > t for ts in later)
                     for t, parts in windows)
            if not ok:
                problems.append("record %d@%d consumed %d times: %r" % (p, off, len(who), who))
        total = sum(len(v) for v in expected.values())
        log("consumed %d records (%d produced, %d re-delivered), %d assignments"
            % (sum(len(v) for v in consumed.values()), total, len(dups), len(episodes)))
        if problems:
            self.fail("%d problems in the consumer logs:\n  %s\n%s"
                      % (len(problems), "\n  ".join(problems[:30]), self.diagnostics()))
        self.assertGreater(total, 300, "the producer wrote too little to test anything")

    def check_restarted_continue(self, restarted):
        """A restarted member's first records of each assignment come from the committed offset
        (checked in check_logs); here: it did get data from a partition with a commit > 0."""
        for m in restarted:
            firsts = {}
            cur = set()
            for tag, _, rest in m.events():
                if tag == "ASSIGN":
                    cur = set(_parts(rest.split(" ", 1)[1]))
                elif tag == "M":
                    p, off, _ = rest.split(" ", 2)
                    if int(p) in cur:
                        firsts.setdefault(int(p), int(off))
            self.assertTrue(firsts and all(o > 0 for o in firsts.values()),
                            "%s should have resumed mid-partition from committed offsets, first "
                            "offsets consumed: %r" % (m.name, firsts))

    def check_cli_owners(self, members):
        """tern groups --describe names each partition's owner as the members logged it."""
        rows, text = th.tern_groups_describe(self.hub, GROUP)
        want = {}
        for m in members:
            parts, _, member_id = m.assignment()
            for p in parts:
                want[(TOPIC, p)] = (member_id, "rdkafka-groups-%d" % m.proc.pid)
        got = {k: (r["CONSUMER-ID"], r["CLIENT-ID"]) for k, r in rows.items()}
        self.assertEqual(got, want, "tern groups --describe owners:\n" + text)
        for r in rows.values():
            self.assertIn("127.0.0.1", r["HOST"], text)

    def check_cli_lag_zero(self, hw):
        """After everything was read and committed: LAG 0 everywhere (tern groups)."""
        rows, text = th.tern_groups_describe(self.hub, GROUP)
        self.assertEqual({k: (r["CURRENT-OFFSET"], r["LOG-END-OFFSET"], r["LAG"])
                          for k, r in rows.items()},
                         {(TOPIC, p): (str(hw[p]), str(hw[p]), "0") for p in hw},
                         "tern groups --describe after the consumers read everything:\n" + text)

    def check_final_offsets(self, hw, topic=TOPIC, group=GROUP, empty=True):
        with self.hub.connect() as c:
            got = kr.offset_fetch(c, group, {topic: list(range(PARTITIONS))}, version=5)
            d = kr.describe_groups(c, [group])[group]
        self.assertEqual(got["error"], 0)
        self.assertEqual({p: got["offsets"][(topic, p)][0] for p in range(PARTITIONS)}, hw,
                         "committed offsets after every member closed == log end")
        self.assertEqual({p: got["offsets"][(topic, p)][2] for p in range(PARTITIONS)},
                         {p: 0 for p in range(PARTITIONS)})
        if empty:
            self.assertEqual((d["error"], d["state"], d["members"]), (0, "Empty", []),
                             "DescribeGroups once every member left: %r" % d)


def _parts(s):
    return [] if s == "-" else [int(p) for p in s.split(",")]


if __name__ == "__main__":
    unittest.main(verbosity=2)
