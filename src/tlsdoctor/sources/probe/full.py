"""``--full``: enumerate every accepted version, cipher suite and group with raw ClientHellos.

Per protocol version, offer every assigned suite the version allows; the
server picks one; drop it and ask again until the server refuses — one
handshake per accepted suite plus one per version.  Server preference is
read by offering the accepted suites in reverse order once.  Groups: one
ClientHello per group; in TLS 1.3 with no key share, so the server must answer
with a HelloRetryRequest naming the group it accepts (RFC 8446 §4.1.4) — which
works even for groups this client cannot compute.
"""

from __future__ import annotations

import asyncio
import dataclasses

from tlsdoctor.model import ServerScan
from tlsdoctor.sources.probe.check import Probe, allowed_suites
from tlsdoctor.wire import registry
from tlsdoctor.wire.client import ClientConfig
from tlsdoctor.wire.constants import ExtensionType as XT
from tlsdoctor.wire.constants import ProtocolVersion as PV
from tlsdoctor.wire.events import MessageEvent
from tlsdoctor.wire.extensions import KeyShareHelloRetryRequest, KeyShareServerHello
from tlsdoctor.wire.hello import DEFAULT_SIGNATURE_ALGORITHMS
from tlsdoctor.wire.messages import ServerHello, ServerKeyExchange

# Groups worth asking for (RFC 8446 §4.2.7, RFC 7919, RFC 8422, draft hybrids).
GROUPS = (29, 23, 24, 25, 30, 256, 257, 258, 259, 260, 4588, 4587, 4589)


async def _suites_for(p: Probe, version: int) -> list[int]:
    remaining = [code for code, _ in allowed_suites(version)]
    accepted: list[int] = []
    while remaining:
        prof = p.profile(
            versions=(version,),
            cipher_suites=tuple(remaining),
            signature_algorithms=DEFAULT_SIGNATURE_ALGORITHMS if version >= PV.TLSv1_2 else (),
        )
        s = await p.attempt(
            f"enumerate {registry.version_name(version)}",
            ClientConfig(profile=prof, server_name=p.sni),
            "hello",
        )
        chosen = s.attempt.cipher_suite
        if not s.accepted or s.attempt.version != version or chosen not in remaining:
            break
        accepted.append(chosen)
        remaining.remove(chosen)
    return accepted


async def _preference(p: Probe, version: int, accepted: list[int]) -> bool | None:
    if len(accepted) < 2:
        return None
    prof = p.profile(versions=(version,), cipher_suites=tuple(reversed(accepted)))
    s = await p.attempt("server preference", ClientConfig(profile=prof, server_name=p.sni), "hello")
    if not s.accepted:
        return None
    return s.attempt.cipher_suite == accepted[0]


def _selected_group(events: list[object]) -> int | None:
    for ev in events:
        if isinstance(ev, MessageEvent) and ev.sender == "server":
            m = ev.message
            if isinstance(m, ServerHello):
                ks = m.typed(XT.key_share)
                if isinstance(ks, KeyShareHelloRetryRequest):
                    return ks.selected_group
                if isinstance(ks, KeyShareServerHello):
                    return ks.entry.group
            if isinstance(m, ServerKeyExchange) and m.named_group is not None:
                return m.named_group
    return None


async def _group(p: Probe, g: int, tls13: bool, ecdhe12: tuple[int, ...]) -> int | None:
    if tls13:
        prof = p.profile(versions=(PV.TLSv1_3,), groups=(g,), key_share_groups=())
        stop: tuple[str, ...] = ("HelloRetryRequest", "ServerHello")
        until = "hello"
    else:
        prof = p.profile(versions=(PV.TLSv1_2,), groups=(g,), cipher_suites=ecdhe12)
        stop = ("ServerKeyExchange", "ServerHelloDone")
        until = "flight"
    cfg = ClientConfig(profile=prof, server_name=p.sni, stop_after=stop)
    s = await p.attempt(f"group {registry.group_name(g)}", cfg, until)
    return g if _selected_group(s.events) == g else None


async def _groups(p: Probe, scan: ServerScan) -> tuple[int, ...]:
    tls13 = bool(scan.versions.get(PV.TLSv1_3))
    ecdhe12 = tuple(c for c in scan.suites.get(PV.TLSv1_2, ()) if _key_exchange(c) == "ECDHE")
    if not tls13 and not ecdhe12:
        return ()
    found = await asyncio.gather(*(_group(p, g, tls13, ecdhe12) for g in GROUPS))
    return tuple(g for g in found if g is not None)


def _key_exchange(code: int) -> str | None:
    suite = registry.cipher_suite(code)
    return suite.key_exchange if suite is not None else None


async def enumerate_server(p: Probe, scan: ServerScan) -> ServerScan:
    """Every version's accepted suites (versions in parallel), preference, groups."""
    versions = dict(scan.versions)
    order: tuple[int, ...] = (PV.SSLv3, PV.TLSv1_0, PV.TLSv1_1, PV.TLSv1_2, PV.TLSv1_3)
    found = await asyncio.gather(*(_suites_for(p, v) for v in order))
    suites = {v: tuple(acc) for v, acc in zip(order, found, strict=True) if acc}
    for v, acc in zip(order, found, strict=True):
        versions[v] = bool(acc)
    prefs = await asyncio.gather(*(_preference(p, v, list(acc)) for v, acc in suites.items()))
    preference = next((x for x in prefs if x is not None), None)
    scan = dataclasses.replace(scan, versions=versions, suites=suites, server_preference=preference)
    groups = await _groups(p, scan)
    return dataclasses.replace(
        scan,
        groups=groups,
        attempts=tuple(p.attempts),
        elapsed=p.deadline.elapsed(),
        deadline_hit=p.deadline.expired(),
    )
