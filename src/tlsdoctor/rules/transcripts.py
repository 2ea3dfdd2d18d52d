"""Questions rules ask of a transcript, whatever source recorded it.

A capture, a live probe and a debug log all give a
:class:`~tlsdoctor.model.Transcript`: ordered, directed messages.  These
helpers find the hellos, the first answer, the alert that ended a connection
and what came before it, so each rule reads the same facts the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

from tlsdoctor.model import Attempt, Chain, Connection, Evidence, Side, Where, WireMessage
from tlsdoctor.wire import registry
from tlsdoctor.wire.names import alert_label

TRANSPORT_EVENTS = ("FIN", "RST")


def connections(e: Evidence) -> Iterator[Connection]:
    for c in e.connections:
        if c.transcript is not None and c.transcript.messages:
            yield c


def where(c: Connection, m: WireMessage | None) -> Where:
    if m is not None and m.where is not None:
        return m.where
    return Where(c.id)


def first(c: Connection, name: str, sender: Side | None = None) -> WireMessage | None:
    assert c.transcript is not None
    return c.transcript.find(name, sender)


def server_answer(c: Connection) -> WireMessage | None:
    """The first thing the server did after the ClientHello (a message, FIN or RST)."""
    assert c.transcript is not None
    seen_hello = False
    for m in c.transcript.messages:
        if m.name == "ClientHello" and m.sender is Side.CLIENT:
            seen_hello = True
            continue
        if seen_hello and m.sender is Side.SERVER:
            return m
    return None


def ended_first(c: Connection) -> WireMessage | None:
    """The first FIN or RST, from either side."""
    assert c.transcript is not None
    for m in c.transcript.messages:
        if m.name in TRANSPORT_EVENTS:
            return m
    return None


def fatal_alert(
    c: Connection, sender: Side | None = None
) -> tuple[WireMessage, WireMessage | None] | None:
    """(the first fatal alert, the message before it from anyone but FIN/RST)."""
    assert c.transcript is not None
    prev: WireMessage | None = None
    for m in c.transcript.messages:
        fatal = m.name == "Alert" and m.message is not None and getattr(m.message, "level", 0) == 2
        if fatal and (sender is None or m.sender is sender):
            return m, prev
        if m.name not in TRANSPORT_EVENTS:
            prev = m
    return None


def empty_client_certificate(c: Connection) -> WireMessage | None:
    """The client's Certificate message when it held no certificate.

    From the parsed message, or, when the source saw only that the message
    was sent (a debug log), from ``Connection.facts["client_certificate_empty"]``.
    """
    if c.transcript is None:
        return None
    for m in c.transcript.messages:
        if m.name == "Certificate" and m.sender is Side.CLIENT:
            if m.message is not None:
                return m if getattr(m.message, "is_empty", False) else None
            return m if c.facts.get("client_certificate_empty") else None
    return None


def messages_before(c: Connection, target: WireMessage) -> list[WireMessage]:
    assert c.transcript is not None
    out = []
    for m in c.transcript.messages:
        if m is target:
            break
        out.append(m)
    return out


def negotiated_version(c: Connection) -> int | None:
    if c.outcome is not None and c.outcome.version is not None:
        return c.outcome.version
    sh = first(c, "ServerHello", Side.SERVER)
    if (
        sh is not None
        and sh.message is not None
        and not getattr(sh.message, "is_hello_retry_request", False)
    ):
        v = getattr(sh.message, "selected_version", None)
        return int(v) if isinstance(v, int) else None
    return None


def negotiated_suite(c: Connection) -> int | None:
    if c.outcome is not None and c.outcome.cipher_suite is not None:
        return c.outcome.cipher_suite
    sh = first(c, "ServerHello", Side.SERVER)
    if sh is not None and sh.message is not None:
        v = getattr(sh.message, "cipher_suite", None)
        return int(v) if isinstance(v, int) else None
    return None


def chain_of(e: Evidence, c: Connection, role: Side = Side.SERVER) -> Chain | None:
    """The chain this connection carried (a capture names it after the connection)."""
    for ch in e.chains:
        if ch.source == c.id and ch.role is role:
            return ch
    return None


def describe_attempt(a: Attempt | None, *, negotiated: bool = False) -> str:
    """What one probe connection came to, in words.

    As a finding's fact: "handshake completed (TLS_AES_128_GCM_SHA256)",
    "server sent alert 116 certificate_required", else the detail or result
    ("timeout"); "not tried" for no attempt.  With ``negotiated`` (the client
    simulator's handshake column): "TLS 1.3, TLS_AES_128_GCM_SHA256, x25519",
    "alert 70 protocol_version", "timeout (detail)".
    """
    if a is None:
        return "not tried"
    if a.result == "accepted":
        suite = registry.cipher_suite_name(a.cipher_suite) if a.cipher_suite is not None else None
        if not negotiated:
            return f"handshake completed ({suite})" if suite else "handshake completed"
        parts = [registry.version_name(a.version) if a.version else "?"]
        if suite:
            parts.append(suite)
        if a.group is not None:
            parts.append(registry.group_name(a.group))
        return ", ".join(parts)
    if a.alert is not None:
        label = alert_label(a.alert.description)
        return f"alert {label}" if negotiated else f"server sent alert {label}"
    if negotiated:
        return a.result + (f" ({a.detail})" if a.detail else "")
    return a.detail or a.result
