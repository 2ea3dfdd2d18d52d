"""What a log format module provides: detection markers and a line-by-line parser.

Each format (one module per library or tool) subclasses :class:`LogFormat`:
``markers`` are (pattern, weight) pairs the detector counts over the first
lines of a log; ``feed`` receives every line in order — ``raw`` as written and
``text`` with timestamp / logger prefixes removed — and reports what it sees to
the :class:`~tlsdoctor.sources.logs.builder.LogBuilder`.  Parsers keep only
bounded state and never raise on odd input: a line they do not understand is
skipped.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.model import Side
from tlsdoctor.sources.logs.builder import LogBuilder
from tlsdoctor.wire.constants import AlertDescription


class LogFormat:
    """A log format: its name, how to recognise it, how to read it."""

    name: ClassVar[str] = ""
    """Short name used by ``--format`` ("wolfssl")."""
    title: ClassVar[str] = ""
    """What the format is, for people ("wolfSSL debug output")."""
    library: ClassVar[str] = ""
    """Library name for errors and the catalog ("wolfSSL")."""
    default_side: ClassVar[Side | None] = Side.CLIENT
    """Who usually writes such a log, when the log does not say."""
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = ()
    keywords: ClassVar[tuple[str, ...]] = ()
    """Literal substrings every marker needs at least one of: a line with none
    of them is skipped at the cost of a few substring searches (regular
    expressions over long lines are what makes a 100 MB log slow)."""

    @classmethod
    def maybe(cls, text: str) -> bool:
        """Cheap test: could ``text`` be one of this format's lines?"""
        return any(k in text for k in cls.keywords)

    def __init__(self, builder: LogBuilder) -> None:
        self.b = builder

    @classmethod
    def score(cls, raw: str, text: str) -> int:
        """How strongly one line says "this is my format" (0: not at all)."""
        if not cls.maybe(raw):
            return 0
        total = 0
        for pattern, weight in cls.markers:
            if pattern.search(text):
                total += weight
        return total

    def feed(self, no: int, raw: str, text: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def finish(self) -> None:
        """End of the log: settle what depended on later lines."""


def alert_code(name: str) -> int | None:
    """The alert number (RFC 8446 §6 / IANA) for a name as libraries print it
    ("handshake failure", "HANDSHAKE_FAILURE", "sslv3 alert handshake failure",
    "unknown CA")."""
    key = name.strip().lower()
    for prefix in ("sslv3 alert ", "tlsv1 alert ", "tlsv13 alert ", "alert "):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    key = re.sub(r"[\s-]+", "_", key)
    if key == "unknown_certificate_authority":
        key = "unknown_ca"
    member = AlertDescription.__members__.get(key)
    return None if member is None else int(member)


def warning_level(description: int) -> int:
    """The level an alert has when the log gives only its name (close_notify and
    user_canceled are warnings; everything else ends the connection)."""
    return 1 if description in (0, 90) else 2


HANDSHAKE_NAMES: dict[str, str] = {
    "hello request": "HelloRequest",
    "client hello": "ClientHello",
    "server hello": "ServerHello",
    "hello retry request": "HelloRetryRequest",
    "hello verify request": "HelloVerifyRequest",
    "new session ticket": "NewSessionTicket",
    "session ticket": "NewSessionTicket",
    "end of early data": "EndOfEarlyData",
    "encrypted extensions": "EncryptedExtensions",
    "certificate": "Certificate",
    "server key exchange": "ServerKeyExchange",
    "certificate request": "CertificateRequest",
    "server hello done": "ServerHelloDone",
    "certificate verify": "CertificateVerify",
    "client key exchange": "ClientKeyExchange",
    "finished": "Finished",
    "certificate status": "CertificateStatus",
    "key update": "KeyUpdate",
    "change cipher spec": "ChangeCipherSpec",
}


def handshake_name(words: str) -> str | None:
    """ "server hello done" / "ServerHelloDone" / "SERVER HELLO DONE" → "ServerHelloDone"."""
    w = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", words.strip()).lower()
    w = re.sub(r"[\s_-]+", " ", w)
    return HANDSHAKE_NAMES.get(w)
