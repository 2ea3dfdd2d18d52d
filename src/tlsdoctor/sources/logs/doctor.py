"""What ``tlsdoctor log`` needs from this package besides :func:`read_log`.

:class:`UnknownLogFormat` is the error for a log no format recognises: exit 4,
carrying a Report of what the catalog says about its error-looking lines so
the command can still show them.  The diagnosis itself (rules, ranking) is
:func:`tlsdoctor.engine.diagnose_log`: sources never call the rules.
"""

from __future__ import annotations

from tlsdoctor.errors import NotRecognisedError
from tlsdoctor.model import Report
from tlsdoctor.sources.logs import LogResult


class UnknownLogFormat(NotRecognisedError):
    """No format recognised; ``report`` holds the catalog's readings of the error lines."""

    def __init__(self, message: str, report: Report, result: LogResult) -> None:
        super().__init__(message)
        self.report = report
        self.result = result
