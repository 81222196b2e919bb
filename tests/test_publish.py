"""Publishing: the licence, the citation, the published address and the
landing page, as a reader meets them.

- LICENSE and the README say which licence covers what; the data package
  carries its licence and its sources;
- CITATION.cff is valid Citation File Format 1.2.0 (cffconvert, which is shown
  to reject broken files), and the README's "How to cite" line is the one the
  code generates from it;
- with `site-url` set (a test value), both renderers print it in the handout
  (A4 and US Letter, still two pages) and under the report's title, and the
  handout's QR code, read back from the printed page by an independent decoder
  (zxing-cpp), gives the address;
- with it unset (the project as committed), no output of either renderer
  contains a local path;
- the landing page (index.html) lists exactly the files the project renders,
  with links that open them, in both renderers.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from analysis import publish
from tests.readable import html_page, normalise, pdf_text

ROOT = Path(__file__).resolve().parents[1]
TEST_URL = "https://journal-club.example.org/ldn-fibromyalgia-reanalysis/"
HANDOUTS = ("handout.pdf", "handout-letter.pdf")


def _cff_text() -> str:
    return (ROOT / "CITATION.cff").read_text(encoding="utf-8")


# --------------------------------------------------------------------- licence

def test_licence_file_names_both_licences():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in text and "Permission is hereby granted, free of charge" in text
    assert "CC BY 4.0" in text and "https://creativecommons.org/licenses/by/4.0/" in text
    # the vendored Quarto template keeps its own MIT notice
    assert "MIT" in (ROOT / "render/templates/quarto-typst/README.md").read_text(encoding="utf-8")


def test_readme_says_which_licence_applies_to_what():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How to cite and reuse", 1)[1].split("\n## ", 1)[0]
    assert "MIT" in section and "CC BY 4.0" in section and "LICENSE" in section


def test_data_package_carries_its_licence_and_sources():
    desc = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    names = [lic["name"] for lic in desc["licenses"]]
    assert names == ["CC-BY-4.0"], names
    assert desc["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    for src in desc["sources"]:  # each source keeps its own citation
        assert src["title"].strip(), src
        assert src.get("path", "https://").startswith("https://"), src
    assert sum("path" in src for src in desc["sources"]) >= 10


# -------------------------------------------------------------------- citation

def test_citation_cff_is_valid():
    from cffconvert import Citation
    citation = Citation(_cff_text())
    assert citation.cffversion == "1.2.0"
    citation.validate()  # raises jsonschema.ValidationError when invalid


@pytest.mark.parametrize("breakage", [
    "no authors", "author as a bare string", "unknown licence", "unknown key", "bad doi"])
def test_cff_validation_rejects_a_broken_file(breakage):
    """The validation above can fail: each of these breaks the schema."""
    import jsonschema
    from cffconvert import Citation
    cff = yaml.safe_load(_cff_text())
    if breakage == "no authors":
        del cff["authors"]
    elif breakage == "author as a bare string":
        cff["authors"] = ["LDN re-analysis project"]  # a bare name, not a person or entity
    elif breakage == "unknown licence":
        cff["license"] = ["MIT", "Beerware-9"]
    elif breakage == "unknown key":
        cff["website"] = "https://example.org/"
    elif breakage == "bad doi":
        cff["references"][0]["doi"] = "art.37734"
    with pytest.raises(jsonschema.ValidationError):
        Citation(yaml.safe_dump(cff, allow_unicode=True, sort_keys=False)).validate()


def test_cff_reference_is_the_trial_in_references_bib():
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    entry = bib.split("@article{younger2013fibromyalgia,", 1)[1].split("\n}", 1)[0]
    ref = yaml.safe_load(_cff_text())["references"][0]
    assert f"doi     = {{{ref['doi']}}}" in entry
    assert f"year    = {{{ref['year']}}}" in entry
    assert f"pages   = {{{ref['start']}--{ref['end']}}}" in entry


def test_cff_url_agrees_with_site_url():
    """One address: CITATION.cff may repeat site-url (GitHub shows it), never another."""
    cff, site = yaml.safe_load(_cff_text()), publish.site_url(ROOT)
    if cff.get("url") or site:
        assert cff.get("url") == site, (
            f"CITATION.cff url {cff.get('url')!r} and _quarto.yml site-url {site!r} must be "
            "the same address")


def test_readme_how_to_cite_line_is_generated_from_the_cff():
    expected = publish.citation(publish.read_cff(ROOT), url=publish.site_url(ROOT))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"\n> {expected}\n" in readme, (
        f"README.md's 'How to cite' line should read (python -m analysis cite):\n> {expected}")


def test_citation_line():
    cff = {"title": "A title", "authors": [{"name": "A group"},
                                           {"family-names": "Younger", "given-names": "Jarred"}],
           "version": "2.0"}
    assert publish.citation(cff) == "A group, Younger J. A title. Version 2.0."
    assert (publish.citation(cff, url="https://x.org/", commit="abc1234", date="1 May 2026")
            == "A group, Younger J. A title. Version 2.0, commit abc1234, 1 May 2026. https://x.org/")
    md = publish.citation_markdown({"title": "*Not* emphasis", "authors": [{"name": "G"}]},
                                   url="https://x.org/")
    assert md == r"G\. \*Not\* emphasis\. <https://x.org/>"


# ------------------------------------------------------------------- site-url

def test_site_url_is_empty_by_default():
    assert publish.site_url(ROOT) is None


@pytest.mark.parametrize("value", ["example.org/ldn", "file:///home/me/ldn/_output/",
                                   "https://exa mple.org/", "https://example.org/\"><script>",
                                   "javascript:alert(1)"])
def test_a_bad_site_url_is_refused_with_the_file_named(tmp_path, value):
    (tmp_path / "_quarto.yml").write_text(yaml.safe_dump({"site-url": value}), encoding="utf-8")
    with pytest.raises(publish.PublishError, match=r"_quarto\.yml: site-url .* https://"):
        publish.site_url(tmp_path)


def test_a_good_site_url_is_read(tmp_path):
    (tmp_path / "_quarto.yml").write_text(f"site-url: {TEST_URL}\n", encoding="utf-8")
    assert publish.site_url(tmp_path) == TEST_URL


def test_data_check_stops_on_a_bad_site_url(tmp_path):
    """`make report` runs `python -m analysis check` first: a bad address stops
    it there, with the file and the fix named, before anything renders."""
    (tmp_path / "_quarto.yml").write_text("site-url: www.example.org\n", encoding="utf-8")
    (tmp_path / "CITATION.cff").write_text(_cff_text(), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "analysis", "check"], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "_quarto.yml: site-url 'www.example.org' is not a web address" in proc.stderr
    assert "https://" in proc.stderr and "Nothing was rendered" in proc.stderr


def test_outputs_list_refuses_a_path():
    with pytest.raises(publish.PublishError, match="plain file name"):
        publish.outputs_markdown([("../secret.txt", "no")])


# ------------------------------------------------- rendered, address unset

def _local_paths(root: Path) -> list[str]:
    home = str(Path.home())
    paths = {str(ROOT), str(root), str(root.parent)}
    if len(home) > 1:
        paths.add(home)
    return sorted(paths, key=len, reverse=True)


def _readable(path: Path) -> str:
    """What a file says: a PDF's raw bytes and extracted text; an HTML file's
    text without its data: URIs (base64, where any short string can occur)."""
    if path.suffix == ".pdf":
        return path.read_bytes().decode("latin-1") + "\n" + pdf_text(path)
    return re.sub(r"data:[^\"')\s]+", "data:", path.read_text(encoding="utf-8"))


def test_local_path_check_can_fail(tmp_path):
    """A path printed in a PDF or written in an HTML file (outside a data: URI) is found."""
    import typst
    (tmp_path / "t.typ").write_text(f'Made in #"{tmp_path}/_output".\n', encoding="utf-8")
    typst.compile(str(tmp_path / "t.typ"), output=str(tmp_path / "t.pdf"))
    (tmp_path / "t.html").write_text(f'<img src="data:image/png;base64,AAAA"><p>{tmp_path}/x</p>')
    for f in ("t.pdf", "t.html"):
        assert [p for p in _local_paths(tmp_path) if p in _readable(tmp_path / f)], f


@pytest.mark.render
@pytest.mark.quarto
def test_no_output_contains_a_local_path(outputs, project_snapshot):
    name, files = outputs
    assert len(files) >= 5
    for f in files.values():
        text = _readable(f)
        found = [p for p in _local_paths(project_snapshot) if p in text]
        assert not found, f"{name} {f.name} contains the local path(s) {found}"


@pytest.mark.render
@pytest.mark.quarto
def test_address_unset_prints_commit_and_date_only(outputs):
    name, files = outputs
    for f in ("report.pdf", "handout.pdf"):
        text = pdf_text(files[f])
        assert re.search(r"Rendered from commit [0-9a-f]{7,} on \d{1,2} \w+ \d{4}\.", text), (name, f)
        assert "Latest version" not in text and "QR code" not in text, (name, f)


# --------------------------------------------------- rendered, address set

@pytest.fixture(scope="module")
def site_snapshot(tmp_path_factory):
    from tests.renderers import snapshot
    (root := tmp_path_factory.mktemp("site") / "project").mkdir()
    return snapshot(root, site_url=TEST_URL)


@pytest.fixture(scope="module", params=["offline", "quarto"])
def site_outputs(request, site_snapshot):
    """The project with site-url set, rendered by one renderer."""
    from tests.renderers import (INSTALL_HINT, quarto_command, render_offline, render_quarto,
                                 unavailable)
    if request.param == "offline":
        return "offline", render_offline(site_snapshot)
    quarto = quarto_command()
    if quarto is None:
        unavailable("Quarto is not installed", INSTALL_HINT)
    return "quarto", render_quarto(site_snapshot, quarto)


def _squeezed(text: str) -> str:
    """Text without whitespace: a long address may break across lines."""
    return re.sub(r"\s+", "", text)


def read_qr_codes(pdf: Path, page: int = 1, dpi: int = 150) -> list:
    """The QR codes zxing-cpp finds on one page of the PDF, rasterised by poppler."""
    import tempfile

    import matplotlib.image
    import numpy as np
    import zxingcpp
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", "-f", str(page),
                        "-l", str(page), str(pdf), f"{tmp}/page"], capture_output=True, check=True)
        pixels = matplotlib.image.imread(f"{tmp}/page.png")
    if pixels.ndim == 3:
        pixels = pixels[..., 0]
    gray = (pixels * 255).astype(np.uint8) if pixels.dtype != np.uint8 else pixels
    return [c for c in zxingcpp.read_barcodes(gray) if c.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.render
@pytest.mark.quarto
@pytest.mark.parametrize("pdf", HANDOUTS)
def test_handout_prints_the_address_and_stays_two_pages(site_outputs, pdf):
    name, files = site_outputs
    reader = PdfReader(files[pdf])
    assert len(reader.pages) == 2, f"{name} {pdf}: {len(reader.pages)} pages with the QR code"
    text = pdf_text(files[pdf])
    assert TEST_URL in _squeezed(text), f"{name} {pdf}: the address is not printed"
    assert "Full report:" in text and "QR code on page 1" in text


@pytest.mark.render
@pytest.mark.quarto
@pytest.mark.parametrize("pdf", HANDOUTS)
def test_handout_qr_code_reads_back_as_the_address(site_outputs, pdf):
    name, files = site_outputs
    codes = read_qr_codes(files[pdf])
    assert [c.text for c in codes] == [TEST_URL], f"{name} {pdf}: {[c.text for c in codes]}"
    # top right of page 1, beside the title
    width, height = (float(x) for x in PdfReader(files[pdf]).pages[0].mediabox[2:])
    pos = codes[0].position
    px_per_pt = 150 / 72
    assert pos.top_left.x > 0.75 * width * px_per_pt and pos.bottom_left.y < 0.15 * height * px_per_pt
    assert not read_qr_codes(files[pdf], page=2)


def test_qr_reader_finds_nothing_without_a_code(tmp_path):
    """The decoder is not fooled by a page of text: the check above can fail."""
    import typst
    src = tmp_path / "t.typ"
    src.write_text("#lorem(200)\n", encoding="utf-8")
    typst.compile(str(src), output=str(tmp_path / "t.pdf"))
    assert read_qr_codes(tmp_path / "t.pdf") == []


def test_qr_svg_reads_back_and_differs_by_address(tmp_path):
    """The SVG itself, placed on a page by Typst, decodes to its address."""
    import typst
    for url in (TEST_URL, "https://example.org/other/"):
        src = tmp_path / "q.typ"
        src.write_text(f"#image(bytes({publish.typst_string(publish.qr_svg(url))}), "
                       'format: "svg", width: 3cm)\n', encoding="utf-8")
        typst.compile(str(src), output=str(tmp_path / "q.pdf"))
        assert [c.text for c in read_qr_codes(tmp_path / "q.pdf")] == [url]


@pytest.mark.render
@pytest.mark.quarto
def test_handout_layout_with_the_address(site_outputs):
    from tests import pdflayout
    if not pdflayout.available():
        pytest.skip("pdftotext not found (apt-get install poppler-utils)")
    name, files = site_outputs
    for pdf in HANDOUTS:
        found = pdflayout.problems(files[pdf])
        assert not found, f"{name} {pdf}: " + "\n".join(found[:10])


@pytest.mark.render
@pytest.mark.quarto
def test_report_title_block_and_citation_print_the_address(site_outputs):
    name, files = site_outputs
    first_page = PdfReader(files["report.pdf"]).pages[0].extract_text()
    assert "Latest version:" in first_page and TEST_URL in _squeezed(first_page), name
    text = pdf_text(files["report.pdf"])
    cite = _squeezed(text.split("How to cite.", 1)[1][:400])
    assert cite.startswith(_squeezed(publish.citation(publish.read_cff(ROOT)).rstrip(".")))
    assert TEST_URL in cite, name
    html = files["report.html"].read_text(encoding="utf-8")
    assert html.count(f'href="{TEST_URL}"') >= 2, f"{name}: the address is not linked twice"


# ---------------------------------------------------------------- landing page

def _links(html: Path) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"#:]+)"', html.read_text(encoding="utf-8"))


@pytest.mark.render
@pytest.mark.quarto
def test_landing_page_lists_exactly_what_is_rendered(outputs):
    name, files = outputs
    listed = [f for f, _ in publish.OUTPUTS]
    rendered = set(files) - {"index.html", "handout-letter.pdf"}  # the letter copy is the tests'
    assert set(listed) == rendered, f"{name}: listed {listed}, rendered {sorted(rendered)}"
    links = _links(files["index.html"])
    assert links == listed, f"{name}: index.html links {links}"
    for link in links:  # each opens a file beside it
        assert (files["index.html"].parent / link).is_file(), (name, link)


@pytest.mark.render
@pytest.mark.quarto
def test_landing_page_has_stamp_citation_and_licence(outputs):
    name, files = outputs
    text = normalise(" ".join(html_page(files["index.html"]).text))
    assert re.search(r"Rendered from commit [0-9a-f]{7,} on \d{1,2} \w+ \d{4}\.", text), name
    assert normalise(publish.citation(publish.read_cff(ROOT)).rstrip(".")) in text, name
    assert normalise(publish.LICENCE_SENTENCE) in text, name


@pytest.mark.render
@pytest.mark.quarto
def test_landing_page_prints_the_address_when_set(site_outputs):
    name, files = site_outputs
    assert f'href="{TEST_URL}"' in files["index.html"].read_text(encoding="utf-8"), name


def test_landing_page_prose_types_no_number():
    from tests.prose import typed_numbers
    assert typed_numbers(ROOT / "index.qmd") == []
