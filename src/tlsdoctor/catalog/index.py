"""The compiled catalog, loaded once and read without copying.

``build.py`` writes ``index.json`` (lookup tables and lean entries) and
``text/<family>.json`` (meanings, causes, next steps, sources); this module
only reads them.  Entries stay plain dicts (the JSON objects) so that loading
costs one ``json.loads``; the prose of a family is read only when an entry of
that family is turned into an :class:`Entry` view.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

INDEX_PATH = Path(__file__).resolve().parent / "index.json"
TEXT_DIR = INDEX_PATH.parent / "text"


@dataclass(frozen=True)
class Code:
    """One number an entry has, in the library's own notation, and where it holds."""

    value: int
    display: str
    versions: tuple[str, ...]


def _label(library: str, name: str, display: str | None) -> str:
    """ "wolfSSL FATAL_ERROR (-313)"; just library and name when there is no code."""
    if display is not None and display != name:
        return f"{library} {name} ({display})"
    return f"{library} {name}"


@dataclass(frozen=True)
class Head:
    """What the index alone says of an entry: enough to name, rank and filter it
    without reading its family's prose file."""

    index: int
    id: str
    family: str
    library: str
    name: str
    kind: str
    side: str
    display: str
    """The code as the library writes it, or the name."""
    described: bool
    """True when the catalog says in its own words what this code means."""
    context_only: bool
    code: str | None = None

    @property
    def label(self) -> str:
        return _label(self.library, self.name, self.code)


@dataclass(frozen=True)
class Entry:
    """A catalog entry: one code or message of one library."""

    index: int
    id: str
    family: str
    library: str
    name: str
    kind: str
    side: str
    codes: tuple[Code, ...]
    versions: tuple[str, ...]
    sources: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    meaning: str | None = None
    causes: tuple[str, ...] = ()
    next: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    lib: int | None = None
    context_only: bool = False

    @property
    def described(self) -> bool:
        """True when the catalog says in its own words what this code means."""
        return self.meaning is not None

    @property
    def display(self) -> str:
        """The code as the library writes it ("-0x7780", "-313"), or the name."""
        return self.codes[0].display if self.codes else self.name

    @property
    def label(self) -> str:
        """ "wolfSSL FATAL_ERROR (-313)"."""
        return _label(self.library, self.name, self.display if self.codes else None)


class Catalog:
    """Read access to the compiled index."""

    def __init__(self, raw: dict[str, Any], text_dir: Path = TEXT_DIR) -> None:
        self.raw = raw
        self.text_dir = text_dir
        self._texts: dict[str, dict[str, dict[str, Any]]] = {}
        self.families: dict[str, dict[str, Any]] = raw["families"]
        self.entries: list[dict[str, Any]] = raw["entries"]
        self.names: dict[str, list[int]] = raw["names"]
        self.numbers: dict[str, list[int]] = raw["numbers"]
        self.phrases: dict[str, list[int]] = raw["phrases"]
        self.patterns: list[list[Any]] = raw["patterns"]
        self.reasons: dict[str, dict[str, dict[str, int]]] = raw["reasons"]
        self.libs: dict[str, dict[str, str]] = raw["libs"]
        self.bitmasks: dict[str, list[list[int]]] = raw["bitmasks"]
        self._views: dict[int, Entry] = {}
        self._heads: dict[int, Head] = {}
        self.max_phrase_words: int = raw["max_phrase_words"]

    @cached_property
    def ids(self) -> dict[str, int]:
        return {e["id"]: i for i, e in enumerate(self.entries)}

    def text(self, i: int) -> dict[str, Any]:
        """The prose of entry ``i`` (empty for entries the catalog only names)."""
        family = self.entries[i]["family"]
        texts = self._texts.get(family)
        if texts is None:
            with (self.text_dir / f"{family}.json").open("rb") as fh:
                texts = self._texts[family] = json.loads(fh.read())
        return texts.get(str(i), {})

    def head(self, i: int) -> Head:
        """Entry ``i`` as the index has it (no prose file is read)."""
        h = self._heads.get(i)
        if h is None:
            e = self.entries[i]
            codes = e.get("codes")
            code = str(codes[0]["display"]) if codes else None
            h = self._heads[i] = Head(
                index=i,
                id=e["id"],
                family=e["family"],
                library=self.families[e["family"]]["library"],
                name=e["name"],
                kind=e["kind"],
                side=e.get("side", "local"),
                display=code if code is not None else e["name"],
                described=bool(e.get("described")),
                context_only=bool(e.get("context")),
                code=code,
            )
        return h

    def head_by_id(self, entry_id: str) -> Head | None:
        i = self.ids.get(entry_id)
        return None if i is None else self.head(i)

    def entry(self, i: int) -> Entry:
        """Entry ``i`` with its prose (reads its family's text file once)."""
        view = self._views.get(i)
        if view is None:
            e = {**self.entries[i], **self.text(i)}
            view = Entry(
                index=i,
                id=e["id"],
                family=e["family"],
                library=self.families[e["family"]]["library"],
                name=e["name"],
                kind=e["kind"],
                side=e.get("side", "local"),
                codes=tuple(
                    Code(c["value"], c["display"], tuple(c["versions"])) for c in e.get("codes", [])
                ),
                versions=tuple(e.get("versions", ())),
                sources=tuple(e.get("sources", ())),
                aliases=tuple(e.get("aliases", ())),
                related=tuple(e.get("related", ())),
                meaning=e.get("meaning"),
                causes=tuple(e.get("causes", ())),
                next=tuple(e.get("next", ())),
                refs=tuple(e.get("refs", ())),
                lib=e.get("lib"),
                context_only=bool(e.get("context")),
            )
            self._views[i] = view
        return view

    def by_id(self, entry_id: str) -> Entry | None:
        i = self.ids.get(entry_id)
        return None if i is None else self.entry(i)


@functools.cache
def load(path: Path = INDEX_PATH) -> Catalog:
    """The catalog, read from ``index.json`` once per process."""
    with path.open("rb") as fh:
        return Catalog(json.loads(fh.read()))
