"""The rendered HTML pages in a real browser: Chromium (or Chrome) driven by
Playwright, once for each renderer's report.html and index.html (the landing
page), the offline renderer's and real Quarto's.

Offline (no request that is not file: or data:), no console errors, every
image decodes and has alt text, every in-page link has a target, no inline
event handler or javascript: URL, axe-core finds no serious or critical
accessibility violation, and a full-page screenshot is kept in
test-artifacts/<page>-<renderer>.png.

Chromium is never downloaded: the browser is $CHROMIUM, else the first of
chromium, chromium-browser, google-chrome, google-chrome-stable on PATH
(tests/browser_path.py; .ci/run installs Debian's chromium when none is found).
The one used is printed at the end of the run. Where it, Playwright or axe-core
(npm ci) is missing the tests skip with a message, except under CI (CI=true),
where that is a failure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser_path import BrowserNotFound, find_browser
from tests.renderers import unavailable

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser

# {executable: version} of the browser the tests launched, for the terminal summary
USED: dict[str, str] = {}


@dataclass
class Page:
    page: object
    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


# What each page must at least have: the report's figures and its table of
# contents, cross-reference and citation links; the landing page has neither.
MINIMA = {"report.html": {"images": 3, "links": 10}, "index.html": {"images": 0, "links": 0}}


@pytest.fixture(scope="module", params=list(MINIMA))
def report_html(request, outputs) -> Path:
    """report.html and the landing page, index.html, from each renderer in turn
    (tests/renderers.py)."""
    return outputs[1][request.param]


@pytest.fixture(scope="module")
def browser():
    try:
        executable = find_browser()
    except BrowserNotFound as exc:
        unavailable("browser not found", str(exc))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package playwright is not installed",
                    "run make env (it installs requirements.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        USED[executable] = b.version  # printed at the end of the run (conftest)
        try:
            yield b
        finally:
            b.close()


def open_offline(browser, html: Path, viewport: dict, ready: str | None = None) -> Page:
    """Open ``html`` with every request other than file: and data: blocked and
    recorded, console errors and page errors collected; ``ready`` is a JavaScript
    condition to wait for after load (a deck's reveal.js)."""
    url = html.resolve().as_uri()
    context = browser.new_context(viewport=viewport, service_workers="block")
    result = Page(page=None, url=url)

    def route(r):
        req_url = r.request.url
        if req_url.startswith(("file:", "data:")):
            r.continue_()
        else:
            result.blocked.append(req_url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("request", lambda req: result.requests.append(req.url))
    pg.on("console", lambda msg: result.console.append(f"console.{msg.type}: {msg.text}")
          if msg.type in ("error", "assert") else None)
    pg.on("pageerror", lambda exc: result.console.append(f"page error: {exc}"))
    pg.on("websocket", lambda ws: result.blocked.append(ws.url))
    pg.goto(url, wait_until="load")
    if ready:
        pg.wait_for_function(ready, timeout=20_000)
    pg.wait_for_load_state("networkidle")
    result.page = pg
    return result


@pytest.fixture(scope="module")
def page(browser, report_html) -> Page:
    result = open_offline(browser, report_html, {"width": 1280, "height": 900})
    yield result
    result.page.context.close()


def test_page_loaded(page):
    assert page.page.title().strip()
    assert page.page.locator("main, body").first.inner_text().strip()


def test_only_file_and_data_requests(page):
    others = [u for u in page.requests + page.blocked if not u.startswith(("file:", "data:"))]
    assert not others, f"the report asked for other resources: {others[:10]}"
    assert page.requests and page.requests[0] == page.url


def test_every_image_decodes_and_has_alt_text(page, report_html):
    images = page.page.eval_on_selector_all(
        "img", """els => els.map(e => ({src: e.currentSrc.slice(0, 60), complete: e.complete,
                                         width: e.naturalWidth, alt: e.getAttribute('alt')}))""")
    assert len(images) >= MINIMA[report_html.name]["images"], "expected the report's figures as <img>"
    broken = [i for i in images if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"images that did not decode: {broken}"
    no_alt = [i["src"] for i in images if not (i["alt"] or "").strip()]
    assert not no_alt, f"images without alt text: {no_alt}"


def test_every_in_page_link_has_a_target(page, report_html):
    links = page.page.eval_on_selector_all(
        'a[href^="#"]', """els => els.map(e => {
            const raw = e.getAttribute('href').slice(1);
            let id = raw; try { id = decodeURIComponent(raw); } catch (err) {}
            const ok = id !== '' && (document.getElementById(id) !== null ||
                                     document.getElementsByName(id).length > 0);
            return {href: e.getAttribute('href'), text: e.textContent.trim().slice(0, 40), ok};
        })""")
    assert len(links) >= MINIMA[report_html.name]["links"], "expected TOC, cross-reference and citation links"
    dangling = [(l["href"], l["text"]) for l in links if not l["ok"]]
    assert not dangling, f"in-page links without a target: {dangling[:10]}"


def test_no_serious_or_critical_accessibility_violations(page):
    if not AXE.exists():
        unavailable(f"axe-core not found at {AXE.relative_to(ROOT)}",
                    "run npm ci in the project folder (make test does this when npm is available)")
    page.page.add_script_tag(path=str(AXE))
    results = page.page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return {version: axe.version, violations: r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))};
    }""")
    assert results["version"]
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "axe-core " + results["version"] + ":\n" + "\n".join(
        f"- {v['impact']}: {v['id']}: {v['help']} at {v['nodes']}" for v in bad)


def test_no_inline_script_in_attributes(page):
    """Nothing that runs script from markup: no on* event-handler attribute and
    no javascript: URL in any attribute, whichever renderer wrote the page."""
    found = page.page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll('*')) {
            for (const a of el.attributes) {
                const v = a.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
                if (a.name.toLowerCase().startsWith('on') || v.startsWith('javascript:'))
                    out.push(`<${el.tagName.toLowerCase()} ${a.name}="${a.value.slice(0, 40)}">`);
            }
        }
        return out;
    }""")
    assert not found, f"script in attributes: {found[:10]}"


def test_full_page_screenshot(page, outputs, report_html):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{report_html.stem}-{outputs[0]}.png"
    png = page.page.screenshot(path=str(shot), full_page=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000


def test_no_console_errors(page):
    """Last, so that it also sees anything the other tests' scripts triggered."""
    assert not page.console, "\n".join(page.console)
