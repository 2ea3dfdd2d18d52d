"""Signed certificate timestamps (RFC 6962 §3.2–3.3) from any of their three sources.

A SignedCertificateTimestampList reaches a client embedded in the certificate
(extension 1.3.6.1.4.1.11129.2.4.2), in the TLS signed_certificate_timestamp
extension, or inside a stapled OCSP response (extension 1.3.6.1.4.1.11129.2.4.5).
This module parses the list from raw bytes, and turns the SCTs ``cryptography``
has already parsed (embedded, OCSP) into the same :class:`Sct`; input is
untrusted and any malformed list gives ``ValueError``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tlsdoctor.pki.der import read_tlv

OCSP_SCT_OID = "1.3.6.1.4.1.11129.2.4.5"
"""The SCT list extension of an OCSP SingleResponse (RFC 6962 §3.3)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HASH_CODES = {"md5": 1, "sha1": 2, "sha224": 3, "sha256": 4, "sha384": 5, "sha512": 6}
"""HashAlgorithm codes (RFC 5246 §7.4.1.4.1) by ``cryptography`` hash name."""


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

    @classmethod
    def from_crypto(cls, s: Any, source: str) -> Sct:
        """One of ``cryptography``'s SignedCertificateTimestamp objects as an :class:`Sct`."""
        t: datetime = s.timestamp
        if t.tzinfo is None:  # cryptography gives naive UTC datetimes
            t = t.replace(tzinfo=UTC)
        hash_alg = s.signature_hash_algorithm
        return cls(
            version=int(s.version.value),
            log_id=bytes(s.log_id),
            timestamp_ms=(t - _EPOCH) // timedelta(milliseconds=1),
            extensions=bytes(s.extension_bytes),
            hash_algorithm=_HASH_CODES.get(getattr(hash_alg, "name", ""), 0),
            signature_algorithm=int(s.signature_algorithm.value),
            signature=bytes(s.signature),
            source=source,
        )


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
    tag, start, end = read_tlv(der, 0)
    if tag != 0x04:
        raise ValueError("not an OCTET STRING")
    if end != len(der):
        raise ValueError("OCTET STRING length does not match")
    return der[start:end]


def ocsp_scts(resp: Any) -> list[Sct]:
    """The SCTs in a parsed OCSP response's single extensions (RFC 6962 §3.3).

    ``resp`` is a ``cryptography`` OCSPResponse; ``ValueError`` when its
    extensions or the SCT list in them are malformed.
    """
    from cryptography import x509

    try:
        exts = list(resp.single_extensions)
    except (ValueError, x509.DuplicateExtension) as e:
        raise ValueError("malformed single response extensions") from e
    out: list[Sct] = []
    for ext in exts:
        value = ext.value
        if isinstance(value, x509.SignedCertificateTimestamps):
            out.extend(Sct.from_crypto(s, "ocsp") for s in value)
        elif (
            isinstance(value, x509.UnrecognizedExtension) and ext.oid.dotted_string == OCSP_SCT_OID
        ):
            out.extend(parse_sct_list(unwrap_octet_string(value.value), "ocsp"))
    return out
