"""The TLS 1.0-1.2 client handshake after the ServerHello (RFC 5246 §7.3-§7.4).

Full handshakes only (no session resumption): Certificate, CertificateStatus
(RFC 6066 §8), ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 4279 §2-§3,
RFC 5489 §2), CertificateRequest, ServerHelloDone; then the client's
Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec and
Finished; then the server's NewSessionTicket (RFC 5077 §3.3), ChangeCipherSpec
and Finished.  Extended master secret (RFC 7627) and encrypt-then-MAC
(RFC 7366) are used when the server accepts them; a downgrade sentinel from a
TLS 1.3 server is refused (RFC 8446 §4.1.3).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import extensions as x
from .build import client_key_exchange
from .client13 import leaf_public_key
from .constants import AlertDescription as AD
from .constants import ExtensionType as XT
from .constants import ProtocolVersion as PV
from .errors import ProtocolError, unexpected_message
from .events import FinishedChecked, HandshakeComplete, SignatureChecked
from .kex import DhKeyShare, KeyShare, supported
from .messages import (
    Certificate,
    CertificateEntry,
    CertificateRequest,
    CertificateStatus,
    CertificateVerify,
    Finished,
    HelloRequest,
    NewSessionTicket,
    ServerHello,
    ServerHelloDone,
    ServerKeyExchange,
)
from .prf import (
    extended_master_secret,
    handshake_hash,
    key_block,
    master_secret,
    psk_pre_master_secret,
    verify_data,
)
from .protection import (
    PlaintextProtection,
    RecordProtection,
    tls12_protection,
    tls12_supported,
)
from .signatures import (
    choose_scheme,
    default_scheme,
    sign,
    sign_legacy,
    verify,
    verify_legacy,
)
from .suites import CipherSuite

if TYPE_CHECKING:
    from .client import ClientEngine

_CERT_AUTH = frozenset({"RSA", "DSS", "ECDSA"})
_NEEDS_SKE = frozenset({"DHE", "ECDHE", "DHE_PSK", "ECDHE_PSK"})
_PSK_KX = frozenset({"PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK"})
_SUPPORTED_KX = frozenset({"RSA", "DHE", "ECDHE"}) | _PSK_KX


def _unexpected(state: str, msg: Any) -> ProtocolError:
    return unexpected_message("TLS 1.2", state, msg.name)


class Tls12Flow:
    """Client side of a TLS 1.0-1.2 full handshake, from the ServerHello on."""

    def __init__(
        self, engine: ClientEngine, sh: ServerHello, raw: bytes, suite: CipherSuite, version: int
    ) -> None:
        e = self.engine = engine
        self.version = version
        self.suite = suite
        self.key_exchange: str | None = suite.key_exchange
        self.key_changed = False
        self.server_random = sh.random
        self.messages = bytearray(e.client_hello_raw + raw)
        self.hash = suite.prf_hash(version)
        self.server_certificate: Certificate | None = None
        self.server_key: Any = None
        self.server_key_error: str | None = None
        self.ske: ServerKeyExchange | None = None
        self.cert_request: CertificateRequest | None = None
        self.status: CertificateStatus | None = None
        self.master = b""
        self.pending_read: RecordProtection | None = None
        self.cert_sent: bool | None = None
        self.group: int | None = None
        self.dh_bits: int | None = None
        self.tickets: list[NewSessionTicket] = []

        if e.profile.offers_tls13 and sh.downgrade_sentinel is not None:
            raise ProtocolError(
                "no downgrade sentinel: the server supports TLS 1.3 but chose "
                f"{sh.downgrade_sentinel} (RFC 8446 §4.1.3)",
                side="server",
                context="ServerHello",
            )
        ch = e.client_hello
        assert ch is not None
        offered = {ext.type for ext in ch.extensions}
        if 0x00FF in ch.cipher_suites:  # the SCSV stands for renegotiation_info (RFC 5746 §3.4)
            offered.add(XT.renegotiation_info)
        for ext in sh.extensions:
            if ext.type not in offered:
                raise ProtocolError(
                    "only extensions the client offered (RFC 5246 §7.4.1.4)",
                    side="server",
                    context="ServerHello",
                    found=ext.type_name,
                    alert=AD.unsupported_extension,
                )
            x.parse_extension(ext, 2, "server")
        ri = sh.extension(XT.renegotiation_info)
        if ri is not None and x.parse_extension(ri, 2, "server").renegotiated_connection:
            raise ProtocolError(
                "an empty renegotiation_info on a first handshake (RFC 5746 §3.4)",
                side="server",
                context="ServerHello",
                alert=AD.handshake_failure,
            )
        self.ems = sh.extension(XT.extended_master_secret) is not None
        self.etm = sh.extension(XT.encrypt_then_mac) is not None and suite.mode == "CBC"
        self.status_acked = sh.extension(XT.status_request) is not None
        alpn = sh.extension(XT.application_layer_protocol_negotiation)
        self.alpn = x.parse_extension(alpn, 2, "server").protocols[0] if alpn else None
        needs_cert = suite.authentication in _CERT_AUTH or suite.key_exchange == "RSA_PSK"
        self.state = "wait_certificate" if needs_cert else "wait_server_key_exchange"
        e.write = PlaintextProtection(version)

    # ------------------------------------------------------------- callbacks
    def sent(self, raw: bytes) -> None:
        self.messages += raw

    def on_change_cipher_spec(self) -> None:
        if self.state != "wait_change_cipher_spec" or self.pending_read is None:
            raise ProtocolError(
                "ChangeCipherSpec only after the client's Finished",
                side="server",
                context="record layer",
                found=f"state {self.state}",
                alert=AD.unexpected_message,
            )
        e = self.engine
        e.read = self.pending_read
        e.read_encrypted = True
        self.key_changed = True
        self.state = "wait_finished"

    def on_message(self, msg: Any, raw: bytes) -> None:
        if isinstance(msg, HelloRequest):
            return  # RFC 5246 §7.4.1.1: may be ignored; not part of the transcript
        handler = getattr(self, "_" + self.state, None)
        if handler is None:
            raise _unexpected(self.state, msg)
        handler(msg, raw)

    # ---------------------------------------------------------------- states
    def _wait_certificate(self, msg: Any, raw: bytes) -> None:
        if not isinstance(msg, Certificate):
            raise _unexpected("WAIT_CERTIFICATE", msg)
        if msg.is_empty:
            raise ProtocolError(
                "a non-empty server Certificate",
                side="server",
                context="Certificate",
                alert=AD.decode_error,
            )
        self.server_certificate = msg
        self.server_key, self.server_key_error = leaf_public_key(msg)
        self.messages += raw
        self.state = "wait_certificate_status" if self.status_acked else "wait_server_key_exchange"

    def _wait_certificate_status(self, msg: Any, raw: bytes) -> None:
        if isinstance(msg, CertificateStatus):
            self.status = msg
            self.messages += raw
            self.state = "wait_server_key_exchange"
            return
        self._wait_server_key_exchange(msg, raw)

    def _wait_server_key_exchange(self, msg: Any, raw: bytes) -> None:
        kx = self.suite.key_exchange
        if isinstance(msg, ServerKeyExchange) and (kx in _NEEDS_SKE or kx in _PSK_KX):
            self._check_server_key_exchange(msg)
            self.ske = msg
            self.messages += raw
            self.state = "wait_certificate_request"
            return
        if kx in _NEEDS_SKE:
            raise _unexpected("WAIT_SERVER_KEY_EXCHANGE", msg)
        self._wait_certificate_request(msg, raw)

    def _wait_certificate_request(self, msg: Any, raw: bytes) -> None:
        if isinstance(msg, CertificateRequest):
            self.cert_request = msg
            self.messages += raw
            self.state = "wait_server_hello_done"
            return
        self._wait_server_hello_done(msg, raw)

    def _wait_server_hello_done(self, msg: Any, raw: bytes) -> None:
        if not isinstance(msg, ServerHelloDone):
            raise _unexpected("WAIT_SERVER_HELLO_DONE", msg)
        self.messages += raw
        self._client_flight()

    def _wait_change_cipher_spec(self, msg: Any, raw: bytes) -> None:
        if not isinstance(msg, NewSessionTicket) or msg.nonce is not None:
            raise _unexpected("WAIT_CHANGE_CIPHER_SPEC", msg)
        self.tickets.append(msg)
        self.messages += raw

    def _wait_finished(self, msg: Any, raw: bytes) -> None:
        if not isinstance(msg, Finished):
            raise _unexpected("WAIT_FINISHED", msg)
        e = self.engine
        want = verify_data(
            self.hash, self.master, False, handshake_hash(self.hash, bytes(self.messages))
        )
        ok = want == msg.verify_data
        e.emit(FinishedChecked(ok))
        if not ok:
            raise ProtocolError(
                "a server Finished that matches the transcript",
                side="server",
                context="Finished",
                alert=AD.decrypt_error,
            )
        self.messages += raw
        self.state = "connected"
        e.state = "connected"
        e.emit(
            HandshakeComplete(
                self.version,
                self.suite.code,
                self.group,
                self.alpn,
                self.suite.key_exchange in _PSK_KX,
                self.ems,
                self.etm if self.suite.mode == "CBC" else None,
                self.cert_sent,
                self.dh_bits,
            )
        )

    def _connected(self, msg: Any, raw: bytes) -> None:
        raise _unexpected("CONNECTED", msg)

    # ---------------------------------------------------------- key exchange
    def _check_server_key_exchange(self, ske: ServerKeyExchange) -> None:
        e = self.engine
        kx = self.suite.key_exchange
        if kx in ("ECDHE", "ECDHE_PSK"):
            if ske.curve_type != 3 or ske.named_group is None:
                raise ProtocolError(
                    "a named curve (RFC 8422 §5.4)", side="server", context="ServerKeyExchange",
                    found=f"curve type {ske.curve_type}",
                )  # fmt: skip
            if ske.named_group not in e.profile.groups:
                raise ProtocolError(
                    "a group the client offered", side="server", context="ServerKeyExchange",
                    found=f"group 0x{ske.named_group:04x}",
                )  # fmt: skip
        if ske.dh_p is not None:
            self.dh_bits = ske.dh_bits
        signed = kx in ("DHE", "ECDHE") and self.suite.authentication in _CERT_AUTH
        if not signed or ske.signature is None:
            if signed:
                raise ProtocolError(
                    "a signed ServerKeyExchange", side="server", context="ServerKeyExchange"
                )
            return
        params = ske.signed_params or b""
        data = e.client_random + self.server_random + params
        scheme = ske.signature_scheme
        if self.server_key is None:
            error: str | None = self.server_key_error or "no server key"
        elif scheme is None:
            error = verify_legacy(self.server_key, ske.signature, data)
        elif scheme not in e.profile.signature_algorithms:
            error = f"the server signed with 0x{scheme:04x}, which the client did not offer"
        else:
            error = verify(scheme, self.server_key, ske.signature, data)
        e.emit(SignatureChecked("ServerKeyExchange", scheme, error))
        if error is not None and e.config.abort_on_bad_signature:
            raise ProtocolError(
                "a ServerKeyExchange signature that verifies", side="server",
                context="ServerKeyExchange", found=error, alert=AD.decrypt_error,
            )  # fmt: skip

    def _client_flight(self) -> None:
        e = self.engine
        suite = self.suite
        kx = suite.key_exchange
        psk = e.config.psk_bytes()
        if kx not in _SUPPORTED_KX:
            e.stop(f"this client does not implement the {kx} key exchange of {suite.name}")
            return
        if not tls12_supported(suite):
            e.stop(f"this client cannot protect records with {suite.name}")
            return
        if kx in _PSK_KX and psk is None:
            e.stop(f"the server chose {suite.name} but no PSK is configured")
            return
        ske = self.ske
        if ske is not None and ske.named_group is not None and not supported(ske.named_group):
            e.stop(f"this client cannot do ECDHE in group 0x{ske.named_group:04x}")
            return
        if self.cert_request is not None:
            chain = e.config.client_certificates
            e.send_handshake(Certificate(tuple(CertificateEntry(d) for d in chain)))
            self.cert_sent = bool(chain)

        identity = e.config.psk_identity if kx in _PSK_KX else None
        shared = b""
        if kx in ("ECDHE", "ECDHE_PSK"):
            assert ske is not None and ske.named_group is not None and ske.public is not None
            share = KeyShare(ske.named_group)
            shared = share.exchange(ske.public, "server")
            self.group = ske.named_group
            cke = client_key_exchange(kx, psk_identity=identity, public=share.public)
        elif kx in ("DHE", "DHE_PSK"):
            assert ske is not None and ske.dh_p is not None and ske.dh_g is not None
            dh = DhKeyShare(ske.dh_p, ske.dh_g, "server")
            shared = dh.exchange(ske.public or b"", "server")
            cke = client_key_exchange(kx, psk_identity=identity, public=dh.public)
        elif kx in ("RSA", "RSA_PSK"):
            if not isinstance(self.server_key, rsa.RSAPublicKey):
                raise ProtocolError(
                    "an RSA server certificate for RSA key exchange",
                    side="server",
                    context="Certificate",
                    found=self.server_key_error or type(self.server_key).__name__,
                    alert=AD.unsupported_certificate,
                )
            assert e.client_hello is not None
            shared = e.client_hello.legacy_version.to_bytes(2, "big") + os.urandom(46)
            encrypted = self.server_key.encrypt(shared, padding.PKCS1v15())
            cke = client_key_exchange(
                kx, psk_identity=identity, encrypted_pre_master_secret=encrypted
            )
        else:
            cke = client_key_exchange("psk", psk_identity=identity)
        if kx == "PSK":
            assert psk is not None
            pre_master = psk_pre_master_secret(psk)
        elif kx in _PSK_KX:
            assert psk is not None
            pre_master = psk_pre_master_secret(psk, shared)
        else:
            pre_master = shared
        e.send_handshake(cke)

        if self.ems:
            session_hash = handshake_hash(self.hash, bytes(self.messages))
            self.master = extended_master_secret(self.hash, pre_master, session_hash)
        else:
            self.master = master_secret(self.hash, pre_master, e.client_random, self.server_random)

        key = e.config.client_key
        if self.cert_sent and key is not None and self.cert_request is not None:
            if self.version >= PV.TLSv1_2:
                offered = self.cert_request.signature_algorithms
                scheme = choose_scheme(key, offered, False) or default_scheme(key, False)
                if scheme is not None:
                    signature = sign(scheme, key, bytes(self.messages))
                    e.send_handshake(CertificateVerify(scheme, signature))
            else:
                e.send_handshake(CertificateVerify(None, sign_legacy(key, bytes(self.messages))))

        e.send_plain_ccs()
        keys = key_block(suite, self.version, self.master, e.client_random, self.server_random)
        e.write = tls12_protection(suite, self.version, keys, True, self.etm, "client")
        e.write_encrypted = True
        self.pending_read = tls12_protection(suite, self.version, keys, False, self.etm, "server")
        fin = verify_data(
            self.hash, self.master, True, handshake_hash(self.hash, bytes(self.messages))
        )
        e.send_handshake(Finished(fin))
        self.state = "wait_change_cipher_spec"
