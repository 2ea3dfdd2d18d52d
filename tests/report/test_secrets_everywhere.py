"""A private key, a PSK and a key log fed into every renderer: none of their bytes come out.

Every format (terminal, JSON, Markdown, HTML) of every command that takes a
secret is searched for the secret in PEM, hex and base64 forms.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from support import need_capture, run_cli
from tlsdoctor.lab import servers
from tlsdoctor.lab.pki import ca
from tlsdoctor.lab.recorder import openssl_client, tcpdump

FORMATS = ["terminal", "json", "markdown", "html"]


def forms(secret: bytes) -> list[str]:
    out = [secret.hex(), secret.hex().upper(), base64.b64encode(secret).decode()]
    return [f for f in out if len(f) >= 8]


def key_forms(pem: bytes) -> list[str]:
    der = serialization.load_pem_private_key(pem, None).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    body = "".join(pem.decode().splitlines()[1:-1])
    return [body[i : i + 24] for i in range(0, len(body) - 24, 200)] + [
        der.hex()[64:128],
        base64.b64encode(der).decode()[40:100],
    ]


def assert_clean(text: str, needles: list[str]) -> None:
    for n in needles:
        assert n not in text, f"secret material leaked: {n[:12]}…"


@pytest.mark.parametrize("fmt", FORMATS)
def test_private_key_in_a_cert_file(fmt, tmp_path) -> None:
    leaf = ca("R").intermediate("I").leaf("secret.test", key_type="rsa")
    pem = leaf.key_pem()
    f = tmp_path / "combined.pem"
    f.write_bytes(leaf.chain_pem() + pem)
    for cmd in (["cert", str(f)], ["diagnose", str(f)]):
        r = run_cli([*cmd, "--format", fmt, "--keep-names"])
        assert r.code in (0, 1), r.err
        assert_clean(r.out + r.err, key_forms(pem))


@pytest.fixture(scope="module")
def psk_server(tmp_path_factory):
    srv = servers.start(servers.BY_NAME["psk-only"], str(tmp_path_factory.mktemp("psk")))
    yield srv
    servers.stop(srv)


@pytest.mark.parametrize("fmt", FORMATS)
def test_psk_in_every_format(fmt, psk_server, tmp_path) -> None:
    text = b"c0ffee5ec2e7"
    f = tmp_path / "psk.txt"
    f.write_bytes(text + b"\n")
    needles = [text.decode(), *forms(text), *forms(bytes.fromhex(text.decode()))]
    for cmd in (["check", psk_server.address], ["diagnose", psk_server.address]):
        r = run_cli(
            [
                *cmd,
                "--psk-identity",
                "client1",
                "--psk-file",
                str(f),
                "--psk-encoding",
                "ascii",
                "--format",
                fmt,
                "--keep-names",
            ]
        )
        assert r.code in (0, 1), r.err
        assert_clean(r.out + r.err, needles)


@pytest.fixture(scope="module")
def keylogged(tmp_path_factory):
    need_capture()
    d = tmp_path_factory.mktemp("kl")
    srv = servers.start(servers.BY_NAME["mtls-required"], str(d / "srv"))
    try:
        pcap, kl = str(d / "c.pcap"), str(d / "keys.log")
        with tcpdump(pcap, [srv.port]):
            openssl_client(srv, version="1.3", keylog=kl, timeout=3)
        secrets = [
            line.split()[2]
            for line in Path(kl).read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        assert secrets
        yield pcap, kl, secrets
    finally:
        servers.stop(srv)


@pytest.mark.parametrize("fmt", FORMATS)
def test_key_log_secrets_in_every_format(fmt, keylogged) -> None:
    pcap, kl, secrets = keylogged
    needles = (
        [s.lower() for s in secrets]
        + [s.upper() for s in secrets]
        + [base64.b64encode(bytes.fromhex(s)).decode() for s in secrets]
    )
    for cmd in (["pcap", pcap, "--keylog", kl], ["diagnose", pcap, "--keylog", kl]):
        r = run_cli([*cmd, "--format", fmt, "--keep-names"])
        assert r.code in (0, 1), r.err
        assert "mtls.empty-client-certificate" in r.out or fmt in ("html", "markdown")
        assert_clean(r.out + r.err, needles)
