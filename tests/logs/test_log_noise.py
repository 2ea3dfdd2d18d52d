"""Real logs buried in noise: other subsystems' lines, timestamps, CRLF, cut lines.

A log from a device or a server rarely holds only the TLS library's output:
its lines carry timestamps in one of several formats, other components write
in between, line endings are CRLF, lines are cut.  The diagnosis must not
change.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from logpeers import diagnose_bytes, first, mbed_client, ossl_client, wolf_client

from tlsdoctor.lab.servers import running

pytestmark = pytest.mark.live

NOISE = [
    "kernel: [12345.678901] eth0: link up, 1000Mbps, full-duplex",
    "systemd[1]: Started Daily apt download activities.",
    "app.cache INFO evicted 42 entries (error budget 0.1%)",
    "GET /healthz 200 0.4ms",
    "WARN  [pool-3-thread-1] c.e.Foo - retrying in 250 ms",
    "debug: config reloaded from /etc/app.conf",
    '{"level":"info","msg":"tick","n":7}',
    "E/Adreno  ( 1234): <gsl_ldd_control:475>: ioctl fd 25 code 0x40080921 (IOCTL_KGSL_GPUOBJ_FREE) failed: errno 22",
]

STAMPS = [
    lambda r: f"2026-11-22T07:26:36.{r.randrange(1000):03d}Z ",
    lambda r: f"2026-11-22 07:26:36,{r.randrange(1000):03d} DEBUG tls: ",
    lambda r: f"Nov 22 07:26:{r.randrange(60):02d} gateway app[4242]: ",
    lambda r: f"11-22 07:26:36.{r.randrange(1000):03d}  1234  1250 D TLS     : ",
    lambda r: f"[{r.randrange(100000)}.{r.randrange(10**6):06d}] ",
    lambda r: f"I ({r.randrange(100000)}) tls: ",
]


def bury(log: bytes, seed: int, stamp: int | None = None) -> bytes:
    """``log`` with noise lines between its lines, a timestamp prefix on every line,
    CRLF endings and some noise lines cut short; the last line is cut too."""
    r = random.Random(seed)
    out: list[str] = []
    pick = STAMPS[stamp] if stamp is not None else None
    for line in log.decode("utf-8", "replace").splitlines():
        for _ in range(r.randrange(3)):
            noise = r.choice(NOISE)
            if r.random() < 0.3:
                noise = noise[: r.randrange(1, len(noise))]
            out.append((pick or r.choice(STAMPS))(r) + noise)
        out.append((pick or r.choice(STAMPS))(r) + line)
    out.append("2026-11-22T07:26:37.000Z " + NOISE[0][:17])
    return ("\r\n".join(out)).encode()


@pytest.fixture(scope="module")
def mtls_openssl_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    d = tmp_path_factory.mktemp("noise")
    with running("mtls-required-tls12", str(d / "lab")) as srv:
        return ossl_client(srv, strict=False), srv.files["ca"]


@pytest.mark.parametrize("stamp", range(len(STAMPS)))
def test_openssl_log_with_noise_and_one_stamp_format(
    mtls_openssl_log: tuple[bytes, str], stamp: int
) -> None:
    log, ca = mtls_openssl_log
    assert first(diagnose_bytes(log, "clean.log", ca)) == "mtls.empty-client-certificate"
    noisy = bury(log, seed=stamp, stamp=stamp)
    assert first(diagnose_bytes(noisy, "noisy.log", ca)) == "mtls.empty-client-certificate"


def test_openssl_log_with_mixed_stamps(mtls_openssl_log: tuple[bytes, str]) -> None:
    log, ca = mtls_openssl_log
    report = diagnose_bytes(bury(log, seed=99), "mixed.log", ca)
    assert first(report) == "mtls.empty-client-certificate"


def test_mbedtls_log_with_noise(mbed_peer: Path, tmp_path: Path) -> None:
    with running("missing-intermediate", str(tmp_path / "lab")) as srv:
        log = mbed_client(mbed_peer, srv)
        ca = srv.files["ca"]
    for seed in (1, 2):
        assert first(diagnose_bytes(bury(log, seed), "mbed-noisy.log", ca)) == "chain.incomplete"


def test_wolfssl_log_with_noise(wolf_peer: Path, tmp_path: Path) -> None:
    with running("mtls-required-tls12", str(tmp_path / "lab")) as srv:
        log = wolf_client(wolf_peer, srv, "--late-cert", "--tls12", cert=True)
        ca = srv.files["ca"]
    for seed in (3, 4):
        report = diagnose_bytes(bury(log, seed), "wolf-noisy.log", ca)
        assert first(report) == "mtls.credentials-loaded-after-session"
