"""Markdown output parses as Markdown: headings, tables and code blocks where they belong."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from support import run_cli
from tlsdoctor.lab.chains import BY_NAME


@pytest.fixture(scope="module")
def md(tmp_path_factory) -> str:
    built = BY_NAME["path-len"].build()
    paths = built.write(str(tmp_path_factory.mktemp("md")))
    r = run_cli(
        [
            "cert",
            paths["served"],
            "--host",
            "localhost",
            "--ca",
            paths["ca"],
            "--format",
            "markdown",
        ]
    )
    assert r.code == 1
    return r.out


def _tokens(text: str):
    return MarkdownIt("commonmark").enable("table").parse(text)


def test_headings(md) -> None:
    toks = _tokens(md)
    heads = [toks[i + 1].content for i, t in enumerate(toks) if t.type == "heading_open"]
    assert heads[0].startswith("TLS diagnosis")
    assert any(h.startswith("Root cause: Intermediate 'Dev Int A'") for h in heads)


def test_code_blocks_hold_the_fix_snippets(md) -> None:
    fences = [t for t in _tokens(md) if t.type == "fence"]
    assert any("openssl x509 -req" in f.content for f in fences)


def test_tables(md) -> None:
    toks = _tokens(md)
    assert any(t.type == "table_open" for t in toks)
    cells = [t.content for t in toks if t.type == "inline"]
    assert "tlsdoctor" in cells  # the tool-version table


def test_names_replaced_unless_kept(tmp_path) -> None:
    from tlsdoctor.lab.pki import ca

    root = ca("R")
    leaf = root.intermediate("I").leaf("api.internal.corp", "10.20.30.40")
    (tmp_path / "c.pem").write_bytes(leaf.chain_pem())
    (tmp_path / "r.pem").write_bytes(root.cert_pem())
    args = [
        "cert",
        str(tmp_path / "c.pem"),
        "--host",
        "db.internal.corp",
        "--ca",
        str(tmp_path / "r.pem"),
        "--format",
        "markdown",
    ]
    r = run_cli(args)
    assert "api.internal.corp" not in r.out and "10.20.30.40" not in r.out
    assert "host1.example" in r.out or "host2.example" in r.out
    r = run_cli([*args, "--keep-names"])
    assert "api.internal.corp" in r.out and "10.20.30.40" in r.out
