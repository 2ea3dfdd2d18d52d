"""The files a lab scenario writes: keys private from the moment they exist, one
copy of the leaf, the check a person is told to run."""

from __future__ import annotations

import os
import stat

import pytest

from tlsdoctor.lab import servers


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_keys_are_created_private(tmp_path, monkeypatch) -> None:
    """Not written with the umask's permissions and narrowed afterwards: with
    chmod doing nothing, every key is still readable by its owner only."""

    def no_chmod(*args: object, **kw: object) -> None:
        return None

    monkeypatch.setattr(os, "chmod", no_chmod)
    old = os.umask(0o022)
    try:
        files = servers.build_files(servers.BY_NAME["mtls-required"], str(tmp_path))
    finally:
        os.umask(old)
    for name in ("client_key", "other_client_key", "leaf_key", "server.key", "served_key.pem"):
        assert _mode(files[name]) == 0o600, name
    for name in ("client_cert", "client_ca", "leaf", "served"):
        assert _mode(files[name]) == 0o644, name


def test_leaf_is_the_conventional_server_files(tmp_path) -> None:
    files = servers.build_files(servers.BY_NAME["healthy"], str(tmp_path))
    assert files["leaf"] == files["server.crt"] == str(tmp_path / "server.crt")
    assert files["leaf_key"] == files["server.key"] == str(tmp_path / "server.key")
    assert not (tmp_path / "leaf.pem").exists() and not (tmp_path / "leaf.key").exists()


@pytest.mark.parametrize(("name", "timeout"), [("silent", "1.5"), ("healthy", None)])
def test_check_args_carry_the_scenario_deadline(name, timeout, tmp_path) -> None:
    scenario = servers.BY_NAME[name]
    files = servers.build_files(scenario, str(tmp_path))
    srv = servers.Running(scenario, 4433, 0, str(tmp_path), files)
    args = servers.check_args(srv, "--format", "json")
    assert args[:3] == ["127.0.0.1:4433", "--sni", "localhost"]
    assert ("--ca" in args) == ("ca" in files)
    assert args[-2:] == ["--format", "json"]
    if timeout is None:
        assert "--timeout" not in args
    else:
        assert args[args.index("--timeout") + 1] == timeout
