"""The handshake half of the client simulator: each distinct client's own ClientHello, once.

After the default check, every client profile's ClientHello (its versions,
cipher suites in order, groups, key shares, signature schemes and extensions,
RFC 8446 §4.1.2) is sent to the server, and the probe stops at the ServerHello
(RFC 8446 §4.1.3): whether the server answers, and with which version, suite
and group, is that client's handshake verdict.  Profiles whose hellos are
identical share one connection, so the matrix costs at most
:data:`MAX_SIMULATED` extra handshakes, each kept as an
:class:`~tlsdoctor.model.Attempt` (purpose ``"client IDS"``) and counted in
the report.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any

from tlsdoctor.model import Attempt, Evidence
from tlsdoctor.sources.probe.check import CheckOptions, Probe
from tlsdoctor.sources.probe.transport import Deadline, parse_target
from tlsdoctor.wire.client import ClientConfig
from tlsdoctor.wire.hello import ClientHelloProfile

MAX_SIMULATED = 30


async def _run(
    evidence: Evidence, opts: CheckOptions, hellos: Mapping[str, ClientHelloProfile]
) -> tuple[Evidence, dict[str, Attempt]]:
    if not evidence.scans:
        return evidence, {}
    scan = evidence.scans[0]
    if scan.transport is not None or not scan.addresses:
        return evidence, {}
    target = parse_target(opts.target)
    deadline = Deadline(max(2.0, opts.timeout))
    address = next((a.address for a in scan.addresses if a.ok), scan.addresses[0].address)
    p = Probe(
        opts,
        target,
        deadline,
        address=address,
        sni=scan.sni,
        sem=asyncio.Semaphore(max(1, opts.concurrency)),
    )
    groups: dict[ClientHelloProfile, list[str]] = {}
    for pid, hello in hellos.items():
        groups.setdefault(dataclasses.replace(hello, sni=scan.sni is not None), []).append(pid)
    todo = list(groups.items())[:MAX_SIMULATED]

    async def one(hello: ClientHelloProfile, ids: list[str]) -> tuple[list[str], Attempt]:
        config = ClientConfig(
            profile=hello, server_name=scan.sni, stop_after=("ServerHello",), replay=True
        )
        s = await p.attempt("client " + ",".join(ids), config, "hello")
        return ids, s.attempt

    results = await asyncio.gather(*(one(h, ids) for h, ids in todo))
    out: dict[str, Attempt] = {}
    for ids, att in results:
        for pid in ids:
            out[pid] = att
    new_scan = dataclasses.replace(scan, attempts=scan.attempts + tuple(p.attempts))
    return dataclasses.replace(evidence, scans=(new_scan, *evidence.scans[1:])), out


def simulate_hellos(
    evidence: Evidence, opts: Any, hellos: Mapping[str, ClientHelloProfile]
) -> tuple[Evidence, dict[str, Attempt]]:
    """Send each distinct hello once; the evidence (with the attempts added) and
    each profile's Attempt."""
    return asyncio.run(_run(evidence, opts, hellos))
