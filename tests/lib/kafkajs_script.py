"""Runs one of the kafkajs scripts in tests/compat/kafkajs against a hub, for the compat tests.

node_modules is installed by the setup script (`npm ci` in tests/compat/kafkajs); the tests never
touch the network. A script prints one JSON line with what kafkajs saw as its last line of output
and exits non-zero on any failure.
"""

import json
import os

import tern_harness as th

KJS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat", "kafkajs")


def run(test, hub, script, *args, timeout=90):
    """Runs `node <script> <args>`; fails `test` (a unittest.TestCase) with the script's output
    and the hub's log unless kafkajs is installed and the script exits 0. Returns the JSON of its
    last line."""
    pkg = os.path.join(KJS_DIR, "node_modules", "kafkajs", "package.json")
    test.assertTrue(os.path.isfile(pkg),
                    "kafkajs is not installed: %s is missing. Run `npm ci` in %s (the setup "
                    "script does this; tests never download)." % (pkg, KJS_DIR))
    node = os.environ.get("NODE", "node")
    p = th.run([node, os.path.join(KJS_DIR, script)] + [str(a) for a in args],
               timeout=timeout, check=False, hub=hub)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    test.assertEqual(p.returncode, 0, "%s failed:\n%s\n%s\n%s"
                     % (script, th._tail(out), th._tail(err), hub.log_text(80)))
    return json.loads(out.strip().splitlines()[-1])
