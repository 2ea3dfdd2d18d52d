"""Certificate rules: dates, names, keys, signatures, purposes, lifetimes, CT.

RFC 5280 §4.1.2.5 (validity), RFC 6125 / RFC 9525 (names), CA/Browser Forum
Baseline Requirements §6.1.5, §7.1.2.7 (keys, EKU, lifetime), RFC 6962 (SCTs),
Apple's certificate requirements (HT210176, HT211025).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import Evidence, EvidenceItem, Finding, Fix, Severity, Where
from tlsdoctor.pki.certinfo import CertInfo, info
from tlsdoctor.pki.names import check_name
from tlsdoctor.rules import fixes
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.rules.chain import verdict
from tlsdoctor.rules.context import (
    ChainView,
    chain_views,
    has_server_chain,
    host_for,
    server_chains,
)

ORDER_PURPOSE = 25
ORDER_DATES = 30
ORDER_KEY = 40
ORDER_NAME = 45
ORDER_LIFETIME = 60
ORDER_CT = 70

APPLE_825_FROM = datetime(2019, 7, 1, tzinfo=UTC)
APPLE_398_FROM = datetime(2020, 9, 1, tzinfo=UTC)


def _role(idx: int, ci: CertInfo) -> str:
    if idx == 0:
        return f"The server certificate '{ci.name}'"
    return f"{'Root' if ci.self_signed else 'Intermediate'} '{ci.name}'"


def _ago(delta_days: float) -> str:
    d = abs(delta_days)
    if d < 1:
        return f"{d * 24:.0f} hours"
    return f"{d:.0f} days"


# -------------------------------------------------------------------------- dates


@rule(
    "cert.expired",
    Severity.FATAL,
    "A certificate on the path has expired",
    ["RFC 5280 §4.1.2.5", "RFC 5280 §6.1.3 (a)(2)"],
    applies=has_server_chain,
    ok="no certificate on the path has expired",
)
def expired(e: Evidence, p: Policy) -> Iterator[Result]:
    """Every certificate on the path must be valid at the time of the handshake.
    The finding gives the end date and how long ago it passed; a certificate
    that expired hours ago while the client's clock runs fast looks the same,
    so the client clock is named as the other suspect when the margin is small.
    For a capture, the time is the capture's own, not today."""
    for v in chain_views(e, p):
        for pr in v.best.problems:
            if pr.kind != "cert.expired":
                continue
            ci = v.best.certs[pr.index].info
            days = (v.analysis.at - ci.not_after).total_seconds() / 86400
            facts = [
                v.item(pr.index, f"notAfter {ci.not_after:%Y-%m-%d %H:%M:%S} UTC"),
                EvidenceItem(Where("judged at"), f"{v.analysis.at:%Y-%m-%d %H:%M:%S} UTC"),
            ]
            detail = None
            if days < 2:
                detail = "It expired very recently; if the certificate was just renewed, the server still serves the old one, or the client's clock runs ahead."
            yield Finding(
                id="cert.expired",
                severity=Severity.FATAL,
                title=f"{_role(pr.index, ci)} expired on {ci.not_after:%Y-%m-%d} ({_ago(days)} ago)",
                evidence=tuple(facts),
                detail=detail,
                clients=verdict(p, "cert.expired"),
                fixes=(
                    Fix(
                        "general",
                        "Renew the certificate and install the new one (with its chain); then reload the server.",
                    ),
                    Fix(
                        "nginx",
                        "After renewing, reload so nginx serves the new file.",
                        "nginx -t && systemctl reload nginx",
                    ),
                ),
                refs=("RFC 5280 §4.1.2.5",),
                order=ORDER_DATES,
            )


@rule(
    "cert.not-yet-valid",
    Severity.FATAL,
    "A certificate on the path is not valid yet",
    ["RFC 5280 §4.1.2.5"],
    applies=has_server_chain,
    ok="every certificate on the path is already valid",
)
def not_yet_valid(e: Evidence, p: Policy) -> Iterator[Result]:
    """A certificate whose notBefore lies in the future is rejected. Almost
    always a client clock that is behind (a device without a real-time clock
    that booted in 1970), or a certificate issued with a start date in the
    future."""
    for v in chain_views(e, p):
        for pr in v.best.problems:
            if pr.kind != "cert.not-yet-valid":
                continue
            ci = v.best.certs[pr.index].info
            days = (ci.not_before - v.analysis.at).total_seconds() / 86400
            yield Finding(
                id="cert.not-yet-valid",
                severity=Severity.FATAL,
                title=f"{_role(pr.index, ci)} is not valid until {ci.not_before:%Y-%m-%d %H:%M} UTC ({_ago(days)} from the time judged)",
                evidence=(
                    v.item(pr.index, f"notBefore {ci.not_before:%Y-%m-%d %H:%M:%S} UTC"),
                    EvidenceItem(Where("judged at"), f"{v.analysis.at:%Y-%m-%d %H:%M:%S} UTC"),
                ),
                detail="A client whose clock is behind sees every new certificate as not yet valid: check the device's clock (NTP) first.",
                clients=verdict(p, "cert.not-yet-valid"),
                fixes=(
                    Fix(
                        "general",
                        "Set the client's clock (enable NTP / SNTP on devices before the TLS connection).",
                    ),
                    Fix(
                        "openssl",
                        "If the start date really is in the future, re-issue the certificate without a future notBefore.",
                    ),
                ),
                refs=("RFC 5280 §4.1.2.5",),
                order=ORDER_DATES,
            )


# -------------------------------------------------------------------------- names


def _san_list(v: ChainView) -> str:
    leaf = v.leaf_info()
    names = [f"DNS:{d}" for d in leaf.dns_names] + [f"IP:{ip}" for ip in leaf.ip_addresses]
    return ", ".join(names) if names else "(no subjectAltName)"


def _names_apply(e: Evidence, p: Policy) -> bool:
    return any(host_for(e, c) for c in server_chains(e))


@rule(
    "cert.name-mismatch",
    Severity.FATAL,
    "The certificate is not valid for the name the client connects to",
    ["RFC 9525 §6.3", "RFC 6125 §6.4"],
    applies=_names_apply,
    ok="the certificate covers the host name",
    needs="host name not checked: pass --host NAME",
)
def name_mismatch(e: Evidence, p: Policy) -> Iterator[Result]:
    """The client compares the name it connects to with the certificate's
    subjectAltName entries (DNS names, and IP addresses for an IP). A wildcard
    covers exactly one label. The finding lists every name the certificate
    does cover."""
    for v in chain_views(e, p):
        host = host_for(e, v.chain)
        if not host:
            continue
        nc = check_name(v.leaf_info(), host)
        if nc.matches or nc.ip_in_dns_san or nc.cn_only:
            continue
        leaf = v.leaf_info()
        cn = f"; subject CN is '{leaf.common_names[0]}'" if leaf.common_names else ""
        yield Finding(
            id="cert.name-mismatch",
            severity=Severity.FATAL,
            title=f"The certificate is not valid for '{host}': it covers {_san_list(v)}",
            evidence=(v.item(0, f"subjectAltName: {_san_list(v)}{cn}"),),
            clients=verdict(p, "cert.name-mismatch"),
            fixes=(
                fixes.reissue_leaf(f"that lists '{host}' in its subjectAltName", host),
                Fix(
                    "general",
                    "Or connect with a name the certificate covers, or check that the right virtual host (SNI) answers.",
                ),
            ),
            refs=("RFC 9525 §6.3",),
            order=ORDER_NAME,
        )


@rule(
    "cert.ip-in-dns-san",
    Severity.FATAL,
    "An IP address is written as a DNS name in the subjectAltName",
    ["RFC 5280 §4.2.1.6", "RFC 9525 §6.2.1"],
    applies=_names_apply,
    ok="IP addresses are written as IP entries",
    needs="host name not checked: pass --host NAME",
)
def ip_in_dns_san(e: Evidence, p: Policy) -> Iterator[Result]:
    """An IP address must appear as an iPAddress entry (IP:192.0.2.1). Written as
    a dNSName (DNS:192.0.2.1) it never matches: clients compare IP addresses
    only with iPAddress entries."""
    for v in chain_views(e, p):
        host = host_for(e, v.chain)
        if not host:
            continue
        nc = check_name(v.leaf_info(), host)
        if not nc.ip_in_dns_san or p.ip_in_dns_san_matches:
            continue
        yield Finding(
            id="cert.ip-in-dns-san",
            severity=Severity.FATAL,
            title=f"The certificate lists {host} as a DNS name, but clients only match IP addresses against IP entries",
            evidence=(v.item(0, f"subjectAltName: {_san_list(v)}"),),
            clients=verdict(p, "cert.ip-in-dns-san"),
            fixes=(
                Fix(
                    "openssl",
                    "Re-issue with the address as an IP entry.",
                    f"-addext 'subjectAltName=IP:{host}'",
                ),
            ),
            refs=("RFC 5280 §4.2.1.6",),
            order=ORDER_NAME,
        )


@rule(
    "cert.no-san",
    Severity.FATAL,
    "The certificate has no subjectAltName (names only in the CN)",
    ["CA/Browser Forum BR §7.1.2.7.12", "RFC 9525 §6.3"],
    applies=has_server_chain,
    ok="the certificate has a subjectAltName",
)
def no_san(e: Evidence, p: Policy) -> Iterator[Result]:
    """Browsers, Apple platforms, Android, Go and Python (3.7+ with
    hostname checking) look only at subjectAltName; the subject Common Name
    has not counted since 2017. OpenSSL still falls back to the CN when there is
    no DNS name, which is why `openssl s_client` may pass where apps fail."""
    for v in chain_views(e, p):
        leaf = v.leaf_info()
        if leaf.dns_names or leaf.ip_addresses:
            continue
        host = host_for(e, v.chain)
        sev = Severity.WARN if p.cn_fallback else Severity.FATAL
        cn = leaf.common_names[0] if leaf.common_names else None
        what = f"names '{cn}' only in its subject Common Name" if cn else "has no name at all"
        yield Finding(
            id="cert.no-san",
            severity=sev,
            title=f"The certificate {what}; clients that ignore the Common Name reject it",
            evidence=(v.item(0, "no subjectAltName extension" + (f"; CN={cn}" if cn else "")),),
            clients={
                p.name: "tolerated (uses the CN)"
                if p.cn_fallback
                else f"fails: {p.errors.get('cert.no-san', 'name not matched')}",
                **({} if p.cn_fallback else {"openssl": "tolerated (falls back to the CN)"}),
            },
            fixes=(fixes.reissue_leaf("with a subjectAltName", host or cn or "example.com"),),
            refs=("RFC 9525 §6.3",),
            order=ORDER_NAME,
        )


# ------------------------------------------------------------------ keys & hashes


@rule(
    "cert.weak-key",
    Severity.FATAL,
    "A key on the path is too small",
    ["CA/Browser Forum BR §6.1.5", "NIST SP 800-131A"],
    applies=has_server_chain,
    ok="key sizes are strong enough",
)
def weak_key(e: Evidence, p: Policy) -> Iterator[Result]:
    """RSA keys under 2048 bits (and EC keys under 224 bits) are refused by
    current clients: OpenSSL at its default security level 2, Apple, Chrome
    and Java. Some clients exempt roots you added yourself; the policy says."""
    for v in chain_views(e, p):
        public = v.public
        minimum = p.min_rsa(public)
        for idx, pc in enumerate(v.best.certs):
            ci = pc.info
            if idx == len(v.best.certs) - 1 and v.best.trusted and idx > 0:
                continue  # the anchor's own key is the store's business
            k = ci.key
            if k.kind in ("RSA", "DSA"):
                floor = minimum
            elif k.kind == "EC":
                floor = p.min_ec_bits
            else:
                continue
            if k.bits >= floor:
                continue
            yield Finding(
                id="cert.weak-key",
                severity=Severity.FATAL,
                title=f"{_role(idx, ci)} has a {k} key; this client requires at least {floor}-bit {k.kind}",
                evidence=(v.item(idx, f"public key: {k}"),),
                clients=verdict(p, "cert.weak-key"),
                fixes=(fixes.reissue_leaf("with a new key (EC P-256, or RSA 2048+)", ci.name),),
                refs=("CA/Browser Forum BR §6.1.5",),
                order=ORDER_KEY,
            )


@rule(
    "cert.weak-signature",
    Severity.FATAL,
    "A certificate is signed with a broken hash (SHA-1, MD5)",
    ["RFC 9155", "CA/Browser Forum BR §7.1.3.2"],
    applies=has_server_chain,
    ok="signatures use SHA-256 or better",
)
def weak_signature(e: Evidence, p: Policy) -> Iterator[Result]:
    """SHA-1 and MD5 collisions are practical, so clients no longer accept
    certificate signatures that use them. The root's signature on itself does
    not count: clients trust the root by its key."""
    for v in chain_views(e, p):
        if not v.public and p.weak_signature_private_ok:
            continue
        last = len(v.best.certs) - 1
        for idx, pc in enumerate(v.best.certs):
            ci = pc.info
            if idx == last and idx > 0 and (v.best.trusted or v.best.end == "untrusted-root"):
                continue  # a root's signature on itself proves nothing either way
            if idx == 0 and last == 0 and ci.self_signed:
                continue
            h = ci.signature_hash
            if h is None or h not in p.weak_signature_hashes:
                continue
            yield Finding(
                id="cert.weak-signature",
                severity=Severity.FATAL,
                title=f"{_role(idx, ci)} is signed with {h.upper()}, which this client no longer accepts",
                evidence=(v.item(idx, f"signature algorithm: {ci.signature_algorithm}"),),
                clients=verdict(p, "cert.weak-signature"),
                fixes=(
                    Fix(
                        "openssl",
                        "Have the CA re-issue the certificate with SHA-256.",
                        "openssl x509 -req ... -sha256",
                    ),
                ),
                refs=("RFC 9155",),
                order=ORDER_KEY,
            )


@rule(
    "cert.eku-missing-server-auth",
    Severity.FATAL,
    "The certificate is not issued for TLS server use",
    ["RFC 5280 §4.2.1.12", "CA/Browser Forum BR §7.1.2.7.10"],
    applies=has_server_chain,
    ok="the certificate may be used by TLS servers",
)
def eku_server_auth(e: Evidence, p: Policy) -> Iterator[Result]:
    """An extendedKeyUsage extension restricts what a certificate may be used
    for. A server certificate needs serverAuth; a certificate made for client
    authentication only (clientAuth) fails as a server certificate."""
    for v in chain_views(e, p):
        leaf = v.leaf_info()
        if leaf.allows_server_auth() and not (p.require_eku_present and leaf.eku is None):
            continue
        have = ", ".join(leaf.eku_names) if leaf.eku is not None else "no extendedKeyUsage"
        yield Finding(
            id="cert.eku-missing-server-auth",
            severity=Severity.FATAL,
            title=f"The server certificate is only for {have}, not for TLS servers (serverAuth)",
            evidence=(v.item(0, f"extendedKeyUsage: {have}"),),
            clients=verdict(p, "cert.eku-missing-server-auth"),
            fixes=(
                Fix(
                    "openssl",
                    "Re-issue the certificate with serverAuth in extendedKeyUsage.",
                    "-addext 'extendedKeyUsage=serverAuth'",
                ),
            ),
            refs=("RFC 5280 §4.2.1.12",),
            order=ORDER_PURPOSE,
        )


@rule(
    "cert.validity-too-long",
    Severity.FATAL,
    "The certificate's lifetime exceeds what clients allow",
    ["Apple HT211025 (398 days)", "Apple HT210176 (825 days)", "CA/Browser Forum BR §6.3.2"],
    applies=has_server_chain,
    ok="the lifetime is within client limits",
)
def validity_too_long(e: Evidence, p: Policy) -> Iterator[Result]:
    """Apple platforms reject server certificates valid for more than 825 days
    (issued after 2019-07-01, any root), and for more than 398 days when they
    chain to a publicly trusted root (issued after 2020-09-01); Chrome applies
    the 398-day limit to public roots. Private CAs often issue 5- or 10-year
    device certificates, which then fail only on iPhones and Macs."""
    for v in chain_views(e, p):
        leaf = v.leaf_info()
        days = leaf.lifetime_days
        public = v.public
        limit = p.max_validity(public)
        issued = leaf.not_before
        if limit is not None and days > limit and (limit > 398 or issued >= APPLE_398_FROM):
            scope = "publicly trusted " if public and limit <= 398 else ""
            yield Finding(
                id="cert.validity-too-long",
                severity=Severity.FATAL if p.validity_fatal else Severity.WARN,
                title=f"The server certificate is valid for {days:.0f} days; this client accepts at most {limit} days for {scope}certificates",
                evidence=(
                    v.item(
                        0,
                        f"valid {leaf.not_before:%Y-%m-%d} to {leaf.not_after:%Y-%m-%d} ({days:.0f} days)",
                    ),
                ),
                clients=verdict(p, "cert.validity-too-long"),
                fixes=(
                    Fix(
                        "general",
                        f"Issue certificates valid for at most {limit} days (and automate renewal).",
                    ),
                ),
                refs=("Apple HT211025", "CA/Browser Forum BR §6.3.2"),
                order=ORDER_LIFETIME,
            )
            continue
        if days > 825 and issued >= APPLE_825_FROM and p.apple_validity_warning:
            yield Finding(
                id="cert.validity-too-long",
                severity=Severity.WARN,
                title=f"The server certificate is valid for {days:.0f} days; iPhones and Macs reject server certificates valid for more than 825 days",
                evidence=(
                    v.item(
                        0,
                        f"valid {leaf.not_before:%Y-%m-%d} to {leaf.not_after:%Y-%m-%d} ({days:.0f} days)",
                    ),
                ),
                clients={
                    "ios/macos": "fails: NSURLErrorServerCertificateUntrusted (-1202)",
                    p.name: "accepted",
                },
                fixes=(
                    Fix(
                        "general",
                        "Issue certificates valid for at most 825 days (398 for public names).",
                    ),
                ),
                refs=("Apple HT210176",),
                order=ORDER_LIFETIME,
            )


def _offline_chain(e: Evidence, p: Policy) -> bool:
    # A policy with ct_verify is judged by ct.policy-not-met instead.
    return has_server_chain(e) and not any(s.sct_counts for s in e.scans) and not p.ct_verify


@rule(
    "cert.no-sct",
    Severity.WARN,
    "A publicly trusted certificate carries no Certificate Transparency proof",
    ["RFC 6962 §3.3", "Chrome CT policy", "Apple CT policy (HT205280)"],
    applies=_offline_chain,
    ok="Certificate Transparency: SCTs embedded, or not required (private root)",
)
def no_sct(e: Evidence, p: Policy) -> Iterator[Result]:
    """Chrome and Apple platforms require signed certificate timestamps (SCTs)
    for certificates that chain to a public root: in the certificate itself,
    in the TLS handshake, or in a stapled OCSP response. A certificate file can
    only show the first; a live check sees all three. Private roots are exempt."""
    for v in chain_views(e, p):
        if not v.public or not v.best.trusted:
            continue
        leaf = v.leaf_info()
        if leaf.embedded_scts or leaf.has_sct_extension:
            continue
        yield Finding(
            id="cert.no-sct",
            severity=Severity.WARN,
            title="The certificate has no embedded SCTs; unless the server sends them in the handshake or a stapled OCSP response, Chrome and Apple devices reject it",
            evidence=(
                v.item(0, "no signed_certificate_timestamp extension (1.3.6.1.4.1.11129.2.4.2)"),
            ),
            observed=False,
            clients={
                "chrome": "fails without SCTs: NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED",
                "ios/macos": "fails without SCTs: -9802 / -1200 (No TLS-provided SCTs)",
            },
            fixes=(
                Fix(
                    "general",
                    "Use a certificate from a CA that embeds SCTs (all public CAs do by default), or check the live server: tlsdoctor check HOST",
                ),
            ),
            refs=("RFC 6962 §3.3",),
            order=ORDER_CT,
        )


# ------------------------------------------------------------------------ key match


def _has_key(e: Evidence, p: Policy) -> bool:
    # Any chain: the key may be a client certificate's.
    return bool(e.keys) and any(c.certs for c in e.chains)


@rule(
    "cert.key-mismatch",
    Severity.FATAL,
    "The private key does not belong to the certificate",
    ["RFC 8446 §4.4.3", "RFC 5280 §4.1.2.7"],
    applies=_has_key,
    ok="the private key matches the certificate",
    needs="key match not checked: pass --key FILE",
)
def key_mismatch(e: Evidence, p: Policy) -> Iterator[Result]:
    """A server proves it owns its certificate by signing with the matching
    private key. With the wrong key, servers refuse to start (nginx: "key values
    mismatch") or handshakes fail with decrypt_error / bad signature. The key's
    contents are never shown; only its type and size."""
    usable = [k for k in e.keys if k.public_key_der]
    if not usable:
        return
    for chain in e.chains:
        if not chain.certs:
            continue
        leaf = info(chain.certs[0].cert)
        if any(k.public_key_der == leaf.spki_der for k in usable):
            continue
        k = usable[0]
        others = [cc for cc in chain.certs[1:] if info(cc.cert).spki_der == k.public_key_der]
        facts = [
            EvidenceItem(k.where, f"private key: {k.description} (contents not shown)"),
            EvidenceItem(
                chain.certs[0].where, f"certificate '{leaf.name}' has a {leaf.key} public key"
            ),
        ]
        if others:
            facts.append(
                EvidenceItem(others[0].where, "the key belongs to this certificate instead")
            )
        yield Finding(
            id="cert.key-mismatch",
            severity=Severity.FATAL,
            title=f"The private key ({k.description}) does not belong to the certificate '{leaf.name}'",
            evidence=tuple(facts),
            clients={"server": "refuses to start or fails every handshake"},
            fixes=(
                Fix(
                    "openssl",
                    "Find the key whose public half matches the certificate (compare the two hashes).",
                    "openssl x509 -in server.crt -noout -pubkey | openssl sha256\n"
                    "openssl pkey -in server.key -pubout | openssl sha256",
                ),
            ),
            refs=("RFC 8446 §4.4.3",),
            order=1,
        )
        break
