"""Real TLS servers on 127.0.0.1 for the golden-message tests.

``start_servers`` runs three ``openssl s_server`` processes on free loopback
ports, each with a certificate made here with ``cryptography``:

- ``self-signed``: a self-signed certificate for localhost;
- ``unknown-ca``: a localhost certificate from a CA no client trusts;
- ``wrong-name``: a certificate for wrong.example from the CA the clients trust.

Every server is stopped by PID when the context ends.
"""

from __future__ import annotations

import datetime
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCENARIOS = ("self-signed", "unknown-ca", "wrong-name")


@dataclass(frozen=True)
class Servers:
    ports: dict[str, int]
    trusted_ca: Path
    workdir: Path


def _key():  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject_cn, key, issuer_cn, issuer_key, *, ca: bool, san: str | None):  # type: ignore[no-untyped-def]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    if san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, cert, key=None) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.with_suffix(".key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"openssl s_server on {port} exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"openssl s_server on {port} did not start")


@contextmanager
def start_servers(d: Path) -> Iterator[Servers]:
    """Start the three servers with certificates written into ``d``."""
    trusted_key, unknown_key = _key(), _key()
    trusted = _cert(
        "tlsdoctor test CA", trusted_key, "tlsdoctor test CA", trusted_key, ca=True, san=None
    )
    _write(d / "trusted-ca.pem", trusted)
    leaves = {}
    k = _key()
    leaves["self-signed"] = (_cert("localhost", k, "localhost", k, ca=False, san="localhost"), k)
    k = _key()
    leaves["unknown-ca"] = (
        _cert("localhost", k, "unknown test CA", unknown_key, ca=False, san="localhost"),
        k,
    )
    k = _key()
    leaves["wrong-name"] = (
        _cert("wrong.example", k, "tlsdoctor test CA", trusted_key, ca=False, san="wrong.example"),
        k,
    )
    procs: list[subprocess.Popen[bytes]] = []
    ports: dict[str, int] = {}
    try:
        for name, (cert, key) in leaves.items():
            path = d / f"{name}.pem"
            _write(path, cert, key)
            port = _free_port()
            proc = subprocess.Popen(
                [
                    "openssl",
                    "s_server",
                    "-accept",
                    f"127.0.0.1:{port}",
                    "-cert",
                    str(path),
                    "-key",
                    str(path.with_suffix(".key")),
                    "-www",
                    "-quiet",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(proc)
            _wait_listening(port, proc, time.monotonic() + 5)
            ports[name] = port
        yield Servers(ports=ports, trusted_ca=d / "trusted-ca.pem", workdir=d)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=5)
