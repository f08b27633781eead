"""Cluster harness: several real `tern serve` processes on loopback forming one Tern cluster.

Each node is a Hub (tern_harness) with its own temporary data dir, node.id, process.roles and a
CONTROLLER listener on a port chosen up front (controller.quorum.voters must name every voter's
port before any of them starts). Kafka listeners use port 0: brokers register their bound port.
A witness (process.roles=controller) has no Kafka listener and is ready once its quorum listener
is up. Every node is stopped when the test ends (the Hub machinery does that).
"""

import os
import re
import time

from tern_harness import Hub, HubError, free_port, kcat, run, tern_bin

QUORUM_RE = re.compile(r"quorum listening on CONTROLLER://127\.0\.0\.1:(\d+)")


class ClusterNode(Hub):
    """One node of a cluster. `roles` is "broker,controller" (a data gateway) or "controller"
    (a witness)."""

    def __init__(self, node_id, roles, voters, controller_port, extra_args=(), name=None,
                 data_dir=None, kafka_port=0, kafka_listener="PLAINTEXT"):
        self.node_id = node_id
        self.kafka_listener = kafka_listener
        self.roles = roles
        self.voters = voters
        self.controller_port = controller_port
        # 0: a new port on every start. pin_kafka_port() keeps the current one across restarts
        # (as a real broker restarts on its configured port; clients' seed lists stay valid).
        self.kafka_port = kafka_port
        super().__init__(list(extra_args), data_dir=data_dir, name=name or "node%d" % node_id)

    @property
    def is_broker(self):
        return "broker" in self.roles

    def command(self):
        listeners = "CONTROLLER://127.0.0.1:%d" % self.controller_port
        if self.is_broker:
            listeners = "%s://127.0.0.1:%d," % (self.kafka_listener, self.kafka_port) + listeners
        return [self.bin, "serve", "--node.id", str(self.node_id), "--process.roles", self.roles,
                "--controller.quorum.voters", self.voters, "--listeners", listeners,
                "--log.dirs", self.data_dir] + self.extra_args

    def _find_port(self, pattern=None):
        if pattern is None and not self.is_broker:
            pattern = QUORUM_RE
        if pattern is None:
            pattern = re.compile(r"listening on %s://127\.0\.0\.1:(\d+)" % self.kafka_listener)
        return super()._find_port(pattern)

    def _wait_connectable(self, deadline):
        if self.is_broker:
            super()._wait_connectable(deadline)

    def pin_kafka_port(self):
        """Restart on the Kafka port this running broker has now (instead of a new one)."""
        if self.is_broker:
            if self.port is None:
                raise HubError("%s has no Kafka port to pin (not started?)" % self.name)
            self.kafka_port = self.port

    @property
    def bootstrap(self):
        if not self.is_broker:
            raise HubError("%s is a witness: it has no Kafka listener" % self.name)
        return super().bootstrap


class Cluster:
    """`brokers` data gateways (broker,controller) plus `witnesses` controller-only voters, ids
    1..n (witnesses last). Use as a context manager; start() waits until every broker is
    registered and unfenced as seen by kcat -L from each broker."""

    kcat_args = ()  # extra kcat arguments (e.g. -X security.protocol=ssl ...); subclasses keep it

    def __init__(self, brokers=3, witnesses=0, extra_args=(), per_node_args=None,
                 kafka_listener="PLAINTEXT", kcat_args=()):
        self.nodes = []
        self.kcat_args = list(kcat_args)  # e.g. -X security.protocol=ssl ... for SSL listeners
        count = brokers + witnesses
        ports = [free_port() for _ in range(count)]
        voters = ",".join("%d@127.0.0.1:%d" % (i + 1, ports[i]) for i in range(count))
        for i in range(count):
            roles = "broker,controller" if i < brokers else "controller"
            args = list(extra_args) + list((per_node_args or {}).get(i + 1, ()))
            self.nodes.append(ClusterNode(i + 1, roles, voters, ports[i], args,
                                          kafka_listener=kafka_listener))

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self, timeout=30):
        for n in self.nodes:
            n.start()
        self.wait_brokers(len(self.brokers()), timeout=timeout)
        return self

    def close(self):
        for n in self.nodes:
            n.close()

    def node(self, node_id):
        return self.nodes[node_id - 1]

    def brokers(self):
        return [n for n in self.nodes if n.is_broker]

    def live_brokers(self):
        return [n for n in self.brokers() if n.alive()]

    def bootstrap(self):
        return ",".join(n.bootstrap for n in self.live_brokers())

    def metadata(self, via, topic=None, timeout=30):
        """kcat -L through broker `via`, parsed: {"brokers": {id: "host:port"},
        "topics": {name: {partition: {"leader": id, "replicas": [...], "isrs": [...]}}}}."""
        args = list(self.kcat_args) + ["-L", "-m", "10"]
        if topic:
            args += ["-t", topic]
        out = kcat(via, *args, timeout=timeout).stdout.decode("utf-8", "replace")
        return parse_kcat_metadata(out)

    def wait_brokers(self, count, timeout=30):
        """Waits until every live broker lists `count` brokers in its metadata."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                seen = [len(self.metadata(n, timeout=10)["brokers"]) for n in self.live_brokers()]
                last = seen
                if seen and all(s == count for s in seen):
                    return
            except AssertionError as e:  # kcat failed: a node still starting
                last = str(e)[:300]
            time.sleep(0.2)
        raise HubError("brokers did not all see %d brokers within %ss (last: %s)\n%s"
                       % (count, timeout, last, self.logs()))

    def wait_leaders(self, topic, partitions, via=None, timeout=30, exclude=()):
        """Waits until every partition of `topic` has a leader that is a live broker (not in
        `exclude`), as seen through `via` (default: each live broker). Returns the metadata."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            ok = True
            vias = [via] if via else self.live_brokers()
            for v in vias:
                try:
                    md = self.metadata(v, topic, timeout=10)
                except AssertionError as e:
                    last, ok = str(e)[:300], False
                    break
                parts = md["topics"].get(topic, {})
                live_ids = {n.node_id for n in self.live_brokers()} - set(exclude)
                last = parts
                if len(parts) != partitions or any(p["leader"] not in live_ids for p in parts.values()):
                    ok = False
                    break
            if ok:
                return md
            time.sleep(0.2)
        raise HubError("topic %s: not every partition got a live leader within %ss (last: %s)\n%s"
                       % (topic, timeout, last, self.logs()))

    def logs(self, last=80):
        return "\n".join(n.log_text(last) for n in self.nodes)


_BROKER_RE = re.compile(r"^\s*broker (\d+) at ([^ ]+)")
_TOPIC_RE = re.compile(r'^\s*topic "([^"]+)" with (\d+) partitions')
_PART_RE = re.compile(r"^\s*partition (\d+), leader (-?\d+), replicas: ([\d,]*), isrs: ([\d,]*)")


def parse_kcat_metadata(text):
    brokers, topics, current = {}, {}, None
    for line in text.splitlines():
        m = _BROKER_RE.match(line)
        if m:
            brokers[int(m.group(1))] = m.group(2)
            continue
        m = _TOPIC_RE.match(line)
        if m:
            current = topics.setdefault(m.group(1), {})
            continue
        m = _PART_RE.match(line)
        if m and current is not None:
            ints = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
            current[int(m.group(1))] = {"leader": int(m.group(2)), "replicas": ints(m.group(3)),
                                        "isrs": ints(m.group(4))}
    return {"brokers": brokers, "topics": topics}


def tern_admin(cluster, *args, timeout=60, check=True):
    return run([tern_bin()] + list(args[:1]) + ["--bootstrap-server", cluster.bootstrap()]
               + list(args[1:]), timeout=timeout, check=check)


# --------------------------------------------------------------------------------------------
# Admin views and offline reads (tests/integration/test_cluster.py, tests/fault/*cluster*).

_DESCRIBE_RE = re.compile(r"^\s*Topic: (\S+)\s+Partition: (\d+)\s+Leader: (-?\d+)\s+Replicas: ([\d,]*)"
                          r"\s+Isr: ([\d,]*)")


def _ints(text):
    return [int(x) for x in text.split(",") if x]


def parse_topics_describe(text):
    """`tern topics --describe` -> {topic: {partition: {"leader", "replicas", "isrs"}}} (the
    same shape as parse_kcat_metadata's topics)."""
    topics = {}
    for line in text.splitlines():
        m = _DESCRIBE_RE.match(line)
        if m:
            topics.setdefault(m.group(1), {})[int(m.group(2))] = {
                "leader": int(m.group(3)), "replicas": _ints(m.group(4)),
                "isrs": _ints(m.group(5))}
    return topics


def parse_cluster_status(text):
    """`tern cluster status` -> {"cluster_id", "leader_id", "voters": [...], "voter_rows":
    {id: status}, "brokers": {id: "host:port"}, "controller": id or None, "text"}."""
    out = {"cluster_id": None, "leader_id": None, "voters": [], "voter_rows": {}, "brokers": {},
           "controller": None, "text": text}
    in_brokers = False
    for line in text.splitlines():
        if line.startswith("ClusterId:"):
            out["cluster_id"] = line.split(":", 1)[1].strip()
        elif line.startswith("LeaderId:"):
            out["leader_id"] = int(line.split(":", 1)[1])
        elif line.startswith("CurrentVoters:"):
            out["voters"] = _ints(line.split(":", 1)[1].strip().strip("[]"))
        elif line.startswith("Brokers"):
            in_brokers = True
        elif in_brokers:
            m = re.match(r"^\s+(\d+) at (\S+)( \(controller\))?", line)
            if m:
                out["brokers"][int(m.group(1))] = m.group(2)
                if m.group(3):
                    out["controller"] = int(m.group(1))
        else:
            m = re.match(r"^(\d+)\s+(\d+)\s+(\d+)\s+(-?\d+)\s+(Leader|Follower)", line)
            if m:
                out["voter_rows"][int(m.group(1))] = m.group(5)
    return out


def read_data_dir(data_dir, topic, partitions, name="offline"):
    """Every batch stored in a STOPPED node's data dir: a copy of the dir is opened by a
    single-node `tern serve` (no voters) and read with the raw client's Fetch from offset 0
    (CRCs checked). Returns {partition: [kafka_raw Batch...]} (a partition missing from the copy
    is absent from the dict)."""
    import shutil
    import tempfile
    import kafka_raw
    copy = tempfile.mkdtemp(prefix="tern-it-copy-")
    try:
        shutil.copytree(data_dir, copy, dirs_exist_ok=True)
        for lock in ("tern.lock",):
            try:
                os.remove(os.path.join(copy, lock))
            except OSError:
                pass
        out = {}
        with Hub([], data_dir=copy, name=name) as hub:
            with hub.connect() as conn:
                md = kafka_raw.metadata(conn, [topic], version=4)
                t = md["topics"].get(topic)
                if not t or t["error"] != 0:
                    return out
                for p in range(partitions):
                    if p in t["partitions"]:
                        _, batches, _ = kafka_raw.fetch_all(conn, topic, p)
                        out[p] = batches
        return out
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def stored_topics(data_dir, name="offline"):
    """Names of the topics a STOPPED node's data dir holds (opened as a copy, as above)."""
    import shutil
    import tempfile
    import kafka_raw
    copy = tempfile.mkdtemp(prefix="tern-it-copy-")
    try:
        shutil.copytree(data_dir, copy, dirs_exist_ok=True)
        with Hub([], data_dir=copy, name=name) as hub:
            with hub.connect() as conn:
                md = kafka_raw.metadata(conn, None, version=4)
        return set(md["topics"])
    finally:
        shutil.rmtree(copy, ignore_errors=True)
