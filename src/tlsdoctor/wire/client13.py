"""The TLS 1.3 client handshake after the ServerHello (RFC 8446 §4.2-§4.6, §A.1).

States follow RFC 8446 Appendix A.1: WAIT_EE, WAIT_CERT_CR, WAIT_CERT, WAIT_CV,
WAIT_FINISHED, then CONNECTED after the client's second flight (Certificate
and CertificateVerify when asked, Finished).  Post-handshake messages
(NewSessionTicket, KeyUpdate §4.6.3) are handled in CONNECTED.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from . import extensions as x
from .constants import AlertDescription as AD
from .constants import ExtensionType as XT
from .constants import ProtocolVersion as PV
from .errors import ProtocolError, unexpected_message
from .events import FinishedChecked, HandshakeComplete, SignatureChecked
from .keyschedule import KeySchedule, Transcript, finished_verify_data
from .messages import (
    Certificate,
    CertificateEntry,
    CertificateRequest,
    CertificateVerify,
    EncryptedExtensions,
    Finished,
    KeyUpdate,
    NewSessionTicket,
    ServerHello,
)
from .protection import Tls13Protection, aead_supported
from .signatures import choose_scheme, default_scheme, sign, tls13_signed_content, verify
from .suites import CipherSuite

if TYPE_CHECKING:
    from .client import ClientEngine


def _unexpected(state: str, msg: Any) -> ProtocolError:
    return unexpected_message("TLS 1.3", state, msg.name)


def leaf_public_key(cert: Certificate) -> tuple[Any, str | None]:
    """The public key of the first certificate, or why it could not be read."""
    if not cert.certificate_list:
        return None, "no certificate"
    try:
        return x509.load_der_x509_certificate(cert.certificate_list[0].cert_data).public_key(), None
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        return None, f"the leaf certificate's key cannot be read: {exc}"


class Tls13Flow:
    """Client side of a TLS 1.3 handshake, from the ServerHello on."""

    version = PV.TLSv1_3
    key_exchange: str | None = None

    def __init__(
        self, engine: ClientEngine, sh: ServerHello, raw: bytes, suite: CipherSuite
    ) -> None:
        e = self.engine = engine
        self.suite = suite
        self.key_changed = False
        self.state = "wait_encrypted_extensions"
        self.cert_request: CertificateRequest | None = None
        self.server_certificate: Certificate | None = None
        self.server_key: Any = None
        self.alpn: bytes | None = None
        self.group: int | None = None
        self.tickets: list[NewSessionTicket] = []
        if not suite.is_tls13 or not aead_supported(suite):
            raise ProtocolError(
                "a TLS 1.3 cipher suite this client offered and supports",
                side="server",
                context="ServerHello",
                found=suite.name,
            )
        if sh.session_id != e.session_id:
            raise ProtocolError(
                "legacy_session_id_echo equal to the client's session id (RFC 8446 §4.1.3)",
                side="server",
                context="ServerHello",
            )
        if e.hrr_transcript is not None:
            if e.hrr_suite != sh.cipher_suite:
                raise ProtocolError(
                    "the cipher suite of the HelloRetryRequest (RFC 8446 §4.1.4)",
                    side="server",
                    context="ServerHello",
                    found=f"0x{sh.cipher_suite:04x}",
                )
            self.transcript = e.hrr_transcript
        else:
            self.transcript = Transcript(suite.hash)
            self.transcript.update(e.client_hello_raw)
        self.transcript.update(raw)

        psk = None
        psk_ext = sh.extension(XT.pre_shared_key)
        if psk_ext is not None:
            selected = x.parse_extension(psk_ext, 2, "server").selected_identity
            if not e.psk_offered() or selected != 0:
                raise ProtocolError(
                    "a pre_shared_key identity the client offered",
                    side="server",
                    context="ServerHello",
                    found=f"identity {selected}",
                )
            if suite.hash != e.config.psk_hash:
                raise ProtocolError(
                    f"a cipher suite whose hash matches the PSK's ({e.config.psk_hash})",
                    side="server",
                    context="ServerHello",
                    found=suite.name,
                )
            psk = e.config.psk_bytes()
        shared = None
        ks_ext = sh.extension(XT.key_share)
        if ks_ext is not None:
            entry = x.parse_extension(ks_ext, 2, "server").entry
            share = e.key_shares.get(entry.group)
            if share is None:
                raise ProtocolError(
                    "a key_share in a group the client sent a share for",
                    side="server",
                    context="ServerHello",
                    found=f"group 0x{entry.group:04x}",
                )
            shared = share.exchange(entry.key_exchange, "server")
            self.group = entry.group
        elif psk is None:
            raise ProtocolError(
                "a key_share extension (or pre_shared_key)",
                side="server",
                context="ServerHello",
                alert=AD.missing_extension,
            )
        elif 0 not in e.profile.psk_modes:
            raise ProtocolError(
                "a key_share: the client offered only psk_dhe_ke",
                side="server",
                context="ServerHello",
                alert=AD.missing_extension,
            )
        self.psk_used = psk is not None
        self.schedule = KeySchedule(suite.hash, psk)
        self.schedule.handshake(shared, self.transcript.digest())
        e.read = Tls13Protection(suite, self.schedule.server_handshake_traffic_secret, "server")
        e.write = Tls13Protection(suite, self.schedule.client_handshake_traffic_secret, "client")
        e.read_encrypted = e.write_encrypted = True
        self.key_changed = True

    # ------------------------------------------------------------- callbacks
    def sent(self, raw: bytes) -> None:
        if self.state != "connected":
            self.transcript.update(raw)

    def on_change_cipher_spec(self) -> None:
        # RFC 8446 §5: a compatibility CCS is ignored before the server Finished.
        if self.state not in (
            "wait_encrypted_extensions",
            "wait_certificate_request",
            "wait_certificate",
            "wait_certificate_verify",
            "wait_finished",
        ):
            raise ProtocolError(
                "no ChangeCipherSpec after the server's Finished (RFC 8446 §5)",
                side="server",
                context="record layer",
                alert=AD.unexpected_message,
            )

    def on_message(self, msg: Any, raw: bytes) -> None:
        handler = getattr(self, "_" + self.state, None)
        if handler is None:
            raise _unexpected(self.state, msg)
        handler(msg, raw)

    # ---------------------------------------------------------------- states
    def _wait_encrypted_extensions(self, msg: Any, raw: bytes) -> None:
        if not isinstance(msg, EncryptedExtensions):
            raise _unexpected("WAIT_EE", msg)
        alpn = msg.extension(XT.application_layer_protocol_negotiation)
        if alpn is not None:
            protocols = x.parse_extension(alpn, 8, "server").protocols
            if len(protocols) != 1 or protocols[0] not in self.engine.profile.alpn:
                raise ProtocolError(
                    "one ALPN protocol the client offered (RFC 7301 §3.1)",
                    side="server",
                    context="EncryptedExtensions",
                )
            self.alpn = protocols[0]
        for ext in msg.extensions:  # every extension must at least parse
            x.parse_extension(ext, 8, "server")
        self.transcript.update(raw)
        self.state = "wait_finished" if self.psk_used else "wait_certificate_request"

    def _wait_certificate_request(self, msg: Any, raw: bytes) -> None:
        if isinstance(msg, CertificateRequest):
            if msg.certificate_request_context is None:
                raise _unexpected("WAIT_CERT_CR", msg)
            self.cert_request = msg
            self.transcript.update(raw)
            self.state = "wait_certificate"
            return
        self._wait_certificate(msg, raw)

    def _wait_certificate(self, msg: Any, raw: bytes) -> None:
        if not isinstance(msg, Certificate):
            raise _unexpected("WAIT_CERT", msg)
        if msg.is_empty:
            raise ProtocolError(
                "a non-empty server Certificate (RFC 8446 §4.4.2.4)",
                side="server",
                context="Certificate",
                alert=AD.decode_error,
            )
        for entry in msg.certificate_list:
            for ext in entry.extensions:
                x.parse_extension(ext, 11, "server")
        self.server_certificate = msg
        self.server_key, _ = leaf_public_key(msg)
        self.transcript.update(raw)
        self.state = "wait_certificate_verify"

    def _wait_certificate_verify(self, msg: Any, raw: bytes) -> None:
        if not isinstance(msg, CertificateVerify):
            raise _unexpected("WAIT_CV", msg)
        e = self.engine
        content = tls13_signed_content(True, self.transcript.digest())
        scheme = msg.algorithm if msg.algorithm is not None else 0
        if self.server_key is None:
            assert self.server_certificate is not None
            error: str | None = leaf_public_key(self.server_certificate)[1]
        elif scheme not in e.profile.signature_algorithms:
            error = f"the server signed with 0x{scheme:04x}, which the client did not offer"
        else:
            error = verify(scheme, self.server_key, msg.signature, content)
        e.emit(SignatureChecked("CertificateVerify", msg.algorithm, error))
        if error is not None and e.config.abort_on_bad_signature:
            raise ProtocolError(
                "a CertificateVerify that verifies", side="server", context="CertificateVerify",
                found=error, alert=AD.decrypt_error,
            )  # fmt: skip
        self.transcript.update(raw)
        self.state = "wait_finished"

    def _wait_finished(self, msg: Any, raw: bytes) -> None:
        if not isinstance(msg, Finished):
            raise _unexpected("WAIT_FINISHED", msg)
        e = self.engine
        s = self.schedule
        want = finished_verify_data(
            self.suite.hash, s.server_handshake_traffic_secret, self.transcript.digest()
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
        self.transcript.update(raw)
        s.master(self.transcript.digest())
        e.read = Tls13Protection(self.suite, s.server_application_traffic_secret, "server")
        self.key_changed = True
        if not e.config.finish:
            self.state = "stopped"
            e.stop("configured to stop after the server's Finished")
            return
        self._second_flight()

    def _second_flight(self) -> None:
        e = self.engine
        s = self.schedule
        if e.profile.compat_mode and not e.ccs_sent:
            e.send_plain_ccs()
        cert_sent = None
        cr = self.cert_request
        if cr is not None:
            chain = e.config.client_certificates
            entries = tuple(CertificateEntry(der) for der in chain)
            e.send_handshake(Certificate(entries, cr.certificate_request_context))
            cert_sent = bool(chain)
            key = e.config.client_key
            if chain and key is not None:
                scheme = choose_scheme(key, cr.signature_algorithms, True)
                if scheme is None:
                    scheme = default_scheme(key, True)
                if scheme is not None:
                    content = tls13_signed_content(False, self.transcript.digest())
                    e.send_handshake(CertificateVerify(scheme, sign(scheme, key, content)))
        verify_data = finished_verify_data(
            self.suite.hash, s.client_handshake_traffic_secret, self.transcript.digest()
        )
        e.send_handshake(Finished(verify_data))
        s.resumption(self.transcript.digest())
        e.write = Tls13Protection(self.suite, s.client_application_traffic_secret, "client")
        self.state = "connected"
        e.state = "connected"
        e.emit(
            HandshakeComplete(
                PV.TLSv1_3,
                self.suite.code,
                self.group,
                self.alpn,
                self.psk_used,
                client_certificate_sent=cert_sent,
            )
        )

    def _connected(self, msg: Any, raw: bytes) -> None:
        e = self.engine
        if isinstance(msg, NewSessionTicket):
            if msg.nonce is None:
                raise _unexpected("CONNECTED", msg)
            for ext in msg.extensions:
                x.parse_extension(ext, 4, "server")
            self.tickets.append(msg)
        elif isinstance(msg, KeyUpdate):
            if msg.request_update not in (0, 1):
                raise ProtocolError("request_update 0 or 1", side="server", context="KeyUpdate")
            assert isinstance(e.read, Tls13Protection)
            e.read.update()
            self.key_changed = True
            if msg.request_update == 1:
                e.send_handshake(KeyUpdate(0))
                assert isinstance(e.write, Tls13Protection)
                e.write.update()
        elif isinstance(msg, CertificateRequest):
            # Post-handshake authentication (RFC 8446 §4.6.2) is recorded only.
            return
        else:
            raise _unexpected("CONNECTED", msg)
