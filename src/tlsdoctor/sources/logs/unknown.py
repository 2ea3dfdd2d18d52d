"""A log in no known format: explain every line that looks like an error code.

When the detector recognises no format, the log still often names the
failure: an ``error:0A000086`` line, ``-9802``, ``MBEDTLS_ERR_X509_CERT_VERIFY_FAILED``,
``alert number 48``.  :class:`ErrorLines` keeps (bounded) the lines that look
like errors, and :func:`explain_lines` reads each through the catalog, so the
answer names what every code means even though no transcript could be built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tlsdoctor.model import Where

MAX_LINES = 200
MAX_READINGS = 60

_ERRORISH = re.compile(
    r"(?i)\b(?:error|errno|fail(?:ed|ure)?|alert|denied|invalid|refused|rejected|unable|"
    r"exception|fatal|untrusted|expired|revoked|mismatch)\b"
    r"|(?<![\w.:])-\d{2,6}\b|\b-?0x[0-9a-f]{3,8}\b|\berr[A-Z]\w+|\bkCF\w+|\bERR_[A-Z_]+|"
    r"\bSSL_R_\w+|\bX509_V_ERR_\w+|\bMBEDTLS_ERR_\w+|\bNSURLError\w*|\bSEC_ERROR_\w+"
)
_WORDS = (
    "err",
    "fail",
    "alert",
    "denied",
    "invalid",
    "refused",
    "reject",
    "unable",
    "exception",
    "fatal",
    "untrusted",
    "expired",
    "revoked",
    "mismatch",
    "kcf",
    "nsurl",
    "0x",
    "ssl_r",
    "x509",
    "mbedtls",
)
"""Every error-looking line holds one of these (lower case), or a negative number."""
_NEGATIVE = re.compile(r"-\d\d")
_HEXDUMP = re.compile(r"(?:\b[0-9A-Fa-f]{2}[ :]){8,}")


@dataclass(frozen=True)
class Reading:
    """One code in one line and what the catalog says it is."""

    line: int
    span: str
    entry_id: str
    label: str
    meaning: str | None


class ErrorLines:
    """Collects the error-looking lines of a log, at most :data:`MAX_LINES` distinct ones."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []
        self._seen: set[str] = set()
        self.more = 0

    def feed(self, no: int, text: str) -> None:
        if len(self.lines) >= MAX_LINES:
            self.more += 1
            return
        low = text.lower()
        if not any(w in low for w in _WORDS) and _NEGATIVE.search(text) is None:
            return
        if not _ERRORISH.search(text) or _HEXDUMP.search(text):
            return
        key = re.sub(r"\d+", "#", text.strip())[:200]
        if key in self._seen:
            return
        self._seen.add(key)
        self.lines.append((no, text.strip()[:400]))


def explain_lines(lines: list[tuple[int, str]]) -> list[Reading]:
    """The catalog's readings of the codes in ``lines`` (empty when it cannot load)."""
    try:
        from tlsdoctor.catalog.index import load
        from tlsdoctor.catalog.lookup import lookup

        cat = load()
    except (ImportError, OSError, ValueError, KeyError):
        return []
    out: list[Reading] = []
    seen: set[tuple[str, str]] = set()
    for no, text in lines:
        try:
            result = lookup(text, cat)
        except (ValueError, KeyError, IndexError, AttributeError):
            continue
        for m in result.mentions:
            if not m.candidates:
                continue
            e = cat.entry(m.candidates[0].entry)
            key = (e.id, m.span.text)
            if key in seen:
                continue
            seen.add(key)
            out.append(Reading(no, m.span.text, e.id, e.label, e.meaning))
            if len(out) >= MAX_READINGS:
                return out
    return out


def where(source: str, r: Reading) -> Where:
    return Where(source, f"line {r.line}")
