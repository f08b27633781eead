"""A full store: the LMDB map (lmdb.map.size) and the byte budget (log.dirs.max.bytes).

MapFullTest: an 8 MiB map, retention off. A 'ballast' topic takes ~3 MiB, then 'data' is filled
until Produce fails: the error must be KAFKA_STORAGE_ERROR (56) within the socket timeout (no
hang), the hub stays up and answers Metadata, Fetch and ListOffsets, and every record acknowledged
before the failure reads back byte for byte (CRC32C checked by kafka_raw). A kill -9 while full
and a restart must open the store cleanly with everything in it. Deleting 'ballast'
(DeleteTopics) frees the space: Produce succeeds again within 10 s (purges run in the
background), offsets continue with no gap, and a clean restart keeps it all.

DiskFullTest: the data dir on a 12 MiB tmpfs (mounted by the test, as root) with a 64 MiB map,
so the file system fills before the map: ENOSPC must give the same clean KAFKA_STORAGE_ERROR,
keep every acknowledged record, and producing must resume once another file on that disk is
deleted.

BudgetTest (log.dirs.max.bytes = 2 MiB over all partitions' stored batch bytes, topic config
full.policy): a 'reject' topic accepts batches while they fit in the budget and then answers
KAFKA_STORAGE_ERROR; a 'drop-oldest' topic keeps accepting while its log start moves forward
and its newest batches stay intact. The hub logs the topic's name when it rejects or drops. Both
survive restarts (SIGKILL and SIGTERM) unchanged.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import fault_util as fu  # noqa: E402
import kafka_raw as kr  # noqa: E402
import tern_harness as th  # noqa: E402

MAP_SIZE = 8 << 20
BUDGET = 2 << 20
RECORD_SIZE = 1000
BATCH_RECORDS = 20


class Filler:
    """Produces fixed-size batches of unique records to one partition and keeps what was acked."""

    def __init__(self, topic, partition=0, tag="v"):
        self.topic = topic
        self.partition = partition
        self.tag = tag
        self.seq = 0
        self.acked = []  # [(base_offset, blob, [Record])]

    def batch(self):
        values = []
        for _ in range(BATCH_RECORDS):
            head = b"%s-%s-%08d-" % (self.topic.encode(), self.tag.encode(), self.seq)
            values.append(head + b"x" * (RECORD_SIZE - len(head)))
            self.seq += 1
        recs = fu.make_records(values, key_of=lambda v: v[-20:-10])
        return recs, kr.encode_record_batch(recs)

    def produce(self, conn):
        """One acks=all batch. Returns (error, blob); an acknowledged batch is remembered."""
        recs, blob = self.batch()
        try:
            err, base = kr.produce(conn, self.topic, self.partition, blob, acks=-1)
        except socket.timeout:
            raise AssertionError("Produce to %s got no answer within the socket timeout"
                                 % self.topic)
        if err == kr.ERR_NONE:
            self.acked.append((base, blob, recs))
        return err, blob

    def acked_bytes(self):
        return sum(len(blob) for _, blob, _ in self.acked)


class FullStoreCase(unittest.TestCase):

    def new_hub(self, name, args, data_dir=None):
        hub = th.Hub(extra_args=args, name=name, data_dir=data_dir)
        self.addCleanup(hub.close)
        hub.start()
        return hub

    def fill_until_error(self, hub, filler, limit_bytes):
        """Produces until an error; returns (error, bytes of the refused batch)."""
        with hub.connect(timeout=15) as c:
            while filler.acked_bytes() < limit_bytes:
                err, blob = filler.produce(c)
                if err != kr.ERR_NONE:
                    return err, len(blob)
        self.fail("%s accepted %d bytes without an error\n%s"
                  % (filler.topic, filler.acked_bytes(), hub.log_text(40)))

    def assert_contents(self, hub, filler, what, earliest=0):
        """The partition holds exactly filler.acked (from `earliest` on), record by record."""
        want = [(b, blob, recs) for b, blob, recs in filler.acked if b >= earliest]
        with hub.connect() as c:
            self.assertEqual(kr.list_offsets(c, filler.topic, filler.partition, -2)[::2],
                             (0, earliest), "%s: earliest offset of %s" % (what, filler.topic))
            try:
                recs, batches, hw = kr.fetch_all(c, filler.topic, filler.partition, earliest)
            except ValueError as e:
                self.fail("%s: fetch %s: %s\n%s" % (what, filler.topic, e, hub.log_text(40)))
        end = want[-1][0] + BATCH_RECORDS if want else earliest
        self.assertEqual(hw, end, "%s: high watermark of %s" % (what, filler.topic))
        self.assertEqual([b.base_offset for b in batches], [b for b, _, _ in want],
                         "%s: batch base offsets of %s" % (what, filler.topic))
        self.assertEqual([r.offset for r in recs], list(range(earliest, hw)),
                         "%s: offsets of %s" % (what, filler.topic))
        self.assertEqual([(r.key, r.value, r.timestamp) for r in recs],
                         [(r.key, r.value, r.timestamp) for _, _, rs in want for r in rs],
                         "%s: record contents of %s" % (what, filler.topic))

    def produce_until_accepted(self, hub, conn, filler, after, timeout=10):
        """Space is being freed in the background: Produce must succeed again within `timeout`,
        answering only KAFKA_STORAGE_ERROR until then."""
        deadline = time.monotonic() + timeout
        while True:
            err, _ = filler.produce(conn)
            if err == 0:
                return
            self.assertEqual(err, fu.ERR_KAFKA_STORAGE_ERROR, kr.err_name(err))
            if time.monotonic() > deadline:
                self.fail("produce did not resume within %d s %s; earliest offset %r\n%s"
                          % (timeout, after, kr.list_offsets(conn, filler.topic, 0, -2),
                             hub.log_text(40)))
            time.sleep(0.2)

    def assert_serving(self, hub, topics):
        hub.assert_alive()
        with hub.connect() as c:
            md = kr.metadata(c, topics, version=4)
        for t in topics:
            self.assertEqual(md["topics"][t]["error"], 0, "Metadata for %s: %r" % (t, md))

    def log_mentions(self, hub, topic, words):
        """Log lines naming `topic` that (apart from the name) contain one of `words`."""
        return [l for l in hub.log_text(last=100000).splitlines()
                if topic in l and any(w in l.replace(topic, "").lower() for w in words)]


class MapFullTest(FullStoreCase):

    def test_map_full_is_a_clean_error_and_space_comes_back(self):
        # The byte budget (half the map by default) would refuse first: lift it to reach the map.
        hub = self.new_hub("map-full", ["--lmdb.map.size", MAP_SIZE, "--log.retention.ms", -1,
                                        "--log.dirs.max.bytes", 1 << 40,
                                        "--log.retention.check.interval.ms", 200])
        th.create_topic(hub, "ballast", 1)
        th.create_topic(hub, "data", 1)
        ballast, data = Filler("ballast"), Filler("data")
        with hub.connect() as c:
            while ballast.acked_bytes() < 3 << 20:
                err, _ = ballast.produce(c)
                self.assertEqual(err, 0, "ballast produce: %s\n%s" % (kr.err_name(err),
                                                                    hub.log_text(40)))
        err, _ = self.fill_until_error(hub, data, 2 * MAP_SIZE)
        self.assertEqual(err, fu.ERR_KAFKA_STORAGE_ERROR, "first failing produce: %s\n%s"
                         % (kr.err_name(err), hub.log_text(40)))
        self.assertGreater(len(data.acked), 0)
        with hub.connect() as c:  # still full: the same batch size is refused again
            err, _ = data.produce(c)
            self.assertEqual(err, fu.ERR_KAFKA_STORAGE_ERROR, "retry while full")
        self.assert_serving(hub, ["ballast", "data"])
        self.assert_contents(hub, ballast, "while full")
        self.assert_contents(hub, data, "while full")

        self.assertEqual(hub.kill(), -signal.SIGKILL)
        hub.start()
        self.assertEqual(fu.bad_log_lines(hub), [], "restart of a full store logged errors\n"
                         + hub.log_text(40))
        self.assert_serving(hub, ["ballast", "data"])
        self.assert_contents(hub, ballast, "after kill -9 while full")
        self.assert_contents(hub, data, "after kill -9 while full")

        with hub.connect() as c:
            self.assertEqual(kr.delete_topics(c, ["ballast"]), {"ballast": 0})
            self.produce_until_accepted(hub, c, data, "of deleting ballast")
            for _ in range(20):  # 400 KB more, in the space ballast held
                err, _ = data.produce(c)
                self.assertEqual(err, 0, "produce after space came back: %s" % kr.err_name(err))
            md = kr.metadata(c, ["ballast"], version=4)
            self.assertEqual(md["topics"]["ballast"]["error"], kr.ERR_UNKNOWN_TOPIC_OR_PARTITION)
        self.assert_contents(hub, data, "after space came back")
        self.assertEqual(hub.restart(signal.SIGTERM), 0)
        self.assertEqual(fu.bad_log_lines(hub), [], hub.log_text(40))
        self.assert_contents(hub, data, "after a clean restart")

    def test_map_full_then_retention_bytes_frees_space(self):
        args = ["--lmdb.map.size", MAP_SIZE, "--log.retention.ms", -1,
                "--log.dirs.max.bytes", 1 << 40]
        hub = self.new_hub("map-full-retention", args)
        th.create_topic(hub, "data", 1)
        data = Filler("data")
        err, _ = self.fill_until_error(hub, data, 2 * MAP_SIZE)
        self.assertEqual(err, fu.ERR_KAFKA_STORAGE_ERROR, kr.err_name(err))
        self.assertEqual(hub.stop(), 0)
        # Restart with size retention: the oldest batches go, the newest stay, produce resumes.
        hub.extra_args += ["--log.retention.bytes", str(2 << 20),
                           "--log.retention.check.interval.ms", "200"]
        hub.start()
        self.assertEqual(fu.bad_log_lines(hub), [], hub.log_text(40))
        with hub.connect() as c:
            self.produce_until_accepted(hub, c, data, "of retention.bytes=2MiB")
            _, _, earliest = kr.list_offsets(c, "data", 0, -2)
        self.assertGreater(earliest, 0)
        self.assert_contents(hub, data, "after retention freed space", earliest)


class DiskFullTest(FullStoreCase):

    def test_enospc_is_a_clean_error_and_freed_disk_space_is_used(self):
        mount_dir = tempfile.mkdtemp(prefix="tern-tmpfs-")
        self.addCleanup(os.rmdir, mount_dir)
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", mount_dir],
            capture_output=True, text=True)
        self.assertEqual(mounted.returncode, 0,
                         "this test mounts a small tmpfs and needs root: %s" % mounted.stderr)
        # Cleanups run last-in first-out: the hub (registered later) stops before the unmount.
        self.addCleanup(lambda: subprocess.run(["umount", "-l", mount_dir]))
        ballast = os.path.join(mount_dir, "ballast")
        with open(ballast, "wb") as f:
            f.write(b"\0" * (3 << 20))
        hub = self.new_hub("enospc", ["--lmdb.map.size", 64 << 20, "--log.retention.ms", -1,
                                      "--log.dirs.max.bytes", 1 << 40],
                           data_dir=os.path.join(mount_dir, "data"))
        th.create_topic(hub, "data", 1)
        data = Filler("data")
        err, _ = self.fill_until_error(hub, data, 64 << 20)
        self.assertEqual(err, fu.ERR_KAFKA_STORAGE_ERROR, "first failing produce: %s\n%s"
                         % (kr.err_name(err), hub.log_text(40)))
        self.assertGreater(data.acked_bytes(), 4 << 20)
        self.assert_serving(hub, ["data"])
        self.assert_contents(hub, data, "disk full")
        self.assertTrue(any("disk full" in l for l in hub.log_text(200).splitlines()),
                        hub.log_text(40))
        os.unlink(ballast)  # space comes back on the disk
        with hub.connect() as c:
            self.produce_until_accepted(hub, c, data, "of freeing disk space")
        self.assert_contents(hub, data, "after space came back")
        self.assertEqual(hub.restart(signal.SIGTERM), 0)
        self.assert_contents(hub, data, "after a restart")
        hub.stop()


class BudgetTest(FullStoreCase):

    ARGS = ["--log.dirs.max.bytes", BUDGET, "--log.retention.ms", -1,
            "--log.retention.check.interval.ms", 200]

    def test_reject_policy_refuses_beyond_the_budget(self):
        hub = self.new_hub("budget-reject", self.ARGS)
        th.create_topic(hub, "budget-reject", 1, {"full.policy": "reject"})
        f = Filler("budget-reject")
        err, refused = self.fill_until_error(hub, f, 4 * BUDGET)
        self.assertEqual(err, fu.ERR_KAFKA_STORAGE_ERROR, "first failing produce: %s\n%s"
                         % (kr.err_name(err), hub.log_text(40)))
        # Batches are taken while they fit: the refused one is the first that would not.
        self.assertLessEqual(f.acked_bytes(), BUDGET)
        self.assertGreater(f.acked_bytes() + refused, BUDGET)
        with hub.connect() as c:
            err, _ = f.produce(c)
            self.assertEqual(err, fu.ERR_KAFKA_STORAGE_ERROR, "retry while over budget")
        self.assert_serving(hub, ["budget-reject"])
        self.assert_contents(hub, f, "at the budget")
        self.assertTrue(self.log_mentions(hub, "budget-reject", ("reject", "budget", "full", "refus")),
                        "no log line names the topic whose produce was rejected\n"
                        + hub.log_text(40))
        for sig in (signal.SIGKILL, signal.SIGTERM):
            hub.restart(sig)
            self.assertEqual(fu.bad_log_lines(hub), [], hub.log_text(40))
            self.assert_contents(hub, f, "after restart (signal %d)" % sig)
            with hub.connect() as c:
                err, _ = f.produce(c)
            self.assertEqual(err, fu.ERR_KAFKA_STORAGE_ERROR,
                             "after restart (signal %d) the budget must still be full" % sig)

    def test_drop_oldest_policy_keeps_the_newest(self):
        hub = self.new_hub("budget-drop", self.ARGS)
        th.create_topic(hub, "budget-drop", 1, {"full.policy": "drop-oldest"})
        f = Filler("budget-drop")
        with hub.connect() as c:
            while f.acked_bytes() < int(2.5 * BUDGET):
                err, _ = f.produce(c)
                self.assertEqual(err, 0, "drop-oldest produce after %d bytes: %s\n%s"
                                 % (f.acked_bytes(), kr.err_name(err), hub.log_text(40)))
            _, _, earliest = kr.list_offsets(c, "budget-drop", 0, -2)
        self.assertGreater(earliest, 0, "log start did not move although 2.5x the budget was"
                           " written")
        bases = [b for b, _, _ in f.acked]
        self.assertIn(earliest, bases, "log start is not a batch boundary")
        kept = sum(len(blob) for b, blob, _ in f.acked if b >= earliest)
        self.assertLessEqual(kept, BUDGET, "kept batches exceed the budget")
        # Drops free what the new batches need, not the whole log (the 90% retention pass may
        # take a little more than one batch).
        self.assertGreater(kept, BUDGET * 8 // 10, "more was dropped than the budget needs")
        self.assert_contents(hub, f, "after drops", earliest)
        self.assertTrue(self.log_mentions(hub, "budget-drop", ("drop", "budget", "full", "delet")),
                        "no log line names the topic whose batches were dropped\n"
                        + hub.log_text(40))
        for sig in (signal.SIGKILL, signal.SIGTERM):
            hub.restart(sig)
            self.assertEqual(fu.bad_log_lines(hub), [], hub.log_text(40))
            self.assert_contents(hub, f, "after restart (signal %d)" % sig, earliest)
        with hub.connect() as c:  # and it keeps going after the restarts
            for _ in range(10):
                self.assertEqual(f.produce(c)[0], 0)
            _, _, earliest2 = kr.list_offsets(c, "budget-drop", 0, -2)
        self.assertGreater(earliest2, earliest)
        self.assert_contents(hub, f, "after more drops", earliest2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
