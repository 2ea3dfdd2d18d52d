"""Building a ClientHello from a profile (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).

A :class:`ClientHelloProfile` says what a client offers and in which order:
versions, cipher suites, groups and key-share groups, signature schemes, ALPN,
SNI, GREASE (RFC 8701), padding (RFC 7685) and the extension order.
:func:`build_client_hello` turns it and the per-connection values (random,
key shares, cookie, PSK identities) into a :class:`ClientHello`.

Where the spec fixes an order it is kept: ``pre_shared_key`` is always last
(RFC 8446 §4.2.11); the padding extension sits just before it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import extensions as x
from .build import handshake_bytes
from .constants import ExtensionType, is_grease
from .constants import ProtocolVersion as PV
from .messages import ClientHello, Extension
from .registry import cipher_suite

DEFAULT_CIPHER_SUITES = (
    0x1301,  # TLS_AES_128_GCM_SHA256
    0x1302,  # TLS_AES_256_GCM_SHA384
    0x1303,  # TLS_CHACHA20_POLY1305_SHA256
    0xC02B,  # TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    0xC02F,  # TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    0xC02C,  # TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    0xC030,  # TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    0xCCA9,  # TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    0xCCA8,  # TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    0x009E,  # TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
    0x009F,  # TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
    0xC013,  # TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
    0xC014,  # TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
    0x009C,  # TLS_RSA_WITH_AES_128_GCM_SHA256
    0x009D,  # TLS_RSA_WITH_AES_256_GCM_SHA384
    0x002F,  # TLS_RSA_WITH_AES_128_CBC_SHA
    0x0035,  # TLS_RSA_WITH_AES_256_CBC_SHA
)
DEFAULT_GROUPS = (29, 23, 24, 25, 30)
DEFAULT_SIGNATURE_ALGORITHMS = (
    0x0403,  # ecdsa_secp256r1_sha256
    0x0804,  # rsa_pss_rsae_sha256
    0x0401,  # rsa_pkcs1_sha256
    0x0503,  # ecdsa_secp384r1_sha384
    0x0805,  # rsa_pss_rsae_sha384
    0x0501,  # rsa_pkcs1_sha384
    0x0806,  # rsa_pss_rsae_sha512
    0x0601,  # rsa_pkcs1_sha512
    0x0807,  # ed25519
    0x0808,  # ed448
    0x0603,  # ecdsa_secp521r1_sha512
    0x0809,  # rsa_pss_pss_sha256
    0x080A,  # rsa_pss_pss_sha384
    0x080B,  # rsa_pss_pss_sha512
    0x0201,  # rsa_pkcs1_sha1
    0x0203,  # ecdsa_sha1
)
DEFAULT_EXTENSION_ORDER = (
    "grease",
    "server_name",
    "extended_master_secret",
    "renegotiation_info",
    "supported_groups",
    "ec_point_formats",
    "session_ticket",
    "application_layer_protocol_negotiation",
    "status_request",
    "signature_algorithms",
    "signature_algorithms_cert",
    "signed_certificate_timestamp",
    "key_share",
    "psk_key_exchange_modes",
    "supported_versions",
    "compress_certificate",
    "record_size_limit",
    "encrypt_then_mac",
    "post_handshake_auth",
    "cookie",
    "early_data",
    "grease2",
    "padding",
    "pre_shared_key",
)


@dataclass(frozen=True)
class ClientHelloProfile:
    """What a client offers.  Every field has a modern default."""

    versions: tuple[int, ...] = (PV.TLSv1_3, PV.TLSv1_2)
    """Offered versions, most preferred first (supported_versions when TLS 1.3
    is among them; else legacy_version is the highest)."""
    cipher_suites: tuple[int, ...] = DEFAULT_CIPHER_SUITES
    groups: tuple[int, ...] = DEFAULT_GROUPS
    key_share_groups: tuple[int, ...] = (29,)
    """Groups that get a key share in the first ClientHello (TLS 1.3)."""
    signature_algorithms: tuple[int, ...] = DEFAULT_SIGNATURE_ALGORITHMS
    signature_algorithms_cert: tuple[int, ...] = ()
    """Sent as signature_algorithms_cert when not empty (RFC 8446 §4.2.3)."""
    alpn: tuple[bytes, ...] = ()
    sni: bool = True
    grease: bool = False
    """RFC 8701: GREASE values in cipher suites, groups, key shares, versions
    and two extensions (one first, one before padding)."""
    padding: int | str | None = None
    """None: no padding extension.  "boringssl": pad hellos of 256-511 bytes to
    512 (the F5 workaround of RFC 7685 §4).  An int: pad the handshake message
    to at least that many bytes."""
    extension_order: tuple[str, ...] = DEFAULT_EXTENSION_ORDER
    """Extension names (ExtensionType names, "grease", "grease2") in the order
    to send them; names whose feature is off or not applicable are skipped."""
    extra_extensions: tuple[Extension, ...] = ()
    """Raw extensions added just before padding/pre_shared_key."""
    compat_mode: bool = True
    """RFC 8446 §D.4: a 32-byte legacy_session_id (and a ChangeCipherSpec
    before the second flight)."""
    legacy_version: int | None = None
    """Defaults to min(TLS 1.2, highest offered version)."""
    record_version: int = 0x0301
    """legacy_record_version of the first ClientHello record (RFC 8446 §5.1)."""
    compression_methods: bytes = b"\x00"
    ec_point_formats: tuple[int, ...] = (0,)
    psk_modes: tuple[int, ...] = (1,)
    status_request: bool = True
    signed_certificate_timestamp: bool = True
    extended_master_secret: bool = True
    encrypt_then_mac: bool = True
    """Offer RFC 7366 (sent only when a CBC suite is offered)."""
    session_ticket: bool = True
    renegotiation_info: bool = True
    """Send the renegotiation_info extension (RFC 5746 §3.4); when False, the
    TLS_EMPTY_RENEGOTIATION_INFO_SCSV suite is appended instead, unless
    ``renegotiation_scsv`` is also False."""
    renegotiation_scsv: bool = True
    fallback_scsv: bool = False
    """Append TLS_FALLBACK_SCSV (RFC 7507)."""
    record_size_limit: int | None = None
    post_handshake_auth: bool = False
    compress_certificate: tuple[int, ...] = ()
    early_data: bool = False
    grease_seed: int | None = None
    """Fixes which GREASE values are used (for reproducible hellos)."""

    @property
    def max_version(self) -> int:
        real = [v for v in self.versions if not is_grease(v)]
        return max(real) if real else PV.TLSv1_2

    @property
    def offers_tls13(self) -> bool:
        return any(v == PV.TLSv1_3 or v >> 8 == 0x7F for v in self.versions)

    @property
    def offers_below_tls13(self) -> bool:
        return any(0x0300 <= v < PV.TLSv1_3 for v in self.versions)


@dataclass(frozen=True)
class HelloInputs:
    """Per-connection values that go into a ClientHello."""

    random: bytes
    session_id: bytes = b""
    server_name: str | None = None
    key_shares: Mapping[int, bytes] = field(default_factory=dict)
    """group -> public key share, in the order to send them."""
    cookie: bytes | None = None
    psk: x.OfferedPsks | None = None
    """Identities with binders (placeholders until computed)."""


def _grease_values(seed: int | None) -> list[int]:
    """Four GREASE values (suite/version, extension 1, extension 2, group)."""
    rng = int.from_bytes(os.urandom(2), "big") if seed is None else seed
    vals = [(((rng >> (4 * i)) & 0x0F) << 4 | 0x0A) * 0x0101 for i in range(4)]
    if vals[2] == vals[1]:  # the two GREASE extensions must differ (RFC 8701 §3.1)
        vals[2] ^= 0x1010
    return vals


def build_client_hello(profile: ClientHelloProfile, inputs: HelloInputs) -> ClientHello:
    """The ClientHello ``profile`` sends with ``inputs``."""
    p = profile
    grease = _grease_values(p.grease_seed) if p.grease else []
    suites = list(p.cipher_suites)
    if grease:
        suites.insert(0, grease[0])
    if not p.renegotiation_info and p.renegotiation_scsv and p.offers_below_tls13:
        suites.append(0x00FF)
    if p.fallback_scsv:
        suites.append(0x5600)
    legacy_version = p.legacy_version or min(PV.TLSv1_2, p.max_version)

    values = _extension_values(p, inputs, grease)
    exts: list[Extension] = []
    for name in p.extension_order:
        if name in ("padding", "pre_shared_key"):
            continue
        ext = values.get(name)
        if ext is not None:
            exts.append(ext)
    exts.extend(p.extra_extensions)
    psk_ext = values.get("pre_shared_key")

    def hello(with_exts: list[Extension]) -> ClientHello:
        return ClientHello(
            legacy_version,
            inputs.random,
            inputs.session_id,
            tuple(suites),
            p.compression_methods,
            tuple(with_exts),
        )

    tail = [psk_ext] if psk_ext is not None else []
    if p.padding is not None and "padding" in p.extension_order:
        length = len(handshake_bytes(hello(exts + tail)))
        n = _padding_length(p.padding, length)
        if n is not None:
            exts.append(x.build_extension(x.Padding(n)))
    return hello(exts + tail)


def _padding_length(rule: int | str, length: int) -> int | None:
    if rule == "boringssl":
        if 0xFF < length < 0x200:
            extra = 0x200 - length
            return extra - 4 if extra >= 5 else 1
        return None
    if isinstance(rule, int) and length + 4 <= rule:
        return rule - length - 4
    return None


def _extension_values(
    p: ClientHelloProfile, inputs: HelloInputs, grease: list[int]
) -> dict[str, Extension | None]:
    tls13 = p.offers_tls13
    below13 = p.offers_below_tls13
    suites = [cipher_suite(c) for c in p.cipher_suites]
    ecc = any(s is not None and "EC" in s.key_exchange for s in suites)
    cbc = any(s is not None and s.mode == "CBC" for s in suites)
    v: dict[str, object] = {}
    if grease:
        v["grease"] = x.Grease(grease[1], b"")
        v["grease2"] = x.Grease(grease[2], b"\x00")
    if p.sni and inputs.server_name:
        v["server_name"] = x.ServerName(((0, inputs.server_name.encode("idna")),))
    if p.extended_master_secret:
        v["extended_master_secret"] = x.Empty(ExtensionType.extended_master_secret)
    if p.renegotiation_info:
        v["renegotiation_info"] = x.RenegotiationInfo()
    if p.groups:
        groups = ([grease[3]] if grease else []) + list(p.groups)
        v["supported_groups"] = x.SupportedGroups(tuple(groups))
    if p.ec_point_formats and below13 and ecc:
        v["ec_point_formats"] = x.EcPointFormats(p.ec_point_formats)
    if p.session_ticket:
        v["session_ticket"] = x.SessionTicket()
    if p.alpn:
        v["application_layer_protocol_negotiation"] = x.Alpn(p.alpn)
    if p.status_request:
        v["status_request"] = x.StatusRequest(1)
    if p.signature_algorithms:
        v["signature_algorithms"] = x.SignatureAlgorithms(p.signature_algorithms)
    if p.signature_algorithms_cert:
        v["signature_algorithms_cert"] = x.SignatureAlgorithms(p.signature_algorithms_cert, True)
    if p.signed_certificate_timestamp:
        v["signed_certificate_timestamp"] = x.SignedCertificateTimestamps()
    if tls13:
        entries = [x.KeyShareEntry(g, pub) for g, pub in inputs.key_shares.items()]
        if grease:
            entries.insert(0, x.KeyShareEntry(grease[3], b"\x00"))
        v["key_share"] = x.KeyShareClientHello(tuple(entries))
        if p.psk_modes:
            v["psk_key_exchange_modes"] = x.PskKeyExchangeModes(p.psk_modes)
        versions = ([grease[0]] if grease else []) + list(p.versions)
        v["supported_versions"] = x.SupportedVersions(tuple(versions))
        if p.post_handshake_auth:
            v["post_handshake_auth"] = x.Empty(ExtensionType.post_handshake_auth)
        if inputs.cookie is not None:
            v["cookie"] = x.Cookie(inputs.cookie)
        if p.early_data:
            v["early_data"] = x.EarlyData()
        if inputs.psk is not None:
            v["pre_shared_key"] = inputs.psk
    if p.compress_certificate:
        v["compress_certificate"] = x.CompressCertificate(p.compress_certificate)
    if p.record_size_limit is not None:
        v["record_size_limit"] = x.RecordSizeLimit(p.record_size_limit)
    if p.encrypt_then_mac and cbc and below13:
        v["encrypt_then_mac"] = x.Empty(ExtensionType.encrypt_then_mac)
    _check_extension_order(p.extension_order)
    return {k: x.build_extension(val) for k, val in v.items()}


_EXTENSION_NAMES = frozenset(ExtensionType.__members__) | {"grease", "grease2", "padding"}


@functools.cache
def _check_extension_order(order: tuple[str, ...]) -> None:
    """Raise ValueError for a name in ``order`` that is not an extension (once per order)."""
    for name in order:
        if name not in _EXTENSION_NAMES:
            raise ValueError(f"unknown extension name in profile: {name!r}")


def random_inputs(profile: ClientHelloProfile, server_name: str | None = None) -> HelloInputs:
    """Inputs with fresh randoms and throwaway key shares, for a hello that
    will not be completed (a probe, a fingerprint)."""
    from .kex import KeyShare

    session_id = os.urandom(32) if profile.compat_mode and profile.offers_tls13 else b""
    shares = {g: KeyShare(g).public for g in profile.key_share_groups}
    return HelloInputs(os.urandom(32), session_id, server_name, shares)
