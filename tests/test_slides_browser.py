"""The slides in a real browser, as a presenter uses them: Chromium or Chrome
(found by tests/browser_path.py; Playwright, the machinery of tests/test_browser.py) at 1280 x 720, once for each
renderer's slides.html.

The deck loads with no request other than file:/data: and no console error; the
keyboard moves through every slide and back; every slide fits the 16:9 viewport
(each element's box inside the slide area, checked on every slide, and shown to
fail on a deliberately overfull slide); every image decodes and has alt text;
axe-core finds no serious or critical violation on any slide; a screenshot of
every slide goes to test-artifacts/slides-<renderer>-NN.png.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.renderers import unavailable
from tests.test_browser import ARTIFACTS, AXE, Page, browser, open_offline  # noqa: F401  (browser: fixture)

ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1280, "height": 720}
TOLERANCE = 1.0  # px: sub-pixel rounding of scaled boxes

pytestmark = [pytest.mark.browser, pytest.mark.render]

# Every element of the current slide whose box leaves the slide area (reveal.js's
# .slides box, the configured 1280 x 720 scaled to the viewport), and the slide
# area itself; speaker notes are hidden and not laid out.
OVERFLOW_JS = """(tol) => {
    const slide = Reveal.getCurrentSlide();
    const area = document.querySelector('.reveal .slides').getBoundingClientRect();
    const view = {w: window.innerWidth, h: window.innerHeight};
    const out = [];
    for (const el of slide.querySelectorAll('*')) {
        if (el.closest('aside.notes')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        const over = Math.max(area.top - r.top, r.bottom - area.bottom,
                              area.left - r.left, r.right - area.right);
        if (over > tol) {
            const text = (el.textContent || el.getAttribute('alt') || '').trim().slice(0, 40);
            out.push(`<${el.tagName.toLowerCase()}> "${text}" ${over.toFixed(0)} px outside`);
        }
    }
    return {id: slide.id, area: [area.left, area.top, area.right, area.bottom], view,
            problems: out.slice(0, 8)};
}"""


def open_deck(browser, html: Path) -> Page:
    return open_offline(browser, html, VIEWPORT, ready="window.Reveal && Reveal.isReady()")


@pytest.fixture(scope="module")
def deck(browser, outputs):  # noqa: F811
    renderer, files = outputs
    result = open_deck(browser, files["slides.html"])
    result.renderer = renderer
    yield result
    result.page.context.close()


@pytest.fixture(scope="module")
def walk(deck):
    """Through the deck with the keyboard, as a presenter: at each slide its id,
    the overflow check, the images and a screenshot; then back with the left arrow."""
    pg = deck.page
    pg.evaluate("Reveal.slide(0)")
    pg.locator(".reveal").click(position={"x": 5, "y": 5})  # focus, as a click would
    total = pg.evaluate("Reveal.getTotalSlides()")
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"slides-{deck.renderer}-*.png"):
        old.unlink()
    seen = []
    for k in range(total + 1):  # one press more than needed: the last slide stays
        pg.wait_for_function("!document.querySelector('.reveal .slides section.present')"
                             "?.classList.contains('transitioning')")
        pg.wait_for_timeout(100)
        state = pg.evaluate(OVERFLOW_JS, TOLERANCE)
        state["images"] = pg.evaluate("""() => [...Reveal.getCurrentSlide().querySelectorAll('img')]
            .map(e => ({complete: e.complete, width: e.naturalWidth, alt: e.getAttribute('alt')}))""")
        state["index"] = pg.evaluate("Reveal.getIndices().h")
        if k < total:
            shot = ARTIFACTS / f"slides-{deck.renderer}-{k + 1:02d}.png"
            pg.screenshot(path=str(shot))
            state["shot"] = shot
        seen.append(state)
        pg.keyboard.press("ArrowRight")
    back = []
    for _ in range(2):
        pg.keyboard.press("ArrowLeft")
        pg.wait_for_timeout(50)
        back.append(pg.evaluate("Reveal.getIndices().h"))
    ids = pg.evaluate("Reveal.getSlides().map(s => s.id)")
    return {"total": total, "ids": ids, "seen": seen, "back": back}


def test_deck_loads_offline(deck):
    others = [u for u in deck.requests + deck.blocked if not u.startswith(("file:", "data:"))]
    assert not others, f"{deck.renderer}: the slides asked for other resources: {others[:10]}"
    assert deck.page.evaluate("Reveal.getConfig().width") == 1280
    assert deck.page.evaluate("Reveal.getConfig().height") == 720


def test_keyboard_moves_through_every_slide(walk, deck):
    seen = walk["seen"]
    assert 10 <= walk["total"] <= 14
    assert [s["index"] for s in seen[:-1]] == list(range(walk["total"])), deck.renderer
    assert [s["id"] for s in seen[:-1]] == walk["ids"], deck.renderer
    assert seen[-1]["index"] == walk["total"] - 1, "the right arrow went past the last slide"
    assert walk["back"] == [walk["total"] - 2, walk["total"] - 3], "the left arrow did not go back"


def test_every_slide_fits_16_9_at_1280_by_720(walk, deck):
    for s in walk["seen"]:
        left, top, right, bottom = s["area"]
        assert right - left <= s["view"]["w"] + TOLERANCE and bottom - top <= s["view"]["h"] + TOLERANCE
        assert (right - left) / (bottom - top) == pytest.approx(16 / 9, rel=0.01)
    overfull = {s["id"]: s["problems"] for s in walk["seen"] if s["problems"]}
    assert not overfull, f"{deck.renderer}: content outside the slide: {overfull}"


def test_every_image_decodes_and_has_alt_text(walk, deck):
    images = [(s["id"], i) for s in walk["seen"][:-1] for i in s["images"]]
    assert len(images) >= 4, f"{deck.renderer}: expected the four figures"
    broken = [sid for sid, i in images if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"{deck.renderer}: images that did not decode on slides {broken}"
    no_alt = [sid for sid, i in images if not (i["alt"] or "").strip()]
    assert not no_alt, f"{deck.renderer}: images without alt text on slides {no_alt}"


def test_screenshot_of_every_slide(walk, deck):
    shots = [s["shot"] for s in walk["seen"] if "shot" in s]
    assert len(shots) == walk["total"]
    for shot in shots:
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000, shot.name


def test_no_serious_or_critical_accessibility_violations(deck):
    """axe-core on every slide in turn (reveal.js hides the others from it)."""
    if not AXE.exists():
        unavailable(f"axe-core not found at {AXE.relative_to(ROOT)}",
                    "run npm ci in the project folder (make test does this when npm is available)")
    pg = deck.page
    pg.add_script_tag(path=str(AXE))
    bad = []
    for k in range(pg.evaluate("Reveal.getTotalSlides()")):
        pg.evaluate(f"Reveal.slide({k})")
        pg.wait_for_timeout(50)
        results = pg.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => `${v.impact}: ${v.id}: ${v.help} at ${v.nodes.slice(0, 3)
                .map(n => n.target.join(' ')).join(', ')}`);
        }""")
        bad += [f"slide {k + 1}: {r}" for r in results]
    assert not bad, f"{deck.renderer}, axe-core:\n" + "\n".join(bad)


def test_no_console_errors(deck, walk):
    """Last, so that it also sees anything navigation or axe triggered."""
    assert not deck.console, "\n".join(deck.console)


# ------------------------------------------- the fit check on a bad deck ----

OVERFULL = """---
title: "Overfull"
format:
  revealjs:
    embed-resources: true
    width: 1280
    height: 720
    margin: 0.04
    auto-stretch: false
---

## A slide that fits

One line.

## A slide that does not fit

{items}
"""


def test_the_fit_check_finds_an_overfull_slide(browser, tmp_path):  # noqa: F811
    """The same check on a deck whose second slide has forty bullet points."""
    from render.pipeline import render
    if not (ROOT / "node_modules" / "reveal.js").is_dir():
        unavailable("reveal.js not found in node_modules", "run npm ci in the project folder")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    items = "\n".join(f"- point number {'x' * (k % 5 + 1)}" for k in range(40))
    (tmp_path / "bad.qmd").write_text(OVERFULL.replace("{items}", items), encoding="utf-8")
    render([tmp_path / "bad.qmd"], root=tmp_path, outdir=tmp_path / "out", quiet=True,
           use_cache=False)
    result = open_deck(browser, tmp_path / "out" / "bad.html")
    try:
        pg = result.page
        states = []
        for k in range(pg.evaluate("Reveal.getTotalSlides()")):
            pg.evaluate(f"Reveal.slide({k})")
            pg.wait_for_timeout(50)
            states.append(pg.evaluate(OVERFLOW_JS, TOLERANCE))
    finally:
        result.page.context.close()
    by_id = {s["id"]: s["problems"] for s in states}
    assert by_id["a-slide-that-fits"] == [] and by_id["title-slide"] == []
    assert by_id["a-slide-that-does-not-fit"], "the overfull slide was not caught"
    assert "point number" in by_id["a-slide-that-does-not-fit"][0]
