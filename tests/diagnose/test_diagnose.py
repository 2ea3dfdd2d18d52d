"""`tlsdoctor diagnose`: a capture, a log and an endpoint of the same lab failure, in one report.

The capture (TLS 1.3, no key log) sees the client refuse the server with alert
48 but not the certificates; the live check sees the chain but not a failing
client; curl's log sees its own verdict.  Together they give the root cause
with evidence from several sources; each alone gives what its own command gives.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from support import assert_valid_report, need_capture, run_cli
from tlsdoctor.lab.recorder import openssl_client, tcpdump


@pytest.fixture(autouse=True)
def _capture() -> None:
    need_capture()


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    from tlsdoctor.lab import servers

    d = tmp_path_factory.mktemp("diag")
    srv = servers.start(servers.BY_NAME["missing-intermediate"], str(d / "srv"))
    try:
        pcap = str(d / "client.pcap")
        with tcpdump(pcap, [srv.port]):
            openssl_client(srv, version="1.3", timeout=3)
        log = d / "curl.log"
        p = subprocess.run(
            [
                "curl",
                "-v",
                "--cacert",
                srv.files["ca"],
                "--resolve",
                f"localhost:{srv.port}:127.0.0.1",
                f"https://localhost:{srv.port}/",
            ],
            capture_output=True,
            timeout=20,
        )
        log.write_bytes(p.stderr)
        yield {"pcap": pcap, "log": str(log), "endpoint": srv.address, "ca": srv.files["ca"]}
    finally:
        servers.stop(srv)


def _json(args: list[str]) -> dict:
    r = run_cli([*args, "--format", "json"], timeout=60)
    assert r.code in (0, 1), r.err
    return json.loads(r.out)


def test_three_sources_one_root_cause(evidence, report_schema) -> None:
    doc = _json(
        [
            "diagnose",
            evidence["pcap"],
            evidence["log"],
            evidence["endpoint"],
            "--sni",
            "localhost",
            "--ca",
            evidence["ca"],
        ]
    )
    assert_valid_report(doc, report_schema)
    first = doc["findings"][0]
    assert first["id"] == "chain.incomplete" and first["explains_outcome"]
    sources = {e["source"] for e in first["evidence"]}
    assert any(s.startswith("live ") for s in sources)
    assert any(s.endswith(".pcap") or s.endswith(".log") for s in sources)
    assert len(doc["facts"]["inputs"]) == 3


def test_capture_alone_cannot_see_why(evidence) -> None:
    """Without the live chain the capture's alert stays the (weaker) root cause: the
    cross-source finding above is one no single source yields."""
    doc = _json(["diagnose", evidence["pcap"], "--ca", evidence["ca"]])
    first = doc["findings"][0]
    assert first["id"] == "alert.certificate-rejected"
    assert "not visible" in first["title"]
    live = _json(["diagnose", evidence["endpoint"], "--sni", "localhost", "--ca", evidence["ca"]])
    assert (
        live["findings"][0]["id"] == "chain.incomplete"
        and not live["findings"][0]["explains_outcome"]
    )


@pytest.mark.parametrize("kind", ["pcap", "log", "endpoint"])
def test_single_item_matches_its_own_command(kind, evidence) -> None:
    item = evidence[kind]
    single = {
        "pcap": ["pcap", item],
        "log": ["log", item],
        "endpoint": ["check", item, "--sni", "localhost"],
    }[kind]
    extra = ["--ca", evidence["ca"]]
    a = _json(["diagnose", item, *extra, *(["--sni", "localhost"] if kind == "endpoint" else [])])
    b = _json([*single, *extra])
    assert a["root_cause"] == b["root_cause"]


def test_recognises_each_kind_and_says_so(evidence, tmp_path) -> None:
    pem = tmp_path / "chain.pem"
    with open(evidence["ca"], "rb") as fh:
        pem.write_bytes(fh.read())
    r = run_cli(["diagnose", str(pem), "wolfSSL error = -313", "--format", "json"])
    doc = json.loads(r.out)
    inputs = " | ".join(doc["facts"]["inputs"])
    assert "as certificates" in inputs and "explaining text" in inputs


def test_nothing_recognised_exits_4() -> None:
    r = run_cli(["diagnose", "just some words that mean nothing"])
    assert r.code == 4 and "Traceback" not in r.err


def test_missing_file_exits_2() -> None:
    r = run_cli(["diagnose", "/nonexistent/capture.pcap"])
    assert r.code == 2 and "no such file" in r.err
