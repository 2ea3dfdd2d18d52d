"""Progress on standard error for anything that takes more than a second.

Silent when standard error is not a terminal, or with ``--quiet``: the report
on standard output stays clean for pipes and CI logs.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

DELAY = 1.0


def shown(quiet: bool = False) -> bool:
    """Whether progress goes to standard error: a terminal, and no ``--quiet``."""
    return not quiet and sys.stderr.isatty()


@contextlib.contextmanager
def progress(label: str, quiet: bool = False) -> Iterator[None]:
    if not shown(quiet):
        yield
        return
    from rich.console import Console

    console = Console(stderr=True)
    status = console.status(label, spinner="dots")
    started = threading.Event()

    def show() -> None:
        status.start()
        started.set()

    timer = threading.Timer(DELAY, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if started.is_set():
            status.stop()
