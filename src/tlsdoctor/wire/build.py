"""Serialising TLS handshake messages (RFC 8446 §4, RFC 5246 §7.4).

:func:`handshake_bytes` gives a message with its 4-byte ``Handshake`` header;
:func:`body_bytes` the body alone.  The TLS 1.3 forms of Certificate,
CertificateRequest and NewSessionTicket are chosen by the fields that only TLS
1.3 has (``certificate_request_context``, ``nonce``), so building a parsed
message gives back the bytes it was parsed from.
"""

from __future__ import annotations

from typing import Any

from . import _codec as c
from . import messages as m
from .constants import ProtocolVersion as PV


def extensions_bytes(extensions: tuple[m.Extension, ...]) -> bytes:
    return c.vec16(b"".join(c.u16(e.type) + c.vec16(e.data) for e in extensions))


def handshake_bytes(msg: Any, version: int | None = None) -> bytes:
    """``msg`` as a Handshake structure: type, 3-byte length, body."""
    msg_type = msg.handshake_type if isinstance(msg, m.UnknownHandshake) else msg.msg_type
    body = body_bytes(msg, version)
    return c.u8(msg_type) + c.vec24(body)


def body_bytes(msg: Any, version: int | None = None) -> bytes:
    """The body of ``msg``; ``version`` matters only for TLS < 1.2 forms of
    CertificateRequest and CertificateVerify (no signature algorithm)."""
    builder = _BUILDERS.get(type(msg))
    if builder is None:
        raise TypeError(f"not a handshake message: {type(msg).__name__}")
    out: bytes = builder(msg, version)
    return out


def _client_hello(msg: m.ClientHello, version: int | None) -> bytes:
    parts = [
        c.u16(msg.legacy_version),
        msg.random,
        c.vec8(msg.session_id),
        c.u16_list(msg.cipher_suites),
        c.vec8(msg.compression_methods),
    ]
    if msg.extensions:
        parts.append(extensions_bytes(msg.extensions))
    return b"".join(parts)


def _server_hello(msg: m.ServerHello, version: int | None) -> bytes:
    parts = [
        c.u16(msg.legacy_version),
        msg.random,
        c.vec8(msg.session_id),
        c.u16(msg.cipher_suite),
        c.u8(msg.compression_method),
    ]
    if msg.extensions:
        parts.append(extensions_bytes(msg.extensions))
    return b"".join(parts)


def _new_session_ticket(msg: m.NewSessionTicket, version: int | None) -> bytes:
    if msg.nonce is None:
        return c.u32(msg.lifetime) + c.vec16(msg.ticket)
    return b"".join(
        (
            c.u32(msg.lifetime),
            c.u32(msg.age_add or 0),
            c.vec8(msg.nonce),
            c.vec16(msg.ticket),
            extensions_bytes(msg.extensions),
        )
    )


def _empty(msg: Any, version: int | None) -> bytes:
    return b""


def _encrypted_extensions(msg: m.EncryptedExtensions, version: int | None) -> bytes:
    return extensions_bytes(msg.extensions)


def _certificate(msg: m.Certificate, version: int | None) -> bytes:
    if msg.certificate_request_context is None:
        return c.vec24(b"".join(c.vec24(e.cert_data) for e in msg.certificate_list))
    entries = b"".join(
        c.vec24(e.cert_data) + extensions_bytes(e.extensions) for e in msg.certificate_list
    )
    return c.vec8(msg.certificate_request_context) + c.vec24(entries)


def _certificate_request(msg: m.CertificateRequest, version: int | None) -> bytes:
    if msg.certificate_request_context is not None:
        return c.vec8(msg.certificate_request_context) + extensions_bytes(msg.extensions)
    parts = [c.vec8(msg.certificate_types or b"")]
    if version is None or version >= PV.TLSv1_2:
        parts.append(c.u16_list(msg.signature_algorithms))
    parts.append(c.vec16(b"".join(c.vec16(n) for n in msg.certificate_authorities)))
    return b"".join(parts)


def _server_key_exchange(msg: m.ServerKeyExchange, version: int | None) -> bytes:
    return msg.raw


def _certificate_verify(msg: m.CertificateVerify, version: int | None) -> bytes:
    if msg.algorithm is None:
        return c.vec16(msg.signature)
    return c.u16(msg.algorithm) + c.vec16(msg.signature)


def _client_key_exchange(msg: m.ClientKeyExchange, version: int | None) -> bytes:
    return msg.raw


def _finished(msg: m.Finished, version: int | None) -> bytes:
    return msg.verify_data


def _certificate_status(msg: m.CertificateStatus, version: int | None) -> bytes:
    return c.u8(msg.status_type) + c.vec24(msg.ocsp_response)


def _key_update(msg: m.KeyUpdate, version: int | None) -> bytes:
    return c.u8(msg.request_update)


def _unknown(msg: m.UnknownHandshake, version: int | None) -> bytes:
    return msg.body


_BUILDERS: dict[type, Any] = {
    m.HelloRequest: _empty,
    m.ClientHello: _client_hello,
    m.ServerHello: _server_hello,
    m.NewSessionTicket: _new_session_ticket,
    m.EndOfEarlyData: _empty,
    m.EncryptedExtensions: _encrypted_extensions,
    m.Certificate: _certificate,
    m.ServerKeyExchange: _server_key_exchange,
    m.CertificateRequest: _certificate_request,
    m.ServerHelloDone: _empty,
    m.CertificateVerify: _certificate_verify,
    m.ClientKeyExchange: _client_key_exchange,
    m.Finished: _finished,
    m.CertificateStatus: _certificate_status,
    m.KeyUpdate: _key_update,
    m.UnknownHandshake: _unknown,
}


# ----------------------------------------------------- key exchange bodies


def server_ecdh_params(group: int, public: bytes) -> bytes:
    """ServerECDHParams with a named curve (RFC 8422 §5.4)."""
    return c.u8(3) + c.u16(group) + c.vec8(public)


def server_dh_params(p: bytes, g: bytes, ys: bytes) -> bytes:
    """ServerDHParams (RFC 5246 §7.4.3)."""
    return c.vec16(p) + c.vec16(g) + c.vec16(ys)


def server_key_exchange(
    kind: str,
    *,
    params: bytes = b"",
    psk_identity_hint: bytes | None = None,
    signature_scheme: int | None = None,
    signature: bytes | None = None,
) -> bytes:
    """A ServerKeyExchange body: [hint] params [signature] (RFC 5246, RFC 4279,
    RFC 5489)."""
    parts = []
    if psk_identity_hint is not None:
        parts.append(c.vec16(psk_identity_hint))
    parts.append(params)
    if signature is not None:
        if signature_scheme is not None:
            parts.append(c.u16(signature_scheme))
        parts.append(c.vec16(signature))
    return b"".join(parts)


def client_key_exchange(
    kind: str,
    *,
    psk_identity: bytes | None = None,
    public: bytes | None = None,
    encrypted_pre_master_secret: bytes | None = None,
) -> m.ClientKeyExchange:
    """A ClientKeyExchange for key exchange ``kind`` (RFC 5246 §7.4.7, RFC 8422
    §5.7, RFC 4279 §2-§4, RFC 5489 §2)."""
    k = kind.lower()
    parts = []
    if k in ("psk", "dhe_psk", "ecdhe_psk", "rsa_psk"):
        parts.append(c.vec16(psk_identity or b""))
    if k in ("ecdhe", "ecdhe_psk"):
        parts.append(c.vec8(public or b""))
    elif k in ("dhe", "dhe_psk"):
        parts.append(c.vec16(public or b""))
    elif k in ("rsa", "rsa_psk"):
        parts.append(c.vec16(encrypted_pre_master_secret or b""))
    return m.ClientKeyExchange(
        b"".join(parts),
        psk_identity,
        k,
        public=public,
        encrypted_pre_master_secret=encrypted_pre_master_secret,
    )
