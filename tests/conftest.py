"""Fixtures shared by every test area.

Each area (tests/wire, tests/catalog, tests/capture …) keeps its own
conftest.py for what only it needs; plain helpers live in support.py.
"""

from __future__ import annotations

import json
import os

import pytest

from support import ROOT


@pytest.fixture(scope="session")
def report_schema() -> dict:
    with open(os.path.join(ROOT, "src/tlsdoctor/report/schema/report.schema.json")) as fh:
        return json.load(fh)
