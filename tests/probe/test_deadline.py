"""--timeout bounds the whole command: the probes' deadline counts from when the
command line computed it, not from when the first probe starts."""

from __future__ import annotations

from tlsdoctor.engine import check_options
from tlsdoctor.sources.probe.transport import Deadline


def test_a_deadline_counts_from_its_start() -> None:
    d = Deadline(1.5, start=100.0)
    assert d.end == 101.5 and d.start == 100.0
    assert Deadline(1.0, start=0.0).expired()  # long past


def test_elapsed_is_the_checks_own_time_not_the_budgets() -> None:
    """ServerScan.elapsed reports probing time, even when the budget began an hour ago."""
    import time

    d = Deadline(7200.0, start=time.monotonic() - 3600.0)
    assert d.elapsed() < 3600.0 and d.left() > 3000.0


def test_check_options_carry_when_the_budget_began() -> None:
    opts = check_options("127.0.0.1:1", timeout=2.0, started=42.0)
    assert (opts.timeout, opts.started) == (2.0, 42.0)
    assert check_options("127.0.0.1:1").started is None


def test_the_command_line_budget_starts_now() -> None:
    import time

    from tlsdoctor import cli

    before = time.monotonic()
    budget = cli._budget(5.0)
    assert before <= budget["started"] <= time.monotonic()
    assert 0.2 * 5.0 <= budget["timeout"] <= 5.0 - cli.REPORT_RESERVE
