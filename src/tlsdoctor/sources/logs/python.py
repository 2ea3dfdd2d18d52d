"""Python ``ssl`` error output (tracebacks, ``requests`` / ``urllib3`` / ``aiohttp`` messages).

Python's ``ssl`` module wraps OpenSSL and writes its errors as
``[SSL: REASON] reason text (_ssl.c:1006)`` (``Modules/_ssl.c``,
``fill_and_set_sslerror``), verification failures as
``ssl.SSLCertVerificationError: ... certificate verify failed: TEXT``; a reason
``TLSV1_ALERT_UNKNOWN_CA`` / ``SSLV3_ALERT_HANDSHAKE_FAILURE`` /
``TLSV13_ALERT_CERTIFICATE_REQUIRED`` is an alert the peer sent.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.sources.logs.base import LogFormat, alert_code, warning_level
from tlsdoctor.sources.logs.builder import RECEIVED, ConnState, LogBuilder

_BRACKET = re.compile(r"\[SSL(?:: ([A-Z0-9_]+))?\] ([^(\]\"']*?)(?: \(_ssl\.c:\d+\))?(?:['\")]|$)")
_VERIFY = re.compile(r"certificate verify failed: ([^(\"']+?)(?: \(_ssl\.c:\d+\))?(?:['\")]|$)")
_HOSTNAME = re.compile(
    r"hostname '([^']+)' doesn't match|Hostname mismatch, certificate is not valid for '([^']+)'"
)
_ALERT_REASON = re.compile(r"(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)")
_HOST = re.compile(r"host='([^']+)'")


class PythonLog(LogFormat):
    name = "python"
    title = "Python ssl error output"
    library = "Python"
    keywords = ("[SSL", "_ssl.c", "ssl.SSL", "SSLCertVerificationError", "Traceback")
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = (
        (re.compile(r"\[SSL: [A-Z0-9_]+\]"), 4),
        (re.compile(r"\(_ssl\.c:\d+\)"), 3),
        (re.compile(r"\bssl\.SSL\w*Error\b|SSLCertVerificationError"), 4),
        (re.compile(r"^Traceback \(most recent call last\):"), 1),
    )

    def __init__(self, builder: LogBuilder) -> None:
        super().__init__(builder)
        self.conn: ConnState | None = None
        self.last_error_line = -10

    def feed(self, no: int, raw: str, text: str) -> None:
        t = text.strip()
        if t.startswith("Traceback (most recent call last)"):
            self.conn = None
            return
        if "SSL" not in t and "certificate verify failed" not in t and "ostname" not in t:
            return
        b = _BRACKET.search(t)
        v = _VERIFY.search(t)
        h = _HOSTNAME.search(t)
        if b is None and v is None and h is None:
            return
        if self.conn is None or no - self.last_error_line > 40:
            self.conn = self.b.new_connection(no)
        c = self.conn
        self.last_error_line = no
        host = _HOST.search(t)
        if host is not None and c.server_name is None:
            c.server_name = host.group(1)
        if b is not None and b.group(1):
            reason = b.group(1)
            self.b.error(c, reason, no, t, library="OpenSSL", text=b.group(2).strip() or None)
            a = _ALERT_REASON.match(reason)
            if a is not None:
                code = alert_code(a.group(1))
                if code is not None and not any(x.description == code for x in c.alerts):
                    self.b.alert(c, RECEIVED, warning_level(code), code, no)
        if v is not None or h is not None:
            text_ = v.group(1).strip() if v is not None else t
            if "verify_error" not in c.facts:
                c.facts["verify_error"] = {
                    "text": text_,
                    "code": None,
                    "library": "OpenSSL",
                    "where": self.b.where(no),
                }
        c.completed = False
