"""Fixtures of the wire tests: a test PKI made at run time, real TLS peers on
127.0.0.1 (openssl s_server, gnutls-serv), and a driver that runs the sans-IO
client engine over a blocking socket.

Every server is started on a free loopback port, waited for by its own
"listening" line, and killed by PID when the test ends.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from support import missing_peer
from tlsdoctor.lab.pki import self_signed_leaf
from tlsdoctor.lab.servers import free_port
from tlsdoctor.wire.client import ClientConfig, ClientEngine

HOST = "127.0.0.1"
IO_TIMEOUT = 2.0


# --------------------------------------------------------------------- PKI


@dataclass
class Identity:
    """A certificate, its key, and the files a peer reads them from."""

    cert: x509.Certificate
    key: Any
    cert_path: Path
    key_path: Path

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def server_args(self) -> tuple[str, ...]:
        """``openssl s_server`` arguments that serve this certificate."""
        return ("-cert", str(self.cert_path), "-key", str(self.key_path))


@dataclass
class Pki:
    root: Path
    server_rsa: Identity
    server_ec: Identity
    clients: dict[str, Identity] = field(default_factory=dict)
    client_ca_path: Path | None = None
    """All client certificates (self-signed) in one PEM, for -CAfile."""

    @property
    def require_client_cert(self) -> tuple[str, ...]:
        """``openssl s_server`` arguments that require a certificate of one of the clients."""
        return ("-Verify", "1", "-CAfile", str(self.client_ca_path))


def _issue(
    path: Path, name: str, key_type: str, bits: int | None = None, *, san: str | None = None
) -> Identity:
    """A self-signed CA certificate (its own trust anchor) for ``san``, or for ``name``."""
    issued = self_signed_leaf(san or name, is_ca=True, key_type=key_type, bits=bits, eku=None)
    paths = issued.write(str(path), stem=name)
    return Identity(issued.cert, issued.key, Path(paths["cert"]), Path(paths["key"]))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("wire-pki")
    p = Pki(
        root,
        _issue(root, "server-rsa", "rsa", 2048, san="localhost"),
        _issue(root, "server-ec", "ec", san="localhost"),
    )
    p.clients = {
        "rsa": _issue(root, "client-rsa", "rsa", 2048),
        "ec": _issue(root, "client-ec", "ec", 384),
        "ed25519": _issue(root, "client-ed25519", "ed25519"),
    }
    p.client_ca_path = root / "client-cas.pem"
    p.client_ca_path.write_bytes(
        b"".join(i.cert.public_bytes(serialization.Encoding.PEM) for i in p.clients.values())
    )
    return p


# ------------------------------------------------------------------- peers


@dataclass
class Peer:
    proc: subprocess.Popen[bytes]
    port: int
    output: bytes = b""
    stopped: bool = False

    def log(self) -> str:
        """What the peer printed so far."""
        return self.output.decode("utf-8", "replace")

    def finish(self) -> str:
        """Let the peer end (``-naccept 1`` servers exit after one connection;
        others are killed after 2 s) and return all it printed."""
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        _stop(self)
        return self.log()


def _wait_for(proc: subprocess.Popen[bytes], marker: bytes, deadline: float) -> bytes:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    seen = b""
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            raise RuntimeError(f"peer did not start: {seen.decode(errors='replace')[-500:]}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError(f"peer exited: {seen.decode(errors='replace')[-500:]}")
            seen += chunk
    return seen


def _stop(peer: Peer) -> None:
    if peer.stopped:
        return
    peer.stopped = True
    if peer.proc.poll() is None:
        peer.proc.kill()
    if peer.proc.stdin is not None:
        peer.proc.stdin.close()
        peer.proc.stdin = None
    out, _ = peer.proc.communicate(timeout=5)
    peer.output += out or b""


@pytest.fixture
def openssl_server() -> Iterator[Callable[..., Peer]]:
    """Start ``openssl s_server`` with extra arguments for one connection."""
    peers: list[Peer] = []

    def start(*args: str) -> Peer:
        for _ in range(3):
            port = free_port()
            proc = subprocess.Popen(
                ["openssl", "s_server", "-accept", f"{HOST}:{port}", "-naccept", "1", *args],
                stdin=subprocess.PIPE,  # s_server quits when its stdin ends
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            peer = Peer(proc, port)
            peers.append(peer)
            try:
                peer.output = _wait_for(proc, b"ACCEPT", time.monotonic() + 5)
                return peer
            except RuntimeError:
                _stop(peer)
        raise RuntimeError(f"openssl s_server would not start: {peer.log()[-500:]}")

    try:
        yield start
    finally:
        for peer in peers:
            _stop(peer)


@pytest.fixture
def gnutls_server() -> Iterator[Callable[..., Peer]]:
    """Start ``gnutls-serv``.  It binds every interface, so where network namespaces are
    available it runs in one of its own (loopback only) behind a 127.0.0.1 relay."""
    if shutil.which("gnutls-serv") is None:
        missing_peer("gnutls-serv is not installed (gnutls-bin)")
    peers: list[Peer] = []

    def start(*args: str) -> Peer:
        from tlsdoctor.lab import nsrelay

        port = free_port()
        cmd = ["gnutls-serv", "-p", str(port), *args]
        isolate = nsrelay.available()
        proc = subprocess.Popen(
            nsrelay.isolated(cmd) if isolate else cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        peer = Peer(proc, port)
        peers.append(peer)
        peer.output = _wait_for(proc, b"...done", time.monotonic() + 5)
        if isolate:
            relays.append(nsrelay.start_relay(proc.pid, port))
        return peer

    relays: list[subprocess.Popen[bytes]] = []
    try:
        yield start
    finally:
        for peer in peers:
            _stop(peer)
        for relay in relays:
            relay.kill()
            relay.wait(timeout=5)


# ------------------------------------------------------------------ driver


def drive(
    port: int,
    config: ClientConfig,
    *,
    request: bytes | None = None,
) -> ClientEngine:
    """Run one handshake against 127.0.0.1:port over a blocking socket.

    After the handshake, ``request`` (if any) is sent, then records are read
    until the server closes, the engine ends, or nothing comes for
    ``IO_TIMEOUT`` seconds.
    """
    engine = ClientEngine(config)
    with socket.create_connection((HOST, port), timeout=IO_TIMEOUT) as sock:
        sock.sendall(engine.start())
        sent_request = False
        for _ in range(200):  # bounded: a handshake is a handful of reads
            if engine.state in ("failed", "closed", "stopped"):
                break
            if engine.state == "connected" and request is not None and not sent_request:
                engine.send_application_data(request)
                sent_request = True
            out = engine.data_to_send()
            if out:
                sock.sendall(out)
            try:
                data = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            engine.receive(data)
            if not data:
                break
            out = engine.data_to_send()
            if out:
                try:
                    sock.sendall(out)
                except (BrokenPipeError, ConnectionResetError):
                    break
    return engine


@pytest.fixture
def run_client() -> Callable[..., ClientEngine]:
    return drive
