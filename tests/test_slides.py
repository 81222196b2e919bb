"""The journal-club slides (slides.qmd, Quarto's revealjs format) as rendered by
both renderers: the numbers on the slides and in the speaker notes are the
report's, the key facts are the ones recomputed independently below, the
verdict labels are the report's, every slide has speaker notes, the deck is one
self-contained file, and both renderers give the same slides.

The browser checks (navigation, fit at 1280 x 720, alt text, axe-core,
screenshots) are in tests/test_slides_browser.py."""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis import claims
from analysis import data as D
from analysis.results import compute
from render import qmd
from tests.prose import typed_numbers
from tests.readable import html_page, normalise, numbers
from tests.test_handout import independent_numbers

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.render, pytest.mark.quarto]


class _Deck(HTMLParser):
    """The text of each slide (<section>) of a reveal.js deck, and of its speaker
    notes (<aside class="notes">), as a reader and a presenter see them."""

    SKIP = {"script", "style", "template", "noscript"}
    VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "col", "area", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.slides: list[dict] = []
        self.stack: list[tuple[str, set]] = []
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and self.slides:
            self.images.append({"slide": self.slides[-1]["id"], "alt": a.get("alt") or ""})
        if tag in self.VOID:
            return
        cls = set((a.get("class") or "").split())
        if tag == "section":
            self.slides.append({"id": a.get("id", ""), "classes": cls, "title": "", "text": [],
                                "notes": []})
        self.stack.append((tag, cls))

    def handle_endtag(self, tag):
        if tag in self.VOID or all(t != tag for t, _ in self.stack):
            return
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        tags = [t for t, _ in self.stack]
        if not self.slides or "section" not in tags or self.SKIP & set(tags):
            return
        slide = self.slides[-1]
        in_notes = any(t == "aside" and "notes" in c for t, c in self.stack)
        (slide["notes"] if in_notes else slide["text"]).append(data)
        if tags[-1] in ("h1", "h2"):
            slide["title"] += data


def deck(path: Path) -> dict:
    parser = _Deck()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    slides = [{**s, "title": normalise(s["title"]), "text": normalise(" ".join(s["text"])),
               "notes": normalise(" ".join(s["notes"]))} for s in parser.slides]
    return {"slides": slides, "images": parser.images}


def numbers_not_in(slide_text: str, report_text: str) -> list[str]:
    """Numbers printed on the slides that the report never prints."""
    have = Counter(numbers(report_text))
    return [n for n in numbers(slide_text) if n not in have]


@pytest.fixture(scope="module")
def decks(outputs):
    name, files = outputs
    assert "slides.html" in files, f"{name} did not write slides.html"
    return name, deck(files["slides.html"]), files


@pytest.fixture(scope="module")
def results():
    return compute(D.load())


# --------------------------------------------------------------- the source ----

def test_no_number_is_typed_into_the_slides():
    """Digits on the slides and in the notes come from inline code (years naming a
    study, the interval level and the tool name "RoB 2" allowed)."""
    offenders = typed_numbers(ROOT / "slides.qmd", allowed=("95%", "RoB 2"))
    assert not offenders, offenders


def test_the_typed_number_check_can_fail(tmp_path):
    bad = tmp_path / "bad.qmd"
    bad.write_text("---\ntitle: x\n---\n\n## A slide\n\nPain fell by 28.8% on LDN.\n\n"
                   "::: {.notes}\nSay `{python} 1 + 1` and 12 weeks.\n:::\n", encoding="utf-8")
    found = typed_numbers(bad)
    assert len(found) == 2 and "28.8%" in found[0] and "12 weeks" in found[1]


def test_slides_are_revealjs_only_and_sized_16_9():
    doc = qmd.parse(ROOT / "slides.qmd")
    opts = doc.meta["format"]["revealjs"]
    assert list(doc.meta["format"]) == ["revealjs"]
    assert (opts["width"], opts["height"]) == (1280, 720)
    assert opts["embed-resources"] is True and opts["auto-stretch"] is False


# --------------------------------------------------------------- the output ----

def test_about_twelve_slides_each_with_speaker_notes(decks):
    name, d, _ = decks
    slides = [s for s in d["slides"] if s["id"] != "title-slide"]
    assert d["slides"][0]["id"] == "title-slide", name
    assert 10 <= len(d["slides"]) <= 14, f"{name}: {len(d['slides'])} slides"
    silent = [s["title"] for s in slides if len(re.findall(r"[.?!](\s|$)", s["notes"])) < 2]
    assert not silent, f"{name}: slides with fewer than two sentences of notes: {silent}"
    leaked = [s["title"] for s in slides if s["notes"][:40] and s["notes"][:40] in s["text"]]
    assert not leaked, f"{name}: notes printed on the slide itself: {leaked}"


def test_the_slides_cover_the_talk(decks):
    """The issue's outline, in order: question, claim, design, key numbers,
    responder P, clinical importance, risk of bias, later trials, verdicts, discussion."""
    name, d, _ = decks
    ids = [s["id"] for s in d["slides"]]
    wanted = ["question", "claim", "design", "key-numbers", "responder-p", "clinical", "rob",
              "next", "verdicts", "discussion"]
    assert [i for i in ids if i in wanted] == wanted, (name, ids)


def test_every_number_on_the_slides_is_in_the_report(decks):
    """The slides and their notes print only numbers the report prints too (the
    same renderer's report.html): the same code gives the same digits."""
    name, d, files = decks
    report = " ".join(html_page(files["report.html"]).text)
    on_slides = " ".join(s["title"] + " " + s["text"] + " " + s["notes"] for s in d["slides"])
    assert len(numbers(on_slides)) > 60
    missing = numbers_not_in(on_slides, report)
    assert not missing, f"{name}: numbers on the slides that the report does not print: {missing}"


def test_the_number_check_finds_a_number_the_report_lacks(decks):
    """A slide that said 31.7% where the report says otherwise would be caught."""
    name, d, files = decks
    report = " ".join(html_page(files["report.html"]).text)
    doctored = d["slides"][4]["text"] + " Pain fell by 31.7% on LDN."
    assert numbers_not_in(doctored, report) == ["31.7%"], name


@pytest.mark.parametrize("fact", ["responder counts", "reported responder P", "paired range",
                                  "recovered pain interval", "NNT point estimate",
                                  "Holm satisfaction/mood"])
def test_key_facts_recomputed_independently_are_on_the_slides(decks, fact):
    name, d, _ = decks
    needle = normalise(independent_numbers()[fact])
    text = " ".join(s["text"] for s in d["slides"])
    assert needle in text, f"{name}: {fact} ({needle}) not on the slides"


def test_verdicts_match_the_report(decks, results):
    """The verdict slide lists every claim under the report's label, with the
    report's counts; every label it uses is one of claims.VERDICTS."""
    name, d, files = decks
    slide = next(s for s in d["slides"] if s["id"] == "verdicts")
    vs = claims.verdicts(results)
    counts = Counter(v.verdict for v in vs)
    text = slide["text"]
    for label, n in counts.items():
        assert re.search(re.escape(label) + r"\s+" + str(n) + r"\b", text), (name, label, n)
    for v in vs:
        assert normalise(v.short) in text, (name, v.claim_id)
    report = normalise(" ".join(html_page(files["report.html"]).text))
    for label in counts:
        assert label in report, f"{name}: verdict {label!r} is not in the report"
    assert "not supported" in text and "major breakthrough" in text


def test_images_have_alt_text(decks):
    name, d, _ = decks
    figures = [i for i in d["images"] if i["slide"] in ("design", "responder-p", "clinical", "next")]
    assert len({i["slide"] for i in figures}) == 4, (name, d["images"])
    assert all(len(i["alt"]) > 40 for i in figures), (name, figures)


def test_one_self_contained_file(decks):
    """Nothing for the browser to fetch: every src, and every stylesheet or script
    link, is a data: URI or in-page (the browser test also watches the requests)."""
    name, _, files = decks
    html = files["slides.html"].read_text(encoding="utf-8")
    # markup only: the bodies of scripts build their own markup at run time
    html = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", html, flags=re.S | re.I)
    fetched = re.findall(r"<(?:img|script|iframe|source|video|audio)\b[^>]*\bsrc=[\"']([^\"']+)", html)
    fetched += re.findall(r"<link\b[^>]*\bhref=[\"']([^\"']+)", html)
    external = [u[:80] for u in fetched if not u.startswith(("data:", "#"))]
    assert not external, f"{name}: {external}"
    assert "cdn.jsdelivr.net/npm/mathjax" not in html, f"{name}: MathJax would load from a CDN"


def test_both_renderers_give_the_same_slides(offline_outputs, quarto_outputs):
    a, b = (deck(f["slides.html"]) for f in (offline_outputs, quarto_outputs))
    assert [s["title"] for s in a["slides"]] == [s["title"] for s in b["slides"]]
    for sa, sb in zip(a["slides"], b["slides"]):
        assert numbers(sa["text"]) == numbers(sb["text"]), sa["title"]
        assert numbers(sa["notes"]) == numbers(sb["notes"]), sa["title"]
        assert sa["notes"] == sb["notes"], sa["title"]
    assert [i["alt"] for i in a["images"]] == [i["alt"] for i in b["images"]]


# ------------------------------------------ the offline renderer's revealjs ----

DECK = """---
title: "A deck"
format:
  revealjs:
    embed-resources: true
    width: 1280
    height: 720
{extra}---

## One

Text.

::: {{.notes}}
Say this.
:::
"""


def _deck_project(tmp_path: Path, extra: str = "    auto-stretch: false\n", body: str | None = None,
                  reveal: bool = True) -> Path:
    if reveal:
        if not (ROOT / "node_modules" / "reveal.js").is_dir():
            pytest.skip("reveal.js not installed: run npm ci")
        (tmp_path / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    (tmp_path / "deck.qmd").write_text(body or DECK.format(extra=extra), encoding="utf-8")
    return tmp_path / "deck.qmd"


def _render(path: Path):
    from render.pipeline import render
    return render([path], root=path.parent, outdir=path.parent / "out", quiet=True, use_cache=False)


def test_offline_revealjs_writes_one_deck_with_notes(tmp_path):
    _render(_deck_project(tmp_path, "    auto-stretch: false\n    slide-number: true\n"))
    html = (tmp_path / "out" / "deck.html").read_text(encoding="utf-8")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["deck.html"]
    d = deck(tmp_path / "out" / "deck.html")
    assert [s["id"] for s in d["slides"]] == ["title-slide", "one"]
    assert d["slides"][1]["notes"] == "Say this." and "Say this" not in d["slides"][1]["text"]
    for setting in ("width: 1280", "height: 720", "center: false", "slideNumber: 'c/t'",
                    "transition: 'none'"):
        assert setting in html, setting
    assert not re.search(r"<(script|link)\b[^>]*(src|href)=\"(?!data:)", html)


@pytest.mark.parametrize("extra, body, construct", [
    ("", None, "auto-stretch"),
    ("    auto-stretch: false\n    slide-number: sometimes\n", None, "slide-number"),
    ("    auto-stretch: false\n    css: missing.css\n", None, "css: missing.css"),
    ("    auto-stretch: false\n    theme: serif\n", None, "revealjs option 'theme'"),
    ("", "---\ntitle: x\nformat: html\n---\n\n::: {.notes}\nSecret.\n:::\n", "notes"),
    ("", "---\ntitle: x\nformat:\n  html: {}\n  revealjs: {}\n---\n\nText.\n", "formats html, revealjs"),
])
def test_offline_revealjs_refuses_what_it_would_get_wrong(tmp_path, extra, body, construct):
    from render.errors import RenderError
    with pytest.raises(RenderError) as err:
        _render(_deck_project(tmp_path, extra, body))
    assert construct in str(err.value), str(err.value)
    assert not (tmp_path / "out").exists()


def test_offline_revealjs_names_npm_when_reveal_js_is_missing(tmp_path):
    from render.errors import RenderError
    with pytest.raises(RenderError) as err:
        _render(_deck_project(tmp_path, reveal=False))
    assert "node_modules/reveal.js" in str(err.value) and "npm ci" in str(err.value)
