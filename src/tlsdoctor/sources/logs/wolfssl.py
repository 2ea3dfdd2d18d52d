"""wolfSSL debug output (``wolfSSL_Debugging_ON()``, or a ``wolfSSL_SetLoggingCb`` callback).

A wolfSSL built with ``--enable-debug`` (DEBUG_WOLFSSL) logs, from
``wolfssl/src/internal.c``, ``ssl.c`` and ``tls13.c`` (wolfSSL 5.x):

- ``wolfSSL Entering NAME`` / ``wolfSSL Leaving NAME, return N`` around API
  and internal calls — the API calls give the order the application called
  ``wolfSSL_CTX_use_certificate_file``, ``wolfSSL_new`` (logged ``SSL_new``),
  ``wolfSSL_connect`` ...;
- ``connect state: X`` / ``accept state X`` as the state machine moves;
- ``processing server hello`` and the like for each received handshake message,
  ``Leaving SendX, return 0`` and ``sent: X`` for sent ones;
- ``got ALERT!`` then ``Alert type: NAME`` or ``error = N`` with the alert
  number; ``wolfSSL error occurred, error = -N`` with wolfSSL's error code;
- verification lines: ``Verified Peer's cert``, ``Failed to verify Peer's
  cert``; on a server, ``client didn't present peer cert``.

A logging callback only adds a prefix (time, level), which the reader strips.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.model import Side
from tlsdoctor.sources.logs.base import LogFormat, alert_code, handshake_name, warning_level
from tlsdoctor.sources.logs.builder import RECEIVED, SENT, ConnState, LogBuilder

_ENTER = re.compile(r"wolfSSL Entering (\w+)")
_LEAVE_SEND = re.compile(r"wolfSSL Leaving Send(?:Tls13)?(\w+?)(?:\(\))?, return (-?\d+)")
_LEAVE_CONNECT = re.compile(
    r"wolfSSL Leaving (?:wolfSSL_|SSL_)(connect|accept)(?:_TLSv13)?(?:\(\))?, return (-?\d+)"
)
_STATE = re.compile(r"\b(connect|accept) state:? (\w+)")
_PROCESSING = re.compile(r"^processing ([a-z ]+?)\s*$")
_SENT = re.compile(r"^sent: ([a-z ]+?)\s*$")
_ERROR = re.compile(r"\berror = (-?\d+)")
_ALERT_TYPE = re.compile(r"^Alert type: (\w+)")
_VERIFY_FAILED = re.compile(
    r"Failed to verify (?:Peer's cert|CA from chain)|No CA signer to verify with|"
    r"ASN_NO_SIGNER_E|Domain name mismatch|DOMAIN_NAME_MISMATCH|ASN_AFTER_DATE_E|"
    r"ASN_BEFORE_DATE_E|Peer cert is expired|Cert name mismatch"
)

_SEND_NAMES = {"ChangeCipher": "ChangeCipherSpec", "TicketEncrypt": "NewSessionTicket"}
"""Send functions not named after their message; the others go through handshake_name."""

_WORDS = (
    "wolfSSL",
    "state",
    "processing ",
    "sent: ",
    "ALERT",
    "Alert type",
    "error = ",
    "peer cert",
    "Peer's cert",
    "CA signer",
    "CA from chain",
    "ASN_",
    "omain name",
    "DOMAIN_NAME",
    "Cert name",
    "expired",
)
"""Every line this parser reads holds one of these: a cheap test to skip the rest."""

_NOT_FATAL = frozenset({-323, -327})
"""WANT_READ and WANT_WRITE (wolfssl/error-ssl.h): a non-blocking call to retry, not a failure."""

_PUBLIC = re.compile(r"^(?:wolfSSL_|SSL_|wolfTLS|wolfSSLv|wolfDTLS|TLSv1|SSLv23)")
_SKIP_API = re.compile(r"get_options|get_error|ERR_|CertManager|_get_|Cleanup|Init$")


def api_name(fn: str) -> str:
    """wolfSSL logs some API functions under their OpenSSL names ("SSL_new")."""
    fn = fn.rstrip("()")
    return "wolf" + fn if fn.startswith("SSL_") else fn


class WolfSSLLog(LogFormat):
    name = "wolfssl"
    title = "wolfSSL debug output"
    library = "wolfSSL"
    keywords = ("wolfSSL", "connect state", "accept state", "got ALERT", "processing ")
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = (
        (re.compile(r"wolfSSL Entering \w"), 3),
        (re.compile(r"wolfSSL Leaving \w"), 2),
        (re.compile(r"\b(?:connect|accept) state:? [A-Z_]{4,}"), 3),
        (re.compile(r"got ALERT!|wolfSSL error occurred"), 4),
        (re.compile(r"^(?:.*\s)?processing (?:server|client) hello\b"), 2),
    )

    def __init__(self, builder: LogBuilder) -> None:
        super().__init__(builder)
        self.conn: ConnState | None = None
        self.after_alert = False
        self.alert_line = 0

    # a session is open from wolfSSL_new until wolfSSL_free
    def _conn(self, no: int) -> ConnState:
        if self.conn is None:
            self.conn = self.b.new_connection(no)
        return self.conn

    def feed(self, no: int, raw: str, text: str) -> None:
        t = text.strip()
        if not any(k in t for k in _WORDS):
            return
        m = _ENTER.search(t)
        if m:
            self._enter(no, m.group(1))
            return
        m = _LEAVE_SEND.search(t)
        if m:
            name = _SEND_NAMES.get(m.group(1)) or handshake_name(m.group(1))
            if name and m.group(2) == "0":
                self.b.message(self._conn(no), SENT, name, no)
            return
        m = _LEAVE_CONNECT.search(t)
        if m:
            c = self._conn(no)
            self.b.set_side(
                c, Side.CLIENT if m.group(1) == "connect" else Side.SERVER, "wolfSSL_" + m.group(1)
            )
            if m.group(2) == "1" and c.completed is None:
                c.completed = True
            return
        m = _STATE.search(t)
        if m:
            c = self._conn(no)
            self.b.set_side(
                c, Side.CLIENT if m.group(1) == "connect" else Side.SERVER, f"{m.group(1)} state"
            )
            return
        m = _PROCESSING.match(t)
        if m:
            name = handshake_name(m.group(1))
            if name:
                self.b.message(self._conn(no), RECEIVED, name, no)
            return
        m = _SENT.match(t)
        if m:
            self._sent_line(no, m.group(1))
            return
        if t.startswith("got ALERT!"):
            self.after_alert = True
            self.alert_line = no
            return
        m = _ALERT_TYPE.match(t)
        if m and self.after_alert:
            code = alert_code(m.group(1))
            if code is not None:
                self.b.alert(self._conn(no), RECEIVED, warning_level(code), code, self.alert_line)
                self.after_alert = False
            return
        m = _ERROR.search(t)
        if m:
            self._error(no, int(m.group(1)), t)
            return
        if "client didn't present peer cert" in t or "No peer cert from Client" in t:
            c = self._conn(no)
            self.b.set_side(c, Side.SERVER, "the server's own message")
            self.b.fact(c, "client_certificate_empty", True)
            self.b.fact(c, "client_certificate_empty_why", f"wolfSSL logged \u201c{t[:80]}\u201d")
            return
        if _VERIFY_FAILED.search(t):
            c = self._conn(no)
            self.b.fact(
                c,
                "verify_error",
                {"text": t[:200], "code": None, "library": self.library, "where": self.b.where(no)},
            )
            return
        if t.startswith("Verified Peer's cert"):
            self.b.fact(self._conn(no), "peer_verified", True)

    def _enter(self, no: int, fn: str) -> None:
        name = api_name(fn)
        if not _PUBLIC.match(name) or _SKIP_API.search(name):
            return
        if name == "wolfSSL_new":
            self.conn = self.b.new_connection(no)
        self.b.api(self.conn, name, no)
        if name in ("wolfSSL_connect", "wolfSSL_accept") and self.conn is not None:
            side = Side.CLIENT if name == "wolfSSL_connect" else Side.SERVER
            self.b.set_side(self.conn, side, name)
        if name == "wolfSSL_free":
            self.conn = None

    def _sent_line(self, no: int, words: str) -> None:
        name = handshake_name(words)
        if name is None or name == "CertificateVerify":
            # wolfSSL prints "sent: certificate verify" even when it sent none
            # (no client certificate); the Leaving SendCertificateVerify line
            # is the reliable one.
            return
        c = self._conn(no)
        last_sent = next((m for m in reversed(c.msgs) if m.direction == SENT), None)
        if last_sent is not None and last_sent.name == name and no - last_sent.line < 8:
            return
        self.b.message(c, SENT, name, no)

    def _error(self, no: int, code: int, line: str) -> None:
        c = self._conn(no)
        if self.after_alert and 0 <= code < 256:
            self.b.alert(c, RECEIVED, warning_level(code), code, self.alert_line)
            self.after_alert = False
            return
        if code >= 0:
            return
        self.after_alert = False
        if code in _NOT_FATAL:
            return
        self.b.error(c, str(code), no, line)
        if c.completed is None:
            c.completed = False
        vf = c.facts.get("verify_error")
        if (
            isinstance(vf, dict)
            and vf.get("code") is None
            and code in (-150, -151, -155, -188, -322, -329)
        ):
            vf["code"] = str(code)

    def finish(self) -> None:
        for c in self.b.conns:
            _infer_empty_client_certificate(self.b, c)


def _infer_empty_client_certificate(b: LogBuilder, c: ConnState) -> None:
    """A client answers CertificateRequest with a Certificate message and, only
    when that message holds a certificate, a CertificateVerify (RFC 5246
    §7.4.8, RFC 8446 §4.4.3).  wolfSSL logs ``Leaving SendCertificateVerify``
    only when it signed one, so a Certificate sent, then Finished or
    ClientKeyExchange, with no CertificateVerify between, was empty."""
    if c.side is not Side.CLIENT or "client_certificate_empty" in c.facts:
        return
    names = [(m.direction, m.name) for m in c.msgs]
    if (RECEIVED, "CertificateRequest") not in names or (SENT, "Certificate") not in names:
        return
    i = names.index((SENT, "Certificate"))
    rest = names[i + 1 :]
    if (SENT, "Finished") not in rest:
        return
    if (SENT, "CertificateVerify") in rest[: rest.index((SENT, "Finished"))]:
        return
    b.fact(c, "client_certificate_empty", True)
    b.fact(
        c,
        "client_certificate_empty_why",
        "the client sent its Certificate message and then no CertificateVerify, "
        "which a client sends only when it has a certificate",
    )
