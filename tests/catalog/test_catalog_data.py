"""The catalog data: the index is fresh, consistent, fast to load and covered.

- ``index.json`` equals what ``build.py`` makes from ``data/*.toml`` now;
- every finding id fits the report schema, every entry cites a source;
- coverage, counted per family: our own meaning, causes and next step for
  every TLS alert, every OpenSSL X509_V_ERR code and the Apple errSSL /
  NSURLError codes of the TLS range;
- ``tlsdoctor explain`` loads neither ``cryptography`` nor the rules.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tlsdoctor.catalog import build
from tlsdoctor.catalog.index import INDEX_PATH, Catalog, load

ID = re.compile(r"^[a-z0-9]+(\.[a-z0-9-]+)+$")


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load()


def test_index_is_fresh() -> None:
    stale = build.stale_files(build.build_files(), INDEX_PATH.parent)
    assert not stale, f"stale {stale}: run python -m tlsdoctor.catalog.build"


def test_heads_agree_with_entries() -> None:
    """The index-only view of an entry says what the full entry says, without
    reading the prose files."""
    cat = Catalog(json.loads(INDEX_PATH.read_bytes()))
    heads = [cat.head(i) for i in range(len(cat.entries))]
    assert not cat._texts
    for h in heads:
        e = cat.entry(h.index)
        assert (h.id, h.family, h.library, h.name, h.kind, h.side) == (
            e.id,
            e.family,
            e.library,
            e.name,
            e.kind,
            e.side,
        )
        assert (h.display, h.label, h.described, h.context_only) == (
            e.display,
            e.label,
            e.described,
            e.context_only,
        ), e.id
    assert cat.head_by_id(heads[0].id) is heads[0] and cat.head_by_id("no.such") is None


def test_explain_reads_prose_only_for_what_it_reports() -> None:
    from tlsdoctor.catalog.explain import report_from
    from tlsdoctor.catalog.lookup import lookup

    cat = Catalog(json.loads(INDEX_PATH.read_bytes()))
    report = report_from(lookup("SSL routines::certificate verify failed", cat), cat)
    assert set(cat._texts) == {f.id.split(".")[1] for f in report.findings}


def test_entries_are_well_formed(cat: Catalog) -> None:
    seen: set[str] = set()
    for i in range(len(cat.entries)):
        e = {**cat.entries[i], **cat.text(i)}
        assert ID.match(e["id"]), e["id"]
        assert e["id"] not in seen, e["id"]
        seen.add(e["id"])
        assert e["sources"], e["id"]
        assert e["family"] in cat.families
        described = [k for k in ("meaning", "causes", "next") if e.get(k)]
        assert len(described) in (0, 3), e["id"]
        for rid in e.get("related", []):
            assert rid.startswith("*") or rid in cat.ids, (e["id"], rid)


def test_every_pattern_compiles_and_holds_its_needle(cat: Catalog) -> None:
    for needle, pattern, is_regex, i in cat.patterns:
        if is_regex:
            rx = re.compile(pattern, re.I)
            if needle is not None:
                assert needle in pattern.lower(), (pattern, needle)
            assert rx.pattern
        else:
            assert needle == pattern.lower()
        assert 0 <= i < len(cat.entries)


def test_needle_extraction() -> None:
    assert build.needle(r"certificate is valid for [^\n]{1,400}, not ") == (
        "certificate is valid for"
    )
    assert build.needle("foo|bar") is None
    assert build.needle(r"hostnames? mismatch") == "mismatch"


def test_families_each_cite_sources(cat: Catalog) -> None:
    for fid, fam in cat.families.items():
        assert fam["sources"], fid
        assert fam["title"], fid


def _described(e: dict) -> bool:  # type: ignore[type-arg]
    return bool(e.get("meaning") and e.get("causes") and e.get("next"))


def _coverage(entries: list[dict]) -> tuple[int, int]:  # type: ignore[type-arg]
    cat = load()
    done = sum(1 for e in entries if _described({**e, **cat.text(cat.ids[e["id"]])}))
    return done, len(entries)


def test_every_tls_alert_is_described(cat: Catalog) -> None:
    alerts = [e for e in cat.entries if e["family"] == "alert"]
    done, total = _coverage(alerts)
    print(f"\ncoverage alert: {done}/{total} described")
    assert total >= 35
    assert done == total


def test_every_x509_v_err_is_described(cat: Catalog) -> None:
    verify = [e for e in cat.entries if e["family"] == "openssl-verify"]
    done, total = _coverage(verify)
    print(f"\ncoverage openssl-verify: {done}/{total} described")
    assert total >= 95
    assert done == total


def test_apple_tls_range_is_described(cat: Catalog) -> None:
    apple = [
        e
        for e in cat.entries
        if e["family"] == "apple"
        and (
            e["name"].startswith("errSSL")
            or any(-1206 <= c["value"] <= -1200 or c["value"] == -1022 for c in e.get("codes", []))
        )
    ]
    done, total = _coverage(apple)
    print(f"\ncoverage apple errSSL/NSURLError TLS range: {done}/{total} described")
    assert total >= 80
    assert done == total


def test_described_counts_per_family(cat: Catalog) -> None:
    lines = []
    for fid in cat.families:
        entries = [e for e in cat.entries if e["family"] == fid]
        done, total = _coverage(entries)
        lines.append(f"{fid}: {total} entries, {done} described")
        assert done > 0, fid
    print("\n" + "\n".join(lines))


def test_explain_does_not_import_cryptography_or_rules() -> None:
    code = (
        "import sys\n"
        "from tlsdoctor.cli import main\n"
        "try:\n"
        "    main(['explain', '--format', 'json', '--', '-9802'])\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'cryptography'\n"
        "             or m.startswith('tlsdoctor.rules'))\n"
        "print('\\nMODULES', bad, code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    last = proc.stdout.strip().splitlines()[-1]
    assert last == "MODULES [] 0", proc.stdout[-2000:] + proc.stderr[-2000:]


def test_cli_exit_codes() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tlsdoctor", "explain", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    ok = run("--", "-313")
    assert ok.returncode == 0, ok.stderr
    assert "FATAL_ERROR" in ok.stdout
    none = run("nothing", "to", "see")
    assert none.returncode == 4
    assert "Traceback" not in none.stderr and "searched:" in none.stderr
    js = run("--format", "json", "--", "-9802")
    assert js.returncode == 0
    doc = json.loads(js.stdout)
    assert doc["findings"][0]["id"] == "explain.apple.err-ssl-fatal-alert"
    stdin = subprocess.run(
        [sys.executable, "-m", "tlsdoctor", "explain", "-"],
        input="mbedtls_ssl_handshake returned -0x7780\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert stdin.returncode == 0 and "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE" in stdin.stdout
