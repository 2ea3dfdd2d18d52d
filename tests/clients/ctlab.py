"""A test CT log: its key, a v3 log list naming it, and leaves with SCTs it signed.

RFC 6962 §3.2: an embedded SCT signs the precertificate entry — the SHA-256 of
the issuer's SubjectPublicKeyInfo and the TBSCertificate without the SCT list
extension.  :func:`leaf_with_scts` issues a leaf twice with the same fields:
first without the extension (the TBS the log signs), then with the SCTs added
as the last extension, so ``tbs_precertificate_bytes`` of the second equals the
TBS of the first.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tlsdoctor.lab.pki import CA, make_key


@dataclass
class Log:
    name: str
    operator: str
    key: ec.EllipticCurvePrivateKey

    @property
    def key_der(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def log_id(self) -> bytes:
        return hashlib.sha256(self.key_der).digest()


def new_log(name: str, operator: str) -> Log:
    return Log(name, operator, ec.generate_private_key(ec.SECP256R1()))


def log_list(logs: Sequence[Log]) -> bytes:
    """A v3 log list (Google's and Apple's schema) with every log usable."""
    ops: dict[str, list[dict[str, object]]] = {}
    for lg in logs:
        ops.setdefault(lg.operator, []).append(
            {
                "description": lg.name,
                "log_id": base64.b64encode(lg.log_id).decode(),
                "key": base64.b64encode(lg.key_der).decode(),
                "url": f"https://{lg.name.lower().replace(' ', '-')}.invalid/",
                "mmd": 86400,
                "state": {"usable": {"timestamp": "2024-01-01T00:00:00Z"}},
            }
        )
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc = {
        "version": "1.0",
        "log_list_timestamp": now,
        "operators": [{"name": op, "email": [], "logs": entries} for op, entries in ops.items()],
    }
    return json.dumps(doc, indent=1).encode()


def _sct(log: Log, entry_type: int, entry: bytes, when: dt.datetime) -> bytes:
    ts = int(when.timestamp() * 1000)
    signed = struct.pack(">BBQH", 0, 0, ts, entry_type) + entry + b"\x00\x00"
    sig = log.key.sign(signed, ec.ECDSA(hashes.SHA256()))
    return (
        b"\x00"
        + log.log_id
        + struct.pack(">Q", ts)
        + b"\x00\x00"
        + bytes([4, 3])
        + struct.pack(">H", len(sig))
        + sig
    )


def sct_list(scts: Sequence[bytes]) -> bytes:
    body = b"".join(len(s).to_bytes(2, "big") + s for s in scts)
    return len(body).to_bytes(2, "big") + body


def _octet(data: bytes) -> bytes:
    n = len(data)
    if n < 0x80:
        return b"\x04" + bytes([n]) + data
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\x04" + bytes([0x80 | len(ln)]) + ln + data


@dataclass
class Leaf:
    cert: x509.Certificate
    key: object

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(  # type: ignore[attr-defined, no-any-return]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def leaf_with_scts(
    issuer: CA,
    logs: Sequence[Log],
    host: str = "localhost",
    days: float = 90,
    key_type: str = "ec",
    bits: int | None = None,
) -> Leaf:
    """A leaf for ``host`` issued by ``issuer``, with one embedded SCT from each of ``logs``."""
    key = make_key(key_type, bits)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
    serial = x509.random_serial_number()

    def build(extra: bytes | None) -> x509.Certificate:
        b = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(issuer.cert.subject)
            .public_key(key.public_key())  # type: ignore[arg-type]
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
                False,
            )
        )
        if extra is not None:
            b = b.add_extension(
                x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), extra),
                False,
            )
        return b.sign(issuer.key, hashes.SHA256())  # type: ignore[arg-type]

    if not logs:
        return Leaf(build(None), key)
    pre = build(None)
    spki = issuer.cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    tbs = pre.tbs_certificate_bytes
    entry = hashlib.sha256(spki).digest() + len(tbs).to_bytes(3, "big") + tbs
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    scts = [_sct(lg, 1, entry, when) for lg in logs]
    final = build(_octet(sct_list(scts)))
    assert final.tbs_precertificate_bytes == tbs, "precertificate TBS does not round-trip"
    return Leaf(final, key)


def tls_extension_scts(leaf_der: bytes, logs: Sequence[Log]) -> bytes:
    """A SignedCertificateTimestampList over the final certificate (x509_entry), for the TLS extension."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    entry = len(leaf_der).to_bytes(3, "big") + leaf_der
    return sct_list([_sct(lg, 0, entry, when) for lg in logs])
