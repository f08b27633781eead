"""Builds tests/fuzz (libFuzzer + ASan + UBSan, clang++) in this test's binary directory and
runs every hub fuzz target for TERN_HUB_FUZZ_SECONDS (default 10) seconds: every request header
and body of every advertised API and version (and every response, for the hub's client side), RecordBatch parsing and record decoding, each
decompressor, the SASL parsers and the config-file parsers. Seed corpora come from make_seeds
(valid messages from the codecs, the vectors in tests/compat/vectors, the shipped
server.properties files); every input in tests/fuzz/corpus/regression/<target> (inputs that
once found a bug) runs first. Any crash, sanitizer report, leak, failed property, timeout or
allocation past the memory limits fails."""

import glob
import os
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
REGRESSION = os.path.join(HERE, "corpus", "regression")

# Per target: the memory limits libFuzzer enforces. The decompressing targets inflate up to the
# hub's 64 MiB per batch: one allocation over 160 MB (a codec trusting a claimed size instead
# of the limit) fails them.
LIMITS = {
    "fuzz_request": ["-rss_limit_mb=2048"],
    "fuzz_response": ["-rss_limit_mb=2048"],
    "fuzz_record_batch": ["-rss_limit_mb=2048", "-malloc_limit_mb=160"],
    "fuzz_decompress": ["-rss_limit_mb=2048", "-malloc_limit_mb=160"],
    "fuzz_sasl": ["-rss_limit_mb=2048"],
    "fuzz_config": ["-rss_limit_mb=2048"],
}


def run(cmd, cwd=None, timeout=600, env=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace")


class HubFuzzing(unittest.TestCase):

    def test_every_target_runs_clean(self):
        clang = shutil.which("clang++")
        self.assertIsNotNone(clang, "clang++ not found (Debian: clang, libclang-rt-dev)")
        seconds = int(os.environ.get("TERN_HUB_FUZZ_SECONDS", "10"))
        build = os.path.join(os.getcwd(), "hub-fuzz-build")
        configure = ["cmake", "-S", HERE, "-B", build, "-DCMAKE_CXX_COMPILER=" + clang]
        if shutil.which("ccache"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        rc, out = run(configure)
        self.assertEqual(rc, 0, out[-4000:])
        rc, out = run(["cmake", "--build", build, "-j2"], timeout=1200)
        self.assertEqual(rc, 0, out[-4000:])

        corpus_root = os.path.join(os.getcwd(), "hub-fuzz-corpus")
        shutil.rmtree(corpus_root, ignore_errors=True)
        inputs = (sorted(glob.glob(os.path.join(SOURCE, "tests", "compat", "vectors", "*.hex")))
                  + [os.path.join(SOURCE, "packaging", "server.properties")]
                  + sorted(glob.glob(os.path.join(SOURCE, "boards", "*", "server.properties"))))
        rc, out = run([os.path.join(build, "make_seeds"), corpus_root] + inputs)
        self.assertEqual(rc, 0, out[-4000:])

        for target in sorted(LIMITS):
            corpus = os.path.join(corpus_root, target)
            self.assertTrue(os.listdir(corpus), "make_seeds wrote no seed for " + target)
            dirs = [corpus]
            if os.path.isdir(os.path.join(REGRESSION, target)):
                dirs.append(os.path.join(REGRESSION, target))  # read only: new inputs go to `corpus`
            artifacts = os.path.join(os.getcwd(), "hub-fuzz-artifacts", target) + os.sep
            os.makedirs(artifacts, exist_ok=True)
            rc, out = run([os.path.join(build, target), "-max_total_time=%d" % seconds,
                           "-timeout=10", "-seed=1", "-artifact_prefix=" + artifacts]
                          + LIMITS[target] + dirs, timeout=seconds + 300)
            stats = [l for l in out.splitlines() if "DONE" in l or "cov:" in l]
            sys.stdout.write("%s: %s\n" % (target, stats[-1] if stats else "?"))
            self.assertEqual(rc, 0, "%s found a problem (artifacts in %s):\n%s"
                             % (target, artifacts, out[-6000:]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
