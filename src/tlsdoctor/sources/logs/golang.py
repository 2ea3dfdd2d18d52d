"""Go ``crypto/tls`` / ``crypto/x509`` error output.

Go programs do not have a debug trace; what a developer has is the error
text, printed by the program or by ``net/http`` (Go 1.20+ wording, with the
older forms):

- ``tls: failed to verify certificate: x509: certificate signed by unknown
  authority`` (and ``x509: certificate has expired or is not yet valid``,
  ``x509: certificate is valid for X, not Y``);
- ``remote error: tls: bad certificate`` — an alert the peer sent, named with
  the texts of ``crypto/tls/alert.go``;
- on a server, ``http: TLS handshake error from 127.0.0.1:5555: ...`` and
  ``tls: client didn't provide a certificate``.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.model import Side
from tlsdoctor.sources.logs.base import LogFormat, warning_level
from tlsdoctor.sources.logs.builder import RECEIVED, ConnState, LogBuilder

# crypto/tls/alert.go: the text Go gives each alert (Go 1.21).
GO_ALERTS: dict[str, int] = {
    "close notify": 0,
    "unexpected message": 10,
    "bad record MAC": 20,
    "decryption failed": 21,
    "record overflow": 22,
    "decompression failure": 30,
    "handshake failure": 40,
    "bad certificate": 42,
    "unsupported certificate": 43,
    "revoked certificate": 44,
    "expired certificate": 45,
    "unknown certificate": 46,
    "illegal parameter": 47,
    "unknown certificate authority": 48,
    "access denied": 49,
    "error decoding message": 50,
    "error decrypting message": 51,
    "exporting of key material is not allowed": 60,
    "protocol version not supported": 70,
    "insufficient security level": 71,
    "internal error": 80,
    "inappropriate fallback": 86,
    "user canceled": 90,
    "no renegotiation": 100,
    "missing extension": 109,
    "unsupported extension": 110,
    "certificate unobtainable": 111,
    "unrecognized name": 112,
    "bad certificate status response": 113,
    "bad certificate hash value": 114,
    "unknown PSK identity": 115,
    "certificate required": 116,
    "no application protocol": 120,
}

_REMOTE = re.compile(r"remote error: tls: ([A-Za-z ]+?)(?:\s*$|[,;)\"])")
_X509 = re.compile(r"\b(x509: [^\"\n]+?)(?:\"|$)")
_TLS = re.compile(r"\b(tls: [a-z][^\"\n]*?)(?:\"|$)")
_HTTP_SERVER = re.compile(r"http: TLS handshake error from (\S+): (.+)$")


class GoLog(LogFormat):
    name = "go"
    title = "Go crypto/tls error output"
    library = "Go"
    keywords = ("x509: ", "tls: ", "goroutine ", "panic: ", "/usr/local/go/")
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = (
        (re.compile(r"\bx509: (?:certificate|cannot validate|failed)"), 4),
        (re.compile(r"\bremote error: tls: "), 4),
        (
            re.compile(
                r"\btls: (?:failed to verify|first record|client didn't|handshake failure|no supported)"
            ),
            4,
        ),
        (re.compile(r"http: TLS handshake error from "), 5),
        (re.compile(r"^(?:goroutine \d+|panic: |\t/usr/local/go/)"), 1),
    )

    def __init__(self, builder: LogBuilder) -> None:
        super().__init__(builder)

    def feed(self, no: int, raw: str, text: str) -> None:
        t = text.strip()
        if "x509: " not in t and "tls: " not in t:
            return
        server = _HTTP_SERVER.search(t)
        if not (server or _REMOTE.search(t) or _X509.search(t) or _TLS.search(t)):
            return
        c: ConnState = self.b.new_connection(no)
        if server is not None:
            self.b.set_side(c, Side.SERVER, "net/http server log")
            c.facts["client_address"] = server.group(1)
            t = server.group(2)
        m = _REMOTE.search(t)
        if m is not None:
            code = GO_ALERTS.get(m.group(1).strip())
            if code is not None:
                self.b.alert(c, RECEIVED, warning_level(code), code, no)
        x = _X509.search(t)
        if x is not None:
            text_ = x.group(1).strip()
            c.facts["verify_error"] = {
                "text": text_,
                "code": None,
                "library": "Go",
                "where": self.b.where(no),
            }
            self.b.error(c, text_.split(":", 1)[1].strip()[:120], no, t, text=text_)
            c.completed = False
        tl = _TLS.search(t)
        if tl is not None and m is None:
            msg = tl.group(1).strip()
            if "client didn't provide a certificate" in msg:
                self.b.set_side(c, Side.SERVER, "the server's own message")
                self.b.fact(c, "client_certificate_empty", True)
                self.b.fact(
                    c,
                    "client_certificate_empty_why",
                    "Go logged that the client provided no certificate",
                )
            if x is None:
                self.b.error(c, msg[:120], no, t, text=msg)
            c.completed = False
