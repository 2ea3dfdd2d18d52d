"""Lab servers started once per session for the evidence tests (captures, logs, diagnose)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tlsdoctor.lab import servers


@pytest.fixture(scope="session")
def lab_servers() -> Iterator[dict[str, servers.Running]]:
    started: dict[str, servers.Running] = {}
    yield started
    for srv in started.values():
        servers.stop(srv)


@pytest.fixture
def lab(lab_servers, tmp_path_factory):
    def get(name: str) -> servers.Running:
        if name not in lab_servers:
            lab_servers[name] = servers.start(
                servers.BY_NAME[name], str(tmp_path_factory.mktemp(name))
            )
        return lab_servers[name]

    return get
