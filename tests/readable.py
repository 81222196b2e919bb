"""What a reader sees of a rendered file, as plain text, so that two renderers'
outputs can be compared: the text of a PDF, and the text, headings, captions,
cross-references and bibliography of an HTML page (code, scripts, styles, the
title block and the table of contents left out)."""
from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

_TYPO = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2018": "'", "\u2019": "'",
                       "\u201c": '"', "\u201d": '"', "\u2212": "-", "\u2013": "-", "\u2014": "-",
                       "\u00ad": None, "\u200b": None})
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)*%?")


def normalise(text: str) -> str:
    """Whitespace and typography folded: no-break spaces, curly quotes, dashes
    and minus signs, ligatures (NFKC) are what differ between two typesetters."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPO)
    return re.sub(r"\s+", " ", text).strip()


def numbers(text: str) -> list[str]:
    return NUMBER.findall(normalise(text))


def pdf_text(pdf: Path) -> str:
    """The PDF's text in reading order, without the running header and page numbers."""
    raw = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = [p.splitlines() for p in raw.split("\f")]
    # a running header is a line that stands on most pages
    seen: dict[str, int] = {}
    for page in pages:
        for ln in set(page):
            seen[ln] = seen.get(ln, 0) + 1
    running = {ln for ln, n in seen.items() if len(pages) >= 3 and n > len(pages) / 2 and ln.strip()}
    kept = []
    for page in pages:
        lines = [ln for ln in page if ln not in running
                 and not re.fullmatch(r"\s*(.*\S\s+)?\d+ of \d+\s*", ln)]
        kept.append("\n".join(lines))
    text = "\n".join(kept)
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # words hyphenated at a line end
    return normalise(text)


@dataclass
class Page:
    text: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    xrefs: list[tuple[str, str]] = field(default_factory=list)
    bibliography: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    SKIP = {"script", "style", "pre", "summary", "nav", "noscript", "template"}
    VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "col", "area", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[tuple[str, dict]] = []
        self.capture: list[list] = []  # open (kind, buffer, extra) captures

    def _skipping(self) -> bool:
        for tag, attrs in self.stack:
            if tag in self.SKIP or attrs.get("id") == "title-block-header":
                return True
            if "hidden" in attrs or attrs.get("aria-hidden") == "true" and tag != "a":
                return True
        return not any(tag == "main" for tag, _ in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = dict(attrs)
        self.stack.append((tag, a))
        cls = (a.get("class") or "").split()
        kind = None
        if tag in ("h1", "h2", "h3", "h4"):
            kind = "headings"
        elif tag in ("figcaption", "caption"):
            kind = "captions"
        elif tag == "a" and "quarto-xref" in cls:
            kind = "xrefs"
        elif "csl-entry" in cls:
            kind = "bibliography"
        if kind:
            self.capture.append([kind, [], a.get("href", ""), len(self.stack)])

    def handle_endtag(self, tag):
        if tag in self.VOID or all(t != tag for t, _ in self.stack):
            return  # a stray end tag (as browsers do, ignore it)
        while self.stack:
            t, _ = self.stack.pop()
            depth = len(self.stack) + 1
            while self.capture and self.capture[-1][3] == depth:
                kind, buf, href, _ = self.capture.pop()
                text = normalise("".join(buf))
                if kind == "xrefs":
                    self.page.xrefs.append((text, href))
                else:
                    getattr(self.page, kind).append(text)
            if t == tag:
                break

    def handle_data(self, data):
        if self._skipping():
            return
        self.page.text.append(data)
        for c in self.capture:
            c[1].append(data)


def html_page(path: Path) -> Page:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.page
