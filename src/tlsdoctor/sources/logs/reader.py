"""Reading a log line by line, in bounded memory, whatever its line endings.

A debug log may be 100 MB, use CRLF or bare CR, hold bytes that are not UTF-8,
end in the middle of a line, or carry lines megabytes long (a hex dump on one
line).  :func:`lines` yields ``(number, text)`` pairs with the line ending
removed, never holding more than one line of at most :data:`MAX_LINE`
characters; longer lines are cut and the cut counted in :class:`ReadStats`.

:func:`strip_prefix` removes the timestamp and logger prefixes that wrap
library output when it passes through another logging system (syslog, Android
logcat, ESP-IDF, Python logging, ISO 8601 and bracketed times), so parsers can
anchor their patterns at the library's own text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from tlsdoctor.errors import InputError

MAX_LINE = 16 * 1024
"""Characters kept of one line; the rest of a longer line is skipped."""

_CHUNK = 64 * 1024


@dataclass
class ReadStats:
    """What reading the log met on the way."""

    lines: int = 0
    truncated: int = 0
    """Lines longer than :data:`MAX_LINE`, cut."""
    undecodable: int = 0
    """Lines with bytes that are not UTF-8 (replaced by U+FFFD)."""


LogSource = str | BinaryIO | TextIO


def _open(source: LogSource) -> tuple[BinaryIO | TextIO, bool]:
    """The stream to read and whether we opened it (and must close it)."""
    if isinstance(source, str):
        if source == "-":
            return sys.stdin.buffer, False
        try:
            return open(source, "rb"), True
        except OSError as e:
            raise InputError(f"{source}: cannot read the log ({e.strerror})") from e
    return source, False


def _bounded_raw_lines(stream: BinaryIO | TextIO, stats: ReadStats) -> Iterator[bytes | str]:
    """Lines of at most MAX_LINE units, each with its ending; long lines are cut."""
    while True:
        piece = stream.readline(MAX_LINE)
        if not piece:
            return
        if len(piece) >= MAX_LINE and piece[-1:] not in ("\n", b"\n"):
            stats.truncated += 1
            # Skip the rest of this over-long line without keeping it.
            while True:
                rest = stream.readline(_CHUNK)
                if not rest or rest[-1:] in ("\n", b"\n"):
                    break
            yield piece
            continue
        yield piece


def _split_cr(text: str) -> list[str]:
    """Split on the line endings left inside one line: CRLF, bare CR."""
    text = text.rstrip("\n")
    if text.endswith("\r"):
        text = text[:-1]
    if "\r" not in text:
        return [text]
    return [p for p in text.replace("\r\n", "\r").split("\r")]


def lines(source: LogSource, stats: ReadStats | None = None) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` for every line of ``source``, 1-based, endings removed."""
    st = stats if stats is not None else ReadStats()
    stream, owned = _open(source)
    try:
        for raw in _bounded_raw_lines(stream, st):
            if isinstance(raw, bytes):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    st.undecodable += 1
                    text = raw.decode("utf-8", "replace")
            else:
                text = raw
            for part in _split_cr(text):
                st.lines += 1
                yield st.lines, part.replace("\x00", "")
    except OSError as e:
        raise InputError(f"cannot read the log ({e.strerror or e})") from e
    finally:
        if owned:
            stream.close()


# ------------------------------------------------------------------ prefixes

_PREFIXES = [
    # ISO 8601 / RFC 3339 and "2026-11-22 07:26:36,729", optionally followed by
    # a level word or a logger name in brackets.
    re.compile(
        r"^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?"
        r"(?:Z|[+-]\d{2}:?\d{2}|\s?UTC)?\]?\s+"
    ),
    # syslog: "Nov 22 07:26:36 host prog[123]: "
    re.compile(r"^[A-Z][a-z]{2}\s+\d{1,2} \d{2}:\d{2}:\d{2} \S+ [\w./-]+(?:\[\d+\])?: "),
    # Android logcat threadtime: "11-22 07:26:36.729  1234  1235 D tag     : "
    re.compile(r"^\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\s+\d+\s+\d+ [VDIWEF] [^:]{0,64}: "),
    # ESP-IDF: "I (1234) mbedtls: "
    re.compile(r"^[VDIWE] \(\d+\) [\w.-]{1,32}: "),
    # Bracketed time "[07:26:36.729] " or "[1700000000.123] ", epoch seconds
    re.compile(r"^\[\s*\d+(?::\d{2}){0,2}(?:\.\d+)?\]\s+"),
    re.compile(r"^\d{9,10}\.\d{3,9}\s+"),
    # Plain time "07:26:36.729 "
    re.compile(r"^\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?\s+"),
]
_LEVEL = re.compile(
    r"^(?:\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRIT|VERBOSE)\]?:?\s+)", re.I
)
_LOGGER = re.compile(r"^[\w.\-/]{1,40}: ")
"""A logger name after a level word: Python logging's "%(levelname)s %(name)s: "."""
_TAG = re.compile(r"^(?:[\w.-]{1,32}\[[\w.-]{1,32}\]|\[[\w .:/-]{1,40}\]) (?:<\d>\s)?")


_ANY_PREFIX = re.compile("|".join(f"(?:{p.pattern})" for p in _PREFIXES))


def strip_prefix(line: str) -> str:
    """``line`` without the timestamp / logger prefixes other systems add."""
    text = line
    for _ in range(3):
        before = text
        m = _ANY_PREFIX.match(text)
        if m:
            text = text[m.end() :]
        m = _LEVEL.match(text)
        if m:
            text = text[m.end() :]
            m = _LOGGER.match(text)
            if m:
                text = text[m.end() :]
        m = _TAG.match(text)
        if m:
            text = text[m.end() :]
        if text == before:
            break
    return text
