"""Lab servers for the live-check tests, started once per test session and stopped by PID."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tlsdoctor.lab import servers


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Iterator[dict[str, servers.Running]]:
    """Lazily started lab servers: ``lab_server(name)`` starts one the first time."""
    started: dict[str, servers.Running] = {}
    yield started
    for srv in started.values():
        servers.stop(srv)


@pytest.fixture
def lab_server(lab, tmp_path_factory):
    def get(name: str) -> servers.Running:
        if name not in lab:
            lab[name] = servers.start(servers.BY_NAME[name], str(tmp_path_factory.mktemp(name)))
        return lab[name]

    return get
