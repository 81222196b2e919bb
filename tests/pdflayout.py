"""A PDF layout check a reader would make by eye: no text line overprinted on
another, no text outside the page. Reads the text boxes that poppler's
``pdftotext -bbox-layout`` reports (one box per line of text)."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_LINE = re.compile(r'<line xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</line>',
                   re.S)
_WORD = re.compile(r"<word[^>]*>(.*?)</word>", re.S)
_WORD_BOX = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>',
                       re.S)


@dataclass(frozen=True)
class Line:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    words: tuple = ()  # (x0, x1, text, y0, y1) of each word, in reading order

    def area(self) -> float:
        return max(0.0, self.x1 - self.x0) * max(0.0, self.y1 - self.y0)


def available() -> bool:
    return shutil.which("pdftotext") is not None


def lines(pdf: Path) -> tuple[list[tuple[float, float]], list[Line]]:
    """Page sizes (points) and every text line with its box."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    pages, out = [], []
    for k, m in enumerate(_PAGE.finditer(xml), start=1):
        pages.append((float(m.group(1)), float(m.group(2))))
        for lm in _LINE.finditer(m.group(3)):
            words = " ".join(w.strip() for w in _WORD.findall(lm.group(5)))
            boxes = tuple((float(w[0]), float(w[2]), w[4].strip(), float(w[1]), float(w[3]))
                          for w in _WORD_BOX.findall(lm.group(5)))
            out.append(Line(k, *map(float, lm.groups()[:4]), words, boxes))
    return pages, out


def origins_off_page(pdf: Path, seen: dict[int, str] | None = None) -> list[str]:
    """Text runs that start outside the page (pdftotext drops those entirely,
    so it cannot see them): their origin, from pypdf's content-stream walk.
    ``seen``: the text poppler found on each page, without spaces; a run it
    found is on the page whatever pypdf computes (pypdf leaves out the offset of
    a form XObject in some PDFs, e.g. Typst 0.13's figures, and puts their text
    at the page's left edge)."""
    from pypdf import PdfReader
    issues = []
    for k, page in enumerate(PdfReader(pdf).pages, start=1):
        box = page.mediabox
        x0, y0, x1, y1 = (float(v) for v in (box.left, box.bottom, box.right, box.top))

        def visit(text, cm, tm, font_dict, font_size, k=k):
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if seen is not None and re.sub(r"\s+", "", text) in seen.get(k, ""):
                return
            if not (x0 - 0.5 <= x <= x1 + 0.5 and y0 - 0.5 <= y <= y1 + 0.5):
                issues.append(f"page {k}: text outside the page: {text.strip()[:60]!r}")
        page.extract_text(visitor_text=visit)
    return issues


def problems(pdf: Path, *, min_overlap: float = 0.25) -> list[str]:
    """Lines that overlap another line on the same page by more than
    ``min_overlap`` of the smaller line's area, and text outside the page box
    (lines that run over its edge, and runs that start beyond it)."""
    pages, found = lines(pdf)
    seen: dict[int, str] = {}
    for ln in found:
        seen[ln.page] = seen.get(ln.page, "") + re.sub(r"\s+", "", ln.text)
    issues = origins_off_page(pdf, seen)
    by_page: dict[int, list[Line]] = {}
    for ln in found:
        by_page.setdefault(ln.page, []).append(ln)
        w, h = pages[ln.page - 1]
        if ln.x0 < -0.5 or ln.y0 < -0.5 or ln.x1 > w + 0.5 or ln.y1 > h + 0.5:
            issues.append(f"page {ln.page}: text outside the page: {ln.text[:60]!r}")
    for ln in found:  # words of one line printed over each other (text run into the next cell)
        for (ax0, ax1, at, ay0, ay1), (bx0, bx1, bt, by0, by1) in zip(ln.words, ln.words[1:]):
            # a line set vertically (a figure's rotated axis label) runs along y:
            # its words share their x range and follow each other in y
            beside = min(ay1, by1) - max(ay0, by0) > 0.5 * min(ay1 - ay0, by1 - by0)
            if beside and bx0 < ax1 - 0.5 and bx0 >= ax0:
                issues.append(f"page {ln.page}: overlapping words: {at[:40]!r} / {bt[:40]!r}")
    for page, items in by_page.items():
        items.sort(key=lambda a: a.y0)
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                if b.y0 >= a.y1:
                    break
                ix = min(a.x1, b.x1) - max(a.x0, b.x0)
                iy = min(a.y1, b.y1) - max(a.y0, b.y0)
                if ix <= 0 or iy <= 0:
                    continue
                small = min(a.area(), b.area()) or 1.0
                if ix * iy > min_overlap * small:
                    issues.append(f"page {page}: overlapping text: {a.text[:40]!r} / {b.text[:40]!r}")
    return issues
