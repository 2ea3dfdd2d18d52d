"""Alerts explained by what came before them (RFC 8446 §6.2, RFC 5246 §7.2).

An alert says who gave up, not why.  These rules read the transcript around
it: a client that answers the server's certificate with unknown_ca does not
accept the chain (the chain rules say why, and :mod:`tlsdoctor.rules.links`
ties their findings to this connection); bad_record_mac right after the key
exchange means the two sides derived different keys.
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
    WireMessage,
)
from tlsdoctor.rules import transcripts as T
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.wire import registry
from tlsdoctor.wire.names import alert_label

CERT_REJECTING = {42, 43, 44, 45, 46, 48, 49}
"""bad_certificate … unknown_ca, access_denied: a peer refusing a certificate."""
DECRYPT_FAILED = {20, 51}
_SERVER_FLIGHT = {
    "Certificate",
    "CertificateStatus",
    "ServerKeyExchange",
    "CertificateRequest",
    "ServerHelloDone",
    "CertificateVerify",
    "Finished",
    "EncryptedHandshake",
    "ChangeCipherSpec",
}


def _transcripts(e: Evidence, p: Policy) -> bool:
    return any(True for _ in T.connections(e))


def client_rejections(e: Evidence) -> Iterator[tuple[Connection, WireMessage, WireMessage]]:
    """(connection, alert message, message before) for each client that refused the server's certificate."""
    for c in T.connections(e):
        hit = T.fatal_alert(c, Side.CLIENT)
        if hit is None:
            continue
        alert, prev = hit
        desc = getattr(alert.message, "description", None)
        if desc not in CERT_REJECTING or prev is None:
            continue
        if (prev.sender is Side.SERVER and prev.name in _SERVER_FLIGHT) or prev.name == "Finished":
            yield c, alert, prev


@rule(
    "alert.certificate-rejected",
    Severity.FATAL,
    "The client refused the server's certificate",
    ["RFC 8446 §6.2", "RFC 5246 §7.2.2"],
    applies=_transcripts,
    ok="no client refused the server's certificate",
)
def certificate_rejected(e: Evidence, p: Policy) -> Iterator[Result]:
    """A client that cannot verify the server's chain ends the handshake with
    an alert right after the server's certificate: 48 unknown_ca (no path to
    a root it trusts), 42 bad_certificate, 45 certificate_expired, 46
    certificate_unknown (the catch-all most stacks use). The alert only says
    *that* it refused; the chain and certificate findings say *why* — they are
    linked to this connection and the first of them becomes the root cause.
    When no finding explains it, the client applies a trust store or policy
    tlsdoctor was not given (pass the client's roots with --ca)."""
    for c, alert, prev in client_rejections(e):
        desc = getattr(alert.message, "description", 0)
        yield Finding(
            id="alert.certificate-rejected",
            severity=Severity.INFO,
            title=f"The client refused the server's certificate (alert {alert_label(desc)})",
            explains_outcome=False,
            evidence=(
                EvidenceItem(
                    T.where(c, alert),
                    f"client sent fatal alert {alert_label(desc)} after the server's {prev.name}",
                ),
            ),
            fixes=(
                Fix(
                    "general",
                    "Check the served chain (tlsdoctor check HOST --ca CLIENT_ROOTS) against the roots the client trusts.",
                ),
            ),
            refs=("RFC 8446 §6.2",),
            order=9,
        )


@rule(
    "alert.decrypt-failed",
    Severity.FATAL,
    "A record failed to decrypt right after the key exchange",
    ["RFC 5246 §7.2.2 (bad_record_mac)", "RFC 8446 §6.2 (decrypt_error)"],
    applies=_transcripts,
    ok="every record decrypted",
)
def decrypt_failed(e: Evidence, p: Policy) -> Iterator[Result]:
    """bad_record_mac (20) or decrypt_error (51) right after the key exchange
    means the two sides derived different keys: with a PSK suite, different
    pre-shared keys (see psk.key-mismatch); otherwise a broken implementation,
    a middlebox altering bytes, or a client and server that disagree about an
    extension that changes the key derivation (extended_master_secret,
    encrypt_then_mac)."""
    for c in T.connections(e):
        hit = T.fatal_alert(c)
        if hit is None:
            continue
        alert, prev = hit
        desc = getattr(alert.message, "description", None)
        suite = registry.cipher_suite(T.negotiated_suite(c) or -1)
        if desc not in DECRYPT_FAILED or suite is None or "PSK" in suite.key_exchange:
            continue
        yield Finding(
            id="alert.decrypt-failed",
            severity=Severity.FATAL,
            title=f"The {alert.sender.value} could not decrypt the other side's first encrypted message (alert {alert_label(desc)}): the two sides derived different keys",
            explains_outcome=True,
            evidence=(
                EvidenceItem(
                    T.where(c, alert),
                    f"{alert.sender.value} sent fatal alert {alert_label(desc)} after {prev.name if prev else 'the key exchange'}",
                ),
            ),
            fixes=(
                Fix(
                    "general",
                    "Compare the extensions both sides negotiate (extended_master_secret, encrypt_then_mac) and look for a middlebox rewriting traffic; tlsdoctor check HOST shows which extensions the server requires.",
                ),
            ),
            refs=("RFC 5246 §7.2.2", "RFC 7627", "RFC 7366"),
            order=13,
        )
