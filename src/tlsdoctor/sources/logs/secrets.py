"""Key material in logs: recognised, held as :class:`~tlsdoctor.model.Secret`, never shown.

Debug logs print secrets: mbedTLS at levels 3-4 dumps the premaster and master
secrets, the key block and the ECDH shared value; ``openssl s_client`` prints
the session's ``Master-Key``; GnuTLS at high levels prints ``INT: ... SECRET``
lines; some applications print their private key in PEM or a PSK in hex; a
key log (NSS ``SSLKEYLOGFILE`` format) may be pasted into the log.  The
:class:`SecretScanner` sees every line before any parser does, and swallows
the lines that carry such values (and the hex lines that follow a dump header
naming one), so no parser, evidence item or report can ever hold them.
"""

from __future__ import annotations

import re

from tlsdoctor.model import PEM_PRIVATE_KEY_LABEL
from tlsdoctor.sources.logs.hexwire import bare_hex

MAX_SECRET = 16 * 1024

_PEM_KEY_BEGIN = re.compile(rf"-----BEGIN ({PEM_PRIVATE_KEY_LABEL})-----")
_PEM_KEY_END = re.compile(rf"-----END {PEM_PRIVATE_KEY_LABEL}-----")
_KEYLOG = re.compile(
    r"\b(CLIENT_RANDOM|CLIENT_EARLY_TRAFFIC_SECRET|CLIENT_HANDSHAKE_TRAFFIC_SECRET|"
    r"SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|"
    r"EARLY_EXPORTER_SECRET|EXPORTER_SECRET) [0-9a-fA-F]{16,} ([0-9a-fA-F]{16,})"
)
# "Master-Key: 6AB5...", "INT: MASTER SECRET[48]: 1a2b...", "psk = 0x1a2b...", "PSK: abcd"
_INLINE = re.compile(
    r"(?i)\b(master[ _-]?key|master[ _-]?secret|pre-?master[ _-]?secret|resumption psk|"
    r"psk(?:[ _-]?key)?|key[ _-]?block|(?:client|server)[ _-]?write[ _-]?(?:key|iv|mac[ _-]?key)|"
    r"private[ _-]?key|traffic[ _-]?secret|shared[ _-]?secret|session[ _-]?key)"
    r"(?:\s*\[\d+\])?\s*[:=]\s*(?:0x)?([0-9A-Fa-f]{16,})"
)
# A dump header naming secret material; the hex lines after it are the value.
_DUMP_HEADER = re.compile(
    r"(?i)(?:dumping|value of)\s+'([^']*(?:secret|key block|premaster|psk|ECDH: z|DHM: K|"
    r"private|write key|mac key|payload|plaintext)[^']*)'"
)


# Every pattern above needs one of these words (lower case): a cheap first test.
_WORDS = ("key", "secret", "psk", "dumping", "value of", "client_random")


class SecretScanner:
    """Feeds on every line; says which lines are secret and collects their values."""

    __slots__ = ("_buf", "_label", "_line", "_pem", "found")

    def __init__(self) -> None:
        self.found: list[tuple[str, bytes | str, int]] = []
        """(label, value, line) for every secret seen."""
        self._pem = False
        self._label: str | None = None
        self._buf: list[str] = []
        self._line = 0

    def _flush(self) -> None:
        if self._label is not None and self._buf:
            self.found.append((self._label, "".join(self._buf), self._line))
        self._label = None
        self._buf = []

    def _add(self, piece: str) -> None:
        if sum(len(p) for p in self._buf) + len(piece) <= MAX_SECRET:
            self._buf.append(piece)

    def scan(self, no: int, text: str) -> bool:
        """True when ``text`` (line ``no``) carries secret material and must not be used."""
        if self._label is not None and not self._pem:
            body = _dump_body(text)
            if body is not None:
                self._add(body)
                return True
            self._flush()
        if self._pem:
            if _PEM_KEY_END.search(text):
                self._pem = False
                self._flush()
            else:
                self._add(text.strip())
            return True
        low = text.lower()
        if not any(w in low for w in _WORDS):
            if self._label is not None:
                self._flush()
            return False
        m = _PEM_KEY_BEGIN.search(text)
        if m is not None:
            self._flush()
            self._pem = True
            self._label = m.group(1).lower()
            self._line = no
            return True
        m = _KEYLOG.search(text)
        if m is not None:
            self.found.append((m.group(1).lower(), m.group(2), no))
            return True
        m = _INLINE.search(text)
        if m is not None:
            self.found.append((m.group(1).lower(), m.group(2), no))
            return True
        m = _DUMP_HEADER.search(text)
        if m is not None:
            self._flush()
            self._label = m.group(1).lower()
            self._line = no
            return False  # the header itself names the value but holds none
        return False

    def close(self) -> None:
        self._flush()


_OFFSET_ANY = re.compile(r"\b[0-9A-Fa-f]{4,8}:\s+((?:[0-9A-Fa-f]{2} {1,3}){0,31}[0-9A-Fa-f]{2})")


def _dump_body(text: str) -> str | None:
    """The hex of a dump continuation line (any prefix), or None when it is not one."""
    m = _OFFSET_ANY.search(text)
    if m is not None:
        return m.group(1).replace(" ", "")
    for sep in (": ", "| "):
        if sep in text:
            data = bare_hex(text.rsplit(sep, 1)[-1])
            if data is not None:
                return data.hex()
    data = bare_hex(text)
    return data.hex() if data is not None else None
