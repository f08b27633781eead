"""Smoke test of an ARM hub under qemu-user: host kcat against the emulated `tern serve`.

Environment: TERN_QEMU (qemu-aarch64 / qemu-arm), TERN_TARGET_BIN (the cross-built tern),
TERN_BOARD_CONFIG (the architecture's boards/generic-*/server.properties, which the hub loads so
the shipped defaults are checked on the architecture they are for: a 1 GiB map on 32-bit armhf).

The harness starts `$TERN_BIN`; here that is a two-line wrapper that execs qemu on the target
binary, so signals (SIGTERM for a clean stop) reach the emulated hub directly.
"""

import atexit
import os
import shlex
import shutil
import tempfile
import unittest

QEMU = os.environ.get("TERN_QEMU", "")
TARGET_BIN = os.environ.get("TERN_TARGET_BIN", "")
BOARD_CONFIG = os.environ.get("TERN_BOARD_CONFIG", "")

_wrapper_dir = tempfile.mkdtemp(prefix="tern-qemu-")
atexit.register(shutil.rmtree, _wrapper_dir, True)
_wrapper = os.path.join(_wrapper_dir, "tern")
with open(_wrapper, "w") as f:
    f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (shlex.quote(QEMU), shlex.quote(TARGET_BIN)))
os.chmod(_wrapper, 0o755)
os.environ["TERN_BIN"] = _wrapper

import tern_harness as th  # noqa: E402  (reads TERN_BIN when a hub starts)
from tern_harness import kafka_raw  # noqa: E402

RECORDS = 1000
PARTITIONS = 3
ERR_KAFKA_STORAGE_ERROR = 56
# key:value lines, placed by the Java client's murmur2 partitioner (kcat's default differs).
KCAT_KEYED = ("-K", ":", "-X", "partitioner=murmur2_random")


def _lines(first, count):
    # Keys repeat (50 keys) so per-key order and murmur2 placement are both checked.
    return ["key-%02d:value-%05d-%s" % (i % 50, i, "x" * (i % 37))
            for i in range(first, first + count)]


class QemuSmoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for name, value in (("TERN_QEMU", QEMU), ("TERN_TARGET_BIN", TARGET_BIN),
                            ("TERN_BOARD_CONFIG", BOARD_CONFIG)):
            if not value:
                raise AssertionError("%s is not set (tests/cross/CMakeLists.txt sets it)" % name)
        if not os.path.isfile(TARGET_BIN):
            raise AssertionError("%s does not exist: cross.build must run first" % TARGET_BIN)

    def check_records(self, hub, topic, produced_lines):
        text = th.kcat_consume(hub, topic)
        recs = th.parse_kcat_records(text)
        self.assertEqual(len(recs), len(produced_lines), hub.log_text(40))
        by_partition = {}
        for p, o, k, v in recs:
            self.assertEqual(p, th.java_partition(k, PARTITIONS), "partition of key %s" % k)
            by_partition.setdefault(p, []).append((o, k, v))
        for p, items in by_partition.items():
            self.assertEqual([o for o, _, _ in items], list(range(len(items))),
                             "partition %d offsets not contiguous from 0" % p)
        # Every record exactly once, and per key in production order.
        expected = [tuple(l.split(":", 1)) for l in produced_lines]
        self.assertEqual(sorted((k, v) for _, _, k, v in recs), sorted(expected))
        for key in {k for k, _ in expected}:
            got = [v for _, _, k, v in sorted(recs, key=lambda r: (r[0], r[1])) if k == key]
            self.assertEqual(got, [v for k, v in expected if k == key], "order of key %s" % key)
        return sorted(recs)

    def test_produce_consume_restart(self):
        data_dir = tempfile.mkdtemp(prefix="tern-qemu-data-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        with th.Hub(extra_args=["--config", BOARD_CONFIG], data_dir=data_dir,
                    name="qemu-hub") as hub:
            out = th.run([_wrapper, "--version"]).stdout.decode()
            self.assertTrue(out.startswith("tern "), out)
            th.create_topic(hub, "smoke", PARTITIONS)
            # The emulated CLI too: describe through `tern topics`.
            desc = th.tern_cli("topics", "--bootstrap-server", hub.bootstrap, "--describe",
                               "--topic", "smoke", hub=hub).stdout.decode()
            self.assertIn("PartitionCount: %d" % PARTITIONS, desc)

            first = _lines(0, RECORDS)
            th.kcat_produce(hub, "smoke", first, *KCAT_KEYED)
            before = self.check_records(hub, "smoke", first)

            rc = hub.restart()
            self.assertEqual(rc, 0, "SIGTERM should stop the hub cleanly\n" + hub.log_text(40))
            after = self.check_records(hub, "smoke", first)
            self.assertEqual(before, after, "data changed across the restart")

            # The log goes on after the restart: offsets continue, nothing is reused.
            second = _lines(RECORDS, RECORDS)
            th.kcat_produce(hub, "smoke", second, *KCAT_KEYED)
            self.check_records(hub, "smoke", first + second)
            hub.assert_alive()

    def test_map_size_fits_the_address_space(self):
        # A 32-bit hub refuses a map it could never mmap (4 GiB) with a message naming the key,
        # instead of failing later; a 64-bit one accepts it.
        with open(TARGET_BIN, "rb") as f:
            is_32bit = f.read(5)[4] == 1  # ELFCLASS32
        if not is_32bit:
            self.skipTest("64-bit hub: the map size is not bounded by the address space")
        data_dir = tempfile.mkdtemp(prefix="tern-qemu-map-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        p = th.run([_wrapper, "serve", "--listeners", "PLAINTEXT://127.0.0.1:0", "--log.dirs",
                    data_dir, "--lmdb.map.size", str(4 << 30)], check=False, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(b"lmdb.map.size", p.stderr)

    def test_full_map_is_a_clean_error(self):
        # A 2 MiB map fills after ~1.5 MiB of batches: the produce that does not fit gets
        # KAFKA_STORAGE_ERROR, the hub stays up, keeps serving what it has, and restarts.
        # The records carry an old fixed timestamp: retention (started early by the byte budget
        # near a full store) would rightly delete them, so it is off here.
        with th.Hub(extra_args=["--lmdb.map.size", str(2 << 20), "--log.retention.ms", "-1"],
                    name="qemu-full") as hub:
            th.create_topic(hub, "full", 1)
            value = b"v" * 1000
            stored = 0
            err = 0
            with hub.connect() as c:
                for n in range(200):
                    recs = [kafka_raw.Record(b"k%d" % n, value) for _ in range(64)]
                    err, _ = kafka_raw.produce(c, "full", 0, kafka_raw.encode_record_batch(recs))
                    if err != kafka_raw.ERR_NONE:
                        break
                    stored += len(recs)
            self.assertEqual(err, ERR_KAFKA_STORAGE_ERROR,
                             "expected KAFKA_STORAGE_ERROR once the map is full\n"
                             + hub.log_text(40))
            self.assertGreater(stored, 0)
            hub.assert_alive()
            with hub.connect() as c:
                records, _, hw = kafka_raw.fetch_all(c, "full", 0)
            self.assertEqual((len(records), hw), (stored, stored))
            self.assertEqual(hub.restart(), 0, hub.log_text(40))
            with hub.connect() as c:
                records, _, hw = kafka_raw.fetch_all(c, "full", 0)
            self.assertEqual((len(records), hw), (stored, stored))


if __name__ == "__main__":
    unittest.main(verbosity=2)
