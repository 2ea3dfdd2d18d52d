"""PEM certificates printed inside a log (RFC 7468 §5), collected line by line.

``openssl s_client -showcerts``, ``-trace``, ``gnutls-cli --print-cert`` and
many applications print the certificates they saw in PEM.  A
:class:`PemCollector` follows one block at a time, bounded, and hands back the
DER when the block ends; a broken block is dropped silently.
"""

from __future__ import annotations

import base64
import binascii

MAX_PEM_CHARS = 96 * 1024

BEGIN = "-----BEGIN CERTIFICATE-----"
END = "-----END CERTIFICATE-----"


class PemCollector:
    """Feed every line; :meth:`feed` returns (DER, first line) when a block completes."""

    __slots__ = ("_buf", "_line", "_size", "active")

    def __init__(self) -> None:
        self.active = False
        self._buf: list[str] = []
        self._line = 0
        self._size = 0

    def feed(self, no: int, text: str) -> tuple[bytes, int] | bool | None:
        """None: not PEM; True: consumed (inside a block); (der, line): block done."""
        t = text.strip()
        if not self.active:
            i = t.find(BEGIN)
            if i < 0:
                return None
            self.active = True
            self._buf = []
            self._size = 0
            self._line = no
            rest = t[i + len(BEGIN) :].strip()
            if rest and END in rest:  # a one-line PEM
                return self._finish(rest[: rest.find(END)])
            return True
        if END in t:
            return self._finish(t[: t.find(END)])
        if BEGIN in t:  # a new block before the old one ended: restart
            self._buf = []
            self._size = 0
            self._line = no
            return True
        self._size += len(t)
        if self._size > MAX_PEM_CHARS:
            self.active = False
            self._buf = []
            return True
        self._buf.append(t.split()[-1] if t else "")
        return True

    def _finish(self, tail: str) -> tuple[bytes, int] | bool:
        self.active = False
        body = "".join(self._buf) + tail.strip()
        self._buf = []
        try:
            der = base64.b64decode(body, validate=False)
        except (binascii.Error, ValueError):
            return True
        return (der, self._line) if der else True
