"""Recording real failures: tcpdump on loopback while a real client meets a lab server.

:func:`tcpdump` captures the traffic of some loopback ports into a pcap file;
:func:`openssl_client` runs ``openssl s_client`` the way an application would
(verifying the chain and the name, answering with an alert when it refuses),
optionally writing the TLS key log.  Both start only processes they stop, by
PID.  Used by the capture tests, ``tlsdoctor diagnose`` tests and the demo.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tlsdoctor.lab.servers import Running


def _wait_for(proc: subprocess.Popen[bytes], needle: bytes, timeout: float) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.1)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            if needle in seen:
                return
        if proc.poll() is not None:
            break
    raise RuntimeError(f"tcpdump did not start: {seen.decode('utf-8', 'replace').strip()[:200]}")


@contextlib.contextmanager
def tcpdump(path: str, ports: Sequence[int]) -> Iterator[str]:
    """Capture loopback TCP traffic of ``ports`` into ``path`` (pcap)."""
    if shutil.which("tcpdump") is None:
        raise RuntimeError("tcpdump is not installed")
    flt = " or ".join(f"tcp port {p}" for p in ports)
    cmd = ["tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-w", path, flt]
    if os.geteuid() == 0:
        cmd[1:1] = ["-Z", "root"]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_for(proc, b"listening on", 10)
        yield path
        time.sleep(0.25)  # let the last packets reach the file
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stderr is not None:
            proc.stderr.close()


@dataclass
class ClientRun:
    returncode: int
    output: str
    keylog: str | None


def openssl_client(
    srv: Running,
    *extra: str,
    version: str | None = None,
    keylog: str | None = None,
    timeout: float = 10.0,
    cafile: str | None = None,
) -> ClientRun:
    """``openssl s_client`` as an application: verify chain and name, fail closed.

    ``version`` is "1.2" or "1.3" (both when None).  With ``keylog`` the TLS
    secrets go to that file (SSLKEYLOGFILE format).
    """
    host = str(srv.files.get("host", "localhost"))
    cmd = [
        "openssl",
        "s_client",
        "-connect",
        srv.address,
        "-servername",
        host,
        "-verify_return_error",
        "-verify_hostname",
        host,
    ]
    ca = cafile or srv.files.get("ca")
    if ca:
        cmd += ["-CAfile", ca]
    if version == "1.2":
        cmd.append("-tls1_2")
    elif version == "1.3":
        cmd.append("-tls1_3")
    if keylog:
        cmd += ["-keylogfile", keylog]
    cmd += list(extra)
    try:
        p = subprocess.run(cmd, input=b"Q\n", capture_output=True, timeout=timeout)
        code, out = p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        code = -1
        out = ((e.stdout or b"") + (e.stderr or b"")).decode("utf-8", "replace")
    return ClientRun(code, out, keylog)
