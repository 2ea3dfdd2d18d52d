"""The HTML report in a real browser: Debian's headless Chromium, driven by Playwright.

Chromium is launched by its path (Playwright's own browser download is never
used), with background networking off and a resolver rule that sends every
name nowhere.  Every request the page makes is recorded: only the report file
itself may appear.  The DOM must hold the findings and the SVG ladder;
screenshots are kept under artifacts/html for people to look at.
"""

from __future__ import annotations

import os
import shutil

import pytest

from support import ROOT, missing_peer, run_cli
from tlsdoctor.lab.chains import BY_NAME

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = os.path.join(ROOT, "artifacts", "html")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        missing_peer("Debian's chromium is not installed")
    from playwright import sync_api  # a test dependency (pyproject [test])

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, path: str, shot: str) -> tuple[str, list[str]]:
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"file://{path}")
    page.wait_for_load_state("load")
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, shot), full_page=True)
    html = page.content()
    page.close()
    return html, requests


CASES = ["missing-and-expired", "path-len", "self-signed-leaf"]


@pytest.mark.parametrize("case", CASES)
def test_report_renders_offline(case, browser, tmp_path) -> None:
    built = BY_NAME[case].build()
    paths = built.write(str(tmp_path / "case"))
    html = tmp_path / "report.html"
    r = run_cli(
        [
            "cert",
            paths["served"],
            "--host",
            "localhost",
            "--ca",
            paths["ca"],
            "--format",
            "html",
            "-o",
            str(html),
        ]
    )
    assert r.code == 1, r.err
    dom, requests = _open(browser, str(html), f"{case}.png")
    assert requests == [f"file://{html}"]
    assert f'data-id="{BY_NAME[case].expect_first}"' in dom and "Root cause:" in dom
    for also in BY_NAME[case].also_expect:
        assert f'data-id="{also}"' in dom


def test_ladder_is_drawn_for_a_failed_handshake(browser, tmp_path) -> None:
    from tlsdoctor.lab import servers

    with servers.running("mtls-required") as srv:
        html = tmp_path / "check.html"
        r = run_cli(["check", *servers.check_args(srv), "--format", "html", "-o", str(html)])
        assert r.code == 1
    dom, requests = _open(browser, str(html), "mtls-ladder.png")
    assert requests == [f"file://{html}"]
    assert "<svg" in dom and 'data-name="CertificateRequest"' in dom
    assert 'data-id="mtls.client-cert-required"' in dom
