"""Cipher suite properties derived from IANA suite names.

An IANA name spells a suite out: ``TLS_<key exchange>_WITH_<cipher>_<MAC>`` for
TLS 1.0-1.2 (RFC 5246 Appendix A.5) and ``TLS_<AEAD>_<HKDF hash>`` for TLS 1.3
(RFC 8446 §B.4).  This module reads those parts and adds what the RFCs say
about each: which versions may negotiate it (RFC 5246 §1.2 and RFC 8996 on
removals, RFC 4346 on export suites), whether the key exchange is ephemeral,
the PRF hash (RFC 5246 §5: SHA-256 unless the name says SHA-384), key, IV and
MAC sizes for the record layer, and the flags that mark a suite insecure
(RFC 7465 for RC4, RFC 7568 for SSL 3.0, RFC 5469 for DES and IDEA).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .constants import ProtocolVersion as PV

# cipher token -> (bulk algorithm, key bits, mode, block size / fixed IV, AEAD tag)
_CIPHERS: dict[str, tuple[str, int, str]] = {
    "NULL": ("NULL", 0, "NULL"),
    "RC4_40": ("RC4", 40, "stream"),
    "RC4_128": ("RC4", 128, "stream"),
    "RC2_CBC_40": ("RC2", 40, "CBC"),
    "RC2_CBC_56": ("RC2", 56, "CBC"),
    "IDEA_CBC": ("IDEA", 128, "CBC"),
    "DES40_CBC": ("DES", 40, "CBC"),
    "DES_CBC_40": ("DES", 40, "CBC"),
    "DES_CBC": ("DES", 56, "CBC"),
    "3DES_EDE_CBC": ("3DES", 168, "CBC"),
    "SEED_CBC": ("SEED", 128, "CBC"),
    "AES_128_CBC": ("AES", 128, "CBC"),
    "AES_256_CBC": ("AES", 256, "CBC"),
    "AES_128_GCM": ("AES", 128, "GCM"),
    "AES_256_GCM": ("AES", 256, "GCM"),
    "AES_128_CCM": ("AES", 128, "CCM"),
    "AES_256_CCM": ("AES", 256, "CCM"),
    "AES_128_CCM_8": ("AES", 128, "CCM_8"),
    "AES_256_CCM_8": ("AES", 256, "CCM_8"),
    "CAMELLIA_128_CBC": ("CAMELLIA", 128, "CBC"),
    "CAMELLIA_256_CBC": ("CAMELLIA", 256, "CBC"),
    "CAMELLIA_128_GCM": ("CAMELLIA", 128, "GCM"),
    "CAMELLIA_256_GCM": ("CAMELLIA", 256, "GCM"),
    "ARIA_128_CBC": ("ARIA", 128, "CBC"),
    "ARIA_256_CBC": ("ARIA", 256, "CBC"),
    "ARIA_128_GCM": ("ARIA", 128, "GCM"),
    "ARIA_256_GCM": ("ARIA", 256, "GCM"),
    "CHACHA20_POLY1305": ("CHACHA20", 256, "POLY1305"),
    "SM4_GCM": ("SM4", 128, "GCM"),
    "SM4_CCM": ("SM4", 128, "CCM"),
    "AEGIS_256": ("AEGIS", 256, "AEGIS"),
    "AEGIS_128L": ("AEGIS", 128, "AEGIS"),
    "KUZNYECHIK_CTR": ("KUZNYECHIK", 256, "CTR"),
    "MAGMA_CTR": ("MAGMA", 256, "CTR"),
    "28147_CNT": ("GOST28147", 256, "CNT"),
    "KUZNYECHIK_MGM_L": ("KUZNYECHIK", 256, "MGM"),
    "KUZNYECHIK_MGM_S": ("KUZNYECHIK", 256, "MGM"),
    "MAGMA_MGM_L": ("MAGMA", 256, "MGM"),
    "MAGMA_MGM_S": ("MAGMA", 256, "MGM"),
}
_AEAD_MODES = frozenset({"GCM", "CCM", "CCM_8", "POLY1305", "AEGIS", "MGM"})
_BLOCK_SIZE = {"AES": 16, "CAMELLIA": 16, "ARIA": 16, "SEED": 16, "SM4": 16}
_MAC_HASHES = {"MD5": "md5", "SHA": "sha1", "SHA256": "sha256", "SHA384": "sha384", "SM3": "sm3"}
_MAC_LENGTHS = {"md5": 16, "sha1": 20, "sha256": 32, "sha384": 48, "sm3": 32}

# key exchange token -> (key exchange, authentication, forward secret)
_KX: dict[str, tuple[str, str, bool]] = {
    "NULL": ("NULL", "NULL", False),
    "RSA": ("RSA", "RSA", False),
    "RSA_EXPORT": ("RSA", "RSA", False),
    "DH_DSS": ("DH", "DSS", False),
    "DH_DSS_EXPORT": ("DH", "DSS", False),
    "DH_RSA": ("DH", "RSA", False),
    "DH_RSA_EXPORT": ("DH", "RSA", False),
    "DHE_DSS": ("DHE", "DSS", True),
    "DHE_DSS_EXPORT": ("DHE", "DSS", True),
    "DHE_RSA": ("DHE", "RSA", True),
    "DHE_RSA_EXPORT": ("DHE", "RSA", True),
    "DH_anon": ("DHE", "anon", True),
    "DH_anon_EXPORT": ("DHE", "anon", True),
    "ECDH_ECDSA": ("ECDH", "ECDSA", False),
    "ECDH_RSA": ("ECDH", "RSA", False),
    "ECDHE_ECDSA": ("ECDHE", "ECDSA", True),
    "ECDHE_RSA": ("ECDHE", "RSA", True),
    "ECDH_anon": ("ECDHE", "anon", True),
    "PSK": ("PSK", "PSK", False),
    "DHE_PSK": ("DHE_PSK", "PSK", True),
    "PSK_DHE": ("DHE_PSK", "PSK", True),  # RFC 6655 spells 0xC0AA/0xC0AB this way
    "RSA_PSK": ("RSA_PSK", "RSA", False),
    "ECDHE_PSK": ("ECDHE_PSK", "PSK", True),
    "KRB5": ("KRB5", "KRB5", False),
    "KRB5_EXPORT": ("KRB5", "KRB5", False),
    "SRP_SHA": ("SRP", "SRP", True),
    "SRP_SHA_RSA": ("SRP", "RSA", True),
    "SRP_SHA_DSS": ("SRP", "DSS", True),
    "ECCPWD": ("ECCPWD", "ECCPWD", True),
    "GOSTR341112_256": ("GOST", "GOST", True),
}

INSECURE_FLAGS = frozenset({"NULL", "EXPORT", "RC4", "DES", "RC2", "anon", "MD5"})
"""Flags that make a suite unfit for any use: no encryption, export-grade or
broken ciphers (RFC 7465, RFC 5469), no authentication, MD5 MACs."""
WEAK_FLAGS = INSECURE_FLAGS | {"3DES", "IDEA", "64-bit-block"}
"""Insecure, plus 64-bit block ciphers (Sweet32, CVE-2016-2183)."""


@dataclass(frozen=True)
class CipherSuite:
    """One cipher suite code point and what its name says about it."""

    code: int
    name: str
    """IANA name ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")."""
    key_exchange: str
    """"RSA", "DH", "DHE", "ECDH", "ECDHE", "PSK", "DHE_PSK", "ECDHE_PSK",
    "RSA_PSK", "SRP", "KRB5", "ECCPWD", "GOST", "NULL", "ANY" (TLS 1.3),
    "SCSV" (signalling values)."""
    authentication: str
    """"RSA", "DSS", "ECDSA", "PSK", "anon", "KRB5", "SRP", "ECCPWD", "GOST",
    "NULL", "ANY" (TLS 1.3, decided by the certificate), "SCSV"."""
    cipher: str
    """Cipher token from the name ("AES_128_GCM", "3DES_EDE_CBC", "NULL")."""
    bulk: str
    """"AES", "CHACHA20", "3DES", "RC4", "CAMELLIA", "NULL" ..."""
    key_bits: int
    mode: str
    """"GCM", "CCM", "CCM_8", "POLY1305", "CBC", "stream", "NULL", "CTR", "MGM",
    "AEGIS", "CNT"."""
    mac: str
    """"AEAD" for AEAD suites, else the HMAC hash ("sha1", "sha256", "md5" ...)."""
    hash: str
    """PRF / HKDF hash in TLS 1.2 and 1.3 ("sha256", "sha384", "sm3")."""
    forward_secrecy: bool
    min_version: int
    max_version: int
    flags: frozenset[str] = field(default_factory=frozenset)
    recommended: bool = False
    """IANA's "Recommended" column says Y."""
    dtls_ok: bool = True
    reference: str = ""

    # -- derived -------------------------------------------------------------
    @property
    def is_aead(self) -> bool:
        return self.mode in _AEAD_MODES

    @property
    def is_tls13(self) -> bool:
        return self.min_version == PV.TLSv1_3

    @property
    def is_signalling(self) -> bool:
        return self.key_exchange == "SCSV"

    @property
    def insecure(self) -> bool:
        return bool(self.flags & INSECURE_FLAGS)

    @property
    def weak(self) -> bool:
        return bool(self.flags & WEAK_FLAGS)

    @property
    def key_length(self) -> int:
        """Bytes of encryption key in the key block (RFC 5246 §6.3)."""
        if self.bulk == "NULL":
            return 0
        if self.bulk in ("DES", "RC4", "RC2") and "EXPORT" in self.flags:
            return 5
        if self.bulk == "DES":
            return 8
        if self.bulk == "3DES":
            return 24
        return self.key_bits // 8

    @property
    def mac_length(self) -> int:
        """Bytes of MAC key and MAC in the key block; 0 for AEAD suites."""
        return 0 if self.is_aead else _MAC_LENGTHS.get(self.mac, 0)

    @property
    def block_size(self) -> int:
        if self.mode != "CBC":
            return 0
        return _BLOCK_SIZE.get(self.bulk, 8)

    @property
    def fixed_iv_length(self) -> int:
        """Implicit IV bytes from the key block (RFC 5288 §3: 4 for GCM/CCM,
        RFC 7905 §2: 12 for ChaCha20-Poly1305, the block size for CBC)."""
        if self.mode in ("GCM", "CCM", "CCM_8"):
            return 12 if self.is_tls13 else 4
        if self.mode in ("POLY1305", "AEGIS", "MGM"):
            return 12
        return self.block_size

    @property
    def tag_length(self) -> int:
        if self.mode == "CCM_8":
            return 8
        return 16 if self.is_aead else 0

    def prf_hash(self, version: int) -> str:
        """The PRF hash at ``version``: MD5+SHA-1 before TLS 1.2 (RFC 4346 §5)."""
        return "md5-sha1" if version < PV.TLSv1_2 else self.hash

    def allowed_in(self, version: int) -> bool:
        return self.min_version <= version <= self.max_version

    def describe(self) -> str:
        return f"{self.name} (0x{self.code:04x})"


def _split_tls13(rest: str) -> tuple[str, str] | None:
    """``AES_128_GCM_SHA256`` -> ("AES_128_GCM", "SHA256")."""
    for h in ("SHA256", "SHA384", "SM3"):
        if rest.endswith("_" + h):
            return rest[: -len(h) - 1], h
    return None


def suite_from_name(
    code: int,
    name: str,
    *,
    recommended: bool = False,
    dtls_ok: bool = True,
    reference: str = "",
) -> CipherSuite:
    """Derive a :class:`CipherSuite` from its IANA name."""
    kw: dict[str, Any] = {"recommended": recommended, "dtls_ok": dtls_ok, "reference": reference}
    if name.endswith("_SCSV"):
        return CipherSuite(
            code, name, "SCSV", "SCSV", "NULL", "NULL", 0, "NULL", "NULL", "sha256",
            False, 0, 0xFFFF, frozenset({"SCSV"}), **kw,
        )  # fmt: skip
    body = name[4:] if name.startswith("TLS_") else name
    if "_WITH_" not in body:
        return _tls13_suite(code, name, body, kw)
    kx_token, cipher_mac = body.split("_WITH_", 1)
    if kx_token == "GOSTR341112_256" and "_MGM_" in cipher_mac:
        return _tls13_suite(code, name, cipher_mac, kw, gost=True)
    kx, auth, fs = _KX.get(kx_token, ("UNKNOWN", "UNKNOWN", False))
    cipher_token, mac_token = _split_cipher_mac(cipher_mac)
    bulk, bits, mode = _CIPHERS.get(cipher_token, (cipher_token, 0, "unknown"))
    flags: set[str] = set()
    export = "EXPORT" in kx_token or cipher_token.endswith("_40") or "40_" in cipher_token
    if export:
        flags.add("EXPORT")
    if bulk == "NULL":
        flags.add("NULL")
    if bulk == "RC4":
        flags.add("RC4")
    if bulk == "DES":
        flags.add("DES")
    if bulk == "RC2":
        flags.add("RC2")
    if bulk == "3DES":
        flags.add("3DES")
    if bulk == "IDEA":
        flags.add("IDEA")
    if _BLOCK_SIZE.get(bulk, 8) == 8 and mode == "CBC":
        flags.add("64-bit-block")
    if auth in ("anon", "NULL"):
        flags.add("anon")
    mac = _MAC_HASHES.get(mac_token, "AEAD" if mode in _AEAD_MODES else mac_token.lower())
    if mac == "md5":
        flags.add("MD5")
    if mode in _AEAD_MODES:
        mac = "AEAD"
    prf = "sha384" if mac_token == "SHA384" else "sm3" if mac_token == "SM3" else "sha256"
    min_v, max_v = _versions(code, kx, bulk, mode, mac_token, export)
    return CipherSuite(
        code=code,
        name=name,
        key_exchange=kx,
        authentication=auth,
        cipher=cipher_token,
        bulk=bulk,
        key_bits=bits,
        mode=mode,
        mac=mac,
        hash=prf,
        forward_secrecy=fs,
        min_version=min_v,
        max_version=max_v,
        flags=frozenset(flags),
        **kw,
    )


def _split_cipher_mac(cipher_mac: str) -> tuple[str, str]:
    # GOST TLS 1.2 suites (RFC 9189): KUZNYECHIK_CTR_OMAC, MAGMA_CTR_OMAC, 28147_CNT_IMIT
    for mac in ("OMAC", "IMIT"):
        if cipher_mac.endswith("_" + mac):
            return cipher_mac[: -len(mac) - 1], mac
    # CCM suites of RFC 6655/7251 carry no MAC token: the PRF is SHA-256.
    if cipher_mac.endswith(("_CCM", "_CCM_8")):
        return cipher_mac, "SHA256"
    head, _, tail = cipher_mac.rpartition("_")
    return head, tail


def _versions(
    code: int, kx: str, bulk: str, mode: str, mac_token: str, export: bool
) -> tuple[int, int]:
    if export:  # RFC 4346 §A.5: export suites may not be negotiated in TLS 1.1
        return PV.SSLv3, PV.TLSv1_0
    if bulk in ("DES", "IDEA"):
        return PV.SSLv3 if code < 0x1E else PV.TLSv1_0, PV.TLSv1_1  # RFC 5246 §1.2, RFC 5469
    if mode in _AEAD_MODES:
        return PV.TLSv1_2, PV.TLSv1_2  # RFC 5246 §1.2, RFC 5288, RFC 5289, RFC 7905
    if mac_token in ("SHA256", "SHA384") and kx in ("PSK", "DHE_PSK", "RSA_PSK", "ECDHE_PSK"):
        # RFC 5487 §3.2, RFC 5489 §3, RFC 6367 §2.2: any TLS version
        return PV.TLSv1_0, PV.TLSv1_2
    if mac_token in ("SHA256", "SHA384", "SM3", "OMAC", "IMIT"):
        return PV.TLSv1_2, PV.TLSv1_2  # RFC 5246 §1.2, RFC 5289 §3, RFC 5932 §3.2
    low = PV.SSLv3 if code <= 0x1B else PV.TLSv1_0
    return low, PV.TLSv1_2


def _tls13_suite(
    code: int, name: str, body: str, kw: dict[str, Any], gost: bool = False
) -> CipherSuite:
    split = None if gost else _split_tls13(body)
    if gost:
        cipher_token, hash_name = body, "streebog256"
    elif split is None:  # TLS_NULL_WITH_NULL_NULL has _WITH_; nothing else lands here
        cipher_token, hash_name = body, "unknown"
    else:
        cipher_token, hash_name = split[0], split[1].lower()
    if cipher_token in ("SHA256", "SHA384"):  # RFC 9150 integrity-only suites
        bulk, bits, mode = "NULL", 0, "NULL"
        flags = frozenset({"NULL"})
        mac = cipher_token.lower()
    else:
        bulk, bits, mode = _CIPHERS.get(cipher_token, (cipher_token, 0, "unknown"))
        flags = frozenset()
        mac = "AEAD"
    return CipherSuite(
        code=code,
        name=name,
        key_exchange="ANY",
        authentication="ANY",
        cipher=cipher_token,
        bulk=bulk,
        key_bits=bits,
        mode=mode,
        mac=mac,
        hash=hash_name,
        forward_secrecy=True,
        min_version=PV.TLSv1_3,
        max_version=PV.TLSv1_3,
        flags=flags,
        **kw,
    )
