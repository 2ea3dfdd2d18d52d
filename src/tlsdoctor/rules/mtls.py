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
from tlsdoctor.pki.dername import name_from_der
from tlsdoctor.rules import transcripts as T
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.wire import registry
from tlsdoctor.wire.names import alert_label

# Alerts a server sends when it wanted a client certificate and got none or a bad one.
_REJECTING_ALERTS = {40, 42, 43, 44, 45, 46, 48, 49, 116}


def _has_transcripts(e: Evidence, p: Policy) -> bool:
    return any(c.transcript for c in e.connections)


def _empty_certificate(c: Connection) -> tuple[WireMessage, WireMessage] | None:
    """(CertificateRequest, the empty client Certificate) when both are in the transcript."""
    t = c.transcript
    if t is None:
        return None
    request = t.find("CertificateRequest", Side.SERVER)
    if request is None:
        return None
    empty = T.empty_client_certificate(c)
    return (request, empty) if empty is not None else None


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
            EvidenceItem(T.where(c, request), "server sent CertificateRequest"),
            EvidenceItem(
                T.where(c, cert),
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
                            T.where(c, m),
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


# ------------------------------------------------------------------- live checks


def _live_requests(e: Evidence, p: Policy) -> bool:
    return any(s.cert_request is not None for s in e.scans) or _has_transcripts(e, p)


def _transcript_rejections(e: Evidence) -> Iterator[Finding]:
    """A client sent a non-empty certificate and the server answered with a refusal."""
    from tlsdoctor.pki.certinfo import info

    for c in e.connections:
        t = c.transcript
        if t is None:
            continue
        request = t.find("CertificateRequest", Side.SERVER)
        sent = next(
            (m for m in t.messages if m.name == "Certificate" and m.sender is Side.CLIENT), None
        )
        if (
            request is None
            or sent is None
            or sent.message is None
            or getattr(sent.message, "is_empty", True)
        ):
            continue
        alert = next(
            (
                m
                for m in t.messages[t.index(sent) + 1 :]
                if m.name == "Alert" and m.sender is Side.SERVER and m.message is not None
            ),
            None,
        )
        if alert is None or alert.message.description not in _REJECTING_ALERTS:
            continue
        names = ca_names(request.message)
        facts = [
            EvidenceItem(
                T.where(c, request),
                "acceptable CAs: " + ("; ".join(names) if names else "(not listed)"),
            ),
            EvidenceItem(T.where(c, sent), "client sent its certificate"),
            EvidenceItem(
                T.where(c, alert),
                f"server then sent fatal alert {alert_label(alert.message.description)}",
            ),
        ]
        reason = ""
        chain = T.chain_of(e, c, Side.CLIENT)
        if chain is not None and chain.certs:
            ci = info(chain.certs[0].cert)
            facts.append(
                EvidenceItem(
                    chain.certs[0].where,
                    f"client certificate '{ci.name}', issued by '{ci.issuer_name}'",
                )
            )
            listed = set(getattr(request.message, "certificate_authorities", ()) or ())
            if listed and ci.issuer_der not in listed:
                reason = f": its issuer '{ci.issuer_name}' is not one of the CAs the server accepts"
        yield Finding(
            id="mtls.cert-rejected",
            severity=Severity.FATAL,
            title="The server rejected the client's certificate" + reason,
            explains_outcome=True,
            evidence=tuple(facts),
            fixes=(
                Fix(
                    "general",
                    "Use a client certificate issued by one of the CAs the server lists, or add your client CA to the server's trusted client CAs (nginx: ssl_client_certificate).",
                ),
            ),
            refs=("RFC 8446 §4.4.2.4",),
            order=11,
        )


def ca_names(request: object) -> list[str]:
    """The acceptable CA names a CertificateRequest lists, readable."""
    out = []
    for der in getattr(request, "certificate_authorities", ()) or ():
        try:
            out.append(name_from_der(der))
        except ValueError:
            out.append("(unreadable name)")
    return out


def _sigalgs(request: object) -> str:
    algs = getattr(request, "signature_algorithms", ()) or ()
    return ", ".join(registry.signature_scheme_name(a) for a in algs[:10]) or "(none listed)"


@rule(
    "mtls.client-cert-required",
    Severity.FATAL,
    "The server requires a client certificate",
    ["RFC 8446 §4.3.2", "RFC 5246 §7.4.4", "RFC 8446 §6.2 (certificate_required)"],
    applies=_live_requests,
    ok="no client certificate required, or one was given and accepted",
)
def client_cert_required(e: Evidence, p: Policy) -> Iterator[Result]:
    """The server sends CertificateRequest and ends the handshake when the
    client has no certificate to give (alert 116 certificate_required in TLS
    1.3, usually 40 handshake_failure or 42 bad_certificate in TLS 1.2). The
    finding lists the CAs the server accepts client certificates from
    (certificate_authorities) and the signature algorithms it allows, which is
    what the client's certificate must match."""
    for s in e.scans:
        if s.cert_request is None or not s.client_cert_required or s.with_client_cert is not None:
            continue
        names = ca_names(s.cert_request)
        facts = [
            EvidenceItem(
                s.where("CertificateRequest"),
                "server asks for a client certificate",
            ),
            EvidenceItem(
                s.where("CertificateRequest"),
                "acceptable CAs: " + ("; ".join(names) if names else "(any: the list is empty)"),
            ),
            EvidenceItem(
                s.where("CertificateRequest"),
                "signature algorithms: " + _sigalgs(s.cert_request),
            ),
            EvidenceItem(
                s.where(),
                "without a client certificate: " + T.describe_attempt(s.without_client_cert),
            ),
        ]
        yield Finding(
            id="mtls.client-cert-required",
            severity=Severity.FATAL,
            title="The server requires a client certificate (mutual TLS)"
            + (f" issued by {names[0]}" if len(names) == 1 else ""),
            explains_outcome=True,
            evidence=tuple(facts),
            clients={p.name: "fails without a client certificate"},
            fixes=(
                Fix(
                    "general",
                    "Give the client a certificate issued by one of the acceptable CAs; check it with tlsdoctor check HOST --cert client.crt --key client.key",
                ),
                Fix(
                    "python",
                    "Load the client certificate.",
                    "ctx.load_cert_chain('client.crt', 'client.key')",
                ),
                Fix(
                    "openssl",
                    "Try it by hand.",
                    "openssl s_client -connect HOST:PORT -cert client.crt -key client.key",
                ),
            ),
            refs=("RFC 8446 §4.3.2",),
            order=11,
        )


@rule(
    "mtls.cert-rejected",
    Severity.FATAL,
    "The server rejects the client certificate given",
    ["RFC 8446 §4.4.2.4", "RFC 5246 §7.4.6"],
    applies=_live_requests,
    ok="the client certificate (if given) is accepted",
)
def cert_rejected(e: Evidence, p: Policy) -> Iterator[Result]:
    """With the client certificate and key given (--cert/--key), tlsdoctor
    completes the handshake and watches the server's answer. When it refuses,
    the finding says why it most likely did: the certificate's issuer is not
    among the CAs the server accepts, the certificate has expired, its key does
    not match, or it lacks the clientAuth purpose."""
    from tlsdoctor.pki.certinfo import info
    from tlsdoctor.rules.context import judged_at

    yield from _transcript_rejections(e)
    for s in e.scans:
        a = s.with_client_cert
        if a is None or a.result == "accepted":
            continue
        client_chains = [c for c in e.chains if c.role is Side.CLIENT and c.certs]
        reasons: list[str] = []
        facts = [EvidenceItem(s.where(), "with the client certificate: " + T.describe_attempt(a))]
        names = ca_names(s.cert_request)
        if client_chains:
            cc = client_chains[0].certs[0]
            ci = info(cc.cert)
            issuers = {info(x.cert).issuer_der for x in client_chains[0].certs} | {ci.issuer_der}
            listed = set(getattr(s.cert_request, "certificate_authorities", ()) or ())
            if listed and not (issuers & listed) and ci.subject_der not in listed:
                reasons.append(
                    f"its issuer '{ci.issuer_name}' is not one of the CAs the server accepts ({'; '.join(names)})"
                )
            if ci.not_after < judged_at(e, client_chains[0]):
                reasons.append(f"it expired on {ci.not_after:%Y-%m-%d}")
            if ci.eku is not None and not {"clientAuth", "anyExtendedKeyUsage"} & set(ci.eku_names):
                reasons.append("its extendedKeyUsage lacks clientAuth")
            for k in e.keys:
                if k.public_key_der and k.public_key_der != ci.spki_der:
                    reasons.append("the private key given does not belong to it")
                    break
            facts.append(
                EvidenceItem(
                    cc.where, f"client certificate '{ci.name}', issued by '{ci.issuer_name}'"
                )
            )
        title = "The server rejects the client certificate" + (f": {reasons[0]}" if reasons else "")
        yield Finding(
            id="mtls.cert-rejected",
            severity=Severity.FATAL,
            title=title,
            explains_outcome=True,
            evidence=tuple(facts)
            + tuple(
                EvidenceItem(s.where("CertificateRequest"), f"acceptable CAs: {n}") for n in names
            ),
            detail="; ".join(reasons[1:]) or None,
            fixes=(
                Fix(
                    "general",
                    "Use a client certificate issued by one of the CAs the server lists, or add your client CA to the server's trusted client CAs (nginx: ssl_client_certificate).",
                ),
            ),
            refs=("RFC 8446 §4.4.2.4",),
            order=11,
        )
