"""Property tests: every log parser takes any text — shuffled, cut, garbled — without crashing.

Only our typed errors (tlsdoctor.errors) may come out of ``read_log``; the
evidence must stay within its bounds; detection must name the formats tried.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logseeds import SEEDS

from tlsdoctor.errors import TlsDoctorError
from tlsdoctor.sources.logs import BY_NAME, FORMATS, read_log
from tlsdoctor.sources.logs.builder import MAX_CONNECTIONS, MAX_MESSAGES

ENDINGS = ["\n", "\r\n", "\r"]


def _garble(line: str, cut: int, junk: str) -> str:
    return line[: max(0, len(line) - cut)] + junk


@st.composite
def log_texts(draw: st.DrawFn, fmt: str) -> bytes:
    seeds = SEEDS[fmt]
    picks = draw(st.lists(st.sampled_from(seeds), min_size=0, max_size=60))
    out = []
    for line in picks:
        how = draw(st.integers(0, 5))
        if how == 0:
            line = _garble(line, draw(st.integers(0, 40)), draw(st.text(max_size=12)))
        elif how == 1:
            line = draw(st.text(max_size=80))
        elif how == 2:
            line = "2026-11-22 07:00:00.123 DEBUG " + line
        out.append(line + draw(st.sampled_from(ENDINGS)))
    data = "".join(out).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # a truncated log
    if draw(st.booleans()):
        data += draw(st.binary(max_size=64))
    return data


@pytest.mark.parametrize("fmt", sorted(BY_NAME))
def test_each_parser_survives_garbled_logs(fmt: str) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(log_texts(fmt))
    def run(data: bytes) -> None:
        try:
            forced = read_log(io.BytesIO(data), "fuzz.log", fmt=fmt)
            detected = read_log(io.BytesIO(data), "fuzz.log")
        except TlsDoctorError:
            return
        for r in (forced, detected):
            assert len(r.evidence.connections) <= MAX_CONNECTIONS
            for c in r.evidence.connections:
                assert c.transcript is not None
                assert len(c.transcript.messages) <= MAX_MESSAGES + 16
        assert detected.tried == tuple(f.name for f in FORMATS)

    run()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        r = read_log(io.BytesIO(data), "random.bin")
    except TlsDoctorError:
        return
    assert r.format is None or r.format in BY_NAME


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000))
def test_text_streams_are_read_like_bytes(text: str) -> None:
    a = read_log(io.StringIO(text), "t.log")
    b = read_log(io.BytesIO(text.encode("utf-8", "surrogatepass")), "t.log")
    assert a.format == b.format
