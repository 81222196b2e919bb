"""The PDF layout check (tests/pdflayout.py) on a captioned table too long for
one page. With Quarto's own Typst template a captioned table is an unbreakable
figure, so its rows overprint at the foot of the page (what Quarto did to this
project's long tables before it had its own template): the check must see that.
With the project's template partials the table breaks across pages, header
repeated, and the check finds nothing."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from render.pipeline import render
from tests import pdflayout

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "longtable"
pytestmark = pytest.mark.render


def _render(tmp: Path, partials: bool) -> Path:
    shutil.copytree(FIXTURE, tmp, dirs_exist_ok=True)
    if partials:
        shutil.copytree(ROOT / "_typst", tmp / "_typst")
        (tmp / "_quarto.yml").write_text(
            "format:\n  typst:\n    template-partials:\n"
            "      - _typst/typst-template.typ\n      - _typst/typst-show.typ\n", encoding="utf-8")
    render([tmp / "long.qmd"], root=tmp, outdir=tmp / "out", quiet=True, use_cache=False)
    return tmp / "out" / "long.pdf"


@pytest.fixture(autouse=True)
def _poppler():
    if not pdflayout.available():
        pytest.skip("pdftotext not found (apt-get install poppler-utils)")


def test_check_catches_the_overprinted_table(tmp_path):
    pdf = _render(tmp_path, partials=False)
    found = pdflayout.problems(pdf)
    assert len(found) > 100, found[:5]
    assert any("overlapping text" in f for f in found)


def test_project_template_breaks_the_table_across_pages(tmp_path):
    pdf = _render(tmp_path, partials=True)
    assert pdflayout.problems(pdf) == []
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 3
    pages = [p.extract_text() for p in reader.pages]
    assert "row 119" in pages[-1]
    # the header row is repeated on every page the table continues on
    assert all("Row" in p and "Value" in p for p in pages[1:])


def test_check_catches_text_off_the_page(tmp_path):
    import typst
    src = tmp_path / "off.typ"
    src.write_text('#set page(width: 200pt, height: 200pt, margin: 10pt)\n'
                   '#place(dx: 150pt, dy: 20pt)[Runs off the right edge]\n'
                   '#place(dx: 20pt, dy: 230pt)[Wholly below the page]\nIn the page.\n',
                   encoding="utf-8")
    pdf = tmp_path / "off.pdf"
    typst.compile(str(src), output=str(pdf))
    found = pdflayout.problems(pdf)
    assert any("outside the page" in f and "Runs off" in f for f in found), found
    assert any("outside the page" in f and "Wholly below" in f for f in found), found
    assert not any("In the page" in f for f in found), found


def test_check_catches_text_run_into_the_next_cell(tmp_path):
    """An identifier too long for its column runs into the next cell's text (what the
    provenance table once did): the words overlap within one line."""
    import typst
    src = tmp_path / "cell.typ"
    src.write_text('#set page(width: 300pt, height: 120pt, margin: 10pt)\n'
                   '#table(columns: (60pt, 80pt), stroke: none, inset: 2pt,\n'
                   '  raw("y13.conf.symptoms.reduction.placebo"), [27.4 percent])\n', encoding="utf-8")
    pdf = tmp_path / "cell.pdf"
    typst.compile(str(src), output=str(pdf))
    found = pdflayout.problems(pdf)
    assert any("overlapping" in f and "27.4" in f for f in found), found


def test_check_reads_a_rotated_label_along_its_own_line(tmp_path):
    """A figure's y-axis label, set vertically (as the SVG figures' words now are
    text), is one line whose words follow each other in y: not overprinted. The
    same words overprinted side by side still are."""
    import typst
    src = tmp_path / "rot.typ"
    src.write_text('#set page(width: 300pt, height: 300pt, margin: 10pt)\n'
                   '#place(dx: 20pt, dy: 40pt, rotate(-90deg, reflow: true)[Pain reduction from baseline (%)])\n'
                   '#place(dx: 100pt, dy: 40pt)[Difference]\n'
                   '#place(dx: 130pt, dy: 40pt)[(percentage points)]\n', encoding="utf-8")
    pdf = tmp_path / "rot.pdf"
    typst.compile(str(src), output=str(pdf))
    found = pdflayout.problems(pdf)
    assert not any("reduction" in f or "baseline" in f for f in found), found
    assert any("overlapping" in f and "Difference" in f for f in found), found
