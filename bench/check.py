"""Default live check: tlsdoctor beside sslyze and testssl.sh on the same lab server.

Run: `.venv/bin/python bench/check.py [--runs N] [--skip-testssl]`.

Prints wall times, ratios and handshake (TCP connection) counts, and the
silent-server case: tlsdoctor's end time against its own deadline.  Goals: a
default check at most 1 s and at least 5x faster than sslyze's default scan; a
silent server ends within the deadline plus 10%.
"""

from __future__ import annotations

import argparse
import json
import statistics

from _common import SSLYZE, TLSDOCTOR, SynCounter, ensure_sslyze, testssl, timed

from tlsdoctor.lab import servers


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-testssl", action="store_true")
    args = ap.parse_args()

    with servers.running("healthy") as srv:
        ca = srv.files["ca"]
        ours = []
        for _ in range(args.runs):
            t, p = timed(
                [
                    *TLSDOCTOR,
                    "check",
                    srv.address,
                    "--sni",
                    "localhost",
                    "--ca",
                    ca,
                    "--format",
                    "json",
                ]
            )
            ours.append(t)
        doc = json.loads(p.stdout)
        inner = doc["facts"]["scans"][0]["elapsed_s"]
        hs = doc["facts"]["scans"][0]["handshakes"]
        with SynCounter(srv.port) as c:
            timed([*TLSDOCTOR, "check", srv.address, "--sni", "localhost", "--ca", ca])
        ours_conn = c.count
        print(
            f"tlsdoctor check   median {statistics.median(ours):6.3f} s wall (check itself {inner:.3f} s), "
            f"{hs} handshakes, {ours_conn} TCP connections"
        )

        if ensure_sslyze():
            theirs = []
            for _ in range(max(1, args.runs // 2)):
                t, _p = timed([*SSLYZE, srv.address, "--quiet"])
                theirs.append(t)
            with SynCounter(srv.port) as c:
                timed([*SSLYZE, srv.address, "--quiet"])
            m = statistics.median(theirs)
            print(f"sslyze (default)  median {m:6.3f} s wall, {c.count} TCP connections")
            print(f"ratio sslyze/tlsdoctor: {m / statistics.median(ours):5.1f}x  (goal >= 5x)")
        else:
            print("sslyze: skipped (could not install)")

        ts = testssl()
        if ts and not args.skip_testssl:
            with SynCounter(srv.port) as c:
                t, _p = timed(
                    [*ts, "--quiet", "--color", "0", "--warnings", "off", srv.address], timeout=900
                )
            print(f"testssl.sh        {t:6.3f} s wall, {c.count} TCP connections")
            print(f"ratio testssl/tlsdoctor: {t / statistics.median(ours):5.1f}x")
        else:
            print("testssl.sh: skipped")
        print(f"goal default check <= 1 s: {'met' if statistics.median(ours) <= 1 else 'NOT met'}")

    with servers.running("silent") as srv:
        for deadline in (1.0, 3.0):
            t, p = timed(
                [*TLSDOCTOR, "check", srv.address, "--timeout", str(deadline), "--format", "json"]
            )
            inner = json.loads(p.stdout)["facts"]["scans"][0]["elapsed_s"]
            print(
                f"silent server, --timeout {deadline}: probes ended at {inner:.3f} s; the "
                f"command ended at {t:.3f} s ({t / deadline * 100 - 100:+.1f}% of the deadline; "
                f"goal <= +10%: {'met' if t <= deadline * 1.1 else 'NOT met'})"
            )
        if ensure_sslyze():
            t, _p = timed([*SSLYZE, srv.address, "--quiet"], timeout=300)
            print(f"silent server, sslyze: {t:.1f} s")


if __name__ == "__main__":
    main()
