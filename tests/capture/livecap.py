"""Helpers of the capture tests: a test PKI, TLS contexts, loopback capture processes.

The live captures run ``tcpdump -i lo`` while ``openssl s_server``/``s_client``
and Python ``ssl`` do real handshakes on 127.0.0.1; every process is started
here and stopped by PID, whatever happens.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from support import missing_peer
from tlsdoctor.lab import pki as labpki
from tlsdoctor.lab.servers import free_port

# ------------------------------------------------------------------ test PKI


@dataclass
class Pki:
    dir: Path
    ca: Path
    other_ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    server_der: bytes
    client_der: bytes


def server_context(pki: Pki, require_client_cert: bool = False) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    if require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(pki.ca)
    return ctx


def client_context(
    pki: Pki,
    version: ssl.TLSVersion | None = None,
    keylog: Path | None = None,
    ca: Path | None = None,
    cert: bool = False,
) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca or pki.ca)
    ctx.check_hostname = False
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    if keylog is not None:
        ctx.keylog_filename = str(keylog)
    if cert:
        ctx.load_cert_chain(pki.client_cert, pki.client_key)
    return ctx


# ------------------------------------------------------------------ processes


def _wait_line(p: subprocess.Popen[bytes], stream: str, needle: bytes, timeout: float) -> bytes:
    """Read ``stream`` of ``p`` until a line holds ``needle``; what was read."""
    pipe = p.stderr if stream == "stderr" else p.stdout
    assert pipe is not None
    seen = b""
    deadline = time.monotonic() + timeout
    fd = pipe.fileno()
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or p.poll() is not None:
            raise RuntimeError(f"{p.args[0]!r} did not say {needle!r}: {seen[-300:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                continue
            seen += chunk
    return seen


def _stop(p: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


@contextmanager
def tcpdump(path: Path, ports: list[int]) -> Iterator[None]:
    """Capture loopback traffic to and from ``ports`` into ``path``."""
    flt = " or ".join(f"tcp port {p}" for p in ports)
    p = subprocess.Popen(
        ["tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-Z", "root", "-w", str(path), flt],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_line(p, "stderr", b"listening on", 10)
        yield
        time.sleep(0.2)  # let the last packets reach the capture buffer
    finally:
        _stop(p, signal.SIGINT)
        if p.stderr:
            p.stderr.close()


@contextmanager
def s_server(pki: Pki, port: int, *extra: str) -> Iterator[subprocess.Popen[bytes]]:
    p = subprocess.Popen(
        [
            "openssl",
            "s_server",
            "-accept",
            f"127.0.0.1:{port}",
            "-cert",
            str(pki.server_cert),
            "-key",
            str(pki.server_key),
            "-CAfile",
            str(pki.ca),
            "-www",
            *extra,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_line(p, "stdout", b"ACCEPT", 10)
        yield p
    finally:
        _stop(p)
        if p.stdout:
            p.stdout.close()


def s_client(port: int, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *args],
        input=b"",
        capture_output=True,
        timeout=10,
    )


def py_client(
    ctx: ssl.SSLContext, port: int, sni: str, bind_port: int | None = None, reset: bool = False
) -> str:
    """One handshake with Python ssl; "ok" or the error's reason."""
    sock = socket.socket()
    sock.settimeout(2)
    if bind_port is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", bind_port))
    if reset:  # close with RST: no TIME_WAIT, so the same ports can be used again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    try:
        sock.connect(("127.0.0.1", port))
        with ctx.wrap_socket(sock, server_hostname=sni) as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
            with suppress(TimeoutError, ssl.SSLError, OSError):
                tls.recv(100)
        return "ok"
    except ssl.SSLError as exc:
        return str(exc.reason)
    finally:
        sock.close()


# ------------------------------------------------------------------ the scenario


@dataclass
class Scenario:
    """One loopback capture holding the connections listed in ``expect``."""

    pcap: Path
    keylog: Path
    expect: list[dict[str, object]] = field(default_factory=list)
    """Per connection in order: what the test knows it did."""
    reuse_port: int = 0


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        missing_peer(f"{tool} is not installed")


def make_pki(d: Path) -> Pki:
    """A CA (subjects of a common name alone) with a server and a client certificate,
    and another CA that issued neither."""
    ca = labpki.ca("Capture Test CA", org=None)
    other = labpki.ca("Some Other CA", org=None)
    srv = ca.leaf("localhost", org=None)
    cli = ca.leaf("capture client", san=False, eku=("clientAuth",), org=None)
    for name, data, private in (
        ("ca.pem", ca.cert_pem(), False),
        ("other.pem", other.cert_pem(), False),
        ("server.pem", srv.cert_pem(), False),
        ("server.key", srv.key_pem(), True),
        ("client.pem", cli.cert_pem(), False),
        ("client.key", cli.key_pem(), True),
    ):
        labpki.write_file(str(d / name), data, private)
    return Pki(
        dir=d,
        ca=d / "ca.pem",
        other_ca=d / "other.pem",
        server_cert=d / "server.pem",
        server_key=d / "server.key",
        client_cert=d / "client.pem",
        client_key=d / "client.key",
        server_der=srv.cert.public_bytes(serialization.Encoding.DER),
        client_der=cli.cert.public_bytes(serialization.Encoding.DER),
    )


def make_scenario(pki: Pki, d: Path) -> Scenario:
    """Real handshakes on 127.0.0.1 captured by tcpdump: successes and failures."""
    for tool in ("tcpdump", "openssl"):
        _need(tool)
    sc = Scenario(pcap=d / "live.pcap", keylog=d / "keys.log")
    kl_openssl = d / "openssl.keys"
    kl_py = d / "python.keys"
    plain, mtls, hrr, narrow = free_port(), free_port(), free_port(), free_port()
    reuse = free_port()
    sc.reuse_port = reuse
    e = sc.expect
    try:
        ctx = tcpdump(sc.pcap, [plain, mtls, hrr, narrow])
        ctx.__enter__()
    except (RuntimeError, OSError) as exc:
        missing_peer(f"cannot capture on lo: {exc}")
    try:
        with s_server(pki, plain):
            s_client(plain, "-tls1_2", "-servername", "one.example", "-keylogfile", str(kl_openssl))
            e.append({"sni": "one.example", "version": 0x0303, "status": "ok"})
            s_client(plain, "-tls1_3", "-servername", "two.example", "-keylogfile", str(kl_openssl))
            e.append({"sni": "two.example", "version": 0x0304, "status": "ok"})
            c13 = client_context(pki, ssl.TLSVersion.TLSv1_3, kl_py)
            c12 = client_context(pki, ssl.TLSVersion.TLSv1_2, kl_py)
            assert py_client(c13, plain, "three.example", reuse, reset=True) == "ok"
            e.append({"sni": "three.example", "version": 0x0304, "status": "ok"})
            assert py_client(c12, plain, "four.example", reuse, reset=True) == "ok"
            e.append({"sni": "four.example", "version": 0x0303, "status": "ok"})
            s_client(
                plain,
                "-tls1_2",
                "-servername",
                "unknown-ca.example",
                "-CAfile",
                str(pki.other_ca),
                "-verify_return_error",
                "-keylogfile",
                str(kl_openssl),
            )
            e.append(
                {
                    "sni": "unknown-ca.example",
                    "version": 0x0303,
                    "status": "failed",
                    "alert": ("client", 48),
                }
            )
            bad13 = client_context(pki, ssl.TLSVersion.TLSv1_3, kl_py, ca=pki.other_ca)
            py_client(bad13, plain, "unknown-ca13.example")
            e.append(
                {
                    "sni": "unknown-ca13.example",
                    "version": 0x0304,
                    "status": "failed",
                    "alert": ("client", 48),
                }
            )
        with s_server(pki, mtls, "-Verify", "1"):
            s_client(
                mtls, "-tls1_2", "-servername", "mtls12.example", "-keylogfile", str(kl_openssl)
            )
            e.append(
                {
                    "sni": "mtls12.example",
                    "version": 0x0303,
                    "status": "failed",
                    "alert": ("server", 40),
                    "empty_client_cert": True,
                }
            )
            s_client(
                mtls, "-tls1_3", "-servername", "mtls13.example", "-keylogfile", str(kl_openssl)
            )
            e.append(
                {
                    "sni": "mtls13.example",
                    "version": 0x0304,
                    "status": "failed",
                    "alert": ("server", 116),
                    "empty_client_cert": True,
                }
            )
            s_client(
                mtls,
                "-tls1_2",
                "-servername",
                "mtls-ok.example",
                "-cert",
                str(pki.client_cert),
                "-key",
                str(pki.client_key),
                "-keylogfile",
                str(kl_openssl),
            )
            e.append(
                {"sni": "mtls-ok.example", "version": 0x0303, "status": "ok", "client_cert": True}
            )
        with s_server(pki, hrr, "-groups", "secp384r1"):  # the client guesses X25519 first
            s_client(
                hrr,
                "-tls1_3",
                "-groups",
                "X25519:secp384r1",
                "-servername",
                "hrr.example",
                "-keylogfile",
                str(kl_openssl),
            )
            e.append({"sni": "hrr.example", "version": 0x0304, "status": "ok", "hrr": 24})
        with s_server(pki, narrow, "-tls1_2", "-cipher", "AES128-SHA"):
            # no suite in common: the server's whole answer is one 7-byte alert
            s_client(narrow, "-tls1_2", "-cipher", "AES256-SHA", "-servername", "narrow.example")
            e.append(
                {
                    "sni": "narrow.example",
                    "version": None,
                    "status": "failed",
                    "alert": ("server", 40),
                }
            )
    finally:
        ctx.__exit__(None, None, None)
    sc.keylog.write_bytes(kl_openssl.read_bytes() + kl_py.read_bytes())
    return sc
