"""Our OpenSSL-3 policy verdict agrees with `openssl verify` on every chain case.

``openssl verify -purpose sslserver -auth_level 2`` plus ``-verify_hostname`` or
``-verify_ip`` is the oracle.  Intended disagreements with the *browser*
policy are listed below with the reason; under the openssl-3 policy there are
none.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tlsdoctor.engine import diagnose_cert_files
from tlsdoctor.lab.chains import CASES, ChainCase
from tlsdoctor.model import Severity

# Where the browser policy fails a chain that OpenSSL accepts, on purpose.
BROWSER_DISAGREES = {
    "self-signed-leaf": "a self-signed non-CA leaf cannot be a trust anchor in Chromium; "
    "OpenSSL accepts any certificate in -CAfile as an anchor",
    "cn-only": "browsers ignore the subject CN; OpenSSL falls back to it when there is no DNS SAN",
}

COMPARED = [c for c in CASES if c.openssl_ok is not None]


def _openssl_verify(case: ChainCase, tmp_path) -> tuple[bool, int | None, str, object]:
    built = case.build()
    paths = built.write(str(tmp_path))
    certs = x509.load_pem_x509_certificates(built.served)
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(certs[0].public_bytes(Encoding.PEM))
    try:
        ipaddress.ip_address(built.host)
        name = ["-verify_ip", built.host]
    except ValueError:
        name = ["-verify_hostname", built.host]
    p = subprocess.run(
        [
            "openssl",
            "verify",
            "-purpose",
            "sslserver",
            "-auth_level",
            "2",
            "-CAfile",
            paths["ca"],
            "-untrusted",
            paths["served"],
            *name,
            str(leaf),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    m = re.search(r"error (\d+) at \d+ depth", p.stdout + p.stderr)
    return p.returncode == 0, int(m.group(1)) if m else None, built.host, paths


@pytest.mark.parametrize("case", COMPARED, ids=[c.name for c in COMPARED])
def test_openssl_policy_agrees_with_openssl_verify(case: ChainCase, tmp_path) -> None:
    ok, code, host, paths = _openssl_verify(case, tmp_path)
    assert ok == case.openssl_ok, f"the case's own expectation is stale: openssl says {ok}"
    report = diagnose_cert_files(
        [paths["served"]],
        host=host,
        ca_files=[paths["ca"]],
        policy_name="openssl-3",  # type: ignore[index]
    )
    fatal = [f for f in report.findings if f.severity is Severity.FATAL]
    assert (not fatal) == ok, [f.id for f in fatal]
    if code is not None:
        verdict = fatal[0].clients.get("openssl-3", "")
        assert (
            f"({code}" in verdict
            or f"{code})" in verdict
            or f" {code};" in verdict
            or f"({code};" in verdict
        ), f"openssl error {code} but our first finding {fatal[0].id} says {verdict!r}"


@pytest.mark.parametrize("case", COMPARED, ids=[c.name for c in COMPARED])
def test_browser_policy_disagrees_only_where_listed(case: ChainCase, tmp_path) -> None:
    ok, _, host, paths = _openssl_verify(case, tmp_path)
    report = diagnose_cert_files([paths["served"]], host=host, ca_files=[paths["ca"]])  # type: ignore[index]
    browser_ok = not any(f.severity is Severity.FATAL for f in report.findings)
    if case.name in BROWSER_DISAGREES:
        assert ok and not browser_ok, BROWSER_DISAGREES[case.name]
    else:
        assert browser_ok == ok
