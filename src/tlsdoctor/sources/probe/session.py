"""One probe connection: drive the sans-IO client engine over asyncio, until told to stop.

A probe says how far to go (``until``):

- ``"hello"``: the ServerHello (or HelloRetryRequest) is enough — version and
  suite probes;
- ``"flight"``: the server's whole first flight — certificates, OCSP staple,
  CertificateRequest, ServerKeyExchange — (TLS 1.2: up to ServerHelloDone;
  TLS 1.3: up to the server's Finished, decrypted with our key schedule);
- ``"full"``: complete the handshake (with a client certificate, an empty one,
  or a PSK), then wait briefly for the server's verdict: an alert, a
  NewSessionTicket or data means it decided.

The result is an :class:`~tlsdoctor.model.Attempt` holding a
:class:`~tlsdoctor.model.Connection` whose transcript is every message either
way, in the same model a capture or a log produces.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from tlsdoctor.model import (
    AlertSeen,
    Attempt,
    Connection,
    LibraryError,
    Outcome,
    Side,
    Transcript,
    Where,
    WireMessage,
)
from tlsdoctor.sources.probe.transport import Deadline, TransportError, connect
from tlsdoctor.wire.client import ClientConfig, ClientEngine
from tlsdoctor.wire.events import (
    ApplicationDataReceived,
    ConnectionClosed,
    ConnectionFailed,
    HandshakeComplete,
    MessageEvent,
    Stopped,
)
from tlsdoctor.wire.messages import (
    Alert,
    Certificate,
    CertificateRequest,
    CertificateStatus,
    NewSessionTicket,
    ServerHello,
    ServerKeyExchange,
)
from tlsdoctor.wire.sniff import classify_answer

SETTLE = 0.4
"""Seconds to wait after our last flight for the server's verdict (TLS 1.3
servers judge a client certificate after the client's Finished)."""


@dataclass
class Session:
    """What one probe connection saw, beyond the Attempt summary."""

    attempt: Attempt
    events: list[Any] = field(default_factory=list)
    complete: HandshakeComplete | None = None
    server_hello: ServerHello | None = None
    server_certificate: Certificate | None = None
    certificate_request: CertificateRequest | None = None
    certificate_status: CertificateStatus | None = None
    server_key_exchange: ServerKeyExchange | None = None
    transport: str | None = None
    transport_detail: str | None = None
    first_bytes: bytes | None = None

    @property
    def accepted(self) -> bool:
        return self.attempt.result == "accepted"


def _sender(name: str) -> Side:
    return Side.CLIENT if name == "client" else Side.SERVER


def _to_transcript(source: str, events: list[Any], server: str) -> Transcript:
    msgs = []
    for ev in events:
        if isinstance(ev, MessageEvent):
            place = f"record @{ev.record_offset}" if ev.record_offset is not None else None
            msgs.append(
                WireMessage(
                    sender=_sender(ev.sender),
                    name=ev.name,
                    message=ev.message,
                    where=Where(source, place),
                    encrypted=ev.encrypted,
                    size=ev.size,
                )
            )
    return Transcript(source=source, messages=tuple(msgs), server=server)


def _outcome(
    transcript: Transcript,
    complete: HandshakeComplete | None,
    failed: ConnectionFailed | None,
    transport: str | None,
) -> Outcome:
    alerts = []
    prev: str | None = None
    for m in transcript.messages:
        if m.name == "Alert" and isinstance(m.message, Alert):
            alerts.append(
                AlertSeen(m.sender, m.message.level, m.message.description, prev, m.where)
            )
        else:
            prev = m.name
    errors: tuple[LibraryError, ...] = ()
    if failed is not None:
        e = failed.error
        errors = (
            LibraryError(
                "tlsdoctor",
                e.__class__.__name__,
                text=str(e),
                side=Side.SERVER if e.side == "server" else Side.CLIENT,
            ),
        )
    closed_by = None
    if any(a.fatal for a in alerts):
        closed_by = next(a.sender for a in alerts if a.fatal)
    return Outcome(
        completed=complete is not None
        and not any(a.fatal and a.sender is Side.SERVER for a in alerts),
        alerts=tuple(alerts),
        library_errors=errors,
        transport=transport,
        closed_by=closed_by,
        version=complete.version if complete else None,
        cipher_suite=complete.cipher_suite if complete else None,
        group=complete.group if complete else None,
    )


async def run(
    address: str,
    port: int,
    config: ClientConfig,
    deadline: Deadline,
    purpose: str,
    until: str = "flight",
    source: str | None = None,
    conn_limit: float | None = None,
) -> Session:
    """One connection; never raises for network or peer behaviour.

    For ``until`` "hello" and "flight" the engine stops there: at the
    ServerHello or ServerHelloDone unless ``config.stop_after`` says otherwise,
    and in TLS 1.3 after the server's Finished (no client flight).
    """
    source = source or f"live {address}:{port}"
    if until in ("hello", "flight"):
        stop_after = config.stop_after or (
            ("ServerHello",) if until == "hello" else ("ServerHelloDone",)
        )
        config = dataclasses.replace(config, finish=False, stop_after=stop_after)
    engine = ClientEngine(config)
    offered = config.profile
    offered_versions = tuple(offered.versions)
    offered_suites = tuple(offered.cipher_suites)
    try:
        conn = await connect(address, port, deadline, limit=conn_limit)
    except TransportError as e:
        attempt = Attempt(
            purpose,
            e.kind,
            offered_versions=offered_versions,
            offered_suites=offered_suites,
            detail=e.detail,
            address=address,
        )
        return Session(attempt, transport=e.kind, transport_detail=e.detail)
    sess = Session(Attempt(purpose, "error", offered_versions, offered_suites, address=address))
    failed: ConnectionFailed | None = None
    transport: str | None = None
    detail: str | None = None
    first = True
    settle_until: float | None = None
    try:
        await conn.send(engine.start())
        while True:
            if engine.state in ("failed", "closed", "stopped"):
                break
            if engine.state == "connected" and until != "full":
                break
            wait = deadline.left()
            if settle_until is not None:
                wait = min(wait, max(0.0, settle_until - deadline.elapsed()))
            try:
                data = await conn.recv(wait)
            except TransportError as e:
                if e.kind == "hang" and settle_until is not None:
                    break  # the server said nothing more: it accepted
                transport, detail = e.kind, e.detail
                if e.kind == "hang":
                    detail = (
                        "no answer to the ClientHello before the deadline"
                        if first
                        else "the server stopped answering mid-handshake"
                    )
                break
            if first:
                kind = classify_answer(data)
                if kind is not None:
                    transport = kind
                    sess.first_bytes = bytes(data[:256])
                    detail = (
                        "the server closed the connection without answering"
                        if kind == "closed"
                        else f"the server answered with non-TLS bytes ({kind})"
                    )
                    break
                first = False
            new = engine.receive(data)
            out = engine.data_to_send()
            stop = False
            for ev in new:
                if isinstance(ev, ConnectionFailed):
                    failed = ev
                if isinstance(ev, HandshakeComplete):
                    sess.complete = ev
                if until == "full" and isinstance(ev, ApplicationDataReceived):
                    stop = True
                if (
                    until == "full"
                    and isinstance(ev, MessageEvent)
                    and isinstance(ev.message, NewSessionTicket)
                ):
                    stop = True
            if stop:
                break
            if out:
                await conn.send(out)
                if until == "full" and engine.state == "connected" and settle_until is None:
                    settle_until = deadline.elapsed() + SETTLE
            if not data:
                break
            if engine.state == "connected" and until == "full" and settle_until is None:
                settle_until = deadline.elapsed() + SETTLE
    except TransportError as e:
        transport, detail = e.kind, e.detail
    finally:
        conn.close()
    sess.events = list(engine.events)
    for ev in engine.events:
        if isinstance(ev, MessageEvent) and ev.sender == "server":
            m = ev.message
            if isinstance(m, ServerHello) and not m.is_hello_retry_request:
                sess.server_hello = m
            elif isinstance(m, Certificate):
                sess.server_certificate = m
            elif isinstance(m, CertificateRequest):
                sess.certificate_request = m
            elif isinstance(m, CertificateStatus):
                sess.certificate_status = m
            elif isinstance(m, ServerKeyExchange):
                sess.server_key_exchange = m
    if transport == "reset" and sess.server_hello is not None:
        transport = (
            None  # a reset after the handshake started is the server's verdict, not transport
        )
        detail = "the server reset the connection"
    transcript = _to_transcript(source, sess.events, f"{address}:{port}")
    outcome = _outcome(transcript, sess.complete, failed, transport)
    alert = next((a for a in outcome.alerts if a.sender is Side.SERVER and a.fatal), None)
    result = _result(sess, alert, transport, failed, engine)
    version = sess.complete.version if sess.complete else _negotiated_version(sess.server_hello)
    suite = sess.server_hello.cipher_suite if sess.server_hello else None
    sess.transport, sess.transport_detail = transport, detail
    stopped = next((e.reason for e in engine.events if isinstance(e, Stopped)), None)
    sess.attempt = Attempt(
        purpose,
        result,
        version=version,
        cipher_suite=suite,
        group=sess.complete.group if sess.complete else None,
        alert=alert,
        detail=detail or stopped or (str(failed.error) if failed else None),
        connection=Connection(
            source + f"#{purpose}", transcript, outcome, server_name=config.server_name
        ),
        offered_versions=offered_versions,
        offered_suites=offered_suites,
        address=address,
    )
    return sess


def _negotiated_version(sh: ServerHello | None) -> int | None:
    return sh.selected_version if sh is not None else None


def _result(
    sess: Session,
    alert: AlertSeen | None,
    transport: str | None,
    failed: ConnectionFailed | None,
    engine: ClientEngine,
) -> str:
    if alert is not None:
        return "alert"
    if transport is not None:
        if transport in ("closed",) and sess.server_hello is not None:
            return "closed"
        return transport
    if sess.complete is not None or sess.server_hello is not None:
        if failed is not None and sess.complete is None and engine.state == "failed":
            return "error"
        return "accepted"
    if failed is not None:
        return "error"
    closed = next((e for e in engine.events if isinstance(e, ConnectionClosed)), None)
    if closed is not None:
        return "closed"
    return "error"
