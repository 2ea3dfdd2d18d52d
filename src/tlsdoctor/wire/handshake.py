"""Parsing TLS handshake messages (RFC 8446 §4, RFC 5246 §7.4, RFC 4279, RFC 8422).

:func:`parse_handshake` reads one ``Handshake`` structure (1-byte type, 3-byte
length, body) and :func:`parse_body` one body.  Some bodies depend on what was
negotiated earlier: the Certificate, CertificateRequest and NewSessionTicket
forms differ in TLS 1.3; ServerKeyExchange and ClientKeyExchange depend on the
suite's key exchange.  The caller passes ``version`` and ``key_exchange``, or
keeps a :class:`HandshakeContext` that learns them from the ServerHello.

Every failure is a :class:`~tlsdoctor.wire.errors.WireError` naming the side,
the message and the byte offset within the message body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import messages as m
from ._codec import Reader
from .constants import HandshakeType as H
from .constants import ProtocolVersion as PV
from .constants import handshake_type_name
from .errors import WireError, side_name
from .registry import cipher_suite

HEADER_LENGTH = 4


def parse_handshake(
    data: bytes,
    *,
    side: object = None,
    version: int | None = None,
    key_exchange: str | None = None,
) -> tuple[m.HandshakeMessage | m.HelloRequest, int]:
    """Parse the handshake message at the start of ``data``.

    Returns the message and the number of bytes it took (header included).
    """
    who = side_name(side)
    if len(data) < HEADER_LENGTH:
        raise WireError("4-byte handshake header", offset=0, side=who, found=f"{len(data)} bytes")
    msg_type = data[0]
    length = int.from_bytes(data[1:4], "big")
    if len(data) - HEADER_LENGTH < length:
        raise WireError(
            f"{handshake_type_name(msg_type)} body of {length} bytes",
            offset=HEADER_LENGTH,
            side=who,
            found=f"{len(data) - HEADER_LENGTH} bytes",
        )
    body = bytes(data[HEADER_LENGTH : HEADER_LENGTH + length])
    msg = parse_body(msg_type, body, side=who, version=version, key_exchange=key_exchange)
    return msg, HEADER_LENGTH + length


def parse_body(
    msg_type: int,
    body: bytes,
    *,
    side: object = None,
    version: int | None = None,
    key_exchange: str | None = None,
) -> m.HandshakeMessage | m.HelloRequest:
    """Parse a handshake body of type ``msg_type``.

    ``version`` is the negotiated protocol version when known (it picks the
    TLS 1.3 or TLS 1.2 form); ``key_exchange`` a :attr:`CipherSuite.key_exchange`
    value ("ECDHE", "DHE", "PSK", "DHE_PSK", "ECDHE_PSK", "RSA", "RSA_PSK").
    """
    parser = _BODY_PARSERS.get(msg_type)
    if parser is None:
        return m.UnknownHandshake(msg_type, bytes(body))
    r = Reader(body, side=side_name(side), context=handshake_type_name(msg_type))
    msg: Any = parser(r, version, key_exchange)
    r.expect_end(handshake_type_name(msg_type))
    return msg


# ----------------------------------------------------------------- extensions


def _extensions(r: Reader, what: str = "extensions") -> tuple[m.Extension, ...]:
    block = r.sub(2, what)
    out = []
    while not block.at_end():
        t = block.u16("extension type")
        out.append(m.Extension(t, block.vec16("extension_data")))
    return tuple(out)


# ---------------------------------------------------------------------- hellos


def _client_hello(r: Reader, version: int | None, kx: str | None) -> m.ClientHello:
    legacy_version = r.u16("legacy_version")
    random = r.raw(32, "random")
    session_id = r.vec8("legacy_session_id", hi=32)
    suites = r.u16_list(2, "cipher_suites", lo=2)
    compression = r.vec8("legacy_compression_methods", lo=1)
    exts = () if r.at_end() else _extensions(r)
    return m.ClientHello(legacy_version, random, session_id, suites, compression, exts)


def _server_hello(r: Reader, version: int | None, kx: str | None) -> m.ServerHello:
    legacy_version = r.u16("legacy_version")
    random = r.raw(32, "random")
    session_id = r.vec8("legacy_session_id_echo", hi=32)
    suite = r.u16("cipher_suite")
    compression = r.u8("legacy_compression_method")
    exts = () if r.at_end() else _extensions(r)
    return m.ServerHello(legacy_version, random, session_id, suite, compression, exts)


def _new_session_ticket(r: Reader, version: int | None, kx: str | None) -> m.NewSessionTicket:
    lifetime = r.u32("ticket_lifetime")
    tls13 = version >= PV.TLSv1_3 if version is not None else _looks_like_tls13_ticket(r)
    if tls13:
        age_add = r.u32("ticket_age_add")
        nonce = r.vec8("ticket_nonce")
        ticket = r.vec16("ticket", lo=1)
        exts = _extensions(r)
        return m.NewSessionTicket(lifetime, ticket, age_add, nonce, exts)
    return m.NewSessionTicket(lifetime, r.vec16("ticket"))


def _looks_like_tls13_ticket(r: Reader) -> bool:
    """Without a version: a TLS 1.2 ticket's vec16 fills the body exactly."""
    if r.remaining < 2:
        return False
    p = r.pos
    n = (r.data[p] << 8) | r.data[p + 1]
    return p + 2 + n != r.end


def _end_of_early_data(r: Reader, version: int | None, kx: str | None) -> m.EndOfEarlyData:
    return m.EndOfEarlyData()


def _encrypted_extensions(r: Reader, version: int | None, kx: str | None) -> m.EncryptedExtensions:
    return m.EncryptedExtensions(_extensions(r))


# ---------------------------------------------------------------- certificates


def _certificate(r: Reader, version: int | None, kx: str | None) -> m.Certificate:
    tls13 = version >= PV.TLSv1_3 if version is not None else _looks_like_tls13_certificate(r)
    if not tls13:
        lst = r.sub(3, "certificate_list")
        certs = []
        while not lst.at_end():
            certs.append(m.CertificateEntry(lst.vec24("ASN.1Cert", lo=1)))
        return m.Certificate(tuple(certs))
    context = r.vec8("certificate_request_context")
    lst = r.sub(3, "certificate_list")
    entries = []
    while not lst.at_end():
        data = lst.vec24("cert_data", lo=1)
        entries.append(m.CertificateEntry(data, _extensions(lst, "CertificateEntry.extensions")))
    return m.Certificate(tuple(entries), context)


def _looks_like_tls13_certificate(r: Reader) -> bool:
    """Without a version: the TLS 1.2 form is one vec24 filling the body."""
    if r.remaining < 3:
        return False
    p = r.pos
    n = int.from_bytes(r.data[p : p + 3], "big")
    return p + 3 + n != r.end


def _certificate_request(r: Reader, version: int | None, kx: str | None) -> m.CertificateRequest:
    tls13 = version is not None and version >= PV.TLSv1_3
    if version is None:  # TLS 1.3 form starts with a short context then a vec16
        tls13 = _looks_like_tls13_certificate_request(r)
    if tls13:
        context = r.vec8("certificate_request_context")
        exts = _extensions(r)
        from .extensions import parse_extension

        sigalgs: tuple[int, ...] = ()
        cas: tuple[bytes, ...] = ()
        for e in exts:
            if e.type == 13:
                sigalgs = parse_extension(e, H.certificate_request, r.side).schemes
            elif e.type == 47:
                cas = parse_extension(e, H.certificate_request, r.side).authorities
        return m.CertificateRequest(
            signature_algorithms=sigalgs,
            certificate_authorities=cas,
            certificate_request_context=context,
            extensions=exts,
        )
    types = r.vec8("certificate_types", lo=1)
    sigalgs = (
        ()
        if version is not None and version < PV.TLSv1_2
        else r.u16_list(2, "supported_signature_algorithms")
    )
    lst = r.sub(2, "certificate_authorities")
    names = []
    while not lst.at_end():
        names.append(lst.vec16("DistinguishedName", lo=1))
    return m.CertificateRequest(
        certificate_types=types, signature_algorithms=sigalgs, certificate_authorities=tuple(names)
    )


def _looks_like_tls13_certificate_request(r: Reader) -> bool:
    p, end = r.pos, r.end
    if end - p < 3:
        return False
    ctx = r.data[p]
    if p + 1 + ctx + 2 > end:
        return False
    q = p + 1 + ctx
    n = (r.data[q] << 8) | r.data[q + 1]
    return q + 2 + n == end


def _certificate_status(r: Reader, version: int | None, kx: str | None) -> m.CertificateStatus:
    kind = r.u8("status_type")
    return m.CertificateStatus(kind, r.vec24("OCSPResponse", lo=1))


# ----------------------------------------------------------------- key exchange


def _signature(r: Reader, version: int | None) -> tuple[int | None, bytes | None]:
    if r.at_end():  # anonymous key exchange: no signature
        return None, None
    scheme = None
    if version is None or version >= PV.TLSv1_2:
        scheme = r.u16("SignatureAndHashAlgorithm")
    return scheme, r.vec16("signature")


def _server_key_exchange(r: Reader, version: int | None, kx: str | None) -> m.ServerKeyExchange:
    raw = bytes(r.data[r.pos : r.end])
    kind = (kx or "").upper()
    hint = None
    if kind in ("PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK"):
        hint = r.vec16("psk_identity_hint")
        if kind in ("PSK", "RSA_PSK"):
            return m.ServerKeyExchange(raw, kind.lower(), psk_identity_hint=hint)
    if kind in ("ECDHE", "ECDHE_PSK"):
        curve_type = r.u8("ECCurveType")
        if curve_type != 3:  # explicit curves (RFC 4492) are not parsed further
            r.rest()
            return m.ServerKeyExchange(raw, kind.lower(), curve_type=curve_type)
        group = r.u16("named_curve")
        public = r.vec8("ECPoint", lo=1)
        params_len = len(raw) - r.remaining
        scheme, sig = (None, None) if kind == "ECDHE_PSK" else _signature(r, version)
        return m.ServerKeyExchange(
            raw,
            kind.lower(),
            named_group=group,
            public=public,
            psk_identity_hint=hint,
            signature_scheme=scheme,
            signature=sig,
            curve_type=curve_type,
            params_length=params_len,
        )
    if kind in ("DHE", "DHE_PSK"):
        p = r.vec16("dh_p", lo=1)
        g = r.vec16("dh_g", lo=1)
        ys = r.vec16("dh_Ys", lo=1)
        params_len = len(raw) - r.remaining
        scheme, sig = (None, None) if kind == "DHE_PSK" else _signature(r, version)
        return m.ServerKeyExchange(
            raw,
            kind.lower(),
            public=ys,
            dh_p=p,
            dh_g=g,
            psk_identity_hint=hint,
            signature_scheme=scheme,
            signature=sig,
            params_length=params_len,
        )
    r.rest()
    return m.ServerKeyExchange(raw, None)


def _client_key_exchange(r: Reader, version: int | None, kx: str | None) -> m.ClientKeyExchange:
    raw = bytes(r.data[r.pos : r.end])
    kind = (kx or "").upper()
    identity = None
    if kind in ("PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK"):
        identity = r.vec16("psk_identity")
    if kind in ("ECDHE", "ECDHE_PSK", "ECDH"):
        public = r.vec8("ecdh_Yc", lo=1)
        return m.ClientKeyExchange(raw, identity, kind.lower(), public=public)
    if kind in ("DHE", "DHE_PSK", "DH"):
        return m.ClientKeyExchange(raw, identity, kind.lower(), public=r.vec16("dh_Yc", lo=1))
    if kind in ("RSA", "RSA_PSK"):
        if version == 0x0300:  # SSL 3.0 sends the encrypted secret without a length
            return m.ClientKeyExchange(raw, identity, "rsa", encrypted_pre_master_secret=r.rest())
        enc = r.vec16("EncryptedPreMasterSecret", lo=1)
        return m.ClientKeyExchange(raw, identity, kind.lower(), encrypted_pre_master_secret=enc)
    if kind == "PSK":
        return m.ClientKeyExchange(raw, identity, "psk")
    r.rest()
    return m.ClientKeyExchange(raw, identity)


# ------------------------------------------------------------------- the rest


def _hello_request(r: Reader, version: int | None, kx: str | None) -> m.HelloRequest:
    return m.HelloRequest()


def _server_hello_done(r: Reader, version: int | None, kx: str | None) -> m.ServerHelloDone:
    return m.ServerHelloDone()


def _certificate_verify(r: Reader, version: int | None, kx: str | None) -> m.CertificateVerify:
    scheme = None
    if version is None or version >= PV.TLSv1_2:
        scheme = r.u16("algorithm")
    return m.CertificateVerify(scheme, r.vec16("signature"))


def _finished(r: Reader, version: int | None, kx: str | None) -> m.Finished:
    return m.Finished(r.rest())


def _key_update(r: Reader, version: int | None, kx: str | None) -> m.KeyUpdate:
    return m.KeyUpdate(r.u8("request_update"))


_BODY_PARSERS: dict[int, Any] = {
    H.hello_request: _hello_request,
    H.client_hello: _client_hello,
    H.server_hello: _server_hello,
    H.new_session_ticket: _new_session_ticket,
    H.end_of_early_data: _end_of_early_data,
    H.encrypted_extensions: _encrypted_extensions,
    H.certificate: _certificate,
    H.server_key_exchange: _server_key_exchange,
    H.certificate_request: _certificate_request,
    H.server_hello_done: _server_hello_done,
    H.certificate_verify: _certificate_verify,
    H.client_key_exchange: _client_key_exchange,
    H.finished: _finished,
    H.certificate_status: _certificate_status,
    H.key_update: _key_update,
}


# --------------------------------------------------------------------- context


@dataclass
class HandshakeContext:
    """What one connection negotiated so far, for parsing what comes next.

    Feed it every handshake message (:meth:`observe`); :attr:`version` and
    :attr:`key_exchange` follow the ServerHello.  A capture reader keeps one per
    connection; :meth:`parse` parses with what it knows.
    """

    version: int | None = None
    cipher_suite: int | None = None
    key_exchange: str | None = None

    def observe(self, msg: object) -> None:
        if isinstance(msg, m.ServerHello):
            self.cipher_suite = msg.cipher_suite
            self.version = msg.selected_version
            suite = cipher_suite(msg.cipher_suite)
            self.key_exchange = suite.key_exchange if suite else None

    def parse(self, data: bytes, side: object = None) -> tuple[Any, int]:
        msg, n = parse_handshake(
            data, side=side, version=self.version, key_exchange=self.key_exchange
        )
        self.observe(msg)
        return msg, n
