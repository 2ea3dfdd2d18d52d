"""The fix snippets are real: applied to a lab server and reloaded, the finding is gone.

For each lab failure served by nginx, Apache or HAProxy, the live check's
first finding gives fixes; the OpenSSL commands among them run in the lab
directory (with the conventional file names), the server setting replaces the
old one, the server reloads, and a second check no longer reports the finding.
"""

from __future__ import annotations

import pytest

from support import need_programs
from tlsdoctor.engine import check_options, diagnose_check
from tlsdoctor.lab import servers, webservers

FIXABLE = [s for s in servers.WEB_SCENARIOS if s.expect_live is not None]


def _check(srv: servers.Running):
    ca = [srv.files["ca"]] if "ca" in srv.files else []
    return diagnose_check(check_options(srv.address, sni="localhost", timeout=10), ca_files=ca)


@pytest.mark.parametrize("scenario", FIXABLE, ids=[s.name for s in FIXABLE])
def test_fix_removes_the_finding(scenario, tmp_path) -> None:
    need_programs(scenario.programs)
    srv = servers.start(scenario, str(tmp_path / "srv"))
    try:
        before = _check(srv)
        first = before.findings[0]
        assert first.id == scenario.expect_live
        assert any(fx.target == scenario.server and fx.snippet for fx in first.fixes), (
            f"{first.id} has no {scenario.server} snippet"
        )
        done = webservers.apply_fixes(scenario.server, first.fixes, srv.directory, srv.port)
        assert any(d.startswith(scenario.server) for d in done), done
        webservers.reload(scenario.server, srv.directory, srv.pid)
        after = _check(srv)
        assert first.id not in [f.id for f in after.findings], done
    finally:
        servers.stop(srv)
