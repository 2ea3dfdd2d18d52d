"""OpenSSL ``s_client`` / ``s_server`` output with ``-msg``, ``-trace`` and ``-state``.

What the OpenSSL 1.1/3.x apps print (``apps/lib/s_cb.c``, ``ssl/t1_trce.c``):

- ``-msg``: ``>>> TLS 1.3, Handshake [length 0136], ClientHello`` (``>>>``
  sent, ``<<<`` received) followed by the message bytes in hex, plaintext even
  for TLS 1.3's encrypted flight — parsed with :mod:`tlsdoctor.wire` into the
  typed message, certificates included; ``Alert [length 0002], fatal
  handshake_failure``;
- ``-trace``: ``Sent Record`` / ``Received Record`` blocks with
  ``    ClientHello, Length=306`` and ``Level=fatal(2), description=...(40)``,
  and each certificate's text and PEM;
- ``-state``: ``SSL_connect:SSLv3/TLS write client hello``,
  ``SSL3 alert read:fatal:handshake failure``;
- verification: ``depth=0 ...``, ``verify error:num=20:unable to get local
  issuer certificate``, ``Verify return code: 20 (...)``;
- the error queue: ``...:error:0A000086:SSL routines:...:certificate verify
  failed:...``;
- the session summary (``Protocol``, ``Cipher``, ``Server Temp Key``), and the
  server certificate in PEM.  ``Master-Key`` is key material and never reaches
  this parser.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.model import Side
from tlsdoctor.sources.logs.base import LogFormat, alert_code, handshake_name
from tlsdoctor.sources.logs.builder import RECEIVED, SENT, ConnState, LogBuilder
from tlsdoctor.sources.logs.hexwire import DumpCollector, WireDecoder
from tlsdoctor.sources.logs.pem import PemCollector

_MSG_HEADER = re.compile(
    r"^(>>>|<<<) (?:(TLS [\d.]+|SSL 3\.0|DTLS [\d.]+|\?\?\?)[, ]+)?(\w+) \[length ([0-9a-fA-F]+)\]"
    r"(?:, (.+))?$"
)
_HEX = re.compile(r"^\s*((?:[0-9a-f]{2} ){0,15}[0-9a-f]{2})\s*$")
_TRACE_DIR = re.compile(r"^(Sent|Received) (?:Record|TLS Record|Frame)")
_TRACE_MSG = re.compile(r"^\s{2,6}(\w+), Length=(\d+)\s*$")
_TRACE_ALERT = re.compile(r"Level=(\w+)\((\d)\), description=([\w ]+)\((\d+)\)")
_STATE = re.compile(
    r"^(SSL_connect|SSL_accept):\s*(?:SSLv3/TLS|TLSv1\.3|SSLv3) (read|write) (.+?)\s*$"
)
_STATE_ALERT = re.compile(r"^SSL3? alert (read|write):(fatal|warning):(.+?)\s*$")
_VERIFY_ERR = re.compile(r"verify error:num=(\d+):(.+)$")
_VERIFY_CODE = re.compile(r"Verify return code: (\d+) \((.+)\)")
_VERIFICATION_ERROR = re.compile(r"^Verification error: (.+)$")
_ERRQ = re.compile(r"error:([0-9A-Fa-f]{8}):([^:]*):([^:]*):([^:]*)")
_PROTOCOL = re.compile(r"^\s*Protocol\s*: (\S+)")
_CIPHER_LINE = re.compile(r"^\s*Cipher\s*: (\S+)")
_NEW = re.compile(r"^(New|Reused), (\S+), Cipher is (\S+)")
_TEMP_KEY = re.compile(r"^(?:Server|Peer) Temp Key: (\w[\w-]*)")
_CONNECTED = re.compile(r"^CONNECTED\(\w+\)")
_ACCEPT = re.compile(r"^ACCEPT$")

_WORDS = (
    "CONNECTED(",
    "ACCEPT",
    ">>> ",
    "<<< ",
    "Record",
    ", Length=",
    "Level=",
    "SSL_connect:",
    "SSL_accept:",
    "alert",
    "erif",
    "error:",
    "Protocol",
    "Cipher",
    "Temp Key",
    "New, ",
    "Reused, ",
    "Content Type",
)
"""Every line this parser reads (besides hex dumps and PEM) holds one of these."""

_STATE_NAMES = {
    "client hello": "ClientHello",
    "server hello": "ServerHello",
    "server certificate": "Certificate",
    "client certificate": "Certificate",
    "certificate": "Certificate",
    "server key exchange": "ServerKeyExchange",
    "server certificate request": "CertificateRequest",
    "certificate request": "CertificateRequest",
    "server done": "ServerHelloDone",
    "client key exchange": "ClientKeyExchange",
    "certificate verify": "CertificateVerify",
    "change cipher spec": "ChangeCipherSpec",
    "finished": "Finished",
    "encrypted extensions": "EncryptedExtensions",
    "server session ticket": "NewSessionTicket",
    "hello retry request": "HelloRetryRequest",
}


class OpenSSLLog(LogFormat):
    name = "openssl"
    title = "OpenSSL s_client/s_server output (-msg, -trace, -state)"
    library = "OpenSSL"
    keywords = (
        ">>> ",
        "<<< ",
        " Record",
        "SSL_connect:",
        "SSL_accept:",
        "CONNECTED(",
        "ACCEPT",
        "verify error",
        "Verify return",
        "depth=",
        ":error:",
        "SSL handshake has",
    )
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = (
        (re.compile(r"^(?:>>>|<<<) (?:TLS|SSL|DTLS|\?\?\?)[ \d.,]*\w+ \[length [0-9a-f]{4}\]"), 5),
        (re.compile(r"^(?:Sent|Received) Record$"), 4),
        (re.compile(r"^SSL_(?:connect|accept):"), 4),
        (re.compile(r"^CONNECTED\(\w+\)$|^ACCEPT$"), 4),
        (re.compile(r"verify error:num=\d+|Verify return code: \d+|^depth=\d+ "), 3),
        (re.compile(r":error:[0-9A-F]{8}:"), 2),
        (re.compile(r"^SSL handshake has (?:read|written) \d+ bytes"), 4),
    )

    def __init__(self, builder: LogBuilder) -> None:
        super().__init__(builder)
        self.conn: ConnState | None = None
        self.decoders: dict[int, WireDecoder] = {}
        self.dump: DumpCollector | None = None
        self.dump_kind: tuple[str, str, int] | None = None
        self.trace_dir: str | None = None
        self.pem = PemCollector()
        self.wire_seen: set[int] = set()
        self.shadow: dict[int, list[tuple[str, str, int, tuple[int, int] | None]]] = {}
        """-state messages per connection: (direction, name, line, (alert level, description))."""

    def _conn(self, no: int) -> ConnState:
        if self.conn is None:
            self.conn = self.b.new_connection(no)
        return self.conn

    def _new(self, no: int) -> ConnState:
        self._end_dump()
        self.conn = self.b.new_connection(no)
        return self.conn

    def feed(self, no: int, raw: str, text: str) -> None:
        if self.dump is not None:
            m = _HEX.match(text)
            if m is not None:
                self.dump.add(bytes.fromhex(m.group(1).replace(" ", "")))
                return
            self._end_dump()
        t = text.strip()
        got = self.pem.feed(no, t)
        if got is not None:
            if isinstance(got, tuple):
                direction = self.trace_dir or RECEIVED
                self.b.certificate(self._conn(no), direction, got[0], got[1])
            return
        if not any(k in text for k in _WORDS):
            return
        if _CONNECTED.match(t) or _ACCEPT.match(t):
            self._new(no)
            return
        m = _MSG_HEADER.match(t)
        if m is not None:
            self._msg_header(no, m)
            return
        m = _TRACE_DIR.match(t)
        if m is not None:
            self.trace_dir = SENT if m.group(1) == "Sent" else RECEIVED
            return
        m = _TRACE_MSG.match(text)
        if m is not None and self.trace_dir is not None:
            name = "HelloRetryRequest" if m.group(1) == "HelloRetryRequest" else m.group(1)
            if name in _TRACE_OK:
                c = self._trace_conn(no, name)
                self.wire_seen.add(c.number)
                self.b.message(c, self.trace_dir, name, no, size=int(m.group(2)) + 4)
            return
        if t == "Content Type = ChangeCipherSpec (20)" and self.trace_dir is not None:
            c = self._conn(no)
            self.b.message(c, self.trace_dir, "ChangeCipherSpec", no, size=1)
            return
        m = _TRACE_ALERT.search(t)
        if m is not None and self.trace_dir is not None:
            c = self._conn(no)
            self.wire_seen.add(c.number)
            self.b.alert(c, self.trace_dir, int(m.group(2)), int(m.group(4)), no)
            return
        if self._state(no, t):
            return
        self._other(no, t)

    def _trace_conn(self, no: int, name: str) -> ConnState:
        c = self._conn(no)
        if name == "ClientHello" and c.has("ClientHello") and not c.has("HelloRetryRequest"):
            c = self._new(no)
        return c

    def _msg_header(self, no: int, m: re.Match[str]) -> None:
        direction = SENT if m.group(1) == ">>>" else RECEIVED
        kind = m.group(3)
        length = int(m.group(4), 16)
        what = m.group(5) or ""
        if kind == "RecordHeader" or kind == "InnerContent":
            return
        c = self._conn(no)
        self.wire_seen.add(c.number)
        if kind == "Handshake":
            if (
                what.strip() == "ClientHello"
                and c.has("ClientHello")
                and not c.has("HelloRetryRequest")
            ):
                c = self._new(no)
                self.wire_seen.add(c.number)
            self.dump = DumpCollector(direction, no)
            self.dump_kind = (direction, what.strip(), length)
            return
        if kind == "ChangeCipherSpec":
            self.b.message(c, direction, "ChangeCipherSpec", no, size=1)
            return
        if kind == "Alert":
            words = what.split(None, 1)
            if len(words) == 2:
                level = 2 if words[0] == "fatal" else 1
                code = alert_code(words[1])
                if code is not None:
                    self.b.alert(c, direction, level, code, no)
                    return
            self.dump = DumpCollector(direction, no)
            self.dump_kind = (direction, "Alert", length)

    def _end_dump(self) -> None:
        d, kind = self.dump, self.dump_kind
        self.dump = None
        self.dump_kind = None
        if d is None or kind is None or self.conn is None:
            return
        c = self.conn
        direction, what, length = kind
        if what == "Alert":
            if len(d.buf) == 2:
                self.b.alert(c, direction, d.buf[0], d.buf[1], d.line)
            return
        decoder = self.decoders.setdefault(c.number, WireDecoder())
        if len(self.decoders) > 64:
            for k in list(self.decoders)[:-32]:
                del self.decoders[k]
        parsed = decoder.handshake(bytes(d.buf), direction) if not d.overflow else None
        if parsed is not None:
            self.b.message(
                c, direction, parsed.name, d.line, message=parsed.message, size=parsed.size
            )
        else:
            name = handshake_name(what) or what.replace(" ", "") or "Handshake"
            self.b.message(c, direction, name, d.line, size=length)

    def _state(self, no: int, t: str) -> bool:
        m = _STATE.match(t)
        if m is not None:
            c = self._conn(no)
            side = Side.CLIENT if m.group(1) == "SSL_connect" else Side.SERVER
            self.b.set_side(c, side, m.group(1))
            name = _STATE_NAMES.get(m.group(3).lower())
            if name is not None:
                direction = SENT if m.group(2) == "write" else RECEIVED
                sh = self.shadow.setdefault(c.number, [])
                if len(sh) < 200:
                    sh.append((direction, name, no, None))
            return True
        m = _STATE_ALERT.match(t)
        if m is not None:
            c = self._conn(no)
            code = alert_code(m.group(3))
            if code is not None:
                direction = RECEIVED if m.group(1) == "read" else SENT
                level = 2 if m.group(2) == "fatal" else 1
                sh = self.shadow.setdefault(c.number, [])
                if len(sh) < 200:
                    sh.append((direction, "Alert", no, (level, code)))
            return True
        return t.startswith(("SSL_connect:", "SSL_accept:"))

    def _other(self, no: int, t: str) -> None:
        m = _VERIFY_ERR.search(t)
        if m is not None:
            self._verify(no, m.group(1), m.group(2))
            return
        m = _VERIFY_CODE.search(t)
        if m is not None:
            if m.group(1) != "0":
                self._verify(no, m.group(1), m.group(2))
            elif self.conn is not None:
                self.b.fact(self.conn, "peer_verified", True)
            return
        m = _VERIFICATION_ERROR.match(t)
        if m is not None:
            self._verify(no, None, m.group(1))
            return
        if t == "Verification: OK" and self.conn is not None:
            self.b.fact(self.conn, "peer_verified", True)
            return
        m = _ERRQ.search(t)
        if m is not None:
            self.b.error(self._conn(no), m.group(1).upper(), no, t)
            return
        m = _TEMP_KEY.match(t)
        if m is not None and self.conn is not None:
            from tlsdoctor.wire.registry import group_by_name

            g = group_by_name(m.group(1))
            if g is not None and self.conn.group is None:
                self.conn.group = g.code
            return
        m = _PROTOCOL.match(t) or _NEW.match(t)
        if m is not None and self.conn is not None:
            params = self.conn.facts.setdefault("params", {})
            if isinstance(params, dict):
                if m.re is _NEW:
                    params.setdefault("version", m.group(2))
                    params.setdefault("cipher_suite", m.group(3))
                else:
                    params.setdefault("version", m.group(1))
            return
        m = _CIPHER_LINE.match(t)
        if m is not None and self.conn is not None:
            params = self.conn.facts.setdefault("params", {})
            if isinstance(params, dict):
                params.setdefault("cipher_suite", m.group(1))
            return
        if t.startswith("No client certificate CA names sent") and self.conn is not None:
            return

    def _verify(self, no: int, code: str | None, text: str) -> None:
        c = self._conn(no)
        if "verify_error" not in c.facts:
            c.facts["verify_error"] = {
                "text": text.strip(),
                "code": code,
                "library": "OpenSSL",
                "where": self.b.where(no),
            }
        elif code is not None and isinstance(c.facts["verify_error"], dict):
            c.facts["verify_error"].setdefault("code", code)
            if c.facts["verify_error"].get("code") is None:
                c.facts["verify_error"]["code"] = code
        if code is not None:
            self.b.error(
                c,
                f"verify error:num={code}",
                no,
                f"verify error:num={code}:{text}",
                text=text.strip(),
            )

    def finish(self) -> None:
        self._end_dump()
        for c in self.b.conns:
            if c.number in self.wire_seen:
                continue
            for direction, name, line, alert in self.shadow.get(c.number, []):
                if alert is not None:
                    self.b.alert(c, direction, alert[0], alert[1], line)
                else:
                    self.b.message(c, direction, name, line)
            if c.completed is None and c.has("Finished", SENT) and c.has("Finished", RECEIVED):
                c.completed = True
        self.shadow.clear()


_TRACE_OK = frozenset(
    {
        "ClientHello",
        "ServerHello",
        "HelloRetryRequest",
        "EncryptedExtensions",
        "Certificate",
        "CertificateRequest",
        "ServerKeyExchange",
        "ServerHelloDone",
        "ClientKeyExchange",
        "CertificateVerify",
        "Finished",
        "NewSessionTicket",
        "CertificateStatus",
        "KeyUpdate",
        "EndOfEarlyData",
    }
)
