"""Client profiles that reproduce the ClientHellos of RFC 8448 §3 and §5.

The extension order, groups and signature algorithms are what the RFC's
client (NSS) sent; with the RFC's random and private keys the builder gives
the RFC's bytes.
"""

from __future__ import annotations

from dataclasses import replace

from tlsdoctor.wire.hello import ClientHelloProfile

RFC8448_SIGALGS = (0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806)
RFC8448_SIGALGS += (0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202)

S3_PROFILE = ClientHelloProfile(
    versions=(0x0304,),
    cipher_suites=(0x1301, 0x1303, 0x1302),
    groups=(29, 23, 24, 25, 256, 257, 258, 259, 260),
    key_share_groups=(29,),
    signature_algorithms=RFC8448_SIGALGS,
    extension_order=(
        "server_name",
        "renegotiation_info",
        "supported_groups",
        "session_ticket",
        "key_share",
        "supported_versions",
        "signature_algorithms",
        "psk_key_exchange_modes",
        "record_size_limit",
    ),
    record_size_limit=0x4001,
    compat_mode=False,
    status_request=False,
    signed_certificate_timestamp=False,
)
S5_PROFILE = replace(
    S3_PROFILE,
    groups=(29, 23, 24),
    extension_order=(
        "server_name",
        "renegotiation_info",
        "supported_groups",
        "key_share",
        "supported_versions",
        "signature_algorithms",
        "cookie",
        "psk_key_exchange_modes",
        "record_size_limit",
        "padding",
    ),
    padding="boringssl",
    session_ticket=False,
)
