"""A PSK on the command line: `check` and `diagnose` take it by the same rules.

A key needs --psk-identity and an identity needs a key; either alone is a usage
error (exit 2) said before anything is connected to, and the key is never shown.
"""

from __future__ import annotations

import socket

import pytest

from support import run_cli


@pytest.fixture
def closed_port(monkeypatch) -> str:
    monkeypatch.delenv("TLSDOCTOR_PSK", raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize("command", ["check", "diagnose"])
def test_psk_file_without_identity_is_a_usage_error(command, closed_port, tmp_path) -> None:
    key = tmp_path / "psk.txt"
    key.write_text("5ec7e7c0ffee\n")
    r = run_cli([command, closed_port, "--psk-file", str(key), "--timeout", "2"], timeout=10)
    assert r.code == 2, (r.code, r.out, r.err)
    assert "a PSK needs --psk-identity" in r.err
    assert "5ec7e7c0ffee" not in r.out + r.err


@pytest.mark.parametrize("command", ["check", "diagnose"])
def test_psk_identity_without_key_is_a_usage_error(command, closed_port) -> None:
    r = run_cli([command, closed_port, "--psk-identity", "client1", "--timeout", "2"], timeout=10)
    assert r.code == 2, (r.code, r.out, r.err)
    assert "a PSK identity needs a key" in r.err


@pytest.mark.parametrize("command", ["check", "diagnose"])
def test_psk_from_the_environment_without_identity(command, closed_port) -> None:
    r = run_cli([command, closed_port, "--timeout", "2"], env={"TLSDOCTOR_PSK": "abc123"})
    assert r.code == 2, (r.code, r.out, r.err)
    assert "a PSK needs --psk-identity" in r.err
    assert "abc123" not in r.out + r.err


def test_unreadable_psk_file_names_the_file(closed_port, tmp_path) -> None:
    missing = tmp_path / "nope.txt"
    r = run_cli(
        ["diagnose", closed_port, "--psk-identity", "c", "--psk-file", str(missing)], timeout=10
    )
    assert r.code == 2
    assert f"{missing}: cannot read the PSK file" in r.err
