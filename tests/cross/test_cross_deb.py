"""The .deb of a cross build (arm64/armhf): built by CPack in the cross test tree, its control
data, files, conffile, Depends (dpkg-shlibdeps on the target's multiarch libraries) and a
stripped target binary that runs under qemu.

Environment: TERN_CROSS_TREE, TERN_DEB_ARCH, TERN_QEMU, TERN_EXPECTED_CONFIG.
"""

import os
import subprocess
import unittest

import deb_checks


class CrossDeb(unittest.TestCase):
    def test_deb(self):
        tree = os.environ["TERN_CROSS_TREE"]
        arch = os.environ["TERN_DEB_ARCH"]
        deb = deb_checks.build_deb(self, tree)
        self.assertTrue(os.path.basename(deb).endswith("_%s.deb" % arch), deb)
        root = deb_checks.check_deb(self, deb, arch, os.environ["TERN_EXPECTED_CONFIG"])
        out = subprocess.run([os.environ["TERN_QEMU"], os.path.join(root, "usr/bin/tern"),
                              "--version"], stdout=subprocess.PIPE, check=True, timeout=60)
        self.assertTrue(out.stdout.startswith(b"tern "), out.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
