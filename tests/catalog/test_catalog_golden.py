"""Golden messages: real clients fail against real servers on 127.0.0.1, and
each message they print is explained by the right catalog entry.

Servers (conftest ``tls_servers``): a self-signed certificate, a certificate
from an unknown CA, and a certificate for the wrong name from the trusted CA.
Clients: Python ``ssl``, curl, Node.js, Java 17, ``openssl s_client``,
``gnutls-cli``.  The messages are produced at test time, never stored.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest

from catalog.catalog_servers import SCENARIOS, Servers
from support import missing_peer
from tlsdoctor.catalog.explain import explain_text
from tlsdoctor.catalog.index import load

pytestmark = pytest.mark.live

CLIENTS = Path(__file__).resolve().parent / "clients"

SELF = "explain.openssl-verify.x509-v-err-depth-zero-self-signed-cert"
LOCAL_ISSUER = "explain.openssl-verify.x509-v-err-unable-to-get-issuer-cert-locally"
LEAF_SIG = "explain.openssl-verify.x509-v-err-unable-to-verify-leaf-signature"
HOST = "explain.openssl-verify.x509-v-err-hostname-mismatch"
PKIX = "explain.java.pkix-path-building-failed"

EXPECTED: dict[str, dict[str, set[str]]] = {
    "python": {
        "self-signed": {SELF},
        "unknown-ca": {LOCAL_ISSUER, LEAF_SIG},
        "wrong-name": {HOST},
    },
    "curl": {
        "self-signed": {SELF},
        "unknown-ca": {LOCAL_ISSUER, LEAF_SIG},
        "wrong-name": {"explain.curl.curl-no-alternative-subject-name", HOST},
    },
    "node": {
        "self-signed": {SELF},
        "unknown-ca": {LEAF_SIG, LOCAL_ISSUER},
        "wrong-name": {"explain.node.err-tls-cert-altname-invalid"},
    },
    "java": {
        "self-signed": {PKIX},
        "unknown-ca": {PKIX},
        "wrong-name": {
            "explain.java.no-subject-alternative-dns-name-matching",
            "explain.java.no-subject-alternative-names-matching-ip-address",
        },
    },
    "openssl": {
        "self-signed": {SELF},
        "unknown-ca": {LOCAL_ISSUER, LEAF_SIG},
        "wrong-name": {HOST},
    },
    "gnutls": {
        "self-signed": {"explain.gnutls.gnutls-cert-signer-not-found"},
        "unknown-ca": {"explain.gnutls.gnutls-cert-signer-not-found"},
        "wrong-name": {"explain.gnutls.gnutls-cert-unexpected-owner"},
    },
}


def _python(servers: Servers) -> dict[str, str]:
    ctx = ssl.create_default_context(cafile=str(servers.trusted_ca))
    out = {}
    for name, port in servers.ports.items():
        try:
            with (
                socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
                ctx.wrap_socket(raw, server_hostname="localhost"),
            ):
                out[name] = "connected"
        except (ssl.SSLError, OSError) as e:
            out[name] = f"{type(e).__module__}.{type(e).__name__}: {e}"
    return out


def _run(cmd: list[str], timeout: float = 20) -> str:
    proc = subprocess.run(
        cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False
    )
    return proc.stdout + proc.stderr


def _curl(servers: Servers) -> dict[str, str]:
    return {
        name: _run(
            [
                "curl",
                "-sS",
                "--max-time",
                "5",
                "--cacert",
                str(servers.trusted_ca),
                "--resolve",
                f"localhost:{port}:127.0.0.1",
                f"https://localhost:{port}/",
            ]
        )
        for name, port in servers.ports.items()
    }


def _by_port(servers: Servers, text: str) -> dict[str, str]:
    names = {str(p): n for n, p in servers.ports.items()}
    out = {}
    for line in text.splitlines():
        port, _, rest = line.partition("\t")
        if port in names:
            out[names[port]] = rest
    return out


def _node(servers: Servers) -> dict[str, str]:
    ports = [str(servers.ports[n]) for n in SCENARIOS]
    text = _run(["node", str(CLIENTS / "golden_client.js"), str(servers.trusted_ca), *ports])
    return _by_port(servers, text)


def _java(servers: Servers) -> dict[str, str]:
    ports = [str(servers.ports[n]) for n in SCENARIOS]
    text = _run(
        ["java", str(CLIENTS / "GoldenClient.java"), str(servers.trusted_ca), *ports], timeout=60
    )
    return _by_port(servers, text)


def _openssl(servers: Servers) -> dict[str, str]:
    return {
        name: _run(
            [
                "openssl",
                "s_client",
                "-connect",
                f"127.0.0.1:{port}",
                "-servername",
                "localhost",
                "-CAfile",
                str(servers.trusted_ca),
                "-verify_return_error",
                "-verify_hostname",
                "localhost",
            ]
        )
        for name, port in servers.ports.items()
    }


def _gnutls(servers: Servers) -> dict[str, str]:
    return {
        name: _run(
            [
                "gnutls-cli",
                "--x509cafile",
                str(servers.trusted_ca),
                "--sni-hostname",
                "localhost",
                "--verify-hostname",
                "localhost",
                "-p",
                str(port),
                "127.0.0.1",
            ]
        )
        for name, port in servers.ports.items()
    }


RUNNERS = {
    "python": (None, _python),
    "curl": ("curl", _curl),
    "node": ("node", _node),
    "java": ("java", _java),
    "openssl": ("openssl", _openssl),
    "gnutls": ("gnutls-cli", _gnutls),
}


@pytest.fixture(scope="module")
def golden(tls_servers: Servers) -> dict[str, dict[str, str]]:
    out = {}
    for client, (binary, runner) in RUNNERS.items():
        if binary is not None and shutil.which(binary) is None:
            continue
        out[client] = runner(tls_servers)
    return out


@pytest.mark.parametrize("client", list(RUNNERS))
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden_message_is_explained(
    golden: dict[str, dict[str, str]], client: str, scenario: str
) -> None:
    if client not in golden:
        missing_peer(f"{client} is not installed")
    message = golden[client].get(scenario, "")
    assert message and "connected" not in message.split("\t")[0], (client, scenario, message)
    report = explain_text(message)
    ids = [f.id for f in report.findings]
    assert ids[0] in EXPECTED[client][scenario], (client, scenario, message, ids)


def test_every_entry_real_failures_produce_is_described(
    golden: dict[str, dict[str, str]],
) -> None:
    cat = load()
    seen: set[str] = set()
    for per_client in golden.values():
        for message in per_client.values():
            report = explain_text(message)
            seen.update(f.id for f in report.findings)
    undescribed = sorted(
        i for i in seen if not (e := cat.by_id(i)) or not (e.meaning and e.causes and e.next)
    )
    print(f"\ncatalog: real failures produced {len(seen)} entries, all described")
    assert not undescribed, undescribed
