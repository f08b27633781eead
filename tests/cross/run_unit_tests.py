"""Runs every GoogleTest binary of a cross tree under qemu-user: one emulator start per binary
(not one per test case, as `ctest -L unit` would do: ~0.3 s of qemu start-up times a few hundred
cases), two at a time. Prints each binary's summary; fails with the output of the failing ones.

usage: run_unit_tests.py <cross tree> <qemu>
"""

import concurrent.futures
import os
import subprocess
import sys
import time

from gtest_targets import gtest_executables

TIMEOUT_S = 300


def run(qemu, name, path):
    start = time.monotonic()
    try:
        # TERN_UNDER_QEMU: the few tests that need the kernel's own behaviour (RLIMIT_AS) skip.
        p = subprocess.run([qemu, path, "--gtest_brief=1", "--gtest_color=no"],
                           cwd=os.path.dirname(path), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=TIMEOUT_S,
                           env=dict(os.environ, TERN_UNDER_QEMU="1"))
        out, rc = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode("utf-8", "replace") + "\nTIMEOUT", -1
    return name, rc, out, time.monotonic() - start


def main():
    tree, qemu = sys.argv[1], sys.argv[2]
    binaries = gtest_executables(tree)
    missing = [p for _, p in binaries if not os.path.isfile(p)]
    if not binaries or missing:
        sys.exit("unit test binaries missing in %s: %r (cross.build must run first)"
                 % (tree, missing or "none found"))
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for name, rc, out, secs in pool.map(lambda b: run(qemu, *b), binaries):
            summary = [l for l in out.splitlines() if l.startswith("[  PASSED  ]")
                       or l.startswith("[  FAILED  ]") or l.startswith("[==========]")]
            print("%-20s rc=%d %6.1fs  %s" % (name, rc, secs, " | ".join(summary[-2:])))
            if rc != 0:
                failed.append((name, out))
    for name, out in failed:
        print("\n==== %s ====\n%s" % (name, out[-20000:]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
