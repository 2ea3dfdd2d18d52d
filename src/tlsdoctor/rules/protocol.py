"""Protocol and cipher rules: versions, suites, key exchange.

RFC 8996 (TLS 1.0 and 1.1 deprecated), RFC 8446 §4.1.1 (negotiation), RFC 7919
and RFC 8422 (key exchange groups), RFC 9325 (recommendations), RFC 7465 (RC4).
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
    ServerScan,
    Severity,
    Side,
    Where,
    WireMessage,
)
from tlsdoctor.rules import transcripts as T
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.wire import registry
from tlsdoctor.wire.names import alert_label

TLS12 = 0x0303


def _tls_scans(e: Evidence, p: Policy) -> bool:
    return any(s.transport is None and s.versions for s in e.scans) or any(
        True for _ in T.connections(e)
    )


def _offered(c: Connection) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(versions, cipher suites) the client offered in this connection."""
    ch = T.first(c, "ClientHello", Side.CLIENT)
    msg = ch.message if ch is not None else None
    if msg is None:
        return (), ()
    versions = tuple(v for v in getattr(msg, "offered_versions", ()) if not registry.is_grease(v))
    suites = tuple(x for x in getattr(msg, "cipher_suites", ()) if not registry.is_grease(x))
    return versions, suites


def _alert_after_hello(c: Connection, description: int) -> tuple[WireMessage, WireMessage] | None:
    """The server's fatal alert ``description`` sent as its answer to the ClientHello."""
    hit = T.fatal_alert(c, Side.SERVER)
    if hit is None:
        return None
    alert, prev = hit
    if getattr(alert.message, "description", None) != description:
        return None
    if prev is None or prev.name != "ClientHello":
        return None
    return alert, prev


def _vname(v: int) -> str:
    return registry.version_name(v)


def _suite(code: int) -> str:
    return registry.cipher_suite_name(code)


def _accepted_versions(s: ServerScan) -> list[int]:
    return sorted(v for v, ok in s.versions.items() if ok)


def _is_psk(code: int) -> bool:
    suite = registry.cipher_suite(code)
    return suite is not None and "PSK" in suite.key_exchange


def _suite_elsewhere(e: Evidence, c: Connection) -> tuple[str, int] | None:
    """A connection to the same server in the same evidence that got a suite."""
    server = c.transcript.server if c.transcript else None
    for other in T.connections(e):
        if other is c or other.transcript is None or other.transcript.server != server:
            continue
        suite = T.negotiated_suite(other)
        if suite is not None:
            return other.id, suite
    return None


def _only_weak_dhe(s: ServerScan, p: Policy, suites: list[int]) -> bool:
    """The server's only key exchange is DHE over a group the client refuses."""
    if s.dh_bits is None or s.dh_bits >= p.dh_min_bits or s.versions.get(0x0304):
        return False
    infos = [registry.cipher_suite(c) for c in suites]
    return bool(infos) and all(i is not None and i.key_exchange == "DHE" for i in infos)


def _all_suites(s: ServerScan) -> list[int]:
    out: list[int] = []
    for suites in s.suites.values():
        out.extend(c for c in suites if c not in out)
    return out


_LEGACY_FIXES = (
    Fix("nginx", "Enable TLS 1.2 and 1.3.", "ssl_protocols TLSv1.2 TLSv1.3;"),
    Fix("apache", "Enable TLS 1.2 and 1.3.", "SSLProtocol -all +TLSv1.2 +TLSv1.3"),
    Fix(
        "haproxy",
        "Allow TLS 1.2 and newer (global section, or on the bind line).",
        "ssl-default-bind-options ssl-min-ver TLSv1.2",
    ),
    Fix(
        "caddy",
        "Caddy speaks TLS 1.2 and 1.3 by default; remove any older protocols setting.",
        "tls {\n    protocols tls1.2 tls1.3\n}",
    ),
    Fix(
        "openssl",
        "An OpenSSL-based server: drop the -tls1/-no_tls1_2 style restrictions "
        "(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)).",
    ),
)


@rule(
    "protocol.legacy-only",
    Severity.FATAL,
    "The server speaks only TLS 1.1 or older",
    ["RFC 8996", "RFC 9325 §3.1.1"],
    applies=_tls_scans,
    ok="the server speaks TLS 1.2 or newer",
)
def legacy_only(e: Evidence, p: Policy) -> Iterator[Result]:
    """TLS 1.0 and 1.1 are deprecated (RFC 8996) and turned off in every current
    browser, Apple platform, Android, Java and OpenSSL's default security level.
    A server that offers nothing newer cannot be reached by them."""
    for c in T.connections(e):
        v = T.negotiated_version(c)
        if v is None or v >= TLS12 or v in p.versions:
            continue
        sh = T.first(c, "ServerHello", Side.SERVER)
        yield Finding(
            id="protocol.legacy-only",
            severity=Severity.FATAL,
            title=f"The server negotiated {_vname(v)} with this client; current clients offer only {' and '.join(_vname(x) for x in p.versions)}",
            explains_outcome=not (c.outcome and c.outcome.completed),
            evidence=(EvidenceItem(T.where(c, sh), f"ServerHello selected {_vname(v)}"),),
            clients={p.name: f"fails: offers only {', '.join(_vname(x) for x in p.versions)}"},
            fixes=_LEGACY_FIXES,
            refs=("RFC 8996",),
            order=15,
        )
    for s in e.scans:
        accepted = _accepted_versions(s)
        if not accepted or max(accepted) >= TLS12:
            continue
        common = [v for v in accepted if v in p.versions]
        yield Finding(
            id="protocol.legacy-only",
            severity=Severity.FATAL if not common else Severity.WARN,
            title=f"The server speaks only {' and '.join(_vname(v) for v in accepted)}, which current clients no longer offer",
            explains_outcome=not common,
            evidence=tuple(
                EvidenceItem(s.where(), f"{_vname(v)}: {'accepted' if ok else 'refused'}")
                for v, ok in sorted(s.versions.items())
            ),
            clients={p.name: f"fails: offers only {', '.join(_vname(v) for v in p.versions)}"},
            fixes=_LEGACY_FIXES,
            refs=("RFC 8996",),
            order=15,
        )


@rule(
    "protocol.no-common-version",
    Severity.FATAL,
    "Client and server share no protocol version",
    ["RFC 8446 §4.1.1", "RFC 8446 §6.2 (protocol_version)"],
    applies=_tls_scans,
    ok="the client and the server share a protocol version",
)
def no_common_version(e: Evidence, p: Policy) -> Iterator[Result]:
    """The client offers one set of versions and the server accepts another:
    a TLS 1.3-only server and a client that stops at TLS 1.2 (Java 8, old
    Android, many embedded stacks), or the reverse. The server answers with
    alert 70 protocol_version."""
    for c in T.connections(e):
        hit = _alert_after_hello(c, 70)
        if hit is None:
            continue
        alert, hello = hit
        versions, _ = _offered(c)
        yield Finding(
            id="protocol.no-common-version",
            severity=Severity.FATAL,
            title="The server refused every protocol version the client offered ("
            + (", ".join(_vname(v) for v in versions) or "?")
            + ")",
            explains_outcome=True,
            evidence=(
                EvidenceItem(
                    T.where(c, hello),
                    "client offered " + (", ".join(_vname(v) for v in versions) or "?"),
                ),
                EvidenceItem(T.where(c, alert), "server answered with alert " + alert_label(70)),
            ),
            clients={"this client": "fails: protocol_version (alert 70)"},
            fixes=(
                Fix(
                    "general",
                    "Find which versions the server accepts (tlsdoctor check HOST --full) and enable a common one on the side that is behind.",
                ),
            ),
            refs=("RFC 8446 §4.1.1",),
            order=15,
        )
    for s in e.scans:
        accepted = _accepted_versions(s)
        if not accepted or max(accepted) < TLS12:
            continue  # protocol.legacy-only says it better
        if any(v in p.versions for v in accepted):
            continue
        yield Finding(
            id="protocol.no-common-version",
            severity=Severity.FATAL,
            title=f"The server accepts only {', '.join(_vname(v) for v in accepted)}; this client offers only {', '.join(_vname(v) for v in p.versions)}",
            explains_outcome=True,
            evidence=tuple(
                EvidenceItem(s.where(), f"{_vname(v)}: {'accepted' if ok else 'refused'}")
                for v, ok in sorted(s.versions.items())
            ),
            clients={p.name: "fails: protocol_version (alert 70)"},
            fixes=(
                Fix("nginx", "Accept TLS 1.2 as well as 1.3.", "ssl_protocols TLSv1.2 TLSv1.3;"),
            ),
            refs=("RFC 8446 §4.1.1",),
            order=15,
        )


@rule(
    "cipher.no-common-suite",
    Severity.FATAL,
    "Client and server share no cipher suite",
    ["RFC 8446 §4.1.1", "RFC 5246 §7.4.1.3", "RFC 8446 §6.2 (handshake_failure)"],
    applies=_tls_scans,
    ok="the client and the server share a cipher suite",
)
def no_common_suite(e: Evidence, p: Policy) -> Iterator[Result]:
    """The server accepts some protocol version the client offers, but none of
    the cipher suites the client offers at that version. The server answers
    with alert 40 handshake_failure (or closes). The finding lists what each
    side offers."""
    for c in T.connections(e):
        hit = _alert_after_hello(c, 40)
        if hit is None:
            continue
        alert, hello = hit
        _, suites = _offered(c)
        psk = [x for x in suites if _is_psk(x)]
        elsewhere = _suite_elsewhere(e, c)
        facts = [
            EvidenceItem(
                T.where(c, hello),
                f"client offered {len(suites)} cipher suites: "
                + ", ".join(_suite(x) for x in suites[:8])
                + (" …" if len(suites) > 8 else ""),
            ),
            EvidenceItem(T.where(c, alert), "server answered with alert " + alert_label(40)),
        ]
        if elsewhere is not None:
            facts.append(
                EvidenceItem(
                    Where(elsewhere[0]),
                    f"in another connection the same server chose {_suite(elsewhere[1])}",
                )
            )
        yield Finding(
            id="cipher.no-common-suite",
            severity=Severity.FATAL,
            title="The server refused the handshake right after the ClientHello: none of the client's cipher suites (or versions, groups) is acceptable to it",
            explains_outcome=True,
            evidence=tuple(facts),
            detail=None
            if psk
            else "The client offered no PSK suite; if the server is PSK-only, it needs the PSK identity and key and a PSK suite.",
            clients={"this client": "fails: handshake_failure (alert 40)"},
            fixes=(
                Fix(
                    "general",
                    "Enumerate what the server accepts (tlsdoctor check HOST --full) and enable a common suite on one side.",
                ),
            ),
            refs=("RFC 8446 §4.1.1", "RFC 5246 §7.4.1.3"),
            order=16,
        )
    for s in e.scans:
        if not s.suites:
            continue
        if s.psk.get("only"):
            continue  # psk.only explains it
        shared_versions = [v for v in _accepted_versions(s) if v in p.versions]
        if not shared_versions:
            continue
        client = set(p.cipher_suites)
        common = [c for v in shared_versions for c in s.suites.get(v, ()) if c in client]
        if common or not any(s.suites.get(v) for v in shared_versions):
            continue
        server = [c for v in shared_versions for c in s.suites.get(v, ())]
        if _only_weak_dhe(s, p, server):
            continue  # cipher.weak-dh names the cause and the fix for both
        yield Finding(
            id="cipher.no-common-suite",
            severity=Severity.FATAL,
            title="The server and this client have no cipher suite in common",
            explains_outcome=True,
            evidence=(
                EvidenceItem(
                    s.where(), "server accepts: " + ", ".join(_suite(c) for c in server[:12])
                ),
                EvidenceItem(
                    Where(f"policy {p.name}"),
                    "client offers: " + ", ".join(_suite(c) for c in p.cipher_suites[:12]),
                ),
            ),
            clients={p.name: "fails: handshake_failure (alert 40)"},
            fixes=(
                Fix(
                    "nginx",
                    "Offer the modern ECDHE AEAD suites.",
                    "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;",
                ),
            ),
            refs=("RFC 9325 §4.2",),
            order=16,
        )


@rule(
    "cipher.no-forward-secrecy",
    Severity.WARN,
    "The server offers no forward-secret key exchange",
    ["RFC 9325 §4.1", "RFC 7525 §3.2"],
    applies=_tls_scans,
    ok="the server offers forward secrecy (ECDHE, DHE or TLS 1.3)",
)
def no_forward_secrecy(e: Evidence, p: Policy) -> Iterator[Result]:
    """With RSA key exchange, whoever later obtains the server's private key
    can decrypt every recorded session. Apple's App Transport Security refuses
    such servers by default (NSExceptionRequiresForwardSecrecy), as do clients
    configured for TLS 1.3 only."""
    for s in e.scans:
        suites = _all_suites(s)
        if not suites or s.versions.get(0x0304):
            continue
        if s.psk.get("only"):
            continue
        info = [registry.cipher_suite(c) for c in suites]
        if any(i is not None and i.forward_secrecy for i in info):
            continue
        yield Finding(
            id="cipher.no-forward-secrecy",
            severity=Severity.FATAL if p.requires_forward_secrecy else Severity.WARN,
            title="Every cipher suite the server accepts uses RSA key exchange: no forward secrecy",
            evidence=(
                EvidenceItem(s.where(), "accepted: " + ", ".join(_suite(c) for c in suites[:12])),
            ),
            clients={
                "ios/macos (ATS)": "fails: -9802 unless NSExceptionRequiresForwardSecrecy is NO"
            },
            fixes=(
                Fix(
                    "nginx",
                    "Prefer ECDHE suites and enable TLS 1.3.",
                    "ssl_protocols TLSv1.2 TLSv1.3;\nssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;",
                ),
            ),
            refs=("RFC 9325 §4.1",),
            order=35,
        )


_DH_FIXES = (
    Fix(
        "nginx",
        "Use ECDHE, or a 2048-bit+ group (RFC 7919 ffdhe2048).",
        "ssl_dhparam /etc/ssl/ffdhe2048.pem;\nssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM;",
    ),
    Fix(
        "openssl",
        "For servers that need DHE, use the standard 2048-bit group of RFC 7919.",
        "openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out ffdhe2048.pem",
    ),
)


@rule(
    "cipher.weak-dh",
    Severity.FATAL,
    "The server's Diffie-Hellman group is too small",
    ["RFC 7919", "RFC 9325 §4.1", "Logjam (CVE-2015-4000)"],
    applies=_tls_scans,
    ok="no weak finite-field Diffie-Hellman group",
)
def weak_dh(e: Evidence, p: Policy) -> Iterator[Result]:
    """A DHE key exchange over a 1024-bit (or smaller) group can be broken by a
    well-resourced attacker (Logjam). OpenSSL at security level 2, Java and
    Apple refuse groups under 2048 bits; browsers dropped DHE altogether."""
    for c in T.connections(e):
        ske = T.first(c, "ServerKeyExchange", Side.SERVER)
        bits = (
            getattr(ske.message, "dh_bits", None)
            if ske is not None and ske.message is not None
            else None
        )
        if bits is None or bits >= p.dh_min_bits:
            continue
        after = T.fatal_alert(c, Side.CLIENT)
        refused = after is not None and any(m is ske for m in T.messages_before(c, after[0]))
        facts = [EvidenceItem(T.where(c, ske), f"ServerKeyExchange: DHE with a {bits}-bit prime")]
        if refused and after is not None:
            facts.append(
                EvidenceItem(
                    T.where(c, after[0]),
                    "client then sent alert "
                    + alert_label(getattr(after[0].message, "description", 0)),
                )
            )
        yield Finding(
            id="cipher.weak-dh",
            severity=Severity.FATAL,
            title=f"The server uses a {bits}-bit Diffie-Hellman group; clients require at least {p.dh_min_bits} bits",
            explains_outcome=refused,
            evidence=tuple(facts),
            clients={"openssl-3 (security level 2)": "fails: dh key too small"},
            fixes=_DH_FIXES,
            refs=("RFC 7919",),
            order=17,
        )
    for s in e.scans:
        if s.dh_bits is None or s.dh_bits >= p.dh_min_bits:
            continue
        # Fatal when a client can end up with DHE: the server offers nothing better.
        only = _only_weak_dhe(s, p, _all_suites(s))
        yield Finding(
            id="cipher.weak-dh",
            severity=Severity.FATAL if only else Severity.WARN,
            title=f"The server uses a {s.dh_bits}-bit Diffie-Hellman group; clients require at least {p.dh_min_bits} bits"
            + ("" if only else " (clients that prefer ECDHE or TLS 1.3 are not affected)"),
            explains_outcome=only,
            evidence=(
                EvidenceItem(s.where(), f"ServerKeyExchange: DHE with a {s.dh_bits}-bit prime"),
            ),
            clients={
                "openssl-3": "fails: dh key too small (SSL_R_DH_KEY_TOO_SMALL)",
                "java": "fails: DH ServerKeyExchange does not comply to algorithm constraints",
                "chrome/firefox": "fail: they offer no DHE at all (ERR_SSL_VERSION_OR_CIPHER_MISMATCH)"
                if only
                else "not affected (no DHE offered)",
            },
            fixes=_DH_FIXES,
            refs=("RFC 7919",),
            order=17,
        )


@rule(
    "ext.required-by-server",
    Severity.WARN,
    "The server refuses clients that do not send a particular extension",
    ["RFC 7627 (extended_master_secret)", "RFC 7366 (encrypt_then_mac)", "RFC 5746", "RFC 6066 §3"],
    applies=_tls_scans,
    ok="the server does not insist on optional extensions",
)
def required_extension(e: Evidence, p: Policy) -> Iterator[Result]:
    """A server can be configured to require extended_master_secret,
    renegotiation_info or server_name. Clients that do not send it — older
    embedded stacks, clients built without the feature — fail with an alert.
    Found by comparing a handshake with the extension to one without."""
    for s in e.scans:
        for ext, what in s.extensions_required.items():
            yield Finding(
                id="ext.required-by-server",
                severity=Severity.WARN,
                title=f"The server refuses clients that do not send {ext}",
                evidence=(EvidenceItem(s.where(), f"with {ext}: accepted; without it: {what}"),),
                clients={"clients without " + ext: "fail"},
                fixes=(
                    Fix(
                        "general",
                        f"Enable {ext} in the client (e.g. mbedtls_ssl_conf_extended_master_secret, wolfSSL --enable-extended-master), or relax the server's requirement.",
                    ),
                ),
                refs=("RFC 7627", "RFC 5746", "RFC 6066 §3"),
                order=55,
            )
