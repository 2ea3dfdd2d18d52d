"""TLS library debug logs as Evidence: one module per format, and a detector.

``read_log(source, name)`` streams a log (a path, ``-`` for standard input, or
an open binary/text stream) line by line in bounded memory, picks its format
from the content (or takes ``fmt``), and returns a :class:`LogResult`: the
:class:`~tlsdoctor.model.Evidence` (a Transcript per connection, the Outcome
with library errors named through the catalog, the certificates the log dumps,
which side wrote it, the order of API calls), the format chosen and the
formats tried.  Key material in the log is held only as
:class:`~tlsdoctor.model.Secret`.

Formats: Apple console / Xcode (BoringSSL, Network.framework, CFNetwork),
wolfSSL, mbedTLS, OpenSSL ``s_client``/``s_server`` (``-msg``, ``-trace``,
``-state``), GnuTLS (``gnutls-cli -d N``), Java (``-Djavax.net.debug``), curl
(``-v``), Go and Python error output.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

from tlsdoctor.errors import InputError
from tlsdoctor.model import Evidence, Secret, Where
from tlsdoctor.sources.logs.apple import AppleLog
from tlsdoctor.sources.logs.base import LogFormat
from tlsdoctor.sources.logs.builder import LogBuilder
from tlsdoctor.sources.logs.curl import CurlLog
from tlsdoctor.sources.logs.detect import (
    SAMPLE_CHARS,
    SAMPLE_LINES,
    Detection,
    Scorer,
    detect,
)
from tlsdoctor.sources.logs.gnutls import GnuTLSLog
from tlsdoctor.sources.logs.golang import GoLog
from tlsdoctor.sources.logs.java import JavaLog
from tlsdoctor.sources.logs.mbedtls import MbedTLSLog
from tlsdoctor.sources.logs.openssl import OpenSSLLog
from tlsdoctor.sources.logs.python import PythonLog
from tlsdoctor.sources.logs.reader import ReadStats, lines, strip_prefix
from tlsdoctor.sources.logs.secrets import SecretScanner
from tlsdoctor.sources.logs.unknown import ErrorLines, Reading, explain_lines
from tlsdoctor.sources.logs.wolfssl import WolfSSLLog

FORMATS: tuple[type[LogFormat], ...] = (
    AppleLog,
    WolfSSLLog,
    MbedTLSLog,
    JavaLog,
    GnuTLSLog,
    CurlLog,
    OpenSSLLog,
    GoLog,
    PythonLog,
)
"""Every format, in the order ties are broken."""

BY_NAME: dict[str, type[LogFormat]] = {f.name: f for f in FORMATS}


@dataclass(frozen=True)
class LogResult:
    """What one log says."""

    evidence: Evidence
    format: str | None
    """Name of the format read ("wolfssl"), or None when none was recognised."""
    tried: tuple[str, ...]
    """The formats tried, in order."""
    notes: tuple[str, ...] = ()
    """How the format was chosen, and what could not be read."""
    title: str | None = None
    """The chosen format, for people ("wolfSSL debug output")."""
    explained: tuple[Reading, ...] = ()
    """For an unrecognised log: the catalog's readings of its error-looking lines."""
    secrets: tuple[tuple[str, Where, Secret], ...] = field(default=(), repr=False)
    """Key material the log printed: (kind, where, value held as Secret)."""
    lines: int = 0
    name: str = ""


def read_log(
    source: str | BinaryIO | TextIO,
    name: str | None = None,
    fmt: str | None = None,
) -> LogResult:
    """Read one log; ``fmt`` forces a format (a name from :data:`BY_NAME`)."""
    if name is None:
        name = "stdin" if source == "-" else (source if isinstance(source, str) else "log")
    label = name.rsplit("/", 1)[-1] or name
    forced: type[LogFormat] | None = None
    if fmt is not None:
        forced = BY_NAME.get(fmt)
        if forced is None:
            raise InputError(f"unknown log format {fmt!r} (choose from {', '.join(BY_NAME)})")
    stats = ReadStats()
    scanner = SecretScanner()
    stream = lines(source, stats)
    sample: list[tuple[int, str, str]] = []
    chars = 0
    for no, raw in stream:
        if scanner.scan(no, raw):
            continue
        sample.append((no, raw, strip_prefix(raw)))
        chars += len(raw)
        if len(sample) >= SAMPLE_LINES or chars >= SAMPLE_CHARS:
            break
    errors = ErrorLines()
    if forced is not None:
        detection = Detection(forced, (forced.name,), {forced.name: 0}, ())
        how = f"format: {forced.title} (as requested)"
    else:
        detection = detect(sample, FORMATS)
        if detection.chosen is None:
            # The library's lines may start deep inside a long log: keep
            # looking, with a bounded window of recent lines to start from.
            sample, detection = _keep_looking(sample, stream, scanner, errors)
        how = detection.describe()
    chosen = detection.chosen
    if chosen is None:
        return _unknown(label, sample, stream, scanner, stats, detection, how, errors)
    builder = LogBuilder(label, chosen.library, chosen.default_side)
    parser = chosen(builder)
    for no, raw, text in sample:
        parser.feed(no, raw, text)
    for no, raw in stream:
        if scanner.scan(no, raw):
            continue
        parser.feed(no, raw, strip_prefix(raw))
    parser.finish()
    scanner.close()
    for kind, value, line in scanner.found:
        builder.secret(kind, value, line)
    if stats.truncated:
        builder.note(f"{stats.truncated} over-long line(s) were cut at 16 KiB")
    if stats.undecodable:
        builder.note(f"{stats.undecodable} line(s) held bytes that are not UTF-8")
    if not builder.conns:
        builder.note("the log names no TLS connection this format's parser could follow")
    builder.facts["log_format"] = chosen.name
    evidence = builder.evidence()
    return LogResult(
        evidence=evidence,
        format=chosen.name,
        tried=detection.tried,
        notes=(how, *evidence.notes),
        title=chosen.title,
        secrets=tuple(builder.secrets),
        lines=stats.lines,
        name=label,
    )


WINDOW = 2000
"""Lines kept before the first recognised line of a long log, as context."""

_ALL_KEYWORDS = tuple(dict.fromkeys(k for f in FORMATS for k in f.keywords))


def _keep_looking(
    sample: list[tuple[int, str, str]],
    stream: Iterator[tuple[int, str]],
    scanner: SecretScanner,
    errors: ErrorLines,
) -> tuple[list[tuple[int, str, str]], Detection]:
    """Read on until some format's lines appear; the recent window and them, and the detection."""
    window: deque[tuple[int, str, str]] = deque(sample[-WINDOW:], maxlen=WINDOW)
    for no, _raw, text in sample:
        errors.feed(no, text)
    hits = Scorer(FORMATS)
    for no, raw in stream:
        if scanner.scan(no, raw):
            continue
        text = strip_prefix(raw)
        window.append((no, raw, text))
        errors.feed(no, text)
        if not any(k in raw for k in _ALL_KEYWORDS):
            continue
        hits.add(no, raw, text)
        if hits.found():
            return list(window), hits.detection()
        if len(hits) > SAMPLE_LINES:
            hits.drop(SAMPLE_LINES // 2)
    return list(window), hits.detection()


def _unknown(
    label: str,
    sample: list[tuple[int, str, str]],
    stream: Iterator[tuple[int, str]],
    scanner: SecretScanner,
    stats: ReadStats,
    detection: Detection,
    how: str,
    errors: ErrorLines,
) -> LogResult:
    if not errors.lines:
        for no, _raw, text in sample:
            errors.feed(no, text)
    for no, raw in stream:
        if scanner.scan(no, raw):
            continue
        errors.feed(no, strip_prefix(raw))
    scanner.close()
    readings = tuple(explain_lines(errors.lines))
    notes = [how]
    if errors.more:
        notes.append(f"only the first {len(errors.lines)} error-looking lines were looked up")
    secrets = tuple((k, Where(label, f"line {n}"), Secret(v, k)) for k, v, n in scanner.found)
    if secrets:
        notes.append(f"the log contains key material ({len(secrets)} value(s)); it is not shown")
    return LogResult(
        evidence=Evidence(sources=(label,), notes=tuple(notes[1:])),
        format=None,
        tried=detection.tried,
        notes=tuple(notes),
        explained=readings,
        secrets=secrets,
        lines=stats.lines,
        name=label,
    )


__all__ = ["BY_NAME", "FORMATS", "LogResult", "read_log"]
