"""Key material in logs is held as Secret and never reaches a report.

mbedTLS at level 3-4 dumps the premaster and master secrets, the key block and
the ECDH shared value; ``openssl s_client`` prints ``Master-Key``; an
application may print its private key or PSK; a key log may be pasted in.
Every one of those values is checked to be absent from the terminal and JSON
reports, and present (redacted) in ``LogResult.secrets``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from logpeers import run_logged

from support import run_cli
from tlsdoctor.lab.pki import key_pem, make_key
from tlsdoctor.lab.servers import running
from tlsdoctor.model import REDACTED, Secret
from tlsdoctor.report.redact import scrub_secrets
from tlsdoctor.sources.logs import read_log
from tlsdoctor.sources.logs.secrets import SecretScanner

pytestmark = pytest.mark.live

PSK = "4a7b19c0d2e35f6a8b9c0d1e2f3a4b5c"
KEYLOG_SECRET = "9f" * 48


def _mbed_secret_values(log: str) -> list[str]:
    """Hex of each secret dump in an mbedTLS log, as the log prints it (pairs)."""
    values = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if re.search(r"dumping '(premaster secret|master secret|key block)'", line):
            pairs = []
            for follow in lines[i + 1 : i + 20]:
                m = re.search(r"[0-9a-f]{4}:  ((?:[0-9a-f]{2} ){1,16})", follow)
                if not m:
                    break
                pairs.append(m.group(1).strip())
            values.append(" ".join(pairs[:1]))  # the first dump line is enough to recognise
    return [v for v in values if v]


def test_no_secret_reaches_any_report(mbed_peer: Path, tmp_path: Path) -> None:
    with running("healthy", str(tmp_path / "lab")) as srv:
        mbed = run_logged(
            [
                str(mbed_peer),
                "client",
                str(srv.port),
                "--ca",
                srv.files["ca"],
                "--name",
                "localhost",
                "--debug",
                "4",
            ]
        )
        key_pem = Path(srv.files["leaf_key"]).read_text()
        ca = srv.files["ca"]
    text = mbed.decode()
    extra = (
        "app: loaded server key\n"
        + key_pem
        + f"app: psk = 0x{PSK}\n"
        + f"CLIENT_RANDOM {'ab' * 32} {KEYLOG_SECRET}\n"
    )
    log = tmp_path / "with-secrets.log"
    log.write_text(text + extra)
    secrets = _mbed_secret_values(text)
    assert len(secrets) >= 3, "the mbedTLS log should dump its secrets at level 4"
    key_body = "".join(line for line in key_pem.splitlines() if "-----" not in line)

    result = read_log(str(log))
    kinds = {k for k, _, _ in result.secrets}
    assert {
        "premaster secret",
        "master secret",
        "key block",
        "private key",
        "psk",
        "client_random",
    } <= kinds
    for _kind, where, value in result.secrets:
        assert isinstance(value, Secret)
        assert str(value) == REDACTED and REDACTED in repr(value) and f"{value}" == REDACTED
        assert where.place and where.place.startswith("line ")
    assert PSK in {str(v.reveal()) for _, _, v in result.secrets}

    for fmt in ("terminal", "json", "markdown", "html"):
        out = run_cli(["log", str(log), "--ca", ca, "--format", fmt])
        assert out.code in (0, 1), out.err
        blob = (out.out + out.err).lower()
        for s in secrets:
            assert s.lower() not in blob, f"{s} leaked into the {fmt} report"
            assert s.replace(" ", "").lower() not in blob
        assert PSK not in blob and KEYLOG_SECRET not in blob
        assert key_body[20:60].lower() not in blob
        assert "key material" in blob  # the report says it held some back


def test_openssl_master_key_is_withheld(tmp_path: Path) -> None:
    with running("healthy", str(tmp_path / "lab")) as srv:
        log = run_logged(
            [
                "openssl",
                "s_client",
                "-connect",
                srv.address,
                "-servername",
                "localhost",
                "-msg",
                "-CAfile",
                srv.files["ca"],
                "-ign_eof",
                "-tls1_2",
            ],
            b"GET / HTTP/1.0\r\n\r\n",
        )
    text = log.decode()
    m = re.search(r"Master-Key: ([0-9A-F]{32,})", text)
    psk = re.search(r"Resumption PSK: ([0-9A-F]{32,})", text)
    assert m is not None
    result = read_log(io.BytesIO(log), "s_client.log")
    revealed = {str(v.reveal()) for _, _, v in result.secrets}
    assert m.group(1) in revealed
    if psk is not None:
        assert psk.group(1) in revealed
    path = tmp_path / "s_client.log"
    path.write_bytes(log)
    out = run_cli(["log", str(path), "--format", "json"])
    assert m.group(1) not in out.out and m.group(1).lower() not in out.out


def test_a_private_key_under_any_pem_label_is_withheld() -> None:
    """Every PEM label of a private key is held back, not only the common ones:
    the log scanner and the report's last line of defence share one pattern."""
    pem = key_pem(make_key()).decode().replace("PRIVATE KEY", "ANY PRIVATE KEY")
    lines = ["app: loading key", *pem.splitlines(), "app: done"]
    scanner = SecretScanner()
    held = [scanner.scan(no, text) for no, text in enumerate(lines, 1)]
    scanner.close()
    assert held == [False] + [True] * (len(lines) - 2) + [False]
    assert [label for label, _, _ in scanner.found] == ["any private key"]
    assert "ANY PRIVATE KEY" not in scrub_secrets("\n".join(lines))
