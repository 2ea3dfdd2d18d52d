"""Run the real clients and the simulator against the lab servers, and compare.

Used by tests/clients/test_real_clients.py; also runnable by hand
(``python tests/clients/matrix.py``) to print the whole comparison.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from realclients import CLIENTS, Result

from support import ALL_PEERS
from tlsdoctor.engine import check_options, diagnose_check
from tlsdoctor.lab import servers
from tlsdoctor.lab.pki import ca


@dataclass(frozen=True)
class Row:
    scenario: str
    client: str
    profile: str
    real: Result
    simulated: str
    reason: str


def _available(names: Iterable[str] | None = None) -> dict[str, object]:
    return {n: c for n, c in CLIENTS.items() if (names is None or n in names) and c.available()}


def scenarios() -> list[servers.Scenario]:
    return [s for s in servers.SCENARIOS if ALL_PEERS or not s.missing()]


SKIPPED: list[str] = []
"""Scenarios whose server would not start here (reported by the test, not compared)."""


def _start(s: servers.Scenario, workdir: str) -> servers.Running | None:
    """Start one lab server; retry when a port picked in parallel was taken meanwhile."""
    for attempt in range(3):
        try:
            return servers.start(s, os.path.join(workdir, f"{s.name}-{attempt}"))
        except RuntimeError as e:
            if attempt == 2:
                logs = []
                base = os.path.join(workdir, f"{s.name}-{attempt}")
                for name in ("server.log", "error.log"):
                    path = os.path.join(base, name)
                    if os.path.exists(path):
                        with open(path, errors="replace") as fh:
                            logs.append(fh.read()[-400:])
                SKIPPED.append(f"{s.name}: {e}: {' | '.join(logs)}")
                return None
    return None


def run(
    workdir: str, names: Iterable[str] | None = None, only: Iterable[str] | None = None
) -> list[Row]:
    clients = _available(names)
    wanted = [s for s in scenarios() if only is None or s.name in only]
    dummy = os.path.join(workdir, "dummy-ca.pem")
    with open(dummy, "wb") as fh:
        fh.write(ca("Dummy Root").cert_pem())
    running: list[servers.Running] = []

    def start(s: servers.Scenario) -> None:
        srv = _start(s, workdir)
        if srv is not None:
            running.append(srv)  # at once: a failure later still stops it

    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(start, wanted))
        order = {s.name: i for i, s in enumerate(wanted)}
        running.sort(key=lambda r: order[r.scenario.name])
        rows: list[Row] = []
        profiles = sorted({c.profile for c in clients.values()})  # type: ignore[attr-defined]

        def simulate(srv: servers.Running) -> dict[str, tuple[str, str]]:
            host = str(srv.files.get("host", "localhost"))
            timeout = 1.5 if srv.scenario.name == "silent" else 6.0
            opts = check_options(srv.address, sni=host, timeout=timeout)
            report = diagnose_check(opts, ca_files=[srv.files.get("ca", dummy)], clients=profiles)
            matrix = report.facts["clients"]["matrix"]
            return {m["client"]: (m["verdict"], m["reason"]) for m in matrix}

        def real(name: str) -> dict[str, dict[int, Result]]:
            c = clients[name]
            out: dict[str, dict[int, Result]] = {}
            by_ca: dict[str, list[tuple[int, str]]] = {}
            for srv in running:
                by_ca.setdefault(srv.files.get("ca", dummy), []).append(
                    (srv.port, str(srv.files.get("host", "localhost")))
                )
            for ca_file, targets in by_ca.items():
                out[ca_file] = c.run(targets, ca_file)  # type: ignore[attr-defined]
            return out

        with ThreadPoolExecutor(4) as pool:
            sims = dict(
                zip([s.scenario.name for s in running], pool.map(simulate, running), strict=True)
            )
            reals = dict(zip(clients, pool.map(real, clients), strict=True))
        for srv in running:
            for name, c in clients.items():
                res = reals[name][srv.files.get("ca", dummy)][srv.port]
                verdict, reason = sims[srv.scenario.name].get(c.profile, ("missing", ""))  # type: ignore[attr-defined]
                rows.append(Row(srv.scenario.name, name, c.profile, res, verdict, reason))  # type: ignore[attr-defined]
        return rows
    finally:
        for srv in running:
            servers.stop(srv)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        only = sys.argv[1:] or None
        for r in run(d, only=only):
            agree = (r.real.ok and r.simulated == "pass") or (
                not r.real.ok and r.simulated == "fail"
            )
            mark = "  " if agree else "XX"
            print(
                f"{mark} {r.scenario:<28} {r.client:<8} real={'ok  ' if r.real.ok else 'FAIL'} sim={r.simulated:<5} {r.reason[:90]} | {r.real.detail[-110:]}"
            )
