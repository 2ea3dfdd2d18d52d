"""One rule, one test: evidence that fires it, and evidence that does not.

Every registered rule must appear in FIRING below (a meta-test checks it), so a
new rule cannot land without its test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tlsdoctor.clients.policy import BROWSER, OPENSSL3
from tlsdoctor.engine import run_rules
from tlsdoctor.lab import chains
from tlsdoctor.lab.pki import ca, make_key
from tlsdoctor.model import Chain, ChainCert, Evidence, KeyInfo, Secret, Severity, Where
from tlsdoctor.rules import RULES


def evidence_of(certs, anchors=(), host="localhost", keys=(), at=None) -> Evidence:
    from cryptography.hazmat.primitives.serialization import Encoding

    ccs = tuple(
        ChainCert(c, c.public_bytes(Encoding.DER), Where("test", f"cert[{i}]"))
        for i, c in enumerate(certs)
    )
    anc = tuple(
        ChainCert(c, c.public_bytes(Encoding.DER), Where("--ca", f"root[{i}]"))
        for i, c in enumerate(anchors)
    )
    return Evidence(
        sources=("test",),
        chains=(Chain(ccs, "test"),),
        private_anchors=anc,
        host=host,
        keys=keys,
        at=at,
    )


def from_case(name: str) -> Evidence:
    from cryptography import x509

    built = chains.BY_NAME[name].build()
    served = x509.load_pem_x509_certificates(built.served)
    roots = x509.load_pem_x509_certificates(built.root) if built.root else []
    keys = ()
    if built.key is not None:
        from cryptography.hazmat.primitives import serialization

        k = serialization.load_pem_private_key(built.key, None)
        spki = k.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        keys = (KeyInfo(spki, "EC", Where("key.pem"), Secret(built.key, "private key")),)
    return evidence_of(served, roots, host=built.host, keys=keys)


def key_usage_no_certsign() -> Evidence:
    root = ca("R")
    leaf = root.intermediate("No CertSign", key_cert_sign=False).leaf("localhost")
    return evidence_of(leaf.chain, [root.cert])


def ca_eku() -> Evidence:
    root = ca("R")
    leaf = root.intermediate("Email Only CA", eku=["emailProtection"]).leaf("localhost")
    return evidence_of(leaf.chain, [root.cert])


def duplicate() -> Evidence:
    root = ca("R")
    leaf = root.intermediate("I").leaf("localhost")
    return evidence_of([*leaf.chain, leaf.chain[1]], [root.cert])


def contains_anchor() -> Evidence:
    root = ca("R")
    leaf = root.intermediate("I").leaf("localhost")
    return evidence_of([*leaf.chain, root.cert], [root.cert])


def leaf_not_first() -> Evidence:
    root = ca("R")
    leaf = root.intermediate("I").leaf("localhost")
    return evidence_of([leaf.chain[1], leaf.chain[0]], [root.cert])


def long_public() -> Evidence:
    root = ca("Public-ish Root")
    leaf = root.intermediate("I").leaf("localhost", days=500)
    return evidence_of(leaf.chain, [root.cert])


def mtls_transcript() -> Evidence:
    from tlsdoctor.model import AlertSeen, Connection, Outcome, Side, Transcript, WireMessage
    from tlsdoctor.wire.messages import Alert, Certificate, CertificateRequest

    w = lambda n: Where("hand-built", f"frame {n}")  # noqa: E731
    t = Transcript(
        source="hand-built",
        messages=(
            WireMessage(Side.CLIENT, "ClientHello", where=w(4)),
            WireMessage(Side.SERVER, "ServerHello", where=w(6)),
            WireMessage(Side.SERVER, "Certificate", where=w(6)),
            WireMessage(
                Side.SERVER,
                "CertificateRequest",
                CertificateRequest(certificate_types=b"\x01\x40"),
                where=w(6),
            ),
            WireMessage(Side.SERVER, "ServerHelloDone", where=w(6)),
            WireMessage(
                Side.CLIENT, "Certificate", Certificate(certificate_list=()), where=w(8), size=7
            ),
            WireMessage(Side.CLIENT, "ClientKeyExchange", where=w(8)),
            WireMessage(Side.SERVER, "Alert", Alert(level=2, description=42), where=w(10)),
        ),
    )
    outcome = Outcome(
        completed=False, alerts=(AlertSeen(Side.SERVER, 2, 42, "ClientKeyExchange", w(10)),)
    )
    return Evidence(sources=("hand-built",), connections=(Connection("hand-built#1", t, outcome),))


def mtls_with_certificate() -> Evidence:
    from tlsdoctor.model import Connection, Outcome, Side, Transcript, WireMessage
    from tlsdoctor.wire.messages import Certificate, CertificateEntry, CertificateRequest

    t = Transcript(
        source="hand-built",
        messages=(
            WireMessage(Side.SERVER, "CertificateRequest", CertificateRequest()),
            WireMessage(Side.CLIENT, "Certificate", Certificate((CertificateEntry(b"\x30\x00"),))),
        ),
    )
    return Evidence(connections=(Connection("x", t, Outcome(completed=True)),))


# rule id -> (evidence that fires it, the policy to use)
FIRING: dict[str, Callable[[], Evidence]] = {
    "chain.incomplete": lambda: from_case("missing-intermediate"),
    "chain.untrusted-root": lambda: from_case("untrusted-root"),
    "chain.self-signed-leaf": lambda: from_case("self-signed-leaf"),
    "chain.path-len-exceeded": lambda: from_case("path-len"),
    "chain.issuer-not-ca": lambda: from_case("intermediate-no-bc"),
    "chain.issuer-key-usage": key_usage_no_certsign,
    "chain.ca-eku": ca_eku,
    "chain.wrong-order": leaf_not_first,
    "chain.extra-certs": lambda: from_case("wrong-order"),
    "chain.duplicate": duplicate,
    "chain.contains-anchor": contains_anchor,
    "chain.alternate-path": lambda: from_case("cross-signed"),
    "cert.expired": lambda: from_case("expired"),
    "cert.not-yet-valid": lambda: from_case("not-yet-valid"),
    "cert.name-mismatch": lambda: from_case("wrong-host"),
    "cert.ip-in-dns-san": lambda: from_case("ip-as-dns"),
    "cert.no-san": lambda: from_case("cn-only"),
    "cert.weak-key": lambda: from_case("rsa1024-leaf"),
    "cert.weak-signature": lambda: from_case("sha1-leaf"),
    "cert.eku-missing-server-auth": lambda: from_case("client-auth-only"),
    "cert.validity-too-long": lambda: from_case("long-private"),
    "cert.key-mismatch": lambda: from_case("key-mismatch"),
    "mtls.empty-client-certificate": mtls_transcript,
}

PUBLIC_ROOT_RULES = {"cert.no-sct"}


def _ids(evidence: Evidence, policy=BROWSER) -> list[str]:
    findings, _, _, _ = run_rules(evidence, policy)
    return [f.id for f in findings]


@pytest.mark.parametrize("rule_id", sorted(FIRING))
def test_rule_fires(rule_id: str) -> None:
    assert rule_id in _ids(FIRING[rule_id]())


@pytest.fixture(scope="module")
def healthy() -> Evidence:
    return from_case("healthy")


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_silent_on_healthy_chain(rule_id: str, healthy: Evidence) -> None:
    assert rule_id not in _ids(healthy)


def test_every_rule_has_a_firing_test_citation_and_docs() -> None:
    for rid, r in RULES.items():
        assert rid in FIRING or rid in PUBLIC_ROOT_RULES, f"{rid} has no firing test"
        assert r.cite, rid
        assert len(r.doc) > 80, f"{rid} needs its long documentation"
        assert r.ok, f"{rid} needs its ok text"


def test_no_sct_only_for_public_roots(tmp_path) -> None:
    import dataclasses

    root = ca("Public-ish Root")
    leaf = root.intermediate("I").leaf("localhost")
    bundle = tmp_path / "public.pem"
    bundle.write_bytes(root.cert_pem())
    public = dataclasses.replace(BROWSER, trust_store=f"file:{bundle}")
    assert "cert.no-sct" in _ids(evidence_of(leaf.chain), public)
    assert "cert.no-sct" not in _ids(evidence_of(leaf.chain, [root.cert]))


def test_validity_398_for_public_roots_is_fatal(tmp_path) -> None:
    import dataclasses

    root = ca("Public-ish Root")
    leaf = root.intermediate("I").leaf("localhost", days=500)
    bundle = tmp_path / "public.pem"
    bundle.write_bytes(root.cert_pem())
    public = dataclasses.replace(BROWSER, trust_store=f"file:{bundle}")
    findings, _, _, _ = run_rules(evidence_of(leaf.chain), public)
    f = [x for x in findings if x.id == "cert.validity-too-long"]
    assert f and f[0].severity is Severity.FATAL and "398" in f[0].title
    # The same 500-day leaf under a private root is fine for browsers.
    assert "cert.validity-too-long" not in _ids(long_public())


def test_mtls_rule_explains_alert_42_with_frames() -> None:
    findings, _, _, _ = run_rules(mtls_transcript(), BROWSER)
    f = next(x for x in findings if x.id == "mtls.empty-client-certificate")
    assert f.explains_outcome and f.severity is Severity.FATAL
    places = [e.where.place for e in f.evidence]
    assert places == ["frame 6", "frame 8", "frame 10"]
    assert "42" in f.evidence[-1].fact


def test_mtls_rule_silent_when_client_sent_a_certificate() -> None:
    assert "mtls.empty-client-certificate" not in _ids(mtls_with_certificate())


def test_key_match_is_silent_for_the_right_key() -> None:
    from cryptography.hazmat.primitives import serialization

    root = ca("R")
    leaf = root.intermediate("I").leaf("localhost")
    spki = leaf.key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    k = KeyInfo(spki, "EC", Where("k"), Secret(b"x", "private key"))
    assert "cert.key-mismatch" not in _ids(evidence_of(leaf.chain, [root.cert], keys=(k,)))
    other = (
        make_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    k2 = KeyInfo(other, "EC", Where("k"), Secret(b"x", "private key"))
    assert "cert.key-mismatch" in _ids(evidence_of(leaf.chain, [root.cert], keys=(k2,)))


def test_capture_time_decides_expiry() -> None:
    """A chain judged at the time it was seen, not today."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    root = ca("R", not_before=start - dt.timedelta(days=1))
    leaf = root.intermediate("I", not_before=start).leaf(
        "localhost", not_before=start, not_after=start + dt.timedelta(days=90)
    )
    assert "cert.expired" in _ids(evidence_of(leaf.chain, [root.cert]))
    then = start + dt.timedelta(days=10)
    assert "cert.expired" not in _ids(evidence_of(leaf.chain, [root.cert], at=then))


def test_openssl_policy_tolerates_cn_only_browser_does_not() -> None:
    ev = from_case("cn-only")
    sev = {f.id: f.severity for f in run_rules(ev, OPENSSL3)[0]}
    assert sev.get("cert.no-san") is Severity.WARN
    sev_b = {f.id: f.severity for f in run_rules(ev, BROWSER)[0]}
    assert sev_b.get("cert.no-san") is Severity.FATAL
