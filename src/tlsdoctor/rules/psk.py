"""Pre-shared key rules (RFC 4279 TLS 1.2 PSK suites, RFC 8446 §4.2.11 TLS 1.3 PSK).

The key itself never appears in a finding: only which reading of it (hex,
ASCII text, base64) the server accepted.
"""

from __future__ import annotations

from collections.abc import Iterator

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import (
    Attempt,
    Evidence,
    EvidenceItem,
    Finding,
    Fix,
    ProbeRequest,
    Severity,
    Side,
)
from tlsdoctor.rules import transcripts as T
from tlsdoctor.rules.alert import DECRYPT_FAILED
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.wire import registry
from tlsdoctor.wire.names import alert_label

_USED_WORDS = {
    "hex": "the hex-decoded bytes",
    "ascii": "the text's own bytes",
    "base64": "the base64-decoded bytes",
}
_ENCODING_WORDS = {
    "hex": "the hex-decoded bytes of the key text (as `openssl s_server -psk` reads it)",
    "ascii": "the key text's own bytes (ASCII/UTF-8)",
    "base64": "the base64-decoded bytes of the key text",
}


def _psk_scans(e: Evidence, p: Policy) -> bool:
    return any(s.psk for s in e.scans)


def _psk_evidence(e: Evidence, p: Policy) -> bool:
    return _psk_scans(e, p) or any(True for _ in T.connections(e))


def _transcript_mismatch(e: Evidence) -> Iterator[Finding]:
    """A PSK suite negotiated, then a record that did not decrypt."""
    for c in T.connections(e):
        suite = registry.cipher_suite(T.negotiated_suite(c) or -1)
        if suite is None or "PSK" not in suite.key_exchange:
            continue
        hit = T.fatal_alert(c)
        if hit is None or getattr(hit[0].message, "description", None) not in DECRYPT_FAILED:
            continue
        alert, prev = hit
        yield Finding(
            id="psk.key-mismatch",
            severity=Severity.FATAL,
            title=f"The {alert.sender.value} could not decrypt the other side's Finished with {suite.name}: the two sides use different pre-shared keys",
            explains_outcome=True,
            evidence=(
                EvidenceItem(
                    T.where(c, T.first(c, "ServerHello", Side.SERVER)),
                    f"PSK suite negotiated: {suite.name}",
                ),
                EvidenceItem(
                    T.where(c, alert),
                    f"{alert.sender.value} sent alert {alert_label(getattr(alert.message, 'description', 0))} after {prev.name if prev else '?'}",
                ),
            ),
            detail="Check how each side reads the key text: `openssl s_server -psk abc` reads hex; many client libraries use the text's bytes. tlsdoctor check HOST --psk-identity ID --psk-file F tries every reading.",
            fixes=(Fix("general", "Use the same key bytes on both sides (compare them in hex)."),),
            refs=("RFC 4279 §2",),
            order=12,
        )


@rule(
    "psk.only",
    Severity.FATAL,
    "The server accepts only pre-shared-key cipher suites",
    ["RFC 4279 §2", "RFC 8446 §2.2"],
    applies=_psk_scans,
    ok="the server also accepts certificate-based handshakes",
)
def psk_only(e: Evidence, p: Policy) -> Iterator[Result]:
    """A PSK-only server has no certificate: a client must be configured with
    the PSK identity and key, and must offer a PSK cipher suite. Clients
    without one see a bare handshake_failure — and general scanners blame
    themselves. tlsdoctor recognises the server without knowing the key."""
    for s in e.scans:
        if not s.psk.get("only") or s.psk.get("key") is not None:
            continue
        suites = s.psk.get("suites", ())
        yield Finding(
            id="psk.only",
            severity=Severity.FATAL,
            title="The server accepts only pre-shared-key (PSK) handshakes: clients need the PSK identity and key, and a PSK cipher suite",
            explains_outcome=True,
            evidence=(
                EvidenceItem(
                    s.where(),
                    "certificate-based handshakes refused: "
                    + (T.describe_attempt(s.default) if s.default else "refused"),
                ),
                EvidenceItem(
                    s.where(),
                    "PSK cipher suites accepted: "
                    + (", ".join(registry.cipher_suite_name(c) for c in suites) or "some"),
                ),
            ),
            clients={p.name: "fails: handshake_failure (browsers do not do PSK)"},
            fixes=(
                Fix(
                    "openssl",
                    "Connect with the PSK (key in hex).",
                    "openssl s_client -connect HOST:PORT -psk_identity ID -psk HEXKEY",
                ),
                Fix(
                    "general",
                    "Check it with tlsdoctor: tlsdoctor check HOST:PORT --psk-identity ID --psk-file key.txt",
                ),
            ),
            refs=("RFC 4279 §2",),
            order=12,
        )


@rule(
    "psk.key-mismatch",
    Severity.FATAL,
    "The client's PSK does not match the server's",
    ["RFC 4279 §2", "RFC 5246 §6.2.3 (bad_record_mac)", "RFC 8446 §4.2.11"],
    applies=_psk_evidence,
    ok="the PSK matches",
)
def key_mismatch(e: Evidence, p: Policy) -> Iterator[Result]:
    """Both sides derive their keys from the PSK; with different keys the first
    encrypted message fails to decrypt and the handshake ends with alert 20
    bad_record_mac (TLS 1.2) or 51 decrypt_error. The usual cause is not an
    extension: it is how the key text is read. `openssl s_server -psk abc123`
    reads hex (three bytes ab c1 23) while many clients use the text itself (six
    bytes). tlsdoctor tries the other readings and names the one that works."""
    yield from _transcript_mismatch(e)
    for s in e.scans:
        a = s.psk.get("key")
        if not isinstance(a, Attempt) or a.result == "accepted":
            continue
        if a.alert is not None and a.alert.description == 115:
            continue  # psk.unknown-identity
        if a.alert is not None and a.alert.description not in DECRYPT_FAILED:
            continue
        if "tried" not in s.psk:
            yield ProbeRequest(
                kind="psk-encodings",
                reason="try the other readings of the key text (hex, ASCII, base64)",
                rule_id="psk.key-mismatch",
            )
            continue
        works = s.psk.get("encoding")
        used = s.psk.get("used_encoding", "hex")
        facts = [EvidenceItem(s.where(), f"with the key read as {used}: {T.describe_attempt(a)}")]
        for enc, other in (s.psk.get("tried") or {}).items():
            facts.append(
                EvidenceItem(s.where(), f"with the key read as {enc}: {T.describe_attempt(other)}")
            )
        if works:
            title = f"The PSK does not match: the server expects {_ENCODING_WORDS.get(works, works)}, but the client used {_USED_WORDS.get(used, used)}"
            fx: tuple[Fix, ...] = (
                Fix(
                    "general",
                    f"Use the key as {works} on the client (or change the server to read it as {used}).",
                ),
                Fix(
                    "openssl",
                    "`openssl s_server -psk` and `s_client -psk` take the key in hex; to use a text as the key bytes, pass the hex of that text.",
                    "printf '%s' 'KEYTEXT' | xxd -p   # hex of the text, for -psk",
                ),
            )
        else:
            title = "The PSK does not match the server's key (the first encrypted message failed to decrypt)"
            fx = (
                Fix(
                    "general",
                    "Check that both sides use the same key bytes and identity; compare the key's hex on both sides.",
                ),
            )
        yield Finding(
            id="psk.key-mismatch",
            severity=Severity.FATAL,
            title=title,
            explains_outcome=True,
            evidence=tuple(facts),
            clients={"this client": "fails: " + (T.describe_attempt(a))},
            fixes=fx,
            refs=("RFC 4279 §2",),
            order=12,
        )


@rule(
    "psk.unknown-identity",
    Severity.FATAL,
    "The server does not know the PSK identity",
    ["RFC 4279 §2", "RFC 8446 §6.2 (unknown_psk_identity)"],
    applies=_psk_scans,
    ok="the server knows the PSK identity",
)
def unknown_identity(e: Evidence, p: Policy) -> Iterator[Result]:
    """The server answered alert 115 unknown_psk_identity: it has no key for
    the identity the client sent. (Servers may instead pretend to know it and
    fail later with bad_record_mac, to hide which identities exist.)"""
    for s in e.scans:
        a = s.psk.get("key")
        if not isinstance(a, Attempt) or a.alert is None or a.alert.description != 115:
            continue
        ident = s.psk.get("identity")
        yield Finding(
            id="psk.unknown-identity",
            severity=Severity.FATAL,
            title=f"The server does not know the PSK identity '{ident}'"
            if ident
            else "The server does not know the PSK identity",
            explains_outcome=True,
            evidence=(EvidenceItem(s.where(), T.describe_attempt(a)),),
            fixes=(
                Fix(
                    "general",
                    "Use the identity configured on the server (openssl s_server -psk_identity, mbedtls_ssl_conf_psk).",
                ),
            ),
            refs=("RFC 4279 §2",),
            order=12,
        )
