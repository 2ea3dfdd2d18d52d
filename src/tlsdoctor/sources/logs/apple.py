"""Apple console / Xcode logs: BoringSSL inside Network.framework, CFNetwork, NSURLSession.

On iOS and macOS, TLS is BoringSSL (``libboringssl.dylib``) driven by
Network.framework; its log lines carry the function and line, the connection
(``[C1.1:2]``) and the SSL object, e.g.::

    ... [BoringSSL] boringssl_context_info_handler(2046) [C1.1:2][0x7fb0...] Client handshake state: TLS 1.3 client read_server_certificate
    ... boringssl_session_handshake_incomplete(...) [C1.1:2][0x7fb0...] TLS connected [version(0x0304) ciphersuite(0x1302) group(0x001d) ... ocsp(0) sct(0)]

We read the handshake states (BoringSSL's ``SSL_state_string_long`` names:
``read_server_hello``, ``send_client_certificate`` ... — entering a read state
means that message arrives next, so they are what the client saw, not bytes),
the ``TLS connected [...]`` summary (version, suite, group, OCSP and SCT flags
as numbers), alerts (``Alert level: fatal, desc: 46``), BoringSSL error-queue
lines, the trust evaluation (``Trust evaluate failure: [leaf CTRequired]``,
``No TLS-provided SCTs``, ``SecTrustSetOCSPResponse result: 0``), and the
NSURLSession / CFNetwork errors (``Code=-1200``, ``_kCFStreamErrorCodeKey=-9802``,
``(kCFStreamErrorDomainSSL, -9802)``, ``error code: -1200 [3:-9802]``).

Apple's log format is not documented line by line; the forms above are those
the platform prints in practice and that the issue describes.  Our reading of
the SCT lines: ``No TLS-provided SCTs`` means none came in the TLS extension,
``SecTrustSetOCSPResponse result: 0`` / ``ocsp(0)`` that no stapled OCSP
response (so no SCTs from OCSP) was given to trust evaluation.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tlsdoctor.model import Side
from tlsdoctor.sources.logs.base import LogFormat, alert_code, warning_level
from tlsdoctor.sources.logs.builder import RECEIVED, SENT, ConnState, LogBuilder

_CONN_ID = re.compile(r"\[(C\d+(?:\.\d+)*)(?::\d+)?\]")
_STATE = re.compile(
    r"(Client|Server) handshake state: (?:(TLS 1\.[0-3]|TLS|SSL 3\.0|DTLS) )?(?:client |server )?(\w+)"
)
_CONNECTED = re.compile(r"TLS connected \[([^\]]*)\]")
_FIELD = re.compile(r"(\w+)\(([^)]*)\)")
_CONFIGURED = re.compile(r"TLS configured \[[^\]]*\bname\(([^)]+)\)")
_ALERT = re.compile(
    r"(?:(read|write|received|sent|sending|receiving)\s+)?alert[,:]?\s+level:?\s*(fatal|warning|\d)[,;]\s*(?:desc(?:ription)?):?\s*(\d+|[a-z_ ]+?)\s*(?:$|[,\]])",
    re.I,
)
_ERRQ = re.compile(r"error:([0-9A-Fa-f]{8}):[^:]*:[^:]*:([A-Z0-9_]+)")
_TRUST_FAIL = re.compile(
    r"Trust evaluat\w* (?:failure|failed)[: ]*(.*)$|SecTrustEvaluate\w* (?:failed|returned false)[: ]*(.*)$|ATS failed system trust(.*)$"
)
_TRUST_STATUS = re.compile(r"(?:System )?Trust Evaluation yielded status\((-?\d+)\)")
_NO_TLS_SCTS = re.compile(r"No TLS-provided SCTs|TLS-provided SCTs: 0\b")
_OCSP_SET = re.compile(r"SecTrustSetOCSPResponse result: (-?\d+)")
_NSURL = re.compile(r"\bCode=(-\d{3,5})\b")
_CFSTREAM = re.compile(r"_kCFStreamErrorCodeKey=(-\d{3,5})")
_LOAD_FAILED = re.compile(
    r"(?:HTTP load failed|load failed)[^(]*\((?:kCFStreamErrorDomainSSL|error code)[,:]? (-\d{3,5})(?: \[\d+:(-\d{3,5})\])?\)"
)
_HANDSHAKE_FAILED = re.compile(r"SSLHandshake failed \((-\d{3,5})\)")
_URL = re.compile(r"NSErrorFailingURL(?:String)?Key=https?://([^/:,}\s]+)")
_CT_WORDS = re.compile(
    r"CTRequired|Certificate Transparency|\bCT (?:policy|requirement)|\bSCT", re.I
)
_OTHER_TRUST_REASON = re.compile(
    r"TemporalValidity|SSLHostname|AnchorTrusted|MissingIntermediate|ValidLeaf|KeySize|"
    r"SignatureHashAlgorithms|Revocation|ExtendedKeyUsage|BasicConstraints"
)

# SecTrust result keys (Security framework, SecPolicy checks) in words.
_TRUST_KEYS = (
    (
        "CTRequired",
        "the certificate lacks the SCTs Apple's Certificate Transparency policy requires",
    ),
    ("TemporalValidity", "a certificate has expired or is not yet valid"),
    ("SSLHostname", "the certificate does not name the host"),
    ("AnchorTrusted", "the chain does not end at a root the device trusts"),
    ("MissingIntermediate", "an intermediate certificate is missing"),
    ("KeySize", "a key is too small"),
    ("SignatureHashAlgorithms", "a certificate is signed with a weak hash"),
    ("ExtendedKeyUsage", "the certificate may not be used for TLS servers"),
    ("ValidityPeriodMaximums", "the certificate's lifetime is longer than Apple allows"),
)

_WORDS = (
    "handshake state",
    "TLS connected",
    "TLS configured",
    "lert",
    "SCT",
    "SecTrust",
    "Trust",
    "error:",
    "Code=",
    "kCFStream",
    "SSLHandshake",
    "load failed",
)
"""Every line this parser reads holds one of these: a cheap test to skip the rest."""

_STATE_MESSAGES: dict[str, tuple[str, str]] = {
    "start_connect": (SENT, "ClientHello"),
    "send_second_client_hello": (SENT, "ClientHello"),
    "read_hello_retry_request": (RECEIVED, "HelloRetryRequest"),
    "read_server_hello": (RECEIVED, "ServerHello"),
    "read_encrypted_extensions": (RECEIVED, "EncryptedExtensions"),
    "read_certificate_request": (RECEIVED, "CertificateRequest"),
    "read_server_certificate": (RECEIVED, "Certificate"),
    "read_certificate_status": (RECEIVED, "CertificateStatus"),
    "read_server_key_exchange": (RECEIVED, "ServerKeyExchange"),
    "read_server_hello_done": (RECEIVED, "ServerHelloDone"),
    "read_server_certificate_verify": (RECEIVED, "CertificateVerify"),
    "read_server_finished": (RECEIVED, "Finished"),
    "read_session_ticket": (RECEIVED, "NewSessionTicket"),
    "send_client_certificate": (SENT, "Certificate"),
    "send_client_key_exchange": (SENT, "ClientKeyExchange"),
    "send_client_certificate_verify": (SENT, "CertificateVerify"),
    "send_client_finished": (SENT, "Finished"),
}


class AppleLog(LogFormat):
    name = "apple"
    title = "Apple console / Xcode log (BoringSSL, Network.framework, CFNetwork)"
    library = "Apple"
    keywords = (
        "BoringSSL",
        "boringssl",
        "handshake state",
        "TLS connected",
        "kCFStream",
        "NSURLError",
        "CFNetwork",
        "NSURLSession",
        "SCTs",
        "SecTrust",
    )
    markers: ClassVar[tuple[tuple[re.Pattern[str], int], ...]] = (
        (re.compile(r"\[BoringSSL\]|libboringssl\.dylib|com\.apple\.network:boringssl"), 4),
        (
            re.compile(r"\b(?:boringssl_(?:context|session)_\w+|nw_protocol_boringssl_\w+)\(\d+\)"),
            4,
        ),
        (re.compile(r"(?:Client|Server) handshake state: "), 3),
        (re.compile(r"TLS connected \[version\(0x"), 4),
        (
            re.compile(
                r"kCFStreamErrorDomainSSL|_kCFStreamErrorCodeKey|NSURLErrorDomain|CFNetwork|NSURLSession"
            ),
            3,
        ),
        (re.compile(r"No TLS-provided SCTs|SecTrust\w+"), 3),
    )

    def __init__(self, builder: LogBuilder) -> None:
        super().__init__(builder)
        self.last: ConnState | None = None
        self.pending: dict[int, tuple[str, str, int]] = {}
        """Connection → the message its current state waits for (direction, name, line).

        BoringSSL logs a state when it enters it: ``read_server_hello`` means
        the ServerHello comes next.  It counts as seen once the machine moves
        on (or the trust evaluation of a read certificate starts), and not at
        all when an alert or error ends the handshake first."""

    def _flush(self, c: ConnState) -> None:
        p = self.pending.pop(c.number, None)
        if p is None:
            return
        direction, name, line = p
        self.b.message(c, direction, name, line)
        if name == "HelloRetryRequest":
            self.b.fact(c, "hello_retry_request", self.b.where(line))

    def _conn(self, no: int, raw: str) -> ConnState:
        m = _CONN_ID.search(raw)
        if m is not None:
            key = m.group(1)
            c = self.b.keyed(key)
            if c is None:
                c = self.b.new_connection(no, key)
                self.b.set_side(c, Side.CLIENT, "an app's log")
            self.last = c
            return self.b.current(no, key)
        if self.last is None:
            self.last = self.b.new_connection(no)
            self.b.set_side(self.last, Side.CLIENT, "an app's log")
        return self.last

    def feed(self, no: int, raw: str, text: str) -> None:
        t = raw
        if not any(k in t for k in _WORDS):
            return
        m = _STATE.search(t)
        if m is not None:
            self._state(no, raw, m)
            return
        m = _CONNECTED.search(t)
        if m is not None:
            self._connected(no, raw, m.group(1))
            return
        m = _CONFIGURED.search(t)
        if m is not None:
            c = self._conn(no, raw)
            c.server_name = c.server_name or m.group(1)
            return
        m = _ALERT.search(t)
        if m is not None and ("boringssl" in t.lower() or "alert" in t.lower()):
            self._alert(no, raw, m)
            return
        if _NO_TLS_SCTS.search(t):
            c = self._conn(no, raw)
            self._certificate_read(c)
            self._scts(c)["tls-extension"] = 0
            self.b.fact(c, "no_tls_scts_line", self.b.where(no))
            return
        m = _OCSP_SET.search(t)
        if m is not None:
            c = self._conn(no, raw)
            if m.group(1) == "0":
                self._scts(c)["ocsp"] = 0
            return
        m = _TRUST_FAIL.search(t)
        if m is not None:
            reason = next((g for g in m.groups() if g), "").strip()
            self._trust_failed(no, raw, reason or t.strip())
            return
        m = _TRUST_STATUS.search(t)
        if m is not None:
            c = self._conn(no, raw)
            if m.group(1) != "0":
                self._trust_failed(no, raw, f"trust evaluation status {m.group(1)}")
                self.b.error(c, m.group(1), no, t)
            return
        m = _ERRQ.search(t)
        if m is not None:
            c = self._conn(no, raw)
            self.b.error(c, m.group(1).upper(), no, t, library="BoringSSL", text=m.group(2))
            a = re.match(r"(?:SSLV3|TLSV1)_ALERT_([A-Z_]+)", m.group(2))
            if a is not None:
                code = alert_code(a.group(1))
                if code is not None and not any(x.description == code for x in c.alerts):
                    self.b.alert(c, RECEIVED, warning_level(code), code, no)
            return
        self._urlsession(no, raw)

    def _certificate_read(self, c: ConnState) -> None:
        """Trust evaluation runs on a certificate that has arrived."""
        p = self.pending.get(c.number)
        if p is not None and p[1] == "Certificate" and p[0] == RECEIVED:
            self._flush(c)

    def _scts(self, c: ConnState) -> dict[str, int]:
        s = c.facts.setdefault("sct_sources", {})
        assert isinstance(s, dict)
        return s

    def _state(self, no: int, raw: str, m: re.Match[str]) -> None:
        c = self._conn(no, raw)
        self.b.set_side(
            c, Side.CLIENT if m.group(1) == "Client" else Side.SERVER, "handshake state"
        )
        if m.group(2) == "TLS 1.3":
            c.version = c.version or 0x0304
        state = m.group(3)
        current = self.pending.get(c.number)
        hit = _STATE_MESSAGES.get(state)
        if (
            current is not None
            and hit is not None
            and current[1] == hit[1]
            and current[0] == hit[0]
        ):
            return  # the same state logged again
        self._flush(c)
        if hit is None:
            if state == "done" and c.completed is None:
                c.completed = True
            return
        direction, name = hit
        if name == "ClientHello" and c.has("ClientHello") and state == "start_connect":
            return
        self.pending[c.number] = (direction, name, no)

    def _connected(self, no: int, raw: str, body: str) -> None:
        c = self._conn(no, raw)
        self._flush(c)
        fields = dict(_FIELD.findall(body))
        params: dict[str, object] = {}
        for key, attr in (
            ("version", "version"),
            ("ciphersuite", "cipher_suite"),
            ("group", "group"),
        ):
            v = fields.get(key)
            if v is not None:
                try:
                    setattr(c, attr, int(v, 16) if v.lower().startswith("0x") else int(v))
                except ValueError:
                    pass
                params[attr] = v
        for flag, fact in (("ocsp", "ocsp_stapled"), ("sct", "sct_in_handshake")):
            if flag in fields:
                value = fields[flag] not in ("0", "false", "")
                self.b.fact(c, fact, value)
                params[flag] = value
        if "alpn" in fields:
            params["alpn"] = fields["alpn"]
        if "resumed" in fields:
            params["resumed"] = fields["resumed"] not in ("0", "false")
        self.b.fact(c, "params", params)
        if c.completed is None:
            c.completed = True

    def _alert(self, no: int, raw: str, m: re.Match[str]) -> None:
        c = self._conn(no, raw)
        verb = (m.group(1) or "").lower()
        lvl = m.group(2).lower()
        level = 2 if lvl in ("fatal", "2") else 1
        d = m.group(3).strip()
        desc = int(d) if d.isdigit() else alert_code(d)
        if desc is None:
            return
        self.pending.pop(c.number, None)
        if verb in ("write", "sent", "sending"):
            direction = SENT
        elif verb in ("read", "received", "receiving"):
            direction = RECEIVED
        else:
            # The callback logs both directions alike; right after the client's
            # own trust evaluation failed, the alert is the one it sends.
            direction = SENT if "trust_failed" in c.facts else RECEIVED
        self.b.alert(c, direction, level, desc, no)

    def _trust_failed(self, no: int, raw: str, reason: str) -> None:
        c = self._conn(no, raw)
        self._certificate_read(c)
        self.b.fact(c, "trust_failed", self.b.where(no))
        if "verify_error" not in c.facts:
            words = [t for key, t in _TRUST_KEYS if key in reason]
            text = "; ".join(words) + f" ({reason.strip()})" if words else reason
            c.facts["verify_error"] = {
                "text": text[:240],
                "code": None,
                "library": self.library,
                "where": self.b.where(no),
            }
        if _CT_WORDS.search(reason):
            c.facts["ct_required"] = True

    def _urlsession(self, no: int, raw: str) -> None:
        codes: list[str] = []
        for rx in (_NSURL, _CFSTREAM, _HANDSHAKE_FAILED):
            codes += rx.findall(raw)
        m = _LOAD_FAILED.search(raw)
        if m is not None:
            codes += [g for g in m.groups() if g]
        if not codes:
            return
        c = self._conn(no, raw)
        for code in dict.fromkeys(codes):
            self.b.error(c, code, no, raw)
        u = _URL.search(raw)
        if u is not None and c.server_name is None:
            c.server_name = u.group(1)
        if c.completed is None or c.completed is True:
            c.completed = False

    def finish(self) -> None:
        for c in self.b.conns:
            if c.completed is not False and not c.failed:
                self._flush(c)
            self.pending.pop(c.number, None)
            scts = c.facts.get("sct_sources")
            if not isinstance(scts, dict) or "tls-extension" not in scts:
                continue
            if c.facts.get("ocsp_stapled") is False:
                scts.setdefault("ocsp", 0)
            if c.facts.get("ct_required"):
                scts.setdefault("certificate", 0)
                continue
            # No reason named, but the client distrusted a chain that came with
            # no SCTs in the handshake and no OCSP staple: the usual Apple CT case.
            vf = c.facts.get("verify_error")
            reason = vf.get("text", "") if isinstance(vf, dict) else ""
            rejected = any(
                a.direction == SENT and a.description in (42, 45, 46, 48) for a in c.alerts
            )
            if (
                "trust_failed" in c.facts
                and rejected
                and scts.get("ocsp") == 0
                and not _OTHER_TRUST_REASON.search(reason)
            ):
                c.facts["ct_suspected"] = True
