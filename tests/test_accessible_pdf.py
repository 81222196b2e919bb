"""PDFs everyone can read (issue 25), from both renderers: the words inside the
figures (trial names, axis labels, "favours LDN") are text in the PDFs, not
outlines, and the HTML's figures hold them as SVG <text>.

The words expected in report.pdf are the words of the SVG figures in the same
renderer's report.html; the handout shows the report's design timeline and
forest plot at another width, so its expected words are those two figures'
words. In the PDFs they must be set in the figures' font (DejaVu Sans, which
the body text does not use), so a trial name in the prose or a table does not
count as a figure word."""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
from pypdf import PdfReader

pytestmark = [pytest.mark.render, pytest.mark.quarto]

SVG = "{http://www.w3.org/2000/svg}"
FIGURE_FONT = "DejaVuSans"  # analysis/style.py FONT_FAMILY, as PDF base font names spell it


def html_svgs(html: Path) -> list[bytes]:
    """Every SVG image of an HTML page, inline or as a data: URI."""
    found: list[bytes] = []

    class _Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            src = dict(attrs).get("src") or ""
            if tag == "img" and src.startswith("data:image/svg+xml"):
                head, _, data = src.partition(",")
                found.append(base64.b64decode(data) if head.endswith(";base64")
                             else unquote_to_bytes(data))
    text = html.read_text(encoding="utf-8")
    _Images().feed(text)
    found += [m.encode() for m in re.findall(r"<svg\b.*?</svg>", text, flags=re.S)
              if "<text" in m]
    return found


def svg_words(svg: bytes) -> list[str]:
    return ["".join(el.itertext()) for el in ET.fromstring(svg).iter(f"{SVG}text")]


def worded(words) -> list[str]:
    """The words worth finding: strings with at least two letters."""
    return [w.strip() for w in words if len(re.findall(r"[^\W\d_]", w)) >= 2]


def figure_font_text(pdf: Path) -> str:
    """The text a PDF sets in the figures' font (not DejaVu Sans Mono, the code font)."""
    parts: list[str] = []

    def visit(text, cm, tm, font, size):
        name = str((font or {}).get("/BaseFont", ""))
        if FIGURE_FONT in name and "Mono" not in name:
            parts.append(text)
    for page in PdfReader(pdf).pages:
        page.extract_text(visitor_text=visit)
    return "\n".join(parts)


def _squash(text: str) -> str:
    # text extraction may drop or add spaces between words set separately
    return re.sub(r"\s+", "", text)


def report_figures(files: dict[str, Path]) -> list[list[str]]:
    """The words of each SVG figure of the renderer's report.html."""
    figures = [svg_words(s) for s in html_svgs(files["report.html"])]
    return [f for f in figures if f]


def missing_words(expected: list[str], pdf: Path) -> list[str]:
    have = _squash(figure_font_text(pdf))
    return [w for w in expected if _squash(w) not in have]


def test_html_figures_hold_their_words_as_svg_text(outputs):
    name, files = outputs
    svgs = html_svgs(files["report.html"])
    assert len(svgs) >= 4, f"{name}: {len(svgs)} SVG figures in report.html"
    for i, svg in enumerate(svgs, 1):
        assert worded(svg_words(svg)), f"{name} report.html figure {i}: no words as SVG text"
        assert b"@font-face" in svg, f"{name} report.html figure {i}: its font is not embedded"
    every = {w for svg in svgs for w in svg_words(svg)}
    assert any("favours LDN" in w for w in every)


@pytest.mark.parametrize("pdf", ["report.pdf", "handout.pdf"])
def test_figure_words_are_text_in_the_pdfs(outputs, pdf):
    name, files = outputs
    figures = report_figures(files)
    if pdf == "report.pdf":
        expected = [w for f in figures for w in worded(f)]
    else:  # the handout's two figures: the design timeline and the forest plot
        chosen = [f for f in figures if "Weeks from start" in f or any("favours LDN" in w for w in f)]
        assert len(chosen) == 2, f"{name}: timeline and forest plot not found in report.html"
        expected = [w for f in chosen for w in worded(f)]
    assert len(expected) >= 20 and "favours LDN" in " ".join(expected)
    lost = missing_words(expected, files[pdf])
    assert not lost, (f"{name} {pdf}: {len(lost)} of {len(expected)} figure words are not "
                      f"text in the figures' font: {lost[:12]}")


def test_the_check_fails_on_figures_drawn_as_outlines(tmp_path):
    """The same check on a PDF whose figure is the old export (glyphs as paths)
    finds none of its words; with the house export it finds them all."""
    import typst

    from analysis import figures, style
    fig = figures.forest([dict(label="Trial Alpha", year=2020, design="parallel", estimate=-0.2,
                               low=-0.5, high=0.1, weight=None)],
                         xlabel="SMD", favours=("favours LDN", "favours placebo"), width=3.3)
    fonts = Path(__file__).resolve().parents[1] / "_typst" / "fonts"
    results = {}
    for mode in ("path", "none"):
        (tmp_path / f"{mode}.svg").write_bytes(style.svg_bytes(fig, rc_overrides={"svg.fonttype": mode}))
        (tmp_path / f"{mode}.typ").write_text(f'#image("{mode}.svg")\n', encoding="utf-8")
        typst.compile(str(tmp_path / f"{mode}.typ"), output=str(tmp_path / f"{mode}.pdf"),
                      font_paths=[str(fonts)], ignore_system_fonts=True)
        results[mode] = missing_words(["Trial Alpha 2020", "favours LDN"], tmp_path / f"{mode}.pdf")
    assert results == {"path": ["Trial Alpha 2020", "favours LDN"], "none": []}
