"""Rules that read what a debug log shows: API call order, alerts, the writer's own verdicts.

A log tells things a capture cannot: the order in which the application called
the library (RFC-independent, library semantics), which side wrote it, the
library's own verification result and error codes.  These rules use them;
the transcript rules (``mtls.empty-client-certificate``, the chain rules on
dumped certificates) apply unchanged.  Alerts: RFC 8446 §6, RFC 5246 §7.2.
The ``note.*`` rules name well-known red herrings in logs, at INFO.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import (
    AlertSeen,
    Connection,
    Evidence,
    EvidenceItem,
    Finding,
    Fix,
    LibraryError,
    Severity,
    Side,
    Where,
    WireMessage,
)
from tlsdoctor.rules import transcripts as T
from tlsdoctor.rules.alert import CERT_REJECTING
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.rules.ct import log_shows_no_scts
from tlsdoctor.wire.names import alert_label

_SESSION_NEW = re.compile(r"^(?:wolfSSL_new|SSL_new)$")
_CTX_CREDENTIALS = re.compile(
    r"^(?:wolfSSL_CTX_use_(?:certificate|PrivateKey|certificate_chain)\w*|"
    r"SSL_CTX_use_(?:certificate|PrivateKey|certificate_chain|cert_and_key)\w*)$"
)
_SESSION_CREDENTIALS = re.compile(
    r"^(?:wolfSSL_use_(?:certificate|PrivateKey|certificate_chain)\w*|"
    r"SSL_use_(?:certificate|PrivateKey|certificate_chain|cert_and_key)\w*)$"
)


def _conns(e: Evidence) -> list[Connection]:
    return [c for c in e.connections if c.transcript is not None]


def _logs(e: Evidence, p: Policy) -> bool:
    return any(c.log_side is not None for c in e.connections)


def _where(c: Connection, w: Where | None) -> Where:
    return w or Where(c.id)


def _fatal_from(c: Connection, sender: Side) -> AlertSeen | None:
    return c.outcome.first_fatal(sender) if c.outcome is not None else None


def _error_text(err: LibraryError) -> str:
    label = f"{err.library} {err.name or ''} ({err.code})".replace("  ", " ").replace(" ()", "")
    if err.name is None:
        label = f"{err.library} error {err.code}"
    return label + (f": {err.text}" if err.text else "")


# ----------------------------------------------------------------- API order


def _api_order(c: Connection) -> tuple[tuple[str, Where], list[tuple[str, Where]]] | None:
    """(the session creation, the context credential loads after it) when the log shows both."""
    calls = list(c.api_calls)
    new_at = next((i for i, (n, _) in enumerate(calls) if _SESSION_NEW.match(n)), None)
    if new_at is None:
        return None
    after = calls[new_at + 1 :]
    late = [(n, w) for n, w in after if _CTX_CREDENTIALS.match(n)]
    if not late or any(_SESSION_CREDENTIALS.match(n) for n, _ in after):
        return None
    if any(_CTX_CREDENTIALS.match(n) for n, _ in calls[:new_at]):
        return None  # credentials were loaded before too: the late call only replaces them
    return calls[new_at], late


def _has_api_calls(e: Evidence, p: Policy) -> bool:
    return any(c.api_calls for c in e.connections)


@rule(
    "mtls.credentials-loaded-after-session",
    Severity.FATAL,
    "The certificate and key were loaded into the context after the session was created",
    [
        "wolfSSL manual §17 (wolfSSL_new copies the context's certificate and key)",
        "OpenSSL SSL_new(3)",
    ],
    applies=_has_api_calls,
    ok="certificates and keys were loaded before the session was created",
)
def credentials_loaded_after_session(e: Evidence, p: Policy) -> Iterator[Result]:
    """wolfSSL_new() (and OpenSSL's SSL_new()) copy the certificate and private
    key the context holds at that moment into the new session. Loading them
    into the context afterwards — wolfSSL_CTX_use_certificate_file,
    wolfSSL_CTX_use_PrivateKey_file, SSL_CTX_use_certificate... — changes the
    context, not the session already created from it. A client session made
    too early has no certificate, so when the server sends CertificateRequest
    it answers with an empty Certificate message and the server ends the
    handshake (alert 42 bad_certificate, 40 handshake_failure or 116
    certificate_required; wolfSSL then reports -313). The log shows the call
    order, so this explains why the certificate was empty: load the
    credentials first, or load them into the session itself."""
    for c in _conns(e):
        hit = _api_order(c)
        if hit is None:
            continue
        (new_name, new_where), late = hit
        items = [
            EvidenceItem(new_where, f"the session was created ({new_name})"),
            *(
                EvidenceItem(w, f"then {n} loaded credentials into the context")
                for n, w in late[:3]
            ),
        ]
        empty = T.empty_client_certificate(c)
        failed = c.outcome is not None and c.outcome.completed is False
        side = c.log_side or Side.CLIENT
        if empty is not None and side is Side.CLIENT:
            why = c.facts.get("client_certificate_empty_why")
            items.append(
                EvidenceItem(
                    _where(c, empty.where),
                    "the client's Certificate message was empty" + (f" ({why})" if why else ""),
                )
            )
            alert = _fatal_from(c, Side.SERVER)
            if alert is not None:
                items.append(
                    EvidenceItem(
                        _where(c, alert.where),
                        f"the server then sent fatal alert {alert_label(alert.description)}",
                    )
                )
            severity, explains = Severity.FATAL, failed or alert is not None
            title = (
                f"The client created its session ({new_name}) before loading its certificate and key "
                "into the context, so the session had no certificate and sent an empty one"
            )
        else:
            severity, explains = Severity.WARN, False
            title = (
                f"Credentials were loaded into the context after the session was created ({new_name}); "
                "that session does not use them"
            )
        for err in (c.outcome.library_errors if c.outcome else ())[:2]:
            items.append(EvidenceItem(_where(c, err.where), _error_text(err)))
        yield Finding(
            id="mtls.credentials-loaded-after-session",
            severity=severity,
            title=title,
            explains_outcome=explains,
            evidence=tuple(items),
            clients={"server": "rejects the connection: no client certificate"} if explains else {},
            fixes=(
                Fix(
                    "wolfssl",
                    "Load the certificate and key into the context before wolfSSL_new(), or load "
                    "them into the session with wolfSSL_use_certificate_file / wolfSSL_use_PrivateKey_file.",
                    "ctx = wolfSSL_CTX_new(wolfTLS_client_method());\n"
                    'wolfSSL_CTX_use_certificate_file(ctx, "client.crt", WOLFSSL_FILETYPE_PEM);\n'
                    'wolfSSL_CTX_use_PrivateKey_file(ctx, "client.key", WOLFSSL_FILETYPE_PEM);\n'
                    "ssl = wolfSSL_new(ctx);   /* now the session has them */",
                ),
                Fix(
                    "openssl",
                    "Call SSL_CTX_use_certificate_chain_file and SSL_CTX_use_PrivateKey_file before "
                    "SSL_new, or SSL_use_certificate_chain_file / SSL_use_PrivateKey_file on the session.",
                ),
            ),
            refs=("RFC 8446 §4.4.2", "RFC 5246 §7.4.6"),
            order=-10,
        )


# ----------------------------------------------------------------- alerts


def _own_certificate(c: Connection, side: Side) -> WireMessage | None:
    if c.transcript is None:
        return None
    for m in c.transcript.messages:
        if m.name == "Certificate" and m.sender is side:
            if side is Side.CLIENT and T.empty_client_certificate(c) is m:
                return None
            return m
    return None


_ALERT_MEANING = {
    42: "the peer found the certificate bad (unreadable, or signed in a way it does not accept)",
    43: "the peer does not support this kind of certificate (key type or algorithm)",
    44: "the peer says the certificate was revoked",
    45: "the peer says the certificate has expired (or is not yet valid)",
    46: "the peer could not accept the certificate; Java and Apple clients send this for any "
    "trust failure: unknown or missing issuer, untrusted root, name mismatch",
    48: "the peer does not know the CA that issued the certificate: an intermediate is missing "
    "or the root is not in its trust store",
    49: "the peer refuses this certificate's owner (access denied)",
}


@rule(
    "alert.peer-rejected-certificate",
    Severity.FATAL,
    "The peer rejected the certificate this side sent",
    ["RFC 8446 §6.2", "RFC 5246 §7.2.2"],
    applies=_logs,
    ok="the peer accepted the certificate this side sent (or none was sent)",
)
def peer_rejected_certificate(e: Evidence, p: Policy) -> Iterator[Result]:
    """The side that wrote the log sent its Certificate message and the peer
    answered with a fatal certificate alert: 42 bad_certificate, 43
    unsupported_certificate, 44 certificate_revoked, 45 certificate_expired,
    46 certificate_unknown, 48 unknown_ca or 49 access_denied. The problem is
    in how the peer judges this certificate: on a server's log, the client
    does not trust the chain (missing intermediate, private root it lacks,
    wrong name, expired); on a client's log, the server does not accept the
    client certificate. The log cannot say more than the alert does; the
    peer's own log, or tlsdoctor check against the server, can."""
    for c in _conns(e):
        side = c.log_side
        if side is None:
            continue
        alert = _fatal_from(c, side.other)
        if alert is None or alert.description not in CERT_REJECTING:
            continue
        mine = _own_certificate(c, side)
        if mine is None:
            continue
        n = _cert_count(e, c, side)
        items = [
            EvidenceItem(
                _where(c, mine.where),
                f"this {side.value} sent its Certificate message"
                + (f" ({n} certificate(s))" if n else ""),
            ),
            EvidenceItem(
                _where(c, alert.where),
                f"the {side.other.value} answered with fatal alert {alert_label(alert.description)}",
            ),
        ]
        meaning = _ALERT_MEANING.get(alert.description, "")
        # A client refusing the server's flight is what alert.certificate-rejected
        # reads from any transcript (and links to the chain findings); from the
        # server's own log this finding adds its view and fixes, after them.
        explains, order = True, 20
        if side is Side.SERVER and _right_after_server_flight(c, alert):
            explains, order = False, 11
        if side is Side.SERVER:
            title = f"The client rejected this server's certificate (alert {alert_label(alert.description)})"
            fixes: tuple[Fix, ...] = (
                Fix(
                    "general",
                    "Serve the full chain (leaf, then intermediates), make sure every client trusts the "
                    "root it ends at, and that the certificate names the host the clients connect to. "
                    "tlsdoctor check HOST:PORT shows which of these it is.",
                ),
                Fix(
                    "mbedtls",
                    "Give mbedtls_ssl_conf_own_cert the leaf with its intermediates chained (parse the "
                    "full-chain PEM into one mbedtls_x509_crt).",
                ),
            )
        else:
            title = (
                "The server rejected the client certificate this client sent "
                f"(alert {alert_label(alert.description)})"
            )
            fixes = (
                Fix(
                    "general",
                    "Use a client certificate issued by a CA the server trusts for client "
                    "authentication, with the clientAuth purpose, not expired.",
                ),
            )
        yield Finding(
            id="alert.peer-rejected-certificate",
            severity=Severity.FATAL,
            title=title,
            explains_outcome=explains,
            evidence=tuple(items),
            detail=meaning[:1].upper() + meaning[1:] + "." if meaning else None,
            clients={side.other.value: f"fails: sends alert {alert_label(alert.description)}"},
            fixes=fixes,
            refs=("RFC 8446 §6.2",),
            order=order,
        )


def _right_after_server_flight(c: Connection, alert: AlertSeen) -> bool:
    t = c.transcript
    if t is None:
        return False
    prev = None
    for m in t.messages:
        if (
            m.name == "Alert"
            and m.sender is Side.CLIENT
            and getattr(m.message, "description", None) == alert.description
        ):
            break
        prev = m
    return prev is not None and prev.sender is Side.SERVER


def _cert_count(e: Evidence, c: Connection, side: Side) -> int:
    ch = T.chain_of(e, c, side)
    return len(ch.certs) if ch is not None else 0


def _covered_by_other_rules(c: Connection, alert: AlertSeen) -> bool:
    side = c.log_side
    if side is None:
        return False
    if alert.description in CERT_REJECTING and _own_certificate(c, side) is not None:
        return True  # alert.peer-rejected-certificate
    if alert.sender is Side.SERVER and T.empty_client_certificate(c) is not None:
        return True  # mtls.empty-client-certificate
    # handshake_failure right after the ClientHello: cipher.no-common-suite reads it
    # from any transcript, with what the client offered.
    return alert.sender is Side.SERVER and alert.description == 40 and alert.after == "ClientHello"


_AFTER_HELLO = (
    "the server found nothing it can accept in the ClientHello: no protocol version, cipher "
    "suite or group in common, or a required extension (or a PSK, or SNI) missing"
)


@rule(
    "alert.peer-fatal",
    Severity.FATAL,
    "The peer ended the handshake with a fatal alert",
    ["RFC 8446 §6.2", "RFC 5246 §7.2"],
    applies=_logs,
    ok="the peer sent no fatal alert",
)
def peer_fatal(e: Evidence, p: Policy) -> Iterator[Result]:
    """The side that wrote the log received a fatal alert that no more specific
    rule explains. The alert names the peer's reason in one number; where in
    the handshake it came narrows it down — an alert right after the
    ClientHello means the server found nothing it could accept in it (no common
    version, cipher suite or group, a missing extension or PSK). The peer's own
    log says exactly why."""
    for c in _conns(e):
        side = c.log_side
        if side is None:
            continue
        alert = _fatal_from(c, side.other)
        if alert is None or _covered_by_other_rules(c, alert):
            continue
        items = [
            EvidenceItem(
                _where(c, alert.where),
                f"the {side.other.value} sent fatal alert {alert_label(alert.description)}"
                + (f" after {alert.after}" if alert.after else ""),
            )
        ]
        for err in (c.outcome.library_errors if c.outcome else ())[:3]:
            items.append(EvidenceItem(_where(c, err.where), _error_text(err)))
        detail = None
        if alert.after == "ClientHello" and side is Side.CLIENT:
            detail = _AFTER_HELLO[:1].upper() + _AFTER_HELLO[1:] + "."
        yield Finding(
            id="alert.peer-fatal",
            severity=Severity.FATAL,
            title=(
                f"The {side.other.value} ended the handshake with fatal alert "
                f"{alert_label(alert.description)}"
                + (f" right after the {alert.after}" if alert.after else "")
            ),
            explains_outcome=True,
            evidence=tuple(items),
            detail=detail,
            fixes=(
                Fix(
                    "general",
                    f"Read the {side.other.value}'s log for this connection: it says why it sent the alert. "
                    "tlsdoctor check HOST:PORT probes what the server accepts.",
                ),
            ),
            refs=("RFC 8446 §6.2",),
            order=90,
        )


@rule(
    "log.local-error",
    Severity.FATAL,
    "The library that wrote the log gave up on the handshake with an error",
    ["RFC 8446 §6.2"],
    applies=_logs,
    ok="the library reported no handshake error",
)
def local_error(e: Evidence, p: Policy) -> Iterator[Result]:
    """The connection failed, the peer sent no alert, and the writer's own
    library reported an error code. The catalog says what the code means; it
    is the best description of the failure the log offers when no rule
    recognises the situation more precisely."""
    for c in _conns(e):
        o = c.outcome
        if o is None or o.completed is not False or not o.library_errors or c.log_side is None:
            continue
        if _fatal_from(c, c.log_side.other) is not None or c.facts.get("verify_error"):
            continue
        if T.empty_client_certificate(c) is not None or c.facts.get("client_certificate_empty"):
            continue  # mtls.empty-client-certificate
        err = next((x for x in o.library_errors if x.name), o.library_errors[0])
        yield Finding(
            id="log.local-error",
            severity=Severity.FATAL,
            title=f"The handshake failed with {_error_text(err)}",
            explains_outcome=True,
            evidence=tuple(
                EvidenceItem(_where(c, x.where), _error_text(x)) for x in o.library_errors[:4]
            ),
            fixes=(
                Fix(
                    "general",
                    f"tlsdoctor explain {err.code} gives the causes of this code, most likely first.",
                ),
            ),
            order=95,
        )


# ----------------------------------------------------------------- verification


def _has_peer_chain(e: Evidence, c: Connection) -> bool:
    ch = T.chain_of(e, c, (c.log_side or Side.CLIENT).other)
    return ch is not None and bool(ch.certs)


_VERIFY_FIXES = (
    (
        re.compile(r"expired|not yet valid|validity|NotAfter|TemporalValidity", re.I),
        "Renew the certificate (or fix the clock of the side that checks it).",
    ),
    (
        re.compile(r"name|hostname|CN\b|subject alternative|SSLHostname", re.I),
        "Connect with a name the certificate lists, or issue a certificate that lists this name.",
    ),
    (
        re.compile(r"self[- ]signed", re.I),
        "Have the certificate issued by a CA, or make the client trust this certificate explicitly.",
    ),
    (
        re.compile(
            r"issuer|unknown ca|trusted ca|certification path|signer|untrusted|not trusted|chain",
            re.I,
        ),
        "Serve the intermediate certificates with the leaf, and make sure the client trusts the root "
        "(for a private CA, install its root on the client and pass it to tlsdoctor with --ca).",
    ),
)


@rule(
    "cert.verify-failed",
    Severity.FATAL,
    "The side that wrote the log could not verify the peer's certificate",
    ["RFC 5280 §6.1", "RFC 6125 §6"],
    applies=_logs,
    ok="the peer's certificate was verified (or the log does not say)",
)
def verify_failed(e: Evidence, p: Policy) -> Iterator[Result]:
    """The log contains the library's own verdict on the certificate it was
    given: OpenSSL's "verify error:num=20:unable to get local issuer
    certificate", mbedTLS's verification flags, wolfSSL's "Failed to verify
    Peer's cert" with -188, Java's "PKIX path building failed", GnuTLS's "The
    certificate is NOT trusted", curl's "SSL certificate problem", Go's
    "x509: certificate signed by unknown authority". When the log also dumps
    the certificates, the chain rules name the exact fault and come first; when
    it does not, this verdict is the best explanation of the failure."""
    for c in _conns(e):
        vf = c.facts.get("verify_error")
        if not isinstance(vf, dict):
            continue
        text = str(vf.get("text") or "verification failed")
        code = vf.get("code")
        lib = str(vf.get("library") or "")
        where = vf.get("where") if isinstance(vf.get("where"), Where) else None
        side = c.log_side or Side.CLIENT
        chain_known = _has_peer_chain(e, c)
        items = [
            EvidenceItem(
                _where(c, where),
                f"{lib + ' ' if lib else ''}reported: {text}" + (f" (code {code})" if code else ""),
            )
        ]
        for err in (c.outcome.library_errors if c.outcome else ())[:3]:
            items.append(EvidenceItem(_where(c, err.where), _error_text(err)))
        sent = _fatal_from(c, side)
        if sent is not None:
            items.append(
                EvidenceItem(
                    _where(c, sent.where),
                    f"this {side.value} then sent fatal alert {alert_label(sent.description)}",
                )
            )
        fix = next((f for rx, f in _VERIFY_FIXES if rx.search(text)), None)
        failed = c.outcome is not None and c.outcome.completed is False
        # Certificate Transparency is explained by ct.no-scts, more precisely
        # (it fires on exactly this condition).
        chain_known = chain_known or log_shows_no_scts(c)
        yield Finding(
            id="cert.verify-failed",
            severity=Severity.FATAL,
            title=f"The {side.value} rejected the {side.other.value}'s certificate: {text.rstrip('.')}",
            explains_outcome=failed and not chain_known,
            evidence=tuple(items),
            detail=(
                "Other findings say more precisely what is wrong with the certificate."
                if chain_known
                else None
            ),
            fixes=(Fix("general", fix),) if fix else (),
            refs=("RFC 5280 §6.1",),
            order=95 if chain_known else 8,
        )


# ----------------------------------------------------------------- normal things


@rule(
    "note.hello-retry-request",
    Severity.INFO,
    "A HelloRetryRequest in TLS 1.3 is normal",
    ["RFC 8446 §4.1.4"],
    applies=_logs,
    ok="no HelloRetryRequest",
)
def hello_retry_request(e: Evidence, p: Policy) -> Iterator[Result]:
    """In TLS 1.3 the client guesses which key-exchange group the server wants
    and sends a key share for it. When the guess is wrong, the server answers
    with HelloRetryRequest naming the group it wants, and the client sends a
    second ClientHello. That costs one round trip and is not an error; a log
    that shows it next to a failure did not fail because of it. Offering the
    server's preferred group first (often x25519) avoids the extra trip."""
    for c in _conns(e):
        t = c.transcript
        hrr = t.find("HelloRetryRequest") if t is not None else None
        w = hrr.where if hrr is not None else c.facts.get("hello_retry_request")
        if hrr is None and w is None:
            continue
        yield Finding(
            id="note.hello-retry-request",
            severity=Severity.INFO,
            title="The server asked for another key share (HelloRetryRequest): normal in TLS 1.3, it costs one round trip",
            evidence=(
                EvidenceItem(w if isinstance(w, Where) else Where(c.id), "HelloRetryRequest"),
            ),
            fixes=(
                Fix(
                    "general",
                    "To save the round trip, have the client send a key share for the server's preferred group first.",
                ),
            ),
            refs=("RFC 8446 §4.1.4",),
            order=200,
        )


_VARYING = ("ServerKeyExchange", "CertificateVerify")


@rule(
    "note.der-length-varies",
    Severity.INFO,
    "Signed messages one or two bytes longer on some runs are normal (DER-encoded signatures)",
    ["RFC 8422 §5.4", "RFC 8446 §4.4.3", "ITU-T X.690 §8.3"],
    applies=_logs,
    ok="signed messages had the same length in every handshake",
)
def der_length_varies(e: Evidence, p: Policy) -> Iterator[Result]:
    """An ECDSA (or DSA) signature is two integers in a DER SEQUENCE. DER writes
    an integer in as few bytes as it needs, plus a zero byte when the top bit
    is set, so the same key signs with 70, 71 or 72 bytes (P-256) from one
    handshake to the next. ServerKeyExchange and CertificateVerify carry such
    a signature, so their length moves by a byte or two between runs. Logs
    compared side by side make this look like a difference that matters; it
    does not."""
    for name in _VARYING:
        sizes: dict[int, Where] = {}
        for c in _conns(e):
            assert c.transcript is not None
            for m in c.transcript.messages:
                if m.name == name and m.sender is Side.SERVER and m.size is not None:
                    sizes.setdefault(m.size, m.where or Where(c.id))
        if len(sizes) < 2:
            continue
        lo, hi = min(sizes), max(sizes)
        if hi - lo > 2 * 2:  # two signatures' worth of a byte or two at most
            continue
        yield Finding(
            id="note.der-length-varies",
            severity=Severity.INFO,
            title=f"{name} is {lo} to {hi} bytes long across handshakes: DER-encoded signatures vary by a byte or two, which is normal",
            evidence=tuple(
                EvidenceItem(w, f"{name} of {s} bytes") for s, w in sorted(sizes.items())[:4]
            ),
            refs=("ITU-T X.690 §8.3",),
            order=200,
        )


@rule(
    "note.no-client-cert-not-requested",
    Severity.INFO,
    '"No client certificate" when none was required is normal',
    ["RFC 8446 §4.3.2", "RFC 5246 §7.4.4"],
    applies=_logs,
    ok="no 'client has no certificate' message, or one that mattered",
)
def no_client_cert_not_requested(e: Evidence, p: Policy) -> Iterator[Result]:
    """Libraries log that the client has no certificate ("client has no
    certificate", "No X.509 certificate for client authentication") whenever
    the server asked for one optionally, or when the client has none
    configured. When the server did not require one and the handshake went on,
    the message is not the cause of anything; when it did require one, the
    mTLS findings say so instead."""
    for c in _conns(e):
        w = c.facts.get("no_client_cert_line")
        if not isinstance(w, Where):
            continue
        t = c.transcript
        requested = t is not None and t.find("CertificateRequest") is not None
        completed = c.outcome is not None and c.outcome.completed is True
        if requested and not completed:
            continue
        yield Finding(
            id="note.no-client-cert-not-requested",
            severity=Severity.INFO,
            title=(
                "The log says the client has no certificate, but the server did not require one"
                + (" (it asked, and went on without)" if requested else "")
                + ": this is normal"
            ),
            evidence=(EvidenceItem(w, "the library logged that the client has no certificate"),),
            order=200,
        )
