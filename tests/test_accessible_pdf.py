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


# --- PDF/UA-1 ------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _front_matter(qmd: Path) -> dict:
    import yaml
    text = qmd.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---", 2)[1])


def _struct_elements(pdf: PdfReader) -> list[tuple[str, object]]:
    """(structure type, element) of every element of the PDF's tag tree."""
    from pypdf.generic import ArrayObject, DictionaryObject
    out, stack = [], [pdf.trailer["/Root"]["/StructTreeRoot"].get_object().get("/K")]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, ArrayObject):
            stack.extend(reversed(list(node)))
        elif isinstance(node, DictionaryObject):
            if "/S" in node:
                out.append((str(node["/S"]), node))
            if "/K" in node:
                stack.append(node["/K"])
    return out


def ua_problems(path: Path, *, title: str, lang: str) -> list[str]:
    """What keeps a PDF from being the PDF/UA-1 document it should be: the
    identification in its XMP metadata, its title (shown as the window title)
    and language, alt text on every Figure element, a header cell in every table."""
    pdf = PdfReader(path)
    root = pdf.trailer["/Root"]
    found = []
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8") if "/Metadata" in root else ""
    if not re.search(r"pdfuaid:part(?:>|=\")\s*1\b", xmp):
        found.append("no PDF/UA-1 identification (pdfuaid:part 1) in the XMP metadata")
    info_title = (pdf.metadata or {}).get("/Title")
    if info_title != title:
        found.append(f"document title {info_title!r}, not {title!r}")
    if title not in xmp:
        found.append("the title is not in the XMP metadata (dc:title)")
    prefs = root.get("/ViewerPreferences")
    if not (prefs and prefs.get_object().get("/DisplayDocTitle")):
        found.append("DisplayDocTitle is not set (viewers show the file name, not the title)")
    if str(root.get("/Lang", "")) != lang:
        found.append(f"document language {root.get('/Lang')!r}, not {lang!r}")
    if "/StructTreeRoot" not in root:
        return found + ["not tagged (no structure tree)"]
    elements = _struct_elements(pdf)
    figures = [e for s, e in elements if s == "/Figure"]
    found += [f"Figure {i} has no alt text" for i, e in enumerate(figures, 1)
              if not str(e.get("/Alt", "")).strip()]
    for i, (s, table) in enumerate([(s, e) for s, e in elements if s == "/Table"], 1):
        inside = _struct_elements_under(table)
        if "/TH" not in inside:
            found.append(f"Table {i} has no header cells (TH)")
    return found + [f"figures: {len(figures)}"]


def _struct_elements_under(node) -> set[str]:
    from pypdf.generic import ArrayObject, DictionaryObject
    seen, stack = set(), [node.get("/K")]
    while stack:
        n = stack.pop()
        n = n.get_object() if hasattr(n, "get_object") else n
        if isinstance(n, ArrayObject):
            stack.extend(n)
        elif isinstance(n, DictionaryObject):
            if "/S" in n:
                seen.add(str(n["/S"]))
            if "/K" in n:
                stack.append(n["/K"])
    return seen


@pytest.mark.parametrize("pdf", ["report.pdf", "handout.pdf", "handout-letter.pdf"])
def test_pdfs_are_pdf_ua_1(outputs, pdf):
    name, files = outputs
    qmd = ROOT / pdf.replace("-letter", "").replace(".pdf", ".qmd")
    import yaml
    lang = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))["lang"]
    figures_in_source = qmd.read_text(encoding="utf-8").count("#| fig-alt:")
    found = ua_problems(files[pdf], title=_front_matter(qmd)["title"], lang=lang)
    assert found == [f"figures: {figures_in_source}"], f"{name} {pdf}: {found}"


def test_the_ua_check_fails_on_a_plain_tagged_pdf(tmp_path):
    """Typst's default PDF is tagged but not PDF/UA: the check says so, and what
    else is missing; under ua-1 Typst refuses an image without alt text, so the
    documents' figures must carry theirs (fig-alt)."""
    import typst
    src = tmp_path / "plain.typ"
    (tmp_path / "dot.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                                      '<circle cx="5" cy="5" r="4"/></svg>', encoding="utf-8")
    src.write_text('#set document(title: [T])\n#set text(lang: "en")\n= T\n#image("dot.svg")\n'
                   '#table(columns: 2, table.header([A], [B]), [1], [2])\n', encoding="utf-8")
    typst.compile(str(src), output=str(tmp_path / "plain.pdf"))
    found = ua_problems(tmp_path / "plain.pdf", title="T", lang="en-GB")
    assert any("pdfuaid" in f for f in found), found
    assert any("language 'en'" in f for f in found), found
    assert "Figure 1 has no alt text" in found, found
    assert not any("Table" in f for f in found), found  # table.header marks its row
    bare = tmp_path / "bare.typ"
    bare.write_text(src.read_text().replace("table.header([A], [B])", "[A], [B]"))
    typst.compile(str(bare), output=str(tmp_path / "bare.pdf"))
    assert "Table 1 has no header cells (TH)" in ua_problems(tmp_path / "bare.pdf", title="T", lang="en")
    with pytest.raises(typst.TypstError, match="alt text"):
        typst.compile(str(src), output=str(tmp_path / "ua.pdf"), pdf_standards=["ua-1"])
    src.write_text(src.read_text().replace('image("dot.svg")', 'image("dot.svg", alt: "A dot")'))
    typst.compile(str(src), output=str(tmp_path / "ua.pdf"), pdf_standards=["ua-1"])
    assert ua_problems(tmp_path / "ua.pdf", title="T", lang="en") == ["figures: 1"]


def test_offline_pdf_standard_option_as_quarto_hands_it_to_typst():
    """`pdf-standard` as Quarto 1.10 normalises it (case, "pdf" prefix, YAML
    numbers); a standard Typst cannot write is refused by name, not dropped."""
    from render.errors import RenderError
    from render.pipeline import pdf_standards
    assert pdf_standards({"pdf-standard": "ua-1"}, name="d.qmd") == ["ua-1"]
    assert pdf_standards({"pdf-standard": ["PDF/UA-1", 2, 1.7]}, name="d.qmd") == ["ua-1", "2.0", "1.7"]
    assert pdf_standards({}, name="d.qmd") == []
    with pytest.raises(RenderError, match="pdf-standard: ua-2.*not a standard Typst can write"):
        pdf_standards({"pdf-standard": "ua-2"}, name="d.qmd")
