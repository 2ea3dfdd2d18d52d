"""Transport rules: is anything there, and does it speak TLS?

RFC 8446 §5.1 (a TLS record starts with content type 22 and a version), RFC 9293
(TCP resets), RFC 7230 §3.1 (an HTTP status line), RFC 5321 §4.2 (an SMTP
greeting), RFC 4253 §4.2 (an SSH identification string).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import (
    Connection,
    Evidence,
    EvidenceItem,
    Finding,
    Fix,
    ServerScan,
    Severity,
    Side,
    Where,
    WireMessage,
)
from tlsdoctor.rules import transcripts as T
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.wire.sniff import classify_answer

ORDER = 0


def _scans(e: Evidence, p: Policy) -> bool:
    return bool(e.scans)


def _first_bytes(s: ServerScan) -> str:
    return _bytes_text(s.first_bytes) if s.first_bytes else "nothing"


def _transport_rule(kind: str, rid: str, title: str, doc: str, cite: list[str], ok: str) -> None:
    def check(e: Evidence, p: Policy) -> Iterator[Result]:
        for s in e.scans:
            if s.transport != kind:
                continue
            yield _TRANSPORT[kind](s)
        for c, k, ans, detail in _transcript_transport(e):
            if k == kind:
                yield _from_transcript(c, k, ans, detail)

    check.__doc__ = doc
    rule(rid, Severity.FATAL, title, cite, applies=_scans_or_packets, ok=ok)(check)


def _scans_or_packets(e: Evidence, p: Policy) -> bool:
    return bool(e.scans) or any(_packet_level(c) for c in T.connections(e))


def _packet_level(c: Connection) -> bool:
    """A transcript that saw TCP itself (a capture): FIN, RST and silence mean something."""
    return "frames" in c.facts or any(m.name in T.TRANSPORT_EVENTS for m in c.transcript or ())


def _transcript_transport(e: Evidence) -> Iterator[tuple[Connection, str, WireMessage | None, str]]:
    """(connection, transport outcome, the server's answer, detail) for every
    connection whose ClientHello got no TLS answer."""
    for c in T.connections(e):
        if not _packet_level(c) or T.first(c, "ClientHello", Side.CLIENT) is None:
            continue
        answer = c.facts.get("answer_not_tls")
        if answer:
            data, frame = answer
            kind = classify_answer(bytes(data)) or "not-tls"
            src = c.transcript.source if c.transcript else c.id
            at = WireMessage(Side.SERVER, "data", where=Where(src, f"frame {frame}"))
            yield (
                c,
                kind,
                at,
                f"the server answered the ClientHello with {_bytes_text(bytes(data))}",
            )
            continue
        ans = T.server_answer(c)
        end = T.ended_first(c)
        if (
            end is not None
            and end.sender is Side.CLIENT
            and (ans is None or ans.name in T.TRANSPORT_EVENTS)
        ):
            ans = None  # the client hung up first: the server had said nothing
        if ans is None:
            how = f"the client gave up ({end.name})" if end else "the capture ended"
            yield c, "hang", end, f"no answer from the server to the ClientHello; {how}"
        elif ans.name == "FIN":
            yield (
                c,
                "closed",
                ans,
                "the server closed the connection (FIN) right after the ClientHello, without an alert",
            )
        elif ans.name == "RST":
            yield (
                c,
                "reset",
                ans,
                "the server reset the connection (RST) right after the ClientHello",
            )


def _bytes_text(data: bytes) -> str:
    """The first line of a text answer, quoted; else the first bytes in hex."""
    text = data[:60]
    if all(32 <= b < 127 or b in (9, 10, 13) for b in text):
        line = text.decode("ascii", "replace").splitlines()[0] if text.strip() else ""
        return f"'{line}'"
    return text[:16].hex(" ")


def _from_transcript(c: Connection, kind: str, ans: WireMessage | None, detail: str) -> Finding:
    """The live finding's text, on a connection's evidence."""
    scan = ServerScan(
        target=c.transcript.server or c.id if c.transcript else c.id,
        sni=c.server_name,
        transport=kind,
        transport_detail=detail,
        first_bytes=bytes(c.facts["answer_not_tls"][0]) if c.facts.get("answer_not_tls") else None,
    )
    f = _TRANSPORT[kind](scan)
    ch = T.first(c, "ClientHello", Side.CLIENT)
    items = [EvidenceItem(T.where(c, ch), "client sent ClientHello")]
    items.append(EvidenceItem(T.where(c, ans), detail))
    return dataclasses.replace(f, evidence=tuple(items))


def _refused(s: ServerScan) -> Finding:
    return Finding(
        id="transport.refused",
        severity=Severity.FATAL,
        title=f"Nothing accepts connections on {s.target}: the connection was refused",
        explains_outcome=True,
        evidence=(
            EvidenceItem(s.where(), s.transport_detail or "TCP connection refused (RST to SYN)"),
        ),
        fixes=(
            Fix(
                "general",
                "Check that the server runs and listens on this address and port (ss -ltnp), and that no firewall rejects the port.",
            ),
        ),
        refs=("RFC 9293 §3.10.7.1",),
        order=ORDER,
    )


def _unreachable(s: ServerScan) -> Finding:
    return Finding(
        id="transport.unreachable",
        severity=Severity.FATAL,
        title=f"{s.target} cannot be reached: no answer to the TCP connection attempt",
        explains_outcome=True,
        evidence=(EvidenceItem(s.where(), s.transport_detail or "TCP connect timed out"),),
        fixes=(
            Fix("general", "Check the address, routing and firewalls between you and the server."),
        ),
        refs=("RFC 9293 §3.5",),
        order=ORDER,
    )


def _hang(s: ServerScan) -> Finding:
    return Finding(
        id="transport.hang",
        severity=Severity.FATAL,
        title=f"{s.target} accepts TCP connections but never answers the TLS ClientHello",
        explains_outcome=True,
        evidence=(
            EvidenceItem(s.where(), "TCP connection established"),
            EvidenceItem(s.where(), s.transport_detail or "no byte received before the deadline"),
        ),
        detail="A service that waits for the client to speak first in another protocol, a proxy or load balancer with no healthy backend, or a server stuck in accept.",
        fixes=(
            Fix(
                "general",
                "Check which program listens on the port (ss -ltnp), and whether it expects TLS (not STARTTLS or a plain protocol that waits for the client).",
            ),
        ),
        refs=("RFC 8446 §4.1.2",),
        order=ORDER,
    )


def _closed(s: ServerScan) -> Finding:
    return Finding(
        id="transport.closed",
        severity=Severity.FATAL,
        title=f"{s.target} closes the connection on the ClientHello without a TLS alert",
        explains_outcome=True,
        evidence=(
            EvidenceItem(
                s.where(),
                s.transport_detail or "connection closed (FIN) after our ClientHello, no alert",
            ),
        ),
        detail="Some servers close silently instead of sending an alert when they share no protocol version or cipher suite with the client (a PSK-only server closes on clients that offer no PSK suite), when SNI names no configured site, or when the port does not speak TLS at all.",
        fixes=(
            Fix(
                "general",
                "Check the server's log for the reason; try `tlsdoctor check --full` to enumerate what it accepts.",
            ),
        ),
        refs=("RFC 8446 §6.2",),
        order=ORDER,
    )


def _reset(s: ServerScan) -> Finding:
    return Finding(
        id="transport.reset",
        severity=Severity.FATAL,
        title=f"{s.target} resets the connection on the ClientHello",
        explains_outcome=True,
        evidence=(EvidenceItem(s.where(), s.transport_detail or "TCP RST after our ClientHello"),),
        detail="A reset instead of an alert usually comes from a middlebox (firewall, IPS, proxy) that dislikes the ClientHello, or a server process that crashed on it.",
        fixes=(
            Fix(
                "general",
                "Try from another network to rule out middleboxes; check the server log for a crash.",
            ),
        ),
        refs=("RFC 9293 §3.10.7.3",),
        order=ORDER,
    )


def _plain_http(s: ServerScan) -> Finding:
    return Finding(
        id="transport.plain-http",
        severity=Severity.FATAL,
        title=f"{s.target} speaks plain HTTP, not TLS: it answered our ClientHello with an HTTP response",
        explains_outcome=True,
        evidence=(EvidenceItem(s.where(), f"first bytes from the server: {_first_bytes(s)}"),),
        detail="Clients report this as 'wrong version number' (OpenSSL), 'record layer failure' or 'packet length too long': the bytes 'HTTP/1.1' read as a TLS record header make no sense.",
        fixes=(
            Fix("general", "Use http:// for this port, or the TLS port (usually 443)."),
            Fix(
                "nginx",
                "Enable TLS on this listener.",
                "listen 443 ssl;\nssl_certificate /etc/ssl/fullchain.pem;\nssl_certificate_key /etc/ssl/server.key;",
            ),
        ),
        refs=("RFC 8446 §5.1", "RFC 9112 §4"),
        order=ORDER,
    )


def _not_tls(s: ServerScan) -> Finding:
    proto = {"smtp": "SMTP", "ssh": "SSH"}.get(s.transport or "", "another protocol")
    hint = {
        "smtp": "SMTP on port 25/587 starts in plain text and upgrades with STARTTLS: use a STARTTLS-aware client (openssl s_client -starttls smtp), or port 465 for implicit TLS.",
        "ssh": "This is an SSH server; TLS clients cannot talk to it.",
    }.get(s.transport or "", "Check the port number and which service listens there.")
    return Finding(
        id="transport.not-tls",
        severity=Severity.FATAL,
        title=f"{s.target} speaks {proto}, not TLS",
        explains_outcome=True,
        evidence=(EvidenceItem(s.where(), f"first bytes from the server: {_first_bytes(s)}"),),
        fixes=(Fix("general", hint),),
        refs=("RFC 8446 §5.1",),
        order=ORDER,
    )


_TRANSPORT = {
    "refused": _refused,
    "unreachable": _unreachable,
    "hang": _hang,
    "closed": _closed,
    "reset": _reset,
    "plain-http": _plain_http,
    "smtp": _not_tls,
    "ssh": _not_tls,
    "not-tls": _not_tls,
}

_transport_rule(
    "refused",
    "transport.refused",
    "The TCP connection is refused",
    """Nothing listens on the address and port, or a firewall rejects the
    connection actively. No TLS happens at all; check the service and the port.""",
    ["RFC 9293 §3.10.7.1"],
    "a TCP connection was established",
)
_transport_rule(
    "unreachable",
    "transport.unreachable",
    "The address does not answer TCP at all",
    """The TCP handshake got no answer before the deadline: a wrong address, a
    routing problem, or a firewall that silently drops the packets.""",
    ["RFC 9293 §3.5"],
    "the address answers TCP",
)
_transport_rule(
    "hang",
    "transport.hang",
    "The server accepts TCP but never answers the ClientHello",
    """The TCP connection opens but no byte comes back after the ClientHello.
    Services that expect the client to speak first in another protocol, and
    proxies with no healthy backend, behave like this. tlsdoctor gives up at the
    check's deadline (--timeout) instead of waiting for minutes.""",
    ["RFC 8446 §4.1.2"],
    "the server answers the ClientHello",
)
_transport_rule(
    "closed",
    "transport.closed",
    "The server closes the connection on the ClientHello without an alert",
    """The server ends the TCP connection right after our ClientHello instead
    of sending a TLS alert saying why. Several embedded stacks do this when they
    share no version or cipher suite with the client.""",
    ["RFC 8446 §6.2"],
    "the server does not drop the ClientHello silently",
)
_transport_rule(
    "reset",
    "transport.reset",
    "The connection is reset on the ClientHello",
    """A TCP reset right after the ClientHello, with no TLS alert. Often a
    middlebox; sometimes the server process failing.""",
    ["RFC 9293 §3.10.7.3"],
    "no reset on the ClientHello",
)
_transport_rule(
    "plain-http",
    "transport.plain-http",
    "The port speaks plain HTTP",
    """The server answered the ClientHello with an HTTP response: the port is
    served without TLS. Clients report "wrong version number" or "record
    layer failure".""",
    ["RFC 8446 §5.1", "RFC 9112 §4"],
    "the port speaks TLS",
)


@rule(
    "transport.not-tls",
    Severity.FATAL,
    "The port speaks another protocol (SMTP, SSH …)",
    ["RFC 8446 §5.1", "RFC 5321 §4.2", "RFC 4253 §4.2"],
    applies=_scans_or_packets,
    ok="the port speaks TLS",
)
def not_tls(e: Evidence, p: Policy) -> Iterator[Result]:
    """The server sent a greeting or banner of another protocol — an SMTP
    "220" line, an SSH identification string — instead of a TLS ServerHello.
    For SMTP the answer is usually STARTTLS on this port or implicit TLS on
    another."""
    for s in e.scans:
        if s.transport in ("smtp", "ssh", "not-tls"):
            yield _not_tls(s)
    for c, k, ans, detail in _transcript_transport(e):
        if k in ("smtp", "ssh", "not-tls"):
            yield _from_transcript(c, k, ans, detail)


@rule(
    "transport.some-addresses-fail",
    Severity.WARN,
    "Some of the name's addresses cannot be reached",
    ["RFC 8305 §5"],
    applies=_scans,
    ok="every address of the name answers",
)
def some_addresses_fail(e: Evidence, p: Policy) -> Iterator[Result]:
    """A name with several A/AAAA records where some addresses do not answer
    makes connections fail "sometimes": each client picks an address, and the
    ones that pick a dead address fail (often IPv6 without a working route or
    listener)."""
    for s in e.scans:
        bad = [a for a in s.addresses if not a.ok]
        good = [a for a in s.addresses if a.ok]
        if bad and good:
            yield Finding(
                id="transport.some-addresses-fail",
                severity=Severity.WARN,
                title=f"{len(bad)} of {len(s.addresses)} addresses of {s.target.rsplit(':', 1)[0]} do not answer, so connections fail only sometimes",
                evidence=tuple(
                    EvidenceItem(Where(f"live {a.address}"), f"{a.error or 'failed'}") for a in bad
                )
                + tuple(EvidenceItem(Where(f"live {a.address}"), "connected") for a in good),
                fixes=(
                    Fix(
                        "general",
                        "Remove the dead addresses from DNS, or make the server listen on them (check IPv6 listeners: listen [::]:443).",
                    ),
                ),
                refs=("RFC 8305 §5",),
                order=5,
            )
