"""One source, two renderers, the same document. Real Quarto and the offline
renderer render the same snapshot of the project; a reader must find the same
numbers, captions, cross-references, citations and pages in both, and neither
renderer may print text over other text or off the page.

Quarto's documented behaviour is the reference: where these tests fail, the
offline renderer (or the project's options) is what to change."""
from __future__ import annotations

import difflib
import re
import subprocess

import pytest
from pypdf import PdfReader

from tests import pdflayout
from tests.readable import html_page, normalise, numbers, pdf_text

pytestmark = [pytest.mark.render, pytest.mark.quarto]

PDFS = ["report.pdf", "handout.pdf", "handout-letter.pdf"]


def _diff(a: list, b: list, n: int = 6) -> str:
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            out.append(f"{op}: offline {a[i1:i2][:n]} / quarto {b[j1:j2][:n]}")
    return "\n".join(out[:10])


@pytest.fixture(scope="module")
def both(offline_outputs, quarto_outputs):
    return {"offline": offline_outputs, "quarto": quarto_outputs}


def test_every_output_is_there(outputs):
    name, files = outputs
    missing = {"report.html", "index.html", *PDFS} - set(files)
    assert not missing, f"{name} did not write {sorted(missing)}"


@pytest.mark.parametrize("pdf", PDFS)
def test_no_overlapping_or_off_page_text(outputs, pdf):
    if not pdflayout.available():
        pytest.skip("pdftotext not found (apt-get install poppler-utils)")
    name, files = outputs
    found = pdflayout.problems(files[pdf])
    assert not found, f"{name} {pdf}: {len(found)} layout problems:\n" + "\n".join(found[:15])


def test_handout_is_two_pages_on_a4_and_letter(outputs):
    name, files = outputs
    for pdf, size in (("handout.pdf", (595.3, 841.9)), ("handout-letter.pdf", (612.0, 792.0))):
        reader = PdfReader(files[pdf])
        assert len(reader.pages) == 2, f"{name} {pdf}: {len(reader.pages)} pages"
        box = reader.pages[0].mediabox
        assert abs(float(box.width) - size[0]) < 1 and abs(float(box.height) - size[1]) < 1


def test_report_page_counts_agree(both):
    pages = {r: len(PdfReader(f["report.pdf"]).pages) for r, f in both.items()}
    assert abs(pages["offline"] - pages["quarto"]) <= 1, pages


def _body(text: str) -> str:
    """The text before the bibliography: its long URLs break at different
    places in the two renderers (the entries are compared in the HTML)."""
    return text.rsplit(" References ", 1)[0]


@pytest.mark.parametrize("pdf", PDFS)
def test_pdf_numbers_agree(both, pdf):
    """Every number in the text of the PDF, in reading order, is the same."""
    a, b = (numbers(_body(pdf_text(both[r][pdf]))) for r in ("offline", "quarto"))
    assert len(a) > 50
    assert a == b, _diff(a, b)


@pytest.mark.parametrize("pdf", PDFS)
def test_no_python_repr_in_pdf(outputs, pdf):
    """A number cell holds a number, not a Python object's repr."""
    name, files = outputs
    text = pdf_text(files[pdf])
    for leak in ("Result(", "namespace(", "estimate=", "object at 0x"):
        assert leak not in text, (name, pdf, leak)


@pytest.mark.parametrize("pdf", PDFS)
def test_pdf_words_agree(both, pdf):
    """The words agree too, apart from line-break hyphenation and the like."""
    a, b = (pdf_text(both[r][pdf]).split() for r in ("offline", "quarto"))
    ratio = difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio()
    assert ratio > 0.995, f"{pdf}: word similarity {ratio:.4f}\n{_diff(a, b)}"


def test_pdf_headings_numbered_as_each_document_asks(both):
    """The report numbers its sections (1 Summary); the handout sets
    number-sections: false and has none."""
    for r, files in both.items():
        report, handout = pdf_text(files["report.pdf"]), pdf_text(files["handout.pdf"])
        assert "1 Summary" in report and "2 The article The post" in report and "3 The trial at a glance" in report, r
        assert "The trial at a glance" in handout, r
        assert "1 The trial at a glance" not in handout, f"{r}: handout headings are numbered"


def test_pdf_captions_and_cross_references(both):
    """Table and figure captions carry the same numbers, and the references in
    the text name them the same way."""
    for pdf in ("report.pdf",):
        found = {}
        for r, files in both.items():
            text = pdf_text(files[pdf])
            found[r] = (sorted(set(re.findall(r"(?:Table|Figure) \d+:", text))),
                        re.findall(r"(?:Table|Figure|Section) [\d.]+\d", text))
        assert found["offline"][0] == found["quarto"][0]
        assert len(found["offline"][0]) >= 15
        assert found["offline"][1] == found["quarto"][1], _diff(found["offline"][1], found["quarto"][1])


def test_html_numbers_agree(both):
    a, b = (numbers(" ".join(html_page(both[r]["report.html"]).text)) for r in ("offline", "quarto"))
    assert len(a) > 500
    assert a == b, _diff(a, b)


@pytest.mark.parametrize("part", ["headings", "captions", "xrefs", "bibliography"])
def test_html_structure_agrees(both, part):
    a, b = (getattr(html_page(both[r]["report.html"]), part) for r in ("offline", "quarto"))
    assert len(a) >= 10, f"only {len(a)} {part} found"
    assert a == b, _diff(a, b, 3)


def test_landing_page_agrees(both):
    """index.html: the same words, headings and links in both renderers."""
    pages = {r: html_page(both[r]["index.html"]) for r in ("offline", "quarto")}
    a, b = (normalise(" ".join(p.text)).split() for p in pages.values())
    assert len(a) > 50
    assert a == b, _diff(a, b)
    assert pages["offline"].headings == pages["quarto"].headings
    links = {r: re.findall(r'<a [^>]*href="([^"#]+)"', both[r]["index.html"].read_text(encoding="utf-8"))
             for r in ("offline", "quarto")}
    assert links["offline"] == links["quarto"], links


def test_render_leaves_the_tree_clean(project_snapshot, both):
    """Neither renderer leaves a tracked file changed or an untracked file that
    is not ignored (Quarto appends to .gitignore unless its lines are there)."""
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project_snapshot,
                            capture_output=True, text=True, check=True).stdout
    assert status == "", status


def test_footer_says_clean_commit(both):
    for r, files in both.items():
        text = pdf_text(files["handout.pdf"])
        assert "Rendered from commit" in text and "uncommitted" not in text, r
