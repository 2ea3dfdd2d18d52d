"""IANA TLS registries: cipher suites, supported groups, signature schemes, and more.

The three big registries are read from IANA's own CSV exports shipped in
``data/`` (TLS Cipher Suites, TLS Supported Groups, TLS SignatureScheme; see
``data/README.md``), including the range rows IANA uses for reserved and
unassigned blocks ("0x00,0x1C-1D", "0x01-09,*", "42-255").  Suite properties are
derived from the names (:mod:`tlsdoctor.wire.suites`); the TLS 1.2
hash/signature pairs that the SignatureScheme registry lists only as "Reserved
for backward compatibility" are named from RFC 5246 §7.4.1.4.1.  The smaller
registries (versions, alerts, extensions, handshake and content types) are in
:mod:`tlsdoctor.wire.constants` and re-exported here.

Every table is built once, on first use, into dicts keyed by code point.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .constants import (
    GREASE_VALUES,
    alert_description_name,
    alert_level_name,
    content_type_name,
    extension_name,
    handshake_type_name,
    is_grease,
    version_name,
)
from .suites import CipherSuite, suite_from_name

__all__ = [
    "GREASE_VALUES",
    "CipherSuite",
    "NamedGroup",
    "SignatureScheme",
    "alert_description_name",
    "alert_level_name",
    "alert_name",
    "cipher_suite",
    "cipher_suite_by_name",
    "cipher_suite_name",
    "cipher_suite_status",
    "cipher_suites",
    "content_type_name",
    "extension_name",
    "group",
    "group_by_name",
    "group_name",
    "group_status",
    "groups",
    "handshake_type_name",
    "is_grease",
    "signature_scheme",
    "signature_scheme_by_name",
    "signature_scheme_name",
    "signature_scheme_status",
    "signature_schemes",
    "version_name",
]


def alert_name(description: int) -> str | None:
    """IANA name of an alert description ("bad_certificate"), None if unassigned."""
    name = alert_description_name(description)
    return None if name.startswith("unknown(") else name


# ------------------------------------------------------------------ CSV reading


@dataclass(frozen=True)
class _Row:
    lo: int
    hi: int
    description: str
    dtls_ok: bool
    recommended: str
    reference: str
    second: tuple[int, int] | None = None
    """For cipher-suite rows like "0x01-09,0x00-09": the second-byte range."""

    def contains(self, code: int) -> bool:
        if self.second is None:
            return self.lo <= code <= self.hi
        first, second = code >> 8, code & 0xFF
        return self.lo <= first <= self.hi and self.second[0] <= second <= self.second[1]


def _read_csv(name: str) -> list[dict[str, str]]:
    text = (Path(__file__).parent / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _clean(text: str) -> str:
    return " ".join(text.split())


def _suite_rows() -> list[_Row]:
    rows = []
    for r in _read_csv("iana-tls-cipher-suites.csv"):
        first, second = (p.strip() for p in r["Value"].split(","))
        f_lo, f_hi = _hex_range(first)
        if second == "*":
            s_lo, s_hi = 0, 0xFF
        else:
            s_lo, s_hi = _hex_range(second)
        desc = _clean(r["Description"])
        dtls, rec, ref = r["DTLS-OK"] == "Y", r["Recommended"], _clean(r["Reference"])
        if f_lo == f_hi:
            rows.append(_Row((f_lo << 8) | s_lo, (f_lo << 8) | s_hi, desc, dtls, rec, ref))
        else:
            rows.append(_Row(f_lo, f_hi, desc, dtls, rec, ref, (s_lo, s_hi)))
    return rows


def _hex_range(text: str) -> tuple[int, int]:
    """ "0x1C-1D" -> (0x1C, 0x1D); "0x2F" -> (0x2F, 0x2F); "0x0000-0x0200" too."""
    lo_text, _, hi_text = text.partition("-")
    lo = int(lo_text, 16)
    hi = int(hi_text if hi_text.startswith("0x") else "0x" + hi_text, 16) if hi_text else lo
    return lo, hi


def _int_range(text: str) -> tuple[int, int]:
    lo_text, _, hi_text = text.partition("-")
    if lo_text.startswith("0x"):
        return _hex_range(text)
    lo = int(lo_text)
    return lo, int(hi_text) if hi_text else lo


def _simple_rows(name: str, dtls_col: str | None) -> list[_Row]:
    rows = []
    for r in _read_csv(name):
        lo, hi = _int_range(r["Value"].strip())
        rows.append(
            _Row(
                lo=lo,
                hi=hi,
                description=_clean(r["Description"]),
                dtls_ok=bool(dtls_col) and r.get(dtls_col or "", "") == "Y",
                recommended=r["Recommended"],
                reference=_clean(r["Reference"]),
            )
        )
    return rows


class _RangeIndex:
    """Reserved/unassigned ranges of one registry, searchable by code point."""

    def __init__(self, rows: list[_Row]) -> None:
        self._plain = sorted((r for r in rows if r.second is None), key=lambda r: r.lo)
        self._starts = [r.lo for r in self._plain]
        self._sparse = [r for r in rows if r.second is not None]

    def find(self, code: int) -> _Row | None:
        i = bisect_right(self._starts, code) - 1
        if i >= 0 and self._plain[i].contains(code):
            return self._plain[i]
        for r in self._sparse:
            if r.contains(code):
                return r
        return None


def _status_of(row: _Row | None, code: int) -> str:
    if is_grease(code):
        return "grease"
    if row is None:
        return "unassigned"
    d = row.description.lower()
    if "private use" in d:
        return "private use"
    if d.startswith("unassigned"):
        return "unassigned"
    if d.startswith("reserved"):
        return "reserved"
    return "assigned"


# ---------------------------------------------------------------- cipher suites


@cache
def _suite_tables() -> tuple[dict[int, CipherSuite], dict[str, CipherSuite], _RangeIndex]:
    by_code: dict[int, CipherSuite] = {}
    ranges: list[_Row] = []
    for row in _suite_rows():
        if row.lo == row.hi and row.second is None and row.description.startswith("TLS_"):
            s = suite_from_name(
                row.lo,
                row.description,
                recommended=row.recommended == "Y",
                dtls_ok=row.dtls_ok,
                reference=row.reference,
            )
            by_code[row.lo] = s
        else:
            ranges.append(row)
    by_name = {s.name: s for s in by_code.values()}
    return by_code, by_name, _RangeIndex(ranges)


def cipher_suites() -> Mapping[int, CipherSuite]:
    """Every assigned cipher suite (and SCSV), by code point."""
    return _suite_tables()[0]


def cipher_suite(code: int) -> CipherSuite | None:
    return _suite_tables()[0].get(code)


def cipher_suite_by_name(name: str) -> CipherSuite | None:
    """Look up by IANA name (``TLS_`` prefix optional)."""
    by_name = _suite_tables()[1]
    return by_name.get(name) or by_name.get("TLS_" + name)


def cipher_suite_status(code: int) -> str:
    """ "assigned", "grease", "reserved", "unassigned" or "private use"."""
    if code in _suite_tables()[0]:
        return "assigned"
    return _status_of(_suite_tables()[2].find(code), code)


def cipher_suite_name(code: int) -> str:
    """IANA name, or a bracketed status ("GREASE(0x0a0a)", "unassigned(0x1234)")."""
    s = cipher_suite(code)
    if s is not None:
        return s.name
    return f"{cipher_suite_status(code).replace(' ', '_')}(0x{code:04x})"


# ------------------------------------------------------------------------ groups


@dataclass(frozen=True)
class NamedGroup:
    """One TLS Supported Groups code point (RFC 8446 §4.2.7, RFC 8422, RFC 7919)."""

    code: int
    name: str
    kind: str
    """"ec" (prime curves), "ecx" (X25519/X448), "ec-binary", "ffdhe", "kem"
    (ML-KEM alone), "hybrid" (ECDHE + ML-KEM), "gost", "sm2", "explicit"."""
    bits: int
    """Size of the group: curve field bits, prime bits, or the ML-KEM level."""
    recommended: str = ""
    """IANA's column: "Y", "N" or "D" (discouraged)."""
    dtls_ok: bool = True
    reference: str = ""

    def describe(self) -> str:
        return f"{self.name} (0x{self.code:04x})"


def _group_kind(name: str) -> tuple[str, int]:
    digits = re.findall(r"\d+", name)
    if name.startswith("sect"):
        return "ec-binary", int(digits[0])
    if name.startswith(("secp", "brainpoolP")):
        return "ec", int(digits[0])
    if name == "x25519":
        return "ecx", 255
    if name == "x448":
        return "ecx", 448
    if name.startswith("ffdhe"):
        return "ffdhe", int(digits[0])
    if name.startswith("MLKEM"):
        return "kem", int(digits[0])
    if "MLKEM" in name or "Kyber" in name:
        return "hybrid", 256 if "384" not in name else 384
    if name.startswith("GC"):
        return "gost", int(digits[0])
    if name == "curveSM2":
        return "sm2", 256
    if name.startswith("arbitrary_explicit"):
        return "explicit", 0
    return "unknown", 0


@cache
def _group_tables() -> tuple[dict[int, NamedGroup], dict[str, NamedGroup], _RangeIndex]:
    by_code: dict[int, NamedGroup] = {}
    ranges: list[_Row] = []
    for row in _simple_rows("iana-tls-supported-groups.csv", "DTLS-OK"):
        d = row.description
        if row.lo == row.hi and not d.startswith(("Reserved", "Unassigned")):
            name = d.replace(" (OBSOLETE)", "")
            kind, bits = _group_kind(name)
            by_code[row.lo] = NamedGroup(
                row.lo, name, kind, bits, row.recommended, row.dtls_ok, row.reference
            )
        else:
            ranges.append(row)
    by_name = {g.name.lower(): g for g in by_code.values()}
    return by_code, by_name, _RangeIndex(ranges)


# Names other tools use for the same groups (OpenSSL, NIST).
_GROUP_ALIASES = {
    "p-256": 23,
    "prime256v1": 23,
    "p-384": 24,
    "p-521": 25,
    "x25519": 29,
    "x448": 30,
    "ecdh_x25519": 29,
    "ecdh_x448": 30,
}


def groups() -> Mapping[int, NamedGroup]:
    return _group_tables()[0]


def group(code: int) -> NamedGroup | None:
    return _group_tables()[0].get(code)


def group_by_name(name: str) -> NamedGroup | None:
    key = name.lower()
    if key in _GROUP_ALIASES:
        return group(_GROUP_ALIASES[key])
    return _group_tables()[1].get(key)


def group_status(code: int) -> str:
    if code in _group_tables()[0]:
        return "assigned"
    return _status_of(_group_tables()[2].find(code), code)


def group_name(code: int) -> str:
    g = group(code)
    if g is not None:
        return g.name
    return f"{group_status(code).replace(' ', '_')}(0x{code:04x})"


# ------------------------------------------------------------ signature schemes


@dataclass(frozen=True)
class SignatureScheme:
    """A SignatureScheme (RFC 8446 §4.2.3) or TLS 1.2 SignatureAndHashAlgorithm."""

    code: int
    name: str
    algorithm: str
    """"rsa_pkcs1", "rsa_pss_rsae", "rsa_pss_pss", "ecdsa", "ed25519", "ed448",
    "dsa", "sm2", "gost", "mldsa", "eccsi", "iso_ibs"."""
    hash: str | None
    """"sha256" ... or None for schemes that hash internally (EdDSA, ML-DSA)."""
    curve: str | None = None
    """The curve a TLS 1.3 ECDSA scheme binds ("secp256r1"), else None."""
    iana_assigned: bool = True
    """False for TLS 1.2 pairs named from RFC 5246 (IANA: "reserved")."""
    recommended: str = ""
    reference: str = ""

    @property
    def legacy(self) -> bool:
        """Usable only in TLS 1.2 handshakes (RFC 8446 §4.2.3: PKCS#1 v1.5, SHA-1,
        SHA-224, DSA are not allowed in TLS 1.3 CertificateVerify)."""
        return (
            self.algorithm in ("rsa_pkcs1", "dsa")
            or self.hash in ("md5", "sha1", "sha224")
            or (self.algorithm == "ecdsa" and self.curve is None)
        )

    @property
    def weak(self) -> bool:
        return self.hash in ("md5", "sha1") or self.algorithm == "dsa"

    def describe(self) -> str:
        return f"{self.name} (0x{self.code:04x})"


# RFC 5246 §7.4.1.4.1 HashAlgorithm and SignatureAlgorithm values.
_TLS12_HASHES = {1: "md5", 2: "sha1", 3: "sha224", 4: "sha256", 5: "sha384", 6: "sha512"}
_TLS12_SIGS = {1: "rsa_pkcs1", 2: "dsa", 3: "ecdsa"}


def _scheme_from_name(name: str) -> tuple[str, str | None, str | None]:
    hashes = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sm3")
    h = next((x for x in hashes if name.endswith("_" + x) or f"_{x}_" in name), None)
    if name.startswith("rsa_pss_rsae"):
        return "rsa_pss_rsae", h, None
    if name.startswith("rsa_pss_pss"):
        return "rsa_pss_pss", h, None
    if name.startswith("rsa_pkcs1"):
        return "rsa_pkcs1", h, None
    if name.startswith("ecdsa_"):
        m = re.match(r"ecdsa_(secp\d+r1|brainpoolP\d+r1tls13)_", name)
        return "ecdsa", h, m.group(1) if m else None
    if name in ("ed25519", "ed448"):
        return name, None, None
    if name.startswith("dsa_"):
        return "dsa", h, None
    if name.startswith("sm2sig"):
        return "sm2", "sm3", None
    if name.startswith("gostr"):
        return "gost", "streebog", None
    if name.startswith("mldsa"):
        return "mldsa", None, None
    if name.startswith("eccsi"):
        return "eccsi", h, None
    return name.split("_")[0], h, None


@cache
def _scheme_tables() -> tuple[dict[int, SignatureScheme], dict[str, SignatureScheme], _RangeIndex]:
    by_code: dict[int, SignatureScheme] = {}
    ranges: list[_Row] = []
    for row in _simple_rows("iana-tls-signature-schemes.csv", None):
        d = row.description
        if row.lo == row.hi and not d.startswith(("Reserved", "Unassigned")):
            alg, h, curve = _scheme_from_name(d)
            by_code[row.lo] = SignatureScheme(
                row.lo, d, alg, h, curve, True, row.recommended, row.reference
            )
        else:
            ranges.append(row)
    # TLS 1.2 (hash, signature) pairs IANA lists only as reserved (RFC 5246 §7.4.1.4.1).
    for hv, hname in _TLS12_HASHES.items():
        for sv, sname in _TLS12_SIGS.items():
            code = (hv << 8) | sv
            if code not in by_code:
                name = f"{sname}_{hname}" if sname != "dsa" else f"dsa_{hname}"
                by_code[code] = SignatureScheme(
                    code, name, sname, hname, None, False, "N", "[RFC5246]"
                )
    # RFC 9189 §4.2.2: GOST R 34.10-2012 in TLS 1.2, listed as reserved by IANA.
    for code, name in ((0x0840, "gostr34102012_256"), (0x0841, "gostr34102012_512")):
        by_code.setdefault(code, SignatureScheme(code, name, "gost", "streebog", None, False))
    by_name = {s.name: s for s in by_code.values()}
    return by_code, by_name, _RangeIndex(ranges)


def signature_schemes() -> Mapping[int, SignatureScheme]:
    return _scheme_tables()[0]


def signature_scheme(code: int) -> SignatureScheme | None:
    return _scheme_tables()[0].get(code)


def signature_scheme_by_name(name: str) -> SignatureScheme | None:
    return _scheme_tables()[1].get(name)


def signature_scheme_status(code: int) -> str:
    s = signature_scheme(code)
    if s is not None:
        return "assigned" if s.iana_assigned else "reserved"
    return _status_of(_scheme_tables()[2].find(code), code)


def signature_scheme_name(code: int) -> str:
    s = signature_scheme(code)
    if s is not None:
        return s.name
    return f"{signature_scheme_status(code).replace(' ', '_')}(0x{code:04x})"
