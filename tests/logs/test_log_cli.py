"""``tlsdoctor log``: detection, exit codes, JSON, standard input, unknown formats, Apple samples."""

from __future__ import annotations

import io
import json
from pathlib import Path

import apple_samples
import pytest
from logpeers import diagnose_bytes, first
from logseeds import HANDSHAKE, SEEDS

from support import assert_valid_report, run_cli
from tlsdoctor.sources.logs import BY_NAME, read_log


@pytest.mark.parametrize("fmt", sorted(BY_NAME))
def test_detector_picks_each_format_and_says_so(fmt: str) -> None:
    text = "\n".join(SEEDS[fmt]) + "\n"
    r = read_log(io.StringIO(text), f"{fmt}.log")
    assert r.format == fmt, r.notes
    assert r.notes[0].startswith("format: " + BY_NAME[fmt].title)
    assert r.tried == tuple(BY_NAME)


def test_apple_ct_failure_sample() -> None:
    report = diagnose_bytes(apple_samples.CT_FAILURE.encode(), "console.log")
    assert first(report) == "ct.no-scts"
    ids = [f.id for f in report.findings]
    assert "cert.verify-failed" in ids  # the device's own verdict, ranked after
    conn = report.facts["log"]["connections"][0]
    assert conn["server_name"] == "api.shop.example"
    codes = {e["code"] for e in conn["library_errors"]}
    assert {"-1200", "-9802"} <= codes


def test_apple_hello_retry_request_sample() -> None:
    report = diagnose_bytes(apple_samples.HRR.encode(), "console.log")
    assert first(report) == "note.hello-retry-request"
    assert report.summary.startswith(
        "The handshake in this log succeeded: TLS 1.3, TLS_AES_128_GCM_SHA256, secp256r1"
    )


def test_apple_nsurlsession_9802_sample() -> None:
    report = diagnose_bytes(apple_samples.ATS_9802.encode(), "console.log")
    assert first(report) == "cipher.no-common-suite"
    assert "after the ClientHello" in report.findings[0].title
    codes = {e["code"] for e in report.facts["log"]["connections"][0]["library_errors"]}
    assert {"-9802", "-1200", "-9824"} <= codes


def test_apple_success_line_parameters() -> None:
    report = diagnose_bytes(apple_samples.SUCCESS.encode(), "console.log")
    assert report.findings == ()
    hs = report.facts["handshake"]
    assert hs["version"] == "TLS 1.3" and hs["cipher_suite"] == "TLS_AES_256_GCM_SHA384"
    assert hs["group"] == "x25519" and hs["ocsp_stapled"] is True and hs["sct_in_handshake"] is True
    assert "OCSP stapled: yes" in report.summary and "SCTs in the handshake: yes" in report.summary


def test_cli_json_report_is_valid(tmp_path: Path, report_schema: dict) -> None:
    path = tmp_path / "wolf.log"
    path.write_text(HANDSHAKE)
    out = run_cli(["log", str(path), "--format", "json"])
    assert out.code == 1, out.err
    doc = json.loads(out.out)
    assert_valid_report(doc, report_schema)
    assert doc["root_cause"] == "mtls.credentials-loaded-after-session"
    assert doc["facts"]["log"]["format"] == "wolfssl"
    assert doc["facts"]["log"]["connections"][0]["api_calls"][:2] == [
        "wolfSSL_CTX_new_ex",
        "wolfSSL_new",
    ]


def test_cli_reads_stdin_and_exits_0_on_success() -> None:
    out = run_cli(["log", "-"], stdin=apple_samples.SUCCESS)
    assert out.code == 0, out.err
    assert "succeeded" in out.out


def test_cli_forced_format(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    path.write_text(HANDSHAKE)
    out = run_cli(["log", str(path), "--log-format", "wolfssl", "--format", "json"])
    assert json.loads(out.out)["facts"]["log"]["format"] == "wolfssl"
    bad = run_cli(["log", str(path), "--log-format", "nonsense"])
    assert bad.code == 2


def test_cli_missing_file_is_bad_input(tmp_path: Path) -> None:
    out = run_cli(["log", str(tmp_path / "nope.log")])
    assert out.code == 2 and "cannot read" in out.err and "Traceback" not in out.err


UNKNOWN = """\
[2026-11-22 07:11:02] device-42 boot ok
[2026-11-22 07:11:03] uplink: handshake with gateway failed, status -9807
[2026-11-22 07:11:03] uplink: last library message: MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
[2026-11-22 07:11:04] uplink: retry in 30 s
"""


def test_unknown_format_exits_4_and_still_explains_codes(tmp_path: Path) -> None:
    path = tmp_path / "device.log"
    path.write_text(UNKNOWN)
    out = run_cli(["log", str(path)])
    assert out.code == 4, (out.out, out.err)
    assert "tried: apple, wolfssl, mbedtls, java, gnutls, curl, openssl, go, python" in out.err
    assert "-9807" in out.out  # explained in the report
    js = run_cli(["log", str(path), "--format", "json"])
    assert js.code == 4
    doc = json.loads(js.out)
    assert doc["facts"]["log"]["format"] is None
    ids = [f["id"] for f in doc["findings"]]
    assert any(
        "9807" in f["title"] or "XCertChainInvalid" in f["title"] for f in doc["findings"]
    ), ids
    assert any("CERT_VERIFY_FAILED" in f["title"] for f in doc["findings"]), ids


def test_unknown_format_without_codes(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("hello\nworld\n")
    out = run_cli(["log", str(path)])
    assert out.code == 4
    assert "not a log format tlsdoctor knows" in out.err


def test_empty_log() -> None:
    r = read_log(io.BytesIO(b""), "empty.log")
    assert r.format is None and r.explained == ()


def test_without_the_catalog_codes_stay_unnamed(monkeypatch: pytest.MonkeyPatch) -> None:
    from tlsdoctor.sources.logs import catalogref

    monkeypatch.setattr(catalogref, "available", lambda: False)
    r = read_log(io.StringIO(HANDSHAKE), "w.log")
    errors = r.evidence.connections[0].outcome.library_errors
    assert [e.code for e in errors] == ["-313"] and errors[0].name is None
    assert any("catalog could not be loaded" in n for n in r.notes)
    report = diagnose_bytes(HANDSHAKE.encode(), "w.log")
    assert first(report) == "mtls.credentials-loaded-after-session"
