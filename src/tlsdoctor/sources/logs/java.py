"""Java's JSSE debug output (``-Djavax.net.debug=ssl:handshake``, JDK 11+).

Since JDK 11 (``sun.security.ssl.SSLLogger``) each entry starts with
``javax.net.ssl|LEVEL|thread id|thread|time|Source.java:line|text`` and may be
followed by a block in braces closed by a line ``)``.  We read:

- ``Produced ClientHello handshake message (`` / ``Consuming ServerHello
  handshake message (`` (and ``client Certificate``, ``ECDH
  ServerKeyExchange``, ``ChangeCipherSpec message`` ...): direction and name;
- in the blocks: ``"cipher suite" : "TLS_..(0x1302)"``, ``"named group"``,
  the SNI ``value=...``, and an empty client certificate list
  (``"Certificates": <empty list>``, ``"certificate_list": []``);
- ``Received alert message (`` with ``"level"``/``"description"`` in its block;
- ``Fatal (CERTIFICATE_UNKNOWN): PKIX path building failed: ...`` (the alert
  Java sends and why), the exceptions (``javax.net.ssl.SSLHandshakeException:
  ...``) and ``Negotiated protocol version: TLSv1.3``.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.model import Side
from tlsdoctor.sources.logs.base import LogFormat, alert_code, handshake_name, warning_level
from tlsdoctor.sources.logs.builder import RECEIVED, SENT, ConnState, LogBuilder

_HEAD = re.compile(r"^javax\.net\.ssl\|(\w+)\|[^|]*\|[^|]*\|[^|]*\|([\w$.]+\.java):?\d*\|(.*)$")
_MSG = re.compile(
    r"^(Produced|Consuming)\s+(?:(client|server)\s+)?(?:[A-Z0-9]+\s+)?(\w+)\s+(?:handshake\s+)?message"
)
_FATAL = re.compile(r"^Fatal \((\w+)\): (.*?)\s*\(?$")
_NEGOTIATED = re.compile(r"^Negotiated protocol version: (\S+)")
_SUITE = re.compile(r"\"cipher suite\"\s*:\s*\"(\w+)\(0x([0-9A-Fa-f]{4})\)\"")
_GROUP = re.compile(r"\"named group\"\s*:\s*\"?(\w+)\"?")
_SNI = re.compile(r"type=host_name \(0\), value=([A-Za-z0-9.-]+)")
_LEVEL = re.compile(r"\"level\"\s*:\s*\"(\w+)\"")
_DESC = re.compile(r"\"description\"\s*:\s*\"(\w+)\"")
_EXC = re.compile(
    r"^(?:Exception in thread \"[^\"]*\" |Caused by: |\s*)((?:javax\.net\.ssl|java\.security\.cert|sun\.security\.\w+(?:\.\w+)*)\.\w+(?:Exception|Error)): (.+)$"
)
_EMPTY_CERTS = re.compile(r"\"Certificates\"\s*:\s*<empty list>|\"certificate_list\"\s*:\s*\[\s*\]")
_VERIFY_WORDS = re.compile(
    r"PKIX path (?:building|validation) failed|unable to find valid certification path|"
    r"CertificateExpiredException|CertificateNotYetValidException|No subject alternative|"
    r"No name matching|Certificate signature validation failed|certificate_unknown"
)


class JavaLog(LogFormat):
    name = "java"
    title = "Java JSSE debug output (-Djavax.net.debug)"
    library = "Java"
    keywords = ("javax.net.ssl", "message", "Exception")
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = (
        (re.compile(r"javax\.net\.ssl\|(?:DEBUG|INFO|WARNING|ERROR|ALL|TRACE)\|"), 5),
        (re.compile(r"(?:Produced|Consuming) \w+ (?:handshake )?message"), 3),
        (re.compile(r"javax\.net\.ssl\.SSL\w*Exception"), 3),
    )

    def __init__(self, builder: LogBuilder) -> None:
        super().__init__(builder)
        self.conn: ConnState | None = None
        self.block: str | None = None
        """What the open block belongs to: the message name, or "Alert"."""
        self.block_dir: str | None = None
        self.block_line = 0
        self.block_lines = 0
        self.alert_level: int | None = None
        self.alert_desc: int | None = None

    def _conn(self, no: int) -> ConnState:
        if self.conn is None:
            self.conn = self.b.new_connection(no)
        return self.conn

    def feed(self, no: int, raw: str, text: str) -> None:
        t = text.strip()
        m = _HEAD.search(t)
        if m is None:
            if self.block is not None:
                self._block_line(no, t)
                if t == ")":
                    self._end_block()
                return
            self._other(no, t)
            return
        self._end_block()
        level, body = m.group(1), m.group(3).strip()
        mm = _MSG.match(body)
        if mm is not None:
            self._message(no, mm, body)
            return
        if body.startswith("Received alert message"):
            self.block = "Alert"
            self.block_dir = RECEIVED
            self.block_line = no
            self.alert_level = self.alert_desc = None
            return
        f = _FATAL.match(body)
        if f is not None:
            self._fatal(no, f.group(1), f.group(2))
            return
        n = _NEGOTIATED.match(body)
        if n is not None:
            c = self._conn(no)
            c.version = {
                "TLSv1.3": 0x0304,
                "TLSv1.2": 0x0303,
                "TLSv1.1": 0x0302,
                "TLSv1": 0x0301,
            }.get(n.group(1), c.version)
            return
        if "No X.509 certificate for client authentication, use empty Certificate message" in body:
            c = self._conn(no)
            self.b.fact(c, "client_certificate_empty", True)
            self.b.fact(
                c,
                "client_certificate_empty_why",
                "Java logged that it had no certificate and sent an empty Certificate message",
            )
            return
        if level == "ERROR" and _VERIFY_WORDS.search(body):
            self._verify(no, body)

    def _message(self, no: int, mm: re.Match[str], body: str) -> None:
        c = self._conn(no)
        direction = SENT if mm.group(1) == "Produced" else RECEIVED
        name = handshake_name(mm.group(3))
        if name is None:
            return
        if name == "ClientHello" and direction == SENT:
            if c.has("ClientHello") and not c.has("HelloRetryRequest"):
                c = self.b.new_connection(no)
                self.conn = c
            self.b.set_side(c, Side.CLIENT, "Produced ClientHello")
        self.b.message(c, direction, name, no)
        if body.rstrip().endswith("("):
            self.block = name
            self.block_dir = direction
            self.block_line = no
            self.block_lines = 0

    def _block_line(self, no: int, t: str) -> None:
        self.block_lines += 1
        if self.block_lines > 2000 or self.conn is None:
            return
        c = self.conn
        if self.block == "Alert":
            lv = _LEVEL.search(t)
            if lv is not None:
                self.alert_level = 2 if lv.group(1) == "fatal" else 1
            d = _DESC.search(t)
            if d is not None:
                self.alert_desc = alert_code(d.group(1))
            return
        if self.block == "ServerHello":
            s = _SUITE.search(t)
            if s is not None:
                c.cipher_suite = int(s.group(2), 16)
                return
        g = _GROUP.search(t)
        if g is not None and self.block in ("ServerHello", "ServerKeyExchange"):
            from tlsdoctor.wire.registry import group_by_name

            grp = group_by_name(g.group(1))
            if grp is not None:
                c.group = grp.code
            return
        if self.block == "ClientHello":
            s2 = _SNI.search(t)
            if s2 is not None and c.server_name is None:
                c.server_name = s2.group(1)
            return
        if self.block == "Certificate" and _EMPTY_CERTS.search(t):
            sender_is_client = (self.block_dir == SENT) == (c.side is not Side.SERVER)
            if sender_is_client:
                self.b.fact(c, "client_certificate_empty", True)
                self.b.fact(
                    c,
                    "client_certificate_empty_why",
                    "Java logged the client Certificate message with an empty list",
                )

    def _end_block(self) -> None:
        if self.block == "Alert" and self.conn is not None and self.alert_desc is not None:
            level = self.alert_level or warning_level(self.alert_desc)
            self.b.alert(self.conn, self.block_dir, level, self.alert_desc, self.block_line)
        self.block = None
        self.block_dir = None
        self.alert_level = self.alert_desc = None

    def _fatal(self, no: int, name: str, text: str) -> None:
        c = self._conn(no)
        code = alert_code(name)
        received = text.startswith("Received fatal alert")
        if code is not None and not received:
            # Java logs the alert it is about to send, and why.
            self.b.alert(c, SENT, 2, code, no)
        self.b.error(c, name, no, f"Fatal ({name}): {text}", text=text)
        if _VERIFY_WORDS.search(text) and not received:
            self._verify(no, text)

    def _verify(self, no: int, text: str) -> None:
        c = self._conn(no)
        if "verify_error" not in c.facts:
            c.facts["verify_error"] = {
                "text": text[:300],
                "code": None,
                "library": self.library,
                "where": self.b.where(no),
            }

    def _other(self, no: int, t: str) -> None:
        m = _EXC.match(t)
        if m is not None and self.b.has_connection:
            c = self._conn(no)
            cls = m.group(1).rsplit(".", 1)[-1]
            self.b.error(c, cls, no, t, text=m.group(2)[:300])
            if c.completed is None:
                c.completed = False

    def finish(self) -> None:
        self._end_block()
        if any(c.has("Certificate") for c in self.b.conns):
            self.b.note(
                "Java's handshake debug output shows certificates as text, not bytes: the chain "
                "itself was not checked (tlsdoctor cert or tlsdoctor check can)"
            )
