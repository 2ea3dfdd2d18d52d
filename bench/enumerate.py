"""Full enumeration: `tlsdoctor check --full` beside sslyze's and testssl.sh's.

Run: `.venv/bin/python bench/enumerate.py [--runs N] [--skip-testssl]`.

All three enumerate protocol versions and cipher suites of the same lab server
(the RSA-1024 scenario at SECLEVEL 0, which accepts many suites).  Prints wall
times, ratios and handshake counts.  Goal: at least 20x faster than sslyze.
"""

from __future__ import annotations

import argparse
import json
import statistics

from _common import SSLYZE, SSLYZE_PY, TLSDOCTOR, SynCounter, ensure_sslyze, testssl, timed

from tlsdoctor.lab import servers

# sslyze's scan alone, timed inside its own interpreter (imports excluded), to set
# beside tlsdoctor's own probe time: the comparison without either start-up.
SSLYZE_INPROCESS = """
import sys, time
from sslyze import Scanner, ServerNetworkLocation, ServerScanRequest, ScanCommand
host, port = sys.argv[1], int(sys.argv[2])
cmds = {ScanCommand.SSL_2_0_CIPHER_SUITES, ScanCommand.SSL_3_0_CIPHER_SUITES,
        ScanCommand.TLS_1_0_CIPHER_SUITES, ScanCommand.TLS_1_1_CIPHER_SUITES,
        ScanCommand.TLS_1_2_CIPHER_SUITES, ScanCommand.TLS_1_3_CIPHER_SUITES,
        ScanCommand.ELLIPTIC_CURVES}
t0 = time.perf_counter()
sc = Scanner()
sc.queue_scans([ServerScanRequest(server_location=ServerNetworkLocation(host, port),
                                  scan_commands=cmds)])
for r in sc.get_results():
    assert r.scan_result is not None, r.scan_status
print(time.perf_counter() - t0)
"""

SSLYZE_ENUM = [
    "--sslv2",
    "--sslv3",
    "--tlsv1",
    "--tlsv1_1",
    "--tlsv1_2",
    "--tlsv1_3",
    "--elliptic_curves",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scenario", default="rsa1024-leaf")
    ap.add_argument("--skip-testssl", action="store_true")
    args = ap.parse_args()
    with servers.running(args.scenario) as srv:
        ours, enum_s = [], []
        for _ in range(args.runs):
            t, p = timed(
                [
                    *TLSDOCTOR,
                    "check",
                    srv.address,
                    "--sni",
                    "localhost",
                    "--full",
                    "--timeout",
                    "60",
                    "--format",
                    "json",
                ]
            )
            ours.append(t)
            enum_s.append(json.loads(p.stdout)["facts"]["scans"][0]["elapsed_s"])
        scan = json.loads(p.stdout)["facts"]["scans"][0]
        n_suites = sum(len(v) for v in scan["suites"].values())
        with SynCounter(srv.port) as c:
            timed(
                [
                    *TLSDOCTOR,
                    "check",
                    srv.address,
                    "--sni",
                    "localhost",
                    "--full",
                    "--timeout",
                    "60",
                ]
            )
        mo = statistics.median(ours)
        print(
            f"tlsdoctor --full  median {mo:6.3f} s wall (enumeration {scan['elapsed_s']:.3f} s), "
            f"{scan['handshakes']} handshakes, {c.count} TCP connections, {n_suites} suites accepted"
        )
        if ensure_sslyze():
            theirs = []
            for _ in range(max(1, args.runs // 2)):
                t, _p = timed([*SSLYZE, *SSLYZE_ENUM, srv.address, "--quiet"])
                theirs.append(t)
            with SynCounter(srv.port) as c:
                timed([*SSLYZE, *SSLYZE_ENUM, srv.address, "--quiet"])
            ms = statistics.median(theirs)
            print(f"sslyze enumerate  median {ms:6.3f} s wall, {c.count} TCP connections")
            print(f"ratio sslyze/tlsdoctor, whole commands: {ms / mo:5.1f}x  (goal >= 20x)")
            inner = []
            for _ in range(max(1, args.runs // 2)):
                _t, p = timed([SSLYZE_PY, "-c", SSLYZE_INPROCESS, "127.0.0.1", str(srv.port)])
                inner.append(float(p.stdout.strip().splitlines()[-1]))
            mi, me = statistics.median(inner), statistics.median(enum_s)
            print(
                f"scan phase only (no start-up): sslyze {mi:.3f} s, tlsdoctor {me:.3f} s: "
                f"{mi / me:5.1f}x"
            )
        ts = testssl()
        if ts and not args.skip_testssl:
            with SynCounter(srv.port) as c:
                t, _p = timed(
                    [*ts, "--quiet", "--color", "0", "--warnings", "off", "-p", "-e", srv.address],
                    timeout=900,
                )
            print(
                f"testssl.sh -p -e  {t:6.3f} s wall, {c.count} TCP connections; ratio {t / mo:5.1f}x"
            )


if __name__ == "__main__":
    main()
