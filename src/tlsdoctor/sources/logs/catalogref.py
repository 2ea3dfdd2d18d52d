"""Library error codes found in a log, named and explained through the catalog.

The catalog (:mod:`tlsdoctor.catalog`) knows the codes and messages of every
TLS stack.  A log parser finds a code ("-313", "-0x7780", "0A000086",
"CERTIFICATE_VERIFY_FAILED") and the words around it; :func:`explain` asks the
catalog which entry that is.  When the catalog cannot be loaded (not built, an
older copy without a family), codes stay unexplained and :func:`available`
says so, so the log diagnosis still runs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from tlsdoctor.model import LibraryError, Side, Where

_SECRETISH = re.compile(r"(?:[0-9A-Fa-f]{2}[ :]?){24,}")


@dataclass(frozen=True)
class Reading:
    """What the catalog says a code is."""

    entry_id: str
    library: str
    name: str
    text: str | None
    label: str


@functools.cache
def available() -> bool:
    """True when the catalog can be loaded."""
    try:
        from tlsdoctor.catalog.index import load

        load()
    except (ImportError, OSError, ValueError, KeyError):
        return False
    return True


_FAMILY_WORDS = {
    "wolfssl": "wolfSSL",
    "mbedtls": "mbedTLS",
    "openssl": "OpenSSL",
    "gnutls": "GnuTLS",
    "java": "Java",
    "apple": "Apple",
    "curl": "curl",
    "go": "Go",
    "python": "Python",
    "boringssl": "BoringSSL",
}


@functools.lru_cache(maxsize=1024)
def _lookup(query: str, code: str) -> Reading | None:
    try:
        from tlsdoctor.catalog.index import load
        from tlsdoctor.catalog.lookup import lookup

        cat = load()
        result = lookup(query, cat)
    except (ImportError, OSError, ValueError, KeyError, AttributeError, IndexError):
        return None
    best = None
    want = code.lower()
    for m in result.mentions:
        span = m.span.text.lower().strip()
        if m.candidates and span and (span in want or want in span):
            best = m
            break
    if best is None:
        return None
    try:
        e = cat.entry(best.candidates[0].entry)
    except (IndexError, KeyError, AttributeError):
        return None
    return Reading(e.id, e.library, e.name, e.meaning, e.label)


def explain(code: str, library: str | None = None, context: str = "") -> Reading | None:
    """The catalog's reading of ``code`` as written in a ``library`` log line.

    ``context`` is the words around the code (the log line); long hex runs
    are removed from it first, so key material never reaches the lookup.
    """
    if not available():
        return None
    words = _FAMILY_WORDS.get((library or "").lower(), library or "")
    ctx = _SECRETISH.sub(" ", context)[:300]
    query = f"{words} {ctx}".strip() if ctx else f"{words} {code}".strip()
    if code and code not in query:
        query = f"{query} {code}"
    return _lookup(query, code)


def library_error(
    code: str,
    library: str,
    where: Where | None,
    context: str = "",
    side: Side | None = None,
    text: str | None = None,
) -> LibraryError:
    """A :class:`LibraryError` with the catalog's name and meaning when it has them."""
    r = explain(code, library, context)
    return LibraryError(
        library=library,
        code=code,
        name=r.name if r else None,
        text=(r.text if r and r.text else text),
        side=side,
        where=where,
    )
