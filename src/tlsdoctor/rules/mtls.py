"""Mutual TLS rules: the client certificate a server asked for.

RFC 8446 §4.3.2 and §4.4.2 (CertificateRequest; an empty client Certificate),
RFC 5246 §7.4.4 and §7.4.6, RFC 8446 §6.2 (alerts 42, 116).
"""

from __future__ import annotations

from collections.abc import Iterator

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import (
    Connection,
    Evidence,
    EvidenceItem,
    Finding,
    Fix,
    Severity,
    Side,
    Where,
    WireMessage,
)
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.wire.names import alert_label

# Alerts a server sends when it wanted a client certificate and got none or a bad one.
_REJECTING_ALERTS = {40, 42, 43, 44, 45, 46, 48, 49, 116}


def _has_transcripts(e: Evidence, p: Policy) -> bool:
    return any(c.transcript for c in e.connections)


def _where(c: Connection, m: WireMessage) -> Where:
    return m.where or Where(c.id)


def _empty_certificate(c: Connection) -> tuple[WireMessage, WireMessage] | None:
    """(CertificateRequest, the empty client Certificate) when both are in the transcript."""
    t = c.transcript
    if t is None:
        return None
    request = t.find("CertificateRequest", Side.SERVER)
    if request is None:
        return None
    for m in t.messages:
        if m.name == "Certificate" and m.sender is Side.CLIENT:
            msg = m.message
            empty = (
                bool(getattr(msg, "is_empty", False))
                if msg is not None
                else bool(c.facts.get("client_certificate_empty"))
            )
            if empty:
                return request, m
            return None
    return None


@rule(
    "mtls.empty-client-certificate",
    Severity.FATAL,
    "The server asked for a client certificate and the client sent none",
    ["RFC 8446 §4.4.2", "RFC 5246 §7.4.6", "RFC 8446 §4.3.2"],
    applies=_has_transcripts,
    ok="no empty client certificate",
)
def empty_client_certificate(e: Evidence, p: Policy) -> Iterator[Result]:
    """The server sent CertificateRequest; the client answered with a
    Certificate message holding no certificates, which is what a TLS client
    sends when it has no certificate configured (or none matching the server's
    acceptable CAs and signature algorithms). A server that requires one then
    ends the handshake, usually with alert 42 bad_certificate (TLS 1.2), 116
    certificate_required (TLS 1.3) or 40 handshake_failure. Common causes: the
    certificate and key were loaded into the library after the session object
    was created (wolfSSL_new / SSL_new copy the context's credentials when they
    are created), a wrong file path, or the certificate's issuer is not in the
    server's certificate_authorities list."""
    for c in e.connections:
        hit = _empty_certificate(c)
        if hit is None:
            continue
        request, cert = hit
        t = c.transcript
        assert t is not None
        items = [
            EvidenceItem(_where(c, request), "server sent CertificateRequest"),
            EvidenceItem(
                _where(c, cert),
                "client sent a Certificate message with an empty certificate list"
                + (f" ({cert.size} bytes)" if cert.size is not None else ""),
            ),
        ]
        explains = False
        after = t.messages[t.index(cert) + 1 :]
        for m in after:
            if m.name == "Alert" and m.sender is Side.SERVER and m.message is not None:
                if m.message.description in _REJECTING_ALERTS:
                    items.append(
                        EvidenceItem(
                            _where(c, m),
                            f"server then sent fatal alert {alert_label(m.message.description)}",
                        )
                    )
                    explains = True
                break
        outcome = c.outcome
        if not explains and outcome is not None:
            for a in outcome.alerts:
                if a.sender is Side.SERVER and a.description in _REJECTING_ALERTS:
                    items.append(
                        EvidenceItem(
                            a.where or Where(c.id),
                            f"server sent fatal alert {alert_label(a.description)}",
                        )
                    )
                    explains = True
                    break
        if not explains and outcome is not None and outcome.completed:
            # The server asked but did not insist: worth knowing, not the failure.
            yield Finding(
                id="mtls.empty-client-certificate",
                severity=Severity.INFO,
                title="The server asked for a client certificate, the client sent none, and the server went on without it",
                evidence=tuple(items),
                refs=("RFC 8446 §4.4.2",),
                order=50,
            )
            continue
        yield Finding(
            id="mtls.empty-client-certificate",
            severity=Severity.FATAL,
            title="The client sent an empty certificate although the server requires one, so the server ended the handshake",
            explains_outcome=explains,
            evidence=tuple(items),
            clients={"server": "rejects the connection"},
            fixes=(
                Fix(
                    "wolfssl",
                    "Load the certificate and key into the WOLFSSL_CTX before calling wolfSSL_new(), "
                    "or load them into the WOLFSSL session itself.",
                    'wolfSSL_CTX_use_certificate_file(ctx, "client.crt", WOLFSSL_FILETYPE_PEM);\n'
                    'wolfSSL_CTX_use_PrivateKey_file(ctx, "client.key", WOLFSSL_FILETYPE_PEM);\n'
                    "ssl = wolfSSL_new(ctx);   /* after loading: the session copies them */",
                ),
                Fix(
                    "openssl",
                    "Give the client its certificate and key (SSL_CTX_use_certificate_chain_file and "
                    "SSL_CTX_use_PrivateKey_file before SSL_new), or on the command line:",
                    "openssl s_client -connect HOST:PORT -cert client.crt -key client.key",
                ),
                Fix(
                    "python",
                    "Load the client certificate into the context.",
                    "ctx.load_cert_chain('client.crt', 'client.key')",
                ),
                Fix(
                    "general",
                    "Check that the client certificate's issuer is one of the CAs the server lists "
                    "in its CertificateRequest (certificate_authorities).",
                ),
            ),
            refs=("RFC 8446 §4.4.2", "RFC 5246 §7.4.6"),
            order=0,
        )
