"""The GoogleTest executables of a configured build tree.

Reads the CMake File API codemodel (build_cross.sh asks for it before configuring): every
executable that links libgtest is a unit test binary, whatever module added it. Run as a script,
prints their target names, one per line.
"""

import glob
import json
import os
import sys


def gtest_executables(tree):
    """[(target name, absolute path of the executable)] of `tree`."""
    reply = os.path.join(tree, ".cmake", "api", "v1", "reply")
    indexes = sorted(glob.glob(os.path.join(reply, "index-*.json")))
    if not indexes:
        raise SystemExit("no CMake File API reply in %s" % reply)
    with open(indexes[-1]) as f:
        index = json.load(f)
    with open(os.path.join(reply, index["reply"]["codemodel-v2"]["jsonFile"])) as f:
        model = json.load(f)
    build_dir = model["paths"]["build"]
    found = []
    for target in model["configurations"][0]["targets"]:
        with open(os.path.join(reply, target["jsonFile"])) as f:
            t = json.load(f)
        if t.get("type") != "EXECUTABLE":
            continue
        fragments = [c.get("fragment", "") for c in t.get("link", {}).get("commandFragments", [])]
        if any("libgtest" in frag or "gtest_main" in frag for frag in fragments):
            found.append((t["name"], os.path.join(build_dir, t["artifacts"][0]["path"])))
    return sorted(found)


if __name__ == "__main__":
    for name, _ in gtest_executables(sys.argv[1]):
        print(name)
