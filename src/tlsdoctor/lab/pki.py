"""A small PKI factory for tests, the lab and the demo, in the manner of trustme.

::

    root = ca("Lab Root")
    leaf = root.intermediate("Int A", path_len=0).intermediate("Int B").leaf("localhost")
    leaf.chain_pem()        # leaf + intermediates, as a server sends them
    leaf.root.cert_pem()    # what a client trusts

Every knob that makes a chain broken is a keyword argument: dates, key type and
size, signature hash, basicConstraints, keyUsage, EKU, SANs, must-staple,
embedded SCTs, AIA URLs, cross-signing.  Keys are EC P-256 unless asked for.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

_EKU = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "anyExtendedKeyUsage": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
}
_HASH: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def utcnow() -> dt.datetime:
    """Now, in UTC, to the second (certificate times carry no fractions)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def write_file(path: str, data: bytes, private: bool = False) -> None:
    """Write ``data`` to ``path``; a private file (a key) is readable by its owner only
    from the moment it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def make_key(key_type: str = "ec", bits: int | None = None) -> PrivateKey:
    """A fresh private key: "ec" (P-256, or P-384 with bits=384), "rsa", "ed25519"."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=bits or 2048)
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    curve: ec.EllipticCurve = ec.SECP384R1() if bits == 384 else ec.SECP256R1()
    return ec.generate_private_key(curve)


def key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _name(cn: str, org: str | None = "tlsdoctor lab") -> x509.Name:
    attrs = []
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _sign(builder: x509.CertificateBuilder, key: PrivateKey, hash_name: str) -> x509.Certificate:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return builder.sign(key, None)
    if hash_name == "sha1":
        return _sign_sha1(builder.sign(key, hashes.SHA256()), key)
    return builder.sign(key, _HASH[hash_name]())


# DER AlgorithmIdentifiers for SHA-1 signatures (RFC 3279 §2.2.1, §2.2.3), which
# ``cryptography`` no longer produces; the lab needs them to build SHA-1 leaves.
_SHA1_RSA = bytes.fromhex("300d06092a864886f70d0101050500")
_SHA1_ECDSA = bytes.fromhex("300906072a8648ce3d0401")


def der_len(n: int) -> bytes:
    """A DER length: short form below 128, long form from there."""
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der_elements(seq: bytes) -> list[bytes]:
    """The elements (each with its header) inside a DER SEQUENCE."""

    def header(buf: bytes, i: int) -> tuple[int, int]:
        first = buf[i + 1]
        if first < 0x80:
            return 2, first
        n = first & 0x7F
        return 2 + n, int.from_bytes(buf[i + 2 : i + 2 + n], "big")

    hl, ln = header(seq, 0)
    body = seq[hl : hl + ln]
    out, i = [], 0
    while i < len(body):
        h, n = header(body, i)
        out.append(body[i : i + h + n])
        i += h + n
    return out


def _sign_sha1(cert: x509.Certificate, key: PrivateKey) -> x509.Certificate:
    """Re-sign ``cert`` with SHA-1: swap the algorithm in the TBS, sign, re-wrap."""
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    alg = _SHA1_RSA if is_rsa else _SHA1_ECDSA
    tbs_parts = _der_elements(cert.tbs_certificate_bytes)
    # TBSCertificate: [0] version, serialNumber, signature AlgorithmIdentifier, ...
    tbs_parts[2] = alg
    body = b"".join(tbs_parts)
    tbs = b"\x30" + der_len(len(body)) + body
    if is_rsa:
        from cryptography.hazmat.primitives.asymmetric import padding

        assert isinstance(key, rsa.RSAPrivateKey)
        sig = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        sig = key.sign(tbs, ec.ECDSA(hashes.SHA1()))
    bits = b"\x00" + sig
    outer = tbs + alg + b"\x03" + der_len(len(bits)) + bits
    return x509.load_der_x509_certificate(b"\x30" + der_len(len(outer)) + outer)


def _dates(
    days: float, not_before: dt.datetime | None, not_after: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    start = not_before or (utcnow() - dt.timedelta(days=1))
    end = not_after or (start + dt.timedelta(days=days))
    return start, end


def _certificate(
    subject: x509.Name,
    public_key: PublicKey,
    signer: PrivateKey,
    *,
    issuer: x509.Name | None = None,
    days: float,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    hash: str = "sha256",
    extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    aia_issuer_url: str | None = None,
) -> x509.Certificate:
    """A certificate for ``subject``'s ``public_key``, signed by ``signer``: issued by
    ``issuer`` (with an authorityKeyIdentifier), or self-signed when it is None."""
    start, end = _dates(days, not_before, not_after)
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
    )
    if issuer is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
        )
    if aia_issuer_url:
        b = b.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(aia_issuer_url),
                    )
                ]
            ),
            False,
        )
    for ext, critical in extensions:
        b = b.add_extension(ext, critical)
    return _sign(b, signer, hash)


@dataclass
class CA:
    """A certificate authority: a key and its certificate (self-signed for a root)."""

    name: str
    key: PrivateKey
    cert: x509.Certificate
    parent: CA | None = None
    cross_signed: list[x509.Certificate] = field(default_factory=list)

    @property
    def root(self) -> CA:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def chain_up(self) -> list[x509.Certificate]:
        """This CA's certificate and its parents', excluding the root."""
        out: list[x509.Certificate] = []
        node: CA | None = self
        while node is not None and node.parent is not None:
            out.append(node.cert)
            node = node.parent
        return out

    def cert_pem(self) -> bytes:
        return cert_pem(self.cert)

    def _issue(
        self,
        subject: x509.Name,
        public_key: PublicKey,
        *,
        days: float,
        not_before: dt.datetime | None,
        not_after: dt.datetime | None,
        hash: str,
        extensions: Iterable[tuple[x509.ExtensionType, bool]],
        aia_issuer_url: str | None = None,
    ) -> x509.Certificate:
        return _certificate(
            subject,
            public_key,
            self.key,
            issuer=self.cert.subject,
            days=days,
            not_before=not_before,
            not_after=not_after,
            hash=hash,
            extensions=extensions,
            aia_issuer_url=aia_issuer_url,
        )

    def intermediate(
        self,
        name: str | None = None,
        *,
        path_len: int | None = None,
        basic_constraints: bool = True,
        is_ca: bool = True,
        key_cert_sign: bool = True,
        eku: Sequence[str] | None = None,
        key_type: str = "ec",
        bits: int | None = None,
        days: float = 1825,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        hash: str = "sha256",
        aia_issuer_url: str | None = None,
        key: PrivateKey | None = None,
    ) -> CA:
        """A CA certificate issued by this one."""
        name = name or f"{self.name} Sub"
        key = key or make_key(key_type, bits)
        exts: list[tuple[x509.ExtensionType, bool]] = []
        if basic_constraints:
            exts.append(
                (x509.BasicConstraints(ca=is_ca, path_length=path_len if is_ca else None), True)
            )
        exts.append((_ca_key_usage(key_cert_sign), True))
        if eku is not None:
            exts.append((x509.ExtendedKeyUsage([_EKU[e] for e in eku]), False))
        cert = self._issue(
            _name(name),
            key.public_key(),
            days=days,
            not_before=not_before,
            not_after=not_after,
            hash=hash,
            extensions=exts,
            aia_issuer_url=aia_issuer_url,
        )
        return CA(name=name, key=key, cert=cert, parent=self)

    def cross_sign(
        self,
        other: CA,
        *,
        days: float = 1825,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        path_len: int | None = None,
    ) -> x509.Certificate:
        """Another certificate for ``other``'s name and key, issued by this CA."""
        cert = self._issue(
            other.cert.subject,
            other.key.public_key(),
            days=days,
            not_before=not_before,
            not_after=not_after,
            hash="sha256",
            extensions=[
                (x509.BasicConstraints(ca=True, path_length=path_len), True),
                (_ca_key_usage(True), True),
            ],
        )
        other.cross_signed.append(cert)
        return cert

    def leaf(
        self,
        *names: str,
        cn: str | None = None,
        san: bool = True,
        ip_as_dns: bool = False,
        eku: Sequence[str] | None = ("serverAuth",),
        key_usage: bool = True,
        basic_constraints: bool = True,
        is_ca: bool = False,
        key_type: str = "ec",
        bits: int | None = None,
        days: float = 90,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        hash: str = "sha256",
        must_staple: bool = False,
        scts: Sequence[bytes] = (),
        aia_issuer_url: str | None = None,
        key: PrivateKey | None = None,
        org: str | None = "tlsdoctor lab",
    ) -> Issued:
        """An end-entity certificate for ``names`` (DNS names or IP addresses);
        ``org=None`` makes a subject of the common name alone."""
        names = names or ("localhost",)
        key = key or make_key(key_type, bits)
        exts = _leaf_extensions(
            names, san, ip_as_dns, eku, key_usage, key, basic_constraints, is_ca, must_staple, scts
        )
        cert = self._issue(
            _name(cn or names[0], org),
            key.public_key(),
            days=days,
            not_before=not_before,
            not_after=not_after,
            hash=hash,
            extensions=exts,
            aia_issuer_url=aia_issuer_url,
        )
        return Issued(cert=cert, key=key, issuer=self)


def _ca_key_usage(key_cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_extensions(
    names: Sequence[str],
    san: bool,
    ip_as_dns: bool,
    eku: Sequence[str] | None,
    key_usage: bool,
    key: PrivateKey,
    basic_constraints: bool,
    is_ca: bool,
    must_staple: bool,
    scts: Sequence[bytes],
) -> list[tuple[x509.ExtensionType, bool]]:
    exts: list[tuple[x509.ExtensionType, bool]] = []
    if basic_constraints:
        exts.append((x509.BasicConstraints(ca=is_ca, path_length=None), True))
    if san:
        entries: list[x509.GeneralName] = []
        for n in names:
            try:
                ip = ipaddress.ip_address(n)
            except ValueError:
                entries.append(x509.DNSName(n))
                continue
            entries.append(x509.DNSName(str(ip)) if ip_as_dns else x509.IPAddress(ip))
        exts.append((x509.SubjectAlternativeName(entries), False))
    if key_usage:
        is_rsa = isinstance(key, rsa.RSAPrivateKey)
        exts.append(
            (
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=is_rsa,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=is_ca,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                True,
            )
        )
    if eku:
        exts.append((x509.ExtendedKeyUsage([_EKU[e] for e in eku]), False))
    if must_staple:
        exts.append((x509.TLSFeature([x509.TLSFeatureType.status_request]), False))
    if scts:
        # RFC 6962 §3.3: the extension holds an OCTET STRING wrapping a
        # SignedCertificateTimestampList (2-byte length, then 2-byte-prefixed SCTs).
        body = b"".join(len(s).to_bytes(2, "big") + s for s in scts)
        sct_list = len(body).to_bytes(2, "big") + body
        exts.append(
            (
                x509.UnrecognizedExtension(
                    x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), _der_octet_string(sct_list)
                ),
                False,
            )
        )
    return exts


def _der_octet_string(data: bytes) -> bytes:
    return b"\x04" + der_len(len(data)) + data


@dataclass
class Issued:
    """An end-entity certificate, its key, and the CA that issued it."""

    cert: x509.Certificate
    key: PrivateKey
    issuer: CA | None

    @property
    def root(self) -> CA:
        if self.issuer is None:
            raise ValueError("a self-signed leaf has no root CA")
        return self.issuer.root

    @property
    def chain(self) -> list[x509.Certificate]:
        """What a server sends: the leaf, then intermediates up to (not incl.) the root."""
        ups = self.issuer.chain_up() if self.issuer is not None else []
        return [self.cert, *ups]

    def cert_pem(self) -> bytes:
        return cert_pem(self.cert)

    def key_pem(self) -> bytes:
        return key_pem(self.key)

    def chain_pem(self, certs: Sequence[x509.Certificate] | None = None) -> bytes:
        return b"".join(cert_pem(c) for c in (certs if certs is not None else self.chain))

    def write(self, directory: str, stem: str = "server") -> dict[str, str]:
        """Write ``stem.crt`` (leaf), ``stem.chain.pem``, ``stem.key`` and ``root.pem``."""
        os.makedirs(directory, exist_ok=True)
        paths = {
            "cert": os.path.join(directory, f"{stem}.crt"),
            "chain": os.path.join(directory, f"{stem}.chain.pem"),
            "key": os.path.join(directory, f"{stem}.key"),
        }
        write_file(paths["cert"], self.cert_pem())
        write_file(paths["chain"], self.chain_pem())
        write_file(paths["key"], self.key_pem(), private=True)
        if self.issuer is not None:
            paths["root"] = os.path.join(directory, "root.pem")
            write_file(paths["root"], self.root.cert_pem())
        return paths


def ca(
    name: str = "tlsdoctor Lab Root",
    *,
    key_type: str = "ec",
    bits: int | None = None,
    days: float = 3650,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    path_len: int | None = None,
    hash: str = "sha256",
    key: PrivateKey | None = None,
    org: str | None = "tlsdoctor lab",
) -> CA:
    """A new self-signed root CA (``org=None``: a subject of the common name alone)."""
    key = key or make_key(key_type, bits)
    cert = _certificate(
        _name(name, org),
        key.public_key(),
        key,
        days=days,
        not_before=not_before,
        not_after=not_after,
        hash=hash,
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=path_len), True),
            (_ca_key_usage(True), True),
        ],
    )
    return CA(name=name, key=key, cert=cert)


def self_signed_leaf(
    *names: str,
    is_ca: bool = False,
    key_type: str = "ec",
    bits: int | None = None,
    days: float = 365,
    eku: Sequence[str] | None = ("serverAuth",),
) -> Issued:
    """A leaf that issued itself: the classic device certificate."""
    names = names or ("localhost",)
    key = make_key(key_type, bits)
    cert = _certificate(
        _name(names[0]),
        key.public_key(),
        key,
        days=days,
        extensions=_leaf_extensions(names, True, False, eku, True, key, True, is_ca, False, ()),
    )
    return Issued(cert=cert, key=key, issuer=None)
