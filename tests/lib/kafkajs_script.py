"""Runs one of the Node.js client scripts in tests/compat/<package> (kafkajs, platformatic)
against a hub, for the compat tests.

node_modules is installed by the setup script (`npm ci` in each of those directories); the tests
never touch the network. A script prints one JSON line with what kafkajs saw as its last line of output
and exits non-zero on any failure.
"""

import json
import os

import tern_harness as th

COMPAT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat")
KJS_DIR = os.path.join(COMPAT_DIR, "kafkajs")


def run(test, hub, script, *args, timeout=90, package="kafkajs", module="kafkajs"):
    """Runs `node <script> <args>` in tests/compat/<package>; fails `test` (a unittest.TestCase)
    with the script's output and the hub's log unless `module` is installed there and the script
    exits 0. Returns the JSON of its last line."""
    pkg_dir = os.path.join(COMPAT_DIR, package)
    pkg = os.path.join(pkg_dir, "node_modules", module, "package.json")
    test.assertTrue(os.path.isfile(pkg),
                    "%s is not installed: %s is missing. Run `npm ci` in %s (the setup "
                    "script does this; tests never download)." % (module, pkg, pkg_dir))
    node = os.environ.get("NODE", "node")
    p = th.run([node, os.path.join(pkg_dir, script)] + [str(a) for a in args],
               timeout=timeout, check=False, hub=hub)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    test.assertEqual(p.returncode, 0, "%s failed:\n%s\n%s\n%s"
                     % (script, th._tail(out), th._tail(err), hub.log_text(80)))
    return json.loads(out.strip().splitlines()[-1])
