"""JA3 and JA4 fingerprints of a ClientHello.

JA3 (Salesforce, 2017): the decimal fields ``SSLVersion,Ciphers,Extensions,
EllipticCurves,EllipticCurvePointFormats`` (values joined by "-", GREASE values
of RFC 8701 left out) and its MD5.

JA4 (FoxIO, technical_details/JA4.md): ``a_b_c`` where *a* is transport ("t",
"q", "d"), the highest offered version ("13", "12" ... from supported_versions,
else legacy_version), "d"/"i" for SNI present or not, two-digit counts of cipher
suites and extensions, and the first and last character of the first ALPN
value; *b* the first 12 hex digits of SHA-256 over the sorted cipher suites;
*c* the same over the sorted extensions (without SNI and ALPN), "_", and the
signature algorithms in offered order.  GREASE is ignored throughout.
"""

from __future__ import annotations

import hashlib

from .constants import is_grease
from .messages import ClientHello

_JA4_VERSIONS = {
    0x0304: "13",
    0x0303: "12",
    0x0302: "11",
    0x0301: "10",
    0x0300: "s3",
    0x0002: "s2",
    0xFEFF: "d1",
    0xFEFD: "d2",
    0xFEFC: "d3",
}


def _no_grease(values: tuple[int, ...]) -> list[int]:
    return [v for v in values if not is_grease(v)]


def ja3_string(ch: ClientHello) -> str:
    groups = ch.typed(10)
    formats = ch.typed(11)
    fields = [
        str(ch.legacy_version),
        "-".join(str(c) for c in _no_grease(ch.cipher_suites)),
        "-".join(str(e.type) for e in ch.extensions if not is_grease(e.type)),
        "-".join(str(g) for g in _no_grease(groups.groups)) if groups is not None else "",
        "-".join(str(f) for f in formats.formats) if formats is not None else "",
    ]
    return ",".join(fields)


def ja3(ch: ClientHello) -> str:
    """The JA3 fingerprint: MD5 of :func:`ja3_string`."""
    return hashlib.md5(ja3_string(ch).encode("ascii"), usedforsecurity=False).hexdigest()


def _ja4_version(ch: ClientHello) -> str:
    versions = ch.typed(43)
    if versions is not None:
        offered = _no_grease(versions.versions)
        top = max(offered) if offered else 0
    else:
        top = ch.legacy_version
    return _JA4_VERSIONS.get(top, "00")


def _ja4_alpn(ch: ClientHello) -> str:
    protocols = ch.alpn_protocols
    if not protocols or not protocols[0]:
        return "00"
    first = protocols[0]
    a, b = chr(first[0]), chr(first[-1])
    if a.isascii() and a.isalnum() and b.isascii() and b.isalnum():
        return a + b
    h = first.hex()
    return h[0] + h[-1]


def _parts(ch: ClientHello, transport: str) -> tuple[str, list[int], list[int], list[int]]:
    suites = _no_grease(ch.cipher_suites)
    ext_types = [e.type for e in ch.extensions if not is_grease(e.type)]
    sigalgs_ext = ch.typed(13)
    sigalgs = _no_grease(sigalgs_ext.schemes) if sigalgs_ext is not None else []
    sni = "d" if any(t == 0 for t in ext_types) else "i"
    head = (
        f"{transport}{_ja4_version(ch)}{sni}"
        f"{min(len(suites), 99):02d}{min(len(ext_types), 99):02d}{_ja4_alpn(ch)}"
    )
    return head, suites, ext_types, sigalgs


def _hex_list(values: list[int]) -> str:
    return ",".join(f"{v:04x}" for v in values)


def _hash12(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:12]


def _ja4_lists(suites: list[int], exts: list[int], original: bool) -> tuple[list[int], list[int]]:
    """The suites and extensions JA4 hashes: as sent, or sorted with SNI and ALPN left out."""
    if original:
        return suites, exts
    return sorted(suites), sorted(e for e in exts if e not in (0, 16))


def ja4_raw(ch: ClientHello, transport: str = "t", original: bool = False) -> str:
    """JA4_r (sorted) or, with ``original``, JA4_ro (as sent, SNI/ALPN kept)."""
    head, suites, exts, sigalgs = _parts(ch, transport)
    b, c_exts = _ja4_lists(suites, exts, original)
    c = _hex_list(c_exts)
    if sigalgs:
        c += "_" + _hex_list(sigalgs)
    return f"{head}_{_hex_list(b)}_{c}"


def ja4(ch: ClientHello, transport: str = "t", original: bool = False) -> str:
    """The JA4 fingerprint (``original=True`` gives JA4_o)."""
    head, suites, exts, sigalgs = _parts(ch, transport)
    b_list, c_exts = _ja4_lists(suites, exts, original)
    b = _hash12(_hex_list(b_list)) if b_list else "000000000000"
    if c_exts:
        c_text = _hex_list(c_exts) + ("_" + _hex_list(sigalgs) if sigalgs else "")
        c = _hash12(c_text)
    else:
        c = "000000000000"
    return f"{head}_{b}_{c}"
