"""A cluster whose nodes each run in their own network namespace, for partition tests.

Layout (made with iproute2, needs root; no nftables/netem needed): a "switch" namespace holds a
bridge with address 10.201.0.100; node i runs in its own namespace with 10.201.0.i on a veth
whose other end is on the bridge. The test process joins the switch namespace (setns), so it,
kcat and the tern CLI reach every node like a client on the LAN. Cutting the link between nodes
i and j installs blackhole routes for each other's address in both nodes' namespaces: packets
between them are dropped silently (a real partition, not a reset), while the client still
reaches both. Everything is deleted by close() (and at interpreter exit).
"""

import atexit
import ctypes
import os
import re
import subprocess

from tern_cluster import Cluster, ClusterNode
from tern_harness import HubError
from kafka_raw import KafkaConnection

SUBNET = "10.201.0"
QUORUM_PORT = 9093
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _ip(*args, check=True):
    p = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        raise HubError("ip %s: %s" % (" ".join(args), p.stderr.decode().strip()))
    return p


def netns_available():
    """(ok, reason): can this process make namespaces and veths?"""
    if os.geteuid() != 0:
        return False, "needs root (ip netns)"
    name = "ternprobe%d" % os.getpid()
    p = _ip("netns", "add", name, check=False)
    if p.returncode != 0:
        return False, "ip netns add failed: %s" % p.stderr.decode().strip()
    _ip("netns", "del", name, check=False)
    return True, ""


class NetLab:
    def __init__(self, nodes):
        self.prefix = "tern%d" % os.getpid()
        self.switch = self.prefix + "sw"
        self.node_ns = {i: "%sn%d" % (self.prefix, i) for i in range(1, nodes + 1)}
        self.cuts = set()
        self._made = []
        self._old_ns = None
        atexit.register(self.close)
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def addr(self, i):
        return "%s.%d" % (SUBNET, i)

    def _build(self):
        for ns in [self.switch] + list(self.node_ns.values()):
            _ip("netns", "add", ns)
            self._made.append(ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.switch, "addr", "add", SUBNET + ".100/24", "dev", "br0")
        _ip("-n", self.switch, "link", "set", "br0", "up")
        for i, ns in self.node_ns.items():
            _ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "p%d" % i,
                "netns", self.switch)
            _ip("-n", ns, "addr", "add", self.addr(i) + "/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", self.switch, "link", "set", "p%d" % i, "master", "br0")
            _ip("-n", self.switch, "link", "set", "p%d" % i, "up")
        # Join the switch namespace: this process (and what it starts) is the LAN's client.
        self._old_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.switch, os.O_RDONLY)
        try:
            if _libc.setns(fd, _CLONE_NEWNET) != 0:
                raise HubError("setns: errno %d" % ctypes.get_errno())
        finally:
            os.close(fd)

    def cut(self, i, j):
        for a, b in ((i, j), (j, i)):
            _ip("-n", self.node_ns[a], "route", "add", "blackhole", self.addr(b) + "/32")
        self.cuts.add(frozenset((i, j)))

    def heal(self, i, j):
        for a, b in ((i, j), (j, i)):
            _ip("-n", self.node_ns[a], "route", "del", "blackhole", self.addr(b) + "/32",
                check=False)
        self.cuts.discard(frozenset((i, j)))

    def isolate(self, i):
        for j in self.node_ns:
            if j != i:
                self.cut(i, j)

    def heal_all(self):
        for pair in list(self.cuts):
            self.heal(*sorted(pair))

    def close(self):
        if self._old_ns is not None:
            _libc.setns(self._old_ns, _CLONE_NEWNET)
            os.close(self._old_ns)
            self._old_ns = None
        for ns in reversed(self._made):
            _ip("netns", "del", ns, check=False)
        self._made = []


class NsNode(ClusterNode):
    """A ClusterNode started with `ip netns exec <its namespace>`, listening on its address."""

    def __init__(self, lab, node_id, roles, voters, extra_args=()):
        self.lab = lab
        self.host = lab.addr(node_id)
        super().__init__(node_id, roles, voters, QUORUM_PORT, extra_args)

    def command(self):
        listeners = "CONTROLLER://%s:%d" % (self.host, QUORUM_PORT)
        if self.is_broker:
            listeners = "PLAINTEXT://%s:0,%s" % (self.host, listeners)
        return ["ip", "netns", "exec", self.lab.node_ns[self.node_id], self.bin, "serve",
                "--node.id", str(self.node_id), "--process.roles", self.roles,
                "--controller.quorum.voters", self.voters, "--listeners", listeners,
                "--log.dirs", self.data_dir] + self.extra_args

    def _find_port(self, pattern=None):
        if pattern is None:
            kind = "PLAINTEXT" if self.is_broker else "CONTROLLER"
            pattern = re.compile(r"listening on %s://%s:(\d+)" % (kind, re.escape(self.host)))
        return super()._find_port(pattern)

    def _wait_connectable(self, deadline):
        if not self.is_broker:
            return
        import socket
        import time
        while True:
            try:
                socket.create_connection((self.host, self.port), timeout=2).close()
                return
            except OSError as e:
                if time.monotonic() > deadline:
                    raise HubError("%s: %s\n%s" % (self.name, e, self.log_text()))
                time.sleep(0.05)

    @property
    def bootstrap(self):
        if not self.is_broker or self.port is None:
            raise HubError("%s has no Kafka listener up" % self.name)
        return "%s:%d" % (self.host, self.port)

    def connect(self, timeout=10.0):
        return KafkaConnection(self.host, self.port, timeout=timeout)


class NsCluster(Cluster):
    def __init__(self, lab, brokers=3, witnesses=0, extra_args=()):
        self.lab = lab
        self.nodes = []
        count = brokers + witnesses
        voters = ",".join("%d@%s:%d" % (i, lab.addr(i), QUORUM_PORT) for i in range(1, count + 1))
        for i in range(1, count + 1):
            roles = "broker,controller" if i <= brokers else "controller"
            self.nodes.append(NsNode(lab, i, roles, voters, extra_args))
