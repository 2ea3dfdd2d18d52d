"""Compile the catalog's data files (``data/*.toml``) into ``index.json``.

Run ``python -m tlsdoctor.catalog.build`` after editing a data file; a test
rebuilds the index in memory and fails when a checked-in file is stale
(``python -m tlsdoctor.catalog.build --check`` does the same).  The output is
``index.json`` (lookup tables and lean entries, read on every lookup) and
``text/<family>.json`` (the prose, read only for the families a lookup hit).

A data file describes one family of codes.  ``[family]`` names the library
and the words that point at it in a pasted text; ``[[table]]`` blocks list
code names and numbers exactly as a header defines them (with the header's
``repo@tag:path``); ``[[entry]]`` blocks add what a code means in our words,
its likely causes and the next step, its relations to other codes, and the
text patterns that recognise it.  Besides the TOML files, the mbedTLS family
reads ``wire/data/mbedtls-codes-by-version.csv`` (SSL and X.509 codes of
v2.28.9, v3.6.6 and v4.1.0), so codes whose meaning changed between versions
carry every version's name.

The build checks what a reviewer cannot: every cross-reference resolves, every
pattern compiles, every detailed entry has meaning, causes and next steps,
finding ids are unique and fit the report schema.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
MBEDTLS_CSV = HERE.parent / "wire" / "data" / "mbedtls-codes-by-version.csv"
MBEDTLS_CSV_SOURCE = "Mbed-TLS/mbedtls@{tag}:include/mbedtls/{header}"

FORMAT = 1
KINDS = frozenset({"alert", "reason", "verify", "error", "flag", "exit", "hresult", "message"})
SIDES = frozenset({"local", "peer", "either"})
ID_PATTERN = re.compile(r"^[a-z0-9]+(\.[a-z0-9-]+)+$")
WILDCARDS = frozenset({"*alert", "*verify"})
TEXT_KEYS = ("meaning", "causes", "next", "refs", "sources", "versions", "library")
"""Entry fields kept out of the core index: they are read only for the entries
a lookup matched, from one small file per family (``text/<family>.json``)."""
"""``related`` may name a whole kind: "this code means an alert / a failed
certificate check happened", tied in a paste to the specific one found."""


class CatalogDataError(ValueError):
    """A data file is inconsistent; the message names the file and the entry."""


# ------------------------------------------------------------------ helpers


def slug(name: str) -> str:
    """Finding-id form of a code name: ``errSSLFatalAlert`` -> ``err-ssl-fatal-alert``."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name)
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "-", s)
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()
    return re.sub(r"-{2,}", "-", s) or "code"


def parse_code(value: Any, where: str) -> tuple[int, str]:
    """A code as written in a data file -> (number, how the library writes it)."""
    if isinstance(value, bool):
        raise CatalogDataError(f"{where}: code must be a number, not {value!r}")
    if isinstance(value, int):
        return value, str(value)
    if isinstance(value, str):
        try:
            return int(value, 0), value
        except ValueError:
            raise CatalogDataError(f"{where}: cannot read code {value!r}") from None
    raise CatalogDataError(f"{where}: code must be a number or a string, not {value!r}")


def name_words(name: str, prefixes: Iterable[str]) -> str:
    """Words of a code name without its prefix: ``SSL_R_BAD_RECORD_MAC`` -> ``bad record mac``."""
    for p in sorted(prefixes, key=len, reverse=True):
        if name.startswith(p):
            name = name[len(p) :]
            break
    return " ".join(w for w in name.lower().split("_") if w)


def symbolic(name: str) -> bool:
    """True when a name looks like a program symbol, so finding it in free text
    means the code (``SSL_R_X``, ``errSSLFatalAlert``, ``ECONNRESET``), not a word."""
    return (
        "_" in name
        or "." in name.strip(".")
        or re.search(r"[a-z][A-Z]", name) is not None
        or (re.fullmatch(r"[A-Z]{2,}[a-z]\w+", name) is not None)
        or (name.isupper() and len(name) >= 6 and name.isalnum())
    ) and " " not in name


def needle(pattern: str) -> str | None:
    """A lowercase literal every text matching ``pattern`` must contain.

    Only literal runs outside groups, not followed by a quantifier, count; a
    top-level alternation has none.  ``lookup`` compiles a pattern only when
    its needle is in the text, which keeps start-up fast.
    """
    depth = 0
    runs: list[str] = []
    cur = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":  # an escape breaks the literal run
            runs.append(cur)
            cur = ""
            i += 2
            continue
        if c == "[":  # a character class: skip it
            runs.append(cur)
            cur = ""
            close = pattern.find("]", i + 2)
            i = close + 1 if close > 0 else len(pattern)
            continue
        if c == "|" and depth == 0:
            return None
        if c in "?*{":  # the last character is optional
            cur = cur[:-1]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c in "()?*{}+|.^$":
            runs.append(cur)
            cur = ""
        elif depth == 0:
            cur += c
        i += 1
    runs.append(cur)
    best = max(runs, key=len, default="")
    best = best.lower().strip()
    return best if len(best) >= 4 else None


# -------------------------------------------------------------------- build


def _read_families(data_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(data_dir.glob("*.toml")):
        with path.open("rb") as fh:
            try:
                out.append((path.name, tomllib.load(fh)))
            except tomllib.TOMLDecodeError as e:
                raise CatalogDataError(f"{path.name}: {e}") from None
    return out


def _mbedtls_csv_tables(csv_path: Path) -> list[dict[str, Any]]:
    """The shared mbedTLS SSL/X.509 code list as tables, one per tag and header."""
    if not csv_path.exists():
        return []
    tables: dict[tuple[str, str], dict[str, Any]] = {}
    with csv_path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            tag = row["tag"]
            header = "x509.h" if row["name"].startswith("MBEDTLS_ERR_X509_") else "ssl.h"
            version = ".".join(tag.lstrip("v").split(".")[:2])
            t = tables.setdefault(
                (tag, header),
                {
                    "source": MBEDTLS_CSV_SOURCE.format(tag=tag, header=header),
                    "versions": [version],
                    "kind": "error",
                    "codes": {},
                },
            )
            t["codes"][row["name"]] = row["hex"]
    return list(tables.values())


class _Builder:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.families: dict[str, dict[str, Any]] = {}
        self.libs: dict[str, dict[str, str]] = {}
        self.by_name: dict[tuple[str, str], dict[str, Any]] = {}

    # entries -------------------------------------------------------------

    def _new_entry(self, family: str, name: str, kind: str, where: str) -> dict[str, Any]:
        if kind not in KINDS:
            raise CatalogDataError(f"{where}: unknown kind {kind!r}")
        e: dict[str, Any] = {
            "family": family,
            "name": name,
            "aliases": [],
            "kind": kind,
            "codes": [],
            "versions": [],
            "sources": [],
            "related": [],
            "match": [],
        }
        self.entries.append(e)
        self.by_name[(family, name)] = e
        return e

    @staticmethod
    def _add_code(
        e: dict[str, Any], value: int, display: str, versions: list[str], source: str | None
    ) -> None:
        for c in e["codes"]:
            if c["value"] == value:
                c["versions"] = sorted(set(c["versions"]) | set(versions), key=_version_key)
                break
        else:
            e["codes"].append({"value": value, "display": display, "versions": list(versions)})
        e["versions"] = sorted(set(e["versions"]) | set(versions), key=_version_key)
        if source and source not in e["sources"]:
            e["sources"].append(source)

    def table(self, family: str, fname: str, t: dict[str, Any], canonical: set[str]) -> None:
        where = f"{fname}: table {t.get('source', '?')}"
        kind = t.get("kind", "error")
        source = t.get("source")
        if not source:
            raise CatalogDataError(f"{where}: a table needs a source (repo@tag:path)")
        versions = list(t.get("versions", []))
        codes = t.get("codes", {})
        if kind == "lib":
            libs = self.libs.setdefault(family, {})
            for name, value in codes.items():
                num, _ = parse_code(value, f"{where}: {name}")
                libs[str(num)] = name.removeprefix("ERR_LIB_")
            return
        # names sharing one value in one table are aliases of one code
        by_value: dict[int, list[tuple[str, str]]] = {}
        for name, value in codes.items():
            num, display = parse_code(value, f"{where}: {name}")
            by_value.setdefault(num, []).append((name, display))
        for num, names in by_value.items():
            names.sort(key=lambda nd: (nd[0] not in canonical, len(nd[0]), nd[0]))
            name, display = names[0]
            e = self.by_name.get((family, name))
            if e is None:
                for alias, _ in names[1:]:
                    e = self.by_name.get((family, alias))
                    if e is not None:
                        break
            if e is None:
                e = self._new_entry(family, name, kind, where)
            if "lib" in t:
                e["lib"] = int(t["lib"])
            self._add_code(e, num, display, versions, source)
            for alias, _ in names:
                if alias != e["name"] and alias not in e["aliases"]:
                    e["aliases"].append(alias)
                    self.by_name[(family, alias)] = e
            if t.get("side") and "side" not in e:
                e["side"] = t["side"]

    def entry(self, family: str, fname: str, d: dict[str, Any]) -> None:
        name = d.get("name")
        if not name:
            raise CatalogDataError(f"{fname}: an [[entry]] needs a name")
        where = f"{fname}: {name}"
        e = self.by_name.get((family, name))
        if e is None:
            e = self._new_entry(family, name, d.get("kind", "error"), where)
        elif "kind" in d:
            if d["kind"] not in KINDS:
                raise CatalogDataError(f"{where}: unknown kind {d['kind']!r}")
            e["kind"] = d["kind"]
        versions = [str(v) for v in d.get("versions", [])]
        source = d.get("source")
        raw_codes = list(d.get("codes", []))
        if "code" in d:
            raw_codes.insert(0, d["code"])
        for raw in raw_codes:
            num, display = parse_code(raw, where)
            self._add_code(e, num, display, versions, source)
        if not raw_codes:
            if versions:
                e["versions"] = sorted(set(e["versions"]) | set(versions), key=_version_key)
            if source and source not in e["sources"]:
                e["sources"].append(source)
        for alias in d.get("aliases", []):
            if alias not in e["aliases"]:
                e["aliases"].append(alias)
            self.by_name[(family, alias)] = e
        for key in ("meaning", "side", "see", "lib", "context", "alert"):
            if key in d:
                e[key] = d[key]
        if "side" in d:
            e["side_given"] = d["side"]
        for key in ("causes", "next", "refs"):
            if key in d:
                e[key] = list(d[key])
        e["related"] += [r for r in d.get("related", []) if r not in e["related"]]
        e["match"] += list(d.get("match", []))
        if d.get("exclusive"):
            e["exclusive"] = True

    # whole build ----------------------------------------------------------

    def family(self, fname: str, data: dict[str, Any]) -> None:
        fam = data.get("family")
        if not isinstance(fam, dict) or "id" not in fam:
            raise CatalogDataError(f"{fname}: needs a [family] table with an id")
        fid = fam["id"]
        if fid in self.families:
            raise CatalogDataError(f"{fname}: family {fid!r} defined twice")
        for key in ("library", "title"):
            if key not in fam:
                raise CatalogDataError(f"{fname}: [family] needs {key}")
        self.families[fid] = {
            "library": fam["library"],
            "title": fam["title"],
            "context": [c.lower() for c in fam.get("context", [])],
            "prefixes": list(fam.get("prefixes", [])),
            "phrases": bool(fam.get("phrases", False)),
            "inherit": list(fam.get("inherit", [])),
            "prior": int(fam.get("prior", 1)),
            "sources": [],
            "file": fname,
        }
        canonical = {d["name"] for d in data.get("entry", []) if "name" in d}
        tables = list(data.get("table", []))
        if fid == "mbedtls":
            tables += _mbedtls_csv_tables(MBEDTLS_CSV)
        for t in tables:
            self.table(fid, fname, t, canonical)
        for d in data.get("entry", []):
            self.entry(fid, fname, d)

    def finish(self) -> dict[str, Any]:
        # ids, sides, inherited prose
        ids: dict[str, dict[str, Any]] = {}
        for e in self.entries:
            fam = self.families[e["family"]]
            e["library"] = fam["library"]
            e["id"] = f"explain.{e['family']}.{slug(e['name'])}"
            if e["id"] in ids and ids[e["id"]] is not e:
                e["id"] += f"-{len(ids)}"
            ids[e["id"]] = e
            e.setdefault("side", "local")
            if e["side"] not in SIDES:
                raise CatalogDataError(f"{fam['file']}: {e['name']}: unknown side {e['side']!r}")
            if not e["sources"]:
                raise CatalogDataError(f"{fam['file']}: {e['name']}: no source (repo@tag:path)")
            if not e["codes"] and not e["match"] and not symbolic(e["name"]):
                raise CatalogDataError(f"{fam['file']}: {e['name']}: neither a code nor a pattern")
            if not ID_PATTERN.match(e["id"]):
                raise CatalogDataError(f"{fam['file']}: {e['name']}: bad finding id {e['id']}")
            fam["sources"] += [s for s in e["sources"] if s not in fam["sources"]]
        for e in self.entries:
            if "see" in e:
                target = self._resolve(e["see"], e)
                self._inherit(e, target)
                del e["see"]
        self._auto_relations()
        for e in self.entries:
            for other in self.families[e["family"]]["inherit"]:
                sister = self.by_name.get((other, e["name"]))
                if sister is not None and "meaning" not in e and "meaning" in sister:
                    self._inherit(e, sister)
        for e in self.entries:
            has = [k for k in ("meaning", "causes", "next") if e.get(k)]
            if has and len(has) != 3:
                fam = self.families[e["family"]]
                raise CatalogDataError(
                    f"{fam['file']}: {e['name']}: a described entry needs meaning, causes "
                    f"and next (has only {', '.join(has)})"
                )
        for e in self.entries:
            resolved = []
            for r in e["related"]:
                rid = r if r in WILDCARDS else self._resolve(r, e)["id"]
                if rid not in resolved and rid != e["id"]:
                    resolved.append(rid)
            e["related"] = resolved
        for e in self.entries:  # specific relations hold both ways
            for rid in e["related"]:
                if rid in ids and e["id"] not in ids[rid]["related"]:
                    ids[rid]["related"].append(e["id"])
        return self._index()

    @staticmethod
    def _inherit(e: dict[str, Any], target: dict[str, Any]) -> None:
        """Take over another entry's notes (same code in a sister library)."""
        for key in ("meaning", "causes", "next"):
            if key not in e and key in target:
                e[key] = target[key]
        if target["id"] not in e["related"]:
            e["related"].append(target["id"])

    def _resolve(self, ref: str, e: dict[str, Any]) -> dict[str, Any]:
        fam_file = self.families[e["family"]]["file"]
        for cand in self.entries:
            if cand.get("id") == ref:
                return cand
        family, sep, rest = ref.partition(":")
        if not sep:
            raise CatalogDataError(f"{fam_file}: {e['name']}: bad reference {ref!r}")
        if (family, rest) in self.by_name:
            return self.by_name[(family, rest)]
        try:
            num = int(rest, 0)
        except ValueError:
            num = None
        if num is not None:
            for cand in self.entries:
                if cand["family"] == family and any(c["value"] == num for c in cand["codes"]):
                    return cand
        raise CatalogDataError(f"{fam_file}: {e['name']}: reference {ref!r} resolves to nothing")

    def _auto_relations(self) -> None:
        """Codes that mean "alert N received": OpenSSL/BoringSSL SSL reason
        1000 + N, and entries that name their alert (``alert = "..."``)."""
        alerts_by_code = {
            c["value"]: a for a in self.entries if a["family"] == "alert" for c in a["codes"]
        }
        alerts_by_name = {a["name"]: a for a in self.entries if a["family"] == "alert"}
        for e in self.entries:
            alert = None
            if "alert" in e:
                alert = alerts_by_name.get(e["alert"])
                if alert is None:
                    fam = self.families[e["family"]]
                    raise CatalogDataError(f"{fam['file']}: {e['name']}: no alert {e['alert']!r}")
                del e["alert"]
                e["side"] = e.get("side_given") or "peer"
            elif e["family"] in ("openssl", "boringssl") and e["kind"] == "reason":
                for c in e["codes"]:
                    if c["value"] >= 1000 and c["value"] - 1000 in alerts_by_code:
                        alert = alerts_by_code[c["value"] - 1000]
                        e["side"] = "peer"
            e.pop("side_given", None)
            if alert is None:
                continue
            if f"alert:{alert['name']}" not in e["related"]:
                e["related"].append(f"alert:{alert['name']}")
            if "meaning" not in e and "meaning" in alert:
                number = alert["codes"][0]["value"]
                first = alert["meaning"][0].lower() + alert["meaning"][1:]
                who = "The peer sent" if e["side"] == "peer" else "This side sends"
                e["meaning"] = f"{who} alert {number} ({alert['name']}): {first}"
                e["causes"] = alert["causes"]
                e["next"] = alert["next"]

    def _index(self) -> dict[str, Any]:
        names: dict[str, list[int]] = {}
        numbers: dict[str, list[int]] = {}
        phrases: dict[str, list[int]] = {}
        patterns: list[list[Any]] = []
        reasons: dict[str, dict[str, dict[str, int]]] = {}
        bitmasks: dict[str, list[list[int]]] = {}

        def add(d: dict[str, list[int]], key: str, i: int) -> None:
            lst = d.setdefault(key, [])
            if i not in lst:
                lst.append(i)

        for i, e in enumerate(self.entries):
            fam = self.families[e["family"]]
            for n in [e["name"], *e["aliases"]]:
                if not symbolic(n):
                    continue
                add(names, n.lower(), i)
                short = name_words(n, fam["prefixes"]).replace(" ", "_")
                if short != n.lower() and "_" in short:
                    add(names, short, i)
                if fam["phrases"] and e["kind"] in ("reason", "verify", "alert"):
                    words = name_words(n, fam["prefixes"])
                    if " " in words:
                        add(phrases, words, i)
            for c in e["codes"]:
                if e["kind"] == "flag":
                    bitmasks.setdefault(e["family"], []).append([c["value"], i])
                    continue
                if e["kind"] == "reason" and "lib" in e:
                    lib = reasons.setdefault(e["family"], {}).setdefault(str(e["lib"]), {})
                    lib[str(c["value"])] = i
                add(numbers, str(c["value"]), i)
                if e["kind"] == "hresult" and c["value"] >= 1 << 31:
                    add(numbers, str(c["value"] - (1 << 32)), i)
            for p in e["match"]:
                if p.startswith("re:"):
                    rx = p[3:]
                    try:
                        re.compile(rx, re.I)
                    except re.error as err:
                        raise CatalogDataError(
                            f"{fam['file']}: {e['name']}: bad pattern {rx!r}: {err}"
                        ) from None
                    patterns.append([needle(rx), rx, 1, i])
                else:
                    if len(p) < 4:
                        raise CatalogDataError(f"{fam['file']}: {e['name']}: pattern too short")
                    patterns.append([p.lower(), p, 0, i])
            del e["match"]
        out_entries = []
        texts: dict[str, dict[str, dict[str, Any]]] = {}
        for i, e in enumerate(self.entries):
            core = {k: v for k, v in e.items() if k not in TEXT_KEYS and v not in ([], None)}
            if e.get("meaning"):
                core["described"] = True
            out_entries.append(core)
            text = {k: e[k] for k in TEXT_KEYS if e.get(k)}
            texts.setdefault(e["family"], {})[str(i)] = text
        families = {
            fid: {k: v for k, v in f.items() if k not in ("file", "inherit", "prefixes")}
            for fid, f in self.families.items()
        }
        for f in families.values():
            f["sources"].sort()
        return {
            "format": FORMAT,
            "families": families,
            "libs": self.libs,
            "entries": out_entries,
            "names": dict(sorted(names.items())),
            "numbers": dict(sorted(numbers.items(), key=lambda kv: int(kv[0]))),
            "phrases": dict(sorted(phrases.items())),
            "patterns": patterns,
            "reasons": reasons,
            "bitmasks": {k: sorted(v) for k, v in sorted(bitmasks.items())},
            "max_phrase_words": max((k.count(" ") + 1 for k in phrases), default=1),
            "texts": texts,
        }


def _version_key(v: str) -> tuple[Any, ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-]", v))


def build_index(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """The index as a dict, built from the data files."""
    b = _Builder()
    for fname, data in _read_families(data_dir):
        b.family(fname, data)
    return b.finish()


def _one(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def dumps(index: dict[str, Any]) -> str:
    """Canonical text of a JSON object: one item per line, so diffs stay readable."""
    parts = ["{"]
    keys = list(index)
    for n, key in enumerate(keys):
        value = index[key]
        comma = "," if n < len(keys) - 1 else ""
        if isinstance(value, list) and value:
            parts.append(f"{_one(key)}:[")
            parts.append(",\n".join(_one(v) for v in value))
            parts.append(f"]{comma}")
        elif isinstance(value, dict) and value:
            parts.append(f"{_one(key)}:{{")
            parts.append(",\n".join(f"{_one(k)}:{_one(v)}" for k, v in value.items()))
            parts.append(f"}}{comma}")
        else:
            parts.append(f"{_one(key)}:{_one(value)}{comma}")
    parts.append("}")
    return "\n".join(parts) + "\n"


def build_files(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Every file of the compiled catalog, by path relative to the package:
    ``index.json`` (the lookup tables and lean entries) and one
    ``text/<family>.json`` per family (meanings, causes, next steps, sources)."""
    index = build_index(data_dir)
    texts = index.pop("texts")
    files = {"index.json": dumps(index)}
    for family, entries in sorted(texts.items()):
        files[f"text/{family}.json"] = dumps(entries)
    return files


def stale_files(files: dict[str, str], root: Path = HERE) -> list[str]:
    """Files that differ from ``files`` on disk (or should not be there)."""
    out = [
        p
        for p, text in files.items()
        if not (root / p).exists() or (root / p).read_text(encoding="utf-8") != text
    ]
    out += [
        f"text/{p.name}"
        for p in sorted((root / "text").glob("*.json"))
        if f"text/{p.name}" not in files
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        files = build_files()
    except CatalogDataError as e:
        print(f"catalog: {e}", file=sys.stderr)
        return 2
    stale = stale_files(files)
    if "--check" in args:
        if stale:
            print(f"catalog: stale {', '.join(stale)}: run python -m tlsdoctor.catalog.build")
            return 1
        return 0
    (HERE / "text").mkdir(exist_ok=True)
    for extra in (HERE / "text").glob("*.json"):
        if f"text/{extra.name}" not in files:
            extra.unlink()
    for path, text in files.items():
        (HERE / path).write_text(text, encoding="utf-8")
    count = len(json.loads(files["index.json"])["entries"])
    print(f"catalog: wrote index.json and {len(files) - 1} text files: {count} entries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
