"""curl ``-v`` output (curl 7.x/8.x with the OpenSSL backend, ``lib/vtls/openssl.c``).

``curl -v`` prints, through OpenSSL's message callback:

- ``* TLSv1.3 (OUT), TLS handshake, Client hello (1):`` — direction, record
  kind, message name and handshake type; the next line ``} [512 bytes data]``
  gives the message size;
- ``* TLSv1.2 (IN), TLS alert, handshake failure (552):`` — the number is
  level << 8 | description;
- ``* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384 ...`` on success,
  ``* SSL certificate verify ok.``, ``* SSL certificate problem: TEXT``;
- the OpenSSL error queue (``error:0A000410:...``) and curl's exit line
  ``curl: (35) ...`` with its CURLE code.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.model import Side
from tlsdoctor.sources.logs.base import LogFormat
from tlsdoctor.sources.logs.builder import RECEIVED, SENT, ConnState, LogBuilder
from tlsdoctor.wire.constants import HANDSHAKE_MESSAGE_NAMES

_RECORD = re.compile(
    r"^\* (?:TLSv[\d.]+|SSLv3|TLS header|\w+) \((IN|OUT)\), TLS (handshake|alert|change cipher), (.+?) \((\d+)\):\s*$"
)
_SIZE = re.compile(r"^([{}]) \[(\d+) bytes data\]")
_USING = re.compile(r"^\* SSL connection using (\S+) / (\S+)(?: / (\S+))?")
_PROBLEM = re.compile(r"^\* SSL certificate problem: (.+)$")
_EXIT = re.compile(r"^curl: \((\d+)\) (.+)$")
_ERRQ = re.compile(r"error:([0-9A-Fa-f]{8}):([^:]*):([^:]*):([^:\s][^:]*)")
_CONNECTED = re.compile(r"^\* Connected to (\S+) \(([^)]+)\) port (\d+)(?: \(#(\d+)\))?")
_TRYING = re.compile(r"^\*\s+Trying ")
_NO_MATCH = re.compile(
    r"^\* (?:SSL: )?(?:no alternative certificate subject name matches|SSL: certificate subject name .* does not match)"
)


class CurlLog(LogFormat):
    name = "curl"
    title = "curl -v output"
    library = "curl"
    keywords = ("TLSv1", "SSLv3", "bytes data]", "Trying ", "Connected to ", "curl: (", "* SSL ")
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = (
        (
            re.compile(
                r"^\* (?:TLSv[\d.]+|SSLv3) \((?:IN|OUT)\), TLS (?:handshake|alert|change cipher)"
            ),
            5,
        ),
        (re.compile(r"^[{}] \[\d+ bytes data\]"), 2),
        (re.compile(r"^\*\s+Trying \S+|^\* Connected to "), 3),
        (re.compile(r"^curl: \(\d+\) "), 4),
        (re.compile(r"^\* SSL (?:connection using|certificate problem|certificate verify)"), 4),
    )

    def __init__(self, builder: LogBuilder) -> None:
        super().__init__(builder)
        self.conn: ConnState | None = None

    def _conn(self, no: int) -> ConnState:
        if self.conn is None:
            self.conn = self.b.new_connection(no)
            self.b.set_side(self.conn, Side.CLIENT, "curl is a client")
        return self.conn

    def feed(self, no: int, raw: str, text: str) -> None:
        t = text.rstrip()
        m = _RECORD.match(t)
        if m is not None:
            self._record(no, m)
            return
        m = _SIZE.match(t)
        if m is not None and self.conn is not None and self.conn.msgs:
            last = self.conn.msgs[-1]
            direction = SENT if m.group(1) == "}" else RECEIVED
            if (
                last.direction == direction
                and last.size is None
                and last.name != "Alert"
                and no - last.line <= 2
            ):
                last.size = int(m.group(2))
            return
        if _TRYING.match(t):
            if self.conn is not None and self.conn.msgs:
                self.conn = None
            return
        m = _CONNECTED.match(t)
        if m is not None:
            c = self._conn(no)
            host = m.group(1)
            if not re.fullmatch(r"[\d.]+|\[?[0-9a-fA-F:]+\]?", host):
                c.server_name = c.server_name or host
            return
        m = _USING.match(t)
        if m is not None:
            c = self._conn(no)
            params = c.facts.setdefault("params", {})
            if isinstance(params, dict):
                params.setdefault("version", m.group(1))
                params.setdefault("cipher_suite", m.group(2))
                if m.group(3):
                    params.setdefault("group", m.group(3))
            from tlsdoctor.wire.registry import cipher_suite_by_name, group_by_name

            s = cipher_suite_by_name(m.group(2))
            if s is not None:
                c.cipher_suite = s.code
            if m.group(3):
                g = group_by_name(m.group(3))
                if g is not None:
                    c.group = g.code
            if c.completed is None and not c.failed:
                c.completed = True
            return
        if t.startswith("* SSL certificate verify ok"):
            self.b.fact(self._conn(no), "peer_verified", True)
            return
        m = _PROBLEM.match(t)
        if m is not None:
            self._verify(no, m.group(1))
            return
        if _NO_MATCH.match(t):
            self._verify(no, t.lstrip("* "))
            return
        m = _EXIT.match(t)
        if m is not None:
            c = self._conn(no)
            self.b.error(
                c, m.group(1), no, f"curl: ({m.group(1)})", library="curl", text=m.group(2)
            )
            q = _ERRQ.search(m.group(2))
            if q is not None:
                self.b.error(c, q.group(1).upper(), no, m.group(2), library="OpenSSL")
            if c.completed is None or c.completed:
                c.completed = False if m.group(1) in _HANDSHAKE_EXITS else c.completed
            return
        if "error:" in t:
            q = _ERRQ.search(t)
            if q is not None:
                self.b.error(self._conn(no), q.group(1).upper(), no, t, library="OpenSSL")

    def _record(self, no: int, m: re.Match[str]) -> None:
        c = self._conn(no)
        direction = SENT if m.group(1) == "OUT" else RECEIVED
        kind, words, number = m.group(2), m.group(3), int(m.group(4))
        if kind == "alert":
            level, desc = number >> 8, number & 0xFF
            if level in (1, 2):
                self.b.alert(c, direction, level, desc, no)
            return
        if kind == "change cipher":
            self.b.message(c, direction, "ChangeCipherSpec", no)
            return
        # Type 0 is curl's "[no content]": a record header, not a HelloRequest.
        name = HANDSHAKE_MESSAGE_NAMES.get(number) if number else None
        if name is None:
            return
        if name == "ServerHello" and "retry" in words.lower():
            name = "HelloRetryRequest"
        if name == "ClientHello" and c.has("ClientHello") and not c.has("HelloRetryRequest"):
            received = [x for x in c.msgs if x.direction == RECEIVED]
            if len(received) == 1 and received[0].name == "ServerHello":
                # curl names a HelloRetryRequest "Server hello": a second
                # ClientHello right after a lone ServerHello answers one.
                received[0].name = "HelloRetryRequest"
                self.b.fact(c, "hello_retry_request", self.b.where(received[0].line))
                self.b.message(c, direction, name, no)
                return
            c = self.b.new_connection(no)
            self.b.set_side(c, Side.CLIENT, "curl is a client")
            self.conn = c
        self.b.message(c, direction, name, no)

    def _verify(self, no: int, text: str) -> None:
        c = self._conn(no)
        if "verify_error" not in c.facts:
            c.facts["verify_error"] = {
                "text": text.strip(),
                "code": None,
                "library": "OpenSSL",
                "where": self.b.where(no),
            }


_HANDSHAKE_EXITS = frozenset(
    {"35", "51", "53", "54", "58", "59", "60", "66", "77", "80", "83", "90", "91"}
)
"""curl exit codes that mean the TLS handshake failed (CURLE_SSL_*, CURLE_PEER_FAILED_VERIFICATION)."""
