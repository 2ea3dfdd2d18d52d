"""GnuTLS debug output (``gnutls-cli -d N``, ``gnutls-serv -d N``, ``GNUTLS_DEBUG_LEVEL``).

GnuTLS 3.x debug lines look like ``|<4>| HSK[0x55b0...]: CLIENT HELLO was
queued [386 bytes]`` (``lib/handshake.c``, ``lib/buffers.c``): the level, a
subsystem (HSK handshake, REC record, EXT extensions, ASSERT), the session's
address, and the text.  We read:

- ``X was queued [N bytes]`` (sent) and ``X (T) was received. Length N[N]``
  (received) for every handshake message;
- ``Selected cipher suite: NAME``, ``Selected group NAME``, and the
  ``Keeping ciphersuite c0.2c (NAME)`` lines that give each name its number;
- ``REC[...]: Alert[2|48] ... was received`` / ``Sending Alert[2|48]``, and the
  tools' own ``*** Received alert [116]: ...`` lines;
- the tools' summary: ``- Status: The certificate is NOT trusted. ...``,
  ``- Handshake was completed``, ``- Successfully sent 0 certificate(s)``,
  ``*** Fatal error: ...`` and the certificates (``--print-cert``) in PEM.

``ASSERT:`` lines are GnuTLS's internal trace of functions returning an
error code on purpose (a missing optional extension, a lookup miss); they are
not failures and are not read as errors.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.model import Side
from tlsdoctor.sources.logs.base import LogFormat, handshake_name, warning_level
from tlsdoctor.sources.logs.builder import RECEIVED, SENT, ConnState, LogBuilder
from tlsdoctor.sources.logs.pem import PemCollector

_SUB = re.compile(
    r"^(?:\|<\d+>\|\s*)?(HSK|REC|EXT|BUF|INT|ASSERT|CONN)\[?(0x[0-9a-fA-F]+)?\]?:\s?(.*)$"
)
_QUEUED = re.compile(r"^([A-Z][A-Z ]+?) was queued \[(\d+) bytes\]")
_RECEIVED = re.compile(r"^([A-Z][A-Z ]+?) \((\d+)\) was received\. Length (\d+)")
_SUITE = re.compile(r"Selected cipher suite: (\S+)")
_KEEP = re.compile(r"Keeping ciphersuite ([0-9a-f]{2})\.([0-9a-f]{2}) \((\S+)\)")
_GROUP = re.compile(r"Selected group (\S+)")
_VERSION = re.compile(r"Server's version: (\d)\.(\d)|Negotiated version: (\d)\.(\d)")
_REC_ALERT = re.compile(r"Alert\[(\d)\|(\d+)\] - [^-]*?(?:- )?(was received|$)")
_SEND_ALERT = re.compile(r"Sending Alert\[(\d)\|(\d+)\]")
_TOOL_ALERT = re.compile(r"^\*\*\* Received alert \[(\d+)\]: (.*)$")
_STATUS = re.compile(r"^- Status: The certificate is (NOT )?trusted\.\s*(.*)$")
_FATAL = re.compile(r"^\*\*\* (?:Fatal error|Handshake has failed|Error in handshake): (.+?)\s*$")
_SENT_CERTS = re.compile(r"^- Successfully sent (\d+) certificate\(s\) to server\.")
_DESCRIPTION = re.compile(
    r"^- Description: \((TLS1\.\d|SSL3\.0)-[^)]*\)-\(([^)]*)\)-\(([^)]*)\)-\(([^)]*)\)"
)
_SNI = re.compile(r"sent server name: '([^']+)'")
_CONNECTING = re.compile(r"^(?:Connecting to|Resolving) '")


class GnuTLSLog(LogFormat):
    name = "gnutls"
    title = "GnuTLS debug output (gnutls-cli -d)"
    library = "GnuTLS"
    keywords = (
        "HSK[",
        "REC[",
        "EXT[",
        "BUF[",
        "ASSERT",
        "- Status:",
        "- Handshake",
        "- Certificate type",
        "***",
        "Processed ",
    )
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = (
        (re.compile(r"\|<\d+>\| (?:HSK|REC|EXT|BUF|ASSERT)"), 3),
        (re.compile(r"HSK\[0x[0-9a-f]+\]: [A-Z ]+ (?:was queued|\(\d+\) was received)"), 3),
        (
            re.compile(
                r"^- (?:Status: The certificate is|Handshake was completed|Certificate type: X\.509)"
            ),
            3,
        ),
        (re.compile(r"^\*\*\* (?:Fatal error|Received alert|Handshake has failed)"), 3),
        (re.compile(r"^Processed \d+ CA certificate"), 2),
    )

    def __init__(self, builder: LogBuilder) -> None:
        super().__init__(builder)
        self.conn: ConnState | None = None
        self.suites: dict[str, int] = {}
        self.pem = PemCollector()

    def _conn(self, no: int, key: str | None = None) -> ConnState:
        if key is not None:
            c = self.b.keyed(key)
            if c is None:
                if self.conn is not None and self.conn.key is None:
                    self.b.adopt(self.conn, key)
                    return self.conn
                c = self.b.new_connection(no, key)
            self.conn = c
            return c
        if self.conn is None:
            self.conn = self.b.new_connection(no)
        return self.conn

    def feed(self, no: int, raw: str, text: str) -> None:
        t = text.strip()
        got = self.pem.feed(no, t)
        if got is not None:
            if isinstance(got, tuple):
                self.b.certificate(self._conn(no), RECEIVED, got[0], got[1])
            return
        m = _SUB.match(t)
        if m is not None:
            sub, key, msg = m.group(1), m.group(2), m.group(3).strip()
            if sub == "ASSERT":
                return
            c = self._conn(no, key) if key else self._conn(no)
            self._sub(no, c, sub, msg)
            return
        if "Keeping ciphersuite" in t:
            k = _KEEP.search(t)
            if k is not None and len(self.suites) < 512:
                self.suites[k.group(3)] = int(k.group(1) + k.group(2), 16)
            return
        self._tool(no, t)

    def _sub(self, no: int, c: ConnState, sub: str, msg: str) -> None:
        q = _QUEUED.match(msg)
        if q is not None:
            name = handshake_name(q.group(1))
            if name:
                self.b.message(c, SENT, name, no, size=int(q.group(2)))
            return
        r = _RECEIVED.match(msg)
        if r is not None:
            name = handshake_name(r.group(1))
            if name:
                self.b.message(c, RECEIVED, name, no, size=int(r.group(3)) + 4)
                if name == "HelloRetryRequest":
                    self.b.fact(c, "hello_retry_request", self.b.where(no))
            return
        s = _SUITE.search(msg)
        if s is not None:
            code = self.suites.get(s.group(1))
            if code is not None:
                c.cipher_suite = code
            params = c.facts.setdefault("params", {})
            if isinstance(params, dict):
                params.setdefault("cipher_suite", s.group(1))
            return
        g = _GROUP.search(msg)
        if g is not None:
            from tlsdoctor.wire.registry import group_by_name

            grp = group_by_name(g.group(1))
            if grp is not None:
                c.group = grp.code
            return
        v = _VERSION.search(msg)
        if v is not None:
            major, minor = (v.group(1), v.group(2)) if v.group(1) else (v.group(3), v.group(4))
            c.version = (int(major) << 8) | int(minor)  # GnuTLS "3.3" is TLS 1.2
            return
        if "TLS 1.3 re-key" in msg and c.version is not None and c.version < 0x0304:
            c.version = 0x0304
            return
        if msg.startswith("Sent ChangeCipherSpec"):
            self.b.message(c, SENT, "ChangeCipherSpec", no, size=1)
            return
        a = _SEND_ALERT.search(msg)
        if a is not None:
            self.b.alert(c, SENT, int(a.group(1)), int(a.group(2)), no)
            return
        a = _REC_ALERT.search(msg)
        if a is not None and a.group(3) == "was received":
            self._received_alert(no, c, int(a.group(1)), int(a.group(2)))
            return
        sni = _SNI.search(msg)
        if sni is not None:
            c.server_name = c.server_name or sni.group(1)

    def _received_alert(self, no: int, c: ConnState, level: int, desc: int) -> None:
        if any(a.description == desc and a.direction == RECEIVED for a in c.alerts):
            return
        self.b.alert(c, RECEIVED, level, desc, no)

    def _tool(self, no: int, t: str) -> None:
        if _CONNECTING.match(t):
            # gnutls-cli writes its own lines to standard output and the debug
            # trace to standard error, so in a merged log they may come in any
            # order: connections are told apart by the session address only.
            return
        if not t.startswith(("-", "*")):
            return
        c = self._conn(no)
        a = _TOOL_ALERT.match(t)
        if a is not None:
            desc = int(a.group(1))
            self._received_alert(no, c, warning_level(desc), desc)
            return
        s = _STATUS.match(t)
        if s is not None:
            if s.group(1):
                c.facts.setdefault(
                    "verify_error",
                    {
                        "text": s.group(2).strip() or "not trusted",
                        "code": None,
                        "library": self.library,
                        "where": self.b.where(no),
                    },
                )
            else:
                self.b.fact(c, "peer_verified", True)
            return
        f = _FATAL.match(t)
        if f is not None:
            self.b.error(c, f.group(1), no, t)
            if c.completed is None:
                c.completed = False
            return
        if t.startswith("- Handshake was completed"):
            if c.completed is None:
                c.completed = True
            return
        sc = _SENT_CERTS.match(t)
        if sc is not None:
            self.b.set_side(c, Side.CLIENT, "gnutls-cli")
            if sc.group(1) == "0":
                self.b.fact(c, "client_sent_no_certificate", self.b.where(no))
            return
        d = _DESCRIPTION.match(t)
        if d is not None:
            params = c.facts.setdefault("params", {})
            if isinstance(params, dict):
                params.setdefault("version", d.group(1))
                params.setdefault("key_exchange", d.group(2))
                params.setdefault("signature", d.group(3))
                params.setdefault("cipher", d.group(4))
