"""A 100 MB log streams in bounded memory; a log of thousands of handshakes keeps bounded state.

The big log is written at test time (a noise block repeated, one real-looking
handshake half-way), read in a fresh interpreter, and its peak resident size
compared with that of a 5 MB log: reading line by line, the difference stays
small.  No timing is asserted.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from logseeds import HANDSHAKE

from tlsdoctor.model import Evidence
from tlsdoctor.sources.logs import FORMATS, read_log
from tlsdoctor.sources.logs.builder import MAX_CONNECTIONS, LogBuilder

NOISE_LINE = '2026-11-22T07:26:36.{ms:03d}Z api[web-3] {{"msg":"GET /api/items/{n:08d} 200 3.2ms","ua":"{pad}"}}\n'

# Peak RSS from /proc/self/status (VmHWM, KiB): unlike getrusage's ru_maxrss, it
# starts afresh at exec, so a big parent (a long pytest run) does not leak into it.
_READER = """
import sys
from tlsdoctor.sources.logs import read_log
r = read_log(sys.argv[1])
c = r.evidence.connections
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(r.format, len(c), c[0].api_calls[1][0] if c else "-", hwm)
"""


def write_log(path: Path, size: int) -> None:
    """``size`` bytes of noise with the handshake half-way, written in big blocks."""
    block = "".join(NOISE_LINE.format(ms=i % 1000, n=i, pad="x" * 1900) for i in range(500))
    written = 0
    with open(path, "w") as fh:
        while written < size:
            fh.write(block)
            written += len(block)
            if HANDSHAKE and size // 2 <= written < size // 2 + len(block):
                fh.write(HANDSHAKE)


def read_in_subprocess(path: Path) -> tuple[str, int, str, int]:
    p = subprocess.run(
        [sys.executable, "-c", _READER, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    fmt, n, call, rss = p.stdout.split()
    return fmt, int(n), call, int(rss)


def test_100_mb_log_in_bounded_memory(tmp_path: Path) -> None:
    small, big = tmp_path / "small.log", tmp_path / "big.log"
    write_log(small, 5 * 1024 * 1024)
    write_log(big, 100 * 1024 * 1024)
    try:
        fmt_s, n_s, _, rss_small = read_in_subprocess(small)
        fmt_b, n_b, call, rss_big = read_in_subprocess(big)
    finally:
        big.unlink()
    assert (fmt_s, fmt_b) == ("wolfssl", "wolfssl")
    assert n_s == n_b == 1 and call == "wolfSSL_new"
    # ru_maxrss is in KiB: 100 MB of log costs at most 16 MiB more than 5 MB does.
    assert rss_big - rss_small < 16 * 1024, (rss_small, rss_big)
    assert rss_big < 200 * 1024


def test_thousands_of_handshakes_keep_bounded_state() -> None:
    text = HANDSHAKE * 3000
    r = read_log(io.StringIO(text), "many.log")
    assert r.format == "wolfssl"
    assert len(r.evidence.connections) == MAX_CONNECTIONS
    assert any("were not kept" in n for n in r.notes)


def test_an_endless_line_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "long.log"
    with open(path, "w") as fh:
        fh.write("x" * (8 * 1024 * 1024) + "\n")
        fh.write(HANDSHAKE)
    r = read_log(str(path))
    assert r.format == "wolfssl"
    assert any("cut" in n for n in r.notes)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_line_endings(ending: str) -> None:
    r = read_log(io.BytesIO(HANDSHAKE.replace("\n", ending).encode()), "e.log")
    assert r.format == "wolfssl"
    assert r.evidence.connections[0].facts.get("client_certificate_empty") is True


@pytest.mark.timeout(20)
def test_keyword_heavy_unknown_log_scores_each_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the first sample, every line with a format keyword is scored once per
    format, not the whole window again (which took minutes on such a log)."""
    calls = 0
    for f in FORMATS:

        def counted(raw: str, text: str, orig: Callable[[str, str], int] = f.score) -> int:
            nonlocal calls
            calls += 1
            return orig(raw, text)

        monkeypatch.setattr(f, "score", staticmethod(counted))
    n = 20_000
    text = "".join(
        f"{i:06d} worker-{i % 7} handled message {i}: Exception ignored, retrying\n"
        for i in range(n)
    )
    r = read_log(io.StringIO(text), "app.log")
    assert r.format is None
    assert r.lines == n
    assert calls <= n * len(FORMATS)


def test_log_format_fact_keeps_everything_the_builder_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """read_log adds the log_format fact without rebuilding the Evidence field by field."""
    at = datetime(2026, 11, 22, tzinfo=UTC)
    built = LogBuilder.evidence

    def evidence(self: LogBuilder) -> Evidence:
        return dataclasses.replace(built(self), at=at)

    monkeypatch.setattr(LogBuilder, "evidence", evidence)
    r = read_log(io.StringIO(HANDSHAKE), "w.log")
    assert r.evidence.facts["log_format"] == "wolfssl"
    assert r.evidence.at == at
