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
from typing import Any

from support import missing_peer
from tlsdoctor.model import Report

HERE = Path(__file__).resolve().parent

TIMEOUT = 2.0
"""Seconds a test waits for one peer (hang tests stay within 2 s)."""


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
