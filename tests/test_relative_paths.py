"""Files a document names resolve relative to the document, in every format, as
in Quarto (issue 24): a Markdown image with a relative path, plain and as a
labelled figure, in a document in a subfolder rendered from the project root,
to Typst (PDF) and HTML; its own bibliography likewise. Before, Typst looked
for the image beside its generated .typ file: `typst: error: file not found`."""
from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.render


def png(width: int, height: int) -> bytes:
    """A small red PNG, written here so that the test needs no image library."""
    raw = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


DOC = """---
title: "Dots"
bibliography: refs.bib
format:
  typst:
    citeproc: true
  html: default
---

A plain image:

![A dot](img/dot.png)

A figure:

![A red dot.](img/dot.png){#fig-dot fig-alt="A small red square."}

See @fig-dot, as in @dot2020.
"""

BIB = """@article{dot2020,
  author = {Square, Red},
  title = {On dots},
  journal = {Journal of Dots},
  year = {2020}
}
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from render.pipeline import render
    root = tmp_path_factory.mktemp("relative")
    (root / "_quarto.yml").write_text("project:\n  type: default\n  output-dir: _output\n",
                                      encoding="utf-8")
    for folder in (root / "sub", root):  # in a subfolder, and in the project folder
        (folder / "img").mkdir(parents=True)
        (folder / "img" / "dot.png").write_bytes(png(8, 8))
        (folder / "refs.bib").write_text(BIB, encoding="utf-8")
    (root / "sub" / "dots.qmd").write_text(DOC, encoding="utf-8")
    (root / "top.qmd").write_text(DOC.replace('"Dots"', '"Top"'), encoding="utf-8")
    out = root / "_output"
    render([root / "sub" / "dots.qmd", root / "top.qmd"], root=root, outdir=out, quiet=True,
           use_cache=False)
    return out


@pytest.mark.parametrize("stem", ["dots", "top"])
def test_relative_image_is_in_the_pdf(rendered, stem):
    import pypdf
    reader = pypdf.PdfReader(rendered / f"{stem}.pdf")
    images = [img for page in reader.pages for img in page.images]
    assert images, f"{stem}.pdf has no image XObject"
    assert any(img.image.size == (8, 8) for img in images), [img.image.size for img in images]
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    # both figures numbered in one sequence, as Quarto numbers them in Typst
    assert "Figure 1: A dot" in text and "Figure 2: A red dot." in text, text
    assert "See Figure 2" in text, text
    assert "Journal of Dots" in text, f"the document's own bibliography is not in {stem}.pdf"


@pytest.mark.parametrize("stem", ["dots", "top"])
def test_relative_image_is_in_the_html(rendered, stem):
    html = (rendered / f"{stem}.html").read_text(encoding="utf-8")
    srcs = re.findall(r'<img[^>]*src="([^"]{0,40})', html)
    assert len(srcs) == 2 and all(s.startswith("data:image/png") for s in srcs), srcs
    assert "Journal of Dots" in html
