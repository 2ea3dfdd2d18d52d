"""Logs written at test time by real TLS stacks against the lab on 127.0.0.1, diagnosed from the log alone.

Each test runs a real client (or server) with its debug output switched on —
OpenSSL ``-msg``/``-trace``/``-state``, ``gnutls-cli -d 4``, Java with
``-Djavax.net.debug=ssl:handshake``, ``curl -v``, our mbedTLS and wolfSSL
programs, Python's ssl — against a lab scenario, then gives only the log to
``tlsdoctor log`` and checks the root cause it puts first.  No checked-in log
is an input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from logpeers import (
    HTTP_GET,
    assert_diagnosis,
    assert_success,
    c_server,
    diagnose_bytes,
    first,
    mbed_client,
    openssl_server,
    ossl_client,
    ossl_server_creds,
    run_logged,
    wolf_client,
)

from tlsdoctor.lab.servers import BY_NAME, SCENARIOS, Running, build_files, running
from tlsdoctor.model import Side

pytestmark = pytest.mark.live


def ca_of(srv: Running) -> str | None:
    return srv.files.get("ca")


# ------------------------------------------------------------------ the manifest


LOG_SCENARIOS = [s for s in SCENARIOS if s.expect_log and s.server == "openssl"]


@pytest.mark.parametrize("scenario", LOG_SCENARIOS, ids=lambda s: s.name)
def test_lab_manifest_first_finding_from_openssl_log(scenario, tmp_path: Path) -> None:
    """Every lab scenario with expect_log: the s_client -msg -state log names it first."""
    with running(scenario.name, str(tmp_path / "lab")) as srv:
        log = ossl_client(srv)
    report = diagnose_bytes(log, f"{scenario.name}.log", ca_of(srv))
    assert first(report) == scenario.expect_log, [(f.id, f.title) for f in report.findings]


def test_healthy_openssl_log_is_a_success(tmp_path: Path) -> None:
    with running("healthy", str(tmp_path / "lab")) as srv:
        log = ossl_client(srv)
    report = diagnose_bytes(log, "healthy.log", ca_of(srv))
    assert_success(report, "TLS 1.3")
    assert report.facts["handshake"]["cipher_suite"].startswith("TLS_")
    assert report.facts["log"]["format"] == "openssl"


def test_openssl_trace_log(tmp_path: Path) -> None:
    with running("mtls-required-tls12", str(tmp_path / "lab")) as srv:
        log = run_logged(
            [
                "openssl",
                "s_client",
                "-connect",
                srv.address,
                "-servername",
                "localhost",
                "-trace",
                "-CAfile",
                srv.files["ca"],
                "-ign_eof",
            ],
            HTTP_GET,
        )
    report = diagnose_bytes(log, "trace.log", srv.files["ca"])
    assert first(report) == "mtls.empty-client-certificate"


def test_openssl_server_side_log(tmp_path: Path) -> None:
    """s_server -msg -state requiring a client certificate; s_client sends none."""
    files = build_files(BY_NAME["mtls-required"], str(tmp_path / "files"))
    args = [
        *ossl_server_creds(files),
        "-Verify",
        "1",
        "-verify_return_error",
        "-CAfile",
        files["client_ca"],
        "-msg",
        "-state",
        "-naccept",
        "1",
        "-no_tls1_3",
    ]
    with openssl_server(args, tmp_path / "server.log") as peer:
        run_logged(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{peer.port}", "-CAfile", files["ca"]]
        )
        log = peer.log()
    report = diagnose_bytes(log, "s_server.log", files["ca"])
    assert first(report) == "mtls.empty-client-certificate"
    conn = next(c for c in report.facts["log"]["connections"] if c["status"] == "failed")
    assert conn["side"] == "server"


def test_hello_retry_request_is_normal(tmp_path: Path) -> None:
    files = build_files(BY_NAME["healthy"], str(tmp_path / "files"))
    args = [
        *ossl_server_creds(files),
        "-groups",
        "P-256",
        "-tls1_3",
        "-www",
        "-naccept",
        "1",
    ]
    with openssl_server(args, tmp_path / "server.log") as peer:
        log = run_logged(
            [
                "openssl",
                "s_client",
                "-connect",
                f"127.0.0.1:{peer.port}",
                "-servername",
                "localhost",
                "-groups",
                "X25519:P-256",
                "-msg",
                "-CAfile",
                files["ca"],
                "-ign_eof",
            ],
            HTTP_GET,
        )
    report = diagnose_bytes(log, "hrr.log", files["ca"])
    assert first(report) == "note.hello-retry-request"
    assert_success(report, "TLS 1.3")
    assert report.facts["handshake"]["group"] == "secp256r1"


# ------------------------------------------------------------------ GnuTLS


@pytest.mark.parametrize(
    "scenario,expected",
    [
        ("mtls-required", "mtls.empty-client-certificate"),
        ("expired", "cert.expired"),
        ("missing-intermediate", "chain.incomplete"),
        ("healthy", None),
    ],
)
def test_gnutls_cli_debug_log(scenario: str, expected: str | None, tmp_path: Path) -> None:
    with running(scenario, str(tmp_path / "lab")) as srv:
        log = run_logged(
            [
                "gnutls-cli",
                "-d",
                "4",
                "--print-cert",
                "--x509cafile",
                srv.files["ca"],
                "-p",
                str(srv.port),
                "127.0.0.1",
                "--sni-hostname",
                "localhost",
                "--verify-hostname",
                "localhost",
            ],
            HTTP_GET,
        )
    report = diagnose_bytes(log, "gnutls.log", srv.files["ca"])
    assert_diagnosis(report, "gnutls", expected, "TLS 1.3")


# ------------------------------------------------------------------ Java


@pytest.mark.parametrize(
    "scenario,expected",
    [
        ("mtls-required-tls12", "mtls.empty-client-certificate"),
        # Java's handshake debug prints certificates as text, not bytes: the
        # client's own PKIX verdict is the most precise cause the log holds.
        ("missing-intermediate", "cert.verify-failed"),
        ("expired", "cert.verify-failed"),
        ("healthy", None),
    ],
)
def test_java_ssl_handshake_debug_log(
    scenario: str, expected: str | None, java_client: Path, tmp_path: Path
) -> None:
    with running(scenario, str(tmp_path / "lab")) as srv:
        log = run_logged(
            [
                "java",
                "-Djavax.net.debug=ssl:handshake",
                "-cp",
                str(java_client),
                "LogClient",
                str(srv.port),
                "localhost",
                srv.files["ca"],
            ],
            timeout=15,
        )
    report = diagnose_bytes(log, "java.log", srv.files["ca"])
    assert_diagnosis(report, "java", expected)


# ------------------------------------------------------------------ curl


@pytest.mark.parametrize(
    "scenario,expected",
    [
        ("mtls-required-tls12", "mtls.empty-client-certificate"),
        ("missing-intermediate", "cert.verify-failed"),  # curl -v shows no certificate bytes
        ("psk-only", "cipher.no-common-suite"),
        ("healthy", None),
    ],
)
def test_curl_verbose_log(scenario: str, expected: str | None, tmp_path: Path) -> None:
    with running(scenario, str(tmp_path / "lab")) as srv:
        cmd = [
            "curl",
            "-v",
            "-sS",
            "--max-time",
            "2",
            "--resolve",
            f"localhost:{srv.port}:127.0.0.1",
            f"https://localhost:{srv.port}/",
        ]
        if "ca" in srv.files:
            cmd[1:1] = ["--cacert", srv.files["ca"]]
        log = run_logged(cmd, timeout=3)
    report = diagnose_bytes(log, "curl.log", srv.files.get("ca"))
    assert_diagnosis(report, "curl", expected, "TLSv1.3")


# ------------------------------------------------------------------ mbedTLS


@pytest.mark.parametrize(
    "scenario,expected",
    [
        ("mtls-required-tls12", "mtls.empty-client-certificate"),
        ("mtls-required", "mtls.empty-client-certificate"),
        ("missing-intermediate", "chain.incomplete"),
        ("expired", "cert.expired"),
        ("healthy", None),
    ],
)
def test_mbedtls_client_debug_log(
    scenario: str, expected: str | None, mbed_peer: Path, tmp_path: Path
) -> None:
    with running(scenario, str(tmp_path / "lab")) as srv:
        log = mbed_client(mbed_peer, srv, "--debug", "4")
    report = diagnose_bytes(log, "mbedtls.log", srv.files["ca"])
    assert_diagnosis(report, "mbedtls", expected, "TLS 1.2")


def test_mbedtls_client_with_certificate_succeeds(mbed_peer: Path, tmp_path: Path) -> None:
    with running("mtls-required-tls12", str(tmp_path / "lab")) as srv:
        log = mbed_client(mbed_peer, srv, cert=True)
    report = diagnose_bytes(log, "mbedtls-ok.log", srv.files["ca"])
    assert_success(report, "TLS 1.2")


@pytest.mark.parametrize("client", ["openssl", "java"])
def test_mbedtls_server_receives_certificate_alert(
    client: str, mbed_peer: Path, java_client: Path, tmp_path: Path
) -> None:
    """An mbedTLS server whose client does not trust its chain: alert 48 (OpenSSL) or 46 (Java)."""
    files = build_files(BY_NAME["healthy"], str(tmp_path / "files"))
    other = build_files(BY_NAME["mtls-required"], str(tmp_path / "other"))
    with c_server(
        mbed_peer, ["--cert", files["served"], "--key", files["leaf_key"]], tmp_path / "srv.log"
    ) as peer:
        if client == "openssl":
            run_logged(
                [
                    "openssl",
                    "s_client",
                    "-connect",
                    f"127.0.0.1:{peer.port}",
                    "-verify_return_error",
                    "-CAfile",
                    other["client_ca"],
                    "-servername",
                    "localhost",
                ]
            )
        else:
            run_logged(
                [
                    "java",
                    "-cp",
                    str(java_client),
                    "LogClient",
                    str(peer.port),
                    "localhost",
                    other["client_ca"],
                ],
                timeout=15,
            )
        log = peer.log()
    report = diagnose_bytes(log, "mbedtls-server.log", files["ca"])
    # The transcript rule every source shares leads (it links to chain findings
    # when there are any); the server's own view follows with its fixes.
    ids = [f.id for f in report.findings]
    assert ids[:2] == ["alert.certificate-rejected", "alert.peer-rejected-certificate"], ids
    want = "48 unknown_ca" if client == "openssl" else "46 certificate_unknown"
    assert want in report.findings[0].title and want in report.findings[1].title
    assert "this server's certificate" in report.findings[1].title
    assert report.facts["log"]["connections"][0]["side"] == "server"


def test_mbedtls_server_optional_client_certificate_is_normal(
    mbed_peer: Path, tmp_path: Path
) -> None:
    files = build_files(BY_NAME["mtls-required"], str(tmp_path / "files"))
    args = [
        "--cert",
        files["served"],
        "--key",
        files["leaf_key"],
        "--ca",
        files["client_ca"],
        "--optional-client-cert",
    ]
    with c_server(mbed_peer, args, tmp_path / "srv.log") as peer:
        run_logged(
            [
                "openssl",
                "s_client",
                "-connect",
                f"127.0.0.1:{peer.port}",
                "-CAfile",
                files["ca"],
                "-ign_eof",
            ],
            HTTP_GET,
        )
        log = peer.log()
    report = diagnose_bytes(log, "mbedtls-optional.log", files["ca"])
    ids = [f.id for f in report.findings]
    assert "note.no-client-cert-not-requested" in ids
    assert_success(report, "TLS 1.2")


# ------------------------------------------------------------------ wolfSSL


def test_wolfssl_session_before_credentials(wolf_peer: Path, tmp_path: Path) -> None:
    """The famous one: wolfSSL_new() before wolfSSL_CTX_use_certificate_file()."""
    with running("mtls-required-tls12", str(tmp_path / "lab")) as srv:
        log = wolf_client(wolf_peer, srv, "--late-cert", "--tls12", cert=True)
    report = diagnose_bytes(log, "wolfssl.log", srv.files["ca"])
    ids = [x.id for x in report.findings]
    assert ids[0] == "mtls.credentials-loaded-after-session", ids
    assert "mtls.empty-client-certificate" in ids
    root = report.findings[0]
    assert root.explains_outcome
    text = " ".join(i.fact for i in root.evidence)
    assert "wolfSSL_new" in text and "wolfSSL_CTX_use_certificate_file" in text
    assert "-313" in text and "alert 40" in text


def test_wolfssl_session_before_credentials_tls13(wolf_peer: Path, tmp_path: Path) -> None:
    with running("mtls-required", str(tmp_path / "lab")) as srv:
        log = wolf_client(wolf_peer, srv, "--late-cert", cert=True)
    report = diagnose_bytes(log, "wolfssl13.log", srv.files["ca"])
    assert first(report) == "mtls.credentials-loaded-after-session"
    assert "116" in " ".join(i.fact for i in report.findings[0].evidence)


@pytest.mark.parametrize("callback", [False, True])
def test_wolfssl_right_order_succeeds(callback: bool, wolf_peer: Path, tmp_path: Path) -> None:
    with running("mtls-required-tls12", str(tmp_path / "lab")) as srv:
        extra = ["--callback"] if callback else []
        log = wolf_client(wolf_peer, srv, "--tls12", *extra, cert=True)
    report = diagnose_bytes(log, "wolfssl-ok.log", srv.files["ca"])
    assert report.facts["log"]["format"] == "wolfssl"
    assert report.summary.startswith("The handshake in this log succeeded"), report.summary
    assert not [x for x in report.findings if x.severity.name == "FATAL"]


def test_wolfssl_client_unknown_issuer(wolf_peer: Path, tmp_path: Path) -> None:
    with running("missing-intermediate", str(tmp_path / "lab")) as srv:
        log = wolf_client(wolf_peer, srv)
    report = diagnose_bytes(log, "wolfssl-missing.log", srv.files["ca"])
    assert first(report) == "cert.verify-failed"
    assert "-188" in " ".join(i.fact for i in report.findings[0].evidence)


def test_wolfssl_server_gets_no_client_certificate(wolf_peer: Path, tmp_path: Path) -> None:
    files = build_files(BY_NAME["mtls-required"], str(tmp_path / "files"))
    args = [
        "--cert",
        files["leaf"],
        "--key",
        files["leaf_key"],
        "--ca",
        files["client_ca"],
        "--require-client-cert",
        "--tls12",
    ]
    with c_server(wolf_peer, args, tmp_path / "srv.log") as peer:
        run_logged(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{peer.port}", "-CAfile", files["ca"]]
        )
        log = peer.log()
    report = diagnose_bytes(log, "wolfssl-server.log", files["ca"])
    assert first(report) == "mtls.empty-client-certificate"
    assert report.facts["log"]["connections"][0]["side"] == "server"


# ------------------------------------------------------------------ Python


_PY_CLIENT = """
import socket, ssl, sys

ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
    with ctx.wrap_socket(s, server_hostname="localhost") as t:
        t.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
        t.recv(100)
"""


@pytest.mark.parametrize(
    "scenario,expected",
    [("missing-intermediate", "cert.verify-failed"), ("mtls-required", "alert.peer-fatal")],
)
def test_python_ssl_error_output(scenario: str, expected: str, tmp_path: Path) -> None:
    with running(scenario, str(tmp_path / "lab")) as srv:
        log = run_logged([sys.executable, "-c", _PY_CLIENT, str(srv.port), srv.files["ca"]])
    report = diagnose_bytes(log, "python.log", srv.files["ca"])
    assert report.facts["log"]["format"] == "python"
    assert first(report) == expected, [(f.id, f.title) for f in report.findings]


def test_log_side_and_sni_are_read(tmp_path: Path) -> None:
    import io

    from tlsdoctor.sources.logs import read_log

    with running("healthy", str(tmp_path / "lab")) as srv:
        log = ossl_client(srv)
    result = read_log(io.BytesIO(log), "client.log")
    assert result.evidence.connections[0].log_side is Side.CLIENT
    assert result.evidence.host == "localhost"


def test_signature_lengths_across_runs(mbed_peer: Path, tmp_path: Path) -> None:
    """Six mbedTLS handshakes with an ECDSA server in one log: the ServerKeyExchange
    sizes come from the record dumps, and the DER note is there exactly when they differ."""
    logs = []
    with running("healthy", str(tmp_path / "lab")) as srv:
        for _ in range(6):
            logs.append(mbed_client(mbed_peer, srv))
    report = diagnose_bytes(b"".join(logs), "six.log", srv.files["ca"])
    sizes = set()
    for conn in report.facts["log"]["connections"]:
        assert conn["status"] == "ok"
    import io

    from tlsdoctor.sources.logs import read_log

    for c in read_log(io.BytesIO(b"".join(logs)), "six.log").evidence.connections:
        assert c.transcript is not None
        ske = c.transcript.find("ServerKeyExchange")
        assert ske is not None and ske.size is not None
        sizes.add(ske.size)
    ids = [f.id for f in report.findings]
    assert ("note.der-length-varies" in ids) == (len(sizes) > 1), (sizes, ids)
