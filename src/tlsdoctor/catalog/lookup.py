"""From free text to catalog entries: find every code and message, rank the readings.

A pasted text is searched for *mentions*, each a span with ranked candidate
entries:

- OpenSSL/BoringSSL error-queue lines (``error:0A000086:SSL routines::...``):
  the packed code is decoded in every layout it could be (OpenSSL 3.x:
  library << 23 | reason; OpenSSL 1.x: library << 24 | function << 12 |
  reason; BoringSSL: library << 24 | reason), and the library and reason
  texts that follow confirm one;
- symbolic names (``errSSLFatalAlert``, ``MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE``,
  ``CERTIFICATE_VERIFY_FAILED``, Python's ``[SSL: WRONG_VERSION_NUMBER]``,
  Node's ``ERR_SSL_*``);
- message patterns from the data files, and OpenSSL-style texts spelled from
  reason names ("decryption failed or bad record mac");
- alerts in the forms libraries log them (``[2:46]``, ``alert number 48``,
  ``Received alert [42]``);
- numbers: decimal, negative, hex; an mbedTLS high+low sum is split into its
  parts; a bare number is answered with every candidate.

Words in the text ("wolfSSL", "alert", "SSL routines", "NSURL") steer the
ranking toward a family, and a second pass prefers readings that relate to
what else the paste says (``-313`` with alert ``42``: FATAL_ERROR *because*
bad_certificate was received).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tlsdoctor.catalog.index import Catalog, Head, load

# score of a candidate by how it was found; context and relations add to it
NAME_FULL = 10.0
NAME_SHORT = 7.0
PATTERN = 9.0
BRACKET = 12.0
PACKED = 12.0
ALERT_FORM = 12.0
KEYED_NUMBER = 11.0
NUMBER = 3.0
CONTEXT_CAP = 8.0
RELATED_BONUS = 5.0


@dataclass(frozen=True)
class Span:
    """Where in the text a mention was found (character offsets, 0-based)."""

    start: int
    end: int
    text: str


@dataclass
class Candidate:
    """One reading of a mention."""

    entry: int
    score: float
    how: str
    note: str | None = None
    group: str | None = None
    """Readings that hold together (the parts of an mbedTLS sum, the bits of a
    flags value) share a group; choosing one chooses all."""


@dataclass
class Mention:
    """A span of the text and the entries it may mean, best first."""

    span: Span
    how: str
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def best(self) -> Candidate:
        return self.candidates[0]


@dataclass(frozen=True)
class Relation:
    """How two matched entries relate, in one sentence."""

    source: str
    target: str
    text: str
    explains: bool = False
    """The target says more than the source ("-313 because alert 42 was
    received"; curl's 60 and its message); False when the source is the more
    specific one ("PKIX path building failed" is how Java reports alert 46)."""


@dataclass
class LookupResult:
    """Everything found in one text."""

    text: str
    mentions: list[Mention]
    relations: list[Relation]
    bare: bool
    """The whole text was one code: every candidate is an answer."""
    context: dict[str, float]
    """Family -> how strongly the words of the text point at it."""


# ----------------------------------------------------------------- patterns


class _Lazy:
    """A regular expression compiled on first use: start-up stays fast for a
    bare code, which needs only a few of them."""

    _cache: dict[tuple[str, int], re.Pattern[str]] = {}

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.key = (pattern, flags)

    def get(self) -> re.Pattern[str]:
        rx = self._cache.get(self.key)
        if rx is None:
            rx = self._cache[self.key] = re.compile(*self.key)
        return rx

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.get().finditer(text)

    def search(self, text: str) -> re.Match[str] | None:
        return self.get().search(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.get().fullmatch(text)


_PACKED_LINE = _Lazy(
    r"error:([0-9A-Fa-f]{8}):([^:\n]*):([^:\n]*):([^:\n]*)(?::[^\n]*)?",
)
_BRACKET = _Lazy(r"\[([A-Z][A-Z0-9]*): ([A-Z0-9_]+)\]")
_IDENT = _Lazy(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER = _Lazy(r"(?<![\w.])(-\s?)?(0[xX][0-9a-fA-F]+|[0-9a-fA-F]{8}(?![\w])|\d+)(?![\w])")
_ALERT_FORMS = [
    _Lazy(r"alert[^\n\[\]]{0,40}\[\s*[12]\s*:\s*(\d{1,3})\s*\]", re.I),
    _Lazy(
        r"alert(?:\s+(?:number|description|desc|code(?:\s+is)?|type|value)\b)?\s*[=:#]?\s*"
        r"\[?(\d{1,3})\]?(?![\w.])",
        re.I,
    ),
    _Lazy(r"alert\s+\d\s*/\s*(\d{1,3})(?![\w.])", re.I),
]
_VERIFY_NUM = _Lazy(
    r"(?:verify error:num=|verify return code:\s*|x509_v_err\w*\s*=\s*)(\d{1,3})\b", re.I
)
_CURL_EXIT = _Lazy(r"curl:\s*\((\d{1,3})\)|curl_error\s*[=:]?\s*(\d{1,3})\b", re.I)
_APPLE_DOMAIN_CODE = _Lazy(r"\[(\d{1,2}):(-\d{3,6})\]")
_KEYWORD_BEFORE = _Lazy(
    r"(?:error|err|errno|code|alert|ret|returned|return|status|num|reason|exit|"
    r"description|desc|osstatus)\W{0,4}(?:(?:is|was|with|of|number|code)\W{1,3})?$",
    re.I,
)
_FLAGS_BEFORE = _Lazy(r"flags?\W{0,5}(?:(?:is|was|=|:)\W{0,3})?$", re.I)
_WORD = _Lazy(r"[a-z0-9]+")
_WHOLE_NUMBER = _Lazy(r"\s*(-\s?)?(0[xX][0-9a-fA-F]+|[0-9a-fA-F]{8}|\d+)\s*")

_LOCAL_HINTS: list[tuple[_Lazy, str, float]] = [
    (_Lazy(r"alert", re.I), "alert", 6.0),
    (_Lazy(r"verify|x509", re.I), "openssl-verify", 2.0),
    (_Lazy(r"curl", re.I), "curl", 6.0),
    (_Lazy(r"net::|net_error|net error", re.I), "chrome", 6.0),
    (_Lazy(r"osstatus|errsec|errssl|domain", re.I), "apple", 4.0),
    (_Lazy(r"gnutls", re.I), "gnutls", 6.0),
    (_Lazy(r"wolfssl|wolfcrypt", re.I), "wolfssl", 6.0),
    (_Lazy(r"mbedtls|mbed tls|polarssl", re.I), "mbedtls", 6.0),
    (_Lazy(r"hresult|schannel|sec_e|0x8009", re.I), "windows", 4.0),
]


def _sort(cands: list[Candidate]) -> list[Candidate]:
    best: dict[int, Candidate] = {}
    for c in cands:
        if c.entry not in best or c.score > best[c.entry].score:
            best[c.entry] = c
    return sorted(best.values(), key=lambda c: (-c.score, c.entry))


class _Finder:
    def __init__(self, cat: Catalog, text: str) -> None:
        self.cat = cat
        self.text = text
        self.lower = text.lower()
        self.mentions: list[Mention] = []
        self.context = self._family_context()

    # context ----------------------------------------------------------

    def _family_context(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for fid, fam in self.cat.families.items():
            score = 0.0
            for word in fam["context"]:
                w, _, weight = word.partition("=")
                if w and w in self.lower:
                    score += float(weight or 4)
            if score:
                out[fid] = min(score, CONTEXT_CAP)
        return out

    def _prior(self, i: int) -> float:
        e = self.cat.entries[i]
        bonus = float(self.cat.families[e["family"]]["prior"])
        if e.get("described"):
            bonus += 1.0
        return bonus + self.context.get(e["family"], 0.0)

    def _cand(
        self, i: int, base: float, how: str, note: str | None = None, group: str | None = None
    ) -> Candidate:
        return Candidate(i, base + self._prior(i), how, note, group)

    def _add(self, start: int, end: int, how: str, cands: list[Candidate]) -> None:
        if cands:
            span = Span(start, end, self.text[start:end])
            self.mentions.append(Mention(span, how, _sort(cands)))

    # finders ------------------------------------------------------------

    def packed_lines(self) -> None:
        for m in _PACKED_LINE.finditer(self.text):
            cands = self.packed(m.group(1), m.group(2), m.group(4))
            self._add(m.start(), m.end(), "packed", cands)

    def packed(self, hexcode: str, lib_text: str = "", reason_text: str = "") -> list[Candidate]:
        """Readings of an 8-digit packed OpenSSL/BoringSSL error code."""
        v = int(hexcode, 16)
        out: list[Candidate] = []
        lib_key = re.sub(r"[^a-z0-9]", "", lib_text.lower())
        reason_key = reason_text.strip().lower().replace("_", " ")
        layouts = []
        if v & 0x80000000 == 0:
            layouts.append(("openssl", (v >> 23) & 0xFF, v & 0x7FFFFF, "OpenSSL 3.x"))
        layouts.append(("openssl", (v >> 24) & 0xFF, v & 0xFFF, "OpenSSL 1.x"))
        if v & 0xFFF000 == 0:
            layouts.append(("boringssl", (v >> 24) & 0xFF, v & 0xFFF, "BoringSSL"))
        for family, lib, reason, layout in layouts:
            table = self.cat.reasons.get(family, {})
            i = table.get(str(lib), {}).get(str(reason))
            if i is None and reason & 0x80000 and family == "openssl":
                i = table.get("0", {}).get(str(reason))
            if i is None and family == "boringssl":
                i = table.get("0", {}).get(str(reason))
            if i is None:
                continue
            e = self.cat.entries[i]
            libname = self.cat.libs.get(family, {}).get(str(lib), str(lib))
            score = PACKED
            if lib_key and libname.lower().replace("_", "") in lib_key:
                score += 2
            if reason_key:
                words = " ".join(e["name"].split("_R_", 1)[-1].lower().split("_"))
                if reason_key == words:
                    score += 3
                elif reason_key.startswith(words[:12]):
                    score += 1
            if layout == "OpenSSL 1.x" and (v >> 12) & 0xFFF == 0:
                score -= 3  # a 1.x code almost always names a function
            func = f", function 0x{(v >> 12) & 0xFFF:03X}" if layout == "OpenSSL 1.x" else ""
            note = f"{layout} layout: library {lib} ({libname}){func}, reason {reason & 0xFFFF}"
            out.append(self._cand(i, score, "packed", note))
        return out

    def brackets(self) -> None:
        for m in _BRACKET.finditer(self.text):
            lib, reason = m.group(1).lower(), m.group(2).lower()
            cands = [
                self._cand(i, BRACKET, "name")
                for i in self.cat.names.get(f"{lib}_r_{reason}", [])
                + self.cat.names.get(f"err_r_{reason}", [])
            ]
            if not cands:
                cands = [self._cand(i, NAME_SHORT, "name") for i in self.cat.names.get(reason, [])]
            self._add(m.start(), m.end(), "name", cands)

    def names(self) -> None:
        names = self.cat.names
        for m in _IDENT.finditer(self.text):
            token = m.group(0)
            parts = [(m.start(), m.end(), token)]
            if "." in token:  # x509.UnknownAuthorityError, javax.net.ssl.SSLException
                pos = m.start()
                for part in token.split("."):
                    parts.append((pos, pos + len(part), part))
                    pos += len(part) + 1
            for start, end, tok in parts:
                key = tok.lower()
                cands: list[Candidate] = []
                for i in names.get(key, []):
                    full = any(
                        n.lower() == key
                        for n in [
                            self.cat.entries[i]["name"],
                            *self.cat.entries[i].get("aliases", []),
                        ]
                    )
                    cands.append(self._cand(i, NAME_FULL if full else NAME_SHORT, "name"))
                if not cands and key.startswith("err_ssl_"):  # Node.js: ERR_SSL_<reason>
                    for i in names.get("ssl_r_" + key[8:], []):
                        cands.append(self._cand(i, NAME_SHORT + 2, "name", "Node.js form"))
                if not cands and key.startswith("err_ossl_"):  # ERR_OSSL_<LIB>_<reason>
                    lib, _, reason = key[9:].partition("_")
                    for i in names.get(f"{lib}_r_{reason}", []):
                        cands.append(self._cand(i, NAME_SHORT + 2, "name", "Node.js form"))
                self._add(start, end, "name", cands)

    def patterns(self) -> None:
        lower = self.lower
        for needle, pattern, is_regex, i in self.cat.patterns:
            if needle is not None and needle not in lower:
                continue
            if is_regex:
                rx = _compiled(pattern)
                for m in rx.finditer(self.text):
                    base = PATTERN + min(len(m.group(0)), 60) / 30
                    self._add(m.start(), m.end(), "pattern", [self._cand(i, base, "pattern")])
            else:
                start = lower.find(needle)
                while start >= 0:
                    end = start + len(needle)
                    base = PATTERN + min(len(needle), 60) / 30
                    self._add(start, end, "pattern", [self._cand(i, base, "pattern")])
                    start = lower.find(needle, end)

    def phrases(self) -> None:
        words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(self.lower)]
        phrases = self.cat.phrases
        longest = self.cat.max_phrase_words
        n = len(words)
        for a in range(n):
            for b in range(min(n, a + longest), a + 1, -1):
                key = " ".join(w for _, _, w in words[a:b])
                hits = phrases.get(key)
                if not hits:
                    continue
                nwords = b - a
                cands = []
                before = self.lower[: words[a][0]].rstrip()
                for i in hits:
                    fam = self.cat.entries[i]["family"]
                    if nwords <= 2 and (fam not in self.context or not before.endswith(":")):
                        continue  # two common words are a code only right after "lib:func:"
                    cands.append(self._cand(i, 2.0 + nwords, "phrase"))
                self._add(words[a][0], words[b - 1][1], "phrase", cands)
                break

    def alert_forms(self) -> None:
        alerts = self.cat.numbers
        for rx in _ALERT_FORMS:
            for m in rx.finditer(self.text):
                num = int(m.group(1))
                cands = [
                    self._cand(i, ALERT_FORM, "alert")
                    for i in alerts.get(str(num), [])
                    if self.cat.entries[i]["kind"] == "alert"
                ]
                self._add(m.start(1), m.end(1), "alert", cands)

    def keyed_numbers(self) -> None:
        for rx, family in ((_VERIFY_NUM, "openssl-verify"), (_CURL_EXIT, "curl")):
            for m in rx.finditer(self.text):
                g = 1 if m.group(1) is not None else 2
                cands = [
                    self._cand(i, KEYED_NUMBER, "number")
                    for i in self.cat.numbers.get(str(int(m.group(g))), [])
                    if self.cat.entries[i]["family"] == family
                ]
                self._add(m.start(g), m.end(g), "number", cands)
        for m in _APPLE_DOMAIN_CODE.finditer(self.text):
            cands = [
                self._cand(i, KEYED_NUMBER, "number", f"CFStream error domain {m.group(1)}")
                for i in self.cat.numbers.get(str(int(m.group(2))), [])
                if self.cat.entries[i]["family"] == "apple"
            ]
            self._add(m.start(2), m.end(2), "number", cands)

    def numbers(self, bare: bool) -> None:
        for m in _NUMBER.finditer(self.text):
            sign, digits = m.group(1), m.group(2)
            before = self.text[max(0, m.start() - 40) : m.start()]
            negative = bool(sign)
            is_hex = digits[:2] in ("0x", "0X")
            if (is_hex and len(digits) > 10) or (not is_hex and len(digits) > 11):
                continue  # a serial number, a hash or a timestamp: no code is that long
            eight_hex = not is_hex and len(digits) == 8 and not digits.isdigit()
            if eight_hex and not any(ch.isdigit() for ch in digits):
                continue  # a word such as "deadbeef", not a code
            keyed = bool(before.strip()) and bool(_KEYWORD_BEFORE.search(before))
            if not bare and not (negative or is_hex or eight_hex or keyed or len(digits) == 8):
                continue
            after = self.text[m.end() : m.end() + 2]
            if not bare and (
                (before.endswith(("-", ":", "/")) and before[-2:-1].isdigit())
                or (after[:1] in ("/", ":", ".") and after[1:2].isdigit())
                or (keyed and not negative and digits == "0")
            ):
                continue  # a date, a time, a ratio or an address, or "error 0": not a code
            cands = self.number_candidates(digits, negative, before, bare)
            if not bare and not keyed and not negative and not is_hex and not eight_hex:
                cands = [c for c in cands if c.how == "packed"]
            if before.strip() and _FLAGS_BEFORE.search(before):
                cands += self.bitmask_candidates(digits, negative, KEYED_NUMBER)
            elif bare and digits[:2] in ("0x", "0X"):
                cands += self.bitmask_candidates(digits, negative, NUMBER - 1)
            self._add(m.start(), m.end(), "number", cands)

    def number_candidates(
        self, digits: str, negative: bool, before: str, bare: bool
    ) -> list[Candidate]:
        values: list[tuple[int, float, str | None]] = []
        is_hex = digits[:2] in ("0x", "0X")
        if is_hex:
            v = int(digits, 16)
            values.append((-v if negative else v, 0.0, None))
            if not negative and v <= 0x7FFF:
                values.append((-v, -2.0, f"read as -{digits}"))
        elif len(digits) == 8 and not digits.isdigit():
            values.append((int(digits, 16), -1.0, f"read as 0x{digits}"))
        else:
            v = int(digits)
            values.append((-v if negative else v, 0.0, None))
            if len(digits) == 8:
                values.append((int(digits, 16), -1.0, f"read as 0x{digits}"))
            if not negative and v > 99:
                values.append((-v, -3.0, f"read as -{digits}"))
        local: dict[str, float] = {}
        for rx, fam, bonus in _LOCAL_HINTS if before.strip() else ():
            if rx.search(before[-24:]):
                local[fam] = max(local.get(fam, 0.0), bonus)
        out: list[Candidate] = []
        for value, penalty, note in values:
            for i in self.cat.numbers.get(str(value), []):
                e = self.cat.entries[i]
                if e["kind"] == "reason" and not bare:
                    continue  # a bare reason number is rarely what a log means
                fam = e["family"]
                score = NUMBER + penalty + local.get(fam, 0.0)
                if e["kind"] == "reason":
                    score -= 2
                out.append(self._cand(i, score, "number", note))
            if value < 0 and not out:
                out += self.mbedtls_parts(-value)
        if len(digits) == 8 and (not digits.isdigit() or digits.startswith("0")):
            out += self.packed(digits)
        elif is_hex and len(digits) == 10:
            out += self.packed(digits[2:])
        return out

    def mbedtls_parts(self, magnitude: int) -> list[Candidate]:
        """An mbedTLS code that is a high-level plus a low-level error."""
        high, low = magnitude & 0xFF80, magnitude & 0x7F
        if magnitude > 0x7FFF or not high or not low:
            return []
        out = []
        group = f"sum:-0x{magnitude:04X}"
        for part, what, bonus in ((high, "high-level part", 4.5), (low, "low-level part", 3.0)):
            for i in self.cat.numbers.get(str(-part), []):
                if self.cat.entries[i]["family"] == "mbedtls":
                    note = f"{what} of -0x{magnitude:04X} = -0x{high:04X} + -0x{low:04X}"
                    out.append(self._cand(i, NUMBER + bonus, "sum", note, group))
        return out if len({c.note for c in out}) == 2 else []

    def bitmask_candidates(self, digits: str, negative: bool, base: float) -> list[Candidate]:
        if negative:
            return []
        try:
            v = int(digits, 0) if digits[:2] in ("0x", "0X") else int(digits)
        except ValueError:
            return []
        out = []
        for family, bits in self.cat.bitmasks.items():
            if v == 0 or v >= 1 << 24:
                continue
            hits = [i for bit, i in bits if v & bit]
            covered = 0
            for bit, _ in bits:
                if v & bit:
                    covered |= bit
            if not hits or covered != v:
                continue
            for i in hits:
                note = f"bit 0x{self.cat.entries[i]['codes'][0]['value']:X} of flags 0x{v:X}"
                group = f"flags:{family}:0x{v:X}"
                out.append(self._cand(i, base + 1, "flags", note, group))
        return out


def _compiled(pattern: str) -> re.Pattern[str]:
    return _Lazy(pattern, re.I).get()


# ------------------------------------------------------------ choosing


def _merge_same_span(mentions: list[Mention]) -> list[Mention]:
    by_span: dict[tuple[int, int], Mention] = {}
    for m in mentions:
        key = (m.span.start, m.span.end)
        if key in by_span:
            by_span[key].candidates = _sort(by_span[key].candidates + m.candidates)
        else:
            by_span[key] = m
    return sorted(by_span.values(), key=lambda m: (m.span.start, m.span.start - m.span.end))


def _drop_covered(mentions: list[Mention]) -> list[Mention]:
    """Drop a mention inside a longer one unless it says something stronger and new."""
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (m.span.start - m.span.end, m.span.start)):
        inside = [k for k in kept if k.span.start <= m.span.start and m.span.end <= k.span.end]
        if inside:
            outer = inside[0]
            outer_entries = {c.entry for c in outer.candidates}
            if m.best.entry in outer_entries or m.best.score <= outer.best.score:
                continue
            if m.how in ("number", "phrase"):
                continue
        kept.append(m)
    return sorted(kept, key=lambda m: (m.span.start, m.span.start - m.span.end))


def wildcard_between(cat: Catalog, a: int, b: int) -> str | None:
    """The relation of entry ``a`` to entry ``b``: "*alert", "*verify", "same" or None."""
    ea, eb = cat.entries[a], cat.entries[b]
    related = ea.get("related", [])
    if eb["id"] in related or ea["id"] in eb.get("related", []):
        return "same"
    if "*alert" in related and eb["kind"] == "alert":
        return "*alert"
    if "*verify" in related and eb["kind"] in ("verify", "flag"):
        return "*verify"
    return None


def _rerank(cat: Catalog, mentions: list[Mention]) -> None:
    """Prefer, for an ambiguous mention, the reading related to the rest of the paste."""
    for m in mentions:
        if len(m.candidates) < 2:
            continue
        others = {o.best.entry for o in mentions if o is not m}
        changed = False
        for c in m.candidates:
            name = cat.entries[c.entry]["name"]
            if c.entry in others or any(
                (wildcard_between(cat, c.entry, o) or wildcard_between(cat, o, c.entry))
                and cat.entries[o]["name"] != name  # a sister library's copy is no evidence
                for o in others
                if o != c.entry
            ):
                c.score += RELATED_BONUS
                changed = True
        if changed:
            m.candidates = _sort(m.candidates)


def relation_text(a: Head, b: Head, how: str) -> str:
    """One sentence on how two matched entries relate."""
    if how == "*alert":
        verb = {"peer": "was received from the peer", "local": "was sent to the peer"}.get(
            a.side, "ended the connection"
        )
        return f"{a.label} because alert {b.display} ({b.name}) {verb}"
    if how == "*verify":
        return f"{a.label} because certificate verification failed with {b.label}"
    if b.kind == "alert":
        return f"{a.label} is how {a.library} reports alert {b.display} ({b.name})"
    return f"{a.label} and {b.label} describe the same failure"


def _relations(cat: Catalog, mentions: list[Mention]) -> list[Relation]:
    chosen: list[int] = []
    for m in mentions:
        if m.best.entry not in chosen:
            chosen.append(m.best.entry)
    out: list[Relation] = []
    seen: set[frozenset[int]] = set()
    for a in chosen:
        for b in chosen:
            if a == b or frozenset((a, b)) in seen:
                continue
            how = wildcard_between(cat, a, b)
            if how is None:
                continue
            if how == "same" and cat.entries[a]["kind"] == "alert":
                continue  # say it from the library's side
            seen.add(frozenset((a, b)))
            ea, eb = cat.head(a), cat.head(b)
            out.append(
                Relation(
                    ea.id,
                    eb.id,
                    relation_text(ea, eb, how),
                    # Only "X is how a library reports alert Y" keeps the library's
                    # own, more specific, entry in front of the alert.
                    how in ("*alert", "*verify") or eb.kind != "alert",
                )
            )
    return out


def is_bare_code(text: str) -> bool:
    """True when the whole text is one number (decimal, negative or hex)."""
    return _WHOLE_NUMBER.fullmatch(text) is not None


def lookup(text: str, catalog: Catalog | None = None) -> LookupResult:
    """Every catalog entry the text mentions, ranked readings first."""
    cat = catalog if catalog is not None else load()
    finder = _Finder(cat, text)
    bare = is_bare_code(text)
    if bare:
        finder.numbers(bare=True)
    else:
        finder.packed_lines()
        finder.brackets()
        finder.names()
        finder.patterns()
        finder.phrases()
        finder.alert_forms()
        finder.keyed_numbers()
        finder.numbers(bare=False)
    mentions = _drop_covered(_merge_same_span(finder.mentions))
    _rerank(cat, mentions)
    return LookupResult(text, mentions, _relations(cat, mentions), bare, finder.context)
