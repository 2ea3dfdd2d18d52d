"""Signed certificate timestamps (RFC 6962 §3.2–3.3) from any of their three sources.

A SignedCertificateTimestampList reaches a client embedded in the certificate
(extension 1.3.6.1.4.1.11129.2.4.2), in the TLS signed_certificate_timestamp
extension, or inside a stapled OCSP response (extension 1.3.6.1.4.1.11129.2.4.5).
This module parses the list from raw bytes; input is untrusted and any
malformed list gives ``ValueError``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Sct:
    version: int
    log_id: bytes
    timestamp_ms: int
    extensions: bytes
    hash_algorithm: int
    signature_algorithm: int
    signature: bytes
    source: str
    """"certificate", "tls-extension" or "ocsp"."""

    @property
    def timestamp(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)


def parse_sct(data: bytes, source: str) -> Sct:
    """One SerializedSCT (RFC 6962 §3.2)."""
    if len(data) < 1 + 32 + 8 + 2:
        raise ValueError("SCT too short")
    version = data[0]
    log_id = data[1:33]
    (ts,) = struct.unpack_from(">Q", data, 33)
    (ext_len,) = struct.unpack_from(">H", data, 41)
    i = 43 + ext_len
    if i + 4 > len(data):
        raise ValueError("SCT extensions run past the end")
    ext = data[43:i]
    hash_alg, sig_alg, sig_len = data[i], data[i + 1], struct.unpack_from(">H", data, i + 2)[0]
    sig = data[i + 4 : i + 4 + sig_len]
    if len(sig) != sig_len or i + 4 + sig_len != len(data):
        raise ValueError("SCT signature length does not match")
    return Sct(version, log_id, ts, ext, hash_alg, sig_alg, sig, source)


def parse_sct_list(data: bytes, source: str) -> list[Sct]:
    """A SignedCertificateTimestampList: a 2-byte total length, then 2-byte-prefixed SCTs."""
    if len(data) < 2:
        raise ValueError("SCT list too short")
    (total,) = struct.unpack_from(">H", data, 0)
    if total + 2 != len(data):
        raise ValueError("SCT list length does not match its contents")
    out = []
    i = 2
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("truncated SCT entry")
        (n,) = struct.unpack_from(">H", data, i)
        if n == 0 or i + 2 + n > len(data):
            raise ValueError("bad SCT entry length")
        out.append(parse_sct(data[i + 2 : i + 2 + n], source))
        i += 2 + n
    return out


def unwrap_octet_string(der: bytes) -> bytes:
    """The contents of a DER OCTET STRING (the SCT extensions wrap the list in one)."""
    if len(der) < 2 or der[0] != 0x04:
        raise ValueError("not an OCTET STRING")
    first = der[1]
    if first < 0x80:
        start, n = 2, first
    else:
        k = first & 0x7F
        if k == 0 or k > 3 or len(der) < 2 + k:
            raise ValueError("bad OCTET STRING length")
        start, n = 2 + k, int.from_bytes(der[2 : 2 + k], "big")
    if start + n != len(der):
        raise ValueError("OCTET STRING length does not match")
    return der[start:]
