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
from tlsdoctor.sources.probe.check import SSL3, TLS10, TLS11, TLS12, TLS13, Probe
from tlsdoctor.wire import registry
from tlsdoctor.wire.client import ClientConfig
from tlsdoctor.wire.events import MessageEvent
from tlsdoctor.wire.messages import ServerHello, ServerKeyExchange

# Groups worth asking for (RFC 8446 §4.2.7, RFC 7919, RFC 8422, draft hybrids).
GROUPS = (29, 23, 24, 25, 30, 256, 257, 258, 259, 260, 4588, 4587, 4589)
_KEY_SHARE = 51


def _all_suites(version: int) -> list[int]:
    out = []
    for code, s in registry.cipher_suites().items():
        if s.is_signalling or not s.allowed_in(version):
            continue
        if version == TLS13 and not s.is_tls13:
            continue
        out.append(code)
    return sorted(out)


async def _suites_for(p: Probe, version: int) -> list[int]:
    remaining = _all_suites(version)
    accepted: list[int] = []
    while remaining:
        prof = p.profile(
            versions=(version,),
            cipher_suites=tuple(remaining),
            signature_algorithms=p.profile().signature_algorithms if version >= TLS12 else (),
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
                for ext in m.extensions:
                    if ext.type == _KEY_SHARE and len(ext.data) >= 2:
                        return int.from_bytes(ext.data[:2], "big")
            if isinstance(m, ServerKeyExchange) and m.named_group is not None:
                return m.named_group
    return None


async def _group(p: Probe, g: int, tls13: bool, ecdhe12: tuple[int, ...]) -> int | None:
    if tls13:
        prof = p.profile(versions=(TLS13,), groups=(g,), key_share_groups=())
        stop: tuple[str, ...] = ("HelloRetryRequest", "ServerHello")
        until = "hello"
    else:
        prof = p.profile(versions=(TLS12,), groups=(g,), cipher_suites=ecdhe12)
        stop = ("ServerKeyExchange", "ServerHelloDone")
        until = "flight"
    cfg = ClientConfig(profile=prof, server_name=p.sni, finish=False, stop_after=stop)
    s = await p.attempt(f"group {registry.group_name(g)}", cfg, until)
    return g if _selected_group(s.events) == g else None


async def _groups(p: Probe, scan: ServerScan) -> tuple[int, ...]:
    tls13 = bool(scan.versions.get(TLS13))
    ecdhe12 = tuple(
        c
        for c in scan.suites.get(TLS12, ())
        if (registry.cipher_suite(c) or _NONE).key_exchange == "ECDHE"
    )
    if not tls13 and not ecdhe12:
        return ()
    found = await asyncio.gather(*(_group(p, g, tls13, ecdhe12) for g in GROUPS))
    return tuple(g for g in found if g is not None)


class _None:
    key_exchange = ""


_NONE = _None()


async def enumerate_server(p: Probe, scan: ServerScan) -> ServerScan:
    """Every version's accepted suites (versions in parallel), preference, groups."""
    versions = dict(scan.versions)
    order = (SSL3, TLS10, TLS11, TLS12, TLS13)
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
