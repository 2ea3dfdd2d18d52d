"""The catalog against the real libraries Debian installs.

Numbers and names come from the headers (libssl-dev, android-libboringssl-dev,
libwolfssl-dev, libmbedtls-dev, libgnutls28-dev): the catalog must name at
least 95% of each header's codes, with the same numbers.  The libraries' own
texts come through ctypes, each library in its own process: every catalog
code of the installed version must be one the library knows, and the texts
must be recognised by the lookup (OpenSSL and BoringSSL texts are spelled from
reason names; for the other libraries, every entry with a text pattern must
recognise its library's text).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from catalog.catalog_headers import codes as header_codes
from support import missing_peer
from tlsdoctor.catalog.index import Catalog, load
from tlsdoctor.catalog.lookup import lookup

INC = "/usr/include/"
ANDROID = INC + "android/openssl/"


@dataclass(frozen=True)
class Header:
    family: str
    path: str
    prefix: str
    skip: tuple[str, ...] = ()
    only: Callable[[str, int], bool] | None = None


def _mbedtls_headers() -> list[Header]:
    out = []
    for path in sorted(glob.glob(INC + "mbedtls/*.h")):
        if header_codes(path, "MBEDTLS_ERR_"):
            out.append(Header("mbedtls", path, "MBEDTLS_ERR_"))
    out.append(Header("mbedtls", INC + "mbedtls/x509.h", "MBEDTLS_X509_BADC"))
    return out


HEADERS = [
    Header("openssl", INC + "openssl/sslerr.h", "SSL_R_"),
    Header("openssl", INC + "openssl/x509err.h", "X509_R_"),
    Header("openssl", INC + "openssl/x509v3err.h", "X509V3_R_"),
    Header("openssl", INC + "openssl/pemerr.h", "PEM_R_"),
    Header("openssl", INC + "openssl/evperr.h", "EVP_R_"),
    Header("openssl", INC + "openssl/asn1err.h", "ASN1_R_"),
    Header("openssl", INC + "openssl/proverr.h", "PROV_R_"),
    Header("openssl", INC + "openssl/bioerr.h", "BIO_R_"),
    Header("openssl", INC + "openssl/err.h", "ERR_R_", only=lambda n, v: bool(v & 0x80000)),
    Header("openssl-verify", INC + "openssl/x509_vfy.h", "X509_V_ERR_"),
    Header("boringssl", ANDROID + "ssl.h", "SSL_R_"),
    Header("boringssl", ANDROID + "x509.h", "X509_R_"),
    Header("boringssl", ANDROID + "x509.h", "X509_V_ERR_"),
    Header("boringssl", ANDROID + "pem.h", "PEM_R_"),
    Header("boringssl", ANDROID + "evp_errors.h", "EVP_R_"),
    Header("wolfssl", INC + "wolfssl/error-ssl.h", "", skip=("MIN_PARAM_ERR",)),
    Header(
        "wolfssl",
        INC + "wolfssl/wolfcrypt/error-crypt.h",
        "",
        skip=("MAX_CODE_E", "WC_LAST_E", "WC_FIRST_E"),
    ),
    Header("gnutls", INC + "gnutls/gnutls.h", "GNUTLS_E_"),
    Header(
        "gnutls",
        INC + "gnutls/gnutls.h",
        "GNUTLS_CERT_",
        skip=("GNUTLS_CERT_IGNORE", "GNUTLS_CERT_REQUEST", "GNUTLS_CERT_REQUIRE"),
    ),
    *_mbedtls_headers(),
]


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load()


def _catalog_values(cat: Catalog, family: str) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for e in cat.entries:
        if e["family"] != family:
            continue
        values = {c["value"] for c in e.get("codes", [])}
        for name in [e["name"], *e.get("aliases", [])]:
            out.setdefault(name, set()).update(values)
    return out


@pytest.mark.parametrize(
    "header", HEADERS, ids=lambda h: f"{h.family}:{os.path.basename(h.path)}:{h.prefix or '*'}"
)
def test_header_codes_are_named(cat: Catalog, header: Header) -> None:
    if not os.path.exists(header.path):
        missing_peer(f"{header.path} is not installed")
    found = {
        k: v
        for k, v in header_codes(header.path, header.prefix, header.skip).items()
        if header.only is None or header.only(k, v)
    }
    assert found, f"no codes read from {header.path}"
    ours = _catalog_values(cat, header.family)
    named = [k for k in found if k in ours]
    wrong = [(k, found[k], sorted(ours[k])) for k in named if found[k] not in ours[k]]
    share = len(named) / len(found)
    print(
        f"\ncoverage {header.family} {os.path.basename(header.path)} {header.prefix}: "
        f"{len(named)}/{len(found)} named ({share:.0%})"
    )
    assert not wrong, wrong[:10]
    assert share >= 0.95, sorted(set(found) - set(named))[:20]


def _entries(cat: Catalog, family: str, kind: str | None = None) -> list[dict]:  # type: ignore[type-arg]
    return [e for e in cat.entries if e["family"] == family and (kind is None or e["kind"] == kind)]


def _holds_in(e: dict, prefix: str) -> list[int]:  # type: ignore[type-arg]
    return [
        c["value"]
        for c in e.get("codes", [])
        if not c["versions"] or any(v.startswith(prefix) for v in c["versions"])
    ]


def _reads_as(cat: Catalog, text: str, name: str) -> bool:
    result = lookup(text, cat)
    for m in result.mentions:
        for c in m.candidates[:3]:
            if cat.entries[c.entry]["name"] == name:
                return True
    return False


def _patterned(cat: Catalog) -> set[int]:
    return {i for _, _, _, i in cat.patterns}


def test_openssl_texts(cat: Catalog, library_texts: Callable[..., dict[str, str]]) -> None:
    reasons = [e for e in _entries(cat, "openssl", "reason") if "lib" in e]
    verify = _entries(cat, "openssl-verify")
    codes: list[list[int | str]] = []
    for e in reasons:
        codes += [["reason", e["lib"], v] for v in _holds_in(e, "3")]
    for e in verify:
        codes += [["verify", 0, v] for v in _holds_in(e, "3")]
    texts = library_texts("openssl", codes)
    known = [k for k, t in texts.items() if t and not t.startswith("reason(")]
    print(f"\nopenssl: {len(known)}/{len(texts)} codes have a library text")
    assert len(known) / len(texts) >= 0.95
    hits = total = 0
    for e in reasons:
        for v in _holds_in(e, "3"):
            text = texts.get(f"reason:{e['lib']}:{v}", "")
            if not text:
                continue
            total += 1
            hits += _reads_as(cat, f"OpenSSL routines::{text}", e["name"])
    print(f"openssl: {hits}/{total} reason texts recognised")
    assert hits / total >= 0.85
    hits = total = 0
    for e in verify:
        for v in _holds_in(e, "3"):
            text = texts[f"verify:0:{v}"]
            total += 1
            hits += _reads_as(cat, f"verify error:{text}", e["name"])
    print(f"openssl: {hits}/{total} verify texts recognised")
    assert hits == total


def test_boringssl_texts(cat: Catalog, library_texts: Callable[..., dict[str, str]]) -> None:
    reasons = [e for e in _entries(cat, "boringssl", "reason") if "lib" in e]
    codes: list[list[int | str]] = [
        ["reason", e["lib"], c["value"]] for e in reasons for c in e["codes"]
    ]
    texts = library_texts("boringssl", codes)
    hits = total = 0
    for e in reasons:
        for c in e["codes"]:
            text = texts.get(f"reason:{e['lib']}:{c['value']}", "")
            if not text or text.startswith("reason("):
                continue
            total += 1
            hits += _reads_as(cat, f"OPENSSL_internal:{text}", e["name"])
    print(f"\nboringssl: {hits}/{total} reason texts recognised ({len(codes)} codes)")
    assert total / len(codes) >= 0.95
    assert hits / total >= 0.95


@pytest.mark.parametrize(
    ("library", "family", "word", "unknown", "version"),
    [
        ("wolfssl", "wolfssl", "wolfSSL", ("unknown error",), "5"),
        ("mbedtls", "mbedtls", "mbedtls", ("UNKNOWN ERROR CODE",), "2.28"),
        ("gnutls", "gnutls", "GnuTLS", ("(unknown error code)",), "3"),
        ("curl", "curl", "curl", ("Unknown error",), "7"),
    ],
)
def test_library_texts(
    cat: Catalog,
    library_texts: Callable[..., dict[str, str]],
    library: str,
    family: str,
    word: str,
    unknown: tuple[str, ...],
    version: str,
) -> None:
    entries = [e for e in _entries(cat, family) if e["kind"] != "flag"]
    codes: list[list[int | str]] = []
    for e in entries:
        codes += [["code", 0, v] for v in _holds_in(e, version)]
    texts = library_texts(library, codes)
    known = {k: t for k, t in texts.items() if t and not t.startswith(unknown)}
    print(f"\n{library}: {len(known)}/{len(texts)} catalog codes known to the library")
    assert len(known) / len(texts) >= 0.95, sorted(set(texts) - set(known))[:20]
    patterned = _patterned(cat)
    missed = []
    checked = 0
    for i, e in enumerate(cat.entries):
        if e["family"] != family or i not in patterned or e["kind"] == "flag":
            continue
        for v in _holds_in(e, version):
            text = known.get(f"code:0:{v}")
            if text is None:
                continue
            checked += 1
            if not _reads_as(cat, f"{word}: {text}", e["name"]):
                missed.append((e["name"], text))
    print(
        f"{library}: {checked - len(missed)}/{checked} patterned entries recognise the "
        "library's text"
    )
    assert not missed, missed
