"""Evidence builders for the rule tests: one that fires each rule.

Every registered rule must appear in FIRING (a meta-test checks it), so a new
rule cannot land without its test.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from tlsdoctor.clients.policy import BROWSER
from tlsdoctor.lab import chains
from tlsdoctor.lab.pki import ca
from tlsdoctor.model import (
    AddressResult,
    AlertSeen,
    Attempt,
    Chain,
    ChainCert,
    Evidence,
    KeyInfo,
    OcspStaple,
    Secret,
    ServerScan,
    Side,
    Where,
)
from tlsdoctor.wire.messages import CertificateRequest


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


TLS10, TLS11, TLS12, TLS13 = 0x0301, 0x0302, 0x0303, 0x0304


def healthy_scan(**kw) -> ServerScan:
    base = ServerScan(
        target="127.0.0.1:443",
        sni="localhost",
        addresses=(AddressResult("127.0.0.1", True),),
        versions={TLS10: False, TLS11: False, TLS12: True, TLS13: True},
        suites={TLS12: (0xC02F, 0xC030), TLS13: (0x1301, 0x1302)},
        default=Attempt("default", "accepted", version=TLS13, cipher_suite=0x1301, group=0x1D),
        ocsp_requested=True,
        sct_counts={"certificate": 0, "tls-extension": 0, "ocsp": 0},
    )
    return dataclasses.replace(base, **kw)


def alert(desc: int) -> AlertSeen:
    return AlertSeen(Side.SERVER, 2, desc)


def with_scan(scan: ServerScan, chain_evidence: Evidence | None = None) -> Evidence:
    ev = chain_evidence or Evidence()
    return dataclasses.replace(ev, scans=(scan,))


def _healthy_chain() -> Evidence:
    root = ca("R")
    leaf = root.intermediate("I").leaf("localhost")
    return evidence_of(leaf.chain, [root.cert])


def must_staple_chain() -> Evidence:
    """The live check received a must-staple certificate (its chain is named after the check)."""
    root = ca("R")
    leaf = root.intermediate("I").leaf("localhost", must_staple=True)
    scan = healthy_scan()
    ev = evidence_of(leaf.chain, [root.cert])
    live = dataclasses.replace(ev.chains[0], source=f"{scan.source} (TLS 1.3)")
    return with_scan(scan, dataclasses.replace(ev, chains=(live,)))


LIVE_FIRING: dict[str, Callable[[], Evidence]] = {
    "transport.refused": lambda: with_scan(healthy_scan(transport="refused", versions={})),
    "transport.unreachable": lambda: with_scan(healthy_scan(transport="unreachable", versions={})),
    "transport.hang": lambda: with_scan(healthy_scan(transport="hang", versions={})),
    "transport.closed": lambda: with_scan(healthy_scan(transport="closed", versions={})),
    "transport.reset": lambda: with_scan(healthy_scan(transport="reset", versions={})),
    "transport.plain-http": lambda: with_scan(
        healthy_scan(
            transport="plain-http", versions={}, first_bytes=b"HTTP/1.1 400 Bad Request\r\n"
        )
    ),
    "transport.not-tls": lambda: with_scan(
        healthy_scan(transport="smtp", versions={}, first_bytes=b"220 mail.example ESMTP\r\n")
    ),
    "transport.some-addresses-fail": lambda: with_scan(
        healthy_scan(
            addresses=(AddressResult("127.0.0.1", True), AddressResult("::1", False, "refused"))
        )
    ),
    "protocol.legacy-only": lambda: with_scan(
        healthy_scan(
            versions={TLS10: True, TLS11: True, TLS12: False, TLS13: False},
            suites={TLS10: (0x2F,), TLS11: (0x2F,)},
        )
    ),
    "protocol.no-common-version": lambda: _with_policy_versions(),
    "cipher.no-common-suite": lambda: with_scan(
        healthy_scan(versions={TLS12: True, TLS13: False}, suites={TLS12: (0x00A8,)})
    ),
    "cipher.no-forward-secrecy": lambda: with_scan(
        healthy_scan(versions={TLS12: True, TLS13: False}, suites={TLS12: (0x009C, 0x002F)})
    ),
    "cipher.weak-dh": lambda: with_scan(healthy_scan(dh_bits=1024)),
    "ext.required-by-server": lambda: with_scan(
        healthy_scan(extensions_required={"extended_master_secret": "alert 40 handshake_failure"})
    ),
    "mtls.client-cert-required": lambda: with_scan(
        healthy_scan(
            cert_request=CertificateRequest(
                certificate_authorities=(ca("Client CA").cert.subject.public_bytes(),)
            ),
            client_cert_required=True,
            without_client_cert=Attempt("client-cert none", "alert", alert=alert(116)),
        )
    ),
    "mtls.cert-rejected": lambda: with_scan(
        healthy_scan(
            cert_request=CertificateRequest(),
            client_cert_required=True,
            with_client_cert=Attempt("client-cert given", "alert", alert=alert(48)),
        )
    ),
    "psk.only": lambda: with_scan(healthy_scan(psk={"only": True, "suites": (0x00A8,)})),
    "psk.key-mismatch": lambda: with_scan(
        healthy_scan(
            psk={
                "only": True,
                "key": Attempt("psk ascii", "alert", alert=alert(20)),
                "used_encoding": "ascii",
                "encoding": "hex",
                "tried": {"hex": Attempt("psk hex", "accepted", cipher_suite=0x00A8)},
            }
        )
    ),
    "psk.unknown-identity": lambda: with_scan(
        healthy_scan(
            psk={
                "only": True,
                "key": Attempt("psk", "alert", alert=alert(115)),
                "identity": "nobody",
            }
        )
    ),
    "ocsp.must-staple-not-stapled": must_staple_chain,
    "ocsp.bad-staple": lambda: with_scan(healthy_scan(ocsp=OcspStaple(status="revoked"))),
}


def _with_policy_versions() -> Evidence:
    return with_scan(healthy_scan(versions={TLS12: False, TLS13: True}, suites={TLS13: (0x1301,)}))


FIRING.update(LIVE_FIRING)

# Rules whose firing evidence needs a client other than the default browser.
POLICY_FOR = {
    "protocol.no-common-version": dataclasses.replace(BROWSER, versions=(TLS12,)),
}
PUBLIC_ROOT_RULES = {
    "cert.no-sct",
    "ct.no-scts",
    "ct.policy-not-met",
}  # the last fires in tests/clients


# ---------------------------------------------------------------- log evidence
# Evidence as tlsdoctor.sources.logs builds it from a debug log: transcripts
# with messages but often no bytes, the side that wrote the log, API calls.


def _lw(n: int) -> Where:
    return Where("device.log", f"line {n}")


def log_connection(
    names: list[tuple[str, str]],
    *,
    side: Side = Side.CLIENT,
    alerts: tuple[tuple[str, int, int], ...] = (),
    api: tuple[str, ...] = (),
    facts: dict | None = None,
    completed: bool | None = False,
    errors: tuple[tuple[str, str, str | None], ...] = (),
    sizes: dict[str, int] | None = None,
    cid: str = "device.log#conn1",
):
    """A Connection from (sender, name) pairs; ``sender`` is "c" or "s"."""
    from tlsdoctor.model import Connection, LibraryError, Outcome, Transcript, WireMessage
    from tlsdoctor.wire.messages import Alert

    msgs = []
    n = 10
    for who, name in names:
        sender = Side.CLIENT if who == "c" else Side.SERVER
        msgs.append(WireMessage(sender, name, where=_lw(n), size=(sizes or {}).get(name)))
        n += 10
    seen = []
    for who, level, desc in alerts:
        sender = Side.CLIENT if who == "c" else Side.SERVER
        msgs.append(WireMessage(sender, "Alert", Alert(level, desc), where=_lw(n), size=2))
        seen.append(AlertSeen(sender, level, desc, names[-1][1] if names else None, _lw(n)))
        n += 10
    outcome = Outcome(
        completed=completed,
        alerts=tuple(seen),
        library_errors=tuple(
            LibraryError(lib, code, name, None, side, _lw(n + i))
            for i, (lib, code, name) in enumerate(errors)
        ),
    )
    return Connection(
        cid,
        Transcript(cid, tuple(msgs)),
        outcome,
        log_side=side,
        api_calls=tuple((a, _lw(i + 1)) for i, a in enumerate(api)),
        facts=facts or {},
    )


def log_evidence(*conns) -> Evidence:
    return Evidence(sources=("device.log",), connections=tuple(conns))


_MTLS12 = [
    ("c", "ClientHello"),
    ("s", "ServerHello"),
    ("s", "Certificate"),
    ("s", "ServerKeyExchange"),
    ("s", "CertificateRequest"),
    ("s", "ServerHelloDone"),
    ("c", "Certificate"),
    ("c", "ClientKeyExchange"),
    ("c", "ChangeCipherSpec"),
    ("c", "Finished"),
]
_OK13 = [
    ("c", "ClientHello"),
    ("s", "ServerHello"),
    ("s", "EncryptedExtensions"),
    ("s", "Certificate"),
    ("s", "CertificateVerify"),
    ("s", "Finished"),
    ("c", "Finished"),
]


def log_late_credentials() -> Evidence:
    return log_evidence(
        log_connection(
            _MTLS12,
            alerts=(("s", 2, 40),),
            api=(
                "wolfSSL_CTX_new_ex",
                "wolfSSL_new",
                "wolfSSL_CTX_use_certificate_file",
                "wolfSSL_CTX_use_PrivateKey_file",
                "wolfSSL_connect",
            ),
            facts={"client_certificate_empty": True},
            errors=(("wolfSSL", "-313", "FATAL_ERROR"),),
        )
    )


def log_server_cert_rejected() -> Evidence:
    return log_evidence(
        log_connection(
            [
                ("c", "ClientHello"),
                ("s", "ServerHello"),
                ("s", "Certificate"),
                ("s", "ServerKeyExchange"),
                ("s", "ServerHelloDone"),
            ],
            side=Side.SERVER,
            alerts=(("c", 2, 46),),
        )
    )


def log_alert_after_hello() -> Evidence:
    return log_evidence(log_connection([("c", "ClientHello")], alerts=(("s", 2, 70),)))


def log_local_error() -> Evidence:
    return log_evidence(
        log_connection(
            [("c", "ClientHello"), ("s", "ServerHello")],
            errors=(("mbedTLS", "-0x7100", "MBEDTLS_ERR_SSL_BAD_INPUT_DATA"),),
        )
    )


def log_verify_failed() -> Evidence:
    return log_evidence(
        log_connection(
            [("c", "ClientHello"), ("s", "ServerHello"), ("s", "Certificate")],
            alerts=(("c", 2, 48),),
            facts={
                "verify_error": {
                    "text": "unable to get local issuer certificate",
                    "code": "20",
                    "library": "OpenSSL",
                    "where": _lw(33),
                }
            },
        )
    )


def log_hrr() -> Evidence:
    return log_evidence(
        log_connection([("c", "ClientHello"), ("s", "HelloRetryRequest"), *_OK13], completed=True)
    )


def log_der_lengths() -> Evidence:
    names = [
        ("c", "ClientHello"),
        ("s", "ServerHello"),
        ("s", "Certificate"),
        ("s", "ServerKeyExchange"),
        ("s", "ServerHelloDone"),
        ("c", "ClientKeyExchange"),
        ("c", "Finished"),
        ("s", "Finished"),
    ]
    return log_evidence(
        log_connection(
            names, completed=True, sizes={"ServerKeyExchange": 115}, cid="device.log#conn1"
        ),
        log_connection(
            names, completed=True, sizes={"ServerKeyExchange": 116}, cid="device.log#conn2"
        ),
    )


def log_no_client_cert_note() -> Evidence:
    return log_evidence(
        log_connection(
            _OK13, side=Side.SERVER, completed=True, facts={"no_client_cert_line": _lw(5)}
        )
    )


def log_apple_ct() -> Evidence:
    return log_evidence(
        log_connection(
            [("c", "ClientHello"), ("s", "ServerHello"), ("s", "Certificate")],
            alerts=(("c", 2, 46),),
            facts={
                "sct_sources": {"tls-extension": 0, "ocsp": 0, "certificate": 0},
                "ct_required": True,
                "no_tls_scts_line": _lw(8),
            },
        )
    )


def log_healthy() -> Evidence:
    """A successful handshake as a log shows it: nothing for the log rules to say."""
    return log_evidence(
        log_connection(
            _OK13,
            completed=True,
            api=(
                "wolfSSL_CTX_new_ex",
                "wolfSSL_CTX_use_certificate_file",
                "wolfSSL_CTX_use_PrivateKey_file",
                "wolfSSL_new",
                "wolfSSL_connect",
            ),
            facts={"peer_verified": True},
        )
    )


LOG_FIRING: dict[str, Callable[[], Evidence]] = {
    "mtls.credentials-loaded-after-session": log_late_credentials,
    "alert.peer-rejected-certificate": log_server_cert_rejected,
    "alert.peer-fatal": log_alert_after_hello,
    "log.local-error": log_local_error,
    "cert.verify-failed": log_verify_failed,
    "note.hello-retry-request": log_hrr,
    "note.der-length-varies": log_der_lengths,
    "note.no-client-cert-not-requested": log_no_client_cert_note,
    "ct.no-scts": log_apple_ct,
}
FIRING.update(LOG_FIRING)


# --------------------------------------------------------------- transcript evidence
# Hand-built transcripts, shaped as a capture records them (frames, FIN/RST).


def _msg(sender: Side, name: str, message: object = None, frame: int = 1):  # type: ignore[no-untyped-def]
    from tlsdoctor.model import WireMessage

    return WireMessage(sender, name, message, where=Where("cap.pcap", f"frame {frame}"))


def _hello(
    suites: tuple[int, ...] = (0xC02F, 0x1301),
    versions: tuple[int, ...] = (0x0304, 0x0303),
    status: bool = False,
):  # type: ignore[no-untyped-def]
    from tlsdoctor.wire.messages import ClientHello, Extension

    exts = [
        Extension(43, bytes([2 * len(versions)]) + b"".join(v.to_bytes(2, "big") for v in versions))
    ]
    if status:
        exts.append(Extension(5, b"\x01\x00\x00\x00\x00"))
    return ClientHello(0x0303, b"\x00" * 32, b"", suites, b"\x00", tuple(exts))


def transcript_evidence(
    *messages, facts=None, chains=(), outcome_alerts=(), completed=False, host="localhost"
):  # type: ignore[no-untyped-def]
    from tlsdoctor.model import Connection, Outcome, Transcript

    t = Transcript("cap.pcap", tuple(messages), client="127.0.0.1:5000", server="127.0.0.1:443")
    conn = Connection(
        "cap.pcap#conn0",
        t,
        Outcome(completed=completed, alerts=tuple(outcome_alerts)),
        server_name=host,
        facts={"frames": (1, 9), **(facts or {})},
    )
    return Evidence(sources=("cap.pcap",), connections=(conn,), chains=tuple(chains))


def _alert(desc: int):  # type: ignore[no-untyped-def]
    from tlsdoctor.wire.messages import Alert

    return Alert(2, desc)


def _server_hello(suite: int, version: int = 0x0303):  # type: ignore[no-untyped-def]
    from tlsdoctor.wire.messages import Extension, ServerHello

    exts = (Extension(43, version.to_bytes(2, "big")),) if version == 0x0304 else ()
    return ServerHello(min(version, 0x0303), b"\x01" * 32, b"", suite, 0, exts)


def capture_chain(leaf_chain, anchor=None):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.serialization import Encoding

    certs = tuple(
        ChainCert(c, c.public_bytes(Encoding.DER), Where("cap.pcap", f"frame 6 cert[{i}]"))
        for i, c in enumerate(leaf_chain)
    )
    return Chain(certs, "cap.pcap#conn0", Side.SERVER)


def t_client_rejects_incomplete_chain() -> Evidence:
    root = ca("R")
    leaf = root.intermediate("Missing Int").leaf("localhost")
    ev = transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello(), 4),
        _msg(Side.SERVER, "ServerHello", _server_hello(0xC02F), 6),
        _msg(Side.SERVER, "Certificate", None, 6),
        _msg(Side.SERVER, "ServerHelloDone", None, 6),
        _msg(Side.CLIENT, "Alert", _alert(48), 8),
        chains=(capture_chain(leaf.chain[:1]),),
    )
    return dataclasses.replace(ev, private_anchors=(ChainCert(root.cert, b"", Where("--ca")),))


def t_client_rejects_good_chain() -> Evidence:
    root = ca("R")
    leaf = root.intermediate("I").leaf("localhost")
    return transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello(), 4),
        _msg(Side.SERVER, "ServerHello", _server_hello(0xC02F), 6),
        _msg(Side.SERVER, "Certificate", None, 6),
        _msg(Side.SERVER, "ServerHelloDone", None, 6),
        _msg(Side.CLIENT, "Alert", _alert(48), 8),
        chains=(capture_chain(leaf.chain),),
    )


def t_decrypt_failed() -> Evidence:
    return transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello(), 4),
        _msg(Side.SERVER, "ServerHello", _server_hello(0xC02F), 6),
        _msg(Side.CLIENT, "Finished", None, 8),
        _msg(Side.SERVER, "Alert", _alert(20), 9),
    )


def t_psk_mismatch() -> Evidence:
    return transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello((0x00A8,)), 4),
        _msg(Side.SERVER, "ServerHello", _server_hello(0x00A8), 6),
        _msg(Side.CLIENT, "Finished", None, 8),
        _msg(Side.SERVER, "Alert", _alert(20), 9),
    )


def t_closed() -> Evidence:
    return transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello(), 4), _msg(Side.SERVER, "FIN", None, 6)
    )


def t_hang() -> Evidence:
    return transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello(), 4), _msg(Side.CLIENT, "FIN", None, 9)
    )


def t_plain_http() -> Evidence:
    return transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello(), 4),
        _msg(Side.SERVER, "FIN", None, 7),
        facts={"answer_not_tls": (b"HTTP/1.1 400 Bad Request\r\n", 6)},
    )


def t_no_common_version() -> Evidence:
    return transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello(), 4), _msg(Side.SERVER, "Alert", _alert(70), 6)
    )


def t_no_common_suite() -> Evidence:
    return transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello(), 4), _msg(Side.SERVER, "Alert", _alert(40), 6)
    )


def t_legacy() -> Evidence:
    return transcript_evidence(
        _msg(Side.CLIENT, "ClientHello", _hello(versions=(0x0303, 0x0302)), 4),
        _msg(Side.SERVER, "ServerHello", _server_hello(0x002F, 0x0302), 6),
    )


TRANSCRIPT_FIRING = {
    "alert.certificate-rejected": t_client_rejects_good_chain,
    "alert.decrypt-failed": t_decrypt_failed,
}
FIRING.update(TRANSCRIPT_FIRING)

# rule id -> transcript evidence that fires a rule already fired by live evidence
TRANSCRIPT_VARIANTS = {
    "psk.key-mismatch": t_psk_mismatch,
    "transport.closed": t_closed,
    "transport.hang": t_hang,
    "transport.plain-http": t_plain_http,
    "protocol.no-common-version": t_no_common_version,
    "cipher.no-common-suite": t_no_common_suite,
    "protocol.legacy-only": t_legacy,
}
