"""A few fields of hello messages, read in place while a capture streams past.

Following a connection needs only a handful of fields (the randoms, the
chosen version and suite, SNI, a few extensions) long before anyone asks for
the typed messages; reading them here with ``struct`` keeps a capture of
thousands of handshakes fast.  The typed messages of the model come from
:mod:`tlsdoctor.wire` when the evidence is built.  Layouts: RFC 8446 §4.1.2
(ClientHello), §4.1.3 (ServerHello), §4.2 (extensions), RFC 6066 §3
(server_name), RFC 7301 §3.1 (ALPN), RFC 8446 §4.4.2 / RFC 5246 §7.4.2
(Certificate), RFC 8422 §5.4 (ServerKeyExchange with a named curve).
Each function returns ``None`` for bytes that do not fit the layout.
"""

from __future__ import annotations

import struct

from tlsdoctor.wire.constants import HELLO_RETRY_REQUEST_RANDOM

_EXT = struct.Struct(">HH")
CLIENT_HELLO_WANTS = frozenset((0, 16))
SERVER_HELLO_WANTS = frozenset((16, 22, 41, 43, 51))


def extensions(b: bytes, p: int, wanted: frozenset[int]) -> dict[int, bytes] | None:
    """Extensions block at ``b[p]`` (2-byte length): {type: body} of the ``wanted``
    types, first of duplicates (the block is still checked whole)."""
    n = len(b)
    if p == n:
        return {}
    if p + 2 > n:
        return None
    end = p + 2 + ((b[p] << 8) | b[p + 1])
    if end != n:
        return None
    p += 2
    out: dict[int, bytes] = {}
    head = _EXT.unpack_from
    while p < end:
        if p + 4 > end:
            return None
        t, ln = head(b, p)
        q = p + 4 + ln
        if q > end:
            return None
        if t in wanted and t not in out:
            out[t] = b[p + 4 : q]
        p = q
    return out


class Hello:
    """The fields of a ClientHello or ServerHello the capture reader acts on."""

    __slots__ = ("exts", "random", "session_id", "suite", "version")

    def __init__(
        self, version: int, random: bytes, session_id: bytes, suite: int, exts: dict[int, bytes]
    ) -> None:
        self.version = version
        self.random = random
        self.session_id = session_id
        self.suite = suite
        self.exts = exts

    @property
    def is_hello_retry_request(self) -> bool:
        return self.random == HELLO_RETRY_REQUEST_RANDOM

    def server_name(self) -> str | None:
        v = self.exts.get(0)
        if v is None or len(v) < 5 or v[2] != 0:
            return None
        n = (v[3] << 8) | v[4]
        if 5 + n > len(v):
            return None
        return v[5 : 5 + n].decode("ascii", "replace")

    def alpn(self) -> list[str]:
        v = self.exts.get(16)
        out: list[str] = []
        if v is None or len(v) < 2:
            return out
        p, end = 2, min(len(v), 2 + ((v[0] << 8) | v[1]))
        while p < end:
            n = v[p]
            out.append(v[p + 1 : p + 1 + n].decode("ascii", "replace"))
            p += 1 + n
        return out

    def selected_version(self) -> int:
        v = self.exts.get(43)
        if v is not None and len(v) == 2:
            return (v[0] << 8) | v[1]
        return self.version

    def key_share_group(self) -> int | None:
        v = self.exts.get(51)
        if v is None or len(v) < 2:
            return None
        return (v[0] << 8) | v[1]


def client_hello(b: bytes) -> Hello | None:
    if len(b) < 39:
        return None
    sid = b[34]
    p = 35 + sid
    if sid > 32 or p + 2 > len(b):
        return None
    p += 2 + ((b[p] << 8) | b[p + 1])
    if p + 1 > len(b):
        return None
    p += 1 + b[p]
    if p > len(b):
        return None
    exts = extensions(b, p, CLIENT_HELLO_WANTS)
    if exts is None:
        return None
    return Hello((b[0] << 8) | b[1], b[2:34], b[35 : 35 + sid], 0, exts)


def server_hello(b: bytes) -> Hello | None:
    if len(b) < 38:
        return None
    sid = b[34]
    p = 35 + sid
    if sid > 32 or p + 3 > len(b):
        return None
    suite = (b[p] << 8) | b[p + 1]
    exts = extensions(b, p + 3, SERVER_HELLO_WANTS)
    if exts is None:
        return None
    return Hello((b[0] << 8) | b[1], b[2:34], b[35 : 35 + sid], suite, exts)


def certificate_empty(b: bytes, tls13: bool) -> bool | None:
    """Whether a Certificate message carries no certificate."""
    p = 0
    if tls13:
        if not b:
            return None
        p = 1 + b[0]
    if p + 3 > len(b):
        return None
    return b[p] == b[p + 1] == b[p + 2] == 0


def named_group(ske: bytes) -> int | None:
    """The named group of an ECDHE ServerKeyExchange (curve_type 3)."""
    if len(ske) >= 3 and ske[0] == 3:
        return (ske[1] << 8) | ske[2]
    return None


def encrypted_extensions_alpn(b: bytes) -> str | None:
    exts = extensions(b, 0, CLIENT_HELLO_WANTS)
    if not exts:
        return None
    names = Hello(0, b"", b"", 0, exts).alpn()
    return names[0] if names else None
