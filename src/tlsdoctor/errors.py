"""Errors that end a command with a clear one-line message and an exit code.

Exit codes (ARCHITECTURE.md): 2 bad input or usage, 3 target unreachable,
4 nothing recognised.  Messages never contain secret material: callers name a
problem and a place, never the bytes.
"""

from __future__ import annotations


class TlsDoctorError(Exception):
    """Base of the errors the command line turns into a message and exit code."""

    exit_code = 2


class InputError(TlsDoctorError, ValueError):
    """Bad input: a file that is not what it should be, a bad option value."""

    exit_code = 2


class UnreachableError(TlsDoctorError):
    """No TCP connection to the target."""

    exit_code = 3


class NotRecognisedError(TlsDoctorError):
    """Nothing recognised: unknown log format, text that matches no catalog entry."""

    exit_code = 4
