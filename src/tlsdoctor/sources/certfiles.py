"""Certificate files into Evidence: PEM, DER, PKCS#7 and PKCS#12.

PEM files may hold several blocks with any text between them (``openssl
s_client -showcerts`` output, a bundle with comments).  Each certificate keeps
where it came from ("chain.pem:cert[1] line 23").  A private key is recognised,
described (type and size) and held only as a :class:`~tlsdoctor.model.Secret`:
its bytes never reach a message, a report or an exception.

Every failure is an :class:`~tlsdoctor.errors.InputError` naming the file and
the problem in one line.
"""

from __future__ import annotations

import binascii
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from tlsdoctor.errors import InputError
from tlsdoctor.model import ChainCert, KeyInfo, Secret, Where
from tlsdoctor.pki.certinfo import key_facts

MAX_FILE_BYTES = 16 * 1024 * 1024

_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 #]+)-----")
_KEY_LABELS = {
    b"PRIVATE KEY",
    b"RSA PRIVATE KEY",
    b"EC PRIVATE KEY",
    b"DSA PRIVATE KEY",
    b"ENCRYPTED PRIVATE KEY",
    b"OPENSSH PRIVATE KEY",
    b"ANY PRIVATE KEY",
}
_CERT_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"}
_PKCS7_LABELS = {b"PKCS7", b"CMS", b"PKCS #7 SIGNED DATA"}


@dataclass
class LoadedFile:
    path: str
    certs: list[ChainCert] = field(default_factory=list)
    keys: list[KeyInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kind: str = ""
    """"PEM", "DER", "PKCS#7", "PKCS#12"."""


def _der_length(data: bytes) -> int | None:
    """Total length of the DER element at the start of ``data``, if well-formed."""
    if len(data) < 2 or data[0] != 0x30:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    if n == 0 or n > 4 or len(data) < 2 + n:
        return None
    return 2 + n + int.from_bytes(data[2 : 2 + n], "big")


def _describe_key(key: object) -> str:
    return str(key_facts(_public_of(key)))


def _public_of(key: object) -> object:
    pub = getattr(key, "public_key", None)
    return pub() if callable(pub) else None


def _key_info(key: object, where: Where, raw: bytes) -> KeyInfo:
    pub = _public_of(key)
    spki = b""
    if pub is not None:
        spki = pub.public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return KeyInfo(
        public_key_der=spki,
        description=_describe_key(key),
        where=where,
        secret=Secret(raw, "private key"),
    )


def _load_key_block(
    label: bytes,
    pem_block: bytes,
    der: bytes,
    where: Where,
    passphrase: bytes | None,
    out: LoadedFile,
) -> None:
    name = label.decode()
    if label == b"ENCRYPTED PRIVATE KEY" and passphrase is None:
        out.notes.append(
            f"{where}: an encrypted private key (not shown); pass its passphrase to check it"
        )
        out.keys.append(KeyInfo(b"", "encrypted private key", where, Secret(der, "private key")))
        return
    try:
        if label == b"OPENSSH PRIVATE KEY":
            key: object = serialization.load_ssh_private_key(pem_block, passphrase)
        else:
            key = serialization.load_pem_private_key(pem_block, passphrase)
    except (ValueError, TypeError):
        # The library's message could in principle quote input; never pass it on.
        out.notes.append(f"{where}: a {name} block that could not be read (not shown)")
        out.keys.append(
            KeyInfo(b"", f"unreadable {name.lower()}", where, Secret(der, "private key"))
        )
        return
    except UnsupportedAlgorithm:
        out.notes.append(f"{where}: a {name} of an unsupported type (not shown)")
        return
    out.keys.append(_key_info(key, where, der))


def _cert_from_der(der: bytes, where: Where, path: str) -> ChainCert:
    n = _der_length(der)
    body = der[:n] if n is not None and n <= len(der) else der
    try:
        cert = x509.load_der_x509_certificate(body)
    except ValueError as e:
        raise InputError(f"{where}: not a valid certificate ({_short(e)})") from None
    return ChainCert(cert=cert, der=body, where=where)


def _short(e: Exception) -> str:
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    return text[:120]


def _parse_pem(data: bytes, path: str, passphrase: bytes | None, out: LoadedFile) -> None:
    base = os.path.basename(path) or path
    pos = 0
    cert_no = 0
    while True:
        m = _BEGIN.search(data, pos)
        if m is None:
            break
        label = m.group(1)
        line = data.count(b"\n", 0, m.start()) + 1
        end_marker = b"-----END " + label + b"-----"
        end = data.find(end_marker, m.end())
        if end < 0:
            what = "private key" if label in _KEY_LABELS else label.decode().lower()
            raise InputError(
                f"{base}: the {what} block starting at line {line} has no END line "
                "(file truncated?)"
            )
        body = data[m.end() : end]
        pem_block = data[m.start() : end + len(end_marker)] + b"\n"
        pos = end + len(end_marker)
        if label in _KEY_LABELS:
            where = Where(base, f"private key at line {line}")
            # Only the PEM headers (for legacy encrypted keys) are read without decoding.
            try:
                der = binascii.a2b_base64(_strip_pem_headers(body))
            except (binascii.Error, ValueError):
                der = b""
            _load_key_block(label, pem_block, der, where, passphrase, out)
            continue
        try:
            der = binascii.a2b_base64(_strip_pem_headers(body))
        except (binascii.Error, ValueError):
            raise InputError(
                f"{base}: the {label.decode()} block at line {line} is not valid base64"
            ) from None
        if label in _CERT_LABELS:
            where = Where(base, f"cert[{cert_no}] line {line}")
            out.certs.append(_cert_from_der(der, where, path))
            cert_no += 1
        elif label in _PKCS7_LABELS:
            try:
                from cryptography.hazmat.primitives.serialization import pkcs7

                certs = pkcs7.load_der_pkcs7_certificates(der)
            except ValueError as e:
                raise InputError(
                    f"{base}: PKCS#7 block at line {line} unreadable ({_short(e)})"
                ) from None
            for c in certs:
                where = Where(base, f"cert[{cert_no}] (PKCS#7 line {line})")
                out.certs.append(ChainCert(c, c.public_bytes(serialization.Encoding.DER), where))
                cert_no += 1
        elif label in (b"CERTIFICATE REQUEST", b"NEW CERTIFICATE REQUEST"):
            out.notes.append(
                f"{base}:{line}: a certificate signing request, not a certificate (skipped)"
            )
        elif label == b"X509 CRL":
            out.notes.append(f"{base}:{line}: a certificate revocation list (skipped)")
        else:
            out.notes.append(f"{base}:{line}: a {label.decode()} block (skipped)")
    out.kind = "PEM"


def _strip_pem_headers(body: bytes) -> bytes:
    """Drop RFC 1421 headers ("Proc-Type: ..."), which end at the first blank line."""
    lines = body.strip().splitlines()
    if lines and b":" in lines[0]:
        for i, line in enumerate(lines):
            if not line.strip():
                return b"\n".join(lines[i + 1 :])
    return body


def _parse_der(data: bytes, path: str, passphrase: bytes | None, out: LoadedFile) -> None:
    base = os.path.basename(path) or path
    n = _der_length(data)
    # 1. A single certificate.
    if n is not None and n == len(data):
        try:
            cert = x509.load_der_x509_certificate(data)
        except ValueError:
            cert = None
        if cert is not None:
            out.certs.append(ChainCert(cert, data, Where(base, "cert[0]")))
            out.kind = "DER"
            return
        # 2. PKCS#7 (a .p7b chain).
        from cryptography.hazmat.primitives.serialization import pkcs7

        try:
            certs = pkcs7.load_der_pkcs7_certificates(data)
        except ValueError:
            certs = []
        if certs:
            for i, c in enumerate(certs):
                out.certs.append(
                    ChainCert(
                        c, c.public_bytes(serialization.Encoding.DER), Where(base, f"cert[{i}]")
                    )
                )
            out.kind = "PKCS#7"
            return
        # 3. A DER private key.
        try:
            key = serialization.load_der_private_key(data, passphrase)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            key = None
        if key is not None:
            out.keys.append(_key_info(key, Where(base, "private key"), data))
            out.kind = "DER"
            return
    # 4. PKCS#12.
    if data[:1] == b"\x30":
        _parse_pkcs12(data, base, passphrase, out)
        return
    raise InputError(
        f"{base}: not a certificate file (no PEM block; not DER, PKCS#7 or PKCS#12; "
        f"starts with {data[:4].hex(' ')})"
    )


def _parse_pkcs12(data: bytes, base: str, passphrase: bytes | None, out: LoadedFile) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12

    tried_empty = False
    attempts: list[bytes | None] = [passphrase] if passphrase is not None else [None, b""]
    last_error = ""
    for pw in attempts:
        try:
            p12 = pkcs12.load_pkcs12(data, pw)
        except ValueError as e:
            last_error = _short(e)
            tried_empty = True
            continue
        except UnsupportedAlgorithm as e:
            last_error = type(e).__name__
            continue
        out.kind = "PKCS#12"
        i = 0
        if p12.cert is not None:
            c = p12.cert.certificate
            out.certs.append(
                ChainCert(c, c.public_bytes(serialization.Encoding.DER), Where(base, "cert[0]"))
            )
            i = 1
        for extra in p12.additional_certs:
            c = extra.certificate
            out.certs.append(
                ChainCert(c, c.public_bytes(serialization.Encoding.DER), Where(base, f"cert[{i}]"))
            )
            i += 1
        if p12.key is not None:
            raw = p12.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            out.keys.append(_key_info(p12.key, Where(base, "private key"), raw))
        return
    if passphrase is None and tried_empty and "password" in last_error.lower():
        raise InputError(
            f"{base}: PKCS#12 file is protected by a passphrase: pass it with "
            "--passphrase-file FILE, TLSDOCTOR_PASSPHRASE, or --passphrase-file - (stdin)"
        )
    if passphrase is not None and "password" in last_error.lower():
        raise InputError(f"{base}: wrong passphrase for this PKCS#12 file")
    raise InputError(
        f"{base}: not a certificate file (DER data that is not a certificate, PKCS#7, "
        "PKCS#12 or private key)"
    )


def load_file(path: str, passphrase: bytes | None = None) -> LoadedFile:
    """Read one file of certificates and/or keys.  Raises InputError."""
    base = os.path.basename(path) or path
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a certificate file")
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise InputError(f"{base}: {size} bytes is too large for a certificate file")
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    return load_bytes(data, path, passphrase)


def load_bytes(data: bytes, name: str, passphrase: bytes | None = None) -> LoadedFile:
    """Parse ``data`` (the contents of file ``name``).  Raises InputError only."""
    base = os.path.basename(name) or name
    out = LoadedFile(path=name)
    if not data.strip():
        raise InputError(f"{base}: file is empty")
    if b"-----BEGIN " in data:
        _parse_pem(data, name, passphrase, out)
        if not out.certs and not out.keys and not out.notes:
            raise InputError(f"{base}: no certificate found in the PEM blocks")
    else:
        _parse_der(data, name, passphrase, out)
    return out


def describe_key_only(f: LoadedFile) -> str:
    """The message for a file that holds a key but no certificate."""
    k = f.keys[0]
    base = os.path.basename(f.path) or f.path
    return (
        f"{base}: holds a private key ({k.description}), not a certificate; its contents "
        "are not shown. Pass it with --key to check that it matches the certificate."
    )


def load_anchors(ca_files: Sequence[str], passphrase: bytes | None = None) -> tuple[ChainCert, ...]:
    """The roots the user says their client trusts (``--ca FILE``, repeatable).

    Raises InputError for a file with no certificate, saying so when it holds
    a private key instead (whose contents are never shown).
    """
    out: list[ChainCert] = []
    for path in ca_files:
        loaded = load_file(path, passphrase)
        if not loaded.certs:
            if loaded.keys:
                raise InputError(
                    f"{path}: --ca expects a CA certificate, but this file holds "
                    "a private key (not shown)"
                )
            raise InputError(f"{path}: no certificate found for --ca")
        out.extend(loaded.certs)
    return tuple(out)
