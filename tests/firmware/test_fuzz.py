"""Builds tests/firmware/fuzz (libFuzzer + ASan + UBSan, clang) in this test's binary directory
and runs every target for TERN_FW_FUZZ_SECONDS (default 8) seconds: the firmware's response
parsers (ApiVersions, Metadata, InitProducerId, Produce, framing), the offline ring's restore,
and a whole producer session fed arbitrary broker responses. Seed corpora come from the golden
vectors in tests/compat/vectors. Any crash, sanitizer report, assertion or timeout fails."""

import os
import shutil
import struct
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
VECTORS = os.path.join(SOURCE, "tests", "compat", "vectors")


def vector(name):
    text = open(os.path.join(VECTORS, name)).read()
    return bytes.fromhex("".join(l for l in text.splitlines() if not l.startswith("#")))


def frame(correlation_id, body):
    return struct.pack(">ii", len(body) + 4, correlation_id) + body


def api_versions_body(apis, throttle=0):
    return (struct.pack(">hi", 0, len(apis)) + b"".join(struct.pack(">hhh", *a) for a in apis)
            + struct.pack(">i", throttle))


def ring_image():
    """head, tail and storage of a valid ring holding three small entries (tern_ring.h)."""
    storage = b""
    for payload in (b"\x00\xff\xffabcdefgh" + b"\x00\x02k1\x02v\x00", b"x" * 13, b"y"):
        storage += struct.pack("<HB", len(payload), 0) + payload
    return struct.pack("<HH", 0, len(storage)) + storage + b"\x00" * 40


def seeds():
    apis = [(0, 3, 7), (3, 0, 5), (18, 0, 2), (22, 0, 1)]
    md5 = vector("metadata_v5_response.hex")
    p7 = vector("produce_v7_response.hex")
    ipid = vector("init_producer_id_v1_response.hex")
    plain = (b"\x03" + frame(1, api_versions_body(apis)) + frame(2, md5) + frame(3, p7)
             + frame(4, p7))
    idem = (b"\x07" + frame(1, api_versions_body(apis)) + frame(2, ipid) + frame(3, md5)
            + frame(4, p7))
    return {
        "fuzz_api_versions": [b"\x01" + vector("api_versions_v1_response.hex"),
                              b"\x02" + vector("api_versions_unsupported_response.hex")],
        "fuzz_metadata": [bytes([v]) + vector("metadata_v%d_response.hex" % v) for v in (0, 1, 5)],
        "fuzz_init_producer_id": [b"\x01" + ipid],
        "fuzz_produce_response": [b"\x00" + vector("produce_v3_response.hex"), b"\x04" + p7],
        "fuzz_frame": [frame(7, p7)],
        "fuzz_ring_restore": [ring_image()],
        "fuzz_session": [plain, idem],
    }


def run(cmd, cwd=None, timeout=300, env=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace")


class FirmwareFuzzing(unittest.TestCase):

    def test_every_target_runs_clean(self):
        clang = shutil.which("clang")
        self.assertIsNotNone(clang, "clang not found (Debian: clang, libclang-rt-dev)")
        seconds = int(os.environ.get("TERN_FW_FUZZ_SECONDS", "8"))
        build = os.path.join(os.getcwd(), "fuzz-build")
        rc, out = run(["cmake", "-S", os.path.join(HERE, "fuzz"), "-B", build,
                       "-DCMAKE_C_COMPILER=" + clang])
        self.assertEqual(rc, 0, out[-4000:])
        rc, out = run(["cmake", "--build", build, "-j2"])
        self.assertEqual(rc, 0, out[-4000:])
        for target, inputs in sorted(seeds().items()):
            corpus = os.path.join(os.getcwd(), "fuzz-corpus", target)
            shutil.rmtree(corpus, ignore_errors=True)
            os.makedirs(corpus)
            for i, data in enumerate(inputs):
                with open(os.path.join(corpus, "seed%d" % i), "wb") as f:
                    f.write(data)
            artifacts = os.path.join(os.getcwd(), "fuzz-artifacts", target) + os.sep
            os.makedirs(artifacts, exist_ok=True)
            rc, out = run([os.path.join(build, target), "-max_total_time=%d" % seconds,
                           "-timeout=10", "-rss_limit_mb=2048", "-seed=1",
                           "-artifact_prefix=" + artifacts, corpus],
                          timeout=seconds + 120)
            stats = [l for l in out.splitlines() if "DONE" in l or "cov:" in l]
            sys.stdout.write("%s: %s\n" % (target, stats[-1] if stats else "?"))
            self.assertEqual(rc, 0, "%s found a problem (artifacts in %s):\n%s"
                             % (target, artifacts, out[-6000:]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
