"""`--full` enumeration against an independent oracle: `openssl s_client`, one suite at a time.

For every suite the installed OpenSSL knows, at every version, the oracle says
whether the lab server accepts it; our enumeration must agree exactly.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from tlsdoctor.sources.probe.check import CheckOptions, check
from tlsdoctor.wire import registry

VERSIONS = {0x0301: "-tls1", 0x0302: "-tls1_1", 0x0303: "-tls1_2", 0x0304: "-tls1_3"}


def _openssl_suites(version: int) -> dict[str, int]:
    """OpenSSL name -> IANA code of every suite OpenSSL offers at ``version``."""
    flag = VERSIONS[version]
    p = subprocess.run(
        ["openssl", "ciphers", "-V", "-stdname", flag, "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = {}
    for line in p.stdout.splitlines():
        parts = line.split()
        # 0xC0,0x2C - TLS_ECDHE_... - ECDHE-ECDSA-AES256-GCM-SHA384 TLSv1.2 Kx=...
        hi, lo = parts[0].split(",")
        code = (int(hi, 16) << 8) | int(lo, 16)
        name = parts[4]
        is13 = name.startswith("TLS_")
        if (version == 0x0304) == is13:
            out[name] = code
    return out


def _accepts(port: int, version: int, name: str) -> bool:
    args = [
        "openssl",
        "s_client",
        "-connect",
        f"127.0.0.1:{port}",
        VERSIONS[version],
        "-servername",
        "localhost",
    ]
    if version == 0x0304:
        args += ["-ciphersuites", name]
    else:
        args += ["-cipher", f"{name}:@SECLEVEL=0"]
    p = subprocess.run(args, input="", capture_output=True, text=True, timeout=10)
    line = next((x for x in p.stdout.splitlines() if "Cipher is" in x), "")
    return "(NONE)" not in line and line != ""


@pytest.mark.parametrize("name", ["healthy", "rsa1024-leaf", "legacy-tls10"])
def test_full_enumeration_agrees_with_openssl(name, lab_server) -> None:
    srv = lab_server(name)
    ev = check(CheckOptions(srv.address, sni="localhost", timeout=30, full=True))
    scan = ev.scans[0]
    for version in VERSIONS:
        known = _openssl_suites(version)
        with ThreadPoolExecutor(4) as pool:
            verdicts = dict(
                zip(
                    known,
                    pool.map(lambda n, v=version: _accepts(srv.port, v, n), known),
                    strict=True,
                )
            )
        oracle = {known[n] for n, ok in verdicts.items() if ok}
        ours = {c for c in scan.suites.get(version, ()) if c in set(known.values())}
        assert ours == oracle, (
            registry.version_name(version),
            sorted(registry.cipher_suite_name(c) for c in ours ^ oracle),
        )
        assert bool(scan.versions.get(version)) == bool(oracle)


def test_full_counts_one_handshake_per_suite_plus_one_per_version_and_group(lab_server) -> None:
    srv = lab_server("healthy")
    ev = check(CheckOptions(srv.address, sni="localhost", timeout=30, full=True))
    scan = ev.scans[0]
    enum = [a for a in scan.attempts if a.purpose.startswith("enumerate")]
    accepted = sum(len(v) for v in scan.suites.values())
    assert len(enum) <= accepted + 5
    groups = [a for a in scan.attempts if a.purpose.startswith("group")]
    from tlsdoctor.sources.probe.full import GROUPS

    assert len(groups) <= len(GROUPS)
    assert 29 in scan.groups  # x25519
