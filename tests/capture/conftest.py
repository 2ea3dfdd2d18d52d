"""Fixtures of the capture tests: the test PKI and one real loopback capture per session."""

from __future__ import annotations

import pytest

from capture.livecap import Pki, Scenario, make_pki, make_scenario


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("capture-pki"))


@pytest.fixture(scope="session")
def scenario(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Real handshakes on 127.0.0.1 captured by tcpdump: successes and failures."""
    return make_scenario(pki, tmp_path_factory.mktemp("capture-live"))
