"""Fixtures for the client-profile tests: a lab PKI treated as public, a test CT log list."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ctlab import Log, log_list, new_log

from tlsdoctor.lab import servers
from tlsdoctor.lab.pki import CA, ca


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A root (written as root.pem), an intermediate, two known logs and one unknown."""
    d = tmp_path_factory.mktemp("pki")
    root = ca("CT Test Root")
    inter = root.intermediate("CT Test Intermediate")
    known = [new_log("Test Log A", "Operator A"), new_log("Test Log B", "Operator B")]
    unknown = new_log("Unlisted Log", "Operator Z")
    (d / "root.pem").write_bytes(root.cert_pem())
    (d / "logs.json").write_bytes(log_list(known))
    return {"dir": d, "root": root, "inter": inter, "known": known, "unknown": unknown}


def write_chain(d: Path, name: str, leaf_pem: bytes, inter: CA) -> str:
    path = d / f"{name}.pem"
    path.write_bytes(leaf_pem + inter.cert_pem())
    return str(path)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, servers.Running]]:
    started: dict[str, servers.Running] = {}
    yield started
    for srv in started.values():
        servers.stop(srv)


@pytest.fixture
def lab_server(lab: dict[str, servers.Running], tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    def get(name: str) -> servers.Running:
        if name not in lab:
            lab[name] = servers.start(servers.BY_NAME[name], str(tmp_path_factory.mktemp(name)))
        return lab[name]

    return get


__all__ = ["Log", "write_chain"]
