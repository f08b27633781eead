"""Installs the amd64 .deb on this machine and runs it like systemd would, without systemd.

1. cpack builds the package from this build tree; its contents are checked (deb_checks).
2. dpkg -i (twice: fresh install, then the upgrade path of the maintainer scripts).
3. The `tern` system user, /var/lib/tern, the conffile and the unit are checked; the unit passes
   `systemd-analyze verify`.
4. The unit's ExecStart runs as `tern` (setpriv, no new privileges, no capabilities), with one
   override so it does not need the well-known port: --listeners PLAINTEXT://127.0.0.1:0.
   kcat produces and consumes 1,000 records; SIGTERM stops it cleanly.
5. dpkg -r keeps data, config and user; dpkg -P removes everything: files, data, user and group
   (our purge policy, see packaging/debian/postrm), and nothing on the system is left owned by
   the old uid.

Needs root (dpkg). It refuses to touch a `tern` package or user that it did not install.
Environment: TERN_BUILD_TREE (the tree to package), TERN_DEB_ARCH (its Debian architecture),
TERN_EXPECTED_CONFIG (the server.properties the package must ship).
"""

import os
import pwd
import grp
import subprocess
import time
import unittest

import deb_checks
import tern_harness as th

PACKAGE_FILES = ["/usr/bin/tern", deb_checks.CONFIG_PATH, deb_checks.UNIT_PATH,
                 "/usr/share/doc/tern/README.md"]
RECORDS = 1000
# key:value lines, placed by the Java client's murmur2 partitioner (kcat's default differs).
KCAT_KEYED = ("-K", ":", "-X", "partitioner=murmur2_random")


def dpkg(*args):
    """dpkg with the lock waited for (other engineers' apt-get may hold it)."""
    deadline = time.monotonic() + 300
    while True:
        p = subprocess.run(["dpkg"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        out = p.stdout.decode("utf-8", "replace")
        if p.returncode == 0:
            return out
        if "lock" in out and time.monotonic() < deadline:
            time.sleep(3)
            continue
        raise AssertionError("dpkg %s failed (%d):\n%s" % (" ".join(args), p.returncode, out))


def installed_version():
    p = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Status} ${Version}", "tern"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if p.returncode != 0:
        return None
    status, _, version = p.stdout.decode().partition(" ")
    return version if status not in ("not-installed", "") else None


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def group_exists(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


class InstalledHub(th.Hub):
    """The package's ExecStart as user tern, instead of the harness's `$TERN_BIN serve ...`."""

    def __init__(self, exec_start):
        super().__init__(data_dir="/var/lib/tern", name="deb-hub")
        self.exec_start = exec_start

    def command(self):
        return (["setpriv", "--reuid=tern", "--regid=tern", "--init-groups", "--no-new-privs",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
                + self.exec_start + ["--listeners", "PLAINTEXT://127.0.0.1:0"])


class DebInstall(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.fail("this test installs a .deb with dpkg: run it as root (CI does)")
        self.tree = os.environ["TERN_BUILD_TREE"]
        self.deb = deb_checks.build_deb(self, self.tree)
        version = deb_checks.control(self.deb)["Version"]
        have = installed_version()
        if have is not None and have != version:
            self.fail("tern %s is installed on this machine; this test installs and purges its "
                      "own package: purge it first (dpkg -P tern)" % have)
        if have is None and (user_exists("tern") or group_exists("tern")):
            self.fail("a `tern` user or group exists without the package: purging the package "
                      "would delete it; remove it first (deluser --system tern)")
        if have is not None:
            dpkg("--purge", "tern")  # a leftover of an interrupted run of this very test

    def tearDown(self):
        if installed_version() is not None:
            dpkg("--purge", "tern")

    def test_install_run_purge(self):
        root = deb_checks.check_deb(self, self.deb, os.environ["TERN_DEB_ARCH"],
                                   os.environ["TERN_EXPECTED_CONFIG"])
        unit = deb_checks.read_text(os.path.join(root, deb_checks.UNIT_PATH.lstrip("/")))

        dpkg("-i", self.deb)
        dpkg("-i", self.deb)  # again: the upgrade path (postinst configure <old version>)
        self.check_installed()
        self.run_as_service(deb_checks.exec_start(unit))

        dpkg("--remove", "tern")
        for path in PACKAGE_FILES:
            if path != deb_checks.CONFIG_PATH:
                self.assertFalse(os.path.exists(path), "%s left after remove" % path)
        self.assertTrue(os.path.exists(deb_checks.CONFIG_PATH), "remove must keep the conffile")
        self.assertTrue(os.path.exists("/var/lib/tern/data.mdb"), "remove must keep the data")
        self.assertTrue(user_exists("tern"), "remove must keep the user")
        uid, gid = pwd.getpwnam("tern").pw_uid, grp.getgrnam("tern").gr_gid

        dpkg("--purge", "tern")
        self.assertIsNone(installed_version())
        for path in PACKAGE_FILES + ["/etc/tern", "/var/lib/tern", "/usr/share/doc/tern"]:
            self.assertFalse(os.path.exists(path), "%s left after purge" % path)
        self.assertFalse(user_exists("tern"), "user tern left after purge")
        self.assertFalse(group_exists("tern"), "group tern left after purge")
        left = subprocess.run(["find", "/etc", "/var", "/tmp", "/run", "/usr", "-xdev", "(",
                               "-uid", str(uid), "-o", "-gid", str(gid), ")", "-print"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
        self.assertEqual(left, "", "files still owned by the old tern uid/gid:\n" + left)

    def check_installed(self):
        for path in PACKAGE_FILES:
            self.assertTrue(os.path.exists(path), path)
        out = subprocess.run(["/usr/bin/tern", "--version"], stdout=subprocess.PIPE, check=True)
        self.assertTrue(out.stdout.startswith(b"tern "), out.stdout)
        conffiles = subprocess.run(["dpkg-query", "-W", "-f", "${Conffiles}", "tern"],
                                   stdout=subprocess.PIPE, check=True).stdout.decode()
        self.assertIn(deb_checks.CONFIG_PATH, conffiles)

        user = pwd.getpwnam("tern")
        self.assertLess(user.pw_uid, 1000, "tern must be a system user")
        self.assertEqual(user.pw_dir, "/var/lib/tern")
        self.assertEqual(user.pw_shell, "/usr/sbin/nologin")
        self.assertEqual(grp.getgrgid(user.pw_gid).gr_name, "tern")
        st = os.stat("/var/lib/tern")
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777),
                         (user.pw_uid, user.pw_gid, 0o750))
        st = os.stat(deb_checks.CONFIG_PATH)
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (0, user.pw_gid, 0o640))

        # The unit as systemd reads it (offline: no running systemd needed).
        if subprocess.run(["which", "systemd-analyze"], stdout=subprocess.DEVNULL).returncode == 0:
            p = subprocess.run(["systemd-analyze", "verify", deb_checks.UNIT_PATH],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            self.assertEqual(p.returncode, 0, p.stdout.decode())

    def run_as_service(self, exec_start):
        os.environ["TERN_BIN"] = "/usr/bin/tern"  # the harness and tern_cli use the installed one
        self.assertEqual(exec_start[:4],
                         ["/usr/bin/tern", "serve", "--config", deb_checks.CONFIG_PATH])
        with InstalledHub(exec_start) as hub:
            with open("/proc/%d/status" % hub.proc.pid) as f:
                status = f.read()
            uid = pwd.getpwnam("tern").pw_uid
            self.assertIn("\nUid:\t%d\t%d\t%d\t%d\n" % (uid, uid, uid, uid), status)
            self.assertIn("\nNoNewPrivs:\t1\n", status)
            self.assertIn("\nCapEff:\t0000000000000000\n", status)

            th.create_topic(hub, "deb", 2)
            lines = ["k%d:installed-%04d" % (i % 10, i) for i in range(RECORDS)]
            th.kcat_produce(hub, "deb", lines, *KCAT_KEYED)
            recs = th.parse_kcat_records(th.kcat_consume(hub, "deb"))
            self.assertEqual(sorted((k, v) for _, _, k, v in recs),
                             sorted(tuple(l.split(":", 1)) for l in lines))
            for p, _, k, _ in recs:
                self.assertEqual(p, th.java_partition(k, 2))
            self.assertEqual(hub.stop(), 0, hub.log_text(40))
        st = os.stat("/var/lib/tern/data.mdb")
        self.assertEqual(st.st_uid, pwd.getpwnam("tern").pw_uid, "data written as tern")


if __name__ == "__main__":
    unittest.main(verbosity=2)
