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
from tlsdoctor.lab.expect import first_finding, meets
from tlsdoctor.model import Report


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


def _show(title: str, command: str, report: Report, fmt: str, color: bool) -> None:
    """One case: its title, the command a person would run, and the diagnosis
    (condensed in the terminal)."""
    from tlsdoctor.report import render

    sys.stdout.write(f"\n=== {title}\n{command}\n")
    shown = _condensed(report) if fmt == "terminal" else report
    sys.stdout.write(render(shown, fmt, color=color))


def run_demo(fmt: str = "terminal") -> int:
    from tlsdoctor.engine import diagnose_cert_files

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
            if not meets(report, case.expect_first):
                failures.append(
                    f"{case.name}: expected {case.expect_first}, got {first_finding(report)}"
                )
            cmd = f"$ tlsdoctor cert served.pem --host {built.host}"
            cmd += " --ca ca.pem" if "ca" in paths else ""
            cmd += " --key server.key" if "key" in paths else ""
            report = dataclasses.replace(report, subject=f"served.pem ({case.name})")
            _show(f"{case.name}: {case.description}", cmd, report, fmt, color)
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
        target = servers.check_target(srv)
        try:
            opts = check_options(
                target.address,
                sni=target.sni,
                timeout=target.timeout if target.timeout is not None else 10.0,
            )
            report = diagnose_check(opts, ca_files=[target.ca] if target.ca else [])
        finally:
            servers.stop(srv)
        count += 1
        if not meets(report, sc.expect_live):
            failures.append(
                f"live {sc.name}: expected {sc.expect_live}, got {first_finding(report)}"
            )
        report = dataclasses.replace(report, subject=f"{sc.name} on {srv.address}", ladders=())
        command = f"$ tlsdoctor check {' '.join(target.args())}"
        _show(f"live {sc.name}: {sc.description}", command, report, fmt, color)
    return count, skipped
