"""mbedTLS debug output (``mbedtls_ssl_conf_dbg`` callback, levels 1-4).

mbedTLS 2.x/3.x call the debug callback with the source file and line
(``ssl_tls.c``, ``ssl_msg.c``, ``ssl_cli.c``/``ssl_srv.c`` in 2.x,
``ssl_tls12_client.c``/``ssl_tls13_server.c``... in 3.x), the level, and a text
that usually begins with the SSL context's address.  Applications print those
as ``file:line: |level| text`` (the sample programs), ``file:line: text``, or
behind a logger (ESP-IDF ``mbedtls: ssl_tls.c:4379 ...``).  What we read
(``library/debug.c`` and the ``MBEDTLS_SSL_DEBUG_*`` calls of 2.28):

- ``=> write client hello`` / ``<= parse server hello`` ... around each
  handshake message; ``client state: N`` / ``server state: N``;
- level 3: ``handshake message: msglen = N, type = T, hslen = H``,
  ``output record: msgtype = 22, ..., msglen = N``;
- level 4: ``dumping 'input record from network' (N bytes)`` and
  ``dumping 'output record sent to network' (N bytes)`` followed by offset hex
  lines — whole records, which :mod:`.hexwire` parses into typed messages
  (certificates included);
- ``got an alert message, type: [2:46]`` (received), ``send alert level=2
  message=48`` (sent);
- ``f() returned -30592 (-0x7780)`` and the application's
  ``mbedtls_ssl_handshake returned -0x7780``: error codes, written in hex;
- ``! Certificate verification flags 00000008`` and the verify-info texts.

The dumps of the premaster and master secrets, the key block and the ECDH
shared value never reach this parser (:mod:`.secrets` swallows them).
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.model import Side
from tlsdoctor.sources.logs.base import LogFormat, handshake_name
from tlsdoctor.sources.logs.builder import RECEIVED, SENT, ConnState, LogBuilder
from tlsdoctor.sources.logs.hexwire import DumpCollector, WireDecoder, offset_hex

_LINE = re.compile(
    r"(?:^|[\s/])(?P<file>(?:ssl|x509|debug|pk|ecp|ecdh|ecdsa|rsa|cipher|md)\w*|mps\w*)\.c"
    r"[:(](?P<no>\d+)\)?:?\s+(?:\|(?P<lvl>\d)\|\s*)?(?:(?P<ctx>0x[0-9a-fA-F]+):\s)?(?P<msg>.*)$"
)
_STEP = re.compile(r"^(=>|<=) (?:(skip) )?(write|parse) ([a-z ]+?)\s*$")
_HS_IN = re.compile(r"handshake message: msglen = \d+, type = (\d+), hslen = (\d+)")
_REC_OUT = re.compile(r"output record: msgtype = (\d+), version = \[\d:\d\], msglen = (\d+)")
_DUMP = re.compile(
    r"^dumping '(input record from network|output record sent to network|record header|record contents)'"
    r" \((\d+) bytes\)"
)
_ALERT_IN = re.compile(r"got an alert message, type: \[(\d):(\d+)\]")
_ALERT_OUT = re.compile(r"send alert level=(\d) message=(\d+)")
_RETURNED = re.compile(r"(\w+)\(\)? ?(?:\(\w*\))?\s*returned (-\d+) \((-0x[0-9a-fA-F]+)\)")
_APP_RETURNED = re.compile(r"(mbedtls_\w+)(?:\(\))? returned (-0x[0-9a-fA-F]+|-\d+)(?::\s*(.*))?")
_VERIFY_FLAGS = re.compile(r"Certificate verification flags ([0-9a-fA-F]{8})")
_STATE = re.compile(r"^(client|server) state: (\d+)")
_SUITE_NAME = re.compile(r"(?:chosen|selected) ciphersuite: (TLS-[A-Z0-9-]+)")

# X.509 verification flags (mbedtls/x509.h, MBEDTLS_X509_BADCERT_*), in words.
_FLAG_TEXTS = (
    (0x01, "the certificate has expired"),
    (0x02, "the certificate has been revoked"),
    (0x04, "the certificate's name does not match the expected name"),
    (0x08, "the certificate is not signed by a trusted CA"),
    (0x10, "the CRL is not signed by a trusted CA"),
    (0x20, "the CRL has expired"),
    (0x40, "the certificate is missing"),
    (0x80, "certificate verification was skipped"),
    (0x100, "another reason"),
    (0x200, "the certificate is not yet valid"),
    (0x800, "the certificate's key usage does not allow this use"),
    (0x1000, "the certificate's extended key usage does not allow this use"),
    (0x4000, "the certificate is signed with a hash the configuration does not allow"),
    (0x8000, "the certificate is signed with a key algorithm the configuration does not allow"),
    (0x10000, "the certificate's key is not acceptable (for example too short)"),
)
_VERIFY_TEXTS = re.compile(
    r"The certificate validity has expired|The certificate has been revoked|"
    r"The certificate Common Name \(CN\) does not match|"
    r"The certificate is not correctly signed by the trusted CA|"
    r"The certificate validity starts in the future|"
    r"Usage does not match the (?:key|extendedKey)Usage extension|"
    r"The certificate is signed with an unacceptable"
)


def flags_text(flags: int) -> str:
    parts = [t for bit, t in _FLAG_TEXTS if flags & bit]
    return "; ".join(parts) or f"flags 0x{flags:08x}"


class MbedTLSLog(LogFormat):
    name = "mbedtls"
    title = "mbedTLS debug output"
    library = "mbedTLS"
    keywords = ("ssl_", "=> ", "<= ", "state: ", "alert message", "-0x")
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = (
        (re.compile(r"\bssl_(?:tls|msg|cli|srv|tls1[23]_\w+)\.c[:(]\d+"), 4),
        (re.compile(r"\|[1-4]\| "), 1),
        (re.compile(r"[=<]> (?:write|parse|handshake|fetch|flush|read|skip)"), 2),
        (re.compile(r"(?:client|server) state: \d+"), 2),
        (re.compile(r"got an alert message, type: \[\d:\d+\]|-0x[0-9a-fA-F]{4}\b"), 2),
    )

    def __init__(self, builder: LogBuilder) -> None:
        super().__init__(builder)
        self.decoders: dict[int, WireDecoder] = {}
        self.dump: DumpCollector | None = None
        self.dump_conn: ConnState | None = None
        self.dumped: set[int] = set()
        """Connections whose messages come from record dumps (level 4)."""
        self.last_key: str | None = None
        self.pending_sizes: dict[int, dict[str, int]] = {}

    def _conn(self, no: int, key: str | None) -> ConnState:
        if key is None:
            key = self.last_key
        self.last_key = key
        return self.b.current(no, key)

    def feed(self, no: int, raw: str, text: str) -> None:
        m = _LINE.search(raw)
        if m is None:
            # Another component's line inside a dump does not end the dump.
            self._app_line(no, text.strip())
            return
        msg = m.group("msg").strip()
        key = m.group("ctx")
        if self.dump is not None:
            data = offset_hex(msg)
            if data is not None:
                self.dump.add(data)
                return
            self._end_dump()
        fname = m.group("file")
        if msg == "=> handshake":
            prev = self.b.keyed(key) if key else None
            if prev is None or prev.msgs:
                c = self.b.new_connection(no, key)
                self.last_key = key
            else:
                c = prev
        else:
            c = self._conn(no, key)
        if "cli" in fname or "client" in fname:
            self.b.set_side(c, Side.CLIENT, f"{fname}.c")
        elif "srv" in fname or "server" in fname:
            self.b.set_side(c, Side.SERVER, f"{fname}.c")
        self._message(no, c, msg)

    def _message(self, no: int, c: ConnState, msg: str) -> None:
        d = _DUMP.match(msg)
        if d is not None:
            self.dump = DumpCollector(SENT if d.group(1).startswith("output") else RECEIVED, no)
            self.dump_conn = c
            return
        s = _STEP.match(msg)
        if s is not None:
            self._step(no, c, s.group(1), s.group(2) is not None, s.group(3), s.group(4))
            return
        hs = _HS_IN.search(msg)
        if hs is not None:
            self.pending_sizes.setdefault(c.number, {})[RECEIVED] = int(hs.group(2))
            return
        ro = _REC_OUT.search(msg)
        if ro is not None and ro.group(1) == "22":
            self.pending_sizes.setdefault(c.number, {})[SENT] = int(ro.group(2))
            return
        a = _ALERT_IN.search(msg)
        if a is not None:
            self.b.alert(c, RECEIVED, int(a.group(1)), int(a.group(2)), no)
            return
        a = _ALERT_OUT.search(msg)
        if a is not None:
            self.b.alert(c, SENT, int(a.group(1)), int(a.group(2)), no)
            return
        r = _RETURNED.search(msg)
        if r is not None:
            self.b.error(c, r.group(3).lower(), no, msg)
            if r.group(1) in ("x509_verify_cert", "mbedtls_x509_crt_verify_with_profile"):
                self._verify(c, no, f"{r.group(1)}() returned {r.group(3)}", r.group(3).lower())
            return
        f = _VERIFY_FLAGS.search(msg)
        if f is not None:
            flags = int(f.group(1), 16)
            if flags and flags != 0x80:
                self._verify(c, no, flags_text(flags), None, replace=True)
            return
        if "Certificate verification flags clear" in msg:
            self.b.fact(c, "peer_verified", True)
            return
        st = _STATE.match(msg)
        if st is not None:
            self.b.set_side(
                c, Side.CLIENT if st.group(1) == "client" else Side.SERVER, "state machine"
            )
            return
        sn = _SUITE_NAME.search(msg)
        if sn is not None:
            from tlsdoctor.wire.registry import cipher_suite_by_name

            suite = cipher_suite_by_name(sn.group(1).replace("-", "_"))
            if suite is not None:
                c.cipher_suite = suite.code
            return
        if msg.startswith("client hello, adding server name extension:"):
            c.server_name = c.server_name or msg.rsplit(":", 1)[1].strip() or None
            return
        if "client has no certificate" in msg:
            self.b.fact(c, "no_client_cert_line", self.b.where(no))
            if c.side is Side.SERVER or c.side is None:
                self.b.fact(c, "client_certificate_empty", True)
                self.b.fact(
                    c, "client_certificate_empty_why", f"mbedTLS logged \u201c{msg[:80]}\u201d"
                )
            return
        if msg == "<= handshake wrapup":
            if c.completed is None:
                c.completed = True
            return

    def _step(self, no: int, c: ConnState, arrow: str, skip: bool, verb: str, what: str) -> None:
        if arrow != "<=" or skip:
            return
        name = handshake_name(what)
        if name is None:
            return
        if name == "ServerHelloDone" and verb == "parse" and c.number in self.dumped:
            return
        if c.number in self.dumped:
            return
        direction = SENT if verb == "write" else RECEIVED
        size = self.pending_sizes.get(c.number, {}).pop(direction, None)
        self.b.message(c, direction, name, no, size=size)
        if name == "ClientHello":
            self.b.set_side(
                c, Side.CLIENT if verb == "write" else Side.SERVER, "who sent the ClientHello"
            )

    def _end_dump(self) -> None:
        d, c = self.dump, self.dump_conn
        self.dump = None
        self.dump_conn = None
        if d is None or c is None or d.overflow or not d.buf:
            return
        decoder = self.decoders.setdefault(c.number, WireDecoder())
        self.dumped.add(c.number)
        for p in decoder.records(bytes(d.buf), d.label):
            if p.kind == "handshake":
                self.b.message(c, d.label, p.name, d.line, message=p.message, size=p.size)
            elif p.kind == "ccs":
                self.b.message(c, d.label, "ChangeCipherSpec", d.line, size=1)
            elif p.kind == "alert" and p.message is not None:
                pass  # reported by the "got an alert" / "send alert" lines
        if len(self.decoders) > 64:
            for k in list(self.decoders)[:-32]:
                del self.decoders[k]

    def _verify(
        self, c: ConnState, no: int, text: str, code: str | None, replace: bool = False
    ) -> None:
        current = c.facts.get("verify_error")
        if current is None:
            c.facts["verify_error"] = {
                "text": text,
                "code": code,
                "library": self.library,
                "where": self.b.where(no),
            }
        elif replace and isinstance(current, dict):
            current["text"] = text
            current["where"] = self.b.where(no)

    def _app_line(self, no: int, t: str) -> None:
        """Lines the application prints around mbedTLS calls (sample-program style)."""
        if not t or not self.b.has_connection:
            return
        if "returned" not in t and "ertificate" not in t:
            return
        c = self._conn(no, None)
        r = _APP_RETURNED.search(t)
        if r is not None:
            code = r.group(2).lower()
            if code.startswith("-") and not code.startswith("-0x"):
                code = f"-0x{-int(code):04x}"
            self.b.error(c, code, no, t, text=r.group(3))
            return
        if _VERIFY_TEXTS.search(t) and "skipped" not in t:
            self._verify(c, no, t.lstrip("! ").strip(), None)

    def finish(self) -> None:
        self._end_dump()
        if any(c.has("Certificate") and not c.msg_certs for c in self.b.conns):
            self.b.note(
                "mbedTLS prints certificates as text below debug level 4; at level 4 it dumps "
                "the records, which tlsdoctor reads to check the chain"
            )
