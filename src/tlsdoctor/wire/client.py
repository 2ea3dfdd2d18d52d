"""A sans-IO TLS client engine (RFC 8446 §4 and Appendix A.1, RFC 5246 §7.3).

The engine speaks TLS 1.3 and TLS 1.0-1.2 far enough to diagnose a server: it
sends a ClientHello built from a :class:`~tlsdoctor.wire.hello.ClientHelloProfile`,
follows a HelloRetryRequest once, reads and decrypts the server's flight,
checks signatures and Finished, answers a certificate request (with a chain
and key, or an empty Certificate), sends its Finished and then reads whatever
the server says: NewSessionTicket, application data, or the alert that tells
why it refused.  External PSKs work in TLS 1.3 (psk_ke and psk_dhe_ke, with
binders) and TLS 1.2 (PSK, DHE_PSK, ECDHE_PSK, RSA_PSK).

The caller owns the socket::

    engine = ClientEngine(ClientConfig(server_name="example.test"))
    sock.sendall(engine.start())
    while engine.state not in ("connected", "failed", "closed", "stopped"):
        data = sock.recv(65536)
        if not data:
            break
        events = engine.receive(data)
        sock.sendall(engine.data_to_send())

Every message either way becomes a :class:`~tlsdoctor.wire.events.MessageEvent`
(in :attr:`ClientEngine.events`), so a caller can build a transcript.  A server
that breaks the protocol, or whose records do not decrypt, ends the engine with
a :class:`~tlsdoctor.wire.events.ConnectionFailed` event (the typed
:class:`~tlsdoctor.wire.errors.WireError` inside says which side, where, what);
:meth:`ClientEngine.receive` itself does not raise for peer behaviour.

PSKs and private keys stay inside the engine: no event, repr or error text
contains them.  A PSK may be ``bytes`` or any object with a ``reveal()`` method
(such as :class:`tlsdoctor.model.Secret`); a ``str`` value is used as its UTF-8
bytes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import extensions as x
from .build import handshake_bytes
from .client12 import Tls12Flow
from .client13 import Tls13Flow
from .constants import AlertDescription as AD
from .constants import ContentType as CT
from .constants import ExtensionType as XT
from .constants import ProtocolVersion as PV
from .constants import is_grease
from .errors import ProtocolError, WireError
from .events import (
    ApplicationDataReceived,
    ConnectionClosed,
    ConnectionFailed,
    Event,
    MessageEvent,
    Stopped,
)
from .handshake import parse_body
from .hello import ClientHelloProfile, HelloInputs, build_client_hello
from .kex import KeyShare
from .keyschedule import Transcript, digest, hash_length, psk_binder
from .messages import (
    Alert,
    ApplicationData,
    ChangeCipherSpec,
    ClientHello,
    ServerHello,
)
from .protection import PlaintextProtection, RecordProtection
from .records import (
    MAX_PLAINTEXT,
    HandshakeReassembler,
    Record,
    RecordReader,
    parse_alerts,
    parse_change_cipher_spec,
)
from .registry import cipher_suite


class SecretLike(Protocol):
    def reveal(self) -> bytes | str: ...


_LEGACY_VERSIONS = (PV.SSLv3, PV.TLSv1_0, PV.TLSv1_1, PV.TLSv1_2)


@dataclass(frozen=True)
class ClientConfig:
    """What the engine offers and how far it goes."""

    profile: ClientHelloProfile = field(default_factory=ClientHelloProfile)
    server_name: str | None = None
    psk: bytes | SecretLike | None = field(default=None, repr=False)
    """External PSK (TLS 1.3 and TLS 1.2 PSK suites)."""
    psk_identity: bytes = b"Client_identity"
    psk_hash: str = "sha256"
    """Hash the TLS 1.3 external PSK is bound to (RFC 8446 §4.2.11)."""
    client_certificates: tuple[bytes, ...] = ()
    """DER chain to send when the server asks (leaf first); empty sends an
    empty Certificate."""
    client_key: Any = field(default=None, repr=False)
    """Private key (``cryptography``) for the client CertificateVerify."""
    finish: bool = True
    """TLS 1.3: send the client's second flight.  When False the engine stops
    after checking the server's Finished (a probe that only wants to read)."""
    stop_after: tuple[str, ...] = ()
    """Server message names after which the engine stops (a :class:`Stopped`
    event) without computing anything further: "ServerHello",
    "HelloRetryRequest", "ServerHelloDone".  Version and suite probes stop at
    the ServerHello and never pay for a key exchange."""
    replay: bool = False
    """The hello is another client's, replayed to see what the server chooses
    (the client simulator).  A server without supported_versions may answer
    with any version up to the ClientHello's (RFC 5246 §E.1); whether that
    client accepts a lower one is its policy, judged by the caller, so only
    protocol violations fail the ServerHello.  When False the engine accepts
    only versions its own profile offers."""
    abort_on_bad_signature: bool = True
    """Fail (decrypt_error) when a server signature does not verify, as a
    client would; when False only a SignatureChecked event records it."""
    client_random: bytes | None = field(default=None, repr=False)
    """Fixed ClientHello.random (test vectors); random when None."""
    key_share_secrets: Mapping[int, bytes] = field(default_factory=dict, repr=False)
    """Fixed private keys per group (test vectors)."""

    def psk_bytes(self) -> bytes | None:
        if self.psk is None:
            return None
        if isinstance(self.psk, bytes | bytearray):
            return bytes(self.psk)
        value = self.psk.reveal()
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)


_DONE = frozenset({"failed", "closed", "stopped"})


class ClientEngine:
    """One client connection, driven by the caller's I/O."""

    def __init__(self, config: ClientConfig | None = None) -> None:
        self.config = config or ClientConfig()
        self.profile = self.config.profile
        self.state = "idle"
        self.events: list[Event] = []
        self.error: WireError | None = None
        self.version: int | None = None
        self.cipher_suite: int | None = None
        self.flow: Tls13Flow | Tls12Flow | None = None
        self.client_random = b""
        self.session_id = b""
        self.key_shares: dict[int, KeyShare] = {}
        self.client_hello: ClientHello | None = None
        self.client_hello_raw = b""
        self.hrr_transcript: Transcript | None = None
        self.hrr_suite: int | None = None
        self.ccs_sent = False
        self.read: RecordProtection = PlaintextProtection()
        self.write: RecordProtection = PlaintextProtection(self.profile.record_version)
        self.read_encrypted = False
        self.write_encrypted = False
        self._reader = RecordReader("server")
        self._handshake = HandshakeReassembler("server")
        self._out = bytearray()
        self._new: list[Event] = []

    def __repr__(self) -> str:
        return f"ClientEngine(state={self.state!r}, version={self.version})"

    # ------------------------------------------------------------- public API
    def start(self) -> bytes:
        """Build the ClientHello; return the bytes to send first."""
        if self.state != "idle":
            raise RuntimeError("start() was already called")
        p = self.profile
        self.client_random = self.config.client_random or os.urandom(32)
        self.session_id = os.urandom(32) if p.compat_mode and p.offers_tls13 else b""
        if p.offers_tls13:
            for g in p.key_share_groups:
                if not is_grease(g):
                    self.key_shares[g] = KeyShare(g, self.config.key_share_secrets.get(g))
        ch, raw = self._build_hello(cookie=None, prefix=b"")
        self.client_hello, self.client_hello_raw = ch, raw
        self.state = "wait_server_hello"
        self._send_raw_handshake(ch, raw)
        self.write = PlaintextProtection(0x0303)
        return self.data_to_send()

    def receive(self, data: bytes) -> list[Event]:
        """Process bytes from the server; return the events they caused.

        ``b""`` means the transport ended (the server hung up): the engine
        closes with a :class:`ConnectionClosed` whose ``alert`` is None, or fails
        when the stream stopped inside a record.
        """
        if self.state == "idle":
            raise RuntimeError("call start() first")
        self._new = []
        if self.state in _DONE:
            return []
        if not data:
            try:
                self._reader.close()
            except WireError as exc:
                self._fail(exc)
                return self._take()
            self.state = "closed"
            self.emit(ConnectionClosed(None))
            return self._take()
        try:
            records = self._reader.feed(data)
        except WireError as exc:
            self._fail(exc)
            return self._take()
        for record in records:
            if self.state in _DONE:
                break
            try:
                self._on_record(record)
            except WireError as exc:
                self._fail(exc)
        if self._reader.error is not None and self.state not in _DONE:
            self._fail(self._reader.error)
        return self._take()

    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def send_application_data(self, data: bytes) -> None:
        if self.state != "connected":
            raise RuntimeError("the handshake is not complete")
        for i in range(0, max(len(data), 1), MAX_PLAINTEXT):
            self._out += self.write.seal(CT.application_data, data[i : i + MAX_PLAINTEXT])
        self.emit(MessageEvent("client", ApplicationData(len(data)), True))

    def close(self) -> None:
        """Queue a close_notify alert."""
        if self.state in ("idle", "failed"):
            return
        self._send_alert(1, AD.close_notify)

    def messages(self) -> list[MessageEvent]:
        """The MessageEvents so far, in wire order."""
        return [e for e in self.events if isinstance(e, MessageEvent)]

    # ------------------------------------------------------ used by the flows
    def emit(self, event: Event) -> None:
        self.events.append(event)
        self._new.append(event)

    def send_handshake(self, msg: Any) -> bytes:
        raw = handshake_bytes(msg, self.version)
        self._send_raw_handshake(msg, raw)
        if self.flow is not None:
            self.flow.sent(raw)
        return raw

    def send_plain_ccs(self) -> None:
        version = PV.TLSv1_2 if self.version is None or self.version >= PV.TLSv1_3 else self.version
        self._out += bytes((CT.change_cipher_spec,)) + version.to_bytes(2, "big") + b"\x00\x01\x01"
        self.ccs_sent = True
        self.emit(MessageEvent("client", ChangeCipherSpec(), False, b"\x01"))

    def stop(self, reason: str) -> None:
        self.state = "stopped"
        self.emit(Stopped(reason))

    def psk_offered(self) -> bool:
        return self.config.psk is not None and self.profile.offers_tls13

    # --------------------------------------------------------------- internals
    def _take(self) -> list[Event]:
        new, self._new = self._new, []
        return new

    def _send_raw_handshake(self, msg: Any, raw: bytes) -> None:
        for i in range(0, len(raw), MAX_PLAINTEXT):
            self._out += self.write.seal(CT.handshake, raw[i : i + MAX_PLAINTEXT])
        self.emit(MessageEvent("client", msg, self.write_encrypted, raw))

    def _send_alert(self, level: int, description: int) -> None:
        self._out += self.write.seal(CT.alert, bytes((level, description)))
        alert = Alert(level, description)
        self.emit(MessageEvent("client", alert, self.write_encrypted, bytes((level, description))))

    def _fail(self, error: WireError) -> None:
        self.error = error
        alert = None
        if error.side != "client" and self.state not in _DONE:
            alert = error.alert
            self._send_alert(2, alert)
        self.state = "failed"
        self.emit(ConnectionFailed(error, alert))

    def _build_hello(self, cookie: bytes | None, prefix: bytes) -> tuple[ClientHello, bytes]:
        psk = self.config.psk_bytes()
        offered = None
        n = hash_length(self.config.psk_hash)
        if psk is not None and self.profile.offers_tls13:
            identity = x.PskIdentity(self.config.psk_identity, 0)
            offered = x.OfferedPsks((identity,), (bytes(n),))
        inputs = HelloInputs(
            self.client_random,
            self.session_id,
            self.config.server_name,
            {g: k.public for g, k in self.key_shares.items()},
            cookie,
            offered,
        )
        ch = build_client_hello(self.profile, inputs)
        raw = handshake_bytes(ch)
        if psk is not None and offered is not None:
            truncated = raw[: len(raw) - offered.binders_length]
            th = digest(self.config.psk_hash, prefix + truncated)
            binder = psk_binder(self.config.psk_hash, psk, th, external=True)
            inputs = HelloInputs(
                inputs.random,
                inputs.session_id,
                inputs.server_name,
                inputs.key_shares,
                cookie,
                x.OfferedPsks(offered.identities, (binder,)),
            )
            ch = build_client_hello(self.profile, inputs)
            raw = handshake_bytes(ch)
        return ch, raw

    def _on_record(self, record: Record) -> None:
        ctype, data, encrypted = record.content_type, record.fragment, False
        tls13 = isinstance(self.flow, Tls13Flow)
        if ctype == CT.change_cipher_spec:
            ccs = parse_change_cipher_spec(data, "server", record.offset)
            self.emit(MessageEvent("server", ccs, False, b"\x01", record.offset))
            if self.flow is not None:
                self.flow.on_change_cipher_spec()
            elif not self.profile.offers_tls13:
                # RFC 8446 §5 allows a compatibility CCS once a TLS 1.3 hello is out.
                raise ProtocolError(
                    "no ChangeCipherSpec before the ServerHello",
                    side="server",
                    context="record layer",
                    alert=AD.unexpected_message,
                )
            return
        if self.read_encrypted and not (tls13 and ctype == CT.alert):
            if tls13 and ctype != CT.application_data:
                raise ProtocolError(
                    "only application_data records after the ServerHello (RFC 8446 §5.1)",
                    side="server",
                    context="record layer",
                    found=f"content type {ctype}",
                    alert=AD.unexpected_message,
                )
            ctype, data = self.read.open(record)
            encrypted = True
        if ctype == CT.handshake:
            self._on_handshake_data(data, encrypted, record.offset)
        elif ctype == CT.alert:
            self._on_alerts(data, encrypted, record.offset)
        elif ctype == CT.application_data:
            if self.state != "connected":
                raise ProtocolError(
                    "no application data before the handshake completes",
                    side="server",
                    context="record layer",
                    alert=AD.unexpected_message,
                )
            self.emit(
                MessageEvent("server", ApplicationData(len(data)), encrypted, b"", record.offset)
            )
            self.emit(ApplicationDataReceived(data))
        else:
            raise ProtocolError(
                "handshake, alert or application data",
                side="server",
                context="record layer",
                found=f"content type {ctype}",
                alert=AD.unexpected_message,
            )

    def _on_alerts(self, data: bytes, encrypted: bool, offset: int) -> None:
        for alert in parse_alerts(data, "server", offset):
            self.emit(
                MessageEvent(
                    "server", alert, encrypted, bytes((alert.level, alert.description)), offset
                )
            )
            tls13 = isinstance(self.flow, Tls13Flow)
            ends = alert.level == 2 or alert.description == AD.close_notify
            if tls13 and alert.description != AD.user_canceled:  # RFC 8446 §6: all others end it
                ends = True
            if ends:
                self.state = "closed"
                self.emit(ConnectionClosed(alert))
                return

    def _on_handshake_data(self, data: bytes, encrypted: bool, offset: int) -> None:
        frames = self._handshake.feed(data)
        for i, frame in enumerate(frames):
            if self.state in _DONE:
                return
            flow = self.flow
            version = flow.version if flow is not None else None
            kx = flow.key_exchange if flow is not None else None
            msg = parse_body(
                frame.msg_type, frame.body, side="server", version=version, key_exchange=kx
            )
            self.emit(MessageEvent("server", msg, encrypted, frame.raw, offset))
            stop_after = self.config.stop_after
            if stop_after and self._stop_here(msg, stop_after):
                return
            if self.state == "wait_server_hello":
                if not isinstance(msg, ServerHello):
                    raise ProtocolError(
                        "a ServerHello",
                        side="server",
                        context="handshake",
                        found=msg.name,
                        alert=AD.unexpected_message,
                    )
                self._on_server_hello(msg, frame.raw)
            elif flow is not None:
                flow.on_message(msg, frame.raw)
            flow = self.flow
            if flow is not None and flow.key_changed:
                flow.key_changed = False
                if i != len(frames) - 1 or self._handshake.pending:
                    raise ProtocolError(
                        "a record boundary at a key change (RFC 8446 §5.1)",
                        side="server",
                        context="handshake",
                        alert=AD.unexpected_message,
                    )

    def _stop_here(self, msg: Any, stop_after: tuple[str, ...]) -> bool:
        """Stop at ``msg`` when asked to; a ServerHello is still checked first."""
        if isinstance(msg, ServerHello):
            name = "HelloRetryRequest" if msg.is_hello_retry_request else "ServerHello"
            if name not in stop_after or self.state != "wait_server_hello":
                return False
            if name == "ServerHello":
                self._accept_server_hello(msg)
            self.stop(f"configured to stop at the server's {name}")
            return True
        if msg.name in stop_after:
            self.stop(f"configured to stop at the server's {msg.name}")
            return True
        return False

    # ------------------------------------------------------------ ServerHello
    def _accept_server_hello(self, sh: ServerHello) -> int:
        """Check the ServerHello's choices against what the client offered and
        record the negotiated version and suite (no key exchange yet)."""
        ch = self.client_hello
        assert ch is not None
        sv = sh.extension(XT.supported_versions)
        if sv is not None:
            x.parse_extension(sv, 2, "server")  # a malformed body is a decode_error
        version = sh.selected_version
        offered = [v for v in self.profile.versions if not is_grease(v)]
        if sv is None and self.config.replay:
            # legacy negotiation: anything up to what the ClientHello said
            offered = [v for v in _LEGACY_VERSIONS if v <= ch.legacy_version]
        if version not in offered:
            raise ProtocolError(
                "a version the client offered",
                side="server",
                context="ServerHello",
                found=f"0x{version:04x}",
                alert=AD.protocol_version,
            )
        if sh.cipher_suite not in ch.cipher_suites or is_grease(sh.cipher_suite):
            raise ProtocolError(
                "a cipher suite the client offered",
                side="server",
                context="ServerHello",
                found=f"0x{sh.cipher_suite:04x}",
            )
        if sh.compression_method != 0:
            raise ProtocolError(
                "compression method null",
                side="server",
                context="ServerHello",
                found=str(sh.compression_method),
            )
        self.version = version
        self.cipher_suite = sh.cipher_suite
        return version

    def _on_server_hello(self, sh: ServerHello, raw: bytes) -> None:
        if sh.is_hello_retry_request:
            self._on_hello_retry_request(sh, raw)
            return
        version = self._accept_server_hello(sh)
        suite = cipher_suite(sh.cipher_suite)
        if suite is None or not suite.allowed_in(version):
            raise ProtocolError(
                "a cipher suite that fits the negotiated version",
                side="server",
                context="ServerHello",
                found=f"0x{sh.cipher_suite:04x}",
            )
        self.state = "handshake"
        if version == PV.TLSv1_3:
            self.flow = Tls13Flow(self, sh, raw, suite)
        else:
            self.flow = Tls12Flow(self, sh, raw, suite, version)

    def _on_hello_retry_request(self, hrr: ServerHello, raw: bytes) -> None:
        from .kex import supported

        if self.hrr_transcript is not None:
            raise ProtocolError(
                "at most one HelloRetryRequest (RFC 8446 §4.1.4)",
                side="server",
                context="HelloRetryRequest",
                alert=AD.unexpected_message,
            )
        sv = hrr.extension(XT.supported_versions)
        if sv is None or x.parse_extension(sv, 6, "server").version != PV.TLSv1_3:
            raise ProtocolError(
                "supported_versions selecting TLS 1.3", side="server", context="HelloRetryRequest"
            )
        suite = cipher_suite(hrr.cipher_suite)
        ch = self.client_hello
        assert ch is not None
        if suite is None or not suite.is_tls13 or hrr.cipher_suite not in ch.cipher_suites:
            raise ProtocolError(
                "a TLS 1.3 cipher suite the client offered",
                side="server",
                context="HelloRetryRequest",
                found=f"0x{hrr.cipher_suite:04x}",
            )
        ks = hrr.extension(XT.key_share)
        cookie_ext = hrr.extension(XT.cookie)
        group = x.parse_extension(ks, 6, "server").selected_group if ks is not None else None
        cookie = x.parse_extension(cookie_ext, 6, "server").cookie if cookie_ext else None
        if group is None and cookie is None:
            raise ProtocolError(
                "a key_share or cookie (a retry that changes nothing)",
                side="server",
                context="HelloRetryRequest",
            )
        if group is not None:
            if group not in self.profile.groups or group in self.key_shares:
                raise ProtocolError(
                    "a group the client offered and sent no share for (RFC 8446 §4.2.8)",
                    side="server",
                    context="HelloRetryRequest",
                    found=f"group 0x{group:04x}",
                )
            if not supported(group):
                self.stop(
                    f"the server asked for a key share in group 0x{group:04x}, "
                    "which this client cannot generate"
                )
                return
            self.key_shares = {group: KeyShare(group, self.config.key_share_secrets.get(group))}
        transcript = Transcript(suite.hash)
        transcript.update(self.client_hello_raw)
        transcript.replace_hello_after_retry()
        transcript.update(raw)
        if self.profile.compat_mode and not self.ccs_sent:
            self.send_plain_ccs()
        ch2, raw2 = self._build_hello(cookie, bytes(transcript.messages))
        transcript.update(raw2)
        self.hrr_transcript = transcript
        self.hrr_suite = hrr.cipher_suite
        self.client_hello, self.client_hello_raw = ch2, raw2
        self._send_raw_handshake(ch2, raw2)
