"""Fixtures for the log tests: real peers that write real debug logs on 127.0.0.1.

- ``mbed_peer``: tests/logs/c/mbed_peer.c built with gcc against Debian's
  libmbedtls-dev;
- ``wolf_peer``: tests/logs/c/wolf_peer.c built against wolfSSL compiled from
  Debian's source package with ``--enable-debug --enable-psk``
  (tests/logs/build_wolfssl.sh, cached between runs);
- ``java_client``: tests/logs/java/LogClient.java compiled with javac.

Binaries live in the test cache ($TLSDOCTOR_TEST_CACHE or
~/.cache/tlsdoctor-test), keyed by a hash of their source, so only the first
run compiles.  Helpers live in logpeers.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import missing_peer

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from logpeers import cache_dir, compile_c, digest  # noqa: E402


@pytest.fixture(scope="session")
def mbed_peer() -> Path:
    if not Path("/usr/include/mbedtls/ssl.h").exists():
        missing_peer("libmbedtls-dev is not installed")
    return compile_c(
        HERE / "c" / "mbed_peer.c", "mbed_peer", ["-lmbedtls", "-lmbedx509", "-lmbedcrypto"]
    )


@pytest.fixture(scope="session")
def wolfssl_prefix() -> Path:
    """wolfSSL with its debug trace, built once (see build_wolfssl.sh)."""
    script = HERE / "build_wolfssl.sh"
    p = subprocess.run(
        ["bash", str(script), str(cache_dir())], capture_output=True, text=True, timeout=1800
    )
    if p.returncode == 3:
        missing_peer("cannot build wolfSSL with debug: " + p.stderr.strip().splitlines()[-1])
    if p.returncode != 0:
        raise RuntimeError("build_wolfssl.sh failed:\n" + p.stderr[-3000:])
    return Path(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def wolf_peer(wolfssl_prefix: Path) -> Path:
    prefix = str(wolfssl_prefix)
    return compile_c(
        HERE / "c" / "wolf_peer.c",
        "wolf_peer",
        [f"-I{prefix}/include", f"-L{prefix}/lib", f"-Wl,-rpath,{prefix}/lib", "-lwolfssl"],
        salt=prefix.encode(),
    )


@pytest.fixture(scope="session")
def java_client() -> Path:
    if shutil.which("javac") is None or shutil.which("java") is None:
        missing_peer("a JDK (javac, java) is not installed")
    src = HERE / "java" / "LogClient.java"
    out = cache_dir() / f"java-{digest(src.read_bytes())}"
    if not (out / "LogClient.class").exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["javac", "-d", str(out), str(src)], check=True, capture_output=True, timeout=120
        )
    return out
