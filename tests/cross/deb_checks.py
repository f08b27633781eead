"""Build a tree's .deb with cpack and check what is in it (for the cross and package tests)."""

import glob
import os
import re
import shutil
import struct
import subprocess
import tempfile

# ELF e_machine of each Debian architecture we package.
ELF_MACHINE = {"amd64": 0x3E, "arm64": 0xB7, "armhf": 0x28}

UNIT_PATH = "/lib/systemd/system/tern.service"
CONFIG_PATH = "/etc/tern/server.properties"

# What the unit must say (issue: hardened, restart on failure).
UNIT_MUST_HAVE = [
    "User=tern", "Group=tern", "ProtectSystem=strict", "ReadWritePaths=/var/lib/tern",
    "NoNewPrivileges=yes", "Restart=on-failure", "ProtectHome=yes", "PrivateTmp=yes",
    "CapabilityBoundingSet=", "StateDirectory=tern",
]

# Runtime libraries tern links; each must show up in Depends (dpkg-shlibdeps).
LIB_PACKAGES = ["libc6", "libstdc++6", "libgcc-s1", "liblmdb0",
                "zlib1g", "libsnappy1v5", "liblz4-1", "libzstd1",  # codecs: common/compression.cpp
                "libmbedtls14", "libmbedx509-1", "libmbedcrypto7"]  # TLS listeners, tern pki


class DebError(AssertionError):
    pass


def sh(cmd, timeout=600, check=True, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, **kw)
    out = p.stdout.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise DebError("exit code %d: %s\n%s" % (p.returncode, " ".join(cmd), out[-4000:]))
    return out


def read_text(path):
    with open(path) as f:
        return f.read()


def build_deb(tc, tree):
    """Runs cpack in `tree` into a fresh directory (removed after the test `tc`); returns the
    path of the one .deb."""
    out_dir = tempfile.mkdtemp(prefix="tern-deb-")
    tc.addCleanup(shutil.rmtree, out_dir, True)
    config = os.path.join(tree, "CPackConfig.cmake")
    if not os.path.isfile(config):
        raise DebError("%s missing: is cmake/packaging.cmake included?" % config)
    sh(["cpack", "--config", config, "-B", out_dir, "-D", "CPACK_OUTPUT_FILE_PREFIX=" + out_dir])
    debs = glob.glob(os.path.join(out_dir, "*.deb"))
    if len(debs) != 1:
        raise DebError("expected one .deb in %s, found %r" % (out_dir, debs))
    return debs[0]


def control(deb):
    """The control fields of a .deb as a dict."""
    fields, key = {}, None
    for line in sh(["dpkg-deb", "-f", deb]).splitlines():
        if line.startswith(" ") and key:
            fields[key] += "\n" + line
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def contents(deb):
    """{path: (mode string, owner)} of the data archive."""
    out = {}
    for line in sh(["dpkg-deb", "-c", deb]).splitlines():
        parts = line.split(None, 5)
        path = parts[5].split(" -> ")[0]
        out[path[1:].rstrip("/") or "/"] = (parts[0], parts[1])
    return out


def extract(tc, deb):
    root = tempfile.mkdtemp(prefix="tern-deb-x-")
    tc.addCleanup(shutil.rmtree, root, True)
    sh(["dpkg-deb", "-x", deb, root])
    control_dir = os.path.join(root, "DEBIAN")
    sh(["dpkg-deb", "-e", deb, control_dir])
    return root


def elf_info(path):
    """(e_machine, has .symtab) of an ELF file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        raise DebError("%s is not ELF" % path)
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    machine = struct.unpack_from(end + "H", data, 18)[0]
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x3A)
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x2E)
    types = []
    for i in range(shnum):
        off = shoff + i * shentsize
        types.append(struct.unpack_from(end + "I", data, off + 4)[0])
    return machine, 2 in types  # SHT_SYMTAB = 2


def check_deb(tc, deb, arch, expected_config):
    """Checks a .deb built by cmake/packaging.cmake; returns the extracted root."""
    fields = control(deb)
    tc.assertEqual(fields.get("Package"), "tern")
    tc.assertEqual(fields.get("Architecture"), arch)
    depends = [d.strip() for d in fields.get("Depends", "").split(",")]
    names = [re.split(r"[ (]", d)[0] for d in depends]
    for lib in LIB_PACKAGES + ["adduser"]:
        tc.assertIn(lib, names, "Depends: %s" % fields.get("Depends"))
    # Architecture-qualified or -cross packages would mean shlibdeps looked at the wrong libs.
    tc.assertFalse([n for n in names if ":" in n or n.endswith("-cross")], fields.get("Depends"))

    files = contents(deb)
    regular = {p for p, (mode, _) in files.items() if mode.startswith("-")}
    tc.assertEqual(regular, {"/usr/bin/tern", CONFIG_PATH, UNIT_PATH,
                             "/usr/share/doc/tern/README.md"})
    for p, (mode, owner) in files.items():
        tc.assertEqual(owner, "root/root", p)
    tc.assertEqual(files["/usr/bin/tern"][0], "-rwxr-xr-x")

    root = extract(tc, deb)
    conffiles = read_text(os.path.join(root, "DEBIAN", "conffiles")).split()
    tc.assertEqual(conffiles, [CONFIG_PATH])
    for script in ("postinst", "prerm", "postrm"):
        tc.assertTrue(os.access(os.path.join(root, "DEBIAN", script), os.X_OK), script)
    machine, has_symtab = elf_info(os.path.join(root, "usr/bin/tern"))
    tc.assertEqual(machine, ELF_MACHINE[arch], "ELF machine of /usr/bin/tern")
    tc.assertFalse(has_symtab, "/usr/bin/tern is not stripped")
    tc.assertEqual(read_text(os.path.join(root, CONFIG_PATH.lstrip("/"))),
                   read_text(expected_config), "config is not %s" % expected_config)
    unit = read_text(os.path.join(root, UNIT_PATH.lstrip("/")))
    for line in UNIT_MUST_HAVE:
        tc.assertIn("\n" + line + "\n", unit, "unit lacks %s" % line)
    return root


def exec_start(unit_text):
    """The ExecStart command line of a unit, split like systemd does for simple commands."""
    for line in unit_text.splitlines():
        if line.startswith("ExecStart="):
            return line[len("ExecStart="):].split()
    raise DebError("no ExecStart in the unit")
