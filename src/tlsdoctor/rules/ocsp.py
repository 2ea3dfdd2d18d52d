"""OCSP stapling rules (RFC 6066 §8 status_request, RFC 7633 must-staple, RFC 6960)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import Chain, Connection, Evidence, EvidenceItem, Finding, Fix, Severity, Side
from tlsdoctor.pki.certinfo import info
from tlsdoctor.rules import transcripts as T
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.rules.context import scan_chains


def _tls_scans(e: Evidence, p: Policy) -> bool:
    return any(s.transport is None and s.ocsp_requested for s in e.scans) or any(
        True for _ in T.connections(e)
    )


_STATUS_REQUEST = 5


def _asked_for_status(c: Connection) -> bool:
    ch = T.first(c, "ClientHello", Side.CLIENT)
    exts = (
        getattr(ch.message, "extensions", ()) if ch is not None and ch.message is not None else ()
    )
    return any(x.type == _STATUS_REQUEST for x in exts)


def _stapled(c: Connection) -> bool | None:
    """True/False when the transcript shows whether a staple came; None if it cannot."""
    if T.first(c, "CertificateStatus", Side.SERVER) is not None:
        return True
    cert = T.first(c, "Certificate", Side.SERVER)
    if cert is None or cert.message is None:
        return None
    entries: tuple[Any, ...] = tuple(getattr(cert.message, "certificate_list", ()))
    if getattr(cert.message, "certificate_request_context", None) is not None:  # TLS 1.3
        return bool(entries) and any(x.type == _STATUS_REQUEST for x in entries[0].extensions)
    if T.first(c, "ServerHelloDone", Side.SERVER) is not None:
        return False  # the whole TLS 1.2 flight is here, and no CertificateStatus in it
    return None


def _leaf_must_staple(chain: Chain | None) -> bool:
    return chain is not None and bool(chain.certs) and info(chain.certs[0].cert).must_staple


_STAPLE_CLIENTS = {
    "firefox": "fails: MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING",
    "gnutls": "fails",
    "chrome": "accepted (does not check)",
}
_STAPLE_FIXES = (
    Fix(
        "nginx",
        "Turn on stapling (nginx needs the issuer in ssl_trusted_certificate and a resolver).",
        "ssl_stapling on;\nssl_stapling_verify on;\nssl_trusted_certificate /etc/ssl/chain.pem;\nresolver 127.0.0.53;",
    ),
    Fix(
        "apache",
        "Turn on stapling.",
        "SSLUseStapling on\nSSLStaplingCache shmcb:/var/run/ocsp(128000)",
    ),
    Fix("general", "Or get a certificate without the must-staple extension."),
)


@rule(
    "ocsp.must-staple-not-stapled",
    Severity.FATAL,
    "A must-staple certificate is served without a stapled OCSP response",
    ["RFC 7633 §4.2", "RFC 6066 §8"],
    applies=_tls_scans,
    ok="no must-staple certificate served without a staple",
)
def must_staple(e: Evidence, p: Policy) -> Iterator[Result]:
    """A certificate with the TLS Feature extension status_request ("OCSP
    must-staple") promises that the server always staples a fresh OCSP
    response. Firefox and GnuTLS hold the server to it and refuse the
    connection when the staple is missing; Chrome and OpenSSL do not check."""
    for c in T.connections(e):
        chain = T.chain_of(e, c)
        if chain is None or not _leaf_must_staple(chain):
            continue
        if not _asked_for_status(c) or _stapled(c) is not False:
            continue
        ch = T.first(c, "ClientHello", Side.CLIENT)
        cert = T.first(c, "Certificate", Side.SERVER)
        yield Finding(
            id="ocsp.must-staple-not-stapled",
            severity=Severity.FATAL,
            title="The certificate requires OCSP stapling (must-staple), but the server sent no OCSP response although the client asked",
            explains_outcome=bool(c.outcome and not c.outcome.completed),
            evidence=(
                EvidenceItem(
                    chain.certs[0].where, "TLS Feature extension: status_request (must-staple)"
                ),
                EvidenceItem(T.where(c, ch), "client sent status_request"),
                EvidenceItem(T.where(c, cert), "no OCSP response with the certificate"),
            ),
            clients=_STAPLE_CLIENTS,
            fixes=_STAPLE_FIXES,
            refs=("RFC 7633 §4.2",),
            order=18,
        )
    for s in e.scans:
        if s.ocsp is not None or not s.ocsp_requested:
            continue
        # The certificate this server sent, not one from another source.
        if not any(_leaf_must_staple(ch) for ch in scan_chains(e, s)):
            continue
        yield Finding(
            id="ocsp.must-staple-not-stapled",
            severity=Severity.FATAL if p.must_staple_enforced else Severity.WARN,
            title="The certificate requires OCSP stapling (must-staple), but the server sends no OCSP response",
            explains_outcome=True,
            evidence=(
                EvidenceItem(
                    s.where("cert[0]"),
                    "TLS Feature extension: status_request (must-staple)",
                ),
                EvidenceItem(
                    s.where(),
                    "status_request sent; no CertificateStatus / OCSP response in the handshake",
                ),
            ),
            clients=_STAPLE_CLIENTS,
            fixes=_STAPLE_FIXES,
            refs=("RFC 7633 §4.2",),
            order=18,
        )


@rule(
    "ocsp.bad-staple",
    Severity.FATAL,
    "The stapled OCSP response is bad: revoked, expired, or not signed by the issuer",
    ["RFC 6960 §3.2", "RFC 6066 §8"],
    applies=_tls_scans,
    ok="the stapled OCSP response (if any) is good",
)
def bad_staple(e: Evidence, p: Policy) -> Iterator[Result]:
    """A stapled response must be for this certificate, signed by its issuer
    (or a delegated responder), current (thisUpdate ≤ now ≤ nextUpdate) and say
    "good". A revoked status fails every client that reads staples; an
    expired or wrongly signed staple fails the stricter ones."""
    for s in e.scans:
        o = s.ocsp
        if o is None:
            continue
        if o.status == "good" and not o.problems and o.signer_ok is not False:
            continue
        revoked = o.status == "revoked"
        what = "revoked" if revoked else ("; ".join(o.problems) or f"status {o.status}")
        yield Finding(
            id="ocsp.bad-staple",
            severity=Severity.FATAL if revoked else Severity.WARN,
            title=f"The server staples an OCSP response that is not usable: {what}",
            explains_outcome=revoked,
            evidence=(
                EvidenceItem(
                    s.where("CertificateStatus"),
                    f"OCSP status {o.status}; {what}",
                ),
            ),
            fixes=(
                Fix(
                    "general",
                    "Make the server fetch a fresh response from the CA's responder (check its OCSP cache and its outbound access to the responder URL).",
                ),
            ),
            refs=("RFC 6960 §3.2",),
            order=19,
        )
