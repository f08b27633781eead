#!/usr/bin/env python3
"""Disk space of the same records stored over 1, 8 and 64 partitions.

For each batch shape and partition count, starts `tern serve` on a fresh temporary data dir,
produces with `tern bench` (one record per batch: what sensors send, ~100 B values; and large
batches of 1000 records), stops the hub and measures the data dir with mdb_stat: pages in use
(pages up to the last one written minus the free list) x page size, next to `du` of data.mdb.
Prints one row per run and the ratio of each partition count to 1 partition. Exits non-zero if a
run failed, or if a ratio exceeds --max-ratio (the layout's bound: 1.15).

`tern bench` sends records without keys; its producer moves to another partition after every
batch (the Java client's sticky partitioner), so with one record per batch consecutive batches
land on different partitions: the interleaving that keyed sensor records produce.

  TERN_BIN=build/release/hub/tern tests/bench/space.py            # 100,000 one-record batches
  TERN_BIN=build/release/hub/tern tests/bench/space.py --records 20000 --partitions 1 8
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

import tern_harness as th  # noqa: E402

PRODUCE_RE = re.compile(r"produce: (\d+) records of (\d+) bytes")


def mdb_pages(data_dir):
    """(pages in use, page size) of a closed LMDB environment, from mdb_stat -ef."""
    out = subprocess.run(["mdb_stat", "-ef", data_dir], check=True, capture_output=True,
                         text=True).stdout
    used = int(re.search(r"Number of pages used: (\d+)", out).group(1))
    free = int(re.search(r"Free pages: (\d+)", out).group(1))
    page = int(re.search(r"Page size: (\d+)", out).group(1))
    return used - free, page


def du_bytes(path):
    out = subprocess.run(["du", "-B1", path], check=True, capture_output=True, text=True).stdout
    return int(out.split()[0])


def run_one(partitions, records, size, batch_records):
    hub = th.Hub(extra_args=["--flush.ms", "1000000000"], name="space")
    try:
        hub.start()
        p = th.tern_cli("bench", "--bootstrap-server", hub.bootstrap, "--topic", "space",
                        "--partitions", str(partitions), "--records", str(records),
                        "--record-size", str(size), "--batch-records", str(batch_records),
                        "--acks", "1", timeout=1800, hub=hub)
        out = p.stdout.decode("utf-8", "replace")
        m = PRODUCE_RE.search(out)
        if not m or int(m.group(1)) != records:
            raise th.ToolError("tern bench did not produce %d records:\n%s" % (records, out))
        hub.assert_alive()
        if hub.stop() != 0:
            raise th.ToolError("hub exit code != 0 after SIGTERM\n" + hub.log_text(20))
        pages, page_size = mdb_pages(hub.data_dir)
        return {"bytes": pages * page_size, "pages": pages,
                "du": du_bytes(os.path.join(hub.data_dir, "data.mdb"))}
    finally:
        hub.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--records", type=int, default=100000, help="records per run")
    ap.add_argument("--record-size", type=int, default=100)
    ap.add_argument("--partitions", type=int, nargs="+", default=[1, 8, 64])
    ap.add_argument("--large-batch-records", type=int, default=1000,
                    help="records per batch of the large-batch runs (0: skip them)")
    ap.add_argument("--max-ratio", type=float, default=1.15)
    args = ap.parse_args()
    th.tern_bin()
    shapes = [("1 record/batch", 1)]
    if args.large_batch_records > 0:
        shapes.append(("%d records/batch" % args.large_batch_records, args.large_batch_records))
    print("%d records of %d B, one hub per run on a fresh data dir (%s)"
          % (args.records, args.record_size, os.uname().machine))
    print("%-20s %10s %12s %10s %12s %8s" % ("batches", "partitions", "used bytes", "pages",
                                            "du data.mdb", "ratio"))
    failed = False
    for name, batch_records in shapes:
        base = None
        for partitions in args.partitions:
            r = run_one(partitions, args.records, args.record_size, batch_records)
            if base is None:
                base = r["bytes"]
            ratio = r["bytes"] / base
            failed = failed or ratio > args.max_ratio
            print("%-20s %10d %12d %10d %12d %8.3f" % (name, partitions, r["bytes"], r["pages"],
                                                       r["du"], ratio))
            sys.stdout.flush()
    if failed:
        print("FAIL: a ratio exceeds %.2f" % args.max_ratio)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
