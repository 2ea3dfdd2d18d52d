"""Typed TLS extensions: parse an :class:`Extension` body into a frozen value and back.

Each class cites the section that defines its wire form.  Several extensions
have different bodies in different messages (RFC 8446 §4.2: ``key_share`` in
ClientHello, ServerHello and HelloRetryRequest; ``supported_versions`` in
ClientHello and ServerHello; ``pre_shared_key``; ``early_data``), so
:func:`parse_extension` takes the handshake type the extension came in.

Extensions this module does not model come back as the raw
:class:`~tlsdoctor.wire.messages.Extension`; GREASE extensions (RFC 8701) as
:class:`Grease`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _codec as c
from .constants import ExtensionType as X
from .constants import HandshakeType as H
from .constants import extension_name, is_grease
from .errors import WireError, side_name
from .messages import Extension

CH, SH, HRR = H.client_hello, H.server_hello, H.hello_retry_request
EE, CT, CR, NST = (
    H.encrypted_extensions,
    H.certificate,
    H.certificate_request,
    H.new_session_ticket,
)


# --------------------------------------------------------------------- values


@dataclass(frozen=True)
class ServerName:
    """RFC 6066 §3: ``server_name`` (a list in ClientHello, empty in replies)."""

    names: tuple[tuple[int, bytes], ...] = ()
    """(NameType, name) pairs; NameType 0 is host_name."""

    @property
    def host_name(self) -> str | None:
        for kind, name in self.names:
            if kind == 0:
                return name.decode("ascii", "replace")
        return None


@dataclass(frozen=True)
class SupportedVersions:
    """RFC 8446 §4.2.1 in ClientHello: the versions offered, in preference order."""

    versions: tuple[int, ...]


@dataclass(frozen=True)
class SelectedVersion:
    """RFC 8446 §4.2.1 in ServerHello/HelloRetryRequest: the version chosen."""

    version: int


@dataclass(frozen=True)
class SupportedGroups:
    """RFC 8446 §4.2.7 / RFC 8422 §5.1.1."""

    groups: tuple[int, ...]


@dataclass(frozen=True)
class SignatureAlgorithms:
    """RFC 8446 §4.2.3 ``signature_algorithms`` (and ``_cert`` with ``cert=True``)."""

    schemes: tuple[int, ...]
    cert: bool = False


@dataclass(frozen=True)
class KeyShareEntry:
    """RFC 8446 §4.2.8 KeyShareEntry."""

    group: int
    key_exchange: bytes


@dataclass(frozen=True)
class KeyShareClientHello:
    entries: tuple[KeyShareEntry, ...]


@dataclass(frozen=True)
class KeyShareServerHello:
    entry: KeyShareEntry


@dataclass(frozen=True)
class KeyShareHelloRetryRequest:
    selected_group: int


@dataclass(frozen=True)
class PskKeyExchangeModes:
    """RFC 8446 §4.2.9."""

    modes: tuple[int, ...]


@dataclass(frozen=True)
class PskIdentity:
    identity: bytes
    obfuscated_ticket_age: int


@dataclass(frozen=True)
class OfferedPsks:
    """RFC 8446 §4.2.11 ``pre_shared_key`` in ClientHello."""

    identities: tuple[PskIdentity, ...]
    binders: tuple[bytes, ...]

    @property
    def binders_length(self) -> int:
        """Bytes the binders list takes on the wire, with its 2-byte length."""
        return 2 + sum(1 + len(b) for b in self.binders)


@dataclass(frozen=True)
class SelectedPsk:
    """RFC 8446 §4.2.11 ``pre_shared_key`` in ServerHello."""

    selected_identity: int


@dataclass(frozen=True)
class Alpn:
    """RFC 7301 §3.1: protocol names (one in a server's reply)."""

    protocols: tuple[bytes, ...]


@dataclass(frozen=True)
class StatusRequest:
    """RFC 6066 §8: OCSP stapling request (ClientHello, CertificateRequest).

    An empty body (ServerHello, TLS 1.2) means "a CertificateStatus follows";
    that parses as ``status_type=None``.  For a status type other than ocsp (1)
    the bytes after the type are kept whole in ``responder_id_list``.
    """

    status_type: int | None = None
    responder_id_list: bytes = b""
    request_extensions: bytes = b""


@dataclass(frozen=True)
class CertificateStatusEntry:
    """RFC 8446 §4.4.2.1: ``status_request`` in a TLS 1.3 CertificateEntry."""

    status_type: int
    ocsp_response: bytes


@dataclass(frozen=True)
class SignedCertificateTimestamps:
    """RFC 6962 §3.3: a SignedCertificateTimestampList (empty in ClientHello)."""

    scts: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Empty:
    """An extension whose presence is the message: extended_master_secret
    (RFC 7627), encrypt_then_mac (RFC 7366), post_handshake_auth (RFC 8446
    §4.2.6)."""

    type: int

    @property
    def name(self) -> str:
        return extension_name(self.type)


@dataclass(frozen=True)
class RenegotiationInfo:
    """RFC 5746 §3.2."""

    renegotiated_connection: bytes = b""


@dataclass(frozen=True)
class SessionTicket:
    """RFC 5077 §3.2: the ticket (empty to ask for one)."""

    ticket: bytes = b""


@dataclass(frozen=True)
class EcPointFormats:
    """RFC 8422 §5.1.2."""

    formats: tuple[int, ...]


@dataclass(frozen=True)
class Cookie:
    """RFC 8446 §4.2.2."""

    cookie: bytes


@dataclass(frozen=True)
class EarlyData:
    """RFC 8446 §4.2.10: empty in ClientHello/EncryptedExtensions, a size in
    NewSessionTicket."""

    max_early_data_size: int | None = None


@dataclass(frozen=True)
class CertificateAuthorities:
    """RFC 8446 §4.2.4: DER-encoded DistinguishedNames."""

    authorities: tuple[bytes, ...]


@dataclass(frozen=True)
class OidFilter:
    oid: bytes
    values: bytes


@dataclass(frozen=True)
class OidFilters:
    """RFC 8446 §4.2.5 (CertificateRequest)."""

    filters: tuple[OidFilter, ...]


@dataclass(frozen=True)
class RecordSizeLimit:
    """RFC 8449 §4."""

    limit: int


@dataclass(frozen=True)
class MaxFragmentLength:
    """RFC 6066 §4: 1..4 for 2^9..2^12 bytes."""

    code: int


@dataclass(frozen=True)
class CompressCertificate:
    """RFC 8879 §3."""

    algorithms: tuple[int, ...]


@dataclass(frozen=True)
class Padding:
    """RFC 7685 §3: ``length`` bytes that should all be zero."""

    length: int
    all_zero: bool = True


@dataclass(frozen=True)
class CertificateTypes:
    """RFC 7250 §3 client/server_certificate_type: a list, or one in replies."""

    types: tuple[int, ...]
    server: bool = False


@dataclass(frozen=True)
class Grease:
    """RFC 8701: a GREASE extension; the body carries no meaning."""

    type: int
    data: bytes


TypedExtension = Any
"""What :func:`parse_extension` returns: one of the classes above, or the raw
:class:`Extension` for types it does not model."""


# -------------------------------------------------------------------- parsing


def parse_extension(ext: Extension, handshake_type: int = CH, side: object = None) -> Any:
    """Parse ``ext`` as it appears in a message of ``handshake_type``.

    Raises :class:`WireError` (naming the extension) when the body does not
    match its grammar.
    """
    t = ext.type
    if is_grease(t):
        return Grease(t, ext.data)
    if t not in _PARSERS:
        return ext
    parser = _PARSERS[t]
    r = c.Reader(ext.data, side=side_name(side), context=f"{extension_name(t)} extension")
    if t in _EMPTY_TYPES:
        value: Any = Empty(t)
    elif t in (X.client_certificate_type, X.server_certificate_type):
        value = _cert_types(r, handshake_type, t == X.server_certificate_type)
    else:
        value = parser(r, handshake_type)
    r.expect_end(f"{extension_name(t)} extension")
    return value


def _server_name(r: c.Reader, ht: int) -> ServerName:
    if r.at_end():
        return ServerName()
    lst = r.sub(2, "server_name_list", lo=1)
    names = []
    while not lst.at_end():
        kind = lst.u8("NameType")
        names.append((kind, lst.vec16("HostName", lo=1)))
    return ServerName(tuple(names))


def _supported_versions(r: c.Reader, ht: int) -> SupportedVersions | SelectedVersion:
    if ht in (SH, HRR):
        return SelectedVersion(r.u16("selected_version"))
    return SupportedVersions(r.u16_list(1, "versions", lo=2))


def _supported_groups(r: c.Reader, ht: int) -> SupportedGroups:
    return SupportedGroups(r.u16_list(2, "named_group_list"))


def _sigalgs(r: c.Reader, ht: int) -> SignatureAlgorithms:
    return SignatureAlgorithms(r.u16_list(2, "supported_signature_algorithms"))


def _sigalgs_cert(r: c.Reader, ht: int) -> SignatureAlgorithms:
    return SignatureAlgorithms(r.u16_list(2, "supported_signature_algorithms"), cert=True)


def _key_share_entry(r: c.Reader) -> KeyShareEntry:
    g = r.u16("KeyShareEntry.group")
    return KeyShareEntry(g, r.vec16("KeyShareEntry.key_exchange", lo=1))


def _key_share(
    r: c.Reader, ht: int
) -> KeyShareClientHello | KeyShareServerHello | KeyShareHelloRetryRequest:
    if ht == HRR:
        return KeyShareHelloRetryRequest(r.u16("selected_group"))
    if ht == SH:
        return KeyShareServerHello(_key_share_entry(r))
    lst = r.sub(2, "client_shares")
    entries = []
    while not lst.at_end():
        entries.append(_key_share_entry(lst))
    return KeyShareClientHello(tuple(entries))


def _psk_modes(r: c.Reader, ht: int) -> PskKeyExchangeModes:
    return PskKeyExchangeModes(r.u8_list(1, "ke_modes", lo=1))


def _pre_shared_key(r: c.Reader, ht: int) -> OfferedPsks | SelectedPsk:
    if ht == SH:
        return SelectedPsk(r.u16("selected_identity"))
    ids = r.sub(2, "identities", lo=7)
    identities = []
    while not ids.at_end():
        ident = ids.vec16("PskIdentity.identity", lo=1)
        identities.append(PskIdentity(ident, ids.u32("obfuscated_ticket_age")))
    bl = r.sub(2, "binders", lo=33)
    binders = []
    while not bl.at_end():
        binders.append(bl.vec8("PskBinderEntry", lo=32))
    return OfferedPsks(tuple(identities), tuple(binders))


def _alpn(r: c.Reader, ht: int) -> Alpn:
    lst = r.sub(2, "protocol_name_list", lo=2)
    names = []
    while not lst.at_end():
        names.append(lst.vec8("ProtocolName", lo=1))
    return Alpn(tuple(names))


def _status_request(r: c.Reader, ht: int) -> StatusRequest | CertificateStatusEntry:
    if r.at_end():
        return StatusRequest()
    if ht == CT:  # RFC 8446 §4.4.2.1: a CertificateStatus body
        kind = r.u8("status_type")
        return CertificateStatusEntry(kind, r.vec24("OCSPResponse", lo=1))
    kind = r.u8("CertificateStatusType")
    if kind != 1:  # unknown request type: keep the rest
        return StatusRequest(kind, r.rest())
    ids = r.vec16("responder_id_list")
    exts = r.vec16("request_extensions")
    return StatusRequest(kind, ids, exts)


def _sct(r: c.Reader, ht: int) -> SignedCertificateTimestamps:
    if r.at_end():
        return SignedCertificateTimestamps()
    lst = r.sub(2, "SignedCertificateTimestampList", lo=1)
    scts = []
    while not lst.at_end():
        scts.append(lst.vec16("SerializedSCT", lo=1))
    return SignedCertificateTimestamps(tuple(scts))


def _reneg(r: c.Reader, ht: int) -> RenegotiationInfo:
    return RenegotiationInfo(r.vec8("renegotiated_connection"))


def _session_ticket(r: c.Reader, ht: int) -> SessionTicket:
    return SessionTicket(r.rest())


def _ec_point_formats(r: c.Reader, ht: int) -> EcPointFormats:
    return EcPointFormats(r.u8_list(1, "ec_point_format_list", lo=1))


def _cookie(r: c.Reader, ht: int) -> Cookie:
    return Cookie(r.vec16("cookie", lo=1))


def _early_data(r: c.Reader, ht: int) -> EarlyData:
    if ht == NST:
        return EarlyData(r.u32("max_early_data_size"))
    return EarlyData()


def _cas(r: c.Reader, ht: int) -> CertificateAuthorities:
    lst = r.sub(2, "authorities", lo=3)
    names = []
    while not lst.at_end():
        names.append(lst.vec16("DistinguishedName", lo=1))
    return CertificateAuthorities(tuple(names))


def _oid_filters(r: c.Reader, ht: int) -> OidFilters:
    lst = r.sub(2, "filters")
    out = []
    while not lst.at_end():
        oid = lst.vec8("certificate_extension_oid", lo=1)
        out.append(OidFilter(oid, lst.vec16("certificate_extension_values")))
    return OidFilters(tuple(out))


def _record_size_limit(r: c.Reader, ht: int) -> RecordSizeLimit:
    return RecordSizeLimit(r.u16("RecordSizeLimit"))


def _max_fragment_length(r: c.Reader, ht: int) -> MaxFragmentLength:
    return MaxFragmentLength(r.u8("MaxFragmentLength"))


def _compress_certificate(r: c.Reader, ht: int) -> CompressCertificate:
    return CompressCertificate(r.u16_list(1, "algorithms", lo=2))


def _padding(r: c.Reader, ht: int) -> Padding:
    body = r.rest()
    return Padding(len(body), not any(body))


def _cert_types(r: c.Reader, ht: int, server: bool) -> CertificateTypes:
    if ht in (SH, EE):
        return CertificateTypes((r.u8("certificate_type"),), server)
    return CertificateTypes(r.u8_list(1, "certificate_types", lo=1), server)


_PARSERS: dict[int, Any] = {
    X.server_name: _server_name,
    X.supported_versions: _supported_versions,
    X.supported_groups: _supported_groups,
    X.signature_algorithms: _sigalgs,
    X.signature_algorithms_cert: _sigalgs_cert,
    X.key_share: _key_share,
    X.psk_key_exchange_modes: _psk_modes,
    X.pre_shared_key: _pre_shared_key,
    X.application_layer_protocol_negotiation: _alpn,
    X.status_request: _status_request,
    X.signed_certificate_timestamp: _sct,
    X.extended_master_secret: None,
    X.encrypt_then_mac: None,
    X.post_handshake_auth: None,
    X.renegotiation_info: _reneg,
    X.session_ticket: _session_ticket,
    X.ec_point_formats: _ec_point_formats,
    X.cookie: _cookie,
    X.early_data: _early_data,
    X.certificate_authorities: _cas,
    X.oid_filters: _oid_filters,
    X.record_size_limit: _record_size_limit,
    X.max_fragment_length: _max_fragment_length,
    X.compress_certificate: _compress_certificate,
    X.padding: _padding,
    X.client_certificate_type: None,
    X.server_certificate_type: None,
}
_EMPTY_TYPES = frozenset({X.extended_master_secret, X.encrypt_then_mac, X.post_handshake_auth})


# ------------------------------------------------------------------- building


def build_extension(value: Any, handshake_type: int = CH) -> Extension:
    """The :class:`Extension` (type and body) for a typed value."""
    if isinstance(value, Extension):
        return value
    t, body = _build(value, handshake_type)
    return Extension(int(t), body)


def _build(v: Any, ht: int) -> tuple[int, bytes]:
    if isinstance(v, ServerName):
        if not v.names:
            return X.server_name, b""
        items = b"".join(c.u8(k) + c.vec16(n) for k, n in v.names)
        return X.server_name, c.vec16(items)
    if isinstance(v, SupportedVersions):
        return X.supported_versions, c.u16_list(v.versions, width=1)
    if isinstance(v, SelectedVersion):
        return X.supported_versions, c.u16(v.version)
    if isinstance(v, SupportedGroups):
        return X.supported_groups, c.u16_list(v.groups)
    if isinstance(v, SignatureAlgorithms):
        t = X.signature_algorithms_cert if v.cert else X.signature_algorithms
        return t, c.u16_list(v.schemes)
    if isinstance(v, KeyShareClientHello):
        body = b"".join(c.u16(e.group) + c.vec16(e.key_exchange) for e in v.entries)
        return X.key_share, c.vec16(body)
    if isinstance(v, KeyShareServerHello):
        return X.key_share, c.u16(v.entry.group) + c.vec16(v.entry.key_exchange)
    if isinstance(v, KeyShareHelloRetryRequest):
        return X.key_share, c.u16(v.selected_group)
    if isinstance(v, PskKeyExchangeModes):
        return X.psk_key_exchange_modes, c.vec8(bytes(v.modes))
    if isinstance(v, OfferedPsks):
        ids = b"".join(c.vec16(i.identity) + c.u32(i.obfuscated_ticket_age) for i in v.identities)
        binders = b"".join(c.vec8(b) for b in v.binders)
        return X.pre_shared_key, c.vec16(ids) + c.vec16(binders)
    if isinstance(v, SelectedPsk):
        return X.pre_shared_key, c.u16(v.selected_identity)
    if isinstance(v, Alpn):
        return X.application_layer_protocol_negotiation, c.vec16(
            b"".join(c.vec8(p) for p in v.protocols)
        )
    if isinstance(v, StatusRequest):
        if v.status_type is None:
            return X.status_request, b""
        if v.status_type != 1:
            return X.status_request, c.u8(v.status_type) + v.responder_id_list
        body = c.vec16(v.responder_id_list) + c.vec16(v.request_extensions)
        return X.status_request, c.u8(1) + body
    if isinstance(v, CertificateStatusEntry):
        return X.status_request, c.u8(v.status_type) + c.vec24(v.ocsp_response)
    if isinstance(v, SignedCertificateTimestamps):
        if not v.scts:
            return X.signed_certificate_timestamp, b""
        return X.signed_certificate_timestamp, c.vec16(b"".join(c.vec16(s) for s in v.scts))
    if isinstance(v, Empty):
        return v.type, b""
    if isinstance(v, RenegotiationInfo):
        return X.renegotiation_info, c.vec8(v.renegotiated_connection)
    if isinstance(v, SessionTicket):
        return X.session_ticket, v.ticket
    if isinstance(v, EcPointFormats):
        return X.ec_point_formats, c.vec8(bytes(v.formats))
    if isinstance(v, Cookie):
        return X.cookie, c.vec16(v.cookie)
    if isinstance(v, EarlyData):
        body = b"" if v.max_early_data_size is None else c.u32(v.max_early_data_size)
        return X.early_data, body
    if isinstance(v, CertificateAuthorities):
        return X.certificate_authorities, c.vec16(b"".join(c.vec16(n) for n in v.authorities))
    if isinstance(v, OidFilters):
        body = b"".join(c.vec8(f.oid) + c.vec16(f.values) for f in v.filters)
        return X.oid_filters, c.vec16(body)
    if isinstance(v, RecordSizeLimit):
        return X.record_size_limit, c.u16(v.limit)
    if isinstance(v, MaxFragmentLength):
        return X.max_fragment_length, c.u8(v.code)
    if isinstance(v, CompressCertificate):
        return X.compress_certificate, c.u16_list(v.algorithms, width=1)
    if isinstance(v, Padding):
        return X.padding, bytes(v.length)
    if isinstance(v, CertificateTypes):
        t = X.server_certificate_type if v.server else X.client_certificate_type
        if ht in (SH, EE):
            return t, c.u8(v.types[0])
        return t, c.vec8(bytes(v.types))
    if isinstance(v, Grease):
        return v.type, v.data
    raise TypeError(f"not an extension value: {type(v).__name__}")


def parse_all(
    extensions: tuple[Extension, ...], handshake_type: int = CH, side: object = None
) -> dict[int, Any]:
    """All extensions of a message parsed, by type (the first of duplicates)."""
    out: dict[int, Any] = {}
    for ext in extensions:
        if ext.type not in out:
            out[ext.type] = parse_extension(ext, handshake_type, side)
    return out


def try_parse(ext: Extension | None, handshake_type: int = CH) -> Any:
    """Like :func:`parse_extension`, but ``None`` for a missing or malformed one."""
    if ext is None:
        return None
    try:
        return parse_extension(ext, handshake_type)
    except WireError:
        return None
