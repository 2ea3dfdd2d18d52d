"""Fixtures for the catalog tests: real TLS servers on 127.0.0.1 and library texts.

``tls_servers`` starts the servers of ``catalog_servers.py`` once per session
(stopped by PID at the end); ``library_texts`` runs ``catalog_libtexts.py`` in
a process of its own for one library (their symbols clash).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalog.catalog_servers import Servers, start_servers
from support import missing_peer

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def tls_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if shutil.which("openssl") is None:
        missing_peer("openssl is not installed")
    with start_servers(tmp_path_factory.mktemp("catalog-pki")) as servers:
        yield servers


@pytest.fixture(scope="session")
def library_texts() -> Callable[[str, list[list[int | str]]], dict[str, str]]:
    """Texts a real library gives for codes, from a subprocess of its own."""

    def run(library: str, codes: list[list[int | str]]) -> dict[str, str]:
        proc = subprocess.run(
            [sys.executable, str(HERE / "catalog_libtexts.py"), library],
            input=json.dumps(codes),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            pytest.fail(f"{library}: could not read texts: {proc.stderr[-500:]}")
        return dict(json.loads(proc.stdout))

    return run
