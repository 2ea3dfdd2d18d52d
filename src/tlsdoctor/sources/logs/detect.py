"""Which format a log is in, from its content, and why.

The detector reads the first lines (at most :data:`SAMPLE_LINES` lines or
:data:`SAMPLE_CHARS` characters), asks every format how strongly each line
says "mine" (:meth:`LogFormat.score`), and picks the format with the highest
total, if it reaches :data:`MIN_SCORE`.  One line counts for at most
:data:`LINE_CAP`, so a few repeated noise lines cannot outvote the library's
own.  The result names the format chosen, every format tried, and the
strongest lines behind the choice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

from tlsdoctor.sources.logs.base import LogFormat

SAMPLE_LINES = 4000
SAMPLE_CHARS = 2 * 1024 * 1024
MIN_SCORE = 6
LINE_CAP = 6


@dataclass(frozen=True)
class Detection:
    chosen: type[LogFormat] | None
    tried: tuple[str, ...]
    scores: dict[str, int]
    why: tuple[int, ...]
    """Line numbers that counted most for the chosen format (at most 3)."""

    def describe(self) -> str:
        if self.chosen is None:
            return "no known format recognised (tried: " + ", ".join(self.tried) + ")"
        lines = ", ".join(str(n) for n in self.why)
        return (
            f"format: {self.chosen.title} (score {self.scores[self.chosen.name]}"
            + (f"; e.g. line {lines}" if lines else "")
            + ")"
        )


class Scorer:
    """Running totals over a window of lines: each line is scored once.

    :func:`detect` is a Scorer fed a whole sample; a reader looking for the
    first recognisable lines deep in a long log feeds lines one at a time,
    drops the oldest with :meth:`drop`, and asks :meth:`found` after each.
    """

    def __init__(self, formats: Sequence[type[LogFormat]]) -> None:
        self.formats = tuple(formats)
        self.totals = [0] * len(self.formats)
        self.lines: deque[tuple[int, tuple[int, ...]]] = deque()
        """(line number, each format's capped score) for every line in the window."""

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, no: int, raw: str, text: str) -> None:
        scores = tuple(min(f.score(raw, text), LINE_CAP) for f in self.formats)
        self.lines.append((no, scores))
        totals = self.totals
        for i, s in enumerate(scores):
            totals[i] += s

    def drop(self, n: int) -> None:
        """Forget the ``n`` oldest lines."""
        totals = self.totals
        for _ in range(min(n, len(self.lines))):
            _no, scores = self.lines.popleft()
            for i, s in enumerate(scores):
                totals[i] -= s

    def _top(self) -> int | None:
        best: int | None = None
        for i, total in enumerate(self.totals):  # list order breaks ties
            if best is None or total > self.totals[best]:
                best = i
        return best

    def found(self) -> bool:
        """Does some format reach :data:`MIN_SCORE` over the window?"""
        top = self._top()
        return top is not None and self.totals[top] >= MIN_SCORE

    def detection(self) -> Detection:
        tried = tuple(f.name for f in self.formats)
        scores = {f.name: t for f, t in zip(self.formats, self.totals, strict=True)}
        top = self._top()
        if top is None or self.totals[top] < MIN_SCORE:
            return Detection(None, tried, scores, ())
        why = tuple(islice((no for no, s in self.lines if s[top]), 3))
        return Detection(self.formats[top], tried, scores, why)


def detect(sample: Sequence[tuple[int, str, str]], formats: Sequence[type[LogFormat]]) -> Detection:
    """Score ``sample`` (line number, raw, stripped) against ``formats``."""
    scorer = Scorer(formats)
    for no, raw, text in sample:
        scorer.add(no, raw, text)
    return scorer.detection()
