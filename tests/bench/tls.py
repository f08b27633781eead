#!/usr/bin/env python3
"""`tern bench` over TLS: produce/consume throughput on PLAINTEXT and on the SSL listener with an
AES-GCM and a ChaCha20-Poly1305 suite (chosen by the hub's ssl.cipher.suites), plus full
(ECDHE-ECDSA) and PSK handshakes per second. Prints one line per run; exits non-zero if a run
failed or printed no figures (no timing thresholds: figures, not pass/fail).

  TERN_BIN=build/release/hub/tern tests/bench/tls.py --records 200000 --handshakes 1000
"""

import argparse
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import tern_harness as th  # noqa: E402
from test_tls import PSK_HEX, make_pki  # noqa: E402  (openssl CLI certificates)

SUITES = [
    ("PLAINTEXT", None),
    ("SSL AES-128-GCM", "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256,TLS-PSK-WITH-AES-128-GCM-SHA256"),
    ("SSL ChaCha20-Poly1305",
     "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256,TLS-PSK-WITH-CHACHA20-POLY1305-SHA256"),
]
PRODUCE_RE = re.compile(r"produce: \d+ records of \d+ bytes in [\d.]+ s: (\d+) records/s, ([\d.]+) MB/s")
CONSUME_RE = re.compile(r"consume: \d+ records in [\d.]+ s: (\d+) records/s, ([\d.]+) MB/s")
HANDSHAKE_RE = re.compile(r"handshakes: \d+ TLS handshakes .*: (\d+) handshakes/s")


def figure(pattern, text, what):
    m = pattern.search(text)
    if not m:
        raise SystemExit("no %s figure in:\n%s" % (what, text))
    return m.groups()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=int(os.environ.get("TERN_BENCH_RECORDS", 200000)))
    ap.add_argument("--handshakes", type=int,
                    default=int(os.environ.get("TERN_BENCH_HANDSHAKES", 1000)))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tern-bench-tls-") as d:
        make_pki(d)
        ssl_props = os.path.join(d, "ssl.properties")
        with open(ssl_props, "w") as f:
            f.write("security.protocol=SSL\nssl.ca.location=%s\n" % os.path.join(d, "ca.pem"))
        psk_props = os.path.join(d, "psk.properties")
        with open(psk_props, "w") as f:
            f.write("security.protocol=SSL\nssl.psk.identity=dev1\nssl.psk.key=%s\n" % PSK_HEX)
        print("| transport | produce records/s | MB/s | consume records/s | MB/s | full handshakes/s "
              "| PSK handshakes/s |")
        for name, suites in SUITES:
            flags = ["--listeners", "PLAINTEXT://127.0.0.1:0,SSL://localhost:0,PSK://127.0.0.1:0",
                     "--ssl.certificate.location", os.path.join(d, "server.pem"),
                     "--ssl.key.location", os.path.join(d, "server.key"),
                     "--psk.identities.location", os.path.join(d, "psk.txt")]
            if suites:
                flags += ["--ssl.cipher.suites", suites]
            with th.Hub(extra_args=flags, name="bench-tls") as hub:
                if suites:
                    where = ["--bootstrap-server", "localhost:%d" % hub.listener_port("SSL"),
                             "--command-config", ssl_props]
                else:
                    where = ["--bootstrap-server", hub.bootstrap]
                out = th.tern_cli("bench", *where, "--records", str(args.records), "--record-size",
                                  "100", timeout=600, hub=hub).stdout.decode()
                p = figure(PRODUCE_RE, out, "produce")
                c = figure(CONSUME_RE, out, "consume")
                full = psk = "-"
                if suites:
                    out = th.tern_cli("bench", *where, "--handshakes", str(args.handshakes),
                                      timeout=600, hub=hub).stdout.decode()
                    full = figure(HANDSHAKE_RE, out, "handshake")[0]
                    out = th.tern_cli("bench", "--bootstrap-server",
                                      "127.0.0.1:%d" % hub.listener_port("PSK"), "--command-config",
                                      psk_props, "--handshakes", str(args.handshakes * 4),
                                      timeout=600, hub=hub).stdout.decode()
                    psk = figure(HANDSHAKE_RE, out, "PSK handshake")[0]
                print("| %s | %s | %s | %s | %s | %s | %s |" % (name, p[0], p[1], c[0], c[1], full, psk),
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
