"""Info.plist and network_security_config.xml parsers: the keys they read, and bad input."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import run_cli
from tlsdoctor.clients import appconfig
from tlsdoctor.errors import InputError


def test_info_plist_ats_keys() -> None:
    data = plistlib.dumps(
        {
            "NSAppTransportSecurity": {
                "NSAllowsLocalNetworking": True,
                "NSExceptionDomains": {
                    "example.com": {
                        "NSIncludesSubdomains": True,
                        "NSExceptionMinimumTLSVersion": "TLSv1.1",
                        "NSExceptionRequiresForwardSecrecy": False,
                    }
                },
            }
        },
        fmt=plistlib.FMT_BINARY,
    )
    ats = appconfig.parse_info_plist(data)
    assert ats.allows_local_networking and not ats.allows_arbitrary_loads
    d = ats.for_host("api.example.com")
    assert d is not None and d.minimum_tls == "TLSv1.1" and not d.requires_forward_secrecy
    assert ats.for_host("example.org") is None


def test_network_security_config() -> None:
    nsc = appconfig.parse_network_security_config(
        b"<network-security-config><base-config><trust-anchors><certificates src='system'/>"
        b"</trust-anchors></base-config><domain-config><domain includeSubdomains='true'>"
        b"example.com</domain><trust-anchors><certificates src='@raw/ca'/></trust-anchors>"
        b"</domain-config></network-security-config>"
    )
    anchors, pins, _, where = nsc.for_host("www.example.com")
    assert anchors == ("@raw/ca",) and not pins and "example.com" in where
    assert nsc.for_host("other.org")[0] == ("system",)


@pytest.mark.parametrize(
    "data",
    [
        b"<plist><dict><key>NSAppTransportSecurity</key><string>x</string></dict></plist>",
        b"bplist00garbage",
        b"<network-security-config><domain-config></domain-config></network-security-config>",
        b'<!DOCTYPE x [<!ENTITY a "b">]><network-security-config/>',
        b"<network-security-config><base-config>",
        b"hello",
    ],
)
def test_bad_files_are_input_errors(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "cfg"
    p.write_bytes(data)
    with pytest.raises(InputError):
        appconfig.load(str(p))


def test_cli_bad_app_config_is_one_line_exit_2(tmp_path: Path) -> None:
    from tlsdoctor.lab.pki import ca

    cert = tmp_path / "c.pem"
    root = ca("R")
    cert.write_bytes(root.intermediate("I").leaf("localhost").cert_pem())
    bad = tmp_path / "Info.plist"
    bad.write_bytes(b"<plist><dict><key>NSAppTransportSecurity</key>")
    r = run_cli(["cert", str(cert), "--client", "ios", "--app-config", str(bad)])
    assert r.code == 2
    assert r.err.strip().count("\n") == 0 and "Info.plist" in r.err


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=400))
def test_plist_parser_never_crashes(data: bytes) -> None:
    try:
        appconfig.parse_info_plist(data)
    except InputError:
        pass


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=400))
def test_nsc_parser_never_crashes(data: bytes) -> None:
    try:
        appconfig.parse_network_security_config(b"<network-security-config>" + data)
    except InputError:
        pass


@settings(deadline=None, max_examples=100)
@given(st.text(max_size=300))
def test_nsc_parser_never_crashes_on_text(text: str) -> None:
    try:
        appconfig.parse_network_security_config(text.encode("utf-8", "surrogatepass"))
    except InputError:
        pass
