"""Helpers shared by tests in every area (``from support import run_cli``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TLSDOCTOR = [sys.executable, "-m", "tlsdoctor"]

ALL_PEERS = os.environ.get("TLSDOCTOR_ALL_PEERS") == "1"
"""Set by .ci/run, which installs every peer and tool the tests use: there a
missing one fails the test instead of skipping it."""


def missing_peer(what: str) -> NoReturn:
    """A TLS peer or tool a test needs is absent: skip, except where all are required."""
    if ALL_PEERS:
        pytest.fail(f"{what}, and TLSDOCTOR_ALL_PEERS=1 requires it", pytrace=False)
    pytest.skip(what)


def need_capture() -> None:
    """Tests that record loopback with tcpdump need it, and root."""
    if shutil.which("tcpdump") is None or os.geteuid() != 0:
        missing_peer("needs tcpdump, run as root")


def need_programs(programs: Sequence[str]) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        missing_peer(f"{', '.join(missing)} not installed")


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(
    args: Sequence[str],
    stdin: str | bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Run:
    """Run the real command line in a subprocess (exit codes, stderr, no traceback)."""
    full_env = dict(os.environ)
    full_env.pop("TLSDOCTOR_DEBUG", None)
    if env:
        full_env.update(env)
    data = stdin.encode() if isinstance(stdin, str) else stdin
    p = subprocess.run(
        [*TLSDOCTOR, *args],
        input=data,
        capture_output=True,
        env=full_env,
        timeout=timeout,
    )
    return Run(
        p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    )


def assert_valid_report(doc: dict, schema: dict | None = None) -> None:
    import json

    import jsonschema

    if schema is None:
        with open(os.path.join(ROOT, "src/tlsdoctor/report/schema/report.schema.json")) as fh:
            schema = json.load(fh)
    jsonschema.validate(doc, schema)
