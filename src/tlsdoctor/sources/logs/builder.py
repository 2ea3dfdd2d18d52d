"""From what a log says, line by line, to :class:`~tlsdoctor.model.Evidence`.

Every format parser reports the same kinds of observation to a
:class:`LogBuilder`: a handshake message sent or received, an alert, a library
error code, an API call, a certificate, a secret, a fact.  The builder keeps
them per connection, in bounded memory (:data:`MAX_CONNECTIONS` connections,
:data:`MAX_MESSAGES` messages each ...), and at the end turns them into one
Evidence: a Transcript per connection, its Outcome, the certificate chains,
which side wrote the log, and the order of API calls.

A source never judges (ARCHITECTURE.md): the builder records, it does not
decide what went wrong.  Messages are recorded relative to the log's writer
("sent" / "received"); which TLS side that is gets settled at the end, from
the log's own words or from who sent the ClientHello.

``Connection.facts`` keys a log may fill (read by the rules):

``client_certificate_empty``
    True when the log shows the client's Certificate message carried no
    certificate (its size, the library saying so, or no CertificateVerify
    signed after it).
``client_certificate_empty_why``
    How the log shows it, in words.
``verify_error``
    The writer's own certificate verification failure:
    ``{"text", "code", "library", "where"}``.
``hello_retry_request``
    :class:`~tlsdoctor.model.Where` the server asked for another key share.
``sct_sources``
    SCTs seen by source, ``{"tls-extension": 0, "ocsp": 0, "certificate": 0}``;
    a source missing from the dict was not reported by the log.
``ct_required``
    The client reported a Certificate Transparency failure.
``ocsp_stapled`` / ``sct_in_handshake``
    Flags a success line reports (Apple's ``ocsp(1) sct(0)``).
``no_client_cert_line``
    :class:`Where` a library logged that the client has no certificate.
``params``
    Negotiated parameters the log states in words (names, not codes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tlsdoctor.model import (
    AlertSeen,
    Chain,
    ChainCert,
    Connection,
    Evidence,
    LibraryError,
    Outcome,
    Secret,
    Side,
    Transcript,
    Where,
    WireMessage,
)
from tlsdoctor.sources.logs import catalogref

MAX_CONNECTIONS = 64
MAX_MESSAGES = 400
MAX_ALERTS = 16
MAX_ERRORS = 32
MAX_API_CALLS = 256
MAX_CERTS = 16
MAX_CERT_BYTES = 64 * 1024
MAX_SECRETS = 64
MAX_NOTES = 32
MAX_FACT_ITEMS = 64

SENT, RECEIVED = "sent", "received"

_TLS12_EMPTY_CERTIFICATE = 7
"""Handshake header (4) and an empty 3-byte certificate_list: RFC 5246 §7.4.2."""
_TLS13_EMPTY_CERTIFICATE = 8
"""Header (4), empty request context (1) and empty list (3): RFC 8446 §4.4.2."""


@dataclass
class _Msg:
    direction: str | None
    sender: Side | None
    name: str
    message: Any
    line: int
    size: int | None


@dataclass
class _Alert:
    direction: str | None
    sender: Side | None
    level: int
    description: int
    line: int
    after: str | None


@dataclass
class _Api:
    name: str
    line: int


@dataclass
class ConnState:
    """One connection as the log shows it, while the log is being read."""

    number: int
    key: str | None = None
    side: Side | None = None
    side_how: str | None = None
    msgs: list[_Msg] = field(default_factory=list)
    alerts: list[_Alert] = field(default_factory=list)
    errors: list[tuple[str, str, int, str, str | None]] = field(default_factory=list)
    """(library, code, line, context, text)"""
    api: list[_Api] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    certs: dict[str, list[tuple[bytes, int]]] = field(default_factory=dict)
    """direction -> [(DER, line)] for certificates the log dumps (PEM, text)."""
    msg_certs: dict[str, list[tuple[bytes, int]]] = field(default_factory=dict)
    """direction -> [(DER, line)] from a parsed Certificate message (preferred)."""
    version: int | None = None
    cipher_suite: int | None = None
    group: int | None = None
    completed: bool | None = None
    server_name: str | None = None
    first_line: int = 0
    last_line: int = 0
    dropped_messages: int = 0

    @property
    def failed(self) -> bool:
        return self.completed is False or any(a.level == 2 for a in self.alerts)

    def last_message(self) -> str | None:
        return self.msgs[-1].name if self.msgs else None

    def has(self, name: str, direction: str | None = None) -> bool:
        return any(
            m.name == name and (direction is None or m.direction == direction) for m in self.msgs
        )


class LogBuilder:
    """Collects observations per connection; :meth:`evidence` builds the Evidence."""

    def __init__(self, source: str, library: str, default_side: Side | None = Side.CLIENT) -> None:
        self.source = source
        self.library = library
        self.default_side = default_side
        self.conns: list[ConnState] = []
        self._current: ConnState | None = None
        self._by_key: dict[str, ConnState] = {}
        self._count = 0
        self.dropped_connections = 0
        self.notes: list[str] = []
        self.secrets: list[tuple[str, Where, Secret]] = []
        self.loose_errors: list[LibraryError] = []
        self.facts: dict[str, Any] = {}
        self.pending_api: list[_Api] = []
        """API calls seen before any connection (context set-up), kept for the next one."""

    # ------------------------------------------------------------ connections

    def where(self, line: int, extra: str | None = None) -> Where:
        return Where(self.source, f"line {line}" + (f" {extra}" if extra else ""))

    def new_connection(self, line: int, key: str | None = None) -> ConnState:
        """Start a new connection (the log shows one begin)."""
        self._count += 1
        c = ConnState(self._count, key=key, first_line=line, last_line=line)
        if self.pending_api:
            c.api.extend(self.pending_api[-MAX_API_CALLS // 2 :])
            self.pending_api = []
        self.conns.append(c)
        if key is not None:
            self._by_key[key] = c
        self._current = c
        self._trim()
        return c

    def current(self, line: int, key: str | None = None) -> ConnState:
        """The connection ``key`` (or the latest one), started if there is none."""
        if key is not None:
            c = self._by_key.get(key)
            if c is None:
                return self.new_connection(line, key)
            self._current = c
        elif self._current is None:
            return self.new_connection(line)
        c = self._current
        c.last_line = max(c.last_line, line)
        return c

    def keyed(self, key: str) -> ConnState | None:
        """The connection the log names ``key`` (a session address, a connection id)."""
        return self._by_key.get(key)

    def adopt(self, c: ConnState, key: str) -> None:
        """Give an unnamed connection the key the log later names it by."""
        c.key = key
        self._by_key[key] = c

    @property
    def has_connection(self) -> bool:
        return self._current is not None

    def _trim(self) -> None:
        if len(self.conns) <= MAX_CONNECTIONS:
            return
        # Drop the oldest successful connection first: failures are what the
        # user wants explained.
        for i, c in enumerate(self.conns[:-1]):
            if c.completed is True and not c.failed:
                victim = self.conns.pop(i)
                break
        else:
            victim = self.conns.pop(0)
        if victim.key is not None and self._by_key.get(victim.key) is victim:
            del self._by_key[victim.key]
        self.dropped_connections += 1

    # ------------------------------------------------------------ observations

    def message(
        self,
        c: ConnState,
        direction: str | None,
        name: str,
        line: int,
        message: Any = None,
        size: int | None = None,
        sender: Side | None = None,
    ) -> None:
        """A handshake (or other) message ``direction`` = "sent"/"received" by the writer."""
        c.last_line = max(c.last_line, line)
        if c.side is None and name == "ClientHello" and direction is not None:
            self.set_side(
                c, Side.CLIENT if direction == SENT else Side.SERVER, "who sent the ClientHello"
            )
        if len(c.msgs) >= MAX_MESSAGES:
            c.dropped_messages += 1
            return
        if name == "Certificate" and message is not None:
            entries = getattr(message, "certificate_list", ())
            if entries:
                key = direction or (sender.value if sender else RECEIVED)
                c.msg_certs[key] = [
                    (e.cert_data, line)
                    for e in entries[:MAX_CERTS]
                    if e.cert_data and len(e.cert_data) <= MAX_CERT_BYTES
                ]
        c.msgs.append(_Msg(direction, sender, name, message, line, size))
        if message is not None:
            self._learn(c, name, message, line)

    def _learn(self, c: ConnState, name: str, msg: Any, line: int) -> None:
        """What a typed message says about the connection (version, suite, SNI, HRR)."""
        if name == "ClientHello" and c.server_name is None:
            try:
                c.server_name = msg.server_name
            except (AttributeError, ValueError):
                pass
        elif name == "HelloRetryRequest":
            self.fact(c, "hello_retry_request", self.where(line))
        elif name == "ServerHello":
            c.cipher_suite = getattr(msg, "cipher_suite", c.cipher_suite)
            try:
                c.version = msg.selected_version
                share = msg.typed(51)
            except (AttributeError, ValueError):
                return
            group = getattr(getattr(share, "entry", None), "group", None)
            if isinstance(group, int):
                c.group = group

    def alert(
        self,
        c: ConnState,
        direction: str | None,
        level: int,
        description: int,
        line: int,
        sender: Side | None = None,
    ) -> None:
        c.last_line = max(c.last_line, line)
        if len(c.alerts) < MAX_ALERTS:
            c.alerts.append(_Alert(direction, sender, level, description, line, c.last_message()))
        if len(c.msgs) < MAX_MESSAGES:
            from tlsdoctor.wire.messages import Alert

            c.msgs.append(_Msg(direction, sender, "Alert", Alert(level, description), line, 2))
        if level == 2:
            c.completed = False

    def error(
        self,
        c: ConnState | None,
        code: str,
        line: int,
        context: str = "",
        library: str | None = None,
        text: str | None = None,
    ) -> None:
        """A library error code the log shows (explained through the catalog at the end)."""
        lib = library or self.library
        if c is None:
            if len(self.loose_errors) < MAX_ERRORS:
                self.loose_errors.append(
                    catalogref.library_error(code, lib, self.where(line), context, text=text)
                )
            return
        c.last_line = max(c.last_line, line)
        if any(e[0] == lib and e[1] == code for e in c.errors):
            return
        if len(c.errors) < MAX_ERRORS:
            c.errors.append((lib, code, line, context, text))

    def api(self, c: ConnState | None, name: str, line: int) -> None:
        """A library API call, in the order the log shows it."""
        target = c.api if c is not None else self.pending_api
        if len(target) >= MAX_API_CALLS:
            del target[: MAX_API_CALLS // 4]
        target.append(_Api(name, line))

    def certificate(self, c: ConnState, direction: str, der: bytes, line: int) -> None:
        """A certificate the log dumps (PEM or hex), in the order dumped."""
        if not der or len(der) > MAX_CERT_BYTES:
            return
        lst = c.certs.setdefault(direction, [])
        if len(lst) < MAX_CERTS and all(d != der for d, _ in lst):
            lst.append((der, line))

    def secret(self, label: str, value: bytes | str, line: int) -> None:
        """Key material the log prints: kept only as a :class:`Secret`, never shown."""
        if len(self.secrets) < MAX_SECRETS:
            self.secrets.append((label, self.where(line), Secret(value, label)))

    def note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < MAX_NOTES:
            self.notes.append(text)

    def fact(self, c: ConnState, key: str, value: Any) -> None:
        if key not in c.facts and len(c.facts) < MAX_FACT_ITEMS:
            c.facts[key] = value

    def set_side(self, c: ConnState, side: Side, how: str) -> None:
        if c.side is None:
            c.side = side
            c.side_how = how

    # ------------------------------------------------------------ the result

    def evidence(self) -> Evidence:
        connections: list[Connection] = []
        chains: list[Chain] = []
        seen_chains: set[tuple[Side, tuple[bytes, ...]]] = set()
        host: str | None = None
        notes = list(self.notes)
        for c in self.conns:
            conn, conn_chains = self._connection(c)
            connections.append(conn)
            for ch in conn_chains:
                key = (ch.role, tuple(cc.der for cc in ch.certs))
                if key not in seen_chains:
                    seen_chains.add(key)
                    chains.append(ch)
            host = host or c.server_name
            if c.dropped_messages:
                notes.append(
                    f"connection {c.number}: {c.dropped_messages} messages after the first "
                    f"{MAX_MESSAGES} were not kept"
                )
        if self.dropped_connections:
            notes.append(
                f"the log holds more than {MAX_CONNECTIONS} connections; "
                f"{self.dropped_connections} earlier ones (successes first) were not kept"
            )
        if any(c.errors for c in self.conns) and not catalogref.available():
            notes.append("error codes are not named: the error catalog could not be loaded")
        if self.secrets:
            notes.append(
                f"the log contains key material ({len(self.secrets)} value(s): "
                + ", ".join(sorted({label for label, _, _ in self.secrets}))
                + "); it is not shown"
            )
        return Evidence(
            sources=(self.source,),
            chains=tuple(chains),
            connections=tuple(connections),
            host=host,
            library_errors=tuple(self.loose_errors),
            facts=dict(self.facts),
            notes=tuple(notes),
        )

    def _side_of(self, c: ConnState) -> Side:
        if c.side is not None:
            return c.side
        return self.default_side or Side.CLIENT

    def _connection(self, c: ConnState) -> tuple[Connection, list[Chain]]:
        side = self._side_of(c)
        cid = f"{self.source}#conn{c.number}"

        def sender_of(direction: str | None, sender: Side | None) -> Side:
            if sender is not None:
                return sender
            return side if direction == SENT else side.other

        messages: list[WireMessage] = []
        for m in c.msgs:
            s = sender_of(m.direction, m.sender)
            msg = m.message
            if (
                msg is None
                and m.name == "Certificate"
                and s is Side.CLIENT
                and m.size in (_TLS12_EMPTY_CERTIFICATE, _TLS13_EMPTY_CERTIFICATE)
            ):
                from tlsdoctor.wire.messages import Certificate

                msg = Certificate(
                    certificate_list=(),
                    certificate_request_context=b"" if m.size == _TLS13_EMPTY_CERTIFICATE else None,
                )
            messages.append(WireMessage(s, m.name, msg, where=self.where(m.line), size=m.size))
        alerts = tuple(
            AlertSeen(
                sender_of(a.direction, a.sender),
                a.level,
                a.description,
                after=a.after,
                where=self.where(a.line),
            )
            for a in c.alerts
        )
        errors = tuple(
            catalogref.library_error(code, lib, self.where(line), context, side=side, text=text)
            for lib, code, line, context, text in c.errors
        )
        completed = c.completed
        if completed is None:
            if any(a.level == 2 for a in c.alerts):
                completed = False
            elif c.has("Finished", SENT) and c.has("Finished", RECEIVED):
                completed = True
        closed_by = None
        fatal = next((a for a in alerts if a.fatal), None)
        if fatal is not None:
            closed_by = fatal.sender
        outcome = Outcome(
            completed=completed,
            alerts=alerts,
            library_errors=errors,
            closed_by=closed_by,
            version=c.version,
            cipher_suite=c.cipher_suite,
            group=c.group,
            where=self.where(c.last_line),
        )
        unseen: list[str] = []
        if not messages:
            unseen.append("the log names no handshake messages for this connection")
        transcript = Transcript(source=cid, messages=tuple(messages), unseen=tuple(unseen))
        facts = dict(c.facts)
        facts.setdefault(
            "log_side_how", c.side_how or "assumed (the format is usually written by a client)"
        )
        facts["log_lines"] = (c.first_line, c.last_line)
        conn = Connection(
            id=cid,
            transcript=transcript,
            outcome=outcome,
            server_name=c.server_name,
            log_side=side,
            api_calls=tuple((a.name, self.where(a.line)) for a in c.api),
            facts=facts,
        )
        return conn, self._chains(c, cid, side)

    def _chains(self, c: ConnState, cid: str, side: Side) -> list[Chain]:
        out: list[Chain] = []
        for direction in dict.fromkeys([*c.msg_certs, *c.certs]):
            certs = c.msg_certs.get(direction) or c.certs.get(direction, [])
            if direction in (SENT, RECEIVED):
                role = side if direction == SENT else side.other
            else:
                role = Side(direction)
            parsed = list(_parse_certs(certs, self))
            if parsed:
                out.append(Chain(certs=tuple(parsed), source=cid, role=role, served=True))
        return out


def _parse_certs(certs: Iterable[tuple[bytes, int]], b: LogBuilder) -> Iterable[ChainCert]:
    try:
        from cryptography import x509
    except ImportError:  # pragma: no cover - cryptography is a dependency
        return
    for i, (der, line) in enumerate(certs):
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            b.note(f"line {line}: a certificate in the log could not be parsed")
            continue
        yield ChainCert(cert, der, b.where(line, f"cert[{i}]"))
