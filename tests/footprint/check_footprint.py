"""Footprint budget check: the stripped `tern` binary's size and, natively, the idle hub's RSS.

usage: check_footprint.py <budget.toml> <arch> <stripped tern> [--rss]

Fails when the stripped binary is larger than `[<arch>] stripped_bytes` of the budget file, when
its assertions were compiled out (TERN_ASSERT's message and at least one condition text must
be in the binary: our assertions stay on in every build type), or, with --rss (native builds only: under qemu-user the RSS is qemu's), when `tern
serve` on a fresh data dir has a VmRSS above `idle_rss_kib` (or anonymous RSS above
`idle_anon_kib`) two seconds after it listens.

It prints the section sizes and the RSS breakdown either way, so a failing run says where the
bytes went. Raising a budget is a commit to budget.toml that says why.
"""

import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import tomllib

READY_TIMEOUT_S = 20
IDLE_WAIT_S = 2.0
LISTENING_RE = re.compile(rb"listening on PLAINTEXT://127\.0\.0\.1:(\d+)")


def elf_sections(path):
    """(name, size) of every allocated section of an ELF file (32/64-bit, little-endian)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[5] != 1:
        raise AssertionError("%s is not a little-endian ELF file" % path)
    is64 = data[4] == 2
    if is64:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        fmt, flags_at, size_at, name_at, off_at = "<IIQQQQ", 2, 5, 0, 4
    else:
        shoff, = struct.unpack_from("<I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
        fmt, flags_at, size_at, name_at, off_at = "<IIIIII", 2, 5, 0, 4
    headers = [struct.unpack_from(fmt, data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = headers[shstrndx][off_at]

    def name(h):
        start = strtab_off + h[name_at]
        return data[start:data.index(b"\0", start)].decode()

    SHF_ALLOC = 2
    return [(name(h), h[size_at]) for h in headers if h[flags_at] & SHF_ALLOC and h[size_at]], data


def check_size(budget, arch, path):
    limit = budget["stripped_bytes"]
    size = os.path.getsize(path)
    sections, data = elf_sections(path)
    print("%s: stripped %s is %d bytes (%.2f MiB); budget %d bytes, %.1f%% used"
          % (arch, path, size, size / 2**20, limit, 100.0 * size / limit))
    for name, n in sorted(sections, key=lambda s: -s[1])[:8]:
        print("  %-20s %9d" % (name, n))
    failures = []
    if size > limit:
        failures.append("stripped binary is %d bytes, over the %s budget of %d by %d: find what grew "
                        "(nm --size-sort -C on the unstripped hub/tern) or raise the budget in a "
                        "commit that says why" % (size, arch, limit, size - limit))
    # TERN_ASSERT (common/include/tern/common/check.h) keeps its message and the text of each
    # condition; e.g. the record batch writer's header size check is always there.
    if b"tern: assertion failed: " not in data or b"bytes.size() == header_size" not in data:
        failures.append("TERN_ASSERT's message or conditions are missing: assertions were compiled "
                        "out; they must stay on in every build type")
    return failures


def rss_breakdown(pid):
    status = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    return status


def check_rss(budget, arch, binary):
    limit = budget["idle_rss_kib"]
    data_dir = tempfile.mkdtemp(prefix="tern-footprint-")
    proc = subprocess.Popen([binary, "serve", "--listeners", "PLAINTEXT://127.0.0.1:0",
                             "--log.dirs", data_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        log = b""
        deadline = time.monotonic() + READY_TIMEOUT_S
        os.set_blocking(proc.stdout.fileno(), False)
        while not LISTENING_RE.search(log):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("tern serve did not start:\n" + log.decode(errors="replace"))
            time.sleep(0.05)
            log += proc.stdout.read() or b""
        time.sleep(IDLE_WAIT_S)
        status = rss_breakdown(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    rss = int(status["VmRSS"].split()[0])
    print("%s: idle `tern serve` VmRSS %d KiB; budget %d KiB, %.1f%% used"
          % (arch, rss, limit, 100.0 * rss / limit))
    for key in ("RssAnon", "RssFile", "RssShmem", "VmSize", "Threads"):
        print("  %-10s %s" % (key, status.get(key, "?")))
    failures = []
    if rss > limit:
        failures.append("idle RSS is %d KiB, over the %s budget of %d KiB: see /proc/<pid>/smaps of "
                        "an idle hub for what grew, or raise the budget in a commit that says why"
                        % (rss, arch, limit))
    # The hub's own memory (heap, stacks, static buffers): steadier than VmRSS, whose file pages
    # depend on what the page cache holds, so its budget can be tight.
    anon = int(status["RssAnon"].split()[0])
    anon_limit = budget.get("idle_anon_kib")
    if anon_limit is not None and anon > anon_limit:
        failures.append("idle anonymous RSS is %d KiB, over the %s budget of %d KiB"
                        % (anon, arch, anon_limit))
    return failures


def main(argv):
    if len(argv) not in (4, 5) or (len(argv) == 5 and argv[4] != "--rss"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    budget_file, arch, binary = argv[1:4]
    with open(budget_file, "rb") as f:
        budgets = tomllib.load(f)
    if arch not in budgets:
        print("%s has no [%s] budget" % (budget_file, arch), file=sys.stderr)
        return 1
    if not os.path.isfile(binary):
        print("%s does not exist: build target tern_stripped first" % binary, file=sys.stderr)
        return 1
    failures = check_size(budgets[arch], arch, binary)
    if len(argv) == 5:
        failures += check_rss(budgets[arch], arch, binary)
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
