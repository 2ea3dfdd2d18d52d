"""``make demo``: the lab's broken chains and servers, each diagnosed.

First the certificate chains (``tlsdoctor cert``), then every lab server
started on 127.0.0.1 and checked live (``tlsdoctor check``).  Everything is
local: certificates are generated on the spot; nothing but loopback is touched.  The demo checks itself — each case's first
finding must be the one the manifest expects — and exits 1 if one is not.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile

from tlsdoctor.lab.chains import CASES
from tlsdoctor.model import Report, Severity


def _condensed(report: Report) -> Report:
    """The root cause in full; the other findings by title only."""
    if not report.findings:
        return dataclasses.replace(
            report,
            passed=(),
            not_checked=(),
            summary=f"No problems found ({len(report.passed)} checks passed).",
        )
    first = report.findings[0]
    rest = tuple(
        dataclasses.replace(f, evidence=(), fixes=(), clients={}, refs=(), detail=None)
        for f in report.findings[1:]
    )
    return dataclasses.replace(report, findings=(first, *rest), passed=(), not_checked=())


def run_demo(fmt: str = "terminal") -> int:
    from tlsdoctor.engine import diagnose_cert_files
    from tlsdoctor.report import render

    color = sys.stdout.isatty()
    failures = []
    with tempfile.TemporaryDirectory(prefix="tlsdoctor-demo-") as tmp:
        for case in CASES:
            built = case.build()
            paths = built.write(f"{tmp}/{case.name}")
            report = diagnose_cert_files(
                [paths["served"]],
                host=built.host,
                ca_files=[paths["ca"]] if "ca" in paths else [],
                key_file=paths.get("key"),
            )
            first = report.findings[0].id if report.findings else None
            if case.expect_first is None:
                ok = not any(f.severity >= Severity.WARN for f in report.findings)
            else:
                ok = first == case.expect_first
            if not ok:
                failures.append(f"{case.name}: expected {case.expect_first}, got {first}")
            sys.stdout.write(f"\n=== {case.name}: {case.description}\n")
            cmd = f"$ tlsdoctor cert served.pem --host {built.host}"
            cmd += " --ca ca.pem" if "ca" in paths else ""
            cmd += " --key server.key" if "key" in paths else ""
            sys.stdout.write(cmd + "\n")
            report = dataclasses.replace(report, subject=f"served.pem ({case.name})")
            shown = _condensed(report) if fmt == "terminal" else report
            sys.stdout.write(render(shown, fmt, color=color))
    chain_failures = len(failures)
    live, skipped = _live(fmt, color, failures)
    sys.stdout.write(
        f"\n{len(CASES)} chains diagnosed, "
        f"{len(CASES) - chain_failures} with the expected root cause.\n"
    )
    sys.stdout.write(
        f"{live} lab servers checked live, {live - (len(failures) - chain_failures)} with the "
        f"expected root cause" + (f"; skipped: {', '.join(skipped)}" if skipped else "") + ".\n"
    )
    for line in failures:
        sys.stdout.write(f"UNEXPECTED: {line}\n")
    return 1 if failures else 0


def _live(fmt: str, color: bool, failures: list[str]) -> tuple[int, list[str]]:
    """Start each lab server on 127.0.0.1, check it, stop it."""
    from tlsdoctor.engine import check_options, diagnose_check
    from tlsdoctor.lab import servers
    from tlsdoctor.report import render

    count = 0
    skipped: list[str] = []
    for sc in servers.SCENARIOS:
        missing = sc.missing()
        if missing:
            skipped.append(f"{sc.name} (no {', '.join(missing)})")
            continue
        try:
            srv = servers.start(sc)
        except RuntimeError as e:
            skipped.append(f"{sc.name} ({e})")
            continue
        try:
            args = servers.check_args(srv)
            timeout = float(args[args.index("--timeout") + 1]) if "--timeout" in args else 10.0
            ca = [srv.files["ca"]] if "ca" in srv.files else []
            report = diagnose_check(
                check_options(args[0], sni=args[2], timeout=timeout), ca_files=ca
            )
        finally:
            servers.stop(srv)
        count += 1
        first = report.findings[0].id if report.findings else None
        if sc.expect_live is None:
            ok = not any(f.severity >= Severity.WARN for f in report.findings)
        else:
            ok = first == sc.expect_live
        if not ok:
            failures.append(f"live {sc.name}: expected {sc.expect_live}, got {first}")
        sys.stdout.write(f"\n=== live {sc.name}: {sc.description}\n")
        sys.stdout.write(f"$ tlsdoctor check {' '.join(args)}\n")
        report = dataclasses.replace(report, subject=f"{sc.name} on {srv.address}", ladders=())
        shown = _condensed(report) if fmt == "terminal" else report
        sys.stdout.write(render(shown, fmt, color=color))
    return count, skipped
