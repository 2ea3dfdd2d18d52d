"""The IANA registries: CSV coverage, hand-written tables, and cross-checks with
Python's ssl module and the installed OpenSSL."""

from __future__ import annotations

import csv
import filecmp
import re
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from tlsdoctor.wire import constants, registry

DATA = Path(registry.__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def _assigned_single_rows(name: str) -> list[tuple[str, str]]:
    with open(DATA / name, encoding="utf-8") as fh:
        return [
            (r["Value"], " ".join(r["Description"].split()))
            for r in csv.DictReader(fh)
            if "-" not in r["Value"]
            and "*" not in r["Value"]
            and not r["Description"].startswith(("Reserved", "Unassigned"))
        ]


def test_data_copies_equal_shared_data() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not present in this checkout")
    for name in (
        "iana-tls-cipher-suites.csv",
        "iana-tls-supported-groups.csv",
        "iana-tls-signature-schemes.csv",
    ):
        assert filecmp.cmp(DATA / name, SHARED / name, shallow=False), name


def test_every_assigned_cipher_suite_is_in_the_registry() -> None:
    rows = _assigned_single_rows("iana-tls-cipher-suites.csv")
    assert len(rows) > 340
    for value, name in rows:
        hi, lo = (int(p, 16) for p in value.split(","))
        suite = registry.cipher_suite(hi << 8 | lo)
        assert suite is not None and suite.name == name, value
    assert len(registry.cipher_suites()) == len(rows)


def test_cipher_suite_ranges_and_grease() -> None:
    assert registry.cipher_suite_status(0x001C) == "reserved"  # "0x00,0x1C-1D"
    assert registry.cipher_suite_status(0x001D) == "reserved"
    assert registry.cipher_suite_status(0x005E) == "unassigned"  # "0x00,0x5D-5F"
    assert registry.cipher_suite_status(0x0512) == "unassigned"  # "0x01-09,*"
    assert registry.cipher_suite_status(0x0A05) == "unassigned"  # "0x0A,0x00-09"
    assert registry.cipher_suite_status(0xFF42) == "private use"  # "0xFF,0x00-FF"
    assert registry.cipher_suite_status(0xFEFE) == "reserved"
    for g in constants.GREASE_VALUES:
        assert registry.cipher_suite_status(g) == "grease"
        assert registry.cipher_suite_name(g) == f"grease(0x{g:04x})"
    assert registry.cipher_suite(0x0A0A) is None
    assert registry.cipher_suite_by_name("ECDHE_RSA_WITH_AES_128_GCM_SHA256").code == 0xC02F


def test_every_assigned_group_and_scheme() -> None:
    groups = _assigned_single_rows("iana-tls-supported-groups.csv")
    for value, name in groups:
        g = registry.group(int(value))
        assert g is not None and name.startswith(g.name), value
    assert registry.group_status(300) == "unassigned"  # "261-507"
    assert registry.group_status(509) == "private use"  # "508-511"
    assert registry.group_status(0x2A2A) == "grease"
    assert registry.group(4588).kind == "hybrid"
    assert registry.group(23).name == "secp256r1" and registry.group(23).bits == 256
    assert registry.group(29).kind == "ecx" and registry.group(256).bits == 2048
    assert registry.group_by_name("P-256") is registry.group(23)
    schemes = _assigned_single_rows("iana-tls-signature-schemes.csv")
    for value, name in schemes:
        s = registry.signature_scheme(int(value, 16))
        assert s is not None and s.name == name, value
    assert registry.signature_scheme_status(0x0710) == "unassigned"
    assert registry.signature_scheme_status(0xFE00) == "private use"


def test_signature_scheme_properties() -> None:
    s = registry.signature_scheme
    assert (s(0x0403).algorithm, s(0x0403).hash, s(0x0403).curve) == (
        "ecdsa",
        "sha256",
        "secp256r1",
    )
    assert not s(0x0403).legacy and s(0x0401).legacy and s(0x0203).legacy
    assert s(0x0804).algorithm == "rsa_pss_rsae" and s(0x0809).algorithm == "rsa_pss_pss"
    assert s(0x0807).hash is None
    # TLS 1.2 pairs IANA lists as reserved, named from RFC 5246 §7.4.1.4.1
    assert s(0x0402).name == "dsa_sha256" and not s(0x0402).iana_assigned
    assert s(0x0101).name == "rsa_pkcs1_md5" and s(0x0101).weak
    assert registry.signature_scheme_status(0x0402) == "reserved"


@pytest.mark.parametrize(
    ("code", "kx", "auth", "bulk", "mode", "mac", "fs", "lo", "hi"),
    [
        (0xC02F, "ECDHE", "RSA", "AES", "GCM", "AEAD", True, 0x0303, 0x0303),
        (0x1301, "ANY", "ANY", "AES", "GCM", "AEAD", True, 0x0304, 0x0304),
        (0x002F, "RSA", "RSA", "AES", "CBC", "sha1", False, 0x0301, 0x0303),
        (0x000A, "RSA", "RSA", "3DES", "CBC", "sha1", False, 0x0300, 0x0303),
        (0x0004, "RSA", "RSA", "RC4", "stream", "md5", False, 0x0300, 0x0303),
        (0x0003, "RSA", "RSA", "RC4", "stream", "md5", False, 0x0300, 0x0301),
        (0x00A8, "PSK", "PSK", "AES", "GCM", "AEAD", False, 0x0303, 0x0303),
        (0xC037, "ECDHE_PSK", "PSK", "AES", "CBC", "sha256", True, 0x0301, 0x0303),
        (0x00AA, "DHE_PSK", "PSK", "AES", "GCM", "AEAD", True, 0x0303, 0x0303),
        (0xC0AA, "DHE_PSK", "PSK", "AES", "CCM_8", "AEAD", True, 0x0303, 0x0303),
        (0x00AC, "RSA_PSK", "RSA", "AES", "GCM", "AEAD", False, 0x0303, 0x0303),
        (0xCCA8, "ECDHE", "RSA", "CHACHA20", "POLY1305", "AEAD", True, 0x0303, 0x0303),
        (0x0034, "DHE", "anon", "AES", "CBC", "sha1", True, 0x0301, 0x0303),
        (0x0009, "RSA", "RSA", "DES", "CBC", "sha1", False, 0x0300, 0x0302),
        (0xC0B4, "ANY", "ANY", "NULL", "NULL", "sha256", True, 0x0304, 0x0304),
        (0x00FF, "SCSV", "SCSV", "NULL", "NULL", "NULL", False, 0, 0xFFFF),
    ],
)
def test_suite_properties_from_names(
    code: int, kx: str, auth: str, bulk: str, mode: str, mac: str, fs: bool, lo: int, hi: int
) -> None:
    s = registry.cipher_suite(code)
    assert s is not None
    got = (s.key_exchange, s.authentication, s.bulk, s.mode, s.mac, s.forward_secrecy)
    assert got == (kx, auth, bulk, mode, mac, fs)
    assert (s.min_version, s.max_version) == (lo, hi)


def test_weak_and_insecure_flags() -> None:
    flags = {c: registry.cipher_suite(c).flags for c in (0x0001, 0x0003, 0x0004, 0x0009, 0x000A)}
    assert {"NULL", "MD5"} <= flags[0x0001]
    assert {"EXPORT", "RC4", "MD5"} <= flags[0x0003]
    assert "DES" in flags[0x0009] and "3DES" in flags[0x000A]
    assert registry.cipher_suite(0x0018).insecure  # DH_anon RC4 MD5
    assert registry.cipher_suite(0x000A).weak and not registry.cipher_suite(0x000A).insecure
    assert not registry.cipher_suite(0xC02F).weak
    assert registry.cipher_suite(0x009D).hash == "sha384"
    assert registry.cipher_suite(0x002F).prf_hash(0x0301) == "md5-sha1"
    aes = registry.cipher_suite(0xC013)
    assert (aes.key_length, aes.mac_length, aes.block_size) == (16, 20, 16)


def test_alerts_match_python_ssl() -> None:
    for member in ssl.AlertDescription:
        ours = constants.AlertDescription(member.value).name
        python = member.name.removeprefix("ALERT_DESCRIPTION_").lower()
        assert ours == python.replace("user_cancelled", "user_canceled"), member
    assert registry.alert_name(116) == "certificate_required"
    assert registry.alert_name(117) == "general_error"
    assert registry.alert_name(99) is None


def test_small_registries() -> None:
    assert constants.version_name(0x0303) == "TLS 1.2"
    assert constants.version_name(0x7F1C) == "TLS 1.3 draft 28"
    assert constants.version_name(0x3A3A) == "GREASE(0x3a3a)"
    assert constants.extension_name(0xFF01) == "renegotiation_info"
    assert constants.extension_name(0xFE0D) == "encrypted_client_hello"
    assert constants.extension_name(0x44CD) == "application_settings"
    assert constants.extension_name(0xFF42) == "private_use(0xff42)"
    assert constants.handshake_type_name(254) == "message_hash"
    assert constants.content_type_name(23) == "application_data"
    assert len(constants.GREASE_VALUES) == 16 and all(
        constants.is_grease(g) for g in constants.GREASE_VALUES
    )
    assert not constants.is_grease(0x0A0B)


# ------------------------------------------------------ cross-checks: OpenSSL

_OPENSSL_KX = {
    "ECDH": {"ECDHE", "ECDH"},
    "DH": {"DHE", "DH"},
    "RSA": {"RSA"},
    "PSK": {"PSK"},
    "DHEPSK": {"DHE_PSK"},
    "ECDHEPSK": {"ECDHE_PSK"},
    "RSAPSK": {"RSA_PSK"},
    "SRP": {"SRP"},
    "any": {"ANY"},
}
_OPENSSL_VERSION = {"SSLv3": 0x0300, "TLSv1": 0x0301, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def _openssl_ciphers(*args: str) -> list[re.Match[str]]:
    out = subprocess.run(
        ["openssl", "ciphers", "-V", "-stdname", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=20,
    ).stdout
    pattern = re.compile(
        r"\s*0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+- \S+\s+(\S+)\s+Kx=(\S+)\s+"
        r"Au=(\S+)\s+Enc=(\S+)\s+Mac=(\S+)"
    )
    rows = [pattern.match(line) for line in out.splitlines() if line.strip()]
    assert all(rows), out
    return [r for r in rows if r]


def test_every_openssl_suite_is_ours_with_the_same_name_and_properties() -> None:
    rows = _openssl_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    rows += _openssl_ciphers("-s", "-tls1_3")
    assert len(rows) > 100
    for m in rows:
        code = int(m[1] + m[2], 16)
        s = registry.cipher_suite(code)
        assert s is not None, m[0]
        assert s.name == m[3], (s.name, m[3])
        assert s.key_exchange in _OPENSSL_KX[m[5]], (s.name, m[5])
        auth = {"None": "anon", "any": "ANY", "DSS": "DSS"}.get(m[6], m[6])
        assert s.authentication == auth, (s.name, m[6])
        enc, mac = m[7], m[8]
        assert (s.bulk == "NULL") == (enc == "None"), s.name
        assert s.is_aead == (mac == "AEAD"), s.name
        if mac != "AEAD":
            assert s.mac == mac.lower(), (s.name, mac)
        if s.bulk != "NULL":
            assert f"({s.key_bits})" in enc, (s.name, enc)
        # OpenSSL's column is the lowest version it negotiates the suite in
        low = _OPENSSL_VERSION[m[4]]
        if low >= 0x0303:
            assert s.min_version == low, (s.name, m[4])
        else:
            assert s.min_version <= 0x0301, (s.name, m[4])


def _trace_client_hello(*args: str) -> str:
    """``openssl s_client -trace`` output for a ClientHello sent to a socket
    that reads it and hangs up."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        srv.settimeout(5)
        port = srv.getsockname()[1]

        def serve() -> None:
            try:
                conn, _ = srv.accept()
                with conn:
                    conn.settimeout(2)
                    conn.recv(65536)
            except OSError:
                pass

        t = threading.Thread(target=serve)
        t.start()
        proc = subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-trace", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=20,
        )
        t.join(timeout=5)
    return proc.stdout


@pytest.mark.live
def test_group_sigalg_and_extension_names_match_openssl_trace() -> None:
    out = _trace_client_hello(
        "-groups",
        "X25519:P-256:P-384:P-521:X448:ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192",
        "-sigalgs",
        "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ed25519:ed448:RSA-PSS+SHA256:RSA-PSS+SHA384:"
        "RSA-PSS+SHA512:rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:RSA+SHA256:"
        "RSA+SHA384:RSA+SHA512:ECDSA+SHA224:RSA+SHA224:DSA+SHA224:DSA+SHA256:DSA+SHA384:"
        "DSA+SHA512",
    )
    blocks = dict(re.findall(r"extension_type=(\w+)\(\d+\), length=\d+\n((?: {10}.*\n)*)", out))
    groups = re.findall(r"^ {10}(\w+)(?: \(P-\d+\))? \((\d+)\)$", blocks["supported_groups"], re.M)
    schemes = re.findall(r"^ {10}(\w+) \(0x([0-9a-f]{4})\)$", blocks["signature_algorithms"], re.M)
    extensions = re.findall(r"extension_type=(\w+)\((\d+)\)", out)
    assert len(groups) == 10 and len(schemes) == 20 and len(extensions) >= 8, out
    for name, code in groups:
        assert registry.group_name(int(code)) == name.removeprefix("ecdh_"), name
    for name, code in schemes:
        assert registry.signature_scheme_name(int(code, 16)) == name, name
    for name, code in extensions:
        assert constants.extension_name(int(code)) == name, name
