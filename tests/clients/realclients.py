"""The real TLS clients on this machine, run the way a user runs them.

Each client connects to 127.0.0.1:PORT with an SNI and one CA file, verifying
the server (and its name) with the client's defaults, and reports whether the
handshake completed.  Java and Node take a batch of targets in one process;
the others run once per target.  :func:`capture_hello` records the ClientHello
a client sends, with a plain socket server that answers nothing useful.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tlsdoctor.wire.handshake import parse_handshake
from tlsdoctor.wire.messages import ClientHello
from tlsdoctor.wire.records import HandshakeReassembler, RecordReader

HERE = Path(__file__).resolve().parent
TIMEOUT = 8


def cache_dir() -> Path:
    root = os.environ.get("TLSDOCTOR_TEST_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "tlsdoctor-test"
    )
    path = Path(root) / "clients"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.hexdigest()[:16]


def compile_c(name: str, libs: Sequence[str]) -> Path | None:
    """tests/clients/c/NAME.c built with gcc, cached by the hash of its source."""
    if shutil.which("gcc") is None:
        return None
    src = HERE / "c" / f"{name}.c"
    out = cache_dir() / f"{name}-{_digest(src.read_bytes(), ' '.join(libs).encode())}"
    if not out.exists():
        tmp = out.with_suffix(f".tmp{os.getpid()}")
        p = subprocess.run(
            ["gcc", "-O1", "-Wall", "-o", str(tmp), str(src), *libs],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if p.returncode != 0:
            return None
        tmp.replace(out)
    return out


@dataclass(frozen=True)
class Result:
    ok: bool
    detail: str


@dataclass
class RealClient:
    profile: str
    """The tlsdoctor profile this client is compared with."""
    available: Callable[[], bool]
    run: Callable[[Sequence[tuple[int, str]], str], dict[int, Result]]
    """(targets as (port, sni), CA file) -> port -> Result."""


def _each(
    cmd: Callable[[int, str, str], list[str]],
    ok_code: int = 0,
    send: bytes | None = None,
    must_see: str | None = None,
    wait: float = TIMEOUT,
) -> Callable[[Sequence[tuple[int, str]], str], dict[int, Result]]:
    def one(port: int, sni: str, ca: str) -> Result:
        try:
            p = subprocess.run(
                cmd(port, sni, ca),
                input=send,
                stdin=None if send is not None else subprocess.DEVNULL,
                capture_output=True,
                timeout=wait,
            )
        except subprocess.TimeoutExpired as e:
            # s_client -ign_eof keeps the connection open after the answer
            seen = ((e.stdout or b"") + (e.stderr or b"")).decode("utf-8", "replace")
            ok = must_see is not None and must_see in seen
            return Result(ok, "timeout" + (" after the answer" if ok else ""))
        full = (p.stdout + p.stderr).decode("utf-8", "replace")
        if must_see is not None:
            ok = must_see in full
        else:
            ok = p.returncode == ok_code
        return Result(ok, full.strip().replace("\n", " | ")[-300:])

    def run(targets: Sequence[tuple[int, str]], ca: str) -> dict[int, Result]:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda t: one(t[0], t[1], ca), targets))
        return {port: r for (port, _), r in zip(targets, results, strict=True)}

    return run


def _openssl(port: int, sni: str, ca: str) -> list[str]:
    return [
        "openssl",
        "s_client",
        "-connect",
        f"127.0.0.1:{port}",
        "-servername",
        sni,
        "-verify_hostname",
        sni,
        "-CAfile",
        ca,
        "-verify_return_error",
        "-quiet",
        "-ign_eof",
    ]


def _gnutls(port: int, sni: str, ca: str) -> list[str]:
    return [
        "gnutls-cli",
        "127.0.0.1",
        "-p",
        str(port),
        "--sni-hostname",
        sni,
        "--verify-hostname",
        sni,
        "--x509cafile",
        ca,
        "--logfile",
        "/dev/null",
    ]


def _curl(port: int, sni: str, ca: str) -> list[str]:
    return [
        "curl",
        "-sS",
        "-o",
        "/dev/null",
        "--max-time",
        "5",
        "--cacert",
        ca,
        "--resolve",
        f"{sni}:{port}:127.0.0.1",
        f"https://{sni}:{port}/",
    ]


_PY = (
    "import socket,ssl,sys\n"
    "port,sni,ca=int(sys.argv[1]),sys.argv[2],sys.argv[3]\n"
    "ctx=ssl.create_default_context(cafile=ca)\n"
    "s=socket.create_connection(('127.0.0.1',port),timeout=5)\n"
    "t=ctx.wrap_socket(s,server_hostname=sni)\n"
    "t.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\n"
    "t.recv(64)\n"
    "print('ok',t.version(),t.cipher()[0])\n"
)


def _python(port: int, sni: str, ca: str) -> list[str]:
    return [sys.executable, "-c", _PY, str(port), sni, ca]


def _curl_run() -> Callable[[Sequence[tuple[int, str]], str], dict[int, Result]]:
    # curl exits 0 when the TLS handshake and the HTTP exchange work; the lab's
    # servers answer HTTP, so 0 means the handshake completed.
    return _each(_curl)


def _binary(
    name: str, libs: Sequence[str]
) -> Callable[[Sequence[tuple[int, str]], str], dict[int, Result]]:
    def run(targets: Sequence[tuple[int, str]], ca: str) -> dict[int, Result]:
        exe = compile_c(name, libs)
        if exe is None:
            raise RuntimeError(f"cannot build {name}")
        return _each(lambda port, sni, ca_: [str(exe), str(port), sni, ca_])(targets, ca)

    return run


def _batch(
    cmd: Callable[[str, list[str]], list[str]],
) -> Callable[[Sequence[tuple[int, str]], str], dict[int, Result]]:
    def run(targets: Sequence[tuple[int, str]], ca: str) -> dict[int, Result]:
        specs = [f"127.0.0.1:{port}:{sni}" for port, sni in targets]
        p = subprocess.run(cmd(ca, specs), capture_output=True, text=True, timeout=120)
        out: dict[int, Result] = {}
        for line in p.stdout.splitlines():
            port, _, rest = line.partition(" ")
            if port.isdigit():
                out[int(port)] = Result(rest.startswith("ok"), rest)
        for port, _ in targets:
            out.setdefault(port, Result(False, "no answer: " + p.stderr[-200:]))
        return out

    return run


def _java(ca: str, specs: list[str]) -> list[str]:
    return ["java", str(HERE / "java" / "ProbeClient.java"), ca, *specs]


def _node(ca: str, specs: list[str]) -> list[str]:
    return ["node", str(HERE / "js" / "probe_client.js"), ca, *specs]


def _has(*progs: str) -> Callable[[], bool]:
    return lambda: all(shutil.which(p) is not None for p in progs)


def _has_header(header: str) -> Callable[[], bool]:
    return lambda: shutil.which("gcc") is not None and Path(header).exists()


WOLF_LIBS = ("-lwolfssl",)
MBED_LIBS = ("-lmbedtls", "-lmbedx509", "-lmbedcrypto")

CLIENTS: dict[str, RealClient] = {
    # s_client sends a request and must see the answer: a TLS 1.3 server judges a
    # client certificate only after the client's Finished.
    "openssl": RealClient(
        "openssl-3",
        _has("openssl"),
        _each(_openssl, send=b"GET / HTTP/1.0\r\n\r\n", must_see="HTTP/", wait=3),
    ),
    "gnutls": RealClient("gnutls", _has("gnutls-cli"), _each(_gnutls)),
    "python": RealClient("python", lambda: True, _each(_python)),
    "curl": RealClient("curl", _has("curl"), _curl_run()),
    "java": RealClient("java-17", _has("java"), _batch(_java)),
    "node": RealClient("node", _has("node"), _batch(_node)),
    "wolfssl": RealClient(
        "wolfssl", _has_header("/usr/include/wolfssl/ssl.h"), _binary("wolf_client", WOLF_LIBS)
    ),
    "mbedtls": RealClient(
        "mbedtls", _has_header("/usr/include/mbedtls/ssl.h"), _binary("mbed_client", MBED_LIBS)
    ),
}


# --------------------------------------------------------------- hello capture


def _read_hello(conn: socket.socket) -> ClientHello | None:
    reader = RecordReader("client")
    hs = HandshakeReassembler("client")
    for _ in range(64):
        try:
            data = conn.recv(65536)
        except OSError:
            return None
        if not data:
            return None
        for rec in reader.feed(data):
            if rec.content_type != 22:
                return None
            for frame in hs.feed(rec.fragment):
                msg, _ = parse_handshake(frame.raw, side="client")
                return msg if isinstance(msg, ClientHello) else None
    return None


def capture_hello(client: RealClient, ca: str, sni: str = "localhost") -> ClientHello | None:
    """The first ClientHello ``client`` sends to a server that then hangs up."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(TIMEOUT)
    port = srv.getsockname()[1]
    got: list[ClientHello | None] = []

    def serve() -> None:
        try:
            conn, _ = srv.accept()
        except OSError:
            got.append(None)
            return
        with conn:
            conn.settimeout(TIMEOUT)
            got.append(_read_hello(conn))
            # handshake_failure: the client gives up at once
            try:
                conn.sendall(bytes([21, 3, 3, 0, 2, 2, 40]))
            except OSError:
                pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        client.run([(port, sni)], ca)
    finally:
        t.join(TIMEOUT)
        srv.close()
    return got[0] if got else None
