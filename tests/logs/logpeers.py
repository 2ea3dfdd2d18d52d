"""Helpers for the log tests: the test cache, compiling our peers, running them.

Kept apart from conftest.py (fixtures only) so test modules import these by a
name no other test area uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support import missing_peer
from tlsdoctor.model import Report

if TYPE_CHECKING:
    from tlsdoctor.lab.servers import Running

HERE = Path(__file__).resolve().parent

TIMEOUT = 2.0
"""Seconds a test waits for one peer (hang tests stay within 2 s)."""

HTTP_GET = b"GET / HTTP/1.0\r\n\r\n"


def cache_dir() -> Path:
    base = os.environ.get("TLSDOCTOR_TEST_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "tlsdoctor-test"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.hexdigest()[:16]


def compile_c(src: Path, out_name: str, flags: list[str], salt: bytes = b"") -> Path:
    if shutil.which("gcc") is None:
        missing_peer("gcc is not installed")
    key = digest(src.read_bytes(), " ".join(flags).encode(), salt)
    out = cache_dir() / f"{out_name}-{key}"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        subprocess.run(
            ["gcc", "-O1", "-Wall", "-o", str(tmp), str(src), *flags],
            check=True,
            capture_output=True,
            timeout=120,
        )
        tmp.replace(out)
    return out


# ------------------------------------------------------------------ running peers


def run_logged(cmd: list[str], stdin: bytes = b"", timeout: float = TIMEOUT) -> bytes:
    """Run a client to the end; its standard output and error, merged as a shell's 2>&1 would."""
    try:
        p = subprocess.run(
            cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout
        )
    except subprocess.TimeoutExpired as e:
        return e.stdout or b""
    return p.stdout


@dataclass
class Peer:
    """A server a test started: its port and the log it writes."""

    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self, timeout: float = TIMEOUT) -> bytes:
        """Wait for the server to finish its one connection, then its log."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=timeout)
        return self.log_path.read_bytes()


@contextlib.contextmanager
def c_server(binary: Path, args: list[str], log_path: Path) -> Iterator[Peer]:
    """One of our C servers: serves one connection, writes its debug log to ``log_path``."""
    from tlsdoctor.lab.servers import free_port

    port = free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(binary), "server", str(port), *args],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        if b"ready" not in ready:
            raise RuntimeError(
                f"{binary.name} did not start: {log_path.read_text(errors='replace')[-500:]}"
            )
        yield Peer(port, proc, log_path)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()


@contextlib.contextmanager
def openssl_server(args: list[str], log_path: Path) -> Iterator[Peer]:
    """``openssl s_server`` with our own arguments (for logs the lab does not make).

    Ready when it prints ACCEPT (probing the port would put a connection in its log)."""
    import time

    from tlsdoctor.lab.servers import LOOPBACK, free_port

    port = free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            ["openssl", "s_server", "-accept", f"{LOOPBACK}:{port}", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE,
        )
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if b"ACCEPT" in log_path.read_bytes():
                break
            if proc.poll() is not None:
                raise RuntimeError(
                    "openssl s_server exited: " + log_path.read_text(errors="replace")[-500:]
                )
            time.sleep(0.05)
        yield Peer(port, proc, log_path)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=5)
        if proc.stdin is not None:
            proc.stdin.close()


def diagnose_bytes(data: bytes, name: str, ca: str | None = None, **kw: Any) -> Report:
    """The Report ``tlsdoctor log`` gives for ``data``."""
    import io

    from tlsdoctor.engine import diagnose_log

    return diagnose_log(io.BytesIO(data), name=name, ca_files=[ca] if ca else [], **kw)


def first(report: Report) -> str | None:
    return report.findings[0].id if report.findings else None


# ------------------------------------------------------------------ clients and checks


def ossl_client(srv: Running, *extra: str, strict: bool = True) -> bytes:
    """``openssl s_client -msg -state`` to a lab server (verifying the chain and
    name, and stopping at the first verify error, when ``strict``); its log."""
    cmd = ["openssl", "s_client", "-connect", srv.address, "-servername", "localhost"]
    cmd += ["-msg", "-state"]
    if strict:
        cmd += ["-verify_return_error", "-verify_hostname", "localhost"]
    cmd += ["-ign_eof", *extra]
    if "ca" in srv.files:
        cmd += ["-CAfile", srv.files["ca"]]
    return run_logged(cmd, HTTP_GET)


def ossl_server_creds(files: dict[str, str]) -> list[str]:
    """``openssl s_server`` arguments serving the lab's leaf and the rest of its chain."""
    return ["-cert", files["leaf"], "-key", files["leaf_key"], "-cert_chain", files["rest"]]


def _client_creds(files: dict[str, str]) -> list[str]:
    return ["--cert", files["client_cert"], "--key", files["client_key"]]


def mbed_client(binary: Path, srv: Running, *extra: str, cert: bool = False) -> bytes:
    """Our mbedTLS client to a lab server (with the lab's client certificate when
    ``cert``); its debug log."""
    cmd = [str(binary), "client", str(srv.port), "--ca", srv.files["ca"], "--name", "localhost"]
    if cert:
        cmd += _client_creds(srv.files)
    return run_logged([*cmd, *extra])


def wolf_client(binary: Path, srv: Running, *extra: str, cert: bool = False) -> bytes:
    """Our wolfSSL client to a lab server (with the lab's client certificate when
    ``cert``); its debug log."""
    cmd = [str(binary), "client", str(srv.port), "--ca", srv.files["ca"]]
    if cert:
        cmd += _client_creds(srv.files)
    return run_logged([*cmd, *extra])


def assert_success(report: Report, version: str | None = None) -> None:
    """The log's handshake succeeded, nothing fatal, and its parameters were read."""
    assert report.summary.startswith(("The handshake in this log succeeded", "All ")), (
        report.summary
    )
    worst = report.worst()
    assert worst is None or worst.name != "FATAL", [f.id for f in report.findings]
    hs = report.facts.get("handshake", {})
    assert "version" in hs or "cipher_suite" in hs, report.facts
    if version:
        assert version in str(hs.get("version")), hs


def assert_diagnosis(
    report: Report, fmt: str, expected: str | None, version: str | None = None
) -> None:
    """The log was read as ``fmt``; then a success (``expected`` None) or ``expected`` first."""
    assert report.facts["log"]["format"] == fmt
    if expected is None:
        assert_success(report, version)
    else:
        assert first(report) == expected, [(f.id, f.title) for f in report.findings]
