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

from collections.abc import Sequence
from dataclasses import dataclass

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


def detect(sample: Sequence[tuple[int, str, str]], formats: Sequence[type[LogFormat]]) -> Detection:
    """Score ``sample`` (line number, raw, stripped) against ``formats``."""
    scores = {f.name: 0 for f in formats}
    best_lines: dict[str, list[tuple[int, int]]] = {f.name: [] for f in formats}
    for no, raw, text in sample:
        for f in formats:
            s = min(f.score(raw, text), LINE_CAP)
            if s:
                scores[f.name] += s
                bl = best_lines[f.name]
                if len(bl) < 3:
                    bl.append((s, no))
    tried = tuple(f.name for f in formats)
    ranked = sorted(formats, key=lambda f: -scores[f.name])  # stable: list order breaks ties
    if not ranked or scores[ranked[0].name] < MIN_SCORE:
        return Detection(None, tried, scores, ())
    top = ranked[0]
    return Detection(top, tried, scores, tuple(no for _, no in best_lines[top.name]))
