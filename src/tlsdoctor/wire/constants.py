"""TLS code points written from the RFCs and IANA's registries.

Each table cites where its values come from.  The three large registries that
IANA publishes as CSV (cipher suites, supported groups, signature schemes) are
read from ``data/`` by :mod:`tlsdoctor.wire.registry`; the smaller ones are here.
Member names are the RFC names, so ``AlertDescription(40).name`` is
``"handshake_failure"``.
"""

from __future__ import annotations

import enum


class ContentType(enum.IntEnum):
    """TLS ContentType registry (RFC 8446 §5.1, RFC 6520, RFC 9146, RFC 9147)."""

    change_cipher_spec = 20  # RFC 5246
    alert = 21  # RFC 5246
    handshake = 22  # RFC 5246
    application_data = 23  # RFC 5246
    heartbeat = 24  # RFC 6520
    tls12_cid = 25  # RFC 9146 (DTLS 1.2 only)
    ack = 26  # RFC 9147 (DTLS 1.3 only)


class HandshakeType(enum.IntEnum):
    """TLS HandshakeType registry (RFC 8446 §4, RFC 5246 §7.4, RFC 8447 §9)."""

    hello_request = 0  # RFC 5246; reserved in TLS 1.3
    client_hello = 1  # RFC 8446
    server_hello = 2  # RFC 8446
    hello_verify_request = 3  # RFC 6347 (DTLS)
    new_session_ticket = 4  # RFC 5077, RFC 8446
    end_of_early_data = 5  # RFC 8446
    hello_retry_request = 6  # draft TLS 1.3, reserved (RFC 8446)
    encrypted_extensions = 8  # RFC 8446
    request_connection_id = 9  # RFC 9147
    new_connection_id = 10  # RFC 9147
    certificate = 11  # RFC 8446
    server_key_exchange = 12  # RFC 5246
    certificate_request = 13  # RFC 8446
    server_hello_done = 14  # RFC 5246
    certificate_verify = 15  # RFC 8446
    client_key_exchange = 16  # RFC 5246
    client_certificate_request = 17  # RFC 9261
    finished = 20  # RFC 8446
    certificate_url = 21  # RFC 6066
    certificate_status = 22  # RFC 6066
    supplemental_data = 23  # RFC 4680
    key_update = 24  # RFC 8446
    compressed_certificate = 25  # RFC 8879
    ekt_key = 26  # RFC 8870
    message_hash = 254  # RFC 8446 §4.4.1


# Not in IANA's registry but seen on the wire: Next Protocol Negotiation
# (draft-agl-tls-nextprotoneg) used handshake type 67.
UNREGISTERED_HANDSHAKE_TYPES = {67: "next_protocol"}

HANDSHAKE_MESSAGE_NAMES: dict[int, str] = {
    0: "HelloRequest",
    1: "ClientHello",
    2: "ServerHello",
    4: "NewSessionTicket",
    5: "EndOfEarlyData",
    8: "EncryptedExtensions",
    11: "Certificate",
    12: "ServerKeyExchange",
    13: "CertificateRequest",
    14: "ServerHelloDone",
    15: "CertificateVerify",
    16: "ClientKeyExchange",
    20: "Finished",
    22: "CertificateStatus",
    24: "KeyUpdate",
    25: "CompressedCertificate",
}
"""Handshake types as transcripts name their messages (the RFC's message
names, RFC 8446 §4, RFC 5246 §7.4, RFC 6066, RFC 8879), for those a capture
or a log shows."""

HELLO_RETRY_REQUEST_RANDOM = bytes.fromhex(
    "CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C"
)
"""RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest."""


class AlertLevel(enum.IntEnum):
    """RFC 5246 §7.2; in TLS 1.3 the level is ignored except for close_notify."""

    warning = 1
    fatal = 2


class AlertDescription(enum.IntEnum):
    """TLS Alerts registry (RFC 8446 §6, RFC 5246 §7.2, RFC 9846 and others)."""

    close_notify = 0  # RFC 8446
    unexpected_message = 10  # RFC 8446
    bad_record_mac = 20  # RFC 8446
    decryption_failed = 21  # RFC 5246, reserved (never sent)
    record_overflow = 22  # RFC 8446
    decompression_failure = 30  # RFC 5246, reserved in TLS 1.3
    handshake_failure = 40  # RFC 8446
    no_certificate = 41  # SSL 3.0, reserved (RFC 5246)
    bad_certificate = 42  # RFC 8446
    unsupported_certificate = 43  # RFC 8446
    certificate_revoked = 44  # RFC 8446
    certificate_expired = 45  # RFC 8446
    certificate_unknown = 46  # RFC 8446
    illegal_parameter = 47  # RFC 8446
    unknown_ca = 48  # RFC 8446
    access_denied = 49  # RFC 8446
    decode_error = 50  # RFC 8446
    decrypt_error = 51  # RFC 8446
    too_many_cids_requested = 52  # RFC 9147
    export_restriction = 60  # RFC 2246, reserved (RFC 5246)
    protocol_version = 70  # RFC 8446
    insufficient_security = 71  # RFC 8446
    internal_error = 80  # RFC 8446
    inappropriate_fallback = 86  # RFC 7507
    user_canceled = 90  # RFC 8446
    no_renegotiation = 100  # RFC 5246, reserved in TLS 1.3
    missing_extension = 109  # RFC 8446
    unsupported_extension = 110  # RFC 8446
    certificate_unobtainable = 111  # RFC 6066, reserved in TLS 1.3
    unrecognized_name = 112  # RFC 6066
    bad_certificate_status_response = 113  # RFC 6066
    bad_certificate_hash_value = 114  # RFC 6066, reserved in TLS 1.3
    unknown_psk_identity = 115  # RFC 4279
    certificate_required = 116  # RFC 8446
    general_error = 117  # RFC 9846
    no_application_protocol = 120  # RFC 7301
    ech_required = 121  # draft-ietf-tls-esni


class ExtensionType(enum.IntEnum):
    """TLS ExtensionType Values registry, as IANA lists it in 2025.

    Sources per entry; "Reserved" code points that were once used (40, 46) keep
    the name they had in the TLS 1.3 drafts so captures from that era read well.
    """

    server_name = 0  # RFC 6066
    max_fragment_length = 1  # RFC 6066, RFC 8449
    client_certificate_url = 2  # RFC 6066
    trusted_ca_keys = 3  # RFC 6066
    truncated_hmac = 4  # RFC 6066
    status_request = 5  # RFC 6066
    user_mapping = 6  # RFC 4681
    client_authz = 7  # RFC 5878
    server_authz = 8  # RFC 5878
    cert_type = 9  # RFC 6091
    supported_groups = 10  # RFC 8422, RFC 7919
    ec_point_formats = 11  # RFC 8422
    srp = 12  # RFC 5054
    signature_algorithms = 13  # RFC 8446
    use_srtp = 14  # RFC 5764
    heartbeat = 15  # RFC 6520
    application_layer_protocol_negotiation = 16  # RFC 7301
    status_request_v2 = 17  # RFC 6961
    signed_certificate_timestamp = 18  # RFC 6962
    client_certificate_type = 19  # RFC 7250
    server_certificate_type = 20  # RFC 7250
    padding = 21  # RFC 7685
    encrypt_then_mac = 22  # RFC 7366
    extended_master_secret = 23  # RFC 7627
    token_binding = 24  # RFC 8472
    cached_info = 25  # RFC 7924
    tls_lts = 26  # draft-gutmann-tls-lts
    compress_certificate = 27  # RFC 8879
    record_size_limit = 28  # RFC 8449
    pwd_protect = 29  # RFC 8492
    pwd_clear = 30  # RFC 8492
    password_salt = 31  # RFC 8492
    ticket_pinning = 32  # RFC 8672
    tls_cert_with_extern_psk = 33  # RFC 8773
    delegated_credential = 34  # RFC 9345
    session_ticket = 35  # RFC 5077, RFC 8447
    TLMSP = 36  # ETSI TS 103 523-2
    TLMSP_proxying = 37  # ETSI TS 103 523-2
    TLMSP_delegate = 38  # ETSI TS 103 523-2
    supported_ekt_ciphers = 39  # RFC 8870
    key_share_old = 40  # Reserved (RFC 8446); key_share in TLS 1.3 drafts 1-22
    pre_shared_key = 41  # RFC 8446
    early_data = 42  # RFC 8446
    supported_versions = 43  # RFC 8446
    cookie = 44  # RFC 8446
    psk_key_exchange_modes = 45  # RFC 8446
    ticket_early_data_info = 46  # Reserved (RFC 8446); used by TLS 1.3 drafts
    certificate_authorities = 47  # RFC 8446
    oid_filters = 48  # RFC 8446
    post_handshake_auth = 49  # RFC 8446
    signature_algorithms_cert = 50  # RFC 8446
    key_share = 51  # RFC 8446
    transparency_info = 52  # RFC 9162
    connection_id_deprecated = 53  # RFC 9146 (deprecated code point)
    connection_id = 54  # RFC 9146
    external_id_hash = 55  # RFC 8844
    external_session_id = 56  # RFC 8844
    quic_transport_parameters = 57  # RFC 9001
    ticket_request = 58  # RFC 9149
    dnssec_chain = 59  # RFC 9102
    sequence_number_encryption_algorithms = 60  # draft-pismenny-tls-dtls-plaintext-sequence-number
    rrc = 61  # draft-ietf-tls-dtls-rrc
    tls_flags = 62  # draft-ietf-tls-tlsflags
    ech_outer_extensions = 64768  # draft-ietf-tls-esni (0xfd00)
    encrypted_client_hello = 65037  # draft-ietf-tls-esni (0xfe0d)
    renegotiation_info = 65281  # RFC 5746 (0xff01)


# Extensions seen in practice that IANA never registered (source: the drafts
# and browser code that use them).
UNREGISTERED_EXTENSIONS = {
    13172: "next_protocol_negotiation",  # draft-agl-tls-nextprotoneg (0x3374)
    17513: "application_settings_old",  # draft-vvv-tls-alps, Chrome's first code point (0x4469)
    17613: "application_settings",  # draft-vvv-tls-alps, Chrome's current code point (0x44cd)
    30031: "channel_id_old",  # draft-balfanz-tls-channelid (0x754f)
    30032: "channel_id",  # draft-balfanz-tls-channelid (0x7550)
    65486: "encrypted_server_name",  # draft-ietf-tls-esni-01..06 (0xffce)
}


class ProtocolVersion(enum.IntEnum):
    """ProtocolVersion values (RFC 6101, RFC 2246, RFC 4346, RFC 5246, RFC 8446,
    RFC 4347, RFC 6347, RFC 9147)."""

    SSLv2 = 0x0002  # SSL 2.0 (draft-hickman-netscape-ssl-00)
    SSLv3 = 0x0300  # RFC 6101
    TLSv1_0 = 0x0301  # RFC 2246
    TLSv1_1 = 0x0302  # RFC 4346
    TLSv1_2 = 0x0303  # RFC 5246
    TLSv1_3 = 0x0304  # RFC 8446
    DTLSv1_0 = 0xFEFF  # RFC 4347
    DTLSv1_2 = 0xFEFD  # RFC 6347
    DTLSv1_3 = 0xFEFC  # RFC 9147


_VERSION_NAMES = {
    0x0002: "SSL 2.0",
    0x0300: "SSL 3.0",
    0x0301: "TLS 1.0",
    0x0302: "TLS 1.1",
    0x0303: "TLS 1.2",
    0x0304: "TLS 1.3",
    0xFEFF: "DTLS 1.0",
    0xFEFD: "DTLS 1.2",
    0xFEFC: "DTLS 1.3",
}


class PskKeyExchangeMode(enum.IntEnum):
    """RFC 8446 §4.2.9."""

    psk_ke = 0
    psk_dhe_ke = 1


class CertificateStatusType(enum.IntEnum):
    """RFC 6066 §8, RFC 6961."""

    ocsp = 1
    ocsp_multi = 2


class KeyUpdateRequest(enum.IntEnum):
    """RFC 8446 §4.6.3."""

    update_not_requested = 0
    update_requested = 1


class ECPointFormat(enum.IntEnum):
    """RFC 8422 §5.1.2."""

    uncompressed = 0
    ansiX962_compressed_prime = 1
    ansiX962_compressed_char2 = 2


class ClientCertificateType(enum.IntEnum):
    """TLS ClientCertificateType Identifiers (RFC 5246 §7.4.4, RFC 8422 §5.5)."""

    rsa_sign = 1
    dss_sign = 2
    rsa_fixed_dh = 3
    dss_fixed_dh = 4
    rsa_ephemeral_dh = 5
    dss_ephemeral_dh = 6
    fortezza_dms = 20
    ecdsa_sign = 64
    rsa_fixed_ecdh = 65
    ecdsa_fixed_ecdh = 66
    gost_sign256 = 67  # RFC 9189
    gost_sign512 = 68  # RFC 9189


class CertificateCompressionAlgorithm(enum.IntEnum):
    """TLS Certificate Compression Algorithm IDs (RFC 8879 §7.3)."""

    zlib = 1
    brotli = 2
    zstd = 3


class MaxFragmentLength(enum.IntEnum):
    """RFC 6066 §4: 2^9, 2^10, 2^11, 2^12 bytes."""

    length_512 = 1
    length_1024 = 2
    length_2048 = 3
    length_4096 = 4


# RFC 8701 §2: GREASE values for cipher suites, extensions, groups, signature
# algorithms, versions and ALPN: 0x0A0A, 0x1A1A, ... 0xFAFA.
GREASE_VALUES = frozenset(((n << 4) | 0x0A) * 0x0101 for n in range(16))
# RFC 8701 §2: GREASE for PskKeyExchangeModes (one byte): 0x0B, 0x2A, 0x49 ...
GREASE_PSK_MODES = frozenset(0x0B + 0x1F * n for n in range(8))


def is_grease(value: int) -> bool:
    """True for an RFC 8701 GREASE value of a 16-bit registry."""
    return (value & 0x0F0F) == 0x0A0A and (value >> 8) == (value & 0xFF)


def _name(enum_cls: type[enum.IntEnum], value: int, extra: dict[int, str] | None = None) -> str:
    try:
        return enum_cls(value).name
    except ValueError:
        pass
    if extra and value in extra:
        return extra[value]
    return f"unknown({value})"


def content_type_name(value: int) -> str:
    return _name(ContentType, value)


def handshake_type_name(value: int) -> str:
    return _name(HandshakeType, value, UNREGISTERED_HANDSHAKE_TYPES)


def alert_description_name(value: int) -> str:
    return _name(AlertDescription, value)


def alert_level_name(value: int) -> str:
    return _name(AlertLevel, value)


def extension_name(value: int) -> str:
    """IANA name of an extension type; GREASE and private-use values say so."""
    if is_grease(value):
        return f"GREASE(0x{value:04x})"
    try:
        return ExtensionType(value).name
    except ValueError:
        pass
    if value in UNREGISTERED_EXTENSIONS:
        return UNREGISTERED_EXTENSIONS[value]
    if value >= 0xFF00:
        return f"private_use(0x{value:04x})"  # RFC 8446 §11: 65280-65535
    return f"unknown(0x{value:04x})"


def version_name(value: int) -> str:
    """ "TLS 1.2", "TLS 1.3 draft 28", "GREASE(0x7a7a)" ..."""
    if value in _VERSION_NAMES:
        return _VERSION_NAMES[value]
    if is_grease(value):
        return f"GREASE(0x{value:04x})"
    if value >> 8 == 0x7F:  # draft-ietf-tls-tls13-NN used 0x7F00 | NN
        return f"TLS 1.3 draft {value & 0xFF}"
    if value >> 8 == 0x7E:  # Facebook's "fizz" experiment versions (0x7E01 ...)
        return f"TLS 1.3 experiment 0x{value:04x}"
    return f"unknown(0x{value:04x})"


def version_is_tls13(value: int) -> bool:
    """True for TLS 1.3 and its draft versions."""
    return value == 0x0304 or value >> 8 in (0x7F, 0x7E)
