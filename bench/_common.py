"""Shared bench helpers: lab servers, timing, and counting handshakes with tcpdump.

Benchmarks are not part of `make test`.  Anchor tools (sslyze, testssl.sh) run
in the same session against the same lab server, so the figures are ratios.
sslyze runs from its own virtual environment (bench/.venv-sslyze; sslyze 6
needs cryptography < 47); testssl.sh comes from Debian (`apt-get install
testssl.sh`).  Missing anchors are reported as skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TLSDOCTOR = [os.path.join(ROOT, ".venv", "bin", "tlsdoctor")]
SSLYZE_VENV = os.path.join(HERE, ".venv-sslyze")
SSLYZE = [os.path.join(SSLYZE_VENV, "bin", "sslyze")]
SSLYZE_PY = os.path.join(SSLYZE_VENV, "bin", "python")


def ensure_sslyze() -> bool:
    if os.path.exists(SSLYZE[0]):
        return True
    print("setting up sslyze in bench/.venv-sslyze ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", SSLYZE_VENV], check=True)
    r = subprocess.run([os.path.join(SSLYZE_VENV, "bin", "pip"), "install", "-q", "sslyze"])
    return r.returncode == 0 and os.path.exists(SSLYZE[0])


def testssl() -> list[str] | None:
    exe = shutil.which("testssl") or shutil.which("testssl.sh")
    return [exe] if exe else None


def timed(
    cmd: Sequence[str], timeout: float = 600
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - start, p


class SynCounter:
    """Counts TCP connection attempts to one loopback port with tcpdump."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[str] | None = None
        self.available = shutil.which("tcpdump") is not None and os.geteuid() == 0

    def __enter__(self) -> SynCounter:
        if not self.available:
            return self
        self.proc = subprocess.Popen(
            [
                "tcpdump",
                "-i",
                "lo",
                "-n",
                "-l",
                "-q",
                f"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst port {self.port}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if "listening on" in line:
                break
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        time.sleep(0.3)
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=10)
        self.count = sum(1 for line in out.splitlines() if line.strip())

    count: int | None = None


def median_of(runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    return statistics.median(fn() for _ in range(runs))
