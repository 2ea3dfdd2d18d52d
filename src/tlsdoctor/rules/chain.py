"""Chain rules: can a client build a trusted path from the served certificates?

RFC 5280 §6 (path validation), RFC 8446 §4.4.2 and RFC 5246 §7.4.2 (the
certificate_list a server sends).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from tlsdoctor.clients.policy import Policy
from tlsdoctor.model import Evidence, EvidenceItem, Finding, Fix, Severity, Where
from tlsdoctor.pki.certinfo import colon_hex, info
from tlsdoctor.rules import fixes
from tlsdoctor.rules.base import Result, rule
from tlsdoctor.rules.context import ChainView, chain_views, has_server_chain, server_chains

# Where in a client's checking each problem is met (lower: earlier).
ORDER_LEAF_NOT_FIRST = 5
ORDER_SELF_SIGNED = 8
ORDER_PATH = 10
ORDER_CA_SHAPE = 20


def verdict(policy: Policy, rule_id: str) -> dict[str, str]:
    err = policy.errors.get(rule_id)
    return {policy.name: f"fails: {err}" if err else "fails"}


def _path_problems(v: ChainView, kind: str) -> list[tuple[int, str]]:
    return [(pr.index, pr.detail) for pr in v.best.problems if pr.kind == kind]


# --------------------------------------------------------------------- incomplete


@rule(
    "chain.incomplete",
    Severity.FATAL,
    "The server does not send an intermediate certificate clients need",
    ["RFC 5280 §6.1", "RFC 8446 §4.4.2"],
    applies=has_server_chain,
    ok="the server sends every intermediate needed",
)
def incomplete(e: Evidence, p: Policy) -> Iterator[Result]:
    """A client builds a path from the server's certificate up to a root it trusts,
    using only the certificates the server sends (most clients do not download
    missing ones). When the issuer of a certificate on the path is neither sent
    nor a trusted root, the path stops short. The finding names the missing
    issuer by subject and key identifier, and gives its download URL when the
    certificate carries one (Authority Information Access). Browsers that fetch
    or cache intermediates can hide the problem, so "it works in my browser" is
    common; curl, Python, Java, Android apps and devices fail."""
    for v in chain_views(e, p):
        best = v.best
        if best.end != "incomplete":
            continue
        last = best.last.info
        if best.bad_signature_from:
            continue  # reported as chain.bad-signature
        if len(best.certs) > 1 and not _leaf_missing_issuer(v):
            continue  # the top of the served chain is an intermediate: untrusted-root
        aki = f" (key id {colon_hex(last.aki)})" if last.aki else ""
        items = [
            v.item(
                len(best.certs) - 1,
                f"'{last.name}' is issued by '{last.issuer_name}'{aki}, which the server "
                "does not send and which is not a trusted root",
            )
        ]
        fx: list[Fix] = []
        if last.aia_ca_issuers:
            items.append(
                v.item(
                    len(best.certs) - 1, f"its issuer can be fetched from {last.aia_ca_issuers[0]}"
                )
            )
            fx.append(fixes.fetch_issuer(last.aia_ca_issuers[0]))
        fx.extend(fixes.serve_full_chain())
        sev = Severity.WARN if p.aia_fetching and last.aia_ca_issuers else Severity.FATAL
        yield Finding(
            id="chain.incomplete",
            severity=sev,
            title=(
                f"The server does not send the intermediate certificate '{last.issuer_name}' "
                f"that issued '{last.name}', so clients cannot link it to a trusted root"
            ),
            evidence=tuple(items),
            clients=verdict(p, "chain.incomplete"),
            fixes=tuple(fx),
            refs=("RFC 5280 §6.1", "RFC 8446 §4.4.2"),
            order=ORDER_PATH,
        )


def _leaf_missing_issuer(v: ChainView) -> bool:
    """True when the gap is right above the leaf, or above a served certificate
    that is not the last one served (a hole in the middle of the chain)."""
    best = v.best
    if len(best.certs) == 1:
        return True
    if best.last.info.aia_ca_issuers:
        # The topmost served certificate says where its issuer is published: a
        # public-style intermediate the server should send, not a private root.
        return True
    # The path climbed through served intermediates and stopped: the missing piece
    # is above the topmost one.  If the server sent more CA certificates that are
    # not on this path, the gap is in the middle (an intermediate is missing).
    on_path = {pc.info.fingerprint for pc in best.certs}
    others = [
        cc
        for cc in v.chain.certs
        if info(cc.cert).fingerprint not in on_path and info(cc.cert).is_ca
    ]
    return bool(others)


# -------------------------------------------------------------------- untrusted root


@rule(
    "chain.untrusted-root",
    Severity.FATAL,
    "The chain ends at a root the client does not trust",
    ["RFC 5280 §6.1", "RFC 5280 §3.2"],
    applies=has_server_chain,
    ok="the chain ends at a trusted root",
)
def untrusted_root(e: Evidence, p: Policy) -> Iterator[Result]:
    """The served certificates link up to a root certificate (or to an issuer
    above the last intermediate) that is not in the client's trust store. That
    is normal for a private or company CA: clients must be given the root. It is
    distinct from a missing intermediate, where the server is at fault, and from
    a self-signed leaf, where there is no CA at all."""
    for v in chain_views(e, p):
        best = v.best
        if best.end == "untrusted-root" and len(best.certs) > 1:
            root = best.last.info
            yield _untrusted(v, p, len(best.certs) - 1, f"root '{root.name}'", served_root=True)
        elif (
            best.end == "incomplete"
            and len(best.certs) > 1
            and not best.bad_signature_from
            and not _leaf_missing_issuer(v)
        ):
            top = best.last.info
            yield _untrusted(
                v, p, len(best.certs) - 1, f"root '{top.issuer_name}'", served_root=False
            )


def _untrusted(v: ChainView, p: Policy, idx: int, root_hint: str, served_root: bool) -> Finding:
    ci = v.best.certs[idx].info
    if served_root:
        fact = f"'{ci.name}' is a self-signed root that is not in the trust store ({v.store.description})"
        title = (
            f"The chain ends at {root_hint}, which this client does not trust "
            "(a private CA, or not a root any store includes)"
        )
    else:
        aki = f" (key id {colon_hex(ci.aki)})" if ci.aki else ""
        fact = (
            f"'{ci.name}' is issued by '{ci.issuer_name}'{aki}, which is not in the trust "
            f"store ({v.store.description})"
        )
        title = (
            f"The chain leads up to {root_hint[5:]}, which this client does not trust: if it "
            "is your private root, install it on the clients (tlsdoctor: --ca); if it is an "
            "intermediate, the server must send it"
        )
    return Finding(
        id="chain.untrusted-root",
        severity=Severity.FATAL,
        title=title,
        evidence=(v.item(idx, fact),),
        clients=verdict(p, "chain.untrusted-root"),
        fixes=fixes.trust_private_root(root_hint),
        refs=("RFC 5280 §6.1",),
        order=ORDER_PATH,
    )


# ------------------------------------------------------------------ self-signed leaf


@rule(
    "chain.self-signed-leaf",
    Severity.FATAL,
    "The server certificate is self-signed",
    ["RFC 5280 §6.1", "CA/Browser Forum BR §7.1.2.7"],
    applies=has_server_chain,
    ok="the server certificate is issued by a CA",
)
def self_signed_leaf(e: Evidence, p: Policy) -> Iterator[Result]:
    """The server's own certificate names itself as issuer and is signed by its
    own key: there is no CA behind it. Clients reject it unless it is installed
    as trusted — and Chromium-based browsers reject a self-signed certificate
    that is not a CA even then, because a trust anchor must be a CA. Devices
    (mbedTLS, ESP-IDF) that generate their own certificate hit this: browsers
    answer with alert 46 certificate_unknown or 48 unknown_ca."""
    for v in chain_views(e, p):
        best = v.best
        leaf = v.leaf_info()
        if len(best.certs) != 1 or not leaf.self_signed:
            continue
        trusted = best.trusted
        if trusted and (leaf.is_ca or p.self_signed_leaf_ok):
            continue
        kind = (
            "a CA certificate"
            if leaf.is_ca
            else "not a CA (basicConstraints cA is false or absent)"
        )
        facts = [
            v.item(0, f"issuer and subject are both '{leaf.name}' and it is signed by its own key"),
            v.item(0, f"it is {kind}"),
        ]
        if trusted:
            facts.append(
                v.item(
                    0,
                    "it is in the trust store you gave, but a non-CA certificate cannot be a trust anchor for this client",
                )
            )
        title = f"The server certificate '{leaf.name}' is self-signed " + (
            "and not a CA, so browsers reject it even when it is installed as trusted"
            if not leaf.is_ca
            else "and no client trusts it unless it is installed"
        )
        yield Finding(
            id="chain.self-signed-leaf",
            severity=Severity.FATAL,
            title=title,
            evidence=tuple(facts),
            clients=verdict(p, "chain.self-signed-leaf"),
            fixes=(
                Fix(
                    "openssl",
                    "Create a small CA once, install its root on your clients, and issue the "
                    "server (device) certificate from it.",
                    "openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\\n"
                    "  -keyout ca.key -out ca.pem -days 3650 -subj '/CN=My Device CA' \\\n"
                    "  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign\n"
                    "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\\n"
                    "  -keyout server.key -out server.csr -subj '/CN=device.local'\n"
                    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -days 365 \\\n"
                    "  -out server.crt -extfile <(printf 'subjectAltName=DNS:device.local\\n"
                    "extendedKeyUsage=serverAuth\\nbasicConstraints=CA:FALSE')",
                ),
                Fix(
                    "mbedtls",
                    "On the device, load the CA-issued certificate and key instead of the "
                    "self-signed one (mbedtls_x509_crt_parse, mbedtls_ssl_conf_own_cert).",
                ),
            ),
            refs=("RFC 5280 §6.1", "RFC 5280 §4.2.1.9"),
            order=ORDER_SELF_SIGNED,
        )


# --------------------------------------------------------------- CA shape problems


def _ca_shape_rule(kind: str) -> object:
    def check(e: Evidence, p: Policy) -> Iterator[Result]:
        for v in chain_views(e, p):
            for idx, detail in _path_problems(v, kind):
                ci = v.best.certs[idx].info
                below = v.best.certs[idx - 1].info
                yield _CA_SHAPE[kind](v, p, idx, ci.name, below.name, detail)

    return check


def _issuer_not_ca(
    v: ChainView, p: Policy, idx: int, name: str, below: str, detail: str
) -> Finding:
    return Finding(
        id="chain.issuer-not-ca",
        severity=Severity.FATAL,
        title=f"'{name}' issued '{below}' but is not marked as a CA ({detail}), so clients refuse it as an issuer",
        evidence=(v.item(idx, detail), v.item(idx - 1, f"issued by '{name}'")),
        clients=verdict(p, "chain.issuer-not-ca"),
        fixes=(
            Fix(
                "openssl",
                f"Re-issue '{name}' as a CA certificate (basicConstraints critical, CA:TRUE, "
                "keyUsage keyCertSign), then re-issue what it signed.",
                "openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -days 1825 -out int.pem \\\n"
                "  -extfile <(printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign,cRLSign')",
            ),
        ),
        refs=("RFC 5280 §4.2.1.9", "RFC 5280 §6.1.4 (k)"),
        order=ORDER_CA_SHAPE,
    )


def _path_len(v: ChainView, p: Policy, idx: int, name: str, below: str, detail: str) -> Finding:
    ci = v.best.certs[idx].info
    # Name the CA certificate that should not be there: the one right below.
    return Finding(
        id="chain.path-len-exceeded",
        severity=Severity.FATAL,
        title=(
            f"Intermediate '{name}' allows {_count(ci.path_len)} below it "
            f"(pathLenConstraint={ci.path_len}), but '{below}' follows it"
        ),
        evidence=(
            v.item(idx, f"basicConstraints: CA:TRUE, pathLenConstraint={ci.path_len}"),
            v.item(idx - 1, f"'{below}' is a CA certificate issued by '{name}'"),
        ),
        clients=verdict(p, "chain.path-len-exceeded"),
        fixes=(
            Fix(
                "openssl",
                f"Issue the lower CA directly from a CA that allows it (e.g. re-issue '{below}' "
                f"from the root), or re-issue '{name}' with a larger pathLenConstraint "
                "(or none).",
                "openssl x509 -req -in int-b.csr -CA root.pem -CAkey root.key -days 1825 -out int-b.pem \\\n"
                "  -extfile <(printf 'basicConstraints=critical,CA:TRUE,pathlen:0\\nkeyUsage=critical,keyCertSign,cRLSign')",
            ),
        ),
        refs=("RFC 5280 §4.2.1.9", "RFC 5280 §6.1.4 (l)-(m)"),
        order=ORDER_CA_SHAPE,
    )


def _count(n: int | None) -> str:
    if n == 0:
        return "no CA certificate"
    return f"at most {n} CA certificate(s)"


def _key_usage(v: ChainView, p: Policy, idx: int, name: str, below: str, detail: str) -> Finding:
    return Finding(
        id="chain.issuer-key-usage",
        severity=Severity.FATAL,
        title=f"'{name}' issued '{below}', but its keyUsage does not allow signing certificates (keyCertSign)",
        evidence=(v.item(idx, detail),),
        clients=verdict(p, "chain.issuer-key-usage"),
        fixes=(
            Fix(
                "openssl",
                f"Re-issue '{name}' with keyUsage keyCertSign (and cRLSign).",
                "-addext 'keyUsage=critical,keyCertSign,cRLSign'",
            ),
        ),
        refs=("RFC 5280 §4.2.1.3", "RFC 5280 §6.1.4 (n)"),
        order=ORDER_CA_SHAPE,
    )


def _ca_eku(v: ChainView, p: Policy, idx: int, name: str, below: str, detail: str) -> Finding:
    return Finding(
        id="chain.ca-eku",
        severity=Severity.FATAL,
        title=f"Intermediate '{name}' is restricted to other purposes and may not vouch for TLS servers",
        evidence=(v.item(idx, detail),),
        clients=verdict(p, "chain.ca-eku"),
        fixes=(
            Fix(
                "openssl",
                f"Re-issue '{name}' with serverAuth in its extendedKeyUsage, or without the "
                "extension.",
                "-addext 'extendedKeyUsage=serverAuth,clientAuth'",
            ),
        ),
        refs=("CA/Browser Forum BR §7.1.2.2", "RFC 5280 §4.2.1.12"),
        order=ORDER_CA_SHAPE,
    )


_CA_SHAPE = {
    "chain.issuer-not-ca": _issuer_not_ca,
    "chain.path-len-exceeded": _path_len,
    "chain.issuer-key-usage": _key_usage,
    "chain.ca-eku": _ca_eku,
}

rule(
    "chain.issuer-not-ca",
    Severity.FATAL,
    "A certificate on the path is used as an issuer but is not a CA",
    ["RFC 5280 §4.2.1.9", "RFC 5280 §6.1.4 (k)"],
    applies=has_server_chain,
    doc="""A certificate that signs another must be a CA: its basicConstraints
    extension must be present with cA set to TRUE. An intermediate made without
    the extension (a common mistake when building a private PKI with plain
    `openssl x509 -req` and no extension file) cannot issue anything, so every
    client rejects the certificates below it.""",
    ok="every issuer is a CA",
)(_ca_shape_rule("chain.issuer-not-ca"))  # type: ignore[arg-type]
rule(
    "chain.path-len-exceeded",
    Severity.FATAL,
    "An intermediate's pathLenConstraint forbids the CA certificates below it",
    ["RFC 5280 §4.2.1.9", "RFC 5280 §6.1.4 (l)-(m)"],
    applies=has_server_chain,
    doc="""pathLenConstraint in an intermediate's basicConstraints limits how many
    CA certificates may follow it on the way down to the leaf. With
    pathLenConstraint=0, the intermediate may only issue end-entity
    certificates; another CA below it breaks every path through it.""",
    ok="path length constraints hold",
)(_ca_shape_rule("chain.path-len-exceeded"))  # type: ignore[arg-type]
rule(
    "chain.issuer-key-usage",
    Severity.FATAL,
    "An issuer's keyUsage lacks keyCertSign",
    ["RFC 5280 §4.2.1.3", "RFC 5280 §6.1.4 (n)"],
    applies=has_server_chain,
    doc="""When a CA certificate carries a keyUsage extension, it must include
    keyCertSign for the CA to sign certificates. Without it, clients refuse the
    signature on the certificate below.""",
    ok="every issuer may sign certificates (keyCertSign)",
)(_ca_shape_rule("chain.issuer-key-usage"))  # type: ignore[arg-type]
rule(
    "chain.ca-eku",
    Severity.FATAL,
    "An intermediate's extendedKeyUsage excludes serverAuth",
    ["CA/Browser Forum BR §7.1.2.2", "RFC 5280 §4.2.1.12"],
    applies=has_server_chain,
    doc="""An extendedKeyUsage on an intermediate limits what it may vouch for.
    When it lists purposes but not serverAuth (for example only clientAuth or
    emailProtection), browsers and OpenSSL refuse it on a server's path.""",
    ok="no intermediate excludes serverAuth",
)(_ca_shape_rule("chain.ca-eku"))  # type: ignore[arg-type]


# ---------------------------------------------------------------- served chain shape


@rule(
    "chain.wrong-order",
    Severity.FATAL,
    "The served certificates are not in order (leaf first, each followed by its issuer)",
    ["RFC 8446 §4.4.2", "RFC 5246 §7.4.2"],
    applies=has_server_chain,
    ok="certificates are served in order",
)
def wrong_order(e: Evidence, p: Policy) -> Iterator[Result]:
    """TLS 1.2 requires the server's certificate first and each following
    certificate to certify the one before it; TLS 1.3 keeps the leaf-first rule
    but lets clients reorder the rest. Most current clients sort intermediates
    themselves, but older Java, embedded stacks and some load balancers do not.
    A leaf that is not first breaks every client: the first certificate is
    taken as the server's."""
    for v in chain_views(e, p):
        served = v.chain.certs
        leaf_like = [i for i, cc in enumerate(served) if not info(cc.cert).is_ca]
        first = info(served[0].cert)
        if first.is_ca and leaf_like and v.chain.served:
            i = leaf_like[0]
            yield Finding(
                id="chain.wrong-order",
                severity=Severity.FATAL,
                title=(
                    f"The server sends CA certificate '{first.name}' first; the server's own "
                    f"certificate ('{info(served[i].cert).name}') must come first"
                ),
                evidence=(
                    EvidenceItem(served[0].where, f"'{first.name}' is a CA certificate"),
                    EvidenceItem(served[i].where, "the end-entity certificate"),
                ),
                clients=verdict(p, "chain.wrong-order"),
                fixes=fixes.serve_full_chain(),
                refs=("RFC 8446 §4.4.2", "RFC 5246 §7.4.2"),
                order=ORDER_LEAF_NOT_FIRST,
            )
            continue
        # Intermediates: each served certificate on the path should sit right after
        # the one it issued.
        positions = [pc.served_index for pc in v.best.certs if pc.served_index is not None]
        if positions != sorted(positions) or any(
            b - a != 1 for a, b in itertools.pairwise(positions)
        ):
            if positions == sorted(positions):
                continue  # in order, with extras interleaved: chain.extra-certs says so
            order = ", ".join(f"'{info(served[i].cert).name}' (#{i})" for i in positions)
            yield Finding(
                id="chain.wrong-order",
                severity=Severity.WARN,
                title="The intermediate certificates are sent out of order; strict clients fail to build the path",
                evidence=(
                    EvidenceItem(
                        Where(v.chain.source),
                        f"path order is {order}; served order is "
                        + ", ".join(f"#{i}" for i in range(len(served))),
                    ),
                ),
                clients={p.name: "tolerated (reorders)", "strict TLS 1.2 clients": "may fail"},
                fixes=fixes.serve_full_chain(),
                refs=("RFC 5246 §7.4.2", "RFC 8446 §4.4.2"),
                order=80,
            )


@rule(
    "chain.extra-certs",
    Severity.WARN,
    "The server sends certificates that are on no path to a root",
    ["RFC 8446 §4.4.2"],
    applies=has_server_chain,
    ok="no unrelated certificates are served",
)
def extra_certs(e: Evidence, p: Policy) -> Iterator[Result]:
    """Certificates that do not certify anything on the path are dead weight:
    they make every handshake bigger and confuse clients that walk the list in
    order. Often a stale intermediate left in the bundle after a renewal, or
    the wrong file concatenated."""
    for v in chain_views(e, p):
        used = {pc.info.fingerprint for path in v.analysis.paths for pc in path.certs}
        seen: set[bytes] = set()
        extras = []
        for cc in v.chain.certs:
            ci = info(cc.cert)
            if ci.fingerprint in used or ci.fingerprint in seen:
                seen.add(ci.fingerprint)
                continue
            seen.add(ci.fingerprint)
            extras.append(
                EvidenceItem(
                    cc.where, f"'{ci.name}' (issued by '{ci.issuer_name}') is not on any path"
                )
            )
        if extras:
            yield Finding(
                id="chain.extra-certs",
                severity=Severity.WARN,
                title=f"The server sends {len(extras)} certificate(s) unrelated to its chain",
                evidence=tuple(extras),
                clients={"strict clients": "may fail", p.name: "tolerated"},
                fixes=(
                    Fix("general", "Remove the unrelated certificates from the served chain file."),
                ),
                refs=("RFC 8446 §4.4.2",),
                order=85,
            )


@rule(
    "chain.duplicate",
    Severity.INFO,
    "The same certificate is sent twice",
    ["RFC 5246 §7.4.2"],
    applies=has_server_chain,
    ok="no certificate is served twice",
)
def duplicate(e: Evidence, p: Policy) -> Iterator[Result]:
    """A certificate that appears twice in the served chain usually comes from
    concatenating a full-chain file with the intermediate again. Harmless for
    most clients, but wasteful, and a few strict parsers reject it."""
    for chain in server_chains(e):
        seen: dict[bytes, int] = {}
        for i, cc in enumerate(chain.certs):
            fp = info(cc.cert).fingerprint
            if fp in seen:
                yield Finding(
                    id="chain.duplicate",
                    severity=Severity.INFO,
                    title=f"'{info(cc.cert).name}' is sent twice (positions {seen[fp]} and {i})",
                    evidence=(EvidenceItem(cc.where, "same certificate as an earlier one"),),
                    fixes=(Fix("general", "Remove the repeated certificate from the chain file."),),
                    refs=("RFC 5246 §7.4.2",),
                    order=90,
                )
            else:
                seen[fp] = i


@rule(
    "chain.contains-anchor",
    Severity.INFO,
    "The server sends the root certificate",
    ["RFC 8446 §4.4.2", "RFC 5246 §7.4.2"],
    applies=has_server_chain,
    ok="the root is not sent (as it should be)",
)
def contains_anchor(e: Evidence, p: Policy) -> Iterator[Result]:
    """Clients must already hold the root; sending it costs bytes in every
    handshake and gains nothing (RFC 8446 allows omitting it)."""
    for v in chain_views(e, p):
        for i, cc in enumerate(v.chain.certs):
            ci = info(cc.cert)
            if i > 0 and ci.self_signed and ci.is_ca:
                yield Finding(
                    id="chain.contains-anchor",
                    severity=Severity.INFO,
                    title=f"The server sends the root certificate '{ci.name}', which clients already have or do not trust anyway",
                    evidence=(EvidenceItem(cc.where, "self-signed root certificate"),),
                    fixes=(Fix("general", "Drop the root from the served chain file."),),
                    refs=("RFC 8446 §4.4.2",),
                    order=95,
                )


@rule(
    "chain.alternate-path",
    Severity.INFO,
    "Another path (a cross-signed alternative) exists and fails",
    ["RFC 4158 §2.4"],
    applies=has_server_chain,
    ok="no failing alternative path",
)
def alternate_path(e: Evidence, p: Policy) -> Iterator[Result]:
    """When an intermediate is cross-signed, a client may build one of several
    paths. The chosen path is valid, but clients that pick the other one (older
    OpenSSL builds, some embedded stacks that follow the served order) fail."""
    for v in chain_views(e, p):
        best = v.best
        if not best.trusted or best.problems:
            continue
        for other in v.analysis.paths[1:]:
            if not other.problems and other.trusted:
                continue
            reasons = "; ".join(
                f"'{other.certs[pr.index].info.name}': {pr.detail}" for pr in other.problems
            ) or other.end.replace("-", " ")
            yield Finding(
                id="chain.alternate-path",
                severity=Severity.INFO,
                title=(
                    f"Clients use the valid path {best.names()}; another path through the "
                    f"served certificates fails ({reasons})"
                ),
                evidence=(
                    EvidenceItem(Where(v.chain.source), f"valid path: {best.names()}"),
                    EvidenceItem(
                        Where(v.chain.source), f"failing path: {other.names()} — {reasons}"
                    ),
                ),
                clients={"clients that follow the served order only": "may fail"},
                fixes=(
                    Fix(
                        "general",
                        "Stop serving the certificate that leads to the failing path once "
                        "your clients no longer need it.",
                    ),
                ),
                refs=("RFC 4158 §2.4",),
                order=96,
            )
            break
