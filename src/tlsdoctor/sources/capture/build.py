"""From one followed connection to the shared model: Connection, Outcome, Chains.

ARCHITECTURE.md: a source never judges.  This module only says what was seen
and where (``Where(file, "frame 14")``, certificates ``"frame 14 cert[0]"``),
decides whether the handshake finished from the messages themselves (both
Finished messages seen, no fatal alert before data flowed), and says plainly
what could not be seen.

Two steps, so a capture of thousands of connections stays fast: :func:`summarise`
(when a connection ends: its table row, from what the reader already knows)
and :func:`model` (when the evidence is asked for: handshake bodies parsed by
:mod:`tlsdoctor.wire`, JA3/JA4, certificates parsed once per distinct DER with
``cryptography.x509.load_der_x509_certificate``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from tlsdoctor.sources.capture.tls import REPEATING, TLS13_ALERT_RECORD, TlsConnection

if TYPE_CHECKING:  # pragma: no cover - the model loads when evidence is built
    from tlsdoctor.model import Chain, Connection

MAX_CACHE = 4096


class ConnectionSummary(NamedTuple):
    """One row of the connection table."""

    id: str
    """"capture.pcap#conn3"."""
    stream: int
    """Wireshark's ``tcp.stream`` number of this connection."""
    client_addr: bytes
    client_port: int
    server_addr: bytes
    server_port: int
    server_name: str | None
    version: int | None
    cipher_suite: int | None
    group: int | None
    alpn: str | None
    status: str
    """"ok" (handshake finished), "failed", "unknown" (could not tell: encrypted
    TLS 1.3 without a key log, gaps), "incomplete" (the capture ends first),
    "no handshake" (the capture starts after it)."""
    main_alert: tuple[str, int, int, str | None, int] | None
    """The first fatal alert (else the first that is not close_notify) as
    (sender, level, description, name of the message before, frame); level 0:
    an encrypted record that is most likely an alert."""
    alerts: tuple[tuple[str, int, int], ...]
    """Every readable alert: (sender, level, description)."""
    end: tuple[str, str, int] | None
    """How the TCP connection ended, first: ("FIN" or "RST", sender, frame)."""
    first_frame: int
    last_frame: int
    start: float
    """Time of the first packet (seconds since the epoch)."""

    @property
    def client(self) -> str:
        """ "192.0.2.1:50514", "[2001:db8::1]:50514"."""
        return endpoint(self.client_addr, self.client_port)

    @property
    def server(self) -> str:
        return endpoint(self.server_addr, self.server_port)

    @property
    def ended(self) -> str | None:
        """ "FIN from client at frame 11", "RST from server at frame 7"."""
        if self.end is None:
            return None
        how, side, frame = self.end
        return f"{how} from {side} at frame {frame}"

    @property
    def alert(self) -> str | None:
        """The main alert in words: "server: fatal bad_certificate (42) after
        Certificate, frame 14"."""
        a = self.main_alert
        if a is None:
            return None
        side, level, desc, after, frame = a
        if level == 0:
            return f"{side}: encrypted, alert-sized record at frame {frame}"
        from tlsdoctor.wire.constants import alert_description_name, alert_level_name

        when = f" after {after}" if after else ""
        return (
            f"{side}: {alert_level_name(level)} "
            f"{alert_description_name(desc)} ({desc}){when}, frame {frame}"
        )

    @property
    def version_name(self) -> str | None:
        """ "TLS 1.2" ..."""
        if self.version is None:
            return None
        from tlsdoctor.wire.constants import version_name

        return version_name(self.version)

    @property
    def cipher_suite_name(self) -> str | None:
        """IANA name of the suite ("TLS_AES_128_GCM_SHA256")."""
        if self.cipher_suite is None:
            return None
        from tlsdoctor.wire.registry import cipher_suite_name

        return cipher_suite_name(self.cipher_suite)


class Caches:
    """Parsed certificates and repeated handshake bodies, shared by all connections."""

    def __init__(self) -> None:
        self.certs: dict[bytes, Any] = {}
        self.bodies: dict[tuple[int, int | None, bytes], Any] = {}

    def cert(self, der: bytes) -> Any:
        hit = self.certs.get(der)
        if hit is not None:
            return hit
        from cryptography import x509

        try:
            value: Any = x509.load_der_x509_certificate(der)
            # Touch the fields rules read so bad DER shows here, not in a rule.
            _ = value.subject, value.issuer, value.not_valid_after_utc
        except Exception as exc:  # cryptography raises ValueError and Rust panics alike
            value = type(exc).__name__
        if len(self.certs) < MAX_CACHE:
            self.certs[der] = value
        return value


_ADDRS: dict[bytes, str] = {}


def endpoint(addr: bytes, port: int) -> str:
    """ "192.0.2.1:443", "[2001:db8::1]:443"."""
    text = _ADDRS.get(addr)
    if text is None:
        import ipaddress

        text = str(ipaddress.ip_address(addr))
        if len(addr) == 16:
            text = f"[{text}]"
        if len(_ADDRS) < 65536:
            _ADDRS[addr] = text
    return f"{text}:{port}"


# ---------------------------------------------------------------- the table row


def _main_alert(tls: TlsConnection) -> tuple[str, int, int, str | None, int] | None:
    """The alert the table shows: (sender, level, description, after, frame).

    Level 0 stands for an encrypted record that is most likely an alert.
    """
    a = next((x for x in tls.alerts if x[1] == 2), None) or next(
        (x for x in tls.alerts if x[2] != 0), None
    )
    if a is not None:
        return (tls.side(a[0]), a[1], a[2], a[3], a[4])
    if tls.tls13 and tls.keys_missing:
        guess = likely_alert(tls)
        if guess:
            return (guess[0], 0, -1, None, guess[1])
    return None


def status(tls: TlsConnection) -> tuple[bool | None, str]:
    """(Outcome.completed, table status)."""
    fatal = next((a for a in tls.alerts if a[1] == 2), None)
    both = tls.finished[0] and tls.finished[1]
    if fatal is not None:
        for m in tls.messages:
            if m[1] == "Alert" and m[0] == fatal[0] and m[4] == fatal[4]:
                break
            if m[1] == "ApplicationData" and m[0] == fatal[0] and both:
                return True, "ok"  # a fatal alert late in an established session
        return False, "failed"
    if tls.facts.get("mid_stream") and tls.client_hello is None:
        return None, "no handshake"
    if both:
        return True, "ok"
    if tls.tls13 and tls.server_hello is not None and (tls.keys_missing or tls.undecrypted):
        return None, "unknown"
    if tls.gaps:
        return None, "unknown"
    if tls.ends:
        return False, "failed"
    return None, "incomplete"


def _ended(tls: TlsConnection) -> tuple[str, str, int] | None:
    """The first RST, else the first FIN: (how, sender, frame)."""
    if not tls.ends:
        return None
    rst = next((e for e in tls.ends if e[1] == "RST"), None)
    d, how, frame, _ts = rst or tls.ends[0]
    return how, tls.side(d), frame


def likely_alert(tls: TlsConnection) -> tuple[str, int] | None:
    """TLS 1.3 without keys: an encrypted record that is most likely an alert.

    RFC 8446 §5.2: an alert record carries 2 bytes, the inner type and the
    16-byte tag: 19 bytes.  When one of the first three runs of encrypted
    records (server flight, client flight, server reply) is a single record
    of that size, and it is not the server's flight, the side that sent it
    almost certainly ended the handshake with an alert.
    """
    for i, (d, count, size, frame) in enumerate(tls.unread_runs[:3]):
        if i and count == 1 and size == TLS13_ALERT_RECORD:
            return tls.side(d), frame
    return None


def summarise(
    tls: TlsConnection,
    addrs: tuple[bytes, bytes],
    ports: tuple[int, int],
    first_frame: int,
    last_frame: int,
    first_ts: float,
) -> ConnectionSummary:
    c = 0 if tls.side(0) == "client" else 1
    _completed, state = status(tls)
    facts = tls.facts
    return ConnectionSummary._make(  # positional, in field order: one row per connection
        (
            tls.info.id,
            tls.info.stream,
            addrs[c],
            ports[c],
            addrs[1 - c],
            ports[1 - c],
            facts.get("sni"),
            tls.version,
            tls.suite,
            tls.group,
            facts.get("alpn"),
            state,
            _main_alert(tls),
            tuple([(tls.side(a[0]), a[1], a[2]) for a in tls.alerts]) if tls.alerts else (),
            _ended(tls),
            first_frame,
            last_frame,
            first_ts,
        ),
    )


def unseen(tls: TlsConnection) -> list[str]:
    """What this connection's transcript could not show, and why."""
    out = list(tls.unseen)
    if tls.tls13 and tls.server_hello is not None and tls.keys_missing:
        from tlsdoctor.wire.registry import cipher_suite_name, group_name

        seen = ["ClientHello"]
        sni = tls.facts.get("sni")
        if sni:
            seen[0] += f" (SNI {sni})"
        sh = f"ServerHello (TLS 1.3, {cipher_suite_name(tls.suite or 0)}"
        if tls.group is not None:
            sh += f", {group_name(tls.group)}"
        seen.append(sh + ")")
        if tls.hrr:
            seen.append("HelloRetryRequest")
        how = (
            "the key log has no secrets for this connection"
            if tls.info.keylog is not None
            else "pass --keylog"
        )
        out.append(
            "TLS 1.3 handshake after ServerHello encrypted (server certificates, "
            "CertificateRequest, the client's Certificate, alerts after ServerHello, "
            f"whether the handshake finished): {how}; seen in clear: {', '.join(seen)}"
        )
        guess = likely_alert(tls)
        if guess:
            who, frame = guess
            out.append(
                f"the {who}'s encrypted record at frame {frame} has the size of an "
                f"alert and came right after the other side's handshake flight: most likely "
                f"the {who} ended the handshake with an alert (which one needs --keylog)"
            )
    elif (
        not tls.tls13
        and tls.facts.get("encrypted_alerts")
        and tls.info.keylog is None
        and not (tls.finished[0] and tls.finished[1])
    ):
        out.append("alerts sent after ChangeCipherSpec are encrypted: pass --keylog to read them")
    elif not tls.tls13 and tls.keys_missing and tls.info.keylog is not None:
        out.append(
            "the key log has no CLIENT_RANDOM line for this connection: its encrypted "
            "records (Finished, alerts after ChangeCipherSpec) stay unread"
        )
    for d, length, frame in tls.gaps[:5]:
        out.append(
            f"{length} bytes of the {tls.side(d)}'s stream missing from the capture "
            f"before frame {frame}"
        )
    if len(tls.gaps) > 5:
        out.append(f"{len(tls.gaps) - 5} more gaps in the streams")
    if tls.facts.get("mid_stream") and tls.client_hello is None:
        out.append("the capture starts after this connection's handshake")
    if tls.dropped_messages:
        out.append(f"{tls.dropped_messages} later messages not listed")
    return out


# ---------------------------------------------------------------- the model


def _parse(tls: TlsConnection, htype: int, body: bytes, side: str, caches: Caches) -> Any:
    # Bodies that repeat across connections to one server parse once (per
    # version: a Certificate's layout differs between TLS 1.2 and 1.3).
    repeating = htype in REPEATING
    key = (htype, tls.version, body)
    if repeating:
        hit = caches.bodies.get(key)
        if hit is not None:
            return hit
    from tlsdoctor.sources.capture import _wire

    msg = _wire.parse_handshake_kx(htype, body, side, tls.version, tls.suite)
    if repeating and len(caches.bodies) < MAX_CACHE:
        caches.bodies[key] = msg
    return msg


def _chain(
    tls: TlsConnection, msg: Any, d: int, frame: int, ts: float, caches: Caches, notes: list[str]
) -> Chain | None:
    from tlsdoctor.model import Chain, ChainCert, Side, Where

    parsed: list[ChainCert] = []
    for i, entry in enumerate(msg.certificate_list):
        cert = caches.cert(entry.cert_data)
        where = Where(tls.info.file, f"frame {frame} cert[{i}]")
        if isinstance(cert, str):
            notes.append(
                f"{tls.info.id}: {where} is not a certificate we can parse ({cert}); "
                "left out of the chain"
            )
            continue
        parsed.append(ChainCert(cert=cert, der=entry.cert_data, where=where))
    if not parsed:
        return None
    try:
        at: datetime | None = datetime.fromtimestamp(ts, UTC)
    except (ValueError, OverflowError, OSError):
        at = None
        notes.append(
            f"{tls.info.id}: frame {frame} has a timestamp no calendar holds; its "
            "certificates are judged at the current time"
        )
    return Chain(
        certs=tuple(parsed),
        source=tls.info.id,
        role=Side(tls.side(d)),
        served=True,
        at=at,
    )


def model(
    tls: TlsConnection, summary: ConnectionSummary, caches: Caches
) -> tuple[Connection, list[Chain], list[str]]:
    """The connection as the shared model: its Connection, Chains and notes.

    ``Connection.facts`` keys (frames are Wireshark frame numbers):
    ``tcp_stream``, ``frames`` (first, last), ``status`` (as in the table),
    ``sni``, ``alpn_offered``, ``alpn``, ``ja3``, ``ja3_string``, ``ja4``,
    ``client_hello`` / ``server_hello`` / ``hello_retry_request`` (frame),
    ``hrr_group``, ``second_client_hello`` (frame), ``resumed``,
    ``client_certificate_requested`` / ``client_certificate_empty`` /
    ``client_certificate_sent`` (frame), ``encrypted_alerts`` ([(sender,
    frame)]: TLS 1.2 alerts after ChangeCipherSpec, unread),
    ``tls13_unread_records`` ({sender: frame of the first}),
    ``application_data_from`` ({sender: frame}), ``application_data_bytes``,
    ``ends`` ((sender, "FIN"/"RST", frame), ...), ``gaps`` ((sender, bytes,
    frame), ...), ``keylog`` ("used" or "no secrets for this connection"),
    ``tls_starts_after`` ({sender: bytes of other data first, STARTTLS}),
    ``mid_stream`` (the capture began inside the connection),
    ``sides_guessed`` (no SYN and no ClientHello: the lower port taken as the
    server's).
    """
    from tlsdoctor.model import AlertSeen, Connection, Outcome, Side, Transcript, Where, WireMessage
    from tlsdoctor.sources.capture import _wire
    from tlsdoctor.wire import messages as m

    notes: list[str] = []
    chains: list[Chain] = []
    file = tls.info.file
    msgs: list[WireMessage] = []
    client_hello: Any = None
    sides = (Side(tls.side(0)), Side(tls.side(1)))
    for d, name, htype, payload, frame, ts, encrypted, size in tls.messages:
        sender = sides[d]
        message: Any = None
        if name == "Alert":
            message = m.Alert(*payload)
        elif name == "ApplicationData":
            message = m.ApplicationData(payload)
        elif name == "ChangeCipherSpec":
            message = m.ChangeCipherSpec()
        elif htype >= 0:
            try:
                message = _parse(tls, htype, payload, sender.value, caches)
            except _wire.ParseFailed as exc:
                notes.append(f"{tls.info.id}: frame {frame}: {exc}")
                message = None
            if htype == 1 and client_hello is None:
                client_hello = message
            elif htype == 11 and message is not None:
                chain = _chain(tls, message, d, frame, ts, caches, notes)
                if chain is not None:
                    chains.append(chain)
        msgs.append(
            WireMessage(
                sender=sender,
                name=name,
                message=message,
                where=Where(file, f"frame {frame}"),
                time=ts,
                encrypted=encrypted,
                size=size,
            )
        )
    completed, state = status(tls)
    end = _ended(tls)
    transport = closed_by = None
    if end is not None:
        transport = "reset" if end[0] == "RST" else "closed"
        closed_by = end[1]
    alerts = tuple(
        AlertSeen(sides[d], level, desc, after=after, where=Where(file, f"frame {frame}"))
        for d, level, desc, after, frame in tls.alerts
    )
    fatal = next((a for a in alerts if a.fatal), None)
    facts = {k: v for k, v in tls.facts.items() if not k.startswith("_")}
    if client_hello is not None:
        try:
            ja3_string, ja3 = _wire.ja3(client_hello)
            facts.update(ja3=ja3, ja3_string=ja3_string, ja4=_wire.ja4(client_hello))
        except Exception as exc:  # a fingerprint is a nicety: never let it stop the read
            notes.append(f"{tls.info.id}: no JA3/JA4 fingerprint ({type(exc).__name__})")
    facts["tcp_stream"] = tls.info.stream
    facts["frames"] = (summary.first_frame, summary.last_frame)
    facts["status"] = state
    facts["application_data_bytes"] = {
        tls.side(d): tls.app_bytes[d] for d in (0, 1) if tls.app_bytes[d]
    }
    if tls.ends:
        facts["ends"] = tuple((tls.side(d), how, fr) for d, how, fr, _ in tls.ends)
    if tls.gaps:
        facts["gaps"] = tuple((tls.side(d), n, fr) for d, n, fr in tls.gaps)
    if tls.info.keylog is not None and tls.client_random is not None:
        facts["keylog"] = "used" if not tls.keys_missing else "no secrets for this connection"
    hidden = unseen(tls)
    conn = Connection(
        id=tls.info.id,
        transcript=Transcript(
            source=tls.info.id,
            messages=tuple(msgs),
            client=summary.client,
            server=summary.server,
            unseen=tuple(hidden),
        ),
        outcome=Outcome(
            completed=completed,
            alerts=alerts,
            transport=transport,
            closed_by=Side(closed_by) if closed_by else None,
            version=tls.version,
            cipher_suite=tls.suite,
            group=tls.group,
            where=fatal.where if fatal else (msgs[-1].where if msgs else None),
        ),
        server_name=tls.facts.get("sni"),
        facts=facts,
    )
    return conn, chains, notes
